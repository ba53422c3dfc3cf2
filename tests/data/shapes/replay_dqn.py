"""Q-learning from a replay buffer: a prediction net and a target net, a greedy action under no_grad on every
step (acting, not an evaluation), the buffer filled in the loop and sampled into a named-tuple batch that is
handed straight to the update."""

import random
import sys
from collections import namedtuple

import torch
from torch import nn

Batch = namedtuple("Batch", "s a r s2 done")


class Chain:
    """Five states in a row; action 1 moves right, reward at the right end. The old gym API."""

    def reset(self):
        self.i = 0
        return self.obs()

    def obs(self):
        return [float(self.i == k) for k in range(5)]

    def step(self, action):
        self.i = max(0, min(4, self.i + (1 if action == 1 else -1)))
        return self.obs(), float(self.i == 4), self.i == 4, {}


class Memory:
    def __init__(self, size):
        self.size, self.items = size, []

    def push(self, *transition):
        self.items = (self.items + [transition])[-self.size :]

    def sample(self, n):
        picked = random.sample(self.items, min(n, len(self.items)))
        s, a, r, s2, done = zip(*picked)
        return Batch(torch.tensor(s), torch.tensor(a).unsqueeze(1), torch.tensor(r), torch.tensor(s2), torch.tensor(done).float())


class Learner:
    def __init__(self, gamma=0.9):
        self.q = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))
        self.q_target = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 2))
        self.q_target.load_state_dict(self.q.state_dict())
        self.opt = torch.optim.SGD(self.q.parameters(), lr=0.05)
        self.gamma = gamma

    def greedy(self, obs):
        with torch.no_grad():
            values = self.q(torch.tensor(obs).unsqueeze(0))
        return int(values.argmax())

    def improve(self, batch):
        target = batch.r + self.gamma * self.q_target(batch.s2).max(1).values * (1 - batch.done)
        predicted = self.q(batch.s).gather(1, batch.a).squeeze(1)
        loss = ((target.detach() - predicted) ** 2).mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


batch_size = 8
epsilon = 0.3
sync_every = 2
random.seed(0)
torch.manual_seed(0)
episodes = int(sys.argv[1]) if len(sys.argv) > 1 else 4
memory = Memory(500)
learner = Learner()
world = Chain()
for episode in range(episodes):
    obs, done, steps = world.reset(), False, 0
    while not done and steps < 20:
        action = random.randrange(2) if random.random() < epsilon else learner.greedy(obs)
        next_obs, reward, done, _ = world.step(action)
        memory.push(obs, action, reward, next_obs, done)
        learner.improve(memory.sample(batch_size))
        obs, steps = next_obs, steps + 1
    if episode % sync_every == 0:
        learner.q_target.load_state_dict(learner.q.state_dict())
    print(f"episode {episode} steps {steps}")
