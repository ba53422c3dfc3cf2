"""Training that runs only in child processes (Hogwild!-style): the parent starts two spawned processes
that each run the whole training loop, a linear fit in numpy with a hand-written gradient step, and
waits for them; it trains nothing itself."""

import multiprocessing as mp
import sys

import numpy as np


def train(rank, steps):
    rng = np.random.default_rng(rank)
    X = rng.normal(size=(64, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1
    w = np.zeros(3)
    lr = 0.1
    for step in range(steps):
        pred = X @ w
        loss = np.mean((pred - y) ** 2)
        grad = 2 * X.T @ (pred - y) / len(y)
        w -= lr * grad
    print(f"rank {rank}: loss {loss:.4f}")


if __name__ == "__main__":
    ctx = mp.get_context("spawn")
    workers = [ctx.Process(target=train, args=(rank, 30)) for rank in range(2)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    sys.exit(max(p.exitcode or 0 for p in workers))
