"""#18: runs that use more than one process. Real processes, the real CLI, real scripts from
tests/data/processes/: each child writes its own shard (``run.ctrace.d/<pid>.ctrace``) with its
``process`` meta, and the main trace lists the children."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BACKENDS, requires_torch, run_cli

from codetour.store.reader import TraceReader

DATA = Path(__file__).resolve().parent / "data" / "processes"

per_backend = pytest.mark.parametrize("backend", BACKENDS, indirect=True)


def trace(tmp_path: Path, script: str, *args: str, extra: tuple[str, ...] = ()):
    out = tmp_path / "run.ctrace"
    proc = run_cli("trace", "-q", "--root", str(DATA), "-o", str(out), *extra, str(DATA / script), *args, cwd=tmp_path)
    return proc, out


def shards(out: Path) -> dict[int, dict]:
    """pid -> (meta, {qualname: calls}) of every shard beside ``out``."""
    found = {}
    for path in sorted(out.with_name(out.name + ".d").glob("*.ctrace")):
        with TraceReader(path) as reader:
            calls = {f.qualname: f.calls for f in reader.functions.values()}
            found[int(path.stem)] = {"meta": reader.meta, "calls": calls, "events": reader.event_count}
    return found


def main_meta(out: Path) -> dict:
    with TraceReader(out) as reader:
        return reader.meta


@per_backend
def test_an_os_fork_child_records_its_own_shard(tmp_path, backend):
    proc, out = trace(tmp_path, "forks.py")
    assert proc.returncode == 0, proc.stderr
    assert "child 14" in proc.stdout and "parent saw 7" in proc.stdout
    meta = main_meta(out)
    main = meta["process"]
    assert main["how"] == "main" and main["role"] == "main" and main["exit_code"] == 0
    with TraceReader(out) as reader:
        assert reader.function_by_name("child_work") is None  # the child's work is in its shard only
        assert reader.function_by_name("square").calls == 1
    found = shards(out)
    assert len(found) == 1
    pid, shard = next(iter(found.items()))
    info = shard["meta"]["process"]
    assert info["pid"] == pid and info["ppid"] == main["pid"] and info["how"] == "fork"
    assert info["exit_code"] == 7 and info["ended_ns"] >= info["started_ns"] >= main["started_ns"]
    assert shard["meta"]["status"] == "os._exit"
    # its event times count from its recorder's start, a moment after the fork: that is its start_time
    assert info["started_ns"] / 1e9 <= shard["meta"]["start_time"] <= info["ended_ns"] / 1e9
    assert shard["calls"]["child_work"] == 1 and shard["calls"]["square"] == 4
    assert shard["calls"].get("main") is None  # the frames the child inherited are not re-recorded
    children = meta["children"]
    assert [c["pid"] for c in children] == [pid]
    assert children[0]["shard"] == f"run.ctrace.d/{pid}.ctrace" and children[0]["exit_code"] == 7


def test_no_follow_children_leaves_children_untraced(tmp_path):
    proc, out = trace(tmp_path, "forks.py", extra=("--no-follow-children",))
    assert proc.returncode == 0, proc.stderr
    assert not out.with_name(out.name + ".d").exists()
    assert "children" not in main_meta(out)


def test_tour_records_children_unless_told_not_to(tmp_path):
    """``codetour tour`` takes the recording option too: children get shards by default, none with
    ``--no-follow-children``."""
    for flag, followed in (((), True), (("--no-follow-children",), False)):
        out = tmp_path / f"tour{len(flag)}.ctrace"
        proc = run_cli("tour", "--print", *flag, "-o", str(out), "--root", str(DATA), str(DATA / "forks.py"), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert out.with_name(out.name + ".d").is_dir() is followed
        assert ("children" in main_meta(out)) is followed


def test_a_new_run_at_the_same_path_replaces_the_old_shards(tmp_path):
    proc, out = trace(tmp_path, "forks.py")
    assert proc.returncode == 0, proc.stderr
    (old,) = shards(out)
    proc, out = trace(tmp_path, "forks.py")
    assert proc.returncode == 0, proc.stderr
    (new,) = shards(out)
    assert new != old
    assert json.dumps(main_meta(out)["children"]).count('"pid"') == 1


def by_role(found: dict[int, dict]) -> dict[str, dict]:
    return {shard["meta"]["process"]["role"]: shard for shard in found.values()}


@per_backend
def test_a_python_subprocess_records_its_shard_and_exit_code(tmp_path, backend):
    proc, out = trace(tmp_path, "runs_python.py")
    assert proc.returncode == 0, proc.stderr
    assert "child exited with 3" in proc.stdout and "crashing child exited with 1" in proc.stdout
    meta = main_meta(out)
    found = shards(out)
    assert len(found) == 2
    first, crashed = sorted(found.values(), key=lambda s: s["meta"]["process"]["started_ns"])
    for shard in (first, crashed):
        info = shard["meta"]["process"]
        assert info["how"] == "subprocess" and info["role"] == "subprocess child_task.py"
        assert info["ppid"] == meta["process"]["pid"] and info["traced"] is True
        assert shard["meta"]["backend"] == meta["backend"]
    assert first["calls"]["count_up"] == 1 and first["meta"]["process"]["exit_code"] == 3
    assert "count_up" not in crashed["calls"] and crashed["calls"]["main"] == 1
    assert crashed["meta"]["process"]["exit_code"] == 1  # the uncaught exception
    assert [c["exit_code"] for c in meta["children"]] == [3, 1]
    assert not (out.with_name(out.name + ".d") / ".site").exists()  # the bootstrap is gone after the run


@per_backend
def test_pool_workers_record_their_share_of_the_work(tmp_path, backend):
    proc, out = trace(tmp_path, "pool.py", "fork", extra=("--workers-in-full", "3"))
    assert proc.returncode == 0, proc.stderr
    assert "sum 4356" in proc.stdout
    meta = main_meta(out)
    found = shards(out)
    assert sorted(s["meta"]["process"]["role"] for s in found.values()) == [f"ForkPoolWorker-{i}" for i in (1, 2, 3)]
    assert all(s["meta"]["process"]["ppid"] == meta["process"]["pid"] for s in found.values())
    assert sum(s["calls"].get("cube", 0) for s in found.values()) == 12  # every item, in some worker
    with TraceReader(out) as reader:
        assert reader.function_by_name("cube") is None
    assert sorted(c["pid"] for c in meta["children"]) == sorted(found)


def test_identical_workers_past_the_sample_are_listed_not_traced(tmp_path):
    proc, out = trace(tmp_path, "pool.py", "fork")  # 3 workers, 2 in full by default
    assert proc.returncode == 0, proc.stderr
    found = shards(out)
    traced = [s for s in found.values() if s["meta"]["process"]["traced"]]
    counted = [s for s in found.values() if not s["meta"]["process"]["traced"]]
    assert len(traced) == 2 and len(counted) == 1
    assert counted[0]["events"] == 0 and counted[0]["meta"]["status"] == "not traced"
    assert len(main_meta(out)["children"]) == 3


@requires_torch
@pytest.mark.slow  # importing torch alone takes seconds
def test_dataloader_fork_workers_record_getitem(tmp_path):
    proc, out = trace(tmp_path, "loader.py", "fork", "2")
    assert proc.returncode == 0, proc.stderr
    assert "total 1360.0" in proc.stdout
    found = by_role(shards(out))
    assert set(found) == {"DataLoader worker 0", "DataLoader worker 1"}
    for shard in found.values():
        assert shard["meta"]["process"]["how"] == "fork" and shard["meta"]["process"]["exit_code"] == 0
        # 16 items in batches of 4, dealt round-robin to 2 workers: 2 batches, 8 items each
        assert shard["calls"]["Squares.__getitem__"] == 8 and shard["calls"]["collate"] == 2
    with TraceReader(out) as reader:
        assert reader.function_by_name("Squares.__getitem__") is None  # the parent fetched nothing itself


@requires_torch
@pytest.mark.slow
def test_dataloader_spawn_workers_record_getitem(tmp_path):
    proc, out = trace(tmp_path, "loader.py", "spawn", "2")
    assert proc.returncode == 0, proc.stderr
    assert "total 1360.0" in proc.stdout
    found = by_role(shards(out))
    assert set(found) == {"DataLoader worker 0", "DataLoader worker 1"}
    for shard in found.values():
        assert shard["meta"]["process"]["how"] == "spawn" and shard["meta"]["process"]["exit_code"] == 0
        assert shard["calls"]["Squares.__getitem__"] == 8 and shard["calls"]["collate"] == 2


DDP = Path(__file__).resolve().parent.parent / "sample_repos" / "ddp_tiny" / "train.py"


def check_ranks(out: Path, proc) -> None:
    assert proc.returncode == 0, proc.stderr
    assert "step 4 loss" in proc.stdout and proc.stdout.count("step 1 loss") == 1  # rank 0 alone logs
    meta = main_meta(out)
    found = by_role(shards(out))
    assert set(found) == {"rank 0", "rank 1"}
    for rank in (0, 1):
        shard = found[f"rank {rank}"]
        info = shard["meta"]["process"]
        assert info["how"] == "torchrun" and info["rank"] == rank and info["local_rank"] == rank
        assert info["world_size"] == 2 and info["exit_code"] == 0 and info["ppid"] == meta["process"]["pid"]
        calls = shard["calls"]
        assert calls["train"] == 1 and calls["TinyNet.forward"] == 4
        # a DistributedSampler halves the 64 samples: 4 steps of 8 come from each rank's own 32
        assert calls["LineDataset.__getitem__"] == 32
        # log() is called at every step on every rank (it prints on rank 0 only); the checkpoint
        # and its log line are rank 0's alone
        assert calls["log"] == (5 if rank == 0 else 4)
    assert sorted(c["rank"] for c in meta["children"]) == [0, 1]
    assert (out.parent / "ck" / "tiny.pt").exists()


@requires_torch
@pytest.mark.slow
def test_torchrun_ranks_record_their_shards(tmp_path):
    out = tmp_path / "run.ctrace"
    args = ["--standalone", "--nproc-per-node", "2", str(DDP), "--steps", "4", "--out", str(tmp_path / "ck")]
    proc = run_cli("trace", "-o", str(out), "torchrun", *args, cwd=tmp_path, timeout=300)
    check_ranks(out, proc)
    assert "2 child processes recorded in run.ctrace.d/ (rank 0, rank 1)" in proc.stderr
    assert "no code under" not in proc.stderr and "was not recorded" not in proc.stderr
    assert main_meta(out)["root"] == str(DDP.parent)  # the launched script's repo (its requirements.txt)


@requires_torch
@pytest.mark.slow
def test_torch_distributed_run_as_a_module(tmp_path):
    out = tmp_path / "run.ctrace"
    args = ["--standalone", "--nproc-per-node", "2", str(DDP), "--steps", "4", "--out", str(tmp_path / "ck")]
    proc = run_cli("trace", "-q", "-o", str(out), "-m", "torch.distributed.run", *args, cwd=tmp_path, timeout=300)
    check_ranks(out, proc)


def test_a_child_with_its_own_sitecustomize_or_a_bad_config_runs_as_without_codetour(tmp_path):
    proc, out = trace(tmp_path, "own_sitecustomize.py")
    assert proc.returncode == 0, proc.stderr
    assert "own sitecustomize: ran" in proc.stdout  # codetour's bootstrap chained to it
    assert "bootstrap left on sys.path: False" in proc.stdout
    assert "bad config child: 3 child total 6" in proc.stdout  # ran normally, untraced
    roles = sorted(s["meta"]["process"]["role"] for s in shards(out).values())
    assert roles == ["subprocess -c"]  # the first child was recorded; the one with a bad config was not


def test_a_killed_run_leaves_readable_shards_and_its_children_list(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run.ctrace"
    target = DATA / "forks_and_lingers.py"
    proc = subprocess.Popen(
        [sys.executable, "-m", "codetour", "trace", "-q", "--root", str(DATA), "-o", str(out), str(target)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the test kills parent and child at once
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "child running\n"
        deadline = time.time() + 30
        while time.time() < deadline and not main_meta(out).get("children"):
            time.sleep(0.2)  # the parent's flusher lists the child while the run goes on
        time.sleep(1.5)  # a few of the child's own flushes
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    meta = main_meta(out)
    assert meta["status"] == "running"
    ((pid, shard),) = shards(out).items()
    (child,) = meta["children"]  # written by the parent before it was killed (the shard has the rest)
    assert child["pid"] == pid and child["shard"] == f"run.ctrace.d/{pid}.ctrace" and child["exit_code"] is None
    assert shard["meta"]["status"] == "running" and shard["meta"]["process"]["how"] == "fork"
    assert shard["meta"]["process"]["ppid"] == meta["process"]["pid"] and shard["meta"]["process"]["ended_ns"] is None
    assert shard["calls"]["step"] > 1000 and shard["calls"]["child_loop"] == 1
    with TraceReader(out.with_name("run.ctrace.d") / f"{pid}.ctrace") as reader:
        assert "did not finish" in (reader.incomplete or "")


def test_a_forked_child_that_runs_off_the_end_ends_there(tmp_path):
    out = tmp_path / "run.ctrace"
    proc = run_cli("trace", "--root", str(DATA), "-o", str(out), str(DATA / "forks_and_returns.py"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(proc.stdout.split("\n")) == ["", "child done", "parent done"]
    assert proc.stderr.count("trace written to") == 1  # the child printed no summary of its own
    assert "1 child process recorded in run.ctrace.d/ (fork child)" in proc.stderr
    ((_pid, shard),) = shards(out).items()
    assert shard["meta"]["status"] == "ok" and shard["meta"]["process"]["exit_code"] == 0
    assert shard["calls"] == {"work": 1}
