"""A loader's batch fetched in the loop, moved (a list comprehension over itself, as ``.to(device)``
does), then unpacked into inputs and targets before the forward pass."""

import numpy as np

rng = np.random.default_rng(0)
inputs = rng.normal(size=(40, 3))
targets = inputs @ np.array([0.5, -1.0, 2.0])


def loader(batch_size):
    while True:
        for start in range(0, len(inputs), batch_size):
            yield inputs[start : start + batch_size], targets[start : start + batch_size]


class Model:
    def __init__(self):
        self.w = np.zeros(3)

    def forward(self, x):
        return x @ self.w


model = Model()
batches = loader(8)
step = 0
while step < 6:
    batch = next(batches)
    batch = [np.asarray(t, dtype=np.float64) for t in batch]
    X, Y = batch
    pred = model.forward(X)
    loss = np.mean((pred - Y) ** 2)
    grad = 2 * X.T @ (pred - Y) / len(Y)
    model.w -= 0.1 * grad
    step += 1
print(f"{loss:.4f}")
