"""Runs of several processes, seen from the reading side (#18): open_run, exports with a
process dimension, the replay app's process list / same moment / follow into a worker.

Two kinds of runs: real multi-process runs recorded by `codetour trace` (a fork Pool, a
DataLoader with workers where torch is present), and a run assembled from ordinary traces
(three real recordings placed as a main trace and two shards, with their ``process`` meta set
as the recorder writes it), whose timing and contents the tests control exactly.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
from pathlib import Path

import networkx as nx
import pytest
from conftest import requires_torch, run_cli

from codetour.store.processes import (
    ProcessInfo,
    Run,
    caller_moment,
    event_near_ts,
    open_run,
    seq_near_wall,
    shard_dir,
    worker_call_near,
    worker_calls,
)
from codetour.store.reader import TraceReader

DATA = '''"""A dataset of squares and its collate function."""


class Squares:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        value = index * index
        return value


def collate(items):
    total = sum(items)
    return total


def augment(value):
    """Only the workers augment (the parent fetches plain items)."""
    noisy = value + 1
    return noisy
'''

TRAIN = '''"""The parent: fetches batches and trains on them."""
import time

from data import Squares, collate


def fetch(dataset, indices):
    items = [dataset[i] for i in indices]
    return collate(items)


def train_step(batch, lr):
    loss = batch * lr
    time.sleep(0.02)  # batches well apart in time: which worker made which is unambiguous
    return loss


def main():
    dataset = Squares(8)
    for start in range(0, 8, 2):
        batch = fetch(dataset, [start, start + 1])
        train_step(batch, 0.1)


main()
'''

# Run outside the repo's root: its loop is "library" code, so the dataset calls it makes are
# top-level frames of the worker's trace, as in a real DataLoader worker or pool worker.
DRIVER = """import sys
sys.path.insert(0, sys.argv[1])
from data import Squares, augment, collate

dataset = Squares(8)
for start in [int(a) for a in sys.argv[2:]]:
    collate([augment(dataset[start]), augment(dataset[start + 1])])
"""

MAIN_PID = 5000
WORKERS = {5001: ("DataLoader worker 0", ["0", "4"]), 5002: ("DataLoader worker 1", ["2", "6"])}


def _set_meta(path: Path, **items: object) -> None:
    db = sqlite3.connect(path)
    with db:
        for key, value in items.items():
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))
    db.close()


def _shift_times(path: Path, delta: int) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE events SET ts_ns = ts_ns + ?", (delta,))
        db.execute("UPDATE frames SET start_ns = start_ns + ?, end_ns = end_ns + ?", (delta, delta))
    db.close()


def _first_event_ts(path: Path) -> int:
    with TraceReader(path) as reader:
        return reader.event(reader.first_seq).ts_ns  # type: ignore[arg-type,union-attr]


def _first_call_ts(path: Path, qualname: str) -> int:
    with TraceReader(path) as reader:
        func = reader.function_by_name(qualname)
        assert func is not None
        return reader.frames_of(func.id)[0].start_ns


def assembled_run(base: Path) -> Path:
    """A main trace and two worker shards, recorded for real, with the ``process`` meta the
    recorder writes; worker N starts just before the parent's N-th ``fetch`` call."""
    repo = base / "repo"
    repo.mkdir(parents=True)
    (repo / "data.py").write_text(DATA)
    (repo / "train.py").write_text(TRAIN)
    driver = base / "driver.py"
    driver.write_text(DRIVER)
    main = base / "run.ctrace"
    proc = run_cli("trace", "--root", str(repo), "-o", str(main), str(repo / "train.py"))
    assert proc.returncode == 0, proc.stderr
    shards = shard_dir(main)
    shards.mkdir()
    start = 1_700_000_000_000_000_000
    with TraceReader(main) as reader:
        fetches = [fr.start_ns for fr in reader.frames_of(reader.function_by_name("fetch").id)]  # type: ignore[union-attr]
    children = []
    for n, (pid, (role, starts)) in enumerate(WORKERS.items()):
        shard = shards / f"{pid}.ctrace"
        proc = run_cli("trace", "--root", str(repo), "-o", str(shard), str(driver), str(repo), *starts)
        assert proc.returncode == 0, proc.stderr
        # Its clock: the first event 10 µs after its start, as a forked worker's would be.
        _shift_times(shard, 10_000 - _first_event_ts(shard))
        first = _first_call_ts(shard, "Squares.__init__")
        info = {
            "pid": pid,
            "ppid": MAIN_PID,
            "how": "fork",
            "rank": None,
            "local_rank": None,
            "world_size": None,
            "role": role,
            "started_ns": start + fetches[n] - first - 1000,  # its first call 1 µs before the parent's fetch
            "ended_ns": None,
            "exit_code": None,  # the child could not know it: the parent's list says
            "traced": True,
        }
        _set_meta(shard, process=info, pid=pid, start_time=info["started_ns"] / 1e9)  # as a child's recorder writes it
        children.append({**info, "exit_code": 0, "shard": f"run.ctrace.d/{pid}.ctrace"})
    main_info = {"pid": MAIN_PID, "ppid": 1, "how": "main", "role": "main", "started_ns": start, "exit_code": 0}
    _set_meta(main, process=main_info, pid=MAIN_PID, children=children, start_time=start / 1e9)
    return main


