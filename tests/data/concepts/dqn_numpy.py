"""A tiny DQN in numpy: epsilon-greedy acting, a ring replay buffer, TD targets from a
target network, an MSE regression step by SGD and a soft (Polyak) target update."""

import random

import numpy as np

random.seed(0)
rng = np.random.default_rng(0)
obs_dim, n_actions, capacity, batch_size = 4, 2, 64, 8
gamma, tau, lr = 0.99, 0.005, 0.05
start_e, end_e, exploration_steps, total_steps = 1.0, 0.05, 40, 48


class ReplayBuffer:
    def __init__(self, capacity, obs_dim):
        self.obs = np.zeros((capacity, obs_dim))
        self.next_obs = np.zeros((capacity, obs_dim))
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity)
        self.dones = np.zeros(capacity)
        self.ptr, self.size, self.capacity = 0, 0, capacity

    def add(self, obs, next_obs, action, reward, done):
        self.obs[self.ptr] = obs
        self.next_obs[self.ptr] = next_obs
        self.actions[self.ptr] = action
        self.rewards[self.ptr] = reward
        self.dones[self.ptr] = done
        self.ptr = (self.ptr + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size):
        idx = np.random.randint(0, self.size, size=batch_size)
        return self.obs[idx], self.actions[idx], self.rewards[idx], self.next_obs[idx], self.dones[idx]


class Chain:
    def reset(self):
        self.s = rng.normal(0, 0.1, obs_dim)
        return self.s

    def step(self, action):
        self.s = self.s + (0.1 if action else -0.1)
        done = bool(abs(self.s).max() > 1.0)
        return self.s.copy(), 1.0, done, {}


W = rng.normal(0, 0.1, (obs_dim, n_actions))
W_target = W.copy()
rb = ReplayBuffer(capacity, obs_dim)
env = Chain()
obs = env.reset()
np.random.seed(0)
for global_step in range(total_steps):
    epsilon = max(end_e, start_e - (start_e - end_e) * global_step / exploration_steps)
    if random.random() < epsilon:
        action = random.randrange(n_actions)
    else:
        q_values = obs @ W
        action = int(np.argmax(q_values))
    next_obs, reward, done, info = env.step(action)
    rb.add(obs, next_obs, action, reward, float(done))
    obs = env.reset() if done else next_obs
    if global_step >= 1:  # learning starts at once, so the recorded iterations include an update
        b_obs, b_actions, b_rewards, b_next_obs, b_dones = rb.sample(batch_size)
        target_max = (b_next_obs @ W_target).max(axis=1)
        td_target = b_rewards + gamma * target_max * (1 - b_dones)
        q_pred = (b_obs @ W)[np.arange(batch_size), b_actions]
        loss = ((q_pred - td_target) ** 2).mean()
        d_q = 2 * (q_pred - td_target) / batch_size
        grad = b_obs.T @ (d_q[:, None] * np.eye(n_actions)[b_actions])
        W -= lr * grad
        W_target = tau * W + (1.0 - tau) * W_target
print("final loss", round(float(loss), 4))
