"""Series fixture: a long module-level loop, a helper called far past the call budget, numpy and
(when installed) torch scalars, a nested loop, and values that are not scalars."""

import sys

import numpy as np

try:
    import torch
except ImportError:
    torch = None

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 600


def compute_loss(i):
    return 1.0 / (1 + i)


def as_array(i):
    return np.float32(i) * 2


class Score:
    def __init__(self, v):
        self.v = v

    def __float__(self):
        raise RuntimeError("user code ran")


count = 0
for step in range(steps):
    loss = compute_loss(step)
    loss_np = np.float64(loss * 3)
    loss_0d = np.array(step * 0.5)
    vec = np.ones(3) * step
    flag = step % 2 == 0
    score = Score(step)
    lr = 0.1 * (0.99**step)
    if torch is not None:
        loss_t = torch.tensor(float(step)) * 4
    count += 1
    for inner in range(3):
        total = step * 10 + inner
half = as_array(steps)
print("done", count)
