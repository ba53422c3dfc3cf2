"""Mermaid flowchart that renders on GitHub.

Node ids are generated (``n0``, ``n1``...), labels are quoted with Mermaid's entity
codes for quotes and angle brackets, and graphs too big to read are collapsed (by
:func:`codetour.graph.auto_collapse`) with a note saying so, in the chart and on stderr.
Calls through hidden functions (``--no-library``, ``--min-calls``) are dotted arrows.
"""

from __future__ import annotations

from typing import IO

from codetour.console import warn
from codetour.export import ExportContext
from codetour.export._text import node_caption
from codetour.graph import auto_collapse

MAX_NODES = 60

_ENTITIES = {'"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "#": "#35;", "`": "#96;", "|": "#124;"}


def label(text: str) -> str:
    return "".join(_ENTITIES.get(ch, ch) for ch in text.replace("\n", " "))


def write_mermaid(ctx: ExportContext, stream: IO) -> None:
    g, note = auto_collapse(ctx.graph, MAX_NODES)
    if note:
        warn(note)
    out = ["flowchart LR"]
    out.append(f"  %% {label(ctx.title)}")
    if note:
        out.append(f"  %% {note}")
        out.append(f'  note["{label(note)}"]')
    index = {n: f"n{i}" for i, n in enumerate(g.nodes)}
    for n, d in g.nodes(data=True):
        out.append(f'  {index[n]}["{label(d["label"])}<br/>{label(node_caption(d))}"]')
        if d.get("entry"):
            out.append(f"  class {index[n]} entry")
    for a, b, d in g.edges(data=True):
        if d.get("hidden_calls"):  # through hidden functions: dotted; ≈ when partly estimated
            approx = "≈" if d.get("estimated_calls") else ""
            out.append(f'  {index[a]} -.->|"{approx}{d["calls"]:,}×"| {index[b]}')
        else:
            out.append(f'  {index[a]} -->|"{d["calls"]:,}×"| {index[b]}')
    out.append("  classDef entry fill:#ffe9b3,stroke:#c79a2b")
    stream.write("\n".join(out) + "\n")
