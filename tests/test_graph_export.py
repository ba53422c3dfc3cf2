"""The call graph and every export format, read back by real parsers."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import networkx as nx
import pytest
from conftest import PPO, SCRIPTS, TORCH_SAMPLE, requires_torch, run_cli

from codetour.export import ExportContext, formats
from codetour.graph import GraphView, auto_collapse, build_graph, bypass, module_name, package_name
from codetour.store.reader import TraceReader

ODD_DIR = 'odd "dir" <b>&'
DOC = """<script>window.__pwned = 1</script> & "quotes" 'single' `backtick` | pipe #hash"""


@pytest.fixture(scope="module")
def weird_trace(tmp_path_factory):
    """A trace of a script whose folder, function names, docstrings and values need escaping."""
    tmp = tmp_path_factory.mktemp("weird")
    repo = tmp / ODD_DIR
    repo.mkdir()
    shutil.copy(SCRIPTS / "weird_names.py", repo / "run me.py")
    out = tmp / "weird.ctrace"
    proc = run_cli("trace", "--root", str(tmp), "-o", str(out), str(repo / "run me.py"))
    assert proc.returncode == 0, proc.stderr
    return out


def export(trace, fmt, *extra, tmp_path=None):
    proc = run_cli("export", str(trace), "-f", fmt, *extra)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_graph_counts_are_exact_past_the_budget(ppo_trace):
    with TraceReader(ppo_trace) as reader:
        g = build_graph(reader)
    loss = g.nodes["ppo.loss:ppo_loss"]
    update = "ppo.agent:PPOAgent.update"
    # 2 updates x 10 epochs x (128 steps / 128 per minibatch) = 20 loss calls, 5 kept in detail
    assert loss["calls"] == 20 and loss["recorded_calls"] == 5
    assert g.edges[update, "ppo.loss:ppo_loss"]["calls"] == 20
    step = "ppo.env:CartPole.step"
    assert g.edges["ppo.agent:PPOAgent.collect_rollout", step]["calls"] == 256  # 2 rollouts of 128 steps
    assert g.nodes[step]["calls"] == 256 + g.edges["ppo.agent:evaluate", step]["calls"]
    assert g.nodes["train:<module>"]["entry"] and g.nodes["train:<module>"]["kind"] == "module body"
    assert g.nodes["ppo.config:PPOConfig"]["kind"] == "class body"
    def_line = next(
        i for i, text in enumerate((PPO / "ppo" / "loss.py").read_text().splitlines(), 1) if text.startswith("def ppo_loss")
    )
    assert loss["file"] == "ppo/loss.py" and loss["line"] == def_line and loss["doc"].startswith("Loss value")
    assert g.graph["format"] == "codetour-graph" and g.graph["status"] == "ok"


def test_graph_views(ppo_trace):
    with TraceReader(ppo_trace) as reader:
        full = build_graph(reader)
        modules = build_graph(reader, GraphView(collapse="module"))
        shallow = build_graph(reader, GraphView(max_depth=1))
        busy = build_graph(reader, GraphView(min_calls=100))
    assert {"ppo.agent", "ppo.loss", "ppo.env", "train"} <= set(modules.nodes)
    assert modules.edges["ppo.agent", "ppo.loss"]["calls"] == 21  # 20 loss calls + importing the module
    assert sum(d["calls"] for _, d in modules.nodes(data=True)) == sum(d["calls"] for _, d in full.nodes(data=True))
    assert set(shallow.nodes) == {"train:<module>", *full.successors("train:<module>")}
    assert all(d["calls"] >= 100 or d["entry"] for _, d in busy.nodes(data=True))
    assert "ppo.env:CartPole.step" in busy and "ppo.loss:ppo_loss" not in busy
    assert "ppo.agent:evaluate" in full


