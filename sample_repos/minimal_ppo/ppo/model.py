"""Actor-critic MLP with a hand-written backward pass.

Two separate two-layer tanh networks read the observation:

    actor:  obs -> tanh(W1 obs + b1) -> tanh(W2 h + b2) -> logits (one per action)
    critic: obs -> tanh(W1 obs + b1) -> tanh(W2 h + b2) -> value  (a scalar)

``forward`` keeps the activations that ``backward`` needs, the way an autograd
tape would, so the gradient of any loss can be pushed back by hand.
"""

from __future__ import annotations

import numpy as np

Params = dict[str, np.ndarray]


def _init_layer(rng: np.random.Generator, n_in: int, n_out: int, scale: float) -> tuple[np.ndarray, np.ndarray]:
    # Scaled normal init: small output layers keep the first policy near uniform.
    w = rng.standard_normal((n_in, n_out)) * scale / np.sqrt(n_in)
    return w, np.zeros(n_out)


class ActorCritic:
    def __init__(self, obs_size: int, num_actions: int, hidden: int = 64, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.params: Params = {}
        for head, n_out, out_scale in (("pi", num_actions, 0.01), ("v", 1, 1.0)):
            self.params[f"{head}_w1"], self.params[f"{head}_b1"] = _init_layer(rng, obs_size, hidden, np.sqrt(2))
            self.params[f"{head}_w2"], self.params[f"{head}_b2"] = _init_layer(rng, hidden, hidden, np.sqrt(2))
            self.params[f"{head}_w3"], self.params[f"{head}_b3"] = _init_layer(rng, hidden, n_out, out_scale)

    def _mlp(self, head: str, obs: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
        p = self.params
        h1 = np.tanh(obs @ p[f"{head}_w1"] + p[f"{head}_b1"])
        h2 = np.tanh(h1 @ p[f"{head}_w2"] + p[f"{head}_b2"])
        out = h2 @ p[f"{head}_w3"] + p[f"{head}_b3"]
        return out, (obs, h1, h2)

    def forward(self, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict]:
        """Batch forward pass: (logits [B, A], values [B], cache for backward)."""
        logits, pi_cache = self._mlp("pi", obs)
        value, v_cache = self._mlp("v", obs)
        return logits, value[:, 0], {"pi": pi_cache, "v": v_cache}

    def _mlp_backward(self, head: str, cache: tuple[np.ndarray, ...], d_out: np.ndarray, grads: Params) -> None:
        p = self.params
        obs, h1, h2 = cache
        grads[f"{head}_w3"] = h2.T @ d_out
        grads[f"{head}_b3"] = d_out.sum(axis=0)
        d_h2 = (d_out @ p[f"{head}_w3"].T) * (1.0 - h2**2)
        grads[f"{head}_w2"] = h1.T @ d_h2
        grads[f"{head}_b2"] = d_h2.sum(axis=0)
        d_h1 = (d_h2 @ p[f"{head}_w2"].T) * (1.0 - h1**2)
        grads[f"{head}_w1"] = obs.T @ d_h1
        grads[f"{head}_b1"] = d_h1.sum(axis=0)

    def backward(self, cache: dict, d_logits: np.ndarray, d_values: np.ndarray) -> Params:
        """Gradients of a scalar loss w.r.t. every parameter, given dL/dlogits and dL/dvalues."""
        grads: Params = {}
        self._mlp_backward("pi", cache["pi"], d_logits, grads)
        self._mlp_backward("v", cache["v"], d_values[:, None], grads)
        return grads

    def state_dict(self) -> Params:
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state: Params) -> None:
        missing = set(self.params) - set(state)
        if missing:
            raise KeyError(f"checkpoint is missing parameters: {sorted(missing)}")
        self.params = {k: np.asarray(state[k], dtype=np.float64).copy() for k in self.params}


def log_softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
