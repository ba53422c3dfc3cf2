"""Make a large trace for the replay and export benchmarks: a generated program traced
with --full, so every one of its events is stored."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

PROGRAM = """
import sys


def leaf(i, scale):
    value = i * scale
    return value % 7


def middle(i):
    total = 0
    for k in range(2):
        total += leaf(i, k + 1)
    return total


def run(n):
    acc = 0
    for i in range(n):
        acc += middle(i)
    return acc


print(run(int(sys.argv[1])))
"""

EVENTS_PER_ITERATION = 19  # measured: lines, calls and returns of one run() iteration


def record_full(script: Path, out: Path, *args: str) -> float:
    """Trace ``script ARGS`` with --full (every event stored); returns seconds taken."""
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "codetour",
            "trace",
            "-q",
            "--full",
            "--root",
            str(script.parent),
            "-o",
            str(out),
            str(script),
            *args,
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def make_trace(folder: Path, events: int) -> tuple[Path, float]:
    """Record a trace with about ``events`` events; returns (path, seconds to record)."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "workload.py"
    script.write_text(PROGRAM)
    out = folder / f"big-{events}.ctrace"
    return out, record_full(script, out, str(max(events // EVENTS_PER_ITERATION, 1)))
