import numpy as np

from algo.envs import CartEnv


class RolloutBuffer:
    env: CartEnv | None  # a bare annotation: assigns nothing

    def __init__(self, size):
        self.obs = np.zeros((size, 4), dtype=np.float32)
        self.actions = np.zeros(size, dtype=np.int64)
        self.rewards = np.zeros(size, dtype=np.float32)
        self.pos = 0

    def add(self, obs, action, reward):
        self.obs[self.pos] = obs
        self.actions[self.pos] = action
        self.rewards[self.pos] = reward
        self.pos += 1

    def get(self, batch_size):
        for start in range(0, self.pos, batch_size):
            yield self.obs[start : start + batch_size], self.actions[start : start + batch_size]
