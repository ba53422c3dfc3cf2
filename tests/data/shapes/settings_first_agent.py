"""An off-policy agent as a plain class that sets many settings before its networks and optimizers (so a
summary of the agent shows the settings, not the optimizers), acting and updating once per environment step,
in an endless episode loop (itertools.count) that a step count ends with a break; every 10 episodes a block
of the loop plays test episodes with the policy told to act in evaluation mode (``evaluate=True``)."""

import argparse
import itertools

import torch
from torch import nn
from torch.optim import Adam


def sample(memory, batch_size, step):
    picked = [memory[(step * 7 + k * 3) % len(memory)] for k in range(batch_size)]
    states, actions, rewards = zip(*picked)
    return torch.stack(states), torch.stack(actions), torch.stack(rewards).unsqueeze(1)


class Agent:
    def __init__(self, n_state, n_action, args):
        self.gamma = args.gamma
        self.tau = args.tau
        self.alpha = args.alpha
        self.policy_type = "Gaussian"
        self.target_update_interval = 1
        self.automatic_entropy_tuning = False
        self.hidden_size = args.hidden_size
        self.batch_size = args.batch_size
        self.updates = 0
        self.critic = nn.Sequential(nn.Linear(n_state + n_action, args.hidden_size), nn.ReLU(), nn.Linear(args.hidden_size, 1))
        self.critic_optim = Adam(self.critic.parameters(), lr=args.lr)
        self.policy = nn.Linear(n_state, n_action)
        self.policy_optim = Adam(self.policy.parameters(), lr=args.lr)

    def act(self, state, evaluate=False):
        mean = self.policy(state)
        if evaluate:
            return torch.tanh(mean).detach()
        return torch.tanh(mean + 0.1 * torch.randn_like(mean)).detach()

    def update(self, memory):
        state, action, reward = sample(memory, self.batch_size, self.updates)
        q = self.critic(torch.cat([state, action], 1))
        critic_loss = ((q - reward) ** 2).mean()
        self.critic_optim.zero_grad()
        critic_loss.backward()
        self.critic_optim.step()
        policy_loss = -self.critic(torch.cat([state, torch.tanh(self.policy(state))], 1)).mean()
        self.policy_optim.zero_grad()
        policy_loss.backward()
        self.policy_optim.step()
        self.updates += 1
        return critic_loss.item()


parser = argparse.ArgumentParser()
parser.add_argument("--gamma", type=float, default=0.99)
parser.add_argument("--tau", type=float, default=0.005)
parser.add_argument("--alpha", type=float, default=0.2)
parser.add_argument("--lr", type=float, default=0.0003)
parser.add_argument("--hidden-size", type=int, default=8)
parser.add_argument("--batch-size", type=int, default=4)
parser.add_argument("--num-steps", type=int, default=90)
args = parser.parse_args()

torch.manual_seed(0)
agent = Agent(3, 1, args)
memory = []
total_steps = 0
for episode in itertools.count(1):
    state = torch.randn(3)
    for step in range(2):
        action = agent.act(state)
        next_state = state * 0.9 + action
        memory.append((state, action, -next_state.abs().sum()))
        if len(memory) > args.batch_size:
            critic_loss = agent.update(memory)
        state = next_state
        total_steps += 1
    if episode % 10 == 0:
        avg_reward = 0.0
        for _ in range(3):
            state = torch.randn(3)
            for step in range(4):
                action = agent.act(state, evaluate=True)
                state = state * 0.9 + action
            avg_reward += -state.abs().sum().item()
        print(f"episode {episode}: average test reward {avg_reward / 3:.3f}")
    if total_steps > args.num_steps:
        break
print(f"{episode} episodes, {total_steps} steps, {agent.updates} updates")
