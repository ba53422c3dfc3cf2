"""nanoGPT's data path in numpy: the batch function opens the token file itself (``np.memmap``) and
slices windows from it; the first batch is fetched before the loop, and each iteration fetches the
next one once the gradient is computed."""

import os
import sys

import numpy as np

block_size = 4
batch_size = 3
max_iters = 5
lr = 0.5
data_path = sys.argv[1] if len(sys.argv) > 1 else "tokens.bin"
if not os.path.exists(data_path):
    (np.arange(200) % 50).astype(np.uint16).tofile(data_path)
rng = np.random.default_rng(0)


def get_batch():
    data = np.memmap(data_path, dtype=np.uint16, mode="r")
    ix = rng.integers(0, len(data) - block_size - 1, size=batch_size)
    x = np.stack([data[i : i + block_size].astype(np.float64) for i in ix]) / 50
    y = np.stack([data[i + 1 : i + 1 + block_size].astype(np.float64) for i in ix]) / 50
    return x, y


class Model:
    def __init__(self):
        self.W = np.eye(block_size)

    def forward(self, x):
        return x @ self.W


model = Model()
X, Y = get_batch()
for it in range(max_iters):
    pred = model.forward(X)
    loss = np.mean((pred - Y) ** 2)
    grad = 2 * X.T @ (pred - Y) / pred.size
    X, Y = get_batch()
    model.W -= lr * grad
out_dir = "out"
os.makedirs(out_dir, exist_ok=True)
np.save(os.path.join(out_dir, f"W-{max_iters}.npy"), model.W)
print(f"{loss:.4f}")
