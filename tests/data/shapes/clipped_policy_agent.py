"""PPO in a plain agent class: the settings are locals of train() (some computed by a call or from another
setting, one decayed by the loop, beside run counters), a rollout buffer of lists filled while acting under
no_grad (acting, not an evaluation), an actor-critic module used only through its methods (``act``,
``evaluate``), a per-sample loss vector, its mean differentiated, and a checkpoint every few steps."""

import torch
from torch import nn
from torch.distributions import Categorical


class Track:
    """Five cells in a row; action 1 moves right, reward at the right end. The old gym API."""

    def reset(self):
        self.i = 0
        return self.obs()

    def obs(self):
        return [float(self.i == k) for k in range(5)]

    def step(self, action):
        self.i = max(0, min(4, self.i + (1 if action == 1 else -1)))
        return self.obs(), float(self.i == 4), self.i == 4, {}


class Rollouts:
    def __init__(self):
        self.states, self.actions, self.logprobs, self.rewards = [], [], [], []

    def clear(self):
        del self.states[:], self.actions[:], self.logprobs[:], self.rewards[:]


class ActorCritic(nn.Module):
    def __init__(self, state_dim, action_dim):
        super().__init__()
        self.actor = nn.Sequential(nn.Linear(state_dim, 16), nn.Tanh(), nn.Linear(16, action_dim), nn.Softmax(dim=-1))
        self.critic = nn.Sequential(nn.Linear(state_dim, 16), nn.Tanh(), nn.Linear(16, 1))

    def act(self, state):
        dist = Categorical(self.actor(state))
        action = dist.sample()
        return action.detach(), dist.log_prob(action).detach()

    def evaluate(self, state, action):
        dist = Categorical(self.actor(state))
        return dist.log_prob(action), self.critic(state).squeeze(-1), dist.entropy()


class Agent:
    def __init__(self, state_dim, action_dim, lr, epochs, clip):
        self.epochs, self.clip = epochs, clip
        self.rollouts = Rollouts()
        self.policy = ActorCritic(state_dim, action_dim)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=lr)
        self.policy_old = ActorCritic(state_dim, action_dim)
        self.policy_old.load_state_dict(self.policy.state_dict())

    def choose(self, state):
        with torch.no_grad():
            state = torch.tensor(state)
            action, logprob = self.policy_old.act(state)
        self.rollouts.states.append(state)
        self.rollouts.actions.append(action)
        self.rollouts.logprobs.append(logprob)
        return action.item()

    def learn(self):
        returns, ret = [], 0.0
        for reward in reversed(self.rollouts.rewards):
            ret = reward + 0.9 * ret
            returns.insert(0, ret)
        returns = torch.tensor(returns)
        old_states = torch.stack(self.rollouts.states).detach()
        old_actions = torch.stack(self.rollouts.actions).detach()
        old_logprobs = torch.stack(self.rollouts.logprobs).detach()
        for _ in range(self.epochs):
            logprobs, values, entropy = self.policy.evaluate(old_states, old_actions)
            ratios = torch.exp(logprobs - old_logprobs)
            advantages = returns - values.detach()
            surr1 = ratios * advantages
            surr2 = torch.clamp(ratios, 1 - self.clip, 1 + self.clip) * advantages
            loss = -torch.min(surr1, surr2) + 0.5 * (values - returns) ** 2 - 0.01 * entropy
            self.optimizer.zero_grad()
            loss.mean().backward()
            self.optimizer.step()
        self.policy_old.load_state_dict(self.policy.state_dict())
        self.rollouts.clear()

    def save(self, path):
        torch.save(self.policy_old.state_dict(), path)


def train():
    max_len = 20
    max_steps = int(1.6e2)
    update_every = max_len * 2
    save_every = int(8e1)
    lr = 0.003
    epochs = 4
    clip = 0.2
    noise = 0.5
    torch.manual_seed(0)
    world = Track()
    agent = Agent(5, 2, lr, epochs, clip)
    time_step = 0
    episode = 0
    while time_step < max_steps:
        state = world.reset()
        for _ in range(max_len):
            action = agent.choose(state)
            state, reward, done, _ = world.step(action)
            agent.rollouts.rewards.append(reward)
            time_step += 1
            if time_step % update_every == 0:
                agent.learn()
            if time_step % save_every == 0:
                agent.save("agent.pth")
            if done:
                break
        episode += 1
        noise = max(0.05, noise * 0.9)
    print(f"episodes {episode} steps {time_step} noise {noise:.3f}")


if __name__ == "__main__":
    train()
