"""Cases that already worked before the hardening, kept here with the new ones so the whole
contract is in one place: each asserts the exit code, what codetour printed and what the trace
holds afterwards."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from _helpers import script, trace
from conftest import SCRIPTS, ctrl_c_reaches_child, requires_torch, run_cli

from codetour.store.reader import TraceReader


def run_python(path, *args, cwd=None):
    return subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def traced_like_python(tmp_path, path, *args):
    """Trace ``path`` and check codetour behaved exactly like python: same stdout, same exit code."""
    plain = run_python(path, *args, cwd=tmp_path)
    out = tmp_path / "t.ctrace"
    proc = run_cli("trace", "-q", "--root", str(path.parent), "-o", str(out), str(path), *args, cwd=tmp_path)
    assert proc.returncode == plain.returncode, proc.stderr
    assert proc.stdout == plain.stdout
    assert proc.stderr.splitlines()[0] == str(out)  # -q: the path first
    return proc, out


@pytest.mark.parametrize("code", ["0", "3", "255"])
def test_exit_codes(tmp_path, code):
    _proc, out = traced_like_python(tmp_path, SCRIPTS / "exits.py", code)
    with TraceReader(out) as reader:
        assert reader.meta["status"] == "exit" and reader.meta["exit_code"] == int(code)
        assert reader.function_by_name("finish").calls == 1


def test_threads_are_traced_and_tagged(tmp_path):
    _proc, out = traced_like_python(tmp_path, SCRIPTS / "threads.py")
    with TraceReader(out) as reader:
        assert reader.function_by_name("work").calls == 3
        assert {"worker-0", "worker-1", "worker-2"} <= set(reader.threads().values())


def test_fork_and_fork_pool_children_never_write_into_the_parent_trace(tmp_path):
    _proc, out = traced_like_python(tmp_path, SCRIPTS / "forks.py")
    with TraceReader(out) as reader:
        assert reader.meta["status"] == "ok"
        # only the parent's own call: the children's calls are not in the parent's trace
        assert reader.function_by_name("child_work").calls == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads thread signal masks from /proc")
def test_codetours_threads_block_signals_so_the_targets_main_thread_gets_them(tmp_path):
    """A signal sent to the process goes to any thread that does not block it, and Python runs the
    handler only in the main thread, without waking it from a lock wait. A Pool worker blocked on
    the pool's queue lock, given codetour's SIGTERM handler, slept through ``terminate()`` when
    SIGTERM landed on the flusher thread (a CI run hung on it). Our threads block every signal, in
    the main process and in a forked worker."""
    target = script(
        tmp_path / "repo",
        "masks.py",
        """
        import multiprocessing as mp
        import signal
        import threading
        import time

        def masks():
            # each thread's name -> whether it blocks both SIGTERM and SIGINT
            found = {}
            deadline = time.time() + 30
            while "codetour-flush" not in found and time.time() < deadline:
                for thread in threading.enumerate():
                    with open(f"/proc/self/task/{thread.native_id}/status") as status:
                        blocked = next(int(line.split()[1], 16) for line in status if line.startswith("SigBlk:"))
                    found[thread.name] = all(blocked >> (sig - 1) & 1 for sig in (signal.SIGTERM, signal.SIGINT))
                time.sleep(0.01)
            return sorted(found.items())

        if __name__ == "__main__":
            print("main", masks())
            with mp.get_context("fork").Pool(1) as pool:
                print("worker", pool.apply(masks))
        """,
    )
    proc, _out = trace(target, extra=("-q",))
    assert proc.returncode == 0, proc.stderr
    expected = [("MainThread", False), ("codetour-flush", True)]
    assert proc.stdout.splitlines() == [f"main {expected}", f"worker {expected}"]


def test_spawned_children_run_and_the_parent_is_recorded(tmp_path):
    target = script(
        tmp_path / "repo",
        "spawns.py",
        """
        import multiprocessing as mp

        def double(x):
            return x * 2

        if __name__ == "__main__":
            with mp.get_context("spawn").Pool(2) as pool:
                print(pool.map(double, [1, 2, 3]))
        """,
    )
    proc, out = trace(target, extra=("-q",))
    assert proc.returncode == 0 and proc.stdout == "[2, 4, 6]\n", proc.stderr
    with TraceReader(out) as reader:
        assert reader.meta["status"] == "ok"


def test_deep_recursion_hits_the_same_recursion_error(tmp_path):
    target = script(
        tmp_path / "repo",
        "deep.py",
        """
        import sys

        def down(n):
            return down(n + 1)

        try:
            down(0)
        except RecursionError:
            print("recursion error caught")
        """,
    )
    _proc, out = traced_like_python(tmp_path, target)
    with TraceReader(out) as reader:
        assert reader.function_by_name("down").calls > 100


def test_generators_and_async(tmp_path):
    _proc, out = traced_like_python(tmp_path, SCRIPTS / "generators_async.py")
    with TraceReader(out) as reader:
        assert reader.meta["status"] == "ok"
        assert reader.event_count > 0


def test_a_foreign_tracer_is_reported_not_blamed_on_codetour(tmp_path, backend):
    out = tmp_path / "t.ctrace"
    proc = run_cli("trace", "-o", str(out), str(SCRIPTS / "own_tracer.py"), cwd=tmp_path)
    assert proc.returncode == 0
    if backend == "monitoring":  # the target's sys.settrace runs alongside sys.monitoring: nothing to report
        assert "replaced" not in proc.stderr
        with TraceReader(out) as reader:
            assert reader.function_by_name("after").calls == 1
            assert reader.meta["displaced_by"] is None
        return
    assert "the target replaced codetour's trace function" in proc.stderr
    with TraceReader(out) as reader:
        assert reader.function_by_name("before").calls == 1
        assert reader.meta["displaced_by"]


def test_chdir_in_the_target_does_not_move_the_trace(tmp_path):
    _proc, out = traced_like_python(tmp_path, SCRIPTS / "chdir_path.py")
    assert out.exists()
    with TraceReader(out) as reader:
        assert reader.function_by_name("helper") is not None


def test_sigint_leaves_a_readable_trace_and_exit_130(tmp_path):
    target = script(
        tmp_path / "repo",
        "busy.py",
        """
        import time

        def step(i):
            return i + 1

        i = 0
        while True:
            i = step(i)
            if i % 1000 == 0:
                time.sleep(0.001)
        """,
    )
    out = tmp_path / "int.ctrace"
    proc = subprocess.Popen(
        [sys.executable, "-m", "codetour", "trace", "-q", "-o", str(out), str(target)],
        cwd=target.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_reaches_child,
    )
    time.sleep(2)
    os.kill(proc.pid, signal.SIGINT)
    _stdout, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130, stderr
    assert "KeyboardInterrupt" in stderr
    with TraceReader(out) as reader:
        assert reader.meta["status"] == "interrupted"
        assert reader.function_by_name("step").calls > 1000
        assert reader.incomplete is None


@requires_torch
def test_huge_tensors_are_described_not_copied(tmp_path):
    target = script(
        tmp_path / "repo",
        "huge.py",
        """
        import torch

        def touch(t):
            return t.shape[0]

        big = torch.zeros(4096, 4096)
        print(touch(big))
        """,
    )
    proc, out = trace(target, extra=("-q",))
    assert proc.returncode == 0 and proc.stdout == "4096\n", proc.stderr
    with TraceReader(out) as reader:
        frame = reader.frames_of(reader.function_by_name("touch").id)[0]
        assert frame.args["t"] == "Tensor float32[4096, 4096]"
    assert out.stat().st_size < 1_000_000
