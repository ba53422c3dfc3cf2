"""Shape fixture: evaluation and a checkpoint only every ``eval_interval`` steps, first at step 10, far past the
iterations recorded in detail (makemore's and nanoGPT's shape), in a ``while True`` loop that breaks."""

import sys

import numpy as np

lr = 0.1
max_steps = 21
eval_interval = 10
out_path = sys.argv[1] if len(sys.argv) > 1 else "late_eval.npy"

rng = np.random.default_rng(0)
X = rng.normal(size=(32, 3))
Y = X @ np.array([1.0, -2.0, 0.5])


class Linear:
    def __init__(self, n_in):
        self.params = {"w": np.zeros(n_in)}

    def forward(self, x):
        return x @ self.params["w"]

    def backward(self, x, dpred):
        return {"w": x.T @ dpred}


class SGD:
    def __init__(self, params, lr):
        self.params = params
        self.lr = lr

    def step(self, grads):
        for k, g in grads.items():
            self.params[k] -= self.lr * g


def evaluate(model):
    return float(np.mean((model.forward(X) - Y) ** 2))


model = Linear(3)
opt = SGD(model.params, lr)
step = 0
best = None
while True:
    idx = rng.integers(0, len(X), size=8)
    xb, yb = X[idx], Y[idx]
    pred = model.forward(xb)
    loss = np.mean((pred - yb) ** 2)
    grads = model.backward(xb, 2 * (pred - yb) / len(yb))
    opt.step(grads)
    if step > 0 and step % eval_interval == 0:
        val = evaluate(model)
        print(f"step {step} val {val:.4f}")
        if best is None or val < best:
            np.save(out_path, model.params["w"])
            best = val
    step += 1
    if step >= max_steps:
        break
