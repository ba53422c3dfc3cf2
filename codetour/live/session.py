"""One live debuggee under debugpy, from launch to a clean end (no process left behind)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from codetour.errors import LiveError, UsageError
from codetour.live.dap import DapClient, DapError
from codetour.store.schema import LINE
from codetour.store.source import TraceSource


@dataclass(frozen=True)
class StopPoint:
    """Where to pause: a file, a line, and which time that line runs (a breakpoint hit count)."""

    path: str
    line: int
    hit: int = 1
    approximate: bool = False  # earlier runs of the line were folded by the recorder's budget
    label: str = ""

    def describe(self) -> str:
        hit = f" (hit {self.hit}{', approximately' if self.approximate else ''})" if self.hit > 1 else ""
        return f"{self.path}:{self.line}{hit}"


@dataclass
class LaunchSpec:
    """How the recorded program was run: argv after ``python``, and the working directory."""

    argv: list[str]
    cwd: str
    python: str = sys.executable
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_trace(cls, reader: TraceSource) -> LaunchSpec:
        meta = reader.meta
        args = list((meta.get("argv") or [])[1:])
        if meta.get("module"):
            argv = ["-m", meta["module"], *args]
        elif meta.get("entry"):
            argv = [meta["entry"], *args]
        else:
            raise LiveError(f"{reader.path} does not say which program was recorded")
        return cls(argv=argv, cwd=meta.get("cwd") or os.getcwd())


def stop_point_for_step(reader: TraceSource, seq: int, label: str = "") -> StopPoint:
    """The breakpoint that pauses a live run at the same moment as recorded step ``seq``."""
    event = reader.event(seq)
    if event is None:
        raise UsageError(f"step {seq} is not in the trace")
    if event.kind != LINE:
        # A call or return: pause on the nearest line event of that frame.
        nearer = reader.next_event(seq, frame_id=event.frame_id, kinds=(LINE,)) or reader.prev_event(
            seq, frame_id=event.frame_id, kinds=(LINE,)
        )
        if nearer is not None:
            event = nearer
    frame = reader.frame(event.frame_id)
    assert frame is not None
    function = reader.functions[frame.function_id]
    info = reader.files[function.file_id]
    hit = reader.line_hits_until(function.file_id, event.line, event.seq)
    folded = reader.folds_covering_line_before(function.file_id, event.line, event.seq)
    return StopPoint(info.path, event.line, max(hit, 1), approximate=folded > 0, label=label or f"{function.qualname}")


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


@dataclass
class Paused:
    thread_id: int
    reason: str
    frames: list[dict]

    @property
    def top(self) -> dict:
        return self.frames[0]


# debugpy's adapter writes the endpoints it listens on to the file this variable names, once it
# has fully started (its client port bound and served, its server port open, the debuggee told).
ENDPOINTS_VARIABLE = "DEBUGPY_ADAPTER_ENDPOINTS"


class LiveSession:
    """Launch ``python -m debugpy --listen HOST:PORT --wait-for-client ...`` and drive it.

    Without a port, debugpy's adapter binds one the OS picks (``--listen HOST:0``) and codetour
    reads it back from the endpoints file the adapter writes when it is ready: no other process can
    take the port between choosing and binding it, and codetour never talks to an adapter that is
    still starting (debugpy's adapter accepts a client as soon as it listens, before it has finished
    its own set-up, and a client that is that early can find its requests unanswered or dropped).
    """

    def __init__(
        self,
        spec: LaunchSpec,
        host: str = "127.0.0.1",
        port: int | None = None,
        connect_timeout: float = 20.0,
        echo_output: bool = False,
        answer_timeout: float = 10.0,
    ) -> None:
        self.spec = spec
        self.host = host
        self.requested_port = port
        self.port = port
        self.connect_timeout = connect_timeout
        self.answer_timeout = answer_timeout  # for the handshake's first answer (a few ms normally)
        self.echo_output = echo_output
        self.process: subprocess.Popen | None = None
        self.client: DapClient | None = None
        self.output: list[str] = []
        self.exit_code: int | None = None
        self.launches = 0
        self._pumps: list[threading.Thread] = []
        self._scratch: str | None = None
        self._endpoints: Path | None = None
        self._ready = False
        self._attach = 0  # the seq of the attach request, answered once configuration is done

    # ------------------------------------------------------------------ lifecycle
    def launch(self) -> None:
        if self.requested_port is not None and port_in_use(self.host, self.requested_port):
            raise LiveError(f"port {self.requested_port} on {self.host} is in use: choose another with --listen PORT")
        self.port = self.requested_port
        self._ready = False
        self._scratch = tempfile.mkdtemp(prefix="codetour-live-")
        self._endpoints = Path(self._scratch) / "endpoints.json"
        # frozen_modules=off: so pydevd can map stdlib frames (it warns otherwise, and may miss breakpoints).
        cmd = [
            self.spec.python,
            "-Xfrozen_modules=off",
            "-m",
            "debugpy",
            "--listen",
            f"{self.host}:{self.requested_port or 0}",
            "--wait-for-client",
            *self.spec.argv,
        ]
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            **self.spec.env,
            ENDPOINTS_VARIABLE: str(self._endpoints),
        }
        self.launches += 1
        try:
            self.process = subprocess.Popen(
                cmd,
                cwd=self.spec.cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                # Its own process group: the debuggee and the debugpy adapter it starts are ended
                # together, whatever ends codetour (Ctrl-C, SIGTERM, SIGHUP), and never orphaned.
                start_new_session=hasattr(os, "killpg"),
            )
        except OSError as exc:
            self._remove_scratch()
            raise LiveError(f"cannot start the debuggee: {exc}") from None
        for stream in (self.process.stdout, self.process.stderr):
            pump = threading.Thread(target=self._pump, args=(stream,), daemon=True, name="codetour-debuggee-output")
            pump.start()
            self._pumps.append(pump)

    def wait_ready(self, timeout: float | None = None) -> int:
        """Wait until debugpy's adapter is listening and fully started; its port."""
        if self._ready and self.port is not None:
            return self.port
        assert self._endpoints is not None, "launch() first"
        timeout = self.connect_timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            endpoints = self._read_endpoints()
            if endpoints is not None:
                try:
                    self.port = int(endpoints["client"]["port"])
                except (KeyError, TypeError, ValueError):
                    self.close()
                    raise LiveError(f"debugpy reported no port to connect to: {json.dumps(endpoints)[:200]}") from None
                self._ready = True
                return self.port
            if not self.alive():
                self._wait_exit(2)
                raise LiveError(f"the debuggee exited before its debug server started{self._last_output()}")
            if time.monotonic() >= deadline:
                self.close()
                raise LiveError(f"the debugger did not start within {timeout:.0f}s{self._last_output()}")
            time.sleep(0.05)

    def _read_endpoints(self) -> dict | None:
        try:
            text = self._endpoints.read_text(encoding="utf-8") if self._endpoints else ""
        except OSError:
            return None
        try:
            data = json.loads(text) if text.strip() else None  # written in one piece, but read it whole
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def _pump(self, stream) -> None:
        for line in stream:
            self.output.append(line.rstrip("\n"))
            if self.echo_output:
                sys.stderr.write(f"│ {line}")
                sys.stderr.flush()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def connect(self, stops: list[StopPoint]) -> None:
        """initialize → attach → (initialized) → setBreakpoints → setExceptionBreakpoints → configurationDone.

        Until configurationDone the debuggee waits before its first line, so when debugpy does not
        answer in that phase the session is started again once (on a new port) before giving up."""
        for attempt in (1, 2):
            try:
                self._open_and_configure(stops)
                break
            except DapError as exc:
                self.close()
                if attempt == 2 or self.requested_port is not None:
                    tried = ", on two fresh starts" if attempt == 2 else ""
                    raise LiveError(f"{exc.message}{tried} (the program had not started){self._last_output()}") from None
                self._reset()
                self.launch()
        assert self.client is not None
        attach = self._attach
        try:
            self.client.request("configurationDone")
            self.client.wait_response(attach, timeout=self.connect_timeout)
        except DapError as exc:
            self.close()
            raise LiveError(f"{exc.message}{self._last_output()}") from None

    def _open_and_configure(self, stops: list[StopPoint]) -> None:
        port = self.wait_ready()
        try:
            client = self.client = DapClient.connect(self.host, port, self.connect_timeout, alive=self.alive)
        except DapError as exc:
            self.close()
            raise LiveError(f"{exc.message}{self._last_output()}") from None
        client.on_other_event = self._on_event  # type: ignore[method-assign]
        client.request(
            "initialize",
            {
                "clientID": "codetour",
                "clientName": "codetour",
                "adapterID": "debugpy",
                "pathFormat": "path",
                "linesStartAt1": True,
                "columnsStartAt1": True,
                "supportsVariableType": True,
            },
            timeout=self.answer_timeout,
        )
        self._attach = client.send_request("attach", {"justMyCode": False, "subProcess": False})
        event = client.wait_event("initialized", timeout=self.connect_timeout)
        if event.get("event") != "initialized":
            raise DapError("the debugger closed the connection before it was initialized")
        self.set_breakpoints(stops)
        client.request("setExceptionBreakpoints", {"filters": []})

    def _reset(self) -> None:
        """Forget a closed session's process, so it can be launched again."""
        self.process = None
        self.client = None
        self.exit_code = None
        self._pumps = []
        self.port = self.requested_port
        self._ready = False

    def set_breakpoints(self, stops: list[StopPoint]) -> None:
        assert self.client is not None
        by_file: dict[str, list[StopPoint]] = {}
        for stop in stops:
            by_file.setdefault(stop.path, []).append(stop)
        for path, points in by_file.items():
            body = self.client.request(
                "setBreakpoints",
                {
                    "source": {"path": path},
                    "breakpoints": [{"line": p.line, **({"hitCondition": str(p.hit)} if p.hit > 1 else {})} for p in points],
                },
            )
            for point, answer in zip(points, body.get("breakpoints", [])):
                moved = answer.get("line") not in (None, point.line)
                if answer.get("verified") is False or moved:
                    where = f"{Path(path).name}:{point.line}"
                    reason = answer.get("message") or (
                        f"the debugger moved it to line {answer.get('line')}" if moved else "not verified"
                    )
                    raise LiveError(f"cannot stop at {where}: {reason}")

    def _on_event(self, event: dict) -> None:
        if event.get("event") == "exited":
            self.exit_code = (event.get("body") or {}).get("exitCode")

    def wait_paused(self, where: str | None = "the stop", timeout: float = 120.0) -> Paused:
        """Wait until the program pauses; ``where`` names what it should pause at (None when it is
        expected to run to its end: then a clean finish is reported as just that)."""
        assert self.client is not None
        event = self.client.wait_event("stopped", "terminated", "exited", timeout=timeout)
        name = event.get("event")
        if name == "exited":
            self.exit_code = (event.get("body") or {}).get("exitCode")
        if name != "stopped":
            self._wait_exit(5)
            code = self.exit_code if self.exit_code is not None else (self.process.returncode if self.process else None)
            how = "crashed" if code not in (0, None) else "finished"
            if where is None:
                raise LiveError(f"the program {how} (exit code {code}){self._last_output()}")
            raise LiveError(f"the program {how} (exit code {code}) without reaching {where}{self._last_output()}")
        body = event.get("body") or {}
        thread_id = body.get("threadId")
        if thread_id is None:
            threads = self.client.request("threads").get("threads", [])
            thread_id = threads[0]["id"] if threads else 0
        frames = self.client.request("stackTrace", {"threadId": thread_id, "startFrame": 0, "levels": 50}).get("stackFrames", [])
        return Paused(thread_id, body.get("reason", ""), frames)

    def _last_output(self) -> str:
        tail = [line for line in self.output[-3:] if line.strip()]
        return f": {tail[-1].strip()}" if tail else ""

    # ------------------------------------------------------------------ inspection and control
    def scopes(self, frame_id: int) -> list[dict]:
        assert self.client is not None
        return self.client.request("scopes", {"frameId": frame_id}).get("scopes", [])

    def variables(self, reference: int) -> list[dict]:
        assert self.client is not None
        return self.client.request("variables", {"variablesReference": reference}).get("variables", [])

    def locals(self, frame_id: int) -> list[dict]:
        scopes = self.scopes(frame_id)
        local = next((s for s in scopes if s.get("name", "").lower().startswith("local")), scopes[0] if scopes else None)
        return self.variables(local["variablesReference"]) if local else []

    def evaluate(self, expression: str, frame_id: int) -> str:
        assert self.client is not None
        try:
            body = self.client.request("evaluate", {"expression": expression, "frameId": frame_id, "context": "repl"})
        except DapError as exc:
            return f"error: {exc.message.split(': ', 2)[-1]}"
        return str(body.get("result", ""))

    def resume(self, how: str, paused: Paused) -> None:
        """continue, next, stepIn or stepOut."""
        assert self.client is not None
        self.client.request(how, {"threadId": paused.thread_id})

    def close(self) -> None:
        """Disconnect (terminating the debuggee) and make sure no process is left."""
        if self.client is not None:
            try:
                if not self.client.closed:
                    self.client.request("disconnect", {"terminateDebuggee": True}, timeout=5)
            except Exception:
                pass
            self.client.close()
            self.client = None
        self._wait_exit(5)
        self._remove_scratch()

    def _remove_scratch(self) -> None:
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def _wait_exit(self, timeout: float) -> None:
        proc = self.process
        if proc is None:
            return
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=5)
        # The adapter (and anything else the program started) goes with it.
        self._signal_group(proc, signal.SIGKILL)
        for pump in self._pumps:
            pump.join(timeout=2)
        if self.exit_code is None:
            self.exit_code = proc.returncode

    @staticmethod
    def _signal_group(proc: subprocess.Popen, sig: int) -> None:
        try:
            if hasattr(os, "killpg"):
                os.killpg(proc.pid, sig)
            elif proc.poll() is None:
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass

    def __enter__(self) -> LiveSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def vscode_attach_config(host: str, port: int, cwd: str) -> dict:
    return {
        "name": f"codetour: attach to {host}:{port}",
        "type": "debugpy",
        "request": "attach",
        "connect": {"host": host, "port": port},
        "pathMappings": [{"localRoot": cwd, "remoteRoot": cwd}],
        "justMyCode": False,
    }


def write_launch_json(root: Path, config: dict) -> Path:
    """Add (or replace) the attach configuration in ROOT/.vscode/launch.json."""
    import json

    path = root / ".vscode" / "launch.json"
    data: dict = {"version": "0.2.0", "configurations": []}
    if path.exists():
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            raise LiveError(
                f"{path} exists but is not plain JSON (comments?): add the configuration printed above by hand"
            ) from None
    configs = [c for c in data.get("configurations", []) if c.get("name") != config["name"]]
    data["configurations"] = [*configs, config]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path
