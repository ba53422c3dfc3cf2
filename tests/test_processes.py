"""#18: runs that use more than one process. Real processes, the real CLI, real scripts from
tests/data/processes/: each child writes its own shard (``run.ctrace.d/<pid>.ctrace``) with its
``process`` meta, and the main trace lists the children."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BACKENDS, run_cli

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


def test_a_new_run_at_the_same_path_replaces_the_old_shards(tmp_path):
    proc, out = trace(tmp_path, "forks.py")
    assert proc.returncode == 0, proc.stderr
    (old,) = shards(out)
    proc, out = trace(tmp_path, "forks.py")
    assert proc.returncode == 0, proc.stderr
    (new,) = shards(out)
    assert new != old
    assert json.dumps(main_meta(out)["children"]).count('"pid"') == 1
