"""Shared fixtures: paths to the sample repos and helpers that run the real CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_repos"
PPO = SAMPLES / "minimal_ppo"
TORCH_SAMPLE = SAMPLES / "torch_classifier"
SCRIPTS = Path(__file__).resolve().parent / "data" / "scripts"


# The recorder's tests (tests/test_tracer.py, tests/reliability/) run once per recording backend:
# the `backend` fixture sets $CODETOUR_BACKEND, which `codetour trace` reads when --backend is not given.
# sys.monitoring exists from 3.12: below that the monitoring variants are not generated at all
# (rather than skipped one by one, which buried real skips in the summary).
BACKENDS = ["settrace", "monitoring"] if sys.version_info >= (3, 12) else ["settrace"]
_BACKEND_TESTS = (Path(__file__).resolve().parent / "test_tracer.py", Path(__file__).resolve().parent / "reliability")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    path = Path(str(metafunc.definition.path))
    if "backend" in metafunc.fixturenames and any(path == p or p in path.parents for p in _BACKEND_TESTS):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(autouse=True)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str | None:
    """The recording backend a recorder test runs on (None elsewhere: the default)."""
    name = getattr(request, "param", None)
    if name is not None:
        monkeypatch.setenv("CODETOUR_BACKEND", name)
    return name


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m codetour ARGS`` for real, in a subprocess."""
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1", "COLUMNS": "120", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "codetour", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


def ctrl_c_reaches_child() -> None:
    """``preexec_fn`` for a child a test sends SIGINT: Ctrl-C's default action, as from a terminal. A shell
    that starts pytest in the background sets SIGINT to "ignore", children inherit that, and Python then
    installs no KeyboardInterrupt handler: the SIGINT a test sends would do nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def trace_script(
    tmp_path: Path, script: Path, *args: str, root: Path | None = None, extra: tuple[str, ...] = (), cwd: Path | None = None
):
    """Trace ``script`` with the real CLI; returns (CompletedProcess, trace path)."""
    out = tmp_path / f"{script.stem}.ctrace"
    proc = run_cli("trace", "--root", str(root or script.parent), "-o", str(out), *extra, str(script), *args, cwd=cwd)
    return proc, out


def record_short_ppo(folder: Path) -> Path:
    """Trace a short PPO run (2 updates of 128 steps, 1 evaluation episode) from ``folder``."""
    out = folder / "ppo.ctrace"
    args = ["--updates", "2", "--num-steps", "128", "--eval-episodes", "1", "--output", "checkpoints/ckpt.npz"]
    proc = run_cli("trace", "-o", str(out), str(PPO / "train.py"), *args, cwd=folder)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.fixture(scope="session")
def ppo_trace(tmp_path_factory) -> Path:
    """A real trace of a short PPO training run, recorded once per test session."""
    return record_short_ppo(tmp_path_factory.mktemp("ppo"))


def has_torch() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


requires_torch = pytest.mark.skipif(not has_torch(), reason="PyTorch is not installed (pip install torch==2.13.0)")


@pytest.fixture(scope="session")
def stable_ppo_trace(tmp_path_factory) -> Path:
    """A PPO trace with times replaced by step numbers: for pixel-stable TUI snapshots."""
    import sqlite3

    out = record_short_ppo(tmp_path_factory.mktemp("stable"))
    db = sqlite3.connect(out)
    with db:
        db.execute("UPDATE events SET ts_ns = seq * 1000")
        db.execute("UPDATE frames SET start_ns = start_seq * 1000, end_ns = end_seq * 1000")
        db.execute("UPDATE functions SET total_ns = calls * 1000, self_ns = calls * 500")
    db.close()
    return out
