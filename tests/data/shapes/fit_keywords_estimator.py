"""An estimator whose settings are the fields of a dataclass it subclasses (``batch_size`` 1024 by default), built
with keyword arguments; its ``fit`` copies its own keyword arguments onto the object (``self.batch_size =
batch_size``, ``self.max_epochs = max_epochs``) and builds its network in a helper before the loop: the settings in
force while it trains are ``fit``'s, not the fields as the object was built."""

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class Settings:
    n_hidden: int = 8
    lr: float = 0.05
    batch_size: int = 1024


class Regressor(Settings):
    def fit(self, X, y, max_epochs=100, batch_size=1024, patience=10):
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.patience = patience
        self._build(X.shape[1])
        self._optimizer = torch.optim.SGD(self._network.parameters(), lr=self.lr)
        for _epoch in range(self.max_epochs):
            for start in range(0, len(X), self.batch_size):
                self._train_batch(X[start : start + self.batch_size], y[start : start + self.batch_size])
        return self

    def _build(self, n_in):
        self._network = nn.Sequential(nn.Linear(n_in, self.n_hidden), nn.ReLU(), nn.Linear(self.n_hidden, 1))

    def _train_batch(self, xb, yb):
        self._optimizer.zero_grad()
        output = self._network(xb).squeeze(-1)
        loss = ((output - yb) ** 2).mean()
        loss.backward()
        self._optimizer.step()
        return loss.item()


if __name__ == "__main__":
    torch.manual_seed(0)
    X = torch.randn(64, 5)
    y = X.sum(dim=1)
    model = Regressor(n_hidden=12)
    model.fit(X, y, max_epochs=2, batch_size=16)
