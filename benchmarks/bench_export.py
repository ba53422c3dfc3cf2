"""Exporting the call graph of a large trace in every format, timed one by one.

    python benchmarks/bench_export.py [--events 100000]

Target (issue 5): a few seconds at most for a 100k-event trace.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _big_trace import record_full

from codetour.export import ExportContext, formats
from codetour.graph import build_graph
from codetour.store.reader import TraceReader

FUNCTIONS = 255  # a binary call tree: each f_i calls f_(2i+1) and f_(2i+2)


def program() -> str:
    lines = ["import sys", ""]
    for i in range(FUNCTIONS):
        lines += [f"def f{i}(x):", f"    y = x + {i}"]
        for child in (2 * i + 1, 2 * i + 2):
            if child < FUNCTIONS:
                lines.append(f"    y += f{child}(x)")
        lines += ["    return y", "", ""]
    lines += ["for r in range(int(sys.argv[1])):", "    f0(r)", ""]
    return "\n".join(lines)


def make_trace(folder: Path, events: int) -> tuple[Path, float]:
    script = folder / "calltree.py"
    script.write_text(program())
    out = folder / "calltree.ctrace"
    rounds = max(events // (FUNCTIONS * 5), 1)  # call, 2-3 lines, return per function per round
    return out, record_full(script, out, str(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trace, took = make_trace(Path(tmp), args.events)
        with TraceReader(trace) as reader:
            print(f"trace: {reader.event_count:,} events ({reader.frame_count():,} recorded calls), recorded in {took:.1f}s")
            start = time.perf_counter()
            graph = build_graph(reader)
            print(
                f"build_graph: {time.perf_counter() - start:.3f}s ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges)"
            )
            ctx = ExportContext(reader, graph, "benchmark")
            for name, spec in formats().items():
                if name in ("svg", "png"):
                    continue  # Graphviz's own layout time, not codetour's
                buffer = io.BytesIO() if spec.binary else io.StringIO()
                start = time.perf_counter()
                spec.write(ctx, buffer)
                size = len(buffer.getvalue())
                print(f"  {name:9} {time.perf_counter() - start:6.3f}s  {size / 1e3:8.1f} kB")


if __name__ == "__main__":
    main()
