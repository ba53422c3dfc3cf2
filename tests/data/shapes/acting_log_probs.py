"""Policy gradient where the forward pass happens while acting: each step's log-probability is kept on the
policy object, and the loss is built once per episode from what was kept (no batch, no loader)."""

import sys

import torch
from torch import nn


class Walker:
    """A 1-D walk: reach +3 to win; 12 steps at most. The old gym API: (obs, reward, done, info)."""

    def reset(self):
        self.pos, self.t = 0, 0
        return torch.zeros(2)

    def step(self, action):
        self.pos += 1 if action == 1 else -1
        self.t += 1
        done = abs(self.pos) >= 3 or self.t >= 12
        return torch.tensor([self.pos / 3.0, self.t / 12.0]), float(self.pos >= 3), done, {}


class Policy(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
        self.kept = []

    def forward(self, x):
        return torch.softmax(self.net(x), dim=-1)


torch.manual_seed(0)
episodes = int(sys.argv[1]) if len(sys.argv) > 1 else 5
policy = Policy()
optimizer = torch.optim.Adam(policy.parameters(), lr=0.01)
world = Walker()


def act(state):
    probs = policy(state.unsqueeze(0))
    dist = torch.distributions.Categorical(probs)
    action = dist.sample()
    policy.kept.append(dist.log_prob(action))
    return action.item()


def learn(rewards):
    ret, returns = 0.0, []
    for r in reversed(rewards):
        ret = r + 0.9 * ret
        returns.insert(0, ret)
    terms = []
    for log_prob, ret in zip(policy.kept, returns):
        terms.append(-log_prob * ret)
    optimizer.zero_grad()
    objective = torch.cat(terms).sum()
    objective.backward()
    optimizer.step()
    policy.kept.clear()


def main():
    for episode in range(episodes):
        state, rewards, done = world.reset(), [], False
        while not done:
            action = act(state)
            state, reward, done, _ = world.step(action)
            rewards.append(reward)
        learn(rewards)
        print(f"episode {episode} return {sum(rewards):.0f}")


main()