@pytest.fixture(scope="module")
def run_path(tmp_path_factory) -> Path:
    return assembled_run(tmp_path_factory.mktemp("procs"))


@pytest.fixture
def run_copy(run_path, tmp_path) -> Path:
    """A copy to damage."""
    shutil.copytree(run_path.parent, tmp_path / "copy")
    return tmp_path / "copy" / "run.ctrace"


SIZE = (140, 40)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


# --------------------------------------------------------------------------- open_run
def test_open_run_gives_main_then_workers_with_their_identity(run_path):
    with open_run(run_path) as run:
        assert [p.pid for p in run] == [MAIN_PID, 5001, 5002]
        assert run.main.is_main and run.main.label == "main" and run.multi
        w0 = run.by_pid(5001)
        assert w0 is not None and w0.info.role == "DataLoader worker 0" and w0.info.how == "fork"
        assert w0.info.ppid == MAIN_PID and w0.info.exit_code == 0  # filled from the parent's children list
        assert w0.info.shard == "run.ctrace.d/5001.ctrace"
        assert [p.pid for p in run.children_of(MAIN_PID)] == [5001, 5002]
        assert w0.reader.function_by_name("Squares.__getitem__").calls == 4  # type: ignore[union-attr]
        assert run.summary() == "3 processes: main, DataLoader worker 0, DataLoader worker 1 (shards in run.ctrace.d/)"
        assert run.problems == [] and run.unrecorded == []
        assert [p.pid for p in run.select("all")] == [MAIN_PID, 5001, 5002]
        assert run.select("main") == [run.main] and run.select("5002") == [run.by_pid(5002)]
        with pytest.raises(Exception, match=r"no process '77'.*5001 \(DataLoader worker 0\)"):
            run.select("77")


def test_a_trace_without_shards_is_a_run_of_one(run_path, tmp_path):
    alone = tmp_path / "alone.ctrace"
    shutil.copy(run_path, alone)
    with open_run(alone) as run:
        assert len(run) == 1 and not run.multi
        # its children list names processes whose shards are not there
        assert {i.pid for i in run.unrecorded} == {5001, 5002}
        assert run.summary() == "1 process: main; 2 more not recorded (DataLoader worker 0, DataLoader worker 1)"
    _set_meta(alone, children=[])
    with open_run(alone) as run:
        assert len(run) == 1 and run.summary() is None and run.unrecorded == []
    with TraceReader(alone) as reader:
        one = Run.of_one(reader)
        assert one.main.pid == MAIN_PID and one.main.started_ns == 1_700_000_000_000_000_000


def test_ranks_and_start_times_order_the_processes():
    def info(pid, rank, started):
        return ProcessInfo(pid, rank=rank, started_ns=started, role=f"rank {rank}" if rank is not None else "x")

    from codetour.store.processes import Process

    procs = [
        Process(info(9, 1, 5), Path("a"), None),
        Process(info(3, None, 1), Path("b"), None),
        Process(info(7, 0, 9), Path("c"), None),
    ]  # type: ignore[arg-type]
    from codetour.store import processes

    assert [p.pid for p in sorted(procs, key=processes._order)] == [7, 9, 3]
    assert ProcessInfo.from_dict({"pid": "x"}) is None
    half = ProcessInfo.from_dict({"pid": 12, "rank": "?", "role": 3})
    assert half is not None and half.rank is None and half.role == "process 12" and half.label == "process 12"
    assert ProcessInfo(4, role="DataLoader worker 0", rank=1).label == "DataLoader worker 0 (rank 1)"
    assert ProcessInfo(4, exit_code=-15).failed is False and ProcessInfo(4, exit_code=-9).failed is True


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p: p.write_bytes(b"garbage" * 100), "not a codetour trace"),
        (lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 3]), "5002.ctrace"),
        (lambda p: p.unlink() or p.mkdir(), "is a directory"),
    ],
)
def test_a_bad_shard_is_skipped_and_reported_in_one_line(run_copy, damage, message):
    damage(shard_dir(run_copy) / "5002.ctrace")
    with open_run(run_copy) as run:
        assert [p.pid for p in run] == [MAIN_PID, 5001]
        assert len(run.problems) == 1 and "\n" not in run.problems[0]
        assert run.problems[0].startswith("skipped run.ctrace.d/5002.ctrace: ") and message in run.problems[0]
        assert [i.pid for i in run.unrecorded] == [5002]
    proc = run_cli("export", str(run_copy), "-f", "json")
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "skipped run.ctrace.d/5002.ctrace" in warnings[0]
    json.loads(proc.stdout)


def test_a_shard_without_process_meta_is_named_by_its_file(run_copy):
    db = sqlite3.connect(shard_dir(run_copy) / "5002.ctrace")
    with db:
        db.execute("DELETE FROM meta WHERE key = 'process'")
    db.close()
    with open_run(run_copy) as run:
        p = run.by_pid(5002)
        assert p is not None and p.info.role == "DataLoader worker 1" and p.info.ppid == MAIN_PID  # from the parent's list


