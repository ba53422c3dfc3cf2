"""One self-contained HTML file: an interactive call-graph map.

No network access at view time (no CDN): the data is embedded as JSON inside a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, and the
page's script only ever writes names with ``textContent``, so a function called
``<script>`` stays text. The layout (layers by call depth from the entry) is computed
here, so the page opens instantly even for large graphs.

Calls through hidden functions (``--no-library``, ``--min-calls``) are dashed edges whose
tooltip gives the estimated count. Open ``map.html#search=loss`` to land on a search.
"""

from __future__ import annotations

import html
import json
from collections import deque
from importlib import resources
from typing import IO

from codetour.export import ExportContext
from codetour.export._text import ms


def _layout(ctx: ExportContext) -> dict[str, tuple[float, float]]:
    g = ctx.graph
    roots = [n for n, d in g.nodes(data=True) if d.get("entry")] or [n for n in g if g.in_degree(n) == 0] or list(g)[:1]
    depth = {r: 0 for r in roots}
    queue = deque(roots)
    while queue:
        node = queue.popleft()
        for child in g.successors(node):
            if child not in depth:
                depth[child] = depth[node] + 1
                queue.append(child)
    deepest = max(depth.values(), default=0)
    for n in g:
        depth.setdefault(n, deepest + 1)
    layers: dict[int, list[str]] = {}
    for n in g:  # graph insertion order follows first-seen order, which is roughly call order
        layers.setdefault(depth[n], []).append(n)
    pos = {}
    for d, members in layers.items():
        for i, n in enumerate(members):
            pos[n] = (d * 260.0, i * 64.0 - (len(members) - 1) * 32.0)
    return pos


def page_data(ctx: ExportContext) -> dict:
    g = ctx.graph
    pos = _layout(ctx)
    index = {n: i for i, n in enumerate(g.nodes)}
    nodes = []
    for n, d in g.nodes(data=True):
        x, y = pos[n]
        nodes.append(
            {
                "id": n,
                "label": d["label"],
                "file": d["file"],
                "line": d["line"],
                "calls": d["calls"],
                "recorded": d["recorded_calls"],
                "total": ms(d["total_ns"]),
                "self": ms(d["self_ns"]),
                "entry": bool(d.get("entry")),
                "library": bool(d.get("library")),
                "phase": d.get("phase", ""),
                "doc": d.get("doc", ""),
                "x": x,
                "y": y,
            }
        )
        if d.get("processes"):  # a run of several processes: which of them ran it
            nodes[-1]["processes"] = d["processes"]
    edges = [
        {
            "s": index[a],
            "t": index[b],
            "calls": d["calls"],
            "total": ms(d["total_ns"]),
            "hidden": d.get("hidden_calls", 0),
            "estimated": d.get("estimated_calls", 0),
        }
        for a, b, d in g.edges(data=True)
    ]
    return {"title": ctx.title, "view": g.graph.get("view", ""), "nodes": nodes, "edges": edges}


def embed_json(data: dict) -> str:
    """JSON that cannot end the <script> element it sits in."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def write_html(ctx: ExportContext, stream: IO) -> None:
    template = resources.files("codetour.export").joinpath("map.html").read_text(encoding="utf-8")
    page = template.replace("__TITLE__", html.escape(ctx.title)).replace("__DATA__", embed_json(page_data(ctx)))
    stream.write(page)
