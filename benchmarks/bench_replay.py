"""Replay TUI on a large trace: time to the first screen, and what each step key costs, driving
the real app with Pilot; plus the reader's step queries on their own.

    python benchmarks/bench_replay.py                          # records about 1,000,000 events (--full)
    python benchmarks/bench_replay.py --events 200000
    python benchmarks/bench_replay.py --trace big.ctrace --trace other.ctrace

Every key is pressed from the same fixed start positions, each time in a freshly opened replay
(nothing cached yet: the worst case, as after a jump, a search or a tour stop), a few times in a
row (the following presses show the warm cost). The positions are found in the trace, not named:
the middle of the run; a call made deep inside the frame with the most events of its own (``r``
lands deep in that frame); that frame's own line there; just before that frame's end; and, if the
trace has folds, the step right after the longest fold.

CPU is the main thread's CPU time for the key (handling, queries, layout, rendering), not the
process's: the replay scans the covered lines of a file on a background thread, which a key does
not wait for. The Pilot round trip adds Textual's frame scheduling (idle waits between frames).
The garbage collector's share of a press is shown too (a full collection can land on any key);
garbage left by the replays opened before is collected before the presses start. "replay logic"
is the same move without the UI (cursor, queries, locals, the top variable's history).

Target (issue 16): every key's worst case at most 100 ms of CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _big_trace import make_trace

from codetour.replay import Cursor
from codetour.store.reader import TraceReader
from codetour.store.schema import FOLD
from codetour.tui.app import ReplayApp

KEYS = ["s", "n", "r", "S", "N", "R", "right", "left", "f", "F"]
TARGET_MS = 100.0


@dataclass
class Position:
    label: str
    seq: int


def start_positions(reader: TraceReader) -> list[Position]:
    """Fixed places to press keys from, found in the trace (see the module docstring)."""
    cursor = Cursor(reader)
    out = [Position("middle of the run", cursor.first + (cursor.last - cursor.first) // 2)]
    spans: dict[int, int] = {}
    inner: dict[int, int] = {}
    for fr in reader.frames():
        span = (fr.end_seq if fr.end_seq is not None else cursor.last) - fr.start_seq + 1
        spans[fr.id] = span
        if fr.parent_id is not None:
            inner[fr.parent_id] = inner.get(fr.parent_id, 0) + span
    big_id = max(spans, key=lambda f: spans[f] - inner.get(f, 0))
    big = reader.frame(big_id)
    assert big is not None
    end = big.end_seq if big.end_seq is not None else cursor.last
    deep = big.start_seq + (end - big.start_seq) * 9 // 10
    function = reader.functions[big.function_id].qualname
    own = reader.prev_event(deep + 1, frame_id=big.id)
    if own is not None:
        out.append(Position(f"deep in {function} (its line, 90% through)", own.seq))
    callee = next((e for e in reader.events(deep, end) if e.frame_id != big.id), None)
    if callee is not None:
        inside = reader.next_event(callee.seq, frame_id=callee.frame_id) or callee
        out.append(Position(f"in a call made deep in {function}", inside.seq))
    last_own = reader.prev_event(end, frame_id=big.id)
    if last_own is not None:
        out.append(Position(f"near the end of {function}", last_own.seq))
    folds = reader.folds()
    if folds:
        longest = max(folds, key=lambda f: f.iterations)
        fold_event = reader.next_event(longest.after_seq - 1, frame_id=longest.frame_id, kinds=(FOLD,))
        after = reader.next_event(fold_event.seq if fold_event else longest.after_seq)
        if after is not None:
            out.append(Position(f"right after the longest fold ({longest.iterations:,} iterations)", after.seq))
    return out


class GcClock:
    """CPU spent in the garbage collector (main thread), in ms, while installed."""

    def __init__(self) -> None:
        self.total = 0.0
        self._start = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._start = time.thread_time()
        else:
            self.total += (time.thread_time() - self._start) * 1000


async def press_from(
    reader: TraceReader, trace: Path, seq: int, key: str, presses: int
) -> tuple[list[float], list[float], list[float]]:
    """Open a fresh replay at ``seq`` and press ``key`` ``presses`` times: (round trips, CPU, of that
    CPU the garbage collector's) in ms."""
    app = ReplayApp(trace, None, reader=reader)
    trips: list[float] = []
    cpu: list[float] = []
    in_gc: list[float] = []
    clock = GcClock()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        app.cursor.goto(seq)
        app.refresh_view()
        await pilot.pause()
        await app.workers.wait_for_complete()  # the covered lines, scanned on a background thread
        await pilot.pause()
        gc.collect()  # the garbage of the replays opened before this one is the benchmark's, not the key's
        gc.callbacks.append(clock)
        try:
            for _ in range(presses):
                t, c, g = time.perf_counter(), time.thread_time(), clock.total
                await pilot.press(key)
                await pilot.pause()
                trips.append((time.perf_counter() - t) * 1000)
                cpu.append((time.thread_time() - c) * 1000)
                in_gc.append(clock.total - g)
        finally:
            gc.callbacks.remove(clock)
    return trips, cpu, in_gc


async def first_screen(trace: Path) -> float:
    start = time.perf_counter()
    app = ReplayApp(trace, None)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        took = time.perf_counter() - start
    app.reader.close()
    return took


MOVES = {
    "s": "step_into",
    "n": "step_over",
    "r": "step_out",
    "S": "step_back",
    "N": "step_over_back",
    "R": "step_out_back",
    "right": "step_into",
    "left": "step_back",
}


def logic_only(reader: TraceReader, seq: int, key: str, presses: int) -> list[float]:
    """What the replay's own logic costs for ``key`` from ``seq`` with a fresh cursor, without the
    UI: the move, the step shown (locals, stack), and the top variable's history (the variables
    table highlights it). CPU ms per press."""
    cursor = Cursor(reader)
    cursor.goto(seq)
    cursor.step()
    out = []
    for _ in range(presses):
        c = time.thread_time()
        if key in MOVES:
            getattr(cursor, MOVES[key])()
        else:
            cursor.next_call(cursor.step().function.id, forward=key == "f")
        step = cursor.step()
        if step.locals:
            recent = getattr(cursor, "recent_history", None)  # an older codetour read the whole history
            (recent or cursor.history)(step.frame.id, list(step.locals)[-1])
        out.append((time.thread_time() - c) * 1000)
    return out


def reader_queries(trace: Path, n: int = 2000) -> dict[str, float]:
    with TraceReader(trace) as reader:
        cursor = Cursor(reader)
        middle = cursor.first + (cursor.last - cursor.first) // 2
        out = {}
        for how in ("step_into", "step_over", "step_out", "step_back", "step_over_back", "step_out_back"):
            cursor.goto(middle)
            times = []
            for _ in range(n // 6):
                t = time.perf_counter()
                getattr(cursor, how)()
                cursor.step()
                times.append((time.perf_counter() - t) * 1000)
            out[how] = statistics.median(times)
    return out


Timings = dict[str, list[float]]


def bench(trace: Path, presses: int, verbose: bool) -> tuple[Timings, Timings, Timings, Timings]:
    with TraceReader(trace) as reader:
        events, size = reader.event_count, trace.stat().st_size
        snapshots = "with" if getattr(reader, "has_snapshots", False) else "without"
        print(f"trace {trace}: {events:,} events, {size / 1e6:.1f} MB, {snapshots} stored snapshots")
        positions = start_positions(reader)
    medians = reader_queries(trace)
    print("reader step + state from the middle, median ms: " + ", ".join(f"{k} {v:.2f}" for k, v in medians.items()))
    print(f"first screen: {asyncio.run(first_screen(trace)):.2f}s")
    trips: Timings = {k: [] for k in KEYS}
    cpu: Timings = {k: [] for k in KEYS}
    logic: Timings = {k: [] for k in KEYS}
    gcs: Timings = {k: [] for k in KEYS}
    with TraceReader(trace) as reader:
        for pos in positions:
            print(f"  from {pos.label} (seq {pos.seq:,})", flush=True)
            for key in KEYS:
                t, c, g = asyncio.run(press_from(reader, trace, pos.seq, key, presses))
                trips[key] += t
                cpu[key] += c
                gcs[key] += g
                with TraceReader(trace) as fresh:  # nothing cached by SQLite's page cache either
                    own = logic_only(fresh, pos.seq, key, presses)
                logic[key] += own
                if verbose:
                    print(
                        f"    {key:>5}: CPU "
                        + " ".join(f"{x:.0f}" + (f" (gc {y:.0f})" if y >= 1 else "") for x, y in zip(c, g))
                        + " ms; replay logic "
                        + " ".join(f"{x:.1f}" for x in own)
                        + " ms"
                    )
    return trips, cpu, logic, gcs


def report(trips: Timings, cpu: Timings, logic: Timings, gcs: Timings) -> None:
    every = [x for v in trips.values() for x in v]
    every_cpu = [x for v in cpu.values() for x in v]
    print(
        f"step keys ({len(every)} presses), CPU: median {statistics.median(every_cpu):.1f} ms, "
        f"worst {max(every_cpu):.1f} ms; Pilot round trip: median {statistics.median(every):.1f} ms, worst {max(every):.1f} ms"
    )
    print(
        "  per key, ms: CPU of the key in the app (worst, of which in the garbage collector, median);"
        " Pilot round trip; the replay logic alone"
    )
    print(
        f"  {'key':>5}  {'CPU worst':>9}  {'(gc)':>5}  {'median':>6}  {'trip worst':>10}  {'median':>6}"
        f"  {'logic worst':>11}  {'median':>6}"
    )
    for key in KEYS:
        worst = max(cpu[key])
        in_gc = gcs[key][cpu[key].index(worst)]
        flag = "" if worst <= TARGET_MS else f"  over {TARGET_MS:.0f} ms"
        print(
            f"  {key:>5}  {worst:9.1f}  {in_gc:5.0f}  {statistics.median(cpu[key]):6.1f}  {max(trips[key]):10.1f}  "
            f"{statistics.median(trips[key]):6.1f}  {max(logic[key]):11.1f}  {statistics.median(logic[key]):6.1f}{flag}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--presses", type=int, default=3, help="presses of each key from each start position")
    parser.add_argument("--trace", type=Path, action="append", help="use this trace instead of recording one (repeatable)")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every press's CPU")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        traces = args.trace
        if not traces:
            print(f"recording a trace of about {args.events:,} events (--full)...", flush=True)
            trace, took = make_trace(Path(tmp), args.events)
            print(f"recorded in {took:.1f}s")
            traces = [trace]
        trips: Timings = {k: [] for k in KEYS}
        cpu: Timings = {k: [] for k in KEYS}
        logic: Timings = {k: [] for k in KEYS}
        gcs: Timings = {k: [] for k in KEYS}
        for trace in traces:
            t, c, own, g = bench(trace, args.presses, args.verbose)
            for key in KEYS:
                trips[key] += t[key]
                cpu[key] += c[key]
                logic[key] += own[key]
                gcs[key] += g[key]
        report(trips, cpu, logic, gcs)


if __name__ == "__main__":
    main()
