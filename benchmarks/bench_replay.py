"""Replay TUI on a large trace: time to the first screen and per-key step latency,
driving the real app with Pilot; plus the reader's step queries on their own.

    python benchmarks/bench_replay.py                 # about 1,000,000 events
    python benchmarks/bench_replay.py --events 200000

Target (issue 7): first screen in about a second, every step key well under 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _big_trace import make_trace

from codetour.replay import Cursor
from codetour.store.reader import TraceReader
from codetour.tui.app import ReplayApp

KEYS = ["s", "n", "r", "S", "N", "R", "right", "left", "f", "F"]


async def drive(trace: Path, presses: int) -> tuple[float, dict[str, list[float]], dict[str, list[float]]]:
    """Returns first-screen seconds, and per key: Pilot round trips and CPU milliseconds.

    The round trip includes Textual's frame scheduling (idle waits between frames);
    the CPU time is the work a key costs (handling, queries, layout, rendering).
    """
    start = time.perf_counter()
    app = ReplayApp(trace, None)
    latencies: dict[str, list[float]] = {k: [] for k in KEYS}
    cpu: dict[str, list[float]] = {k: [] for k in KEYS}
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        first_screen = time.perf_counter() - start
        app.cursor.goto(app.cursor.first + (app.cursor.last - app.cursor.first) // 2)  # the middle of the run
        app.refresh_view()
        await pilot.pause()
        for i in range(presses):
            key = KEYS[i % len(KEYS)]
            t, c = time.perf_counter(), time.process_time()
            await pilot.press(key)
            await pilot.pause()
            latencies[key].append((time.perf_counter() - t) * 1000)
            cpu[key].append((time.process_time() - c) * 1000)
        await pilot.press("g", *str(app.cursor.total - 5), "enter")
        await pilot.pause()
    return first_screen, latencies, cpu


def reader_queries(trace: Path, n: int = 2000) -> dict[str, float]:
    with TraceReader(trace) as reader:
        cursor = Cursor(reader)
        cursor.goto(cursor.first + (cursor.last - cursor.first) // 2)
        out = {}
        for how in ("step_into", "step_over", "step_out", "step_back", "step_over_back", "step_out_back"):
            times = []
            for _ in range(n // 6):
                t = time.perf_counter()
                getattr(cursor, how)()
                cursor.step()
                times.append((time.perf_counter() - t) * 1000)
            out[how] = statistics.median(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--trace", type=Path, help="use this trace instead of generating one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.trace:
            trace, took = args.trace, 0.0
        else:
            print(f"recording a trace of about {args.events:,} events (--full)...", flush=True)
            trace, took = make_trace(Path(tmp), args.events)
        with TraceReader(trace) as reader:
            events, size = reader.event_count, trace.stat().st_size
        print(f"trace: {events:,} events, {size / 1e6:.1f} MB, recorded in {took:.1f}s")
        medians = reader_queries(trace)
        print("reader step + state, median ms: " + ", ".join(f"{k} {v:.2f}" for k, v in medians.items()))
        first, latencies, cpu = asyncio.run(drive(trace, args.presses))
        every = [x for v in latencies.values() for x in v]
        every_cpu = [x for v in cpu.values() for x in v]
        print(f"first screen: {first:.2f}s")
        print(
            f"step keys ({len(every)} presses), Pilot round trip: median {statistics.median(every):.1f} ms, "
            f"p95 {sorted(every)[int(len(every) * 0.95)]:.1f} ms, worst {max(every):.1f} ms"
        )
        print(
            f"step keys, CPU per key: median {statistics.median(every_cpu):.1f} ms, "
            f"p95 {sorted(every_cpu)[int(len(every_cpu) * 0.95)]:.1f} ms, worst {max(every_cpu):.1f} ms"
        )
        for key in KEYS:
            print(
                f"  {key:>5}: round trip median {statistics.median(latencies[key]):.1f} ms (worst {max(latencies[key]):.1f}), "
                f"CPU median {statistics.median(cpu[key]):.1f} ms (worst {max(cpu[key]):.1f})"
            )


if __name__ == "__main__":
    main()
