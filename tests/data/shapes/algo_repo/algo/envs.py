import numpy as np


class Space:
    def __init__(self, n):
        self.n = n


class CartEnv:
    """A tiny episodic environment: the state drifts, an action pushes it back."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)
        self.action_space = Space(2)
        self.observation_space = Space(4)
        self.state = np.zeros(4, dtype=np.float32)
        self.t = 0

    def reset(self):
        self.state = self.rng.normal(size=4).astype(np.float32) * 0.1
        self.t = 0
        return self.state

    def step(self, action):
        push = 0.1 if int(action) == 1 else -0.1
        self.state = (self.state + push + self.rng.normal(size=4).astype(np.float32) * 0.05).astype(np.float32)
        self.t += 1
        reward = 1.0
        done = bool(abs(self.state[0]) > 1.0 or self.t >= 8)
        return self.state, reward, done, {}


class Monitor:
    """Wraps an environment and counts episodes."""

    def __init__(self, env):
        self.env = env
        self.action_space = env.action_space
        self.observation_space = env.observation_space
        self.episodes = 0

    def reset(self):
        self.episodes += 1
        return self.env.reset()

    def step(self, action):
        return self.env.step(action)
