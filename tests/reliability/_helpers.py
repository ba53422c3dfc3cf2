"""Helpers for the reliability suite: write a target script, run codetour on it, read what it left."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from conftest import run_cli

from codetour.store.reader import TraceReader


def script(folder: Path, name: str, body: str) -> Path:
    """A target script in its own repo folder (a pyproject.toml marks the root)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").touch()
    path = folder / name
    path.write_text(textwrap.dedent(body))
    return path


def trace(target: Path, *args: str, out: Path | None = None, extra: tuple[str, ...] = (), env: dict | None = None, cwd=None):
    """``codetour trace -o OUT [extra] TARGET ARGS``; returns (CompletedProcess, OUT)."""
    out = out or target.parent / "run.ctrace"
    proc = run_cli("trace", "-o", str(out), *extra, str(target), *args, cwd=cwd or target.parent, env=env)
    return proc, out


def start_trace(target: Path, out: Path, *, wait: bool = True, **popen) -> subprocess.Popen:
    """``codetour trace -q -o OUT TARGET`` in the background; with ``wait``, returns once OUT exists
    (a loaded machine may take a while to start the run). Extra keywords go to ``Popen``."""
    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.DEVNULL)
    proc = subprocess.Popen(
        [sys.executable, "-m", "codetour", "trace", "-q", "-o", str(out), str(target)], cwd=target.parent, **popen
    )
    deadline = time.time() + 60
    while wait and not out.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    return proc


def one_line(stderr: str) -> str:
    """The single line codetour printed; fails if there is not exactly one."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    return lines[0]


def status(trace_path: Path) -> str:
    with TraceReader(trace_path) as reader:
        return reader.meta["status"]


def events(trace_path: Path) -> int:
    with TraceReader(trace_path) as reader:
        return reader.event_count
