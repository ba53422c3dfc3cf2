"""Shared helpers for the benchmark scripts: run commands side by side and measure them."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Measure:
    seconds: float
    max_rss_mb: float
    cpu_seconds: float = 0.0  # user + system CPU of the child: steadier than wall time on a loaded machine


def run_once(cmd: list[str], cwd: Path) -> Measure:
    """Wall time and peak RSS of one child process (os.wait4 gives that child's own rusage)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-2000:]}")
    return Measure(elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def interleaved(commands: dict[str, list[str]], cwd: Path, repeat: int) -> dict[str, Measure]:
    """Run every command ``repeat`` times, interleaved, and keep the medians.

    Interleaving means a noisy neighbour slows all variants alike, so the ratios hold.
    """
    times: dict[str, list[float]] = {k: [] for k in commands}
    cpu: dict[str, list[float]] = {k: [] for k in commands}
    rss: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            m = run_once(cmd, cwd)
            times[name].append(m.seconds)
            cpu[name].append(m.cpu_seconds)
            rss[name].append(m.max_rss_mb)
    return {k: Measure(statistics.median(times[k]), max(rss[k]), statistics.median(cpu[k])) for k in commands}


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])
