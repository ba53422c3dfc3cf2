"""The call graph of a recorded run, as a :class:`networkx.DiGraph`.

Built only through a :class:`~codetour.store.source.TraceSource` (a trace file's
:class:`~codetour.store.reader.TraceReader`, or any other source). Call counts and
times are exact even past the detail budget (the recorder keeps counting).

Node identity
-------------
One node per recorded *function* (code object), never per name: two comprehensions
with the same qualified name in one function are two nodes. The node id is
``"<module>:<qualname>"``; when several functions share it, each gets ``@<line>``
(its first line) appended, and ``#<n>`` as well if they also share that line. Their
labels then say where they are (``<listcomp> (train.py:42)``).

Filters: hidden functions are bypassed, not deleted
---------------------------------------------------
``--no-library``, ``--min-calls`` and ``--min-time`` hide functions. A hidden function's
calls are not dropped with it: its callers are connected to its callees, so
``train → Module.__call__ → forward`` becomes ``train → forward``, through any number
of hidden functions. The rule for the counts of such a *bypass* edge:

- the calls a visible function received from hidden callers are all handed out among
  its bypass callers, so its incoming calls add up to the same total as in the
  unfiltered graph;
- calls kept in detail (recorded frames) are attributed exactly: the frame's nearest
  visible ancestor is its bypass caller. When every such call was recorded, the bypass
  edges are exact, and a caller that only *could* have reached the function through a
  shared hidden dispatcher gets no edge;
- calls past the detail budget are estimated: each hidden function's calls are split
  among its callers in proportion to how often each called it (the trace keeps one
  level of callers), and the calls left after the recorded ones go to the callers
  that this estimate credits with more calls than were recorded from them; each such
  caller counts at least one call, as long as there are calls to hand out;
- a function is not made its own bypass caller (a dispatcher such as
  ``Module.__call__`` would otherwise make every ``forward`` look recursive);
- a function reached from the program's entry through hidden functions becomes an entry.

Bypass edges carry ``hidden_calls`` > 0 and the exporters draw them dashed; when some of
their calls were estimated (``estimated_calls`` > 0) the count reads ``≈N``.
``--depth`` is different: it is a horizon, everything further from the entry is cut,
and calls from beyond it back into shallower functions are not drawn.

Collapsing (``--collapse module|file``, or automatically for large graphs through
:func:`auto_collapse`) groups functions; calls inside one group are not drawn.

Node attributes
===================  =======  =============================================================
``kind``             str      ``function``, ``class body``, ``module body``; collapsed: ``module``,
                              ``file`` or ``package``
``label``            str      short display name (qualified name, module or file)
``qualname``         str      qualified name (``Class.method``); for collapsed nodes, the label
``module``           str      dotted module name derived from the path (``ppo.agent``)
``file``             str      path relative to the trace's root (absolute if outside it)
``line``             int      first line of the function (0 for collapsed nodes)
``function_id``      int      the function's id in the trace (-1 for collapsed nodes)
``calls``            int      times called (generator resumes not counted)
``recorded_calls``   int      calls kept in full detail (lines and values)
``total_ns``         int      inclusive wall time in nanoseconds (recursion counted per level)
``self_ns``          int      time in the function itself, excluding recorded callees
``library``          bool     recorded at call level only, outside the repo (``--library-calls``)
``entry``            bool     called from outside any recorded frame (the program's entry)
``phase``            str      tour phase when known (``training loop``, ``loss``...), else ``""``
``doc``              str      first line of the docstring, else ``""``
===================  =======  =============================================================

Edge attributes: ``calls`` (int), ``total_ns`` (int, time spent in the callee on calls
from this caller), ``hidden_calls`` (int, how many of ``calls`` went through hidden
functions; 0 for a direct call, whose counts are exact), ``estimated_calls`` (int, how
many of those were estimated rather than seen in recorded frames). Graph attributes: ``format``,
``version``, ``entry``, ``argv``, ``status``, ``exit_code``, ``python_version``, ``root``,
``functions_total``, ``view``.

Runs of several processes
-------------------------
A run whose children were traced (DataLoader workers, pool workers, ranks: see
:mod:`codetour.store.processes`) gives one graph per process, or all of them merged by
:func:`build_run_graph`: nodes with the same id are one node whose counts and times are
summed over the processes (``function_id`` is the one in the first process that ran it),
edges' counts and times are summed. Merged graphs, and the graph of one process of such a
run, carry these attributes as well (a run of one process has none of them):

===================  =======  =============================================================
``processes``        str      node/edge: the processes that ran it, comma-separated roles
                              (``main, DataLoader worker 0``); graph: every process in the view
``pids``             str      the same processes' pids, comma-separated (``4242,4250``)
``process_count``    int      how many processes ran it (graph: how many are in the view)
===================  =======  =============================================================
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

import networkx as nx

from codetour.errors import UsageError
from codetour.store.processes import Process, Run
from codetour.store.reader import Function
from codetour.store.source import TraceSource

GRAPH_FORMAT = "codetour-graph"
GRAPH_VERSION = 1
COLLAPSED_KINDS = ("module", "file", "package")
_ENTRY = object()  # the program's entry, as a caller while bypassing


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
    """The node id of a function whose module and qualified name no other function shares."""
    return f"{module}:{qualname}"


def node_ids(reader: TraceSource, functions: Iterable[Function]) -> dict[int, str]:
    """Node ids for functions, one per function: ``module:qualname``, disambiguated when shared."""
    groups: dict[str, list[Function]] = defaultdict(list)
    for f in functions:
        info = reader.files.get(f.file_id)
        groups[node_id(module_name(info.relpath if info else "?"), f.qualname)].append(f)
    ids: dict[int, str] = {}
    for base, members in groups.items():
        if len(members) == 1:
            ids[members[0].id] = base
            continue
        by_line: dict[int, list[Function]] = defaultdict(list)
        for f in members:
            by_line[f.firstlineno].append(f)
        for line, same in by_line.items():
            if len(same) == 1:
                ids[same[0].id] = f"{base}@{line}"
            else:
                for n, f in enumerate(sorted(same, key=lambda f: f.id), 1):
                    ids[f.id] = f"{base}@{line}#{n}"
    return ids


def build_graph(reader: TraceSource, view: GraphView | None = None, phases: dict[int, str] | None = None) -> nx.DiGraph:
    """The function-level call graph, then the view's filters (see the module docstring) and collapsing."""
    view = view or GraphView()
    phases = phases or {}
    meta = reader.meta
    graph = nx.DiGraph()
    functions = reader.functions
    called = [f for f in functions.values() if f.calls]
    ids = node_ids(reader, called)
    shared = {nid.split("@", 1)[0] for nid in ids.values() if "@" in nid}
    for f in called:
        info = reader.files.get(f.file_id)
        rel = info.relpath if info else "?"
        module = module_name(rel)
        nid = ids[f.id]
        if f.kind == "module":
            label = f"{module} (module)"
        elif f.kind == "class":
            label = f"class {f.qualname}"
        else:
            label = f.qualname
        if node_id(module, f.qualname) in shared:
            label = f"{label} ({PurePosixPath(rel).name}:{f.firstlineno})"
        graph.add_node(
            nid,
            kind={"class": "class body", "module": "module body"}.get(f.kind, "function"),
            label=label,
            qualname=f.qualname,
            module=module,
            file=rel,
            line=f.firstlineno,
            function_id=f.id,
            calls=f.calls,
            recorded_calls=f.recorded_calls,
            total_ns=f.total_ns,
            self_ns=f.self_ns,
            library=f.library,
            entry=False,
            phase=phases.get(f.id, ""),
            doc=_first_line(f.docstring),
        )
    entry_calls: dict[str, int] = {}
    for e in reader.edges():
        callee = ids.get(e.callee_id)
        if callee is None:
            continue
        if e.caller_id is None:
            graph.nodes[callee]["entry"] = True
            entry_calls[callee] = entry_calls.get(callee, 0) + e.calls
            continue
        caller = ids.get(e.caller_id)
        if caller is None:
            continue
        if graph.has_edge(caller, callee):
            graph[caller][callee]["calls"] += e.calls
            graph[caller][callee]["total_ns"] += e.total_ns
        else:
            graph.add_edge(caller, callee, calls=e.calls, total_ns=e.total_ns, hidden_calls=0, estimated_calls=0)

    if not view.include_library:
        graph = bypass(graph, lambda d: not d["library"], entry_calls, reader)
    if view.max_depth is not None:
        graph = _limit_depth(graph, view.max_depth)
    if view.min_calls or view.min_time_ns:
        graph = bypass(
            graph,
            lambda d: d["entry"] or (d["calls"] >= view.min_calls and d["total_ns"] >= view.min_time_ns),
            entry_calls,
            reader,
        )
    if view.collapse:
        graph = collapse_graph(graph, view.collapse)

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


