"""Graphviz DOT, clustered by file, and SVG/PNG rendered through Graphviz's ``dot``."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from typing import IO

from codetour.errors import CodetourError
from codetour.export import ExportContext
from codetour.export._text import ms, node_caption


def quote(text: str) -> str:
    """A DOT double-quoted string: backslashes, quotes and newlines escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "") + '"'


def dot_source(ctx: ExportContext) -> str:
    g = ctx.graph
    lines = [
        "digraph codetour {",
        f"  label={quote(ctx.title)}; labelloc=t; fontname=Helvetica; rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname=Helvetica, fontsize=11];',
        '  edge [fontname=Helvetica, fontsize=9, color="#56657f"];',
    ]
    index = {n: f"n{i}" for i, n in enumerate(g.nodes)}
    clusters: dict[str, list[str]] = {}
    for n, d in g.nodes(data=True):
        clusters.setdefault(d["file"] if d["kind"] not in ("module", "file") else "", []).append(n)
    for i, (file, members) in enumerate(sorted(clusters.items())):
        indent = "  "
        if file:
            lines.append(f"  subgraph cluster_{i} {{")
            lines.append(f'    label={quote(file)}; style="rounded"; color="#b8c4d9";')
            indent = "    "
        for n in members:
            d = g.nodes[n]
            fill = "#ffe9b3" if d["entry"] else ("#eeeeee" if d["library"] else "#eef3fb")
            label = f"{d['label']}\n{node_caption(d)}"
            tooltip = f"{d['file']}:{d['line']}" if d["line"] else d["file"]
            lines.append(f"{indent}{index[n]} [label={quote(label)}, tooltip={quote(tooltip)}, fillcolor={quote(fill)}];")
        if file:
            lines.append("  }")
    for a, b, d in g.edges(data=True):
        calls = f"{d['calls']:,}×"
        lines.append(f"  {index[a]} -> {index[b]} [label={quote(calls)}, tooltip={quote(ms(d['total_ns']))}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_dot(ctx: ExportContext, stream: IO) -> None:
    stream.write(dot_source(ctx))


def render(fmt: str) -> Callable[[ExportContext, IO], None]:
    def write(ctx: ExportContext, stream: IO) -> None:
        exe = shutil.which("dot")
        if exe is None:
            raise CodetourError(
                f"--format {fmt} needs Graphviz's `dot`, which is not installed",
                hint="apt-get install graphviz, brew install graphviz or conda install graphviz; or use --format dot",
            )
        proc = subprocess.run([exe, f"-T{fmt}"], input=dot_source(ctx).encode(), capture_output=True, timeout=300)
        if proc.returncode != 0:
            raise CodetourError(f"Graphviz failed: {proc.stderr.decode(errors='replace').strip()[:300]}")
        stream.write(proc.stdout)

    return write
