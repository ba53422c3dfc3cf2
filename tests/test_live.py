"""Live debugging for real: debugpy on 127.0.0.1, codetour's DAP client, no process left behind."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PPO, ROOT, run_cli

from codetour.errors import DapError
from codetour.live.dap import DapClient
from codetour.live.session import LaunchSpec, LiveError, LiveSession, StopPoint, stop_point_for_step
from codetour.store.reader import TraceReader
from codetour.tour.model import load_tour
from codetour.tour.resolve import resolve_tour

pytest.importorskip("debugpy")
LOSS = PPO / "ppo" / "loss.py"
OPTIM = PPO / "ppo" / "optim.py"


def line_of(path: Path, text: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if text in t)


@pytest.fixture
def ppo_spec(tmp_path) -> LaunchSpec:
    return LaunchSpec(
        argv=[
            str(PPO / "train.py"),
            "--updates",
            "1",
            "--num-steps",
            "128",
            "--eval-episodes",
            "0",
            "--output",
            str(tmp_path / "c.npz"),
        ],
        cwd=str(tmp_path),
    )


def test_pause_at_a_tour_stop_read_evaluate_continue_and_end(ppo_trace):
    with TraceReader(ppo_trace) as reader:
        tour = load_tour(ROOT / "tours" / "minimal_ppo.md")
        resolved = {r.stop.title: r for r in resolve_tour(tour, reader)}
        ratio = stop_point_for_step(reader, resolved["The probability ratio"].seq)
        clipping = stop_point_for_step(reader, resolved["Clipping the surrogate objective"].seq)
        spec = LaunchSpec.from_trace(reader)
    assert (ratio.path, ratio.line, ratio.hit) == (str(LOSS), line_of(LOSS, "ratio = np.exp"), 1)
    session = LiveSession(spec)
    try:
        started = time.monotonic()
        session.launch()
        session.connect([ratio])
        paused = session.wait_paused()
        assert time.monotonic() - started < 30
        assert (paused.top["name"], paused.top["line"]) == ("ppo_loss", ratio.line)
        local = {v["name"]: v for v in session.locals(paused.top["id"])}
        assert local["n"]["value"] == "128" and "logp" in local and "ratio" not in local
        assert session.evaluate("logp.shape", paused.top["id"]) == "(128,)"
        assert session.evaluate("undefined_name", paused.top["id"]).startswith("error:")
        session.set_breakpoints([clipping])
        session.resume("continue", paused)
        paused = session.wait_paused()
        assert paused.top["line"] == clipping.line
        assert session.evaluate("float(abs(ratio - 1).max()) < 1e-9", paused.top["id"]) == "True"  # first minibatch: r = 1
        arrays = session.locals(paused.top["id"])
        logits = next(v for v in arrays if v["name"] == "logits")
        children = {c["name"] for c in session.variables(logits["variablesReference"])}
        assert {"shape", "dtype"} <= children  # expandable: a real numpy array in the live process
    finally:
        session.close()
    assert session.process.poll() is not None  # nothing left running


def test_hit_count_pauses_on_the_nth_time(ppo_spec):
    step_line = line_of(OPTIM, "self.b1 * self.m[k]") - 2  # `bias1 = ...`, right after `self.t += 1`
    with LiveSession(ppo_spec) as session:
        session.launch()
        session.connect([StopPoint(str(OPTIM), step_line, hit=3)])
        paused = session.wait_paused()
        assert session.evaluate("self.t", paused.top["id"]) == "3"
    assert session.process.poll() is not None


def test_crash_before_the_stop_and_a_line_never_reached(tmp_path):
    crash = tmp_path / "crash.py"
    crash.write_text("def f():\n    raise SystemExit(3)\n\nf()\nprint('never')\n")
    with LiveSession(LaunchSpec([str(crash)], str(tmp_path))) as session:
        session.launch()
        session.connect([StopPoint(str(crash), 5)])
        with pytest.raises(LiveError, match=r"crashed \(exit code 3\) without reaching crash.py:5"):
            session.wait_paused(where="crash.py:5")
    assert session.process.poll() is not None
    done = tmp_path / "done.py"
    done.write_text("x = 1\nif x > 5:\n    print('big')\nprint('done')\n")
    with LiveSession(LaunchSpec([str(done)], str(tmp_path))) as session:
        session.launch()
        session.connect([StopPoint(str(done), 3)])
        with pytest.raises(LiveError, match=r"finished \(exit code 0\) without reaching done.py:3"):
            session.wait_paused(where="done.py:3")
        assert "done" in session.output
    assert session.process.poll() is not None


def test_port_in_use_and_no_debugger_to_connect_to(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    port = busy.getsockname()[1]
    try:
        with pytest.raises(LiveError, match=f"port {port} on 127.0.0.1 is in use"):
            LiveSession(LaunchSpec(["x.py"], str(tmp_path)), port=port).launch()
    finally:
        busy.close()
    fake_python = tmp_path / "fake-python"
    fake_python.write_text("#!/bin/sh\nsleep 30\n")  # starts, but never opens a debug port
    fake_python.chmod(0o755)
    session = LiveSession(LaunchSpec(["x.py"], str(tmp_path), python=str(fake_python)), connect_timeout=1.5)
    session.launch()
    with pytest.raises(LiveError, match=r"the debugger did not start within 2s"):
        session.connect([StopPoint(str(tmp_path / "x.py"), 1)])
    assert session.process.poll() is not None  # killed, not left behind


SLOW_ADAPTER_START = """\
# sitecustomize for debugpy's adapter process only: it pauses right after its client port starts
# accepting, before the adapter has finished setting itself up (as a loaded machine can make it).
import os, sys, time
if "--for-server" in sys.argv:
    try:
        from debugpy.common import sockets
    except ImportError:
        sockets = None
    serve = getattr(sockets, "serve", None)
    if serve is not None:
        def slow_serve(name, *args, **kwargs):
            listener = serve(name, *args, **kwargs)
            if name == "Client":
                with open({mark!r}, "a") as f:
                    f.write("slowed\\n")
                time.sleep(1.5)
            return listener
        sockets.serve = slow_serve