_SUMMED_NODE = ("calls", "recorded_calls", "total_ns", "self_ns")
_SUMMED_EDGE = ("calls", "total_ns", "hidden_calls", "estimated_calls")


def build_run_graph(
    run: Run, view: GraphView | None = None, phases: dict[int, str] | None = None, only: Sequence[Process] | None = None
) -> nx.DiGraph:
    """The call graph of a run: every process merged (counts and times summed), or only the
    processes in ``only`` (one process: its own graph). See "Runs of several processes" in the
    module docstring; ``phases`` are the main process's (function ids are per process).

    A run of one process gets exactly :func:`build_graph`'s graph, with no process attributes.
    """
    processes = list(only) if only is not None else list(run.processes)
    if not processes:
        raise UsageError("no process to draw")
    if len(processes) == 1:
        one = processes[0]
        graph = build_graph(one.reader, view, phases if one.is_main else None)
        if run.multi:
            _mark(graph, [one])
        return graph
    merged = nx.DiGraph()
    for process in processes:
        graph = build_graph(process.reader, view, phases if process.is_main else None)
        if not merged.graph:
            merged.graph.update(graph.graph)
        else:
            merged.graph["functions_total"] += graph.graph["functions_total"]
        for n, d in graph.nodes(data=True):
            if n not in merged:
                merged.add_node(n, **d, processes=process.label, pids=str(process.pid), process_count=1)
                continue
            node = merged.nodes[n]
            for key in _SUMMED_NODE:
                node[key] += d[key]
            node["entry"] = node["entry"] or d["entry"]
            node["library"] = node["library"] and d["library"]
            node["phase"] = node["phase"] or d["phase"]
            _add_process(node, process)
        for a, b, d in graph.edges(data=True):
            if merged.has_edge(a, b):
                edge = merged[a][b]
                for key in _SUMMED_EDGE:
                    edge[key] += d.get(key, 0)
                _add_process(edge, process)
            else:
                merged.add_edge(a, b, **d, processes=process.label, pids=str(process.pid), process_count=1)
    merged.graph.update(
        {
            "processes": ", ".join(p.label for p in processes),
            "pids": ",".join(str(p.pid) for p in processes),
            "process_count": len(processes),
        }
    )
    return merged


