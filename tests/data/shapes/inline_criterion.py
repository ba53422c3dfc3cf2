"""A main() script: the command line is parsed inside the call that hands it on, and the model is
called inside the criterion's arguments (``loss_fn(model(x), y)``)."""

import argparse

import torch
from torch import nn


class Regressor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))

    def forward(self, x):
        return self.layers(x)


def train(args):
    torch.manual_seed(0)
    x = torch.randn(32, 2)
    y = x.sum(dim=1, keepdim=True)
    model = Regressor()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    for step in range(args.steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    print(f"last loss {loss.item():.4f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--lr", type=float, default=0.1)
    train(parser.parse_args())


if __name__ == "__main__":
    main()