def test_graphml_reads_back_with_types(ppo_trace):
    text = export(ppo_trace, "graphml")
    g = nx.read_graphml(__import__("io").BytesIO(text.encode()))
    node = g.nodes["ppo.loss:ppo_loss"]
    assert node["calls"] == 20 and isinstance(node["calls"], int)
    assert isinstance(node["total_ns"], int) and node["library"] is False
    assert g.edges["ppo.agent:PPOAgent.update", "ppo.loss:ppo_loss"]["calls"] == 20
    keys = {
        k.get("attr.name"): k.get("attr.type")
        for k in ET.fromstring(text.encode()).iter("{http://graphml.graphdrawing.org/xmlns}key")
        if k.get("for") == "node"
    }
    assert keys["calls"] in ("int", "long") and keys["entry"] == "boolean" and keys["file"] == "string"


def test_node_link_json_reads_back(ppo_trace):
    data = json.loads(export(ppo_trace, "json"))
    assert data["format"] == "codetour-graph" and data["version"] == 1
    g = nx.node_link_graph(data, edges="edges")
    assert g.nodes["ppo.loss:ppo_loss"]["calls"] == 20
    assert g.is_directed()


def test_dot_parses_and_renders(ppo_trace, tmp_path):
    pydot = pytest.importorskip("pydot")
    text = export(ppo_trace, "dot", "--collapse", "file")
    (graph,) = pydot.graph_from_dot_data(text)
    labels = [n.get_label() for n in graph.get_nodes() if n.get_label()]
    assert any("ppo/loss.py" in label for label in labels)
    if shutil.which("dot") is None:
        pytest.skip("Graphviz not installed")
    out = tmp_path / "map.svg"
    proc = run_cli("export", str(ppo_trace), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    svg = ET.parse(out).getroot()
    assert svg.tag.endswith("svg")
    assert "ppo_loss" in out.read_text()


def test_mermaid_is_well_formed(ppo_trace):
    text = export(ppo_trace, "mermaid")
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    node_re = re.compile(r'^  (n\d+)\["([^"]*)"\]$')
    edge_re = re.compile(r'^  (n\d+) -->\|"[\d,]+×"\| (n\d+)$')
    ids = set()
    for line in lines[1:]:
        if m := node_re.match(line):
            ids.add(m.group(1))
            assert "<" not in m.group(2).replace("<br/>", "")
        elif m := edge_re.match(line):
            assert {m.group(1), m.group(2)} <= ids
        else:
            assert line.startswith(("  %%", "  class ", "  classDef ")), line
    assert "ppo_loss<br/>20× ·" in text


def test_mermaid_collapses_big_graphs(ppo_trace, monkeypatch):
    from codetour.export import mermaid

    monkeypatch.setattr(mermaid, "MAX_NODES", 10)
    with TraceReader(ppo_trace) as reader:
        ctx = ExportContext(reader, build_graph(reader), "t")
        buf = __import__("io").StringIO()
        mermaid.write_mermaid(ctx, buf)
    text = buf.getvalue()
    assert "collapsed to" in text and "ppo.agent<br/>" in text


def test_chrome_trace_structure(ppo_trace):
    data = json.loads(export(ppo_trace, "chrome"))
    events = data["traceEvents"]
    complete = [e for e in events if e["ph"] == "X"]
    assert complete and all({"name", "ts", "dur", "pid", "tid"} <= e.keys() for e in complete)
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in complete)
    assert any(e["ph"] == "M" and e["name"] == "thread_name" and e["args"]["name"] == "MainThread" for e in events)
    losses = [e for e in complete if e["name"] == "ppo_loss"]
    assert len(losses) == 5 and "arg logits" in losses[0]["args"]
    assert data["otherData"]["calls_not_on_timeline"] > 0


