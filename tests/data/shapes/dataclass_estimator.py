"""A scikit-learn-style estimator: its settings are the fields of a dataclass it subclasses (adding only methods),
given as keyword arguments over several lines; it builds its optimizer by calling a class held in one of them (kept
on a private attribute), and its network runs a custom autograd function, whose ``backward`` autograd calls once per
use in every backward pass."""

from dataclasses import dataclass, field

import torch
from torch import nn


class Sharpen(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x.abs()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x.abs()


class Net(nn.Module):
    def __init__(self, n_in, n_hidden, steps):
        super().__init__()
        self.first = nn.Linear(n_in, n_hidden)
        self.steps = steps
        self.last = nn.Linear(n_hidden, 1)

    def forward(self, x):
        h = self.first(x)
        for _ in range(self.steps):
            h = Sharpen.apply(h) * 0.5
        return self.last(h).squeeze(-1)


@dataclass
class Estimator:
    n_hidden: int = 8
    steps: int = 3
    optimizer_fn: type = torch.optim.Adam
    optimizer_params: dict = field(default_factory=lambda: {"lr": 0.01})


class Regressor(Estimator):
    def fit(self, X, y, max_epochs=2, batch_size=16):
        self._network = Net(X.shape[1], self.n_hidden, self.steps)
        self._optimizer = self.optimizer_fn(self._network.parameters(), **self.optimizer_params)
        for epoch in range(max_epochs):
            for start in range(0, len(X), batch_size):
                self._train_batch(X[start : start + batch_size], y[start : start + batch_size])
        return self

    def _train_batch(self, xb, yb):
        self._optimizer.zero_grad()
        output = self._network(xb)
        loss = ((output - yb) ** 2).mean()
        loss.backward()
        self._optimizer.step()
        return loss.item()


if __name__ == "__main__":
    torch.manual_seed(0)
    X = torch.randn(64, 5)
    y = X.sum(dim=1)
    model = Regressor(
        n_hidden=12,
        optimizer_params={"lr": 0.02},
    )
    model.fit(X, y, max_epochs=2, batch_size=16)