# --------------------------------------------------------------------------- moments
def test_same_moment_and_worker_calls_line_up_on_the_wall_clock(run_path):
    with open_run(run_path) as run:
        main, w0, w1 = run.processes
        fetch = main.reader.frames_of(main.reader.function_by_name("fetch").id)  # type: ignore[union-attr]
        calls = worker_calls(run, main)
        assert {c.qualname for c in calls} == {"Squares.__init__", "Squares.__getitem__", "augment", "collate"}
        assert [c.wall_ns for c in calls] == sorted(c.wall_ns for c in calls)
        # From the parent's start: the first call any worker made (worker 0's, 1 µs before the first fetch).
        near = worker_call_near(run, main, main.wall_ns(0))
        assert near is not None and near.process is w0 and near.qualname == "Squares.__init__"
        assert near.wall_ns == main.wall_ns(fetch[0].start_ns) - 1000
        # From the second fetch: the first worker call from then on.
        at_fetch = main.wall_ns(fetch[1].start_ns)
        near = worker_call_near(run, main, at_fetch)
        assert near is not None and near.wall_ns >= at_fetch
        assert near == min((c for c in calls if c.wall_ns >= at_fetch), key=lambda c: c.wall_ns)
        # After every worker call (a prefetching worker made the batch earlier): the last one.
        last = worker_call_near(run, main, max(c.wall_ns for c in calls) + 1)
        assert last == calls[-1]
        # The same moment in a worker: its last event at or before that wall-clock time.
        seq = seq_near_wall(w1, at_fetch)
        event = w1.reader.event(seq)  # type: ignore[arg-type]
        assert event is not None and w1.wall_ns(event.ts_ns) <= at_fetch
        nxt = w1.reader.next_event(event.seq)
        assert nxt is None or w1.wall_ns(nxt.ts_ns) > at_fetch
        # Before a process started: its first event.
        assert event_near_ts(w0.reader, -(10**12)).seq == w0.reader.first_seq  # type: ignore[union-attr]
        # And back: from a worker's call to the parent when it returned.
        getitem = w0.reader.frames_of(w0.reader.function_by_name("Squares.__getitem__").id)[0]  # type: ignore[union-attr]
        parent, back = caller_moment(run, w0, getitem)  # type: ignore[misc]
        assert parent is main
        returned = w0.wall_ns(getitem.end_ns)
        event = main.reader.event(back)
        assert event is not None and main.wall_ns(event.ts_ns) >= returned
        prev = main.reader.prev_event(back)
        assert prev is None or main.wall_ns(prev.ts_ns) < returned


