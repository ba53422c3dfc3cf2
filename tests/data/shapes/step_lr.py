"""pytorch/examples' mnist shape: argparse in main(), train() called once per epoch with the optimizer, and a
StepLR scheduler object stepped after each epoch (the rate is never a variable of the repo's code)."""

import argparse

import torch
from torch import nn


def train(model, optimizer, data, epoch):
    model.train()
    for i in range(0, len(data), 16):
        x = data[i : i + 16]
        loss = model(x).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.4f} lr {optimizer.param_groups[0]['lr']:.4f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=1.0)
    args = parser.parse_args()
    torch.manual_seed(0)
    data = torch.randn(64, 3)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    for epoch in range(1, args.epochs + 1):
        train(model, optimizer, data, epoch)
        scheduler.step()


main()
