"""Write a small hourly multivariate series in the ETT CSV layout, for Informer2020's data loaders.

Usage: python make_ett_csv.py OUT_FILE [N_ROWS]

The ETT data sets (electricity transformer temperature) are downloads: a ``date`` column of hourly
timestamps, six load columns (HUFL, HULL, MUFL, MULL, LUFL, LULL) and the oil temperature ``OT``
(the target). This writes N_ROWS hourly rows (default 600) from 2016-07-01 00:00 with the same
columns: daily and weekly sines with per-column phases and amplitudes, a slow trend and Gaussian
noise, OT a lagged mix of the loads. Deterministic (seed 0).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

COLUMNS = ["HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL"]


def main(argv: list[str]) -> int:
    if not argv or len(argv) > 2:
        print("usage: make_ett_csv.py OUT_FILE [N_ROWS]", file=sys.stderr)
        return 2
    n = int(argv[1]) if len(argv) > 1 else 600
    rng = np.random.default_rng(0)
    t = np.arange(n, dtype="float64")
    loads = []
    for i in range(len(COLUMNS)):
        daily = (2.0 + i) * np.sin(2 * np.pi * t / 24.0 + 0.7 * i)
        weekly = 0.8 * np.sin(2 * np.pi * t / 168.0 + 0.3 * i)
        loads.append(5.0 + daily + weekly + 0.002 * i * t + rng.normal(0.0, 0.4, n))
    ot = 20.0 + 0.5 * np.roll(loads[0], 3) - 0.3 * np.roll(loads[2], 6) + rng.normal(0.0, 0.2, n)
    start = np.datetime64("2016-07-01T00:00")
    out = Path(argv[0])
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as f:
        f.write(",".join(["date", *COLUMNS, "OT"]) + "\n")
        for row in range(n):
            stamp = str(start + np.timedelta64(row, "h")).replace("T", " ") + ":00"
            values = [loads[i][row] for i in range(len(COLUMNS))] + [ot[row]]
            f.write(stamp + "," + ",".join(f"{v:.3f}" for v in values) + "\n")
    print(f"wrote {n} hourly rows to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