"""


def test_the_client_waits_until_the_adapter_has_finished_starting(tmp_path):
    # debugpy's adapter accepts clients as soon as its port listens, before it has finished its
    # own set-up; a client that early can have its requests dropped (under load in CI: no answer
    # to `initialize`, or the connection closed at `attach`). Make that window 1.5 s long.
    hook = tmp_path / "hook"
    hook.mkdir()
    mark = tmp_path / "slowed"
    (hook / "sitecustomize.py").write_text(SLOW_ADAPTER_START.format(mark=str(mark)))
    done = tmp_path / "done.py"
    done.write_text("x = 1\nprint('done', x)\n")
    with LiveSession(LaunchSpec([str(done)], str(tmp_path), env={"PYTHONPATH": str(hook)})) as session:
        session.launch()
        session.connect([StopPoint(str(done), 2)])
        paused = session.wait_paused()
        assert (paused.top["name"], paused.top["line"]) == ("<module>", 2)
        assert session.launches == 1  # no second start was needed
    if not mark.exists():
        pytest.skip("this debugpy's adapter has no debugpy.common.sockets.serve to slow down")
    assert mark.read_text() == "slowed\n"


STALLED_ADAPTER = """\
#!{python}
# Stands in for `python` in front of `-m debugpy --listen HOST:PORT ...`. The first {stalls} start(s)
# behave like a debugpy adapter that accepts a connection and never answers (the CI flake): listen
# on the port asked for (or one the OS picks), say so where debugpy's adapter would, and wait.
# Later starts are the real thing.
import json, os, socket, sys, time
count = os.path.join({folder!r}, "starts")
n = len(open(count).read()) if os.path.exists(count) else 0
open(count, "a").write("x")
if n >= {stalls}:
    os.execv({python!r}, [{python!r}, *sys.argv[1:]])
host, _, port = sys.argv[sys.argv.index("--listen") + 1].rpartition(":")
squatter = socket.socket()
squatter.bind((host, int(port)))
squatter.listen(8)
with open(os.path.join({folder!r}, "ports"), "a") as f:
    f.write(str(squatter.getsockname()[1]) + "\\n")
endpoints = os.environ.get("DEBUGPY_ADAPTER_ENDPOINTS")
if endpoints:
    with open(endpoints, "w") as f:
        json.dump({{"client": {{"host": host, "port": squatter.getsockname()[1]}}}}, f)
