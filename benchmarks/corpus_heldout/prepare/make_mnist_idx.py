"""Write a small synthetic digit set in MNIST's own file format (gzipped IDX), for runs that read MNIST.

Usage: python make_mnist_idx.py OUT_DIR [N_TRAIN] [N_TEST]

MNIST is a download. This writes the four files MNIST ships, with MNIST's names and IDX layout
(big-endian magic 2051/2049, counts, 28x28 uint8 images, uint8 labels), gzipped:
train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and
t10k-labels-idx1-ubyte.gz. Each of the 10 classes is a fixed random stroke pattern (a few thick
line segments on the 28x28 grid), shifted by up to 2 pixels and blurred by noise, so a classifier
can learn it in a few epochs. Labels cycle through 0-9 in a shuffled order. Deterministic (seed 0).
Defaults: 1280 training and 256 test images.
"""

from __future__ import annotations

import gzip
import struct
import sys
from pathlib import Path

import numpy as np


def class_templates(rng: np.random.Generator) -> np.ndarray:
    templates = np.zeros((10, 28, 28), "float64")
    for c in range(10):
        for _ in range(3):
            (r0, c0), (r1, c1) = rng.integers(5, 23, size=(2, 2))
            for t in np.linspace(0.0, 1.0, 40):
                r, col = round(r0 + t * (r1 - r0)), round(c0 + t * (c1 - c0))
                templates[c, r - 1 : r + 2, col - 1 : col + 2] = 1.0
    return templates


def make_split(rng: np.random.Generator, templates: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    labels = np.tile(np.arange(10, dtype="uint8"), n // 10 + 1)[:n]
    rng.shuffle(labels)
    images = np.empty((n, 28, 28), "uint8")
    for i, label in enumerate(labels):
        dr, dc = rng.integers(-2, 3, size=2)
        img = np.roll(np.roll(templates[label], dr, axis=0), dc, axis=1)
        img = np.clip(img * rng.uniform(0.7, 1.0) + rng.normal(0.0, 0.15, (28, 28)), 0.0, 1.0)
        images[i] = (img * 255).astype("uint8")
    return images, labels


def write_idx(path: Path, array: np.ndarray) -> None:
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        if array.ndim == 3:
            f.write(struct.pack(">IIII", 2051, array.shape[0], 28, 28))
        else:
            f.write(struct.pack(">II", 2049, array.shape[0]))
        f.write(array.tobytes())


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 3:
        print("usage: make_mnist_idx.py OUT_DIR [N_TRAIN] [N_TEST]", file=sys.stderr)
        return 2
    out = Path(argv[0])
    n_train = int(argv[1]) if len(argv) > 1 else 1280
    n_test = int(argv[2]) if len(argv) > 2 else 256
    rng = np.random.default_rng(0)
    templates = class_templates(rng)
    out.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images, labels = make_split(rng, templates, n)
        write_idx(out / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(out / f"{prefix}-labels-idx1-ubyte.gz", labels)
    print(f"wrote {n_train} training and {n_test} test images (MNIST IDX format) to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
