"""A tiny denoiser: the DataLoader is built around an inline dataset in one statement over several lines, and a
noise scheduler (a plain class with betas, no learning rate) has a ``step`` that denoises samples after training."""

import torch
from torch import nn

torch.manual_seed(0)


class NoiseScheduler:
    def __init__(self, num_timesteps=10):
        self.num_timesteps = num_timesteps
        self.betas = torch.linspace(1e-4, 0.02, num_timesteps)

    def add_noise(self, x, noise, t):
        return x + self.betas[t] * noise

    def step(self, residual, t, sample):
        return sample - self.betas[t] * residual


loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.randn(64, 2)),
    batch_size=16,
    shuffle=True,
)
model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
scheduler = NoiseScheduler()

for epoch in range(2):
    for (x,) in loader:
        noise = torch.randn_like(x)
        noisy = scheduler.add_noise(x, noise, 3)
        pred = model(noisy)
        loss = nn.functional.mse_loss(pred, noise)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

model.eval()
sample = torch.randn(8, 2)
with torch.no_grad():
    for t in reversed(range(scheduler.num_timesteps)):
        sample = scheduler.step(model(sample), t, sample)
print(f"sample mean {sample.mean().item():.3f}")
