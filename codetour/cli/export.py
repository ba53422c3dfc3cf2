"""`codetour export`: trace -> graph view -> one exporter -> a file or stdout."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any, cast

from codetour.cli.common import Formatter
from codetour.console import esc, note, warn
from codetour.errors import UsageError

HELP = """\
Turn a trace into a map you can open elsewhere. The call graph (a node per
function, an edge per caller -> callee, exact counts and times) goes to:

  dot       Graphviz DOT, clustered by file          svg, png  rendered by Graphviz's dot
  graphml   Gephi / yEd, typed attributes            json      networkx node-link JSON
  mermaid   a flowchart that renders on GitHub       html      one self-contained interactive page
  codetour  a VS Code CodeTour .tour (a tour of the run, in .tours/)
  chrome    the recorded timeline as Chrome Trace Event JSON (Perfetto, speedscope)

A run whose child processes were traced (DataLoader workers, pool workers,
torchrun ranks: shards in TRACE.d/) is exported whole: the call graph merges
every process (counts summed; each node says which processes ran it) and the
Chrome trace has one lane per process. --process PID|main|all picks one.

Output goes to standard output unless -o PATH is given (-o - also means standard
output). An existing file is replaced only if it is an earlier codetour export of
the same format, or with --force; it is written to a temporary file first and
renamed into place, so a failed export never leaves half a file.

examples:
  codetour export run.ctrace -f html -o callgraph.html
  codetour export run.ctrace -f mermaid --collapse module >> README.md
  codetour export run.ctrace -f dot --depth 3 --min-calls 2 | dot -Tpng > map.png
  codetour export run.ctrace -f codetour          (writes .tours/NAME.tour for VS Code)
  codetour export run.ctrace -f chrome -o timeline.json   (one lane per process)
  codetour export run.ctrace -f graphml --process main    (the main process alone)
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    e = sub.add_parser(
        "export", help="export the call graph or timeline to other tools", description=HELP, formatter_class=Formatter
    )
    e.add_argument("trace", metavar="TRACE", help="a .ctrace file written by `codetour trace`")
    e.add_argument(
        "-f",
        "--format",
        dest="fmt",
        metavar="FORMAT",
        help="dot, svg, png, graphml, json, mermaid, html, codetour, chrome (default: from -o's suffix)",
    )
    e.add_argument("-o", "--output", metavar="PATH", help="file to write (default: stdout; .tours/NAME.tour for codetour)")
    e.add_argument("--force", action="store_true", help="replace the -o file even if it is not an earlier export")
    e.add_argument("--collapse", choices=["module", "file"], help="one node per module or per file")
    e.add_argument("--depth", type=int, metavar="N", help="only functions within N calls of the entry")
    e.add_argument("--min-calls", type=int, default=0, metavar="N", help="drop functions called fewer than N times")
    e.add_argument(
        "--min-time", type=float, default=0.0, metavar="MS", help="drop functions with less than MS milliseconds in total"
    )
    e.add_argument("--no-library", action="store_true", help="leave out library functions recorded with --library-calls")
    e.add_argument("--tour", metavar="TOUR", help="with -f codetour: export this tour file instead of a generated one")
    e.add_argument(
        "--process",
        metavar="PID|main|all",
        help="a run with traced child processes: only this one (a pid, main, or rank N); default all, merged",
    )
    e.add_argument(
        "--max-nodes",
        type=int,
        metavar="N",
        help="DOT/SVG/PNG: collapse to modules (then packages) above N functions (default: 300)",
    )
    return e


def _pick_format(args: argparse.Namespace, formats: dict) -> str:
    if args.fmt:
        if args.fmt not in formats:
            raise UsageError(f"unknown format {args.fmt!r}: choose one of {', '.join(formats)}")
        return args.fmt
    if args.output and args.output != "-":
        suffix = Path(args.output).suffix.lower()
        by_suffix = {f.suffix: name for name, f in formats.items() if name not in ("chrome",)}
        if suffix in by_suffix:
            return by_suffix[suffix]
    raise UsageError(f"say which format with -f/--format ({', '.join(formats)})")


def previous_export(path: Path, fmt: str, suffix: str) -> bool:
    """Is ``path`` an earlier codetour export of this format (which may be replaced)?"""
    from codetour.outputs import head

    if path.suffix.lower() != suffix:
        return False
    start = head(path)
    if fmt == "png":
        return start.startswith(b"\x89PNG\r\n\x1a\n")
    return b"codetour" in start.lower()