def _mark(graph: nx.DiGraph, processes: Sequence[Process]) -> None:
    """Process attributes on every node and edge of a graph drawn from these processes."""
    labels = ", ".join(p.label for p in processes)
    pids = ",".join(str(p.pid) for p in processes)
    for _, d in graph.nodes(data=True):
        d.update(processes=labels, pids=pids, process_count=len(processes))
    for _, _, d in graph.edges(data=True):
        d.update(processes=labels, pids=pids, process_count=len(processes))
    graph.graph.update(processes=labels, pids=pids, process_count=len(processes))


def _add_process(attrs: dict, process: Process) -> None:
    pids = attrs["pids"].split(",")
    if str(process.pid) in pids:
        return
    attrs["pids"] = ",".join([*pids, str(process.pid)])
    attrs["processes"] = f"{attrs['processes']}, {process.label}"
    attrs["process_count"] += 1


def bypass(
    graph: nx.DiGraph,
    keep: Callable[[dict], bool],
    entry_calls: dict[str, int] | None = None,
    reader: TraceSource | None = None,
) -> nx.DiGraph:
    """The graph without the nodes ``keep`` rejects, their callers connected to their callees.

    The counting rule is in the module docstring. ``entry_calls`` gives how often each node
    was called from the program's entry (outside any recorded frame); ``reader``, when
    given, supplies the recorded frames that make the counts exact.
    """
    hidden = [n for n, d in graph.nodes(data=True) if not keep(d)]
    if not hidden:
        return graph.copy()
    hidden_set = set(hidden)
    # Fractional call flow, with the program's entry as one more caller.
    work = nx.DiGraph()
    work.add_nodes_from(graph)
    for a, b, d in graph.edges(data=True):
        work.add_edge(a, b, calls=float(d["calls"]), total_ns=float(d["total_ns"]))
    for node, from_entry in (entry_calls or {}).items():
        if node in graph:
            work.add_edge(_ENTRY, node, calls=float(from_entry), total_ns=0.0)
    # What each visible node received from hidden callers: exact, handed out again at the end.
    from_hidden: dict[str, list[float]] = {}
    for h in hidden:
        for _, v, d in graph.out_edges(h, data=True):
            if v not in hidden_set:
                got = from_hidden.setdefault(v, [0.0, 0.0])
                got[0] += d["calls"]
                got[1] += d["total_ns"]
    # Each hidden node's calls, less its own recursion: the denominator of its callers' shares.
    share_of: dict[str, float] = {}
    for h in hidden:
        incoming = sum(d["calls"] for u, _, d in work.in_edges(h, data=True) if u != h)
        loop = graph[h][h]["calls"] if graph.has_edge(h, h) else 0
        share_of[h] = max(float(graph.nodes[h]["calls"] - loop), incoming, 1.0)
    # Eliminate hidden nodes, cheapest first (fewest new edges).
    for h in sorted(hidden, key=lambda n: (work.in_degree(n) * work.out_degree(n), str(n))):
        ins = [(u, d["calls"]) for u, _, d in work.in_edges(h, data=True) if u != h]
        outs = [(v, d["calls"], d["total_ns"]) for _, v, d in work.out_edges(h, data=True) if v != h]
        for u, w_in in ins:
            fraction = w_in / share_of[h]
            for v, w_out, ns_out in outs:
                if u == v and v not in hidden_set:
                    continue  # not its own caller through a hidden dispatcher
                if work.has_edge(u, v):
                    edge = work[u][v]
                    edge["calls"] += w_out * fraction
                    edge["total_ns"] += ns_out * fraction
                    edge["via"] = True
                else:
                    work.add_edge(u, v, calls=w_out * fraction, total_ns=ns_out * fraction, via=True)
        work.remove_node(h)
    out = nx.DiGraph()
    out.add_nodes_from((n, dict(d)) for n, d in graph.nodes(data=True) if n not in hidden_set)
    for v in out:
        if work.has_edge(_ENTRY, v) and work[_ENTRY][v].get("via"):
            out.nodes[v]["entry"] = True
    for a, b, d in graph.edges(data=True):
        if a in out and b in out:
            out.add_edge(a, b, **d)
    evidence = _recorded_bypass_callers(reader, graph, hidden_set, from_hidden) if reader is not None else {}
    # Hand each visible node's calls from hidden callers out to its bypass callers.
    for v, (calls, total_ns) in from_hidden.items():
        if v not in out or calls <= 0:
            continue
        candidates = {u: d["calls"] for u, _, d in work.in_edges(v, data=True) if d.get("via")}
        seen = {u: n for u, n in evidence.get(v, {}).items() if u in candidates}
        if seen.get(_ENTRY):
            out.nodes[v]["entry"] = True
        direct = {u: graph[u][v]["calls"] for u in candidates if u is not _ENTRY and graph.has_edge(u, v)}
        estimate = {u: max(w - direct.get(u, 0), 0.0) for u, w in candidates.items()}
        scale = calls / (sum(estimate.values()) or 1.0)
        # The recorded calls are known; the rest go where the estimate expects more than was seen.
        residual = {u: max(w * scale - seen.get(u, 0), 0.0) for u, w in estimate.items()}
        if not any(residual.values()):
            residual = estimate
        rest = max(round(calls) - sum(seen.values()), 0)
        names = list(residual)
        estimated = dict(zip(names, _apportion(rest, [residual[u] for u in names]), strict=True))
        counts = dict(estimated)
        for u, n in seen.items():
            counts[u] = counts.get(u, 0) + n
        handed = sum(counts.values()) or 1
        for u, count in counts.items():
            if u is _ENTRY or count <= 0:
                continue
            ns = round(total_ns * count / handed)
            guessed = estimated.get(u, 0)
            if out.has_edge(u, v):
                edge = out[u][v]
                edge["calls"] += count
                edge["total_ns"] += ns
                edge["hidden_calls"] += count
                edge["estimated_calls"] += guessed
            else:
                out.add_edge(u, v, calls=count, total_ns=ns, hidden_calls=count, estimated_calls=guessed)
    return out


