"""A script whose functions use module-level objects: the model is built at module level and read as
a global by ``train()`` and ``evaluate()``; the update is written by hand (no optimizer object) with
a global step size that is cut when the validation loss stops improving; the best model is saved."""

import argparse

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--lr", type=float, default=0.5)
parser.add_argument("--save", default="best.pt")
args = parser.parse_args()

torch.manual_seed(0)
train_x = torch.randn(48, 3)
train_y = train_x @ torch.tensor([[1.0], [-1.0], [0.5]])
val_x, val_y = train_x[:8] + 0.5, train_y[:8]


class Net(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.hidden = nn.Linear(3, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


model = Net(8)
criterion = nn.MSELoss()
lr = args.lr


def train():
    model.train()
    for i in range(0, len(train_x), 16):
        data, targets = train_x[i : i + 16], train_y[i : i + 16]
        model.zero_grad()
        output = model(data)
        loss = criterion(output, targets)
        loss.backward()
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)


def evaluate(x, y):
    model.eval()
    with torch.no_grad():
        return criterion(model(x), y).item()


best = None
for epoch in range(1, args.epochs + 1):
    train()
    val_loss = evaluate(val_x, val_y)
    print(f"epoch {epoch} valid loss {val_loss:.3f}")
    if best is None or val_loss < best:
        torch.save(model.state_dict(), args.save)
        best = val_loss
    else:
        lr /= 4.0
