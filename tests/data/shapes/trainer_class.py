"""Shape fixture: a Trainer class whose fit() method holds the loop; a dataclass config."""

from dataclasses import dataclass

import numpy as np


@dataclass
class Config:
    lr: float = 0.1
    steps: int = 9
    batch_size: int = 8


class Linear:
    def __init__(self, n_in):
        self.params = {"w": np.zeros(n_in), "b": np.zeros(1)}

    def forward(self, x):
        return x @ self.params["w"] + self.params["b"]

    def backward(self, x, dpred):
        return {"w": x.T @ dpred, "b": np.array([dpred.sum()])}


class SGD:
    def __init__(self, params, lr):
        self.params = params
        self.lr = lr

    def step(self, grads):
        for k, g in grads.items():
            self.params[k] -= self.lr * g


class Trainer:
    def __init__(self, cfg, x, y):
        self.cfg = cfg
        self.x, self.y = x, y
        self.model = Linear(x.shape[1])
        self.opt = SGD(self.model.params, cfg.lr)

    def batch(self, i):
        idx = (np.arange(self.cfg.batch_size) + i * self.cfg.batch_size) % len(self.x)
        return self.x[idx], self.y[idx]

    def loss(self, pred, y):
        diff = pred - y
        value = np.mean(diff**2)
        return value, 2 * diff / len(y)

    def fit(self):
        for i in range(self.cfg.steps):
            xb, yb = self.batch(i)
            pred = self.model.forward(xb)
            value, dpred = self.loss(pred, yb)
            grads = self.model.backward(xb, dpred)
            self.opt.step(grads)
        return value


if __name__ == "__main__":
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 2))
    trainer = Trainer(Config(), x, x @ np.array([3.0, -1.0]))
    print(trainer.fit())
