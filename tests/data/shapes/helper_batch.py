"""An experiment class: the model is built by a method and moved as it is stored, the loss module comes from
another method, the model's outputs from a helper that returns them with the targets (``pred, true =
self._one_batch(...)``), and the loss is ``criterion(pred, true)``."""

import torch
from torch import nn


class Experiment:
    def __init__(self):
        self.model = self._build_model().to("cpu")

    def _build_model(self):
        return nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))

    def _select_criterion(self):
        criterion = nn.MSELoss()
        return criterion

    def _one_batch(self, x, y):
        outputs = self.model(x)
        return outputs, y

    def train(self, steps):
        torch.manual_seed(0)
        data = torch.randn(64, 3)
        target = data.sum(dim=1, keepdim=True)
        criterion = self._select_criterion()
        optim = torch.optim.SGD(self.model.parameters(), lr=0.05)
        for step in range(steps):
            rows = slice(step % 4 * 16, step % 4 * 16 + 16)
            pred, true = self._one_batch(data[rows], target[rows])
            loss = criterion(pred, true)
            optim.zero_grad()
            loss.backward()
            optim.step()
        return loss.item()


print(Experiment().train(8))
