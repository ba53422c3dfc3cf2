"""Item 3: an abrupt end (SIGKILL, os._exit) leaves a readable trace up to its last flush, and
every reader says the trace is incomplete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from _helpers import script, start_trace, trace
from conftest import run_cli

from codetour.store.reader import TraceReader

FOREVER = """
import time

def step(i):
    return i * 2

i = 0
while True:
    step(i)
    i += 1
    if i % 1000 == 0:
        time.sleep(0.01)
"""

FORKS_THEN_RUNS = """
import os
import time


def step(i):
    return [i, i + 1]  # allocates, as real programs do


pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
print("forked", flush=True)
i = 0
while True:
    step(i)
    i += 1
    if i % 1000 == 0:
        time.sleep(0.01)
"""

OS_EXIT = """
import os

def work(n):
    return sum(range(n))

print("before", work(10), flush=True)
os._exit(3)
"""


def test_sigkill_leaves_what_was_flushed(tmp_path):
    target = script(tmp_path / "repo", "forever.py", FOREVER)
    out = tmp_path / "repo" / "killed.ctrace"
    proc = start_trace(target, out)
    time.sleep(2.5)  # several flushes' worth of running
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with TraceReader(out) as reader:
        assert reader.meta["status"] == "running"
        assert reader.event_count > 0
        step = reader.function_by_name("step")
        assert step is not None and step.calls > 1000  # counts flushed too, not only detail
        assert "did not finish" in (reader.incomplete or "")
    printed = run_cli("tour", "print", str(out))
    assert printed.returncode == 0, printed.stderr
    assert "did not finish" in printed.stderr
    exported = run_cli("export", str(out), "-f", "json")
    assert exported.returncode == 0 and "did not finish" in exported.stderr


def test_writing_goes_on_after_the_target_forks(tmp_path):
    """The flusher pauses across a fork (so the target is not warned about threads) and resumes."""
    target = script(tmp_path / "repo", "forks_then_runs.py", FORKS_THEN_RUNS)
    out = tmp_path / "repo" / "forked.ctrace"
    proc = start_trace(target, out, wait=False, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "forked\n"
    time.sleep(2.5)
    os.kill(proc.pid, signal.SIGKILL)
    _out, err = proc.communicate(timeout=30)
    assert "multi-threaded" not in err
    with TraceReader(out) as reader:
        assert reader.function_by_name("step").calls > 1000  # written after the fork, by the resumed flusher


def test_os_exit_finishes_the_trace_first(tmp_path):
    target = script(tmp_path / "repo", "quits.py", OS_EXIT)
    plain = subprocess.run([sys.executable, str(target)], capture_output=True, text=True)
    proc, out = trace(target, extra=("-q",))
    assert proc.returncode == plain.returncode == 3
    assert proc.stdout == plain.stdout == "before 45\n"
    with TraceReader(out) as reader:
        assert reader.meta["status"] == "os._exit" and reader.meta["exit_code"] == 3
        assert reader.function_by_name("work").calls == 1
        assert reader.incomplete is None


async def test_the_replay_says_the_trace_is_incomplete(tmp_path, stable_ppo_trace):
    import json
    import shutil
    import sqlite3

    from codetour.tui.app import ReplayApp

    copy = tmp_path / "killed.ctrace"
    shutil.copy(stable_ppo_trace, copy)
    db = sqlite3.connect(copy)
    with db:
        db.execute("UPDATE meta SET value = ? WHERE key = 'status'", (json.dumps("running"),))
    db.close()
    app = ReplayApp(copy, None)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        messages = [n.message for n in app.notices]  # every message shown, not only toasts still up
        assert any("did not finish" in m for m in messages), messages


def test_many_flushes_keep_one_row_per_edge(tmp_path):
    """Every flush rewrites the edges; the entry edges (no caller) must not pile up."""
    target = script(
        tmp_path / "repo",
        "slow_entry.py",
        """
        import time

        def tick(i):
            return i

        for i in range(30):
            tick(i)
            time.sleep(0.05)
        """,
    )
    proc, out = trace(target, extra=("-q",))
    assert proc.returncode == 0, proc.stderr
    with TraceReader(out) as reader:
        keys = [(e.caller_id, e.callee_id) for e in reader.edges()]
        assert len(keys) == len(set(keys))
        assert any(caller is None for caller, _ in keys)
