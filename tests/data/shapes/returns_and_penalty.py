"""An actor-critic update over whole episodes: the discounted returns are rescaled to mean 0 and std 1, the critic
is regressed onto them and the advantages are the rescaled returns minus the critic's values (returns normalised,
not advantages); the loss then has a weighted penalty subtracted, a term autograd tracks (a loss being adjusted, not
a parameter update); the optimizer is Adam. A hand-written SGD step on a separate probe runs after it."""

import torch
from torch import nn

torch.manual_seed(0)
policy = nn.Linear(4, 2)
critic = nn.Linear(4, 1)
optimizer = torch.optim.Adam([*policy.parameters(), *critic.parameters()], lr=0.01)
gamma = 0.9
penalty_weight = 0.001

for _episode in range(3):
    states = torch.randn(16, 4)
    rewards = torch.rand(16).tolist()
    returns = []
    running = 0.0
    for r in reversed(rewards):
        running = r + gamma * running
        returns.insert(0, running)
    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + 1e-7)
    values = critic(states).squeeze(-1)
    advantages = returns - values.detach()
    log_probs = torch.log_softmax(policy(states), dim=-1)[:, 0]
    loss = -(log_probs * advantages).mean() + ((values - returns) ** 2).mean()
    penalty = policy.weight.abs().mean()
    loss = loss - penalty_weight * penalty
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

# a probe fitted by hand-written gradient descent on the last episode's states
probe = torch.zeros(4, requires_grad=True)
lr = 0.1
for _step in range(5):
    probe_loss = ((states @ probe - advantages) ** 2).mean()
    probe_loss.backward()
    with torch.no_grad():
        probe -= lr * probe.grad
    probe.grad.zero_()
print(f"loss {loss.item():.4f} probe {probe_loss.item():.4f}")
