"""A tiny PPO-style update in numpy, written the way public single-file trainers are:
module-level loop, GAE, normalised advantages, ratio, clipping, clipped value loss, entropy
bonus, global-norm clipping and hand-written Adam. A fixture for the concept cards."""

import numpy as np

rng = np.random.default_rng(0)
num_steps, obs_dim, n_actions = 32, 3, 2
gamma, gae_lambda, clip_coef, ent_coef, vf_coef, max_grad_norm = 0.99, 0.95, 0.2, 0.01, 0.5, 0.5
learning_rate, num_updates = 3e-3, 2


class LineWorld:
    """A walk on a line: reward 1 per step, the episode ends past |x| > 2 or after 20 steps."""

    def __init__(self):
        self.x, self.t = 0.0, 0

    def reset(self):
        self.x, self.t = 0.0, 0
        return np.array([self.x, 0.0, 1.0])

    def step(self, action):
        self.x += 0.5 if action == 1 else -0.5
        self.t += 1
        terminated = abs(self.x) > 2.0
        truncated = self.t >= 20
        return np.array([self.x, self.t / 20.0, 1.0]), 1.0, terminated, truncated, {}


W_pi = rng.normal(0, 0.01, (obs_dim, n_actions))
w_v = rng.normal(0, 0.01, obs_dim)
params = {"W_pi": W_pi, "w_v": w_v}
m = {k: np.zeros_like(v) for k, v in params.items()}
v = {k: np.zeros_like(p) for k, p in params.items()}
b1, b2, adam_eps = 0.9, 0.999, 1e-8
env = LineWorld()
next_obs = env.reset()

for update in range(1, num_updates + 1):
    obs_buf = np.zeros((num_steps, obs_dim))
    actions = np.zeros(num_steps, dtype=np.int64)
    logprobs = np.zeros(num_steps)
    rewards = np.zeros(num_steps)
    dones = np.zeros(num_steps)
    values = np.zeros(num_steps)
    for step in range(num_steps):
        obs_buf[step] = next_obs
        z = next_obs @ params["W_pi"]
        p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        action = int(rng.random() < p[1])
        actions[step] = action
        logprobs[step] = np.log(p[action])
        values[step] = next_obs @ params["w_v"]
        next_obs, reward, terminated, truncated, info = env.step(action)
        rewards[step] = reward
        dones[step] = float(terminated or truncated)
        if terminated or truncated:
            next_obs = env.reset()
    next_value = next_obs @ params["w_v"]
    advantages = np.zeros(num_steps)
    lastgaelam = 0.0
    for t in reversed(range(num_steps)):
        nextnonterminal = 1.0 - dones[t]
        nextvalues = next_value if t == num_steps - 1 else values[t + 1]
        delta = rewards[t] + gamma * nextvalues * nextnonterminal - values[t]
        advantages[t] = lastgaelam = delta + gamma * gae_lambda * nextnonterminal * lastgaelam
    returns = advantages + values

    for epoch in range(2):
        mb_inds = rng.permutation(num_steps)[:16]
        mb_obs = obs_buf[mb_inds]
        logits = mb_obs @ params["W_pi"]
        logits = logits - logits.max(axis=1, keepdims=True)
        logp_all = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        newlogprob = logp_all[np.arange(16), actions[mb_inds]]
        newvalue = mb_obs @ params["w_v"]
        mb_advantages = advantages[mb_inds]
        mb_advantages = (mb_advantages - mb_advantages.mean()) / (mb_advantages.std() + 1e-8)
        ratio = np.exp(newlogprob - logprobs[mb_inds])
        pg_loss1 = -mb_advantages * ratio
        pg_loss2 = -mb_advantages * np.clip(ratio, 1 - clip_coef, 1 + clip_coef)
        pg_loss = np.maximum(pg_loss1, pg_loss2).mean()
        v_loss_unclipped = (newvalue - returns[mb_inds]) ** 2
        v_clipped = values[mb_inds] + np.clip(newvalue - values[mb_inds], -clip_coef, clip_coef)
        v_loss_clipped = (v_clipped - returns[mb_inds]) ** 2
        v_loss = 0.5 * np.maximum(v_loss_unclipped, v_loss_clipped).mean()
        probs = np.exp(logp_all)
        entropy = -(probs * logp_all).sum(axis=1).mean()
        loss = pg_loss - ent_coef * entropy + v_loss * vf_coef

        # Gradients (policy term only, for brevity) and global-norm clipping.
        onehot = np.eye(n_actions)[actions[mb_inds]]
        d_logits = (-(mb_advantages * ratio))[:, None] * (onehot - probs) / 16
        grads = {"W_pi": mb_obs.T @ d_logits, "w_v": mb_obs.T @ (vf_coef * (newvalue - returns[mb_inds])) / 16}
        total_norm = np.sqrt(sum(float((g ** 2).sum()) for g in grads.values()))
        clip_scale = max_grad_norm / (total_norm + 1e-6)
        if clip_scale < 1.0:
            grads = {k: g * clip_scale for k, g in grads.items()}
        for k in params:
            g = grads[k]
            m[k] = b1 * m[k] + (1 - b1) * g
            v[k] = b2 * v[k] + (1 - b2) * g ** 2
            params[k] = params[k] - learning_rate * (m[k] / (1 - b1 ** update)) / (np.sqrt(v[k] / (1 - b2 ** update)) + adam_eps)
    print(f"update {update} loss {loss:.4f} ratio {ratio.min():.3f}-{ratio.max():.3f}")
