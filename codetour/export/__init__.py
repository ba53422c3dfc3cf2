"""Exporters: one module per format behind one small protocol.

Each exporter turns an :class:`ExportContext` (the trace reader and the call graph
for the chosen view; for a run of several processes, the run and the processes chosen)
into text or bytes written to a stream. ``FORMATS`` maps the
names accepted by ``codetour export --format`` to them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

import networkx as nx

from codetour.store.processes import Process, Run
from codetour.store.reader import TraceReader


@dataclass
class ExportContext:
    reader: TraceReader  # the main process's trace (or the one process chosen)
    graph: nx.DiGraph
    title: str
    options: dict = field(default_factory=dict)
    run: Run | None = None  # the whole run, when its child processes were traced
    processes: list[Process] | None = None  # the processes chosen (None: the reader's alone)

    @property
    def lanes(self) -> list[Process] | None:
        """The processes to show side by side, or None when there is only the reader's."""
        if self.run is None or not self.run.multi:
            return None
        return list(self.processes) if self.processes is not None else list(self.run.processes)


@dataclass(frozen=True)
class Format:
    name: str
    suffix: str
    description: str
    binary: bool
    write: Callable[[ExportContext, IO], None]
    default_dir: str | None = None  # where -o defaults to (relative to the repo root), if not stdout


def _formats() -> dict[str, Format]:
    from codetour.export import chrome, dot, graphml, html, mermaid, nodelink, vscode

    return {
        "dot": Format("dot", ".dot", "Graphviz DOT, clustered by file", False, dot.write_dot),
        "svg": Format("svg", ".svg", "SVG rendered by Graphviz's dot", True, dot.render("svg")),
        "png": Format("png", ".png", "PNG rendered by Graphviz's dot", True, dot.render("png")),
        "graphml": Format("graphml", ".graphml", "GraphML for Gephi and yEd, typed attributes", True, graphml.write_graphml),
        "json": Format("json", ".json", "networkx node-link JSON (codetour-graph v1)", False, nodelink.write_json),
        "mermaid": Format("mermaid", ".mmd", "Mermaid flowchart that renders on GitHub", False, mermaid.write_mermaid),
        "html": Format("html", ".html", "self-contained interactive map (pan, zoom, search)", False, html.write_html),
        "codetour": Format("codetour", ".tour", "VS Code CodeTour .tour file", False, vscode.write_tour, ".tours"),
        "chrome": Format("chrome", ".json", "Chrome Trace Event JSON (Perfetto, speedscope)", False, chrome.write_chrome),
    }


def formats() -> dict[str, Format]:
    return _formats()
