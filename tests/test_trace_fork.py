"""codetour's own threads and a target that forks.

Python 3.12+ warns a process that calls ``os.fork()`` while it has more than one OS thread ("This
process is multi-threaded, use of fork() may lead to deadlocks in the child"), shown by default for
a fork in ``__main__``. codetour stops its flusher around every fork of the target; the live status
line drawn on a terminal used to have a thread of its own that ran through every fork, so a traced
target that forked got the warning in every terminal run (never in the tests, which ran on pipes).
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import textwrap
import time

import pytest
from conftest import BACKENDS

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks and a pseudo-terminal")

FORKS_IN_MAIN = """
import os
import time


def wait(seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)


def child():
    os._exit(0)


wait(2.6)  # the status line shows from 2 s on
for i in range(2):
    pid = os.fork()
    if pid == 0:
        child()
    os.waitpid(pid, 0)
    print("forked", i, flush=True)
    wait(1.0)  # the flusher (and so the status line) comes back between the forks
print("done", flush=True)
"""


def run_on_a_terminal(args: list[str], cwd, timeout: float = 90) -> tuple[int, str]:
    """Run ``args`` with a pseudo-terminal as stdin, stdout and stderr; (exit code, all it wrote)."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120", "TERM": "xterm"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: every holder of the terminal's other end has exited
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        else:
            proc.kill()
            raise AssertionError("the traced run did not end: " + b"".join(chunks).decode(errors="replace"))
        return proc.wait(timeout=30), b"".join(chunks).decode(errors="replace")
    finally:
        os.close(master)


@pytest.mark.parametrize("backend", BACKENDS, indirect=True)
def test_a_target_that_forks_on_a_terminal_is_not_warned_about_codetours_threads(tmp_path, backend):
    target = tmp_path / "forks_in_main.py"
    target.write_text(textwrap.dedent(FORKS_IN_MAIN))
    code, output = run_on_a_terminal(
        [sys.executable, "-m", "codetour", "trace", "-o", str(tmp_path / "t.ctrace"), str(target)], cwd=tmp_path
    )
    assert code == 0, output
    assert "forked 0" in output and "forked 1" in output and "done" in output
    assert "⏺ codetour" in output  # the status line is still drawn (by the flusher)
    assert "multi-threaded" not in output and "DeprecationWarning" not in output, output
    assert "trace written to" in output


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_stopped_recorder_is_not_kept_alive_by_fork_hooks(tmp_path, backend):
    """``os.register_at_fork`` cannot unregister: hooks registered per recorder kept every recorder,
    and all it held, alive until the interpreter's last collection (a costly one). One set of hooks
    serves the recorders started and not yet stopped, and it holds no module's globals."""
    import gc
    import weakref

    from codetour.store.writer import TraceWriter
    from codetour.trace import forks
    from codetour.trace.monitoring import choose_backend
    from codetour.trace.recorder import Budgets
    from codetour.trace.scope import Scope

    recorder_type, _ = choose_backend(backend)
    refs = []
    for run in range(2):
        writer = TraceWriter(tmp_path / f"run{run}.ctrace", force=True)
        recorder = recorder_type(writer, Scope(tmp_path), Budgets(flush_seconds=0))
        recorder.start()
        try:
            assert forks._fork_listeners[-1] is recorder
        finally:
            recorder.stop()
            writer.close()
        assert recorder not in forks._fork_listeners
        refs.append(weakref.ref(recorder))
        del recorder, writer
    gc.collect()
    assert [ref() for ref in refs] == [None, None]
    hook = forks._standalone(forks._before_fork)
    assert set(hook.__globals__) == {"__builtins__", "_fork_listeners"}
    assert hook.__globals__["_fork_listeners"] is forks._fork_listeners
