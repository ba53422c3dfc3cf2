"""Shape fixture: a numpy regression trainer whose training loop is module-level code."""

import sys

import numpy as np

lr = 0.1
steps = 12
batch_size = 8
eval_every = 5
out_path = sys.argv[1] if len(sys.argv) > 1 else "module_loop.npy"

rng = np.random.default_rng(0)
X = rng.normal(size=(64, 3))
Y = X @ np.array([1.0, -2.0, 0.5]) + 0.1


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


def mse(pred, y):
    diff = pred - y
    loss = np.mean(diff**2)
    return loss, 2 * diff / len(y)


def get_batch(i):
    idx = (np.arange(batch_size) + i * batch_size) % len(X)
    return X[idx], Y[idx]


def evaluate(model):
    pred = model.forward(X)
    return float(np.mean((pred - Y) ** 2))


model = Linear(3)
opt = SGD(model.params, lr)
for step in range(steps):
    xb, yb = get_batch(step)
    pred = model.forward(xb)
    loss, dpred = mse(pred, yb)
    grads = model.backward(xb, dpred)
    opt.step(grads)
    if step % eval_every == 0:
        val = evaluate(model)
        print(f"step {step}: loss {loss:.4f} val {val:.4f}")
np.save(out_path, model.params["w"])
