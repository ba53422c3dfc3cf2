"""Shape fixture: a module-level loop that crashes on its fourth iteration."""

import numpy as np

lr = 0.1
steps = 10
limit = 3

w = np.zeros(2)
x = np.array([[1.0, 2.0], [3.0, 4.0]])
y = np.array([1.0, 2.0])
for step in range(steps):
    pred = x @ w
    grad = x.T @ (pred - y) / len(y)
    w -= lr * grad
    if step >= limit:
        raise RuntimeError(f"diverged at step {step}")
