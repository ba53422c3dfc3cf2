"""Rollout storage and Generalized Advantage Estimation.

GAE (Schulman et al., 2016) blends n-step returns with an exponential weight:

    delta_t = r_t + gamma * V(s_{t+1}) * (1 - done_t) - V(s_t)
    A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}
    R_t     = A_t + V(s_t)          (the value target)
"""

from __future__ import annotations

import numpy as np


class RolloutBuffer:
    def __init__(self, num_steps: int, obs_size: int) -> None:
        self.obs = np.zeros((num_steps, obs_size))
        self.actions = np.zeros(num_steps, dtype=np.int64)
        self.logprobs = np.zeros(num_steps)
        self.rewards = np.zeros(num_steps)
        self.dones = np.zeros(num_steps)  # 1.0 where the episode ended after this step
        self.values = np.zeros(num_steps)
        self.advantages = np.zeros(num_steps)
        self.returns = np.zeros(num_steps)
        self.size = num_steps
        self.pos = 0

    def add(self, obs, action: int, logprob: float, reward: float, done: bool, value: float) -> None:
        i = self.pos
        self.obs[i] = obs
        self.actions[i] = action
        self.logprobs[i] = logprob
        self.rewards[i] = reward
        self.dones[i] = float(done)
        self.values[i] = value
        self.pos += 1

    def compute_gae(self, last_value: float, gamma: float, gae_lambda: float) -> None:
        """Fill ``advantages`` and ``returns`` by the GAE recursion, walking backwards."""
        next_advantage = 0.0
        next_value = last_value
        for t in reversed(range(self.size)):
            not_done = 1.0 - self.dones[t]
            delta = self.rewards[t] + gamma * next_value * not_done - self.values[t]
            next_advantage = delta + gamma * gae_lambda * not_done * next_advantage
            self.advantages[t] = next_advantage
            next_value = self.values[t]
        self.returns = self.advantages + self.values

    def minibatches(self, batch_size: int, rng: np.random.Generator):
        """Yield shuffled index arrays covering the whole rollout once."""
        order = rng.permutation(self.size)
        for start in range(0, self.size, batch_size):
            yield order[start : start + batch_size]