def run(args: argparse.Namespace) -> int:
    from codetour.export import ExportContext, formats
    from codetour.graph import GraphView, build_run_graph
    from codetour.outputs import STDOUT, check_output, write_atomically
    from codetour.store.processes import open_run
    from codetour.store.reader import TraceReader

    available = formats()
    fmt = _pick_format(args, available)
    spec = available[fmt]
    for flag in ("depth", "min_calls"):
        value = getattr(args, flag)
        if value is not None and value < 0:
            raise UsageError(f"--{flag.replace('_', '-')} must not be negative")
    target: Path | None = None
    if args.output is not None and args.output != STDOUT:
        # Checked before any work, so a refused path costs nothing.
        target = check_output(
            args.output, what=f"codetour {fmt} export", force=args.force, accept=lambda p: previous_export(p, fmt, spec.suffix)
        )
    with open_run(args.trace) as run:
        for problem in run.problems:
            warn(f"{args.trace}: {problem}")
        chosen = run.select(args.process)
        # The trace a tour (-f codetour) is built from: the one process chosen, else the main one,
        # unless it ran no repo code (a launcher such as torchrun): then the first process that did.
        busy = next((p for p in chosen if p.reader.event_count), chosen[0])
        reader = cast(TraceReader, chosen[0].reader if len(chosen) == 1 or run.main.reader.event_count else busy.reader)
        for process in chosen:
            reason = process.reader.incomplete
            if reason:
                warn(f"{process.path}: {reason}")
        view = GraphView(
            collapse=args.collapse,
            max_depth=args.depth,
            min_calls=args.min_calls,
            min_time_ns=int(args.min_time * 1e6),
            include_library=not args.no_library,
        )
        graph = build_run_graph(run, view, only=chosen)
        toured = next((p.label for p in run.processes if p.reader is reader), "main")
        processes_line = _processes_line(run, chosen, fmt, toured)
        meta = reader.meta
        title = "codetour: " + " ".join(meta.get("argv") or [str(args.trace)])
        options: dict = {}
        if args.max_nodes is not None:
            if args.max_nodes < 1:
                raise UsageError("--max-nodes must be at least 1")
            options["max_nodes"] = args.max_nodes
        if args.tour:
            from codetour.tour.model import load_tour

            options["tour"] = load_tour(args.tour)
        ctx = ExportContext(reader=reader, graph=graph, title=title, options=options, run=run, processes=chosen)
        if target is None and args.output is None and spec.default_dir:
            root = Path(meta.get("root") or ".")
            default = root / spec.default_dir / (Path(args.trace).name.split(".")[0] + spec.suffix)
            target = check_output(
                default, what=f"codetour {fmt} export", force=args.force, accept=lambda p: previous_export(p, fmt, spec.suffix)
            )
        buffer: io.BytesIO | io.StringIO = io.BytesIO() if spec.binary else io.StringIO()
        spec.write(ctx, buffer)  # render fully first: a failure leaves no half-written file
        drawn = graph
        if fmt in ("dot", "svg", "png"):
            from codetour.export.dot import drawable

            drawn, _note = drawable(ctx)  # what the drawing holds after any automatic collapse
    data = buffer.getvalue()
    if target is None:
        if spec.binary:
            if sys.stdout.isatty() and fmt in ("png", "svg"):
                raise UsageError(f"refusing to write {fmt.upper()} to a terminal: add -o FILE")
            sys.stdout.buffer.write(data if isinstance(data, bytes) else data.encode())
        else:
            sys.stdout.write(data if isinstance(data, str) else data.decode())
        sys.stdout.flush()
        if processes_line:
            note(esc(processes_line))
        return 0
    write_atomically(target, data)
    shown = args.output or str(target)
    note(f"wrote {fmt} ({drawn.number_of_nodes()} nodes, {drawn.number_of_edges()} edges) to [bold]{esc(shown)}[/]")
    if processes_line:
        note(esc(processes_line))
    return 0


def _processes_line(run: Any, chosen: list, fmt: str, toured: str = "main") -> str | None:
    """What the export holds of a run of several processes, in one line (None for a run of one)."""
    summary = run.summary()
    if summary is None:
        return None
    if len(chosen) == 1 and run.multi:
        return f"{chosen[0].label} (pid {chosen[0].pid}) only, of {summary}"
    if fmt == "codetour":
        return f"{summary}; the tour follows {toured}, with stops in the others (--process PID for another)"
    how = "one lane per process" if fmt == "chrome" else "merged"
    return f"{summary}; {how} (--process PID for one)"
