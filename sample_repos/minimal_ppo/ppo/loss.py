"""The PPO loss and its gradient.

With probability ratio r = pi(a|s) / pi_old(a|s) and advantage A:

    L_clip    = -mean( min(r * A, clip(r, 1 - eps, 1 + eps) * A) )
    L_value   =  mean( (V(s) - R)^2 )
    H         =  mean( -sum_a pi(a|s) log pi(a|s) )          (entropy)
    L         =  L_clip + vf_coef * L_value - ent_coef * H

Clipping removes the incentive to move r outside [1 - eps, 1 + eps], so one
batch of data cannot push the policy too far from the policy that collected it.
"""

from __future__ import annotations

import numpy as np

from .model import log_softmax


def ppo_loss(
    logits: np.ndarray,
    values: np.ndarray,
    actions: np.ndarray,
    old_logprobs: np.ndarray,
    advantages: np.ndarray,
    returns: np.ndarray,
    clip_eps: float,
    vf_coef: float,
    ent_coef: float,
) -> tuple[float, dict[str, float], np.ndarray, np.ndarray]:
    """Loss value, diagnostics, and dL/dlogits, dL/dvalues for the backward pass."""
    n = logits.shape[0]
    logp_all = log_softmax(logits)
    probs = np.exp(logp_all)
    logp = logp_all[np.arange(n), actions]
    ratio = np.exp(logp - old_logprobs)

    unclipped = ratio * advantages
    clipped = np.clip(ratio, 1.0 - clip_eps, 1.0 + clip_eps) * advantages
    policy_loss = -np.minimum(unclipped, clipped).mean()
    value_loss = ((values - returns) ** 2).mean()
    entropy_each = -(probs * logp_all).sum(axis=1)
    entropy = entropy_each.mean()
    loss = policy_loss + vf_coef * value_loss - ent_coef * entropy

    # Policy term: gradient flows only where the unclipped branch is the minimum.
    active = (unclipped <= clipped).astype(np.float64)
    d_logp = -(active * advantages * ratio) / n
    onehot = np.zeros_like(logits)
    onehot[np.arange(n), actions] = 1.0
    d_logits = d_logp[:, None] * (onehot - probs)
    # Entropy term: dH/dz_j = -p_j (log p_j + H) per sample.
    d_entropy = -probs * (logp_all + entropy_each[:, None])
    d_logits -= ent_coef * d_entropy / n
    d_values = vf_coef * 2.0 * (values - returns) / n

    stats = {
        "loss": float(loss),
        "policy_loss": float(policy_loss),
        "value_loss": float(value_loss),
        "entropy": float(entropy),
        "clip_fraction": float((np.abs(ratio - 1.0) > clip_eps).mean()),
        "approx_kl": float(((ratio - 1.0) - np.log(ratio)).mean()),
    }
    return float(loss), stats, d_logits, d_values
