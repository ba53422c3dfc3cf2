"""A loss function of two terms, each computed on its own line and summed in the return (a VAE's
reconstruction plus KL divergence): the loss is the sum, not its first term."""

import torch
from torch import nn

torch.manual_seed(0)


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encode = nn.Linear(8, 2)
        self.decode = nn.Linear(2, 8)

    def forward(self, x):
        z = self.encode(x)
        return self.decode(z), z


def loss_function(recon, x, z):
    reconstruction = nn.functional.mse_loss(recon, x, reduction="sum")
    penalty = 0.1 * z.pow(2).sum()
    return reconstruction + penalty


model = AutoEncoder()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
data = torch.randn(64, 8)
for epoch in range(5):
    recon, z = model(data)
    loss = loss_function(recon, data, z)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"loss {loss.item():.3f}")