time.sleep(60)
"""


def stalled_adapter(tmp_path: Path, stalls: int) -> Path:
    python = tmp_path / "stalling-python"
    python.write_text(STALLED_ADAPTER.format(python=sys.executable, folder=str(tmp_path), stalls=stalls))
    python.chmod(0o755)
    return python


def test_an_adapter_that_accepts_but_never_answers_is_started_again_on_a_new_port(tmp_path):
    # Twice in CI debugpy's adapter took the connection and never answered `initialize` (15 s,
    # where it answers in milliseconds). The debuggee waits before its first line until the
    # configuration is done, so codetour may start it again: the second start is real debugpy.
    done = tmp_path / "done.py"
    done.write_text("x = 1\nprint('done', x)\n")
    spec = LaunchSpec([str(done)], str(tmp_path), python=str(stalled_adapter(tmp_path, stalls=1)))
    started = time.monotonic()
    with LiveSession(spec, answer_timeout=1.0) as session:
        session.launch()
        session.connect([StopPoint(str(done), 2)])
        paused = session.wait_paused()
        assert (paused.top["name"], paused.top["line"]) == ("<module>", 2)
        assert session.evaluate("x", paused.top["id"]) == "1"
        assert session.launches == 2
        assert session.port != int((tmp_path / "ports").read_text().split()[0])  # a new port, not the stalled one
    assert time.monotonic() - started < 30
    assert session.process.poll() is not None
    assert "done 1" not in session.output  # ended at the pause, never run twice


def test_an_adapter_that_never_answers_twice_is_one_clear_error(tmp_path):
    spec = LaunchSpec([str(tmp_path / "x.py")], str(tmp_path), python=str(stalled_adapter(tmp_path, stalls=2)))
    session = LiveSession(spec, answer_timeout=0.5)
    session.launch()
    first = session.process
    with pytest.raises(LiveError) as failure:
        session.connect([StopPoint(str(tmp_path / "x.py"), 1)])
    message = failure.value.message
    assert message.startswith("the debugger did not answer 'initialize' within 0.5s, on two fresh starts")
    assert "\n" not in message and "(the program had not started)" in message
    assert session.launches == 2 and first.poll() is not None and session.process.poll() is not None


def test_a_socket_connected_to_itself_is_never_taken_for_the_debugger(monkeypatch):
    # While the adapter is still starting, each retry connects from a fresh ephemeral port. When the
    # kernel picks the target port itself, loopback TCP connects the socket to itself (a
    # "simultaneous open"), and every request comes back as its own echo: CI once waited 15 s for
    # an answer to `initialize` that way. Make that happen for real on the first attempt.
    echo = socket.socket()
    echo.bind(("127.0.0.1", 0))
    port = echo.getsockname()[1]
    echo.connect(("127.0.0.1", port))
    assert echo.getsockname() == echo.getpeername()
    attempts = []

    def create_connection(address, timeout=None):
        attempts.append(address)
        if len(attempts) == 1:
            return echo
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    with pytest.raises(DapError, match=f"could not connect to the debugger on 127.0.0.1:{port}"):
        DapClient.connect("127.0.0.1", port, timeout=0.5)
    assert len(attempts) > 1 and echo.fileno() == -1  # let go, and tried again


def test_cli_terminal_session(ppo_trace):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "codetour",
            "debug",
            str(ppo_trace),
            "--tour",
            str(ROOT / "tours" / "minimal_ppo.md"),
            "--stop",
            "9",
        ],
        input="logp.shape\nn\nc\nbt\nq\n",
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "160"},
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"paused at {LOSS}:{line_of(LOSS, 'ratio = np.exp')} in ppo_loss" in out
    assert "(codetour) logp.shape\n(128,)" in out
    assert f"{LOSS}:{line_of(LOSS, 'clipped = np.clip')} in ppo_loss (stop 10: Clipping the surrogate objective)" in out
    assert "update" in out.split("(codetour) bt", 1)[1]


def test_cli_failures_are_one_line(ppo_trace, tmp_path):
    proc = run_cli("debug", str(ppo_trace), "--stop", "99")
    assert proc.returncode == 2 and "the tour has" in proc.stderr
    proc = run_cli("debug", str(ppo_trace), "--at", "nowhere.py:3")
    assert proc.returncode == 3 and "no such file" in proc.stderr
    script = tmp_path / "quick.py"
    script.write_text("import sys\nif len(sys.argv) > 5:\n    print('many')\nprint('hi')\n")
    proc = run_cli(
        "debug", "--at", f"{script}:7", str(script), cwd=tmp_path
    )  # options before a script: after it, they are its own
    assert proc.returncode == 2 and "line 7 of" in proc.stderr and "has no code to stop at" in proc.stderr
    proc = run_cli("debug", "--at", f"{script}:3", str(script), cwd=tmp_path)
    assert proc.returncode == 8 and f"finished (exit code 0) without reaching {script}:3" in proc.stderr
    assert len([ln for ln in proc.stderr.splitlines() if ln.startswith("codetour:")]) == 2  # the note, the error


def test_listen_for_vscode_and_write_launch_json(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text("[project]\nname = 'r'\n")
    script = repo / "train.py"
    script.write_text(
        "def step(i):\n    loss = i * 2\n    return loss\n\n\ndef train():\n    for i in range(5):\n        step(i)\n    print('trained')\n\n\ntrain()\n"
    )
    trace = tmp_path / "t.ctrace"
    assert run_cli("trace", "-o", str(trace), str(script), cwd=repo).returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "codetour", "debug", str(trace), "--at", "train.py:3:2", "--listen", str(port), "--write-launch"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    said = []
    try:
        # Attach once codetour says the debugger waits (debugpy's adapter listens a moment before
        # it has finished starting; a client that early can be left unanswered).
        for line in proc.stderr:
            said.append(line)
            if "waiting for a debugger to attach" in line:
                break
        assert "waiting for a debugger to attach on 127.0.0.1" in said[-1], "".join(said)
        client = DapClient.connect("127.0.0.1", port, timeout=30)  # as VS Code would
        client.request("initialize", {"clientID": "vscode", "adapterID": "debugpy", "linesStartAt1": True, "pathFormat": "path"})
        attach = client.send_request("attach", {"justMyCode": False})
        client.wait_event("initialized")
        client.request("setBreakpoints", {"source": {"path": str(script)}, "breakpoints": [{"line": 3, "hitCondition": "2"}]})
        client.request("configurationDone")
        client.wait_response(attach)
        stopped = client.wait_event("stopped", timeout=60)
        frames = client.request("stackTrace", {"threadId": stopped["body"]["threadId"]})["stackFrames"]
        assert (frames[0]["name"], frames[0]["line"]) == ("step", 3)
        value = client.request("evaluate", {"expression": "loss", "frameId": frames[0]["id"], "context": "repl"})["result"]
        assert value == "2"  # the second call: i = 1
        client.request("setBreakpoints", {"source": {"path": str(script)}, "breakpoints": []})
        client.request("continue", {"threadId": stopped["body"]["threadId"]})
        client.wait_event("terminated", "exited", timeout=60)
        client.close()
        stdout, rest = proc.communicate(timeout=60)
        stderr = "".join(said) + rest
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert '"request": "attach"' in stdout and f'"port": {port}' in stdout
    launch = json.loads((repo / ".vscode" / "launch.json").read_text())
    assert launch["configurations"][-1]["connect"] == {"host": "127.0.0.1", "port": port}
    written = json.loads((repo / ".tours" / "t.tour").read_text())
    # A VS Code CodeTour file: this plain loop has no ML phase, so its generated tour has no stops.
    assert written["title"] and isinstance(written["steps"], list)
    assert "trained" in stderr  # the debuggee's output is shown


async def until(pilot, done, seconds: float = 90.0) -> None:
    """Let the app run until ``done()`` holds (a deadline, not a count of pauses: a loaded machine is slow)."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        await pilot.pause(0.1)


