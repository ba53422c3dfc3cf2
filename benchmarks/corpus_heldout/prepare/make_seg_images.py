"""Write a tiny image-segmentation set in Carvana's layout: ``imgs/<id>.png`` and ``masks/<id>_mask.png``.

Usage: python make_seg_images.py DATA_DIR [N_IMAGES] [SIZE]

Each RGB image is noise with one brighter ellipse on it; its mask is 255 inside the ellipse and 0
elsewhere (two mask values, so two classes, as Carvana's car / background). For
milesial/Pytorch-UNet, whose Carvana data set is a Kaggle download. Deterministic: the same
arguments always give the same files.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 3:
        print("usage: make_seg_images.py DATA_DIR [N_IMAGES] [SIZE]", file=sys.stderr)
        return 2
    root = Path(argv[0])
    n = int(argv[1]) if len(argv) > 1 else 100
    size = int(argv[2]) if len(argv) > 2 else 32
    imgs, masks = root / "imgs", root / "masks"
    imgs.mkdir(parents=True, exist_ok=True)
    masks.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:size, 0:size]
    for i in range(n):
        cy, cx = rng.uniform(size * 0.25, size * 0.75, size=2)
        ry, rx = rng.uniform(size * 0.12, size * 0.3, size=2)
        inside = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0
        pixels = rng.integers(0, 120, size=(size, size, 3))
        pixels[inside] += rng.integers(80, 136, size=3)
        Image.fromarray(pixels.astype(np.uint8)).save(imgs / f"{i:04d}.png")
        Image.fromarray((inside * 255).astype(np.uint8)).save(masks / f"{i:04d}_mask.png")
    print(f"wrote {n} images of {size}x{size} and their masks under {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
