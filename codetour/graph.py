"""The call graph of a recorded run, as a :class:`networkx.DiGraph`.

Built only through :class:`~codetour.store.reader.TraceReader`. Call counts and
times are exact even past the detail budget (the recorder keeps counting).

Node attributes (node id: ``"<module>:<qualname>"``, or the module/file name when collapsed)
=================  =======  =================================================================
``kind``           str      ``function``, ``class body``, ``module body``; collapsed: ``module`` or ``file``
``label``          str      short display name (qualified name, module or file)
``qualname``       str      qualified name (``Class.method``); for collapsed nodes, the label
``module``         str      dotted module name derived from the path (``ppo.agent``)
``file``           str      path relative to the trace's root (absolute if outside it)
``line``           int      first line of the function (0 for collapsed nodes)
``calls``          int      times called (generator resumes not counted)
``recorded_calls`` int      calls kept in full detail (lines and values)
``total_ns``       int      inclusive wall time in nanoseconds (recursion counted per level)
``self_ns``        int      time in the function itself, excluding recorded callees
``library``        bool     recorded at call level only, outside the repo (``--library-calls``)
``entry``          bool     called from outside any recorded frame (the program's entry)
``phase``          str      tour phase when known (``training loop``, ``loss``...), else ``""``
``doc``            str      first line of the docstring, else ``""``
=================  =======  =================================================================

Edge attributes: ``calls`` (int, exact), ``total_ns`` (int, time spent in the callee on
calls from this caller). Graph attributes: ``format``, ``version``, ``entry``, ``argv``,
``status``, ``exit_code``, ``python_version``, ``root``, ``functions_total``, ``view``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import PurePosixPath

import networkx as nx

from codetour.errors import UsageError
from codetour.store.reader import TraceReader

GRAPH_FORMAT = "codetour-graph"
GRAPH_VERSION = 1


@dataclass(frozen=True)
class GraphView:
    """Which part of the call graph to show."""

    collapse: str | None = None  # None, "module" or "file"
    max_depth: int | None = None  # from the entry, in calls
    min_calls: int = 0
    min_time_ns: int = 0
    include_library: bool = True

    def __post_init__(self) -> None:
        if self.collapse not in (None, "module", "file"):
            raise UsageError(f"unknown collapse level {self.collapse!r}: use module or file")

    def describe(self) -> str:
        parts = []
        if self.collapse:
            parts.append(f"collapsed to {self.collapse}s")
        if self.max_depth is not None:
            parts.append(f"depth <= {self.max_depth}")
        if self.min_calls:
            parts.append(f"calls >= {self.min_calls}")
        if self.min_time_ns:
            parts.append(f"time >= {self.min_time_ns / 1e6:g} ms")
        if not self.include_library:
            parts.append("no library frames")
        return ", ".join(parts) or "all functions"


def module_name(relpath: str) -> str:
    path = PurePosixPath(relpath)
    parts = list(path.with_suffix("").parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if path.is_absolute():
        parts = parts[-2:]  # outside the root: the last components are what a reader recognises
    return ".".join(p for p in parts if p not in ("/", "")) or path.stem


def node_id(module: str, qualname: str) -> str:
    return f"{module}:{qualname}"


def build_graph(reader: TraceReader, view: GraphView | None = None, phases: dict[int, str] | None = None) -> nx.DiGraph:
    """The function-level call graph, then the view's filters and collapsing."""
    view = view or GraphView()
    phases = phases or {}
    meta = reader.meta
    graph = nx.DiGraph()
    functions = reader.functions
    ids: dict[int, str] = {}
    for f in functions.values():
        if f.calls == 0 or (f.library and not view.include_library):
            continue
        info = reader.files.get(f.file_id)
        rel = info.relpath if info else "?"
        module = module_name(rel)
        nid = node_id(module, f.qualname)
        ids[f.id] = nid
        if f.kind == "module":
            label = f"{module} (module)"
        elif f.kind == "class":
            label = f"class {f.qualname}"
        else:
            label = f.qualname
        graph.add_node(
            nid,
            kind={"class": "class body", "module": "module body"}.get(f.kind, "function"),
            label=label,
            qualname=f.qualname,
            module=module,
            file=rel,
            line=f.firstlineno,
            calls=f.calls,
            recorded_calls=f.recorded_calls,
            total_ns=f.total_ns,
            self_ns=f.self_ns,
            library=f.library,
            entry=False,
            phase=phases.get(f.id, ""),
            doc=_first_line(f.docstring),
        )
    for e in reader.edges():
        callee = ids.get(e.callee_id)
        if callee is None:
            continue
        if e.caller_id is None or e.caller_id not in ids:
            graph.nodes[callee]["entry"] = graph.nodes[callee]["entry"] or e.caller_id is None
            continue
        caller = ids[e.caller_id]
        if graph.has_edge(caller, callee):
            graph[caller][callee]["calls"] += e.calls
            graph[caller][callee]["total_ns"] += e.total_ns
        else:
            graph.add_edge(caller, callee, calls=e.calls, total_ns=e.total_ns)

    if view.max_depth is not None:
        graph = _limit_depth(graph, view.max_depth)
    if view.min_calls or view.min_time_ns:
        keep = [
            n
            for n, d in graph.nodes(data=True)
            if d["entry"] or (d["calls"] >= view.min_calls and d["total_ns"] >= view.min_time_ns)
        ]
        graph = graph.subgraph(keep).copy()
    if view.collapse:
        graph = _collapse(graph, view.collapse)

    graph.graph.update(
        {
            "format": GRAPH_FORMAT,
            "version": GRAPH_VERSION,
            "entry": meta.get("entry") or meta.get("module") or "",
            "argv": " ".join(meta.get("argv") or []),
            "status": meta.get("status", ""),
            "exit_code": int(meta.get("exit_code") or 0),
            "python_version": meta.get("python_version", ""),
            "root": meta.get("root", ""),
            "functions_total": len(functions),
            "view": view.describe(),
        }
    )
    return graph