async def test_tui_live_mode_and_back(stable_ppo_trace):
    from codetour.tui.app import ReplayApp
    from codetour.tui.live import LiveScreen

    app = ReplayApp(stable_ppo_trace, load_tour(ROOT / "tours" / "minimal_ppo.md"))
    async with app.run_test(size=(140, 42)) as pilot:
        await pilot.pause()
        app.cursor.goto_stop(8)  # the probability ratio
        app.refresh_view()
        replay_seq = app.current.event.seq
        await pilot.press("L")
        live = app.screen
        assert isinstance(live, LiveScreen)
        tree = live.query_one("#live-vars")
        await until(pilot, lambda: bool(tree.root.children))  # shown: paused, locals fetched
        assert live.paused is not None and live.paused.top["line"] == line_of(LOSS, "ratio = np.exp")
        names = [str(n.label).split()[0] for n in tree.root.children]
        assert "logp" in names and "n" in names
        await pilot.press("e", *"n * 2", "enter")

        def log_lines() -> list[str]:
            return [str(line.text) for line in live.query_one("#live-log").lines]

        await until(pilot, lambda: any("256" in line for line in log_lines()))
        assert any("n * 2" in line and "256" in line for line in log_lines())
        await pilot.press("n")  # a real step in the live program
        await until(pilot, lambda: live.paused.top["line"] != line_of(LOSS, "ratio = np.exp"))
        assert live.paused.top["line"] == line_of(LOSS, "ratio = np.exp") + 2
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is not live)
        assert app.screen is not live and app.current.event.seq == replay_seq  # back where it was
        assert live.session.process.poll() is not None
