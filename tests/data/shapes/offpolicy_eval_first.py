"""An off-policy agent in plain numpy: an evaluation in an environment of its own runs before training
and again every few steps; the training loop steps another environment, stores transitions in a
replay buffer, and the agent's ``train()`` samples a minibatch from it and updates by hand."""

import numpy as np


class WalkEnv:
    """A 2-d walk: the action moves the state; the reward is minus the distance to 0."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.action_space = (-1.0, 1.0)
        self.observation_space = (2,)

    def reset(self):
        self.t = 0
        self.x = self.rng.normal(size=2)
        return self.x.copy()

    def step(self, action):
        self.x = self.x + 0.5 * action
        self.t += 1
        return self.x.copy(), float(-np.abs(self.x).sum()), self.t >= 4, {}


class Agent:
    def __init__(self, lr):
        self.lr = lr
        self.w = np.zeros(2)
        self.rng = np.random.default_rng(1)

    def act(self, state):
        return np.clip(self.w * state, -1.0, 1.0)

    def train(self, buffer, batch_size=4):
        idx = self.rng.integers(0, len(buffer), size=batch_size)
        states = np.array([buffer[i][0] for i in idx])
        target = -states  # the action that brings each state back to 0
        pred = self.w * states
        loss = np.mean((pred - target) ** 2)
        grad = np.mean(2 * (pred - target) * states, axis=0)
        self.w -= self.lr * grad
        return loss


def evaluate(agent, seed, episodes=2):
    env = WalkEnv(seed + 100)
    total = 0.0
    for _ in range(episodes):
        state, done = env.reset(), False
        while not done:
            state, reward, done, _ = env.step(agent.act(state))
            total += reward
    return total / episodes


env = WalkEnv(0)
agent = Agent(lr=0.2)
buffer = []
evaluations = [evaluate(agent, 0)]
state = env.reset()
noise = np.random.default_rng(2)
for t in range(12):
    action = agent.act(state) + noise.normal(0, 0.3, size=2)
    next_state, reward, done, _ = env.step(action)
    buffer.append((state, action, reward, next_state))
    state = env.reset() if done else next_state
    if t >= 3:
        agent.train(buffer)
    if (t + 1) % 6 == 0:
        evaluations.append(evaluate(agent, 0))
print(" ".join(f"{e:.4f}" for e in evaluations))