_MAX_FRAME_LOOKUPS = 50_000  # past this, bypass counts are estimated only (a huge recorded trace)


def _recorded_bypass_callers(
    reader: TraceSource, graph: nx.DiGraph, hidden: set[str], from_hidden: dict[str, list[float]]
) -> dict[str, dict[object, int]]:
    """For each visible node called from hidden ones: its recorded calls' nearest visible callers.

    A recorded frame whose parent frame is hidden, or visible but with no direct edge to it
    (the hidden frames in between were past their budget), was called through hidden
    functions; its caller is its nearest ancestor frame of a visible function (``_ENTRY``
    if there is none).
    """
    by_function = {d["function_id"]: n for n, d in graph.nodes(data=True)}
    frames: dict[int, tuple[str | None, int | None]] = {}
    lookups = 0

    def frame(frame_id: int) -> tuple[str | None, int | None]:
        nonlocal lookups
        if frame_id not in frames:
            lookups += 1
            fr = reader.frame(frame_id)
            frames[frame_id] = (by_function.get(fr.function_id), fr.parent_id) if fr else (None, None)
        return frames[frame_id]

    found: dict[str, dict[object, int]] = {}
    for v in from_hidden:
        if v in hidden or v not in graph:
            continue
        counts: dict[object, int] = {}
        for fr in reader.frames_of(graph.nodes[v]["function_id"]):
            if fr.resumed:
                continue  # a generator resuming: not a call
            if lookups > _MAX_FRAME_LOOKUPS:
                return {}
            parent_id = fr.parent_id
            if parent_id is None:
                continue  # called from outside: counted with the entry calls
            parent, grand = frame(parent_id)
            if parent is not None and parent not in hidden:
                if graph.has_edge(parent, v):
                    continue  # a direct call (or one we cannot tell from it)
                caller: object = parent
            else:
                while parent is None or parent in hidden:
                    if grand is None:
                        break
                    parent, grand = frame(grand)
                caller = parent if parent is not None and parent not in hidden else _ENTRY
            counts[caller] = counts.get(caller, 0) + 1
        if counts:
            found[v] = counts
    return found


