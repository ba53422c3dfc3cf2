"""Item 7: SIGTERM and SIGHUP end `codetour debug` like Ctrl-C: no debuggee, no adapter, no
listening port is left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _helpers import script, trace

from codetour.live.session import port_in_use

TARGET = """
import time

def step(i):
    return i * 2

for i in range(3):
    step(i)
time.sleep(0.1)
"""


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc's parent links)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_cleans_up_the_debuggee_and_adapter(tmp_path, sig):
    target = script(tmp_path / "repo", "train.py", TARGET)
    proc, out = trace(target, extra=("-q",))
    assert proc.returncode == 0, proc.stderr
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    debug = subprocess.Popen(
        [sys.executable, "-m", "codetour", "debug", str(out), "--at", "train.py:5:2", "--listen", str(port)],
        cwd=target.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.time() + 60
        while not port_in_use("127.0.0.1", port) and time.time() < deadline:
            time.sleep(0.1)
        assert port_in_use("127.0.0.1", port), "debugpy never listened"
        below = descendants(debug.pid)
        assert below, "no debuggee was started"
        os.kill(debug.pid, sig)
        debug.wait(timeout=30)
    finally:
        if debug.poll() is None:
            debug.kill()
    stderr = debug.stderr.read() if debug.stderr else ""
    assert debug.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "codetour: stopping the debuggee"
    deadline = time.time() + 10
    while any(alive(p) for p in below) and time.time() < deadline:
        time.sleep(0.1)
    assert not [p for p in below if alive(p)], "a debuggee or adapter process was left running"
    assert not port_in_use("127.0.0.1", port)
