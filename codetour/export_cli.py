"""`codetour export`: trace -> graph view -> one exporter -> a file or stdout."""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from pathlib import Path

from codetour.console import note
from codetour.errors import OutputError, UsageError


def _pick_format(args: argparse.Namespace, formats: dict) -> str:
    if args.fmt:
        if args.fmt not in formats:
            raise UsageError(f"unknown format {args.fmt!r}: choose one of {', '.join(formats)}")
        return args.fmt
    if args.output:
        suffix = Path(args.output).suffix.lower()
        by_suffix = {f.suffix: name for name, f in formats.items() if name not in ("chrome",)}
        if suffix in by_suffix:
            return by_suffix[suffix]
    raise UsageError(f"say which format with -f/--format ({', '.join(formats)})")


def cmd_export(args: argparse.Namespace) -> int:
    from codetour.export import ExportContext, formats
    from codetour.graph import GraphView, build_graph
    from codetour.store.reader import TraceReader

    available = formats()
    fmt = _pick_format(args, available)
    spec = available[fmt]
    for flag in ("depth", "min_calls"):
        value = getattr(args, flag)
        if value is not None and value < 0:
            raise UsageError(f"--{flag.replace('_', '-')} must not be negative")
    with TraceReader(args.trace) as reader:
        view = GraphView(
            collapse=args.collapse,
            max_depth=args.depth,
            min_calls=args.min_calls,
            min_time_ns=int(args.min_time * 1e6),
            include_library=not args.no_library,
        )
        graph = build_graph(reader, view)
        meta = reader.meta
        title = "codetour: " + " ".join(meta.get("argv") or [str(args.trace)])
        options = {}
        if args.tour:
            from codetour.tour.model import load_tour

            options["tour"] = load_tour(args.tour)
        ctx = ExportContext(reader=reader, graph=graph, title=title, options=options)
        output = args.output
        if output is None and spec.default_dir:
            root = Path(meta.get("root") or ".")
            output = str(root / spec.default_dir / (Path(args.trace).name.split(".")[0] + spec.suffix))
        buffer: io.BytesIO | io.StringIO = io.BytesIO() if spec.binary else io.StringIO()
        spec.write(ctx, buffer)  # render fully first: a failure leaves no half-written file
    data = buffer.getvalue()
    if output is None or output == "-":
        if spec.binary:
            if sys.stdout.isatty() and fmt in ("png", "svg"):
                raise UsageError(f"refusing to write {fmt.upper()} to a terminal: add -o FILE")
            sys.stdout.buffer.write(data if isinstance(data, bytes) else data.encode())
        else:
            sys.stdout.write(data if isinstance(data, str) else data.decode())
        sys.stdout.flush()
        return 0
    _write_atomically(Path(output), data)
    note(f"wrote {fmt} ({graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges) to [bold]{output}[/]")
    return 0


def _write_atomically(path: Path, data: str | bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; an export is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
