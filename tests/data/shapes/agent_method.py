"""Shape fixture: cleanrl's PPO shape in small: the agent's own method (not ``forward``) runs the network, called
many times while collecting (past the call budget) and then once per minibatch on the training path."""

import torch
import torch.nn as nn

torch.manual_seed(0)
num_steps = 16
epochs = 2
lr = 0.01


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.actor = nn.Linear(4, 2)
        self.critic = nn.Linear(4, 1)

    def get_action_and_value(self, x):
        logits = self.actor(x)
        return logits.argmax(-1), torch.log_softmax(logits, -1).max(-1).values, self.critic(x).squeeze(-1)


agent = Agent()
optimizer = torch.optim.Adam(agent.parameters(), lr=lr)
obs = torch.zeros(num_steps, 4)
for step in range(num_steps):
    obs[step] = torch.randn(4)
    with torch.no_grad():
        action, logprob, value = agent.get_action_and_value(obs[step])
returns = torch.randn(num_steps)
for epoch in range(epochs):
    _, newlogprob, newvalue = agent.get_action_and_value(obs)
    v_loss = ((newvalue - returns) ** 2).mean()
    loss = v_loss - 0.01 * newlogprob.mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(float(loss.detach()))