# --------------------------------------------------------------------------- exports
def test_chrome_trace_has_one_lane_per_process(run_path, tmp_path):
    out = tmp_path / "t.json"
    proc = run_cli("export", str(run_path), "-f", "chrome", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "3 processes: main, DataLoader worker 0, DataLoader worker 1" in proc.stderr and "one lane per process" in proc.stderr
    data = json.loads(out.read_text())
    events = data["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    assert names == {MAIN_PID: "main", 5001: "DataLoader worker 0", 5002: "DataLoader worker 1"}
    order = {e["pid"]: e["args"]["sort_index"] for e in events if e["name"] == "process_sort_index"}
    assert order == {MAIN_PID: 0, 5001: 1, 5002: 2}
    complete = [e for e in events if e["ph"] == "X"]
    by_pid = {pid: [e for e in complete if e["pid"] == pid] for pid in names}
    assert {"Squares.__init__", "Squares.__getitem__", "collate"} <= {e["name"] for e in by_pid[5001]}
    assert "fetch" in {e["name"] for e in by_pid[MAIN_PID]}
    # One clock: each worker's first call sits 1 µs before the parent's matching fetch.
    fetches = sorted(e["ts"] for e in by_pid[MAIN_PID] if e["name"] == "fetch")
    for n, pid in enumerate((5001, 5002)):
        first = min(e["ts"] for e in by_pid[pid] if e["name"] == "Squares.__init__")
        assert first == pytest.approx(fetches[n] - 1.0, abs=0.01)
    assert [p["pid"] for p in data["otherData"]["processes"]] == [MAIN_PID, 5001, 5002]
    # One process only
    proc = run_cli("export", str(run_path), "-f", "chrome", "--process", "5002")
    assert proc.returncode == 0, proc.stderr
    lanes = {e["pid"] for e in json.loads(proc.stdout)["traceEvents"]}
    assert lanes == {5002} and "DataLoader worker 1 (pid 5002) only" in proc.stderr


def test_merged_call_graph_sums_processes_and_says_who_called(run_path, tmp_path):
    out = tmp_path / "g.graphml"
    proc = run_cli("export", str(run_path), "-f", "graphml", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    graph = nx.read_graphml(out)
    getitem = graph.nodes["data:Squares.__getitem__"]
    assert getitem["calls"] == 8 + 4 + 4 and getitem["process_count"] == 3
    assert getitem["processes"] == "main, DataLoader worker 0, DataLoader worker 1"
    assert getitem["pids"] == f"{MAIN_PID},5001,5002"
    fetch = graph.nodes["train:fetch"]
    assert fetch["processes"] == "main" and fetch["process_count"] == 1
    edge = graph.edges["data:collate", "data:collate"] if graph.has_edge("data:collate", "data:collate") else None
    assert edge is None
    assert graph.graph["process_count"] == 3
    # Per process: the worker's own graph, marked as such.
    proc = run_cli("export", str(run_path), "-f", "json", "--process", "5001")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert "train:fetch" not in nodes and nodes["data:Squares.__getitem__"]["calls"] == 4
    assert nodes["data:Squares.__getitem__"]["processes"] == "DataLoader worker 0"
    proc = run_cli("export", str(run_path), "-f", "json", "--process", "main")
    nodes = {n["id"]: n for n in json.loads(proc.stdout)["nodes"]}
    assert nodes["data:Squares.__getitem__"]["calls"] == 8
    # Drawings say it too: the DOT tooltip, the HTML map's node panel.
    proc = run_cli("export", str(run_path), "-f", "dot")
    assert 'ran in main, DataLoader worker 0, DataLoader worker 1"' in proc.stdout
    html = tmp_path / "map.html"
    assert run_cli("export", str(run_path), "-f", "html", "-o", str(html)).returncode == 0
    assert '"processes":"main, DataLoader worker 0, DataLoader worker 1"' in html.read_text()
    proc = run_cli("export", str(run_path), "-f", "json", "--process", "nope")
    assert proc.returncode == 2 and "no process 'nope'" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_run_of_one_exports_exactly_as_before(run_path, tmp_path):
    from codetour.export import ExportContext, formats
    from codetour.graph import build_graph, build_run_graph

    alone = tmp_path / "alone.ctrace"
    shutil.copy(run_path, alone)
    with open_run(alone) as run, TraceReader(alone) as reader:
        merged = build_run_graph(run)
        plain = build_graph(reader)
        assert nx.utils.graphs_equal(merged, plain)
        assert all("processes" not in d for _, d in merged.nodes(data=True))
        import io

        for name in ("chrome", "json"):
            a, b = io.StringIO(), io.StringIO()
            formats()[name].write(ExportContext(reader, plain, "t"), a)
            formats()[name].write(ExportContext(run.main.reader, merged, "t", run=run, processes=list(run)), b)  # type: ignore[arg-type]
            assert a.getvalue() == b.getvalue()


# --------------------------------------------------------------------------- real runs
PROCESSES = Path(__file__).resolve().parent / "data" / "processes"
POOL = (PROCESSES / "pool.py").read_text()  # a Pool of 3 workers maps cube over 12 items
LOADER = (PROCESSES / "loader.py").read_text()  # a DataLoader with 2 workers reads a generated dataset


def trace_real(base: Path, name: str, text: str, *args: str) -> Path:
    (base / name).write_text(text)
    out = base / "run.ctrace"
    proc = run_cli("trace", "-q", "--root", str(base), "-o", str(out), str(base / name), *args, cwd=base)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="module")
def pool_run(tmp_path_factory) -> Path:
    """A real fork Pool of 3 workers mapping cube over 12 items: 2 workers traced, 1 counted."""
    return trace_real(tmp_path_factory.mktemp("pool"), "pool.py", POOL, "fork")


@pytest.mark.skipif(sys.platform == "win32", reason="fork")
def test_a_real_fork_pool_run_opens_with_its_workers(pool_run, tmp_path):
    with open_run(pool_run) as run:
        assert run.problems == []
        main, *workers = run.processes
        assert main.is_main and all(p.info.how == "fork" and p.info.ppid == main.pid for p in workers)
        # 2 workers traced in full; the third is counted (a shard without events) or not listed
        assert {p.info.role for p in workers} <= {"ForkPoolWorker-1", "ForkPoolWorker-2", "ForkPoolWorker-3"}
        traced = [p for p in workers if p.info.traced]
        counted = [p for p in workers if not p.info.traced]
        assert len(traced) == 2 and len(counted) <= 1
        for p in counted:
            assert "counted, not traced" in p.describe() and p.reader.event_count == 0
        assert run.summary().startswith(f"{len(run)} processes: main, ForkPoolWorker-")  # type: ignore[union-attr]
        cube_calls = {p.pid: p.reader.function_by_name("cube").calls for p in traced if p.reader.function_by_name("cube")}  # type: ignore[union-attr]
        assert cube_calls and main.reader.function_by_name("cube") is None
        # From the parent's pool.map line, the work: a worker's first cube call from then on.
        source = main.reader.source_lines(main.reader.function_by_name("main").file_id)  # type: ignore[union-attr]
        map_line = next(i for i, t in enumerate(source, 1) if "pool.map(" in t)
        at_map = main.reader.line_events_at(main.reader.function_by_name("main").file_id, map_line)  # type: ignore[union-attr]
        assert at_map is not None
        call = worker_call_near(run, main, main.wall_ns(at_map.ts_ns))
        assert call is not None and call.qualname == "cube" and call.process in traced
    # The merged graph: cube ran in the traced workers only, its calls summed over them.
    out = tmp_path / "pool.graphml"
    proc = run_cli("export", str(pool_run), "-f", "graphml", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    graph = nx.read_graphml(out)
    cube = next(d for n, d in graph.nodes(data=True) if d["qualname"] == "cube")
    assert cube["calls"] == sum(cube_calls.values()) and cube["process_count"] == len(cube_calls)
    assert set(cube["pids"].split(",")) == {str(pid) for pid in cube_calls}
    main_node = next(d for n, d in graph.nodes(data=True) if d["qualname"] == "main")
    assert main_node["processes"] == "main"
    # The timeline: one lane per process, each named by its role.
    proc = run_cli("export", str(pool_run), "-f", "chrome")
    assert proc.returncode == 0, proc.stderr
    names = {e["pid"]: e["args"]["name"] for e in json.loads(proc.stdout)["traceEvents"] if e["name"] == "process_name"}
    assert sorted(names.values()) == sorted(p.info.role for p in run.processes)


@pytest.fixture(scope="module")
def loader_run(tmp_path_factory) -> Path:
    """A real DataLoader with 2 fork workers (torch)."""
    return trace_real(tmp_path_factory.mktemp("loader"), "loader.py", LOADER, "fork", "2")


@requires_torch
@pytest.mark.slow  # importing torch in the run takes seconds
async def test_following_a_dataloader_batch_into_its_worker(loader_run):
    from codetour.tui.app import ReplayApp

    app = ReplayApp(loader_run, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        run = app.trace_run
        assert [p.info.role for p in run.processes] == ["main", "DataLoader worker 0", "DataLoader worker 1"]
        main = run.main
        file_id = main.reader.function_by_name("main").file_id  # type: ignore[union-attr]
        source = main.reader.source_lines(file_id)
        loop = next(i for i, t in enumerate(source, 1) if "for batch in data" in t)
        assert app.cursor.run_to_line(file_id, loop)
        app.refresh_view()
        await pilot.press("w")
        await settle(pilot)
        assert app.process.info.role.startswith("DataLoader worker")
        assert app.current.function.qualname in ("Squares.__getitem__", "collate") and app.current.event.kind_name == "call"
        await pilot.press("w")
        await settle(pilot)
        assert app.process.is_main
    from codetour.tour.build import build_tour

    with TraceReader(loader_run) as reader:
        tour = build_tour(reader)
    stop = next(s for s in tour.stops if s.title.startswith("Data in a worker"))
    assert stop.at == "Squares.__getitem__" and "torch.tensor" in (stop.match or "")
    assert "`Squares.__getitem__` ×16" in stop.narration and "`collate` ×4" in stop.narration


# --------------------------------------------------------------------------- the replay app


async def choose(pilot, key: str, *moves: str) -> None:
    """Open the process list with ``key``, wait for it, then move in it (a list opened on a loaded
    machine may not have highlighted the current process yet when the next key arrives)."""
    await pilot.press(key)
    await pilot.pause()
    await pilot.press(*moves)
    await pilot.pause()


def status(app) -> str:
    return str(app.query_one("#status").render())


async def test_the_process_list_switches_process_and_keeps_each_position(run_path):
    from codetour.tui.app import ReplayApp
    from codetour.tui.screens import ProcessScreen

    app = ReplayApp(run_path, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.process.is_main and status(app).startswith("main (pid 5000)")
        assert "p processes  ? help" in status(app)  # the key is on the status line, not in the footer
        await pilot.press("s", "s", "s")
        main_seq = app.current.event.seq
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ProcessScreen)
        rows = app.screen.query_one("#process-list")
        assert rows.option_count == 3
        text = str(rows.get_option_at_index(1).prompt)
        assert "DataLoader worker 0" in text and "pid 5001" in text and "fork" in text and "exit 0" in text
        await pilot.press("down", "enter")
        await settle(pilot)
        assert app.process.pid == 5001 and app.reader is app.process.reader
        assert app.current.event.seq == app.reader.first_seq
        assert status(app).startswith("DataLoader worker 0 (pid 5001)")
        assert str(app.query_one("#calls").root.label) == "DataLoader worker 0"
        assert app.query_one("#source").covered  # covered lines of the worker's files
        await pilot.press("s", "s")
        worker_seq = app.current.event.seq
        await choose(pilot, "p", "up", "enter")
        await settle(pilot)
        assert app.process.is_main and app.current.event.seq == main_seq  # where it was left
        await choose(pilot, "p", "down", "enter")
        await settle(pilot)
        assert app.process.pid == 5001 and app.current.event.seq == worker_seq
        await pilot.press("L")  # live mode re-runs the program: not from inside a worker
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.told("Live mode re-runs the program itself")
        await pilot.press("question_mark")
        await pilot.pause()
        assert any(key == "m" and "same moment" in text for key, text in app.screen.keys)
        await pilot.press("escape")


async def test_same_moment_and_following_the_work_into_a_worker(run_path):
    from codetour.tui.app import ReplayApp

    app = ReplayApp(run_path, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main = app.process
        fetch = main.reader.frames_of(main.reader.function_by_name("fetch").id)
        app.cursor.goto(fetch[1].start_seq)
        app.refresh_view()
        wall = main.wall_ns(app.current.event.ts_ns)
        await choose(pilot, "m", "down", "down", "enter")  # the same moment in worker 1
        await settle(pilot)
        worker = app.process
        assert worker.pid == 5002
        assert worker.wall_ns(app.current.event.ts_ns) <= wall
        later = worker.reader.next_event(app.current.event.seq)
        assert later is None or worker.wall_ns(later.ts_ns) > wall
        # Back to the main's first step; w follows the work into the first worker call from then on.
        await choose(pilot, "p", "up", "up", "enter", "home")
        await settle(pilot)
        assert app.process.is_main and app.current.index == 1
        await pilot.press("w")
        await settle(pilot)
        assert app.process.pid == 5001
        assert app.current.function.qualname == "Squares.__init__" and app.current.event.kind_name == "call"
        assert app.told("DataLoader worker 0: Squares.__init__(n=8)")
        frame = app.current.frame
        await pilot.press("w")  # and back: the parent when that call returned
        await settle(pilot)
        assert app.process.is_main
        returned = app.trace_run.by_pid(5001).wall_ns(frame.end_ns)
        assert main.wall_ns(app.current.event.ts_ns) >= returned
        before = main.reader.prev_event(app.current.event.seq)
        assert before is None or main.wall_ns(before.ts_ns) < returned


async def test_a_tour_stop_that_ran_in_a_worker_is_followed_there(run_path):
    from codetour.tour.model import Stop, Tour
    from codetour.tui.app import ReplayApp

    tour = Tour(
        "across processes",
        [
            Stop("The fetch", at="fetch"),
            Stop("Augmenting in a worker", at="augment", match="noisy = value + 1"),
            Stop("The step", at="train_step"),
        ],
    )
    app = ReplayApp(run_path, tour)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.process.is_main and app.current.function.qualname == "fetch"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.process.pid == 5001 and app.current.function.qualname == "augment"
        assert "Stop 2 of 3" in str(app.query_one("#stop-header").render())
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.process.is_main and app.current.function.qualname == "train_step"
        assert "Stop 3 of 3" in str(app.query_one("#stop-header").render())
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.process.pid == 5001 and app.current.function.qualname == "augment"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.process.is_main and app.current.function.qualname == "fetch"


async def test_a_tour_stop_naming_its_process_is_followed_there(run_path):
    from codetour.tour.model import Stop, Tour
    from codetour.tui.app import ReplayApp

    # collate ran in the parent and in both workers: the stop that names worker 1 is found there only
    tour = Tour(
        "named processes",
        [
            Stop("The fetch", at="fetch"),
            Stop("Collating in worker 1", at="collate", process="DataLoader worker 1"),
            Stop("Collating in the parent", at="collate"),
        ],
    )
    app = ReplayApp(run_path, tour)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.process.is_main and app.current.function.qualname == "fetch"
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.process.pid == 5002 and app.current.function.qualname == "collate"
        assert "Stop 2 of 3" in str(app.query_one("#stop-header").render())
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.process.is_main and app.current.function.qualname == "collate"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert app.process.pid == 5002 and app.current.function.qualname == "collate"


def test_a_stop_naming_its_process_is_rendered_from_there(run_path):
    from codetour.tour.model import Stop, Tour, format_tour, parse_tour
    from codetour.tour.render import resolve_in_other_processes
    from codetour.tour.resolve import OK, resolve_tour

    text = format_tour(
        Tour(
            "named processes",
            [
                Stop("Collating in worker 1", at="collate", match="total = sum(items)", process="DataLoader worker 1"),
                Stop("Collating here", at="collate", match="total = sum(items)"),
                Stop("Collating in a process this run does not have", at="collate", process="rank 3"),
            ],
        )
    )
    assert "process: DataLoader worker 1" in text
    tour = parse_tour(text, "named.md")
    assert [s.process for s in tour.stops] == ["DataLoader worker 1", None, "rank 3"]
    with TraceReader(run_path) as reader:
        resolved = resolve_in_other_processes(resolve_tour(tour, reader), reader)
    assert [r.status for r in resolved] == [OK, OK, OK]
    # worker 1 collates items 2 and 3 first, augmented (5, 10); the parent items 0 and 1 (0, 1)
    assert resolved[0].seq is None and "5, 10" in resolved[0].observed["items"]
    assert resolved[1].seq is not None and "0, 1" in resolved[1].observed["items"]
    assert resolved[2].seq is not None  # an unknown process: resolved here, as without the key


async def test_a_run_of_one_shows_no_process_keys(run_path, tmp_path):
    from codetour.tui.app import ReplayApp

    alone = tmp_path / "alone.ctrace"
    shutil.copy(run_path, alone)
    app = ReplayApp(alone, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "processes" not in status(app) and not status(app).startswith("main")
        await pilot.press("p")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]  # inactive


async def test_80x24_keeps_help_and_quit_on_screen_and_says_p(run_path):
    from codetour.tui.app import ReplayApp

    app = ReplayApp(run_path, None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = {k.description: k.region for k in app.query("FooterKey")}
        assert keys["help"].right <= 80 and keys["quit"].right <= 80
        text = status(app)
        assert text.startswith("main (pid 5000)") and text.endswith("p processes  ? help") and len(text) <= 78
        await choose(pilot, "p", "down", "enter")
        assert app.process.pid == 5001


async def test_a_skipped_shard_is_reported_in_the_app(run_copy):
    from codetour.tui.app import ReplayApp

    (shard_dir(run_copy) / "5002.ctrace").write_bytes(b"garbage" * 100)
    app = ReplayApp(run_copy, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert [p.pid for p in app.trace_run] == [MAIN_PID, 5001]
        assert app.told("skipped run.ctrace.d/5002.ctrace")


# --------------------------------------------------------------------------- tours
def test_the_generated_tour_has_a_stop_in_a_worker(run_path, tmp_path):
    from codetour.tour.build import build_tour
    from codetour.tour.resolve import resolve_in_trace

    with TraceReader(run_path) as reader:
        tour = build_tour(reader)
    worker = [s for s in tour.stops if s.title.startswith("Data in a worker")]
    assert len(worker) == 1
    stop = worker[0]
    assert stop.at == "Squares.__init__" and stop.file == "data.py" and stop.phase == "data"
    assert stop.process == "DataLoader worker 0"  # Squares.__init__ ran in the parent too: the stop says where
    assert "DataLoader worker 0 (pid 5001, started by fork)" in stop.narration
    # the workers' calls, summed: 4 __getitem__ and 4 augment and 2 collate in each
    assert "`Squares.__getitem__` ×8" in stop.narration and "`augment` ×8" in stop.narration
    with open_run(run_path) as run:
        resolved = resolve_in_trace(stop, run.by_pid(5001).reader)  # type: ignore[union-attr]
        assert resolved.seq is not None and resolved.line == stop.line
    alone = tmp_path / "alone.ctrace"  # without its shards: no worker stop
    shutil.copy(run_path, alone)
    with TraceReader(alone) as reader:
        assert not any(s.title.startswith("Data in a worker") for s in build_tour(reader).stops)


RANKS = '''"""One rank of a data-parallel job: its share of the items, and rank 0 saves."""
import sys


class Items:
    def __getitem__(self, index):
        return index * 10


def save(total):
    with open("checkpoint.txt", "w") as fh:
        fh.write(str(total))


def main(rank, world):
    data = Items()
    total = 0
    for i in range(rank, 8, world):
        total += data[i]
    if rank == 0:
        print("total on rank 0", total)
        save(total)
    return total


main(int(sys.argv[1]), 2)
'''


@pytest.fixture(scope="module")
def ranks_run(tmp_path_factory) -> Path:
    """A launcher (no repo code of its own, like torchrun) and two rank shards, recorded for real."""
    base = tmp_path_factory.mktemp("ranks")
    repo = base / "repo"
    repo.mkdir()
    (repo / "train.py").write_text(RANKS)
    launcher = base / "launch.py"
    launcher.write_text("import sys\n")
    main = base / "run.ctrace"
    proc = run_cli("trace", "--root", str(repo), "-o", str(main), str(launcher), cwd=base)
    assert proc.returncode == 0, proc.stderr
    shard_dir(main).mkdir()
    start = 1_700_000_000_000_000_000
    for rank in (0, 1):
        pid = 7000 + rank
        shard = shard_dir(main) / f"{pid}.ctrace"
        proc = run_cli("trace", "--root", str(repo), "-o", str(shard), str(repo / "train.py"), str(rank), cwd=base)
        assert proc.returncode == 0, proc.stderr
        info = {"pid": pid, "ppid": 6999, "how": "torchrun", "rank": rank, "local_rank": rank, "world_size": 2}
        info.update({"role": f"rank {rank}", "started_ns": start + rank * 1000, "exit_code": 0, "traced": True})
        _set_meta(shard, process=info, pid=pid, start_time=info["started_ns"] / 1e9)
    _set_meta(main, process={"pid": 6999, "how": "main", "role": "main", "started_ns": start}, pid=6999)
    return main


def test_a_distributed_tour_says_what_differs_per_rank(ranks_run):
    from codetour.tour.build import build_tour

    with TraceReader(ranks_run) as reader:
        assert reader.event_count == 0  # the launcher ran no repo code
        tour = build_tour(reader)
    stop = next(s for s in tour.stops if s.title.startswith("What differs per rank"))
    # anchored at the first line only rank 0 ran
    assert stop.at == "main" and stop.match == 'print("total on rank 0", total)' and stop.process == "rank 0"
    assert "This run had 2 ranks" in stop.narration
    assert "Lines that ran in rank 0 but not in rank 1" in stop.narration
    assert "`train.py:" in stop.narration and "save(total)" in stop.narration and "fh.write(str(total))" in stop.narration
    # the data each rank was given: never the same item
    assert "`Items.__getitem__` was called with `index=0`, `index=2`, `index=4`, `index=6` in rank 0" in stop.narration
    assert "with `index=1`, `index=3`, `index=5`, `index=7` in rank 1" in stop.narration


async def test_the_replay_opens_rank_0_when_the_launcher_ran_no_repo_code(ranks_run):
    from codetour.tour.build import build_tour
    from codetour.tui.app import ReplayApp

    with TraceReader(ranks_run) as reader:
        tour = build_tour(reader)
    app = ReplayApp(ranks_run, tour)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.process.label == "rank 0"
        assert app.told("main process recorded no events")
        index = next(i for i, s in enumerate(tour.stops) if s.title.startswith("What differs per rank"))
        for _ in range(index + 1):
            await pilot.press("right_square_bracket")
        await settle(pilot)
        assert app.cursor.current_stop() == index and app.process.label == "rank 0"
        assert (
            app.current.function.qualname == "main"
            and "rank 0" in app.reader.source_lines(app.current.file_id)[app.current.event.line - 1]
        )
        await choose(pilot, "m", "down", "enter")  # rank 1 at the same moment (main, with no events, is greyed)
        await settle(pilot)
        assert app.process.label == "rank 1"


def test_tour_print_finds_stops_in_the_process_where_they_ran(ranks_run):
    proc = run_cli("tour", "print", str(ranks_run), "--markdown")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    section = text[text.index("What differs per rank") :]
    assert "not found" not in section.split("\n## ")[0] and "did not run" not in section.split("\n## ")[0]
    assert "*main* at `train.py:" in section and '▶         print("total on rank 0", total)' in section
    assert "3 processes: main, rank 0, rank 1 (shards in run.ctrace.d/)" in proc.stderr
    # The launcher ran no repo code: the tour is rank 0's run (its stops resolve there), plus that stop.
    assert "(0 events, 0 calls)" not in text and "train.py 0" in text.split("\n\n")[1]
    out = ranks_run.parent / "ranks.md"
    proc = run_cli("tour", "build", str(ranks_run), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    from codetour.tour.model import load_tour

    stops = load_tour(out).stops
    assert stops[-1].title == "What differs per rank: main"


def test_a_launchers_run_exports_rank_0s_tour_for_vscode(ranks_run, tmp_path):
    out = tmp_path / "ranks.tour"
    proc = run_cli("export", str(ranks_run), "-f", "codetour", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "the tour follows rank 0, with stops in the others" in proc.stderr
    steps = json.loads(out.read_text())["steps"]
    assert steps and steps[-1]["title"] == "What differs per rank: main" and steps[-1]["file"] == "train.py"


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory) -> Path:
    """sample_repos/ddp_tiny under the real torchrun: 2 ranks on CPU (gloo)."""
    from conftest import SAMPLES

    base = tmp_path_factory.mktemp("ddp")
    out = base / "run.ctrace"
    script = SAMPLES / "ddp_tiny" / "train.py"
    args = ["--standalone", "--nproc-per-node", "2", str(script), "--steps", "4", "--out", str(base / "ck")]
    proc = run_cli("trace", "-q", "-o", str(out), "torchrun", *args, cwd=base, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


@requires_torch
@pytest.mark.slow  # two ranks importing torch and joining a gloo group
async def test_a_real_torchrun_run_toured_exported_and_replayed_per_rank(ddp_run, tmp_path):
    from codetour.tour.build import build_tour
    from codetour.tui.app import ReplayApp

    with open_run(ddp_run) as run:
        assert [p.label for p in run] == ["main", "rank 0", "rank 1"]
        assert [p.info.world_size for p in run.processes[1:]] == [2, 2]
    # The tour is rank 0's run, and says what differs per rank.
    proc = run_cli("tour", "print", str(ddp_run), "--markdown")
    assert proc.returncode == 0, proc.stderr
    assert "Saving a checkpoint" in proc.stdout and "3 processes: main, rank 0, rank 1" in proc.stderr
    ranks = proc.stdout[proc.stdout.index("What differs per rank") :]
    assert "Lines that ran in rank 0 but not in rank 1" in ranks and "torch.save(" in ranks and "print(message" in ranks
    assert "Each rank got different items: `LineDataset.__getitem__` was called with `index=" in ranks
    # The merged graph: each rank read its own half of the 64 samples.
    out = tmp_path / "ddp.graphml"
    assert run_cli("export", str(ddp_run), "-f", "graphml", "-o", str(out)).returncode == 0
    getitem = next(d for _, d in nx.read_graphml(out).nodes(data=True) if d["qualname"] == "LineDataset.__getitem__")
    assert getitem["calls"] == 64 and getitem["processes"] == "rank 0, rank 1"
    # The replay opens rank 0 (the launcher ran no repo code), and m shows rank 1 at that moment.
    from codetour.store.processes import primary_trace

    with TraceReader(primary_trace(ddp_run)) as reader:
        tour = build_tour(reader)
    app = ReplayApp(ddp_run, tour)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.process.label == "rank 0" and app.cursor.current_stop() == 0
        wall = app.process.wall_ns(app.current.event.ts_ns)
        await choose(pilot, "m", "down", "enter")
        await settle(pilot)
        assert app.process.label == "rank 1"
        assert app.process.wall_ns(app.current.event.ts_ns) <= wall or app.current.event.seq == app.reader.first_seq