def _first_line(doc: str | None) -> str:
    return doc.strip().splitlines()[0] if doc and doc.strip() else ""


def _limit_depth(graph: nx.DiGraph, max_depth: int) -> nx.DiGraph:
    roots = [n for n, d in graph.nodes(data=True) if d["entry"]] or [n for n in graph if graph.in_degree(n) == 0]
    depth = {r: 0 for r in roots}
    queue = deque(roots)
    while queue:
        node = queue.popleft()
        if depth[node] >= max_depth:
            continue
        for child in graph.successors(node):
            if child not in depth:
                depth[child] = depth[node] + 1
                queue.append(child)
    return graph.subgraph(depth).copy()


def _collapse(graph: nx.DiGraph, level: str) -> nx.DiGraph:
    key = "module" if level == "module" else "file"
    out = nx.DiGraph()
    for _, d in graph.nodes(data=True):
        group = d[key]
        if group not in out:
            out.add_node(
                group,
                kind=level,
                label=group,
                qualname=group,
                module=d["module"],
                file=d["file"],
                line=0,
                calls=0,
                recorded_calls=0,
                total_ns=0,
                self_ns=0,
                library=d["library"],
                entry=False,
                phase="",
                doc="",
            )
        node = out.nodes[group]
        node["calls"] += d["calls"]
        node["recorded_calls"] += d["recorded_calls"]
        node["self_ns"] += d["self_ns"]
        node["entry"] = node["entry"] or d["entry"]
        node["library"] = node["library"] and d["library"]
    for a, b, d in graph.edges(data=True):
        ga, gb = graph.nodes[a][key], graph.nodes[b][key]
        if ga == gb:
            continue  # calls inside one module/file
        if out.has_edge(ga, gb):
            out[ga][gb]["calls"] += d["calls"]
            out[ga][gb]["total_ns"] += d["total_ns"]
        else:
            out.add_edge(ga, gb, calls=d["calls"], total_ns=d["total_ns"])
    # A module's time: its own functions' self time plus time in other modules it called.
    for n in out:
        out.nodes[n]["total_ns"] = out.nodes[n]["self_ns"] + sum(d["total_ns"] for _, _, d in out.out_edges(n, data=True))
    return out
