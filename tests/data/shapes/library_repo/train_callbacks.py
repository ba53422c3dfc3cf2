"""Shape fixture: the training loop lives in a framework (outside this repo) that calls training_step; the repo
builds the framework's checkpoint callback and hands it to the trainer, which writes the checkpoint itself."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "framework"))
from minifw import ModelCheckpoint, Trainer


class SGD:
    def __init__(self, params, lr):
        self.params = params
        self.lr = lr

    def step(self, grads):
        for k, g in grads.items():
            self.params[k] -= self.lr * g


class Regressor:
    def __init__(self, n_in):
        self.params = {"w": np.zeros(n_in)}
        self.rng = np.random.default_rng(0)

    def configure(self):
        self.opt = SGD(self.params, lr=0.1)

    def forward(self, x):
        return x @ self.params["w"]

    def backward(self, x, dpred):
        return {"w": x.T @ dpred}

    def keep_mask(self, shape):
        return (self.rng.random(shape) > 0.1).astype(float)

    def training_step(self, batch, step):
        x, y = batch[0], batch[1]
        keep = self.keep_mask(x.shape)
        x_in = x * keep  # a transformation of the batch (masking): not where the batch comes from
        pred = self.forward(x_in)
        diff = pred - y
        loss = np.mean(diff**2)
        grads = self.backward(x_in, 2 * diff / len(y))
        self.opt.step(grads)
        return loss


rng = np.random.default_rng(2)
batches = []
for _ in range(3):
    x = rng.normal(size=(8, 2))
    batches.append((x, x @ np.array([1.0, 2.0])))
model = Regressor(2)
callbacks = [ModelCheckpoint(dirpath=sys.argv[1])]
trainer = Trainer(max_steps=7, callbacks=callbacks)
losses = trainer.fit(model, batches)
print(losses[-1])
