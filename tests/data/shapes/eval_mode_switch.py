"""A validation function handed the model switches it to evaluation mode (``model.eval()``) before its ``no_grad``
pass, and training switches it back (``model.train()``) at the start of every epoch. The model's recorded summary is
the one taken when the function received it (``training=True``): what the stop shows must be the mode in force."""

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(4, 8)
        self.drop = nn.Dropout(0.1)
        self.out = nn.Linear(8, 1)

    def forward(self, x):
        return self.out(self.drop(torch.relu(self.hidden(x))))


def validate(model, X, y):
    model.eval()
    with torch.no_grad():
        loss = ((model(X) - y) ** 2).mean().item()
    return loss


def train_epoch(model, optimizer, X, y):
    model.train()
    for start in range(0, len(X), 8):
        loss = ((model(X[start : start + 8]) - y[start : start + 8]) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main():
    torch.manual_seed(0)
    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    X, y = torch.randn(32, 4), torch.randn(32, 1)
    for _epoch in range(2):
        train_epoch(model, optimizer, X, y)
        print(f"validation loss {validate(model, X, y):.4f}")


if __name__ == "__main__":
    main()
