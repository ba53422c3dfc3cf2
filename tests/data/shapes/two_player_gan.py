"""A GAN in one function: the hyper-parameters are its locals, two networks with an optimizer each, and two
inner step loops (the discriminator's, then the generator's) in every iteration of the epoch loop."""

import torch
from torch import nn

torch.manual_seed(0)


def real_samples(n):
    return torch.randn(n, 1) * 1.25 + 4.0


def train():
    noise_size = 2
    hidden_size = 8
    batch_size = 32
    d_lr = 0.01
    g_lr = 0.005
    epochs = 6
    d_steps = 3
    g_steps = 2

    generator = nn.Sequential(nn.Linear(noise_size, hidden_size), nn.Tanh(), nn.Linear(hidden_size, 1))
    discriminator = nn.Sequential(nn.Linear(1, hidden_size), nn.ReLU(), nn.Linear(hidden_size, 1), nn.Sigmoid())
    criterion = nn.BCELoss()
    d_opt = torch.optim.SGD(discriminator.parameters(), lr=d_lr)
    g_opt = torch.optim.SGD(generator.parameters(), lr=g_lr)

    for epoch in range(epochs):
        for _ in range(d_steps):
            discriminator.zero_grad()
            real = real_samples(batch_size)
            real_decision = discriminator(real)
            real_error = criterion(real_decision, torch.ones(batch_size, 1))
            real_error.backward()
            fake = generator(torch.rand(batch_size, noise_size)).detach()
            fake_error = criterion(discriminator(fake), torch.zeros(batch_size, 1))
            fake_error.backward()
            d_opt.step()
        for _ in range(g_steps):
            generator.zero_grad()
            fooled = discriminator(generator(torch.rand(batch_size, noise_size)))
            g_error = criterion(fooled, torch.ones(batch_size, 1))
            g_error.backward()
            g_opt.step()
    print(f"last errors: D {real_error.item():.3f}/{fake_error.item():.3f} G {g_error.item():.3f}")


train()
