"""An auto-encoder that reconstructs a few fixed images under ``no_grad`` once before training and after every epoch
(to look at: the function returns the reconstructions and measures nothing), and validates after every epoch in
another ``no_grad`` function that returns the mean validation loss, the number the run keeps the best model by."""

import torch
import torch.nn.functional as F
from torch import nn


class AutoEncoder(nn.Module):
    def __init__(self, n_in, n_code):
        super().__init__()
        self.encode = nn.Linear(n_in, n_code)
        self.decode = nn.Linear(n_code, n_in)

    def forward(self, x):
        return self.decode(torch.tanh(self.encode(x)))


def train(batches, model, optimizer):
    for images in batches:
        optimizer.zero_grad()
        recon = model(images)
        loss = F.mse_loss(recon, images)
        loss.backward()
        optimizer.step()


def test(batches, model):
    with torch.no_grad():
        total = 0.0
        for images in batches:
            total += F.mse_loss(model(images), images).item()
    return total / len(batches)


def generate_samples(images, model):
    with torch.no_grad():
        recon = model(images)
    return recon


def main():
    torch.manual_seed(0)
    train_batches = [torch.randn(8, 12) for _ in range(6)]
    valid_batches = [torch.randn(8, 12) for _ in range(2)]
    fixed = torch.randn(4, 12)
    model = AutoEncoder(12, 3)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    samples = [generate_samples(fixed, model)]
    best = None
    for _epoch in range(3):
        train(train_batches, model, optimizer)
        loss = test(valid_batches, model)
        samples.append(generate_samples(fixed, model))
        if best is None or loss < best:
            best = loss
    print(f"best validation loss {best:.4f}, {len(samples)} reconstructions")


if __name__ == "__main__":
    main()
