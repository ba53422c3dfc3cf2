"""A save handler that keeps its directory as a ``pathlib.Path`` (whose recorded summary does not spell it) and writes
``self.dirname / filename`` with ``torch.save`` after every epoch: the checkpoint stop names the file it wrote."""

from pathlib import Path

import torch
from torch import nn


class Saver:
    def __init__(self, dirname):
        self.dirname = Path(dirname)
        self.dirname.mkdir(exist_ok=True)

    def __call__(self, state, filename):
        path = self.dirname / filename
        torch.save(state, path)


def main():
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    save = Saver("checkpoints")
    X = torch.randn(16, 4)
    y = X.sum(dim=1, keepdim=True)
    for epoch in range(1, 3):
        loss = ((model(X) - y) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        save(model.state_dict(), f"model_{epoch}.pt")


if __name__ == "__main__":
    main()
