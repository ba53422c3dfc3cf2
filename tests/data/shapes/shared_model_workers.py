"""Hogwild!-style training: the parent builds the data and the model, starts two spawned processes that each run
the whole epoch/batch loop on their own copy of the model, joins them, then evaluates the model and saves it.
The parent trains nothing itself; its only loop over batches is the evaluation's."""

import multiprocessing as mp
import sys

import numpy as np


class Linear:
    def __init__(self, n_in, seed):
        self.w = np.random.default_rng(seed).normal(size=n_in) * 0.1
        self.b = 0.0

    def forward(self, x):
        return x @ self.w + self.b


def batches(x, y, size):
    for start in range(0, len(x), size):
        yield x[start : start + size], y[start : start + size]


def train_epoch(model, x, y, lr):
    for xb, yb in batches(x, y, 16):
        pred = model.forward(xb)
        loss = np.mean((pred - yb) ** 2)
        grad_w = 2 * xb.T @ (pred - yb) / len(yb)
        model.w -= lr * grad_w
    return loss


def train(rank, model, x, y, epochs, lr):
    for epoch in range(epochs):
        loss = train_epoch(model, x, y, lr)
    print(f"rank {rank}: loss {loss:.4f}")


def evaluate(model, x, y):
    total = 0.0
    for xb, yb in batches(x, y, 32):
        total += float(np.sum((model.forward(xb) - yb) ** 2))
    return total / len(y)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.1
    model = Linear(3, seed=1)
    ctx = mp.get_context("spawn")
    workers = [ctx.Process(target=train, args=(rank, model, x, y, 2, 0.05)) for rank in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    print(f"mse {evaluate(model, x, y):.4f}")
    np.save(sys.argv[1], model.w)
