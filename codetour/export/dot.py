"""Graphviz DOT, clustered by file, and SVG/PNG rendered through Graphviz's ``dot``.

Graphs with more than :data:`MAX_NODES` functions are collapsed automatically (as for
Mermaid, by :func:`codetour.graph.auto_collapse`), with a warning on stderr and a note in
the drawing's title; ``ctx.options["max_nodes"]`` changes the threshold. Rendering has a
time budget (:data:`RENDER_TIMEOUT` seconds, ``CODETOUR_RENDER_TIMEOUT`` overrides it):
past it, Graphviz is stopped and a one-line error says how to draw less. Calls through
hidden functions (``--no-library``, ``--min-calls``) are dashed edges, with ``≈`` on counts
that are partly estimated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from typing import IO

import networkx as nx

from codetour.console import warn
from codetour.errors import RenderError, UsageError
from codetour.export import ExportContext
from codetour.export._text import ms, node_caption
from codetour.graph import auto_collapse

MAX_NODES = 300  # Graphviz lays this many out in seconds; thousands can take many minutes
RENDER_TIMEOUT = 60.0


def quote(text: str) -> str:
    """A DOT double-quoted string: backslashes, quotes and newlines escaped."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "") + '"'


def drawable(ctx: ExportContext) -> tuple[nx.DiGraph, str | None]:
    """The graph to draw, collapsed if it is too big, and the note saying so (else None)."""
    return auto_collapse(ctx.graph, int(ctx.options.get("max_nodes") or MAX_NODES))


def dot_source(ctx: ExportContext, graph: nx.DiGraph | None = None, note: str | None = None) -> str:
    g = ctx.graph if graph is None else graph
    title = f"{ctx.title}\n{note}" if note else ctx.title
    lines = [
        "digraph codetour {",
        f"  label={quote(title)}; labelloc=t; fontname=Helvetica; rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname=Helvetica, fontsize=11];',
        '  edge [fontname=Helvetica, fontsize=9, color="#56657f"];',
    ]
    index = {n: f"n{i}" for i, n in enumerate(g.nodes)}
    clusters: dict[str, list[str]] = {}
    for n, d in g.nodes(data=True):
        clusters.setdefault(d["file"] if d["kind"] == "function" or d["kind"].endswith(" body") else "", []).append(n)
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
            if d.get("processes"):  # a run of several processes: which of them ran it
                tooltip += f" · ran in {d['processes']}"
            lines.append(f"{indent}{index[n]} [label={quote(label)}, tooltip={quote(tooltip)}, fillcolor={quote(fill)}];")
        if file:
            lines.append("  }")
    for a, b, d in g.edges(data=True):
        if d.get("hidden_calls"):  # through hidden functions; ≈ when part of the count is estimated
            calls = f"{'≈' if d.get('estimated_calls') else ''}{d['calls']:,}×"
            tooltip = f"{ms(d['total_ns'])}, {d['hidden_calls']:,} call(s) through hidden functions"
            style = ", style=dashed"
        else:
            calls, tooltip, style = f"{d['calls']:,}×", ms(d["total_ns"]), ""
        lines.append(f"  {index[a]} -> {index[b]} [label={quote(calls)}, tooltip={quote(tooltip)}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_dot(ctx: ExportContext, stream: IO) -> None:
    graph, note = drawable(ctx)
    if note:
        warn(note)
    stream.write(dot_source(ctx, graph, note))


def render_timeout() -> float:
    """Seconds Graphviz may take: ``CODETOUR_RENDER_TIMEOUT`` if set, else :data:`RENDER_TIMEOUT`."""
    raw = os.environ.get("CODETOUR_RENDER_TIMEOUT", "").strip()
    if not raw:
        return RENDER_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise UsageError(f"CODETOUR_RENDER_TIMEOUT must be a positive number of seconds, not {raw!r}")
    return value


def render(fmt: str) -> Callable[[ExportContext, IO], None]:
    def write(ctx: ExportContext, stream: IO) -> None:
        exe = shutil.which("dot")
        if exe is None:
            raise RenderError(
                f"--format {fmt} needs Graphviz's `dot`, which is not installed",
                hint="apt-get install graphviz, brew install graphviz or conda install graphviz; or use --format dot",
            )
        graph, note = drawable(ctx)
        if note:
            warn(note)
        budget = render_timeout()
        try:
            proc = subprocess.run(
                [exe, f"-T{fmt}"], input=dot_source(ctx, graph, note).encode(), capture_output=True, timeout=budget
            )
        except subprocess.TimeoutExpired:
            raise RenderError(
                f"Graphviz did not finish drawing {graph.number_of_nodes():,} nodes and {graph.number_of_edges():,} edges"
                f" within {budget:g} s: draw less with --collapse module, --min-calls N or --depth N"
                " (or write --format dot and render it yourself)"
            ) from None
        if proc.returncode != 0:
            raise RenderError(f"Graphviz failed: {proc.stderr.decode(errors='replace').strip()[:300]}")
        stream.write(proc.stdout)

    return write