def test_codetour_tour_file(ppo_trace, tmp_path):
    out = tmp_path / "ppo.tour"
    proc = run_cli("export", str(ppo_trace), "-f", "codetour", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert {"title", "steps"} <= data.keys() and data["steps"]
    with TraceReader(ppo_trace) as reader:
        root = __import__("pathlib").Path(reader.meta["root"])
    for step in data["steps"]:
        assert {"file", "line", "title", "description"} <= step.keys()
        path = root / step["file"]
        assert not step["file"].startswith("/") and path.is_file()
        assert 1 <= step["line"] <= len(path.read_text().splitlines())
    tour_file = run_cli("export", str(ppo_trace), "-f", "codetour", "--tour", "tours/minimal_ppo.md", "-o", str(out))
    assert tour_file.returncode == 0, tour_file.stderr
    assert len(json.loads(out.read_text())["steps"]) == 15


def test_escaping_in_every_format(weird_trace, tmp_path):
    with TraceReader(weird_trace) as reader:
        g = build_graph(reader)
    names = {d["label"] for _, d in g.nodes(data=True)}
    assert "数据" in names
    files = {d["file"] for _, d in g.nodes(data=True)}
    assert f"{ODD_DIR}/run me.py" in files
    # GraphML and JSON: exact round trip of every odd string
    gm = nx.read_graphml(__import__("io").BytesIO(export(weird_trace, "graphml").encode()))
    assert {d["file"] for _, d in gm.nodes(data=True)} == files
    assert any(d["doc"] == DOC.split("\n")[0] for _, d in gm.nodes(data=True))
    nl = nx.node_link_graph(json.loads(export(weird_trace, "json")), edges="edges")
    assert {d["file"] for _, d in nl.nodes(data=True)} == files
    # DOT: pydot reads back the escaped labels
    pydot = pytest.importorskip("pydot")
    (dg,) = pydot.graph_from_dot_data(export(weird_trace, "dot"))
    clusters = [sg.get_label() for sg in dg.get_subgraphs()]
    assert any('odd \\"dir\\" <b>&' in (c or "") for c in clusters)
    # Mermaid: no raw quotes or angle brackets inside labels
    for line in export(weird_trace, "mermaid").splitlines():
        if line.startswith("  n") and "[" in line:
            inner = line.split('["', 1)[1].rsplit('"]', 1)[0]
            assert '"' not in inner and "<" not in inner.replace("<br/>", "")
    # Chrome trace: values survive as JSON strings
    chrome = json.loads(export(weird_trace, "chrome"))
    assert any("<script>" in str(e.get("args", {})) for e in chrome["traceEvents"])
    # HTML: the data block cannot close its <script> element
    html = export(weird_trace, "html")
    block = html.split('<script type="application/json" id="data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and "数据" in block


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def dump_dom(url: str, tmp_path) -> str:
    exe = chromium()
    if exe is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    proc = subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chrome-profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_html_renders_and_searches_in_chromium(ppo_trace, tmp_path):
    page = tmp_path / "map.html"
    proc = run_cli("export", str(ppo_trace), "-o", str(page))
    assert proc.returncode == 0, proc.stderr
    with TraceReader(ppo_trace) as reader:
        n_nodes = build_graph(reader).number_of_nodes()
    dom = dump_dom(page.as_uri() + "#search=ppo_loss", tmp_path)
    assert f'data-rendered="{n_nodes}"' in dom
    assert len(re.findall(r'class="node[^"]*\bmatch\b', dom)) == 1
    assert "1 match for" in dom
    assert re.search(r'<g class="node[^"]*\bmatch\b[^"]*"[^>]*>.*?<text[^>]*>ppo_loss</text>', dom)
    assert "http://" not in page.read_text().replace("http://www.w3.org/2000/svg", "")  # nothing fetched


def test_html_escapes_hostile_names_in_chromium(weird_trace, tmp_path):
    page = tmp_path / "weird.html"
    assert run_cli("export", str(weird_trace), "-f", "html", "-o", str(page)).returncode == 0
    dom = dump_dom(page.as_uri() + "#search=数据", tmp_path)
    assert 'data-rendered="' in dom and "1 match" in dom
    assert "<script>window.__pwned" not in dom  # shown as text, never parsed as an element
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in dom
    assert "<b>" not in dom.split('<script type="application/json"', 1)[0]


@pytest.mark.parametrize(
    ("setup", "args", "message", "code"),
    [
        (lambda p: None, ["missing.ctrace", "-f", "json"], "no such trace file", 3),
        (
            lambda p: (p / "junk.ctrace").write_bytes(b"not a database at all" * 10),
            ["junk.ctrace", "-f", "json"],
            "not a codetour trace",
            5,
        ),
        (
            lambda p: __import__("sqlite3").connect(p / "other.db").execute("CREATE TABLE t (x)"),
            ["other.db", "-f", "json"],
            "not a codetour trace",
            5,
        ),
    ],
)
def test_export_bad_input(tmp_path, setup, args, message, code):
    setup(tmp_path)
    proc = run_cli("export", *args, cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_export_bad_format_and_output(ppo_trace):
    proc = run_cli("export", str(ppo_trace), "-f", "pdf")
    assert proc.returncode == 2 and "unknown format 'pdf'" in proc.stderr
    proc = run_cli("export", str(ppo_trace))
    assert proc.returncode == 2 and "say which format" in proc.stderr
    proc = run_cli("export", str(ppo_trace), "-f", "json", "-o", "/proc/no/such/dir/x.json")
    assert proc.returncode == 6 and "cannot write" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_graph_export_and_tui_import_no_private_names():
    """Cross-module imports go through public names (graph.collapse_graph, not graph._collapse)."""
    import ast
    from pathlib import Path

    package = Path(__import__("codetour").__file__).parent
    files = [package / "graph.py", *sorted((package / "export").glob("*.py")), *sorted((package / "tui").glob("*.py"))]
    private = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("codetour"):
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
    assert not private


def test_every_format_is_registered():
    assert set(formats()) == {"dot", "svg", "png", "graphml", "json", "mermaid", "html", "codetour", "chrome"}


# --------------------------------------------------------------------------- bypassing hidden functions
DISPATCH = '''"""Repo functions reached only through library code (contextlib, functools)."""

import contextlib
import functools


@contextlib.contextmanager
def quiet():
    yield


@functools.singledispatch
def process(value):
    return value


@process.register
def _(value: int):
    return value + 1


@process.register
def _(value: str):
    return value.upper()


@quiet()
def evaluate(n):
    return [process(i) for i in range(n)]


def train(n):
    return [process(str(i)) for i in range(n)]


def main():
    train(3)
    evaluate(2)
    evaluate(1)
    pairs = sum(x for x in range(2)) + sum(y for y in range(3))
    more = sum(z for z in range(4))
    return pairs + more


main()
'''


@pytest.fixture(scope="module")
def dispatch_traces(tmp_path_factory):
    """The same run traced twice: with library frames (--library-calls) and without (stitched edges)."""
    tmp = tmp_path_factory.mktemp("dispatch")
    script = tmp / "dispatch.py"
    script.write_text(DISPATCH)
    traces = {}
    for name, extra in (("library", ("--library-calls",)), ("repo", ())):
        out = tmp / f"{name}.ctrace"
        proc = run_cli("trace", "--root", str(tmp), "-o", str(out), *extra, str(script))
        assert proc.returncode == 0, proc.stderr
        traces[name] = out
    return traces


def edge_counts(g: nx.DiGraph) -> dict[tuple[str, str], int]:
    return {(a, b): d["calls"] for a, b, d in g.edges(data=True)}


def test_no_library_bypasses_hidden_functions(dispatch_traces):
    with TraceReader(dispatch_traces["library"]) as reader:
        everything = build_graph(reader)
        hidden = build_graph(reader, GraphView(include_library=False))
    with TraceReader(dispatch_traces["repo"]) as reader:
        stitched = build_graph(reader)  # the recorder's own stitching: the exact answer
    assert any(d["library"] for _, d in everything.nodes(data=True))
    assert not any(d["library"] for _, d in hidden.nodes(data=True))
    assert set(hidden.nodes) == set(stitched.nodes)
    # main -> evaluate goes through contextlib's decorator, train -> _ through functools' dispatcher:
    # every call is recorded, so the bypass edges are exactly the stitched ones, counts included.
    assert edge_counts(hidden) == edge_counts(stitched)
    assert hidden.edges["dispatch:main", "dispatch:evaluate"]["hidden_calls"] == 2
    assert not any(d["estimated_calls"] for _, _, d in hidden.edges(data=True))
    assert hidden.edges["dispatch:main", "dispatch:train"]["hidden_calls"] == 0
    # the shared dispatcher does not make evaluate's comprehension look like a caller of the str one
    impls = {
        DISPATCH.splitlines()[d["line"]].split(":")[1].strip(" )"): n for n, d in hidden.nodes(data=True) if d["qualname"] == "_"
    }
    # (Python 3.12+ inlines list comprehensions: the calls come from the function itself.)
    comp = ".<locals>.<listcomp>" if sys.version_info < (3, 12) else ""
    assert set(hidden.predecessors(impls["str"])) == {f"dispatch:train{comp}"}
    assert set(hidden.predecessors(impls["int"])) == {f"dispatch:evaluate{comp}"}


def test_bypass_counts_past_the_budget_are_estimated_and_preserved(dispatch_traces):
    """With no recorded frames to go by, the split is an estimate, but no call and no edge is lost."""
    with TraceReader(dispatch_traces["library"]) as reader:
        everything = build_graph(reader)
        hidden = build_graph(reader, GraphView(include_library=False))
        estimated = bypass(everything, lambda d: not d["library"])  # no reader: counts only
    assert set(estimated.edges) >= set(hidden.edges)
    assert all(d["estimated_calls"] == d["hidden_calls"] for _, _, d in estimated.edges(data=True))
    for v in hidden:  # every call a visible function received is still drawn, from somewhere
        received = sum(d["calls"] for _, _, d in everything.in_edges(v, data=True))
        assert sum(d["calls"] for _, _, d in estimated.in_edges(v, data=True)) == received
    assert not any(a == b for a, b in estimated.edges)  # a dispatcher makes no function its own caller


def test_min_calls_bypasses_instead_of_dropping(dispatch_traces):
    with TraceReader(dispatch_traces["repo"]) as reader:
        full = build_graph(reader)
        busy = build_graph(reader, GraphView(min_calls=2))
    # main, train and its comprehension (called once) are hidden; what they called stays connected
    assert {"dispatch:main", "dispatch:train"}.isdisjoint(busy) and busy.nodes["dispatch:<module>"]["entry"]
    caller = "dispatch:train.<locals>.<listcomp>" if sys.version_info < (3, 12) else "dispatch:train"  # 3.12 inlines it
    str_impl = next(n for n in full.successors(caller) if n.startswith("dispatch:_@"))
    assert busy.edges["dispatch:<module>", str_impl]["calls"] == 3
    assert busy.edges["dispatch:<module>", str_impl]["hidden_calls"] == 3
    assert busy.edges["dispatch:<module>", "dispatch:evaluate"]["calls"] == 2
    for v in busy:
        if not busy.nodes[v]["entry"]:
            assert sum(d["calls"] for _, _, d in busy.in_edges(v, data=True)) == sum(
                d["calls"] for _, _, d in full.in_edges(v, data=True)
            )


def test_one_node_per_function_not_per_name(dispatch_traces):
    with TraceReader(dispatch_traces["repo"]) as reader:
        g = build_graph(reader)
        summary_functions = sum(1 for f in reader.functions.values() if f.calls)
        summary_calls = sum(f.calls for f in reader.functions.values())
    assert g.number_of_nodes() == summary_functions
    assert sum(d["calls"] for _, d in g.nodes(data=True)) == summary_calls
    lines = DISPATCH.splitlines()
    impls = sorted((d["line"], n, d["label"]) for n, d in g.nodes(data=True) if d["qualname"] == "_")
    assert [n for _, n, _ in impls] == [f"dispatch:_@{impls[0][0]}", f"dispatch:_@{impls[1][0]}"]
    assert [label for _, _, label in impls] == [f"_ (dispatch.py:{line})" for line, _, _ in impls]
    pair_line = next(i for i, t in enumerate(lines, 1) if "pairs = " in t)
    more_line = pair_line + 1
    gens = sorted(n for n, d in g.nodes(data=True) if d["qualname"] == "main.<locals>.<genexpr>")
    assert gens == [
        f"dispatch:main.<locals>.<genexpr>@{pair_line}#1",
        f"dispatch:main.<locals>.<genexpr>@{pair_line}#2",
        f"dispatch:main.<locals>.<genexpr>@{more_line}",
    ]
    assert {g.nodes[n]["calls"] for n in gens} == {1}
    assert len({g.nodes[n]["function_id"] for n in gens}) == 3
    # and the exports keep them apart: read back, still three nodes
    back = nx.node_link_graph(json.loads(export(reader.path, "json")), edges="edges")
    assert sum(1 for _, d in back.nodes(data=True) if d["qualname"] == "main.<locals>.<genexpr>") == 3


def test_bypass_edges_are_marked_in_drawings(dispatch_traces):
    pydot = pytest.importorskip("pydot")
    (dg,) = pydot.graph_from_dot_data(export(dispatch_traces["library"], "dot", "--no-library"))
    dashed = [e for e in dg.get_edges() if e.get_style() == "dashed"]
    # every call was recorded: the bypass counts are exact, so dashed but without ≈
    assert dashed and not any("≈" in e.get_label() for e in dashed)
    assert any("through hidden functions" in e.get("tooltip") for e in dashed)
    mermaid = export(dispatch_traces["library"], "mermaid", "--no-library")
    assert re.search(r'-\.->\|"2×"\|', mermaid) and "≈" not in mermaid
    # without recorded frames to go by, the counts are estimated, and say so
    with TraceReader(dispatch_traces["library"]) as reader:
        estimated = bypass(build_graph(reader), lambda d: not d["library"])
        ctx = ExportContext(reader, estimated, "t")
        dot_text, mermaid_text = io.StringIO(), io.StringIO()
        formats()["dot"].write(ctx, dot_text)
        formats()["mermaid"].write(ctx, mermaid_text)
    assert any(d["estimated_calls"] for _, _, d in estimated.edges(data=True))
    (dg,) = pydot.graph_from_dot_data(dot_text.getvalue())
    assert any("≈" in e.get_label() and e.get_style() == "dashed" for e in dg.get_edges())
    assert re.search(r'-\.->\|"≈[\d,]+×"\|', mermaid_text.getvalue())


def test_bypass_edges_are_dashed_in_the_html_map(dispatch_traces, tmp_path):
    page = tmp_path / "map.html"
    assert run_cli("export", str(dispatch_traces["library"]), "--no-library", "-o", str(page)).returncode == 0
    dom = dump_dom(page.as_uri(), tmp_path)
    via = re.findall(r'<path class="edge via"[^>]*><title>([^<]*)</title>', dom)
    assert via and all("through hidden functions" in t for t in via)
    assert any(t.startswith("main → evaluate: 2 calls") for t in via)  # recorded, so exact: no ≈
    assert re.search(r'<path class="edge"[^>]*><title>main → train: 1 calls', dom)  # a direct call stays solid


# --------------------------------------------------------------------------- GraphML types
def test_graphml_key_ids_are_unique_per_domain_and_types_round_trip(ppo_trace):
    text = export(ppo_trace, "graphml")
    root = ET.fromstring(text.encode())
    keys = list(root.iter("{http://graphml.graphdrawing.org/xmlns}key"))
    ids = [k.get("id") for k in keys]
    assert len(ids) == len(set(ids))
    by_name: dict[str, set[str]] = {}
    for k in keys:
        by_name.setdefault(k.get("attr.name"), set()).add(k.get("for"))
    assert by_name["entry"] == {"node", "graph"}  # one name, two domains, two keys
    back = nx.read_graphml(io.BytesIO(text.encode()))
    with TraceReader(ppo_trace) as reader:
        original = build_graph(reader)
    assert set(back.nodes) == set(original.nodes)
    for n, d in original.nodes(data=True):
        for name, value in d.items():
            got = back.nodes[n][name]
            assert got == value and type(got) is type(value), (n, name, got, value)
    assert back.nodes["train:<module>"]["entry"] is True
    for a, b, d in original.edges(data=True):
        for name, value in d.items():
            got = back.edges[a, b][name]
            assert got == value and type(got) is type(value), (a, b, name, got)
    for name, value in original.graph.items():
        got = back.graph[name]
        assert got == value and type(got) is type(value), (name, got, value)


# --------------------------------------------------------------------------- large graphs
BIG_MODULE_FUNCTIONS = 50


@pytest.fixture(scope="module")
def wide_trace(tmp_path_factory):
    """A real run of 400 functions in 8 modules of two packages: more than anyone can read drawn out."""
    repo = tmp_path_factory.mktemp("wide")
    imports = []
    for package in ("alpha", "beta"):
        (repo / package).mkdir()
        (repo / package / "__init__.py").write_text("")
        for m in range(4):
            body = [f"def f{i}(x):\n    return x + {i}\n\n" for i in range(BIG_MODULE_FUNCTIONS - 1)]
            calls = "".join(f"    x = f{i}(x)\n" for i in range(BIG_MODULE_FUNCTIONS - 1))
            body.append(f"def run(x):\n{calls}    return x\n")
            (repo / package / f"m{m}.py").write_text("\n".join(body))
            imports.append(f"{package}.m{m}")
    main = "".join(f"import {name}\n" for name in imports) + "\n\nfor x in range(3):\n"
    main += "".join(f"    {name}.run(x)\n" for name in imports)
    (repo / "main.py").write_text(main)
    out = repo / "wide.ctrace"
    proc = run_cli("trace", "--root", str(repo), "-o", str(out), str(repo / "main.py"))
    assert proc.returncode == 0, proc.stderr
    return out


def test_dot_collapses_large_graphs_with_a_warning(wide_trace):
    with TraceReader(wide_trace) as reader:
        assert build_graph(reader).number_of_nodes() > 400
    proc = run_cli("export", str(wide_trace), "-f", "dot")
    assert proc.returncode == 0, proc.stderr
    # 8 modules of functions, 2 package __init__s and main
    assert "411 functions is too many to draw: collapsed to 11 modules" in proc.stderr
    pydot = pytest.importorskip("pydot")
    (dg,) = pydot.graph_from_dot_data(proc.stdout)
    labels = [n.get_label() for n in dg.get_nodes() if n.get_label()]
    assert len(labels) == 11 and any(label.startswith('"alpha.m0\\n') for label in labels)
    assert "collapsed to 11 modules" in dg.get_label()


def test_auto_collapse_goes_to_packages_when_modules_are_still_too_many(wide_trace):
    with TraceReader(wide_trace) as reader:
        g = build_graph(reader)
    small, note = auto_collapse(g, 5)
    assert set(small.nodes) == {"alpha", "beta", "main"} and "collapsed to 3 packages" in note
    assert sum(d["calls"] for _, d in small.nodes(data=True)) == sum(d["calls"] for _, d in g.nodes(data=True))
    assert small.edges["main", "alpha"]["calls"] == sum(
        d["calls"] for a, b, d in g.edges(data=True) if a.startswith("main:") and b.startswith("alpha")
    )
    same, none = auto_collapse(g, 10_000)
    assert same is g and none is None
    with TraceReader(wide_trace) as reader:
        modules = build_graph(reader, GraphView(collapse="module"))  # --collapse module, still too many
    packages, note = auto_collapse(modules, 5)
    assert set(packages.nodes) == {"alpha", "beta", "main"} and note.startswith("11 modules is too many")


def test_auto_collapse_of_a_one_module_graph_keeps_the_slowest_functions(dispatch_traces):
    """One module is no drawing: the functions that took the most time stay, calls through the rest bypass them."""
    with TraceReader(dispatch_traces["repo"]) as reader:
        g = build_graph(reader)
    assert g.number_of_nodes() > 6 and len({d["module"] for _, d in g.nodes(data=True)}) == 1
    small, note = auto_collapse(g, 6)
    assert small.number_of_nodes() == 6 and "kept the 6 that took the most time" in note
    assert "dispatch:<module>" in small and small.nodes["dispatch:<module>"]["entry"]
    slowest = sorted((d["total_ns"] for n, d in g.nodes(data=True) if not d["entry"]), reverse=True)[:5]
    assert sorted((d["total_ns"] for n, d in small.nodes(data=True) if not d["entry"]), reverse=True) == slowest
    assert nx.is_weakly_connected(small)  # nothing cut off: hidden callers are bypassed
    for v in small:  # and every call a kept function received is still drawn
        assert sum(d["calls"] for _, _, d in small.in_edges(v, data=True)) == sum(
            d["calls"] for _, _, d in g.in_edges(v, data=True)
        )


def test_library_packages_are_named_from_their_install_folder():
    site = "/venv/lib/python3.11/site-packages/torch/nn/modules/module.py"
    assert package_name(module_name(site), site) == "torch"
    assert package_name(module_name(site), site, 2) == "torch.nn"
    stdlib = "/usr/lib/python3.11/logging/__init__.py"
    assert package_name(module_name(stdlib), stdlib) == "logging"
    assert package_name("ppo.agent", "ppo/agent.py") == "ppo"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_svg_of_a_large_graph_renders_collapsed(wide_trace, tmp_path):
    out = tmp_path / "wide.svg"
    proc = run_cli("export", str(wide_trace), "-o", str(out), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "too many to draw" in proc.stderr
    svg = ET.parse(out).getroot()
    nodes = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "node"]
    assert len(nodes) == 11 and "alpha.m3" in out.read_text()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")
def test_rendering_has_a_time_budget(wide_trace, tmp_path):
    out = tmp_path / "slow.png"
    proc = run_cli("export", str(wide_trace), "-o", str(out), env={"CODETOUR_RENDER_TIMEOUT": "0.001"})
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr and "did not finish drawing" in lines[-1]
    assert "--collapse" in lines[-1] and "--min-calls" in lines[-1]
    assert not out.exists()
    proc = run_cli("export", str(wide_trace), "-o", str(out), env={"CODETOUR_RENDER_TIMEOUT": "soon"})
    assert proc.returncode == 2 and "CODETOUR_RENDER_TIMEOUT must be a positive number" in proc.stderr


@requires_torch
@pytest.mark.torch
@pytest.mark.slow  # two recordings of a torch training run, one with every library call: about a minute
def test_no_library_on_the_torch_sample_keeps_every_repo_call(tmp_path):
    """Issue 16.3 on the real case: calls through nn.Module.__call__, DataLoader and @torch.no_grad."""
    traces = {}
    for name, extra in (("library", ("--library-calls",)), ("repo", ())):
        out = tmp_path / f"{name}.ctrace"
        args = ("--mode", "train", "--epochs", "1", "--checkpoint", str(tmp_path / "ckpt.pt"))
        proc = run_cli("trace", *extra, "-o", str(out), str(TORCH_SAMPLE / "main.py"), *args, cwd=tmp_path, timeout=300)
        assert proc.returncode == 0, proc.stderr
        traces[name] = out
    with TraceReader(traces["library"]) as reader:
        hidden = build_graph(reader, GraphView(include_library=False))
    with TraceReader(traces["repo"]) as reader:
        stitched = build_graph(reader)  # the recorder's own stitching across library frames
    assert set(hidden.edges) == set(stitched.edges)  # 19 edges, not the 11 left by deleting
    assert {("engine:train_one_epoch", "model:MLPClassifier.forward"), ("main:main", "engine:evaluate")} <= set(hidden.edges)
    assert hidden.edges["main:main", "engine:evaluate"]["calls"] == 1
    for v in hidden:  # every function's incoming calls add up as in the stitched graph
        assert sum(d["calls"] for _, _, d in hidden.in_edges(v, data=True)) == sum(
            d["calls"] for _, _, d in stitched.in_edges(v, data=True)
        )
