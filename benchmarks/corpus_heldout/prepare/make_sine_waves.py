"""Write ``traindata.pt`` as pytorch/examples' time_sequence_prediction/generate_sine_wave.py does, smaller.

Usage: python make_sine_waves.py OUT_FILE [N_SEQUENCES] [LENGTH]

The same formula (sine waves of period 2*pi*20, each shifted by a random offset, seed 2) for
N_SEQUENCES sequences of LENGTH samples (the repo's script writes 100 x 1000); a numpy float64
array saved with torch.save, as there. Deterministic.
"""

from __future__ import annotations

import sys

import numpy as np
import torch


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 3:
        print("usage: make_sine_waves.py OUT_FILE [N_SEQUENCES] [LENGTH]", file=sys.stderr)
        return 2
    n = int(argv[1]) if len(argv) > 1 else 100
    length = int(argv[2]) if len(argv) > 2 else 1000
    np.random.seed(2)
    period = 20
    x = np.empty((n, length), "int64")
    x[:] = np.array(range(length)) + np.random.randint(-4 * period, 4 * period, n).reshape(n, 1)
    data = np.sin(x / 1.0 / period).astype("float64")
    with open(argv[0], "wb") as f:
        torch.save(data, f)
    print(f"wrote {n} sine waves of {length} samples to {argv[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
