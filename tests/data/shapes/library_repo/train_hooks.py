"""Lightning's module shape on the fixture framework: the framework calls training_step and
validation_step; both hand the batch to a shared model_step, which unpacks it, runs the forward pass
and computes the loss; only the training step updates."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "framework"))
from minifw import Trainer


class LitRegressor:
    def __init__(self, n_in, lr):
        self.params = {"w": np.zeros(n_in)}
        self.lr = lr

    def configure(self):
        self.val_losses = []

    def forward(self, x):
        return x @ self.params["w"]

    def model_step(self, batch):
        x, y = batch
        pred = self.forward(x)
        loss = np.mean((pred - y) ** 2)
        return loss, pred, x, y

    def training_step(self, batch, step):
        loss, pred, x, y = self.model_step(batch)
        grad = 2 * x.T @ (pred - y) / len(y)
        self.params["w"] -= self.lr * grad
        return loss

    def validation_step(self, batch, step):
        loss, _, _, _ = self.model_step(batch)
        self.val_losses.append(loss)


rng = np.random.default_rng(3)
batches = []
for _ in range(3):
    x = rng.normal(size=(8, 2))
    batches.append((x, x @ np.array([1.0, -1.0])))
model = LitRegressor(2, lr=0.1)
losses = Trainer(max_steps=8).fit(model, batches)
print(f"{losses[-1]:.4f}", " ".join(f"{v:.4f}" for v in model.val_losses))