def _apportion(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder), at least 1 per positive weight
    while there is enough to go round."""
    positive = sorted((i for i, w in enumerate(weights) if w > 0), key=lambda i: -weights[i])[: max(total, 0)]
    result = [0] * len(weights)
    if not positive:
        return result
    for i in positive:
        result[i] = 1
    rest = total - len(positive)
    if rest > 0:
        s = sum(weights[i] for i in positive)
        exact = {i: rest * weights[i] / s for i in positive}
        for i in positive:
            result[i] += int(exact[i])
        left = rest - sum(int(x) for x in exact.values())
        for i in sorted(positive, key=lambda i: (-(exact[i] - int(exact[i])), i))[:left]:
            result[i] += 1
    return result


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


def is_collapsed(graph: nx.DiGraph) -> bool:
    """True if the graph's nodes are groups (modules, files, packages), not functions."""
    return any(d.get("kind") in COLLAPSED_KINDS for _, d in graph.nodes(data=True))


def collapse_graph(graph: nx.DiGraph, level: str, package_depth: int = 1) -> nx.DiGraph:
    """One node per module, file or package (the first ``package_depth`` parts of the module name).

    Calls inside one group are not drawn; a group's time is its functions' self time plus the
    time in other groups it called.
    """
    if level not in COLLAPSED_KINDS:
        raise UsageError(f"unknown collapse level {level!r}: use module or file")

    def group_of(d: dict) -> str:
        if level == "file":
            return d["file"]
        if level == "package":
            return package_name(d["module"], d["file"], package_depth)
        return d["module"]

    out = nx.DiGraph()
    groups = {n: group_of(d) for n, d in graph.nodes(data=True)}
    for n, d in graph.nodes(data=True):
        group = groups[n]
        if group not in out:
            out.add_node(
                group,
                kind=level,
                label=group,
                qualname=group,
                module=group if level == "package" else d["module"],
                file=d["file"],
                line=0,
                function_id=-1,
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
        ga, gb = groups[a], groups[b]
        if ga == gb:
            continue  # calls inside one group
        if out.has_edge(ga, gb):
            edge = out[ga][gb]
            edge["calls"] += d["calls"]
            edge["total_ns"] += d["total_ns"]
            edge["hidden_calls"] += d.get("hidden_calls", 0)
            edge["estimated_calls"] += d.get("estimated_calls", 0)
        else:
            out.add_edge(
                ga,
                gb,
                calls=d["calls"],
                total_ns=d["total_ns"],
                hidden_calls=d.get("hidden_calls", 0),
                estimated_calls=d.get("estimated_calls", 0),
            )
    for n in out:
        out.nodes[n]["total_ns"] = out.nodes[n]["self_ns"] + sum(d["total_ns"] for _, _, d in out.out_edges(n, data=True))
    out.graph.update(graph.graph)
    return out


def package_name(module: str, file: str, depth: int = 1) -> str:
    """The first ``depth`` parts of a function's package: for a library file, counted from its
    installation folder (``site-packages/torch/nn/x.py``: ``torch``), not from the repo's root."""
    path = PurePosixPath(file)
    if path.is_absolute():
        parts = path.with_suffix("").parts
        for i in range(len(parts) - 1, -1, -1):
            part = parts[i]
            if part in ("site-packages", "dist-packages") or (part.startswith("python") and part[6:7].isdigit()):
                inner = [p for p in parts[i + 1 :] if p not in ("site-packages", "dist-packages", "lib-dynload")]
                if inner:
                    return ".".join(inner[:depth])
    return ".".join(module.split(".")[:depth])


def auto_collapse(graph: nx.DiGraph, max_nodes: int) -> tuple[nx.DiGraph, str | None]:
    """A graph small enough to draw: collapsed to modules, then to ever shorter packages; or, when
    that leaves fewer than three modules, the ``max_nodes`` functions that took the most time, the
    others bypassed.

    Returns the graph unchanged and ``None`` when it already has at most ``max_nodes`` nodes
    (or is collapsed to files or packages already), else the collapsed graph and a one-line
    note saying what was done. A graph collapsed to modules that is still too big goes on to
    packages.
    """
    n = graph.number_of_nodes()
    kinds = {d.get("kind") for _, d in graph.nodes(data=True)}
    if n <= max_nodes or kinds & {"file", "package"}:
        return graph, None
    what = "modules" if "module" in kinds else "functions"
    modules = collapsed = graph if what == "modules" else collapse_graph(graph, "module")
    level = "modules"
    deepest = max((len(package_name(d["module"], d["file"], 99).split(".")) for _, d in modules.nodes(data=True)), default=1)
    depth = deepest - 1
    while collapsed.number_of_nodes() > max_nodes and depth >= 1:
        collapsed = collapse_graph(modules, "package", depth)
        level = "packages"
        depth -= 1
    if collapsed is graph:
        return graph, None
    if collapsed.number_of_nodes() < 3 and what == "functions":
        # One or two modules say nothing: keep the functions that took the most time instead.
        ranked = sorted(graph.nodes(data=True), key=lambda item: (not item[1]["entry"], -item[1]["total_ns"], str(item[0])))
        keep_ids = {d["function_id"] for _, d in ranked[:max_nodes]}
        busiest = bypass(graph, lambda d: d["function_id"] in keep_ids)
        busiest.graph.update(graph.graph)
        busiest.graph["view"] = f"{graph.graph.get('view', '')}, the {max_nodes} slowest functions".lstrip(", ")
        return busiest, (
            f"{n:,} functions is too many to draw: kept the {busiest.number_of_nodes():,} that took the most time,"
            " calls through the others are dashed (choose with --collapse, --depth or --min-calls)"
        )
    note = (
        f"{n:,} {what} is too many to draw: collapsed to {collapsed.number_of_nodes():,} {level}"
        " (choose with --collapse, --depth or --min-calls)"
    )
    collapsed.graph["view"] = f"{graph.graph.get('view', '')}, auto-collapsed to {level}".lstrip(", ")
    return collapsed, note
