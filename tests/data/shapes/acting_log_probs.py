"""Policy gradient where the forward pass happens while acting: each step's log-probability is kept on the
policy object, and the loss is built once per episode from what was kept (no batch, no loader). Episodes end
on a data-dependent condition."""

import pathlib
import sys

import torch
from torch import nn

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "shape_libs"))
from walkers import Walker  # noqa: E402  (the environment: a library, outside the traced root)


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
        print(f"episode {episode} return {sum(rewards):.0f} steps {len(rewards)}")


main()
