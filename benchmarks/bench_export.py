"""Exporting the call graph of a large trace in every format, timed one by one; then a
wide graph (thousands of functions) drawn with and without the automatic collapse.

    python benchmarks/bench_export.py [--events 100000] [--wide 3000]

Targets: a few seconds at most for a 100k-event trace (issue 5); SVG of a graph of
thousands of functions in seconds, not minutes (issue 16.4).
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

from codetour.errors import CodetourError
from codetour.export import ExportContext, dot, formats
from codetour.graph import GraphView, build_graph
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


def make_wide_trace(folder: Path, functions: int) -> tuple[Path, float]:
    """A run calling ``functions`` functions, 50 to a module, 10 modules to a package."""
    modules = []
    for m in range(max(functions // 50, 1)):
        package = folder / f"pkg{m // 10}"
        package.mkdir(exist_ok=True)
        (package / "__init__.py").write_text("")
        body = [f"def f{i}(x):\n    return x + {i}\n\n" for i in range(49)]
        body.append("def run(x):\n" + "".join(f"    x = f{i}(x)\n" for i in range(49)) + "    return x\n")
        (package / f"m{m}.py").write_text("\n".join(body))
        modules.append(f"pkg{m // 10}.m{m}")
    main = "".join(f"import {name}\n" for name in modules) + "\nfor x in range(2):\n"
    main += "".join(f"    {name}.run(x)\n" for name in modules)
    script = folder / "wide.py"
    script.write_text(main)
    out = folder / "wide.ctrace"
    return out, record_full(script, out)


def svg_seconds(ctx: ExportContext) -> str:
    start = time.perf_counter()
    try:
        dot.render("svg")(ctx, io.BytesIO())
    except CodetourError as exc:
        return f"stopped: {exc.message[:60]}…"
    return f"{time.perf_counter() - start:6.2f}s"


def wide(folder: Path, functions: int) -> None:
    trace, took = make_wide_trace(folder, functions)
    with TraceReader(trace) as reader:
        start = time.perf_counter()
        graph = build_graph(reader)
        built = time.perf_counter() - start
        print(f"wide trace: {graph.number_of_nodes():,} functions, recorded in {took:.1f}s, graph built in {built:.2f}s")
        start = time.perf_counter()
        busy = build_graph(reader, GraphView(min_calls=3))  # hides the once-called: bypassed, not dropped
        print(f"  --min-calls 3 (bypass): {time.perf_counter() - start:.2f}s, {busy.number_of_nodes():,} nodes")
        ctx = ExportContext(reader, graph, "wide")
        print(f"  svg, auto-collapsed ({dot.MAX_NODES} nodes at most): {svg_seconds(ctx)}")
        ctx.options["max_nodes"] = 10**9
        print(f"  svg, every function (budget {dot.render_timeout():g}s):  {svg_seconds(ctx)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--wide", type=int, default=3000, metavar="N", help="functions in the wide graph (0: skip)")
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
    if args.wide:
        with tempfile.TemporaryDirectory() as tmp:
            wide(Path(tmp), args.wide)


if __name__ == "__main__":
    main()
