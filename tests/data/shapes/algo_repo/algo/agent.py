import torch
import torch.nn as nn

from algo.buffers import RolloutBuffer
from algo.envs import Monitor
from algo.log import INFO, log


class Policy(nn.Module):
    def __init__(self, lr):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 2))
        self._build(lr)

    def _build(self, lr):
        self.optimizer = torch.optim.Adam(self.parameters(), lr=lr)

    def forward(self, obs):
        return self.net(obs)


def update_learning_rate(optimizer, lr):
    for group in optimizer.param_groups:
        group["lr"] = lr


class Agent:
    def __init__(self, env, n_steps=32, batch_size=16, n_epochs=1, learning_rate=0.001, gamma=0.99, seed=0):
        torch.manual_seed(seed)
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.n_epochs = n_epochs
        self.learning_rate = learning_rate
        self.gamma = gamma
        self.env = None
        if env is not None:
            env = Monitor(env)
            self.env = env
        self.policy = Policy(learning_rate)
        self.num_steps = 0
        self.last_obs = None

    def collect(self, env, buffer):
        if self.last_obs is None:
            self.last_obs = env.reset()
        for _ in range(self.n_steps):
            with torch.no_grad():
                logits = self.policy(torch.as_tensor(self.last_obs))
            action = int(torch.argmax(logits))
            obs, reward, done, _info = env.step(action)
            buffer.add(self.last_obs, action, reward)
            self.last_obs = env.reset() if done else obs
            self.num_steps += 1

    def train(self, buffer):
        update_learning_rate(self.policy.optimizer, self.learning_rate)
        for _ in range(self.n_epochs):
            for obs, actions in buffer.get(self.batch_size):
                logits = self.policy(torch.as_tensor(obs))
                loss = nn.functional.cross_entropy(logits, torch.as_tensor(actions))
                self.policy.optimizer.zero_grad()
                loss.backward()
                self.policy.optimizer.step()
        log(INFO, "loss", float(loss))

    def learn(self, total_steps):
        while self.num_steps < total_steps:
            buffer = RolloutBuffer(self.n_steps)
            self.collect(self.env, buffer)
            self.train(buffer)
        return self

    def predict(self, obs):
        with torch.no_grad():
            logits = self.policy(torch.as_tensor(obs))
        return int(torch.argmax(logits))

    def save(self, path):
        torch.save(self.policy.state_dict(), path)
