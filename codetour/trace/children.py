"""Following the processes a traced run starts (#18): forked children (``os.fork``,
``multiprocessing`` 'fork', DataLoader workers), interpreters started by ``multiprocessing``
'spawn'/'forkserver', ``subprocess`` children that run Python, and ``torchrun`` ranks.

A run traced at ``run.ctrace`` keeps one shard per other process at ``run.ctrace.d/<pid>.ctrace``:
an ordinary trace file (same schema, same budgets, its own writer and flusher) whose ``process``
meta says who it is (pid, ppid, how it was started, role, rank, wall-clock start and end, exit
code). The main trace's ``children`` meta summarises the shards; the shards are the truth. While
the run goes on, the parent's flusher keeps that list current with what it knows without opening
a shard (pid, shard, the exit code it waited for); when the run ends the list is completed from
the shards. Exit codes: a parent that waits with ``os.waitpid`` (``multiprocessing``, ``os.fork``
+ ``waitpid``, ``subprocess`` ``wait()``) knows them best; otherwise a child's own view counts
(``os._exit(n)``, ``sys.exit(n)``, 1 for an uncaught exception, 0 for a normal end).

How each kind of child starts recording:

- A forked child inherits the recorder. :meth:`ForkFollower.before_fork` (in the parent) decides
  what the child will be (its role, and whether it is recorded in full, see *sampling*);
  :meth:`ForkFollower.after_fork_in_child` (in the child, after the recorder has let go of the
  parent's file) starts a fresh recorder of the same backend on the child's shard.
- A new interpreter (spawn, forkserver, subprocess, torchrun rank) finds ``CODETOUR_CHILD`` (this
  module's :class:`ChildConfig` as JSON) in its environment and, through ``PYTHONPATH``, a folder
  holding only a ``sitecustomize.py`` written by :meth:`Follower.install` (``run.ctrace.d/.site``,
  removed when the run ends). That file removes its folder from ``sys.path``, imports the
  ``sitecustomize`` it shadowed (if any), and calls :func:`start_from_env`. Without the variable
  nothing happens; ``python -I``/``-E``/``-S`` children, and Pythons that cannot import codetour,
  are not followed. ``multiprocessing``'s resource tracker is never recorded.

Every child's shard is finished when the child ends: at interpreter exit (``atexit``) or in
``os._exit`` (how ``multiprocessing`` children end). A child that is killed (SIGTERM, as a ``Pool``'s
``terminate()`` stops its workers, or SIGKILL) dies exactly as it would without codetour and keeps
what its flusher wrote (twice a second); its shard says ``running`` and the parent's list has the
exit code it waited for. (A Python-level SIGTERM handler that finished the shard first was tried:
a worker blocked on the pool's queue lock can sleep through a signal Python handles only in its
main thread, and ``terminate()`` then waits forever.) A child stopped while its shard is being set
up has no ``process`` meta. Nothing here may break a child: every failure
leaves it running untraced (``CODETOUR_DEBUG=1`` prints why).

Sampling: identical workers cost the same to trace and teach the same thing, so at most
``in_full`` children of one kind per parent are recorded (default 2; ``torchrun`` ranks are
always recorded). A kind is the function a ``multiprocessing`` child runs (so a DataLoader's
workers are one kind, a Pool's another), the call site of a bare ``os.fork``, "spawned child" for
interpreters started by ``multiprocessing``, or the script a ``subprocess`` runs. The others still
get a shard with their ``process`` meta (``"traced": false``) and no events: they are counted.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codetour.store.schema import FILE_SUFFIX, is_trace_file
from codetour.store.writer import TraceWriter, json_dumps
from codetour.trace import redact

if TYPE_CHECKING:
    from codetour.trace.recorder import Budgets, Recorder
    from codetour.trace.scope import Scope

ENV_VAR = "CODETOUR_CHILD"
DEFAULT_IN_FULL = 2  # identical workers recorded in full per parent and kind

# What the shadowing sitecustomize.py runs. Kept tiny and free of codetour imports until the
# variable is found, so an interpreter that is not a followed child pays one os.environ lookup.
SITECUSTOMIZE = '''\
"""codetour: start recording in this child interpreter (only when CODETOUR_CHILD is set)."""
import os as _os
import sys as _sys


def _codetour_boot():
    here = _os.path.dirname(_os.path.abspath(__file__))
    _sys.path[:] = [p for p in _sys.path if _os.path.abspath(p or _os.curdir) != here]
    this = _sys.modules.pop("sitecustomize", None)
    try:  # the sitecustomize this one shadows, if there is one, takes its place
        import sitecustomize  # noqa: F401
    except ImportError as exc:
        if exc.name != "sitecustomize":
            raise
        _sys.modules["sitecustomize"] = this  # the import system expects to find a module there
    if _os.environ.get("CODETOUR_CHILD"):
        line = " ".join(getattr(_sys, "orig_argv", _sys.argv))
        if "multiprocessing.resource_tracker" in line or "multiprocessing.semaphore_tracker" in line:
            return  # multiprocessing's own helper: nothing of the repo runs there, codetour is not imported
        try:
            from codetour.trace.children import start_from_env
        except Exception:
            return  # another interpreter, or codetour not importable here: run untraced
        start_from_env()


_codetour_boot()
del _codetour_boot
'''


def shard_dir_for(trace_path: Path) -> Path:
    """``run.ctrace`` -> ``run.ctrace.d``: where the other processes' shards go."""
    return trace_path.with_name(trace_path.name + ".d")


def shard_path(shard_dir: Path, pid: int) -> Path:
    return shard_dir / f"{pid}{FILE_SUFFIX}"


class ChildConfig:
    """How children record: everything a child interpreter needs, carried in ``CODETOUR_CHILD``.
    A plain class, not a dataclass: importing dataclasses (and inspect) cost every traced run."""

    FIELDS = (
        "shard_dir",
        "root",
        "include",
        "exclude",
        "library_calls",
        "calls",
        "iterations",
        "backend",
        "redaction",
        "in_full",
        "main_pid",
        "parent_rank",
    )

    def __init__(
        self,
        shard_dir: str,
        root: str,
        include: list[str] | None = None,
        exclude: list[str] | None = None,
        library_calls: bool = False,
        calls: int | None = 5,
        iterations: int | None = 3,
        backend: str = "settrace",
        redaction: bool = True,
        in_full: int = DEFAULT_IN_FULL,
        main_pid: int = 0,
        parent_rank: int | None = None,  # the RANK of the process that started this one (torchrun detection)
    ) -> None:
        self.shard_dir = shard_dir
        self.root = root
        self.include: list[str] = [] if include is None else include
        self.exclude: list[str] = [] if exclude is None else exclude
        self.library_calls = library_calls
        self.calls = calls
        self.iterations = iterations
        self.backend = backend
        self.redaction = redaction
        self.in_full = in_full
        self.main_pid = main_pid
        self.parent_rank = parent_rank

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.FIELDS}

    def __repr__(self) -> str:
        return f"ChildConfig({', '.join(f'{k}={v!r}' for k, v in self.as_dict().items())})"

    def __eq__(self, other: object) -> bool:
        return self.as_dict() == other.as_dict() if isinstance(other, ChildConfig) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def to_env(self) -> str:
        return json_dumps(self.as_dict(), separators=(",", ":"))

    @classmethod
    def from_env(cls, text: str) -> ChildConfig:
        import json  # in the child only

        data = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.FIELDS}
        return cls(**known)

    def budgets(self) -> Budgets:
        from codetour.trace.recorder import Budgets

        return Budgets(calls=self.calls, iterations=self.iterations)

    def scope(self) -> Scope:
        from codetour.trace.scope import Scope

        return Scope(Path(self.root), include=list(self.include), exclude=list(self.exclude), library_calls=self.library_calls)


def ranks_from_env(environ: Any = None) -> tuple[int | None, int | None, int | None]:
    """RANK, LOCAL_RANK, WORLD_SIZE as torchrun sets them (None where unset or not a number)."""
    env = os.environ if environ is None else environ

    def number(name: str) -> int | None:
        try:
            return int(env[name])
        except (KeyError, ValueError):
            return None

    return number("RANK"), number("LOCAL_RANK"), number("WORLD_SIZE")


def process_info(how: str, role: str, started_ns: int | None = None, traced: bool = True) -> dict[str, Any]:
    """This process's ``process`` meta (the shard format of #18)."""
    rank, local_rank, world_size = ranks_from_env()
    return {
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "how": how,
        "rank": rank,
        "local_rank": local_rank,
        "world_size": world_size,
        "role": role,
        "started_ns": started_ns if started_ns is not None else time.time_ns(),
        "ended_ns": None,
        "exit_code": None,
        "traced": traced,
    }


# --------------------------------------------------------------------------- this process's shard
class Session:
    """This child's part of a followed run: its shard, and its recorder unless it was sampled out."""

    def __init__(self, config: ChildConfig, info: dict[str, Any], recorder_class: type[Recorder] | None) -> None:
        self.config = config
        self.info = info
        self.pid = os.getpid()
        self.path = shard_path(Path(config.shard_dir), self.pid)
        self.done = False
        self.exit_code: int | None = None  # what this process knows of its own exit status
        self.reaped: dict[int, int] = {}  # children this process waited for: pid -> exit code
        self.recorder: Recorder | None = None
        self.writer = TraceWriter(self.path)
        if recorder_class is not None and info["traced"]:
            self.recorder = recorder_class(self.writer, config.scope(), config.budgets())
            self.recorder.follow = ForkFollower(config)
        self.writer.set_meta({**self._meta(), "status": "running" if self.recorder else "not traced"})

    def start(self) -> None:
        if self.recorder is not None:
            self.recorder.start()
            # Event times count from here: the wall clock that lines them up with other processes.
            recorder = self.recorder
            self.writer.set_meta(
                {"start_time": recorder.started_wall, "dispatch": recorder.dispatch, "library_imports": recorder.library_imports}
            )

    def _meta(self) -> dict[str, Any]:
        recorder = self.recorder
        script = sys.argv[0] if sys.argv and sys.argv[0] not in ("", "-c", "-m") else None
        meta: dict[str, Any] = {
            "codetour_version": _version(),
            "python_version": ".".join(map(str, sys.version_info[:3])),
            "argv": redact.current.argv(list(getattr(sys, "orig_argv", sys.argv))),
            "redacted": redact.current.enabled,
            "entry": os.path.abspath(script) if script and os.path.isfile(script) else None,
            "cwd": os.getcwd(),
            "root": self.config.root,
            "include": self.config.include,
            "exclude": self.config.exclude,
            "library_calls": self.config.library_calls,
            "budgets": {"calls": self.config.calls, "iterations": self.config.iterations},  # Budgets.as_dict()
            "backend": getattr(recorder, "backend", "settrace") if recorder else None,
            "dispatch": recorder.dispatch if recorder else None,
            "library_imports": recorder.library_imports if recorder else None,
            "pid": self.pid,
            "start_time": getattr(recorder, "started_wall", None) or self.info["started_ns"] / 1e9,
            "process": self.info,
        }
        return meta

    def finish(self, exit_code: int | None = None, status: str = "ok") -> None:
        """Stop recording and leave a finished shard (idempotent; only in the process that owns it)."""
        if self.done or os.getpid() != self.pid:
            return
        self.done = True
        recorder = self.recorder
        try:
            if recorder is not None:
                recorder.stop()
            code = exit_code if exit_code is not None else self.exit_code
            self.info = {**self.info, "role": _late_role(self.info), "ended_ns": time.time_ns(), "exit_code": code}
            meta = {
                **self._meta(),
                "status": status if recorder is not None else "not traced",
                "exit_code": code,
                "end_time": time.time(),
                "events": recorder.events_recorded if recorder is not None else 0,
                "reaped_children": {str(k): v for k, v in self.reaped.items()},
            }
            if recorder is not None and recorder.failed:
                meta["status"] = f"recording failed: {recorder.failed}"
            self.writer.set_meta(meta)
        except Exception:
            pass
        finally:
            with contextlib.suppress(Exception):
                self.writer.close()


_session: Session | None = None  # this process's session (a forked child replaces its parent's)
_hooks_installed = False


def current_session() -> Session | None:
    session = _session
    return session if session is not None and session.pid == os.getpid() else None


def _install_exit_hooks() -> None:
    """atexit, os._exit and SIGTERM finish this process's shard. Installed once per process tree:
    forked children inherit the hooks, which look up the session of the process they run in."""
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    atexit.register(_finish_at_exit)
    previous_exit = os._exit

    def exit_now(status: int) -> Any:  # os._exit skips atexit: finish the shard first
        session = current_session()
        if session is not None:
            session.finish(status & 0xFF, "os._exit")
        return previous_exit(status)

    os._exit = exit_now
    previous_exit_fn = sys.exit

    def sys_exit(status: object = None) -> Any:  # only notes the code; SystemExit still does the rest
        session = current_session()
        if session is not None:
            session.exit_code = _exit_code(status)
        return previous_exit_fn(status)  # type: ignore[arg-type]

    sys.exit = sys_exit
    previous_hook = sys.excepthook

    def excepthook(*args: Any) -> Any:  # an uncaught exception: Python exits with 1
        session = current_session()
        if session is not None and session.exit_code is None:
            session.exit_code = 1
        return previous_hook(*args)

    sys.excepthook = excepthook


def _finish_at_exit() -> None:
    session = current_session()
    if session is not None:
        session.finish(session.exit_code if session.exit_code is not None else 0, "ok" if not session.exit_code else "exit")


def _exit_code(status: object) -> int:
    if status is None:
        return 0
    if isinstance(status, int):
        return status & 0xFF
    return 1


def _late_role(info: dict[str, Any]) -> str:
    """A spawned child learns what it is only once it runs: name it from multiprocessing (and
    DataLoader workers from torch's own worker info) when its shard is finished."""
    role = info.get("role") or ""
    if info.get("how") not in ("spawn", "forkserver") or role == "forkserver":
        return role
    data = sys.modules.get("torch.utils.data")
    if data is not None:
        with contextlib.suppress(Exception):
            worker = data.get_worker_info()
            if worker is not None:
                return f"DataLoader worker {worker.id}"
    mp = sys.modules.get("multiprocessing")
    if mp is not None:
        with contextlib.suppress(Exception):
            name = mp.current_process().name
            if name and name != "MainProcess":
                return str(name)
    return role


def _debug(what: str) -> None:
    """A child's recording failure is silent (the child runs on untraced) unless CODETOUR_DEBUG is set."""
    if os.environ.get("CODETOUR_DEBUG"):
        import traceback

        print(f"codetour (pid {os.getpid()}): {what}:", file=sys.stderr)
        traceback.print_exc()


def _version() -> str:
    import codetour

    return codetour.__version__


def _recorder_class(backend: str) -> type[Recorder]:
    if backend == "monitoring":
        from codetour.trace.monitoring import AVAILABLE, MonitoringRecorder, free_tool_id

        if AVAILABLE and free_tool_id() is not None:
            return MonitoringRecorder
    from codetour.trace.recorder import Recorder

    return Recorder


def _claim_slot(config: ChildConfig, kind: str) -> bool:
    """One of the first ``in_full`` children of this kind under this parent? Claimed with an
    exclusive file create, so concurrently starting siblings agree without talking."""
    slots = Path(config.shard_dir) / ".slots"
    safe = "".join(c if c.isalnum() else "_" for c in kind)[-80:]
    try:
        slots.mkdir(parents=True, exist_ok=True)
        for n in range(max(config.in_full, 0)):
            try:
                fd = os.open(slots / f"{os.getppid()}-{safe}-{n}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            except FileExistsError:
                continue
            os.close(fd)
            return True
    except OSError:
        return True  # cannot tell: record it
    return False


def _spawned_identity(config: ChildConfig) -> tuple[str, str, str | None]:
    """(how, role, sampling kind or None to always record) of a new interpreter, from its command
    line and environment, before any of its own code runs."""
    argv = list(getattr(sys, "orig_argv", sys.argv))
    line = " ".join(argv)
    rank, _local, _world = ranks_from_env()
    if "multiprocessing.forkserver" in line:
        return "forkserver", "forkserver", None
    if "multiprocessing.spawn" in line or "--multiprocessing-fork" in argv:
        return "spawn", "spawned child", "spawn"
    if rank is not None and rank != config.parent_rank and ("TORCHELASTIC_RUN_ID" in os.environ or "MASTER_ADDR" in os.environ):
        return "torchrun", f"rank {rank}", None
    what = _command_name(argv[1:])
    return "subprocess", f"subprocess {what}", f"subprocess {what}"


def _command_name(args: list[str]) -> str:
    """What a Python command line runs, shortly: ``train.py``, ``-m pkg.mod``, ``-c``, or ``python``."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-c":
            return "-c"
        if arg == "-m" and i + 1 < len(args):
            return f"-m {args[i + 1]}"
        if arg.startswith("-m") and len(arg) > 2:
            return f"-m {arg[2:]}"
        if arg in ("-W", "-X", "--check-hash-based-pycs"):
            i += 2
            continue
        if not arg.startswith("-"):
            return os.path.basename(arg)
        i += 1
    return "python"


_INFRASTRUCTURE = ("multiprocessing.resource_tracker", "multiprocessing.semaphore_tracker")  # as SITECUSTOMIZE skips them


def start_from_env() -> None:
    """In a new interpreter whose environment carries ``CODETOUR_CHILD``: record it into its shard.
    Never raises (a child must run the same with or without codetour)."""
    global _session
    try:
        text = os.environ.get(ENV_VAR)
        if not text or current_session() is not None:
            return
        line = " ".join(getattr(sys, "orig_argv", sys.argv))
        if any(helper in line for helper in _INFRASTRUCTURE):
            return  # multiprocessing's own helper processes: nothing of the repo runs there
        config = ChildConfig.from_env(text)
        how, role, kind = _spawned_identity(config)
        traced = kind is None or _claim_slot(config, kind)
        redact.configure(redact.Redactor(redact.secrets_from(argv=sys.argv[1:]), enabled=config.redaction))
        # Grandchildren know this process's rank (a rank's own workers are not ranks).
        rank = ranks_from_env()[0]
        os.environ[ENV_VAR] = ChildConfig(**{**config.as_dict(), "parent_rank": rank}).to_env()
        session = Session(config, process_info(how, role, traced=traced), _recorder_class(config.backend) if traced else None)
        _session = session
        _install_exit_hooks()
        session.start()
    except Exception:
        _session = None
        _debug("recording this child failed")


# --------------------------------------------------------------------------- forked children
class ForkFollower:
    """A recorder's fork hooks: the parent decides what the child is, the child records itself."""

    def __init__(self, config: ChildConfig) -> None:
        self.config = config
        self.kinds: dict[str, int] = {}  # kind -> children of that kind forked so far (in this parent)
        self.pending: tuple[str, bool] | None = None  # (role, record in full) for the child being forked
        self.on_tick: Any = None  # called from the recorder's flusher thread (the main process's summary)

    def tick(self) -> None:
        on_tick = self.on_tick
        if on_tick is not None:
            try:
                on_tick()
            except Exception:
                _debug("updating the children summary failed")

    def before_fork(self) -> None:
        """In the parent, just before ``os.fork()``: the child's role and whether it is recorded."""
        try:
            kind, role = _fork_site(sys._getframe(2))
            n = self.kinds.get(kind, 0) + 1
            self.kinds[kind] = n
            self.pending = (role, n <= self.config.in_full)
        except Exception:
            self.pending = ("fork child", True)

    def after_fork_in_child(self, inherited: Recorder) -> None:
        """In the child, after ``inherited`` let go of the parent's trace: record into a new shard."""
        global _session
        try:
            role, traced = self.pending or ("fork child", True)
            self.pending = None
            parent_how = _session.info["how"] if _session is not None and _session.pid == os.getppid() else None
            how = "forkserver" if parent_how == "forkserver" else "fork"
            if getattr(inherited, "backend", "settrace") == "settrace":
                _untrace_stack(sys._getframe())
            session = Session(self.config, process_info(how, role, traced=traced), type(inherited))
            if session.recorder is not None:
                session.recorder.inherit(inherited)
            _session = session
            _install_exit_hooks()
            session.start()
        except Exception:
            _session = None
            _debug("recording this forked child failed")


def _untrace_stack(frame: Any) -> None:
    """The frames a forked child inherits keep the parent recorder's line tracers: drop them."""
    while frame is not None:
        with contextlib.suppress(Exception):
            frame.f_trace = None
        frame = frame.f_back


def _fork_site(frame: Any) -> tuple[str, str]:
    """(kind, role) of the child about to be forked from ``frame``: a multiprocessing Process
    is known by the function it runs (and its name); a bare ``os.fork`` by where it is called."""
    first = frame
    while frame is not None:
        if frame.f_code.co_name == "_launch" and "process_obj" in frame.f_locals:
            process = frame.f_locals["process_obj"]
            target = getattr(process, "_target", None)
            if target is None:
                name = f"{type(process).__module__}.{type(process).__qualname__}"
                return name, str(getattr(process, "name", "") or "child")
            name = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', '?')}"
            return name, _role_of(process, target)
        frame = frame.f_back
    if first is None:
        return "fork", "fork child"
    return f"fork {first.f_code.co_filename}:{first.f_lineno}", "fork child"


def _role_of(process: Any, target: Any) -> str:
    """A worker that is given its index (a ``worker_id`` argument, as DataLoader workers are) is
    named by it; any other multiprocessing child by its process name."""
    import inspect  # only for multiprocessing children: not imported by every traced run

    try:
        bound = inspect.signature(target).bind_partial(*getattr(process, "_args", ()), **getattr(process, "_kwargs", {}))
        worker_id = bound.arguments.get("worker_id")
    except (TypeError, ValueError):
        worker_id = None
    if isinstance(worker_id, int):
        module = getattr(target, "__module__", "") or ""
        label = "DataLoader worker" if module.startswith("torch.utils.data") else f"{target.__name__} worker"
        return f"{label} {worker_id}"
    return str(getattr(process, "name", "") or "child")


# --------------------------------------------------------------------------- the main process
class Follower:
    """The main process's side: the environment that makes new interpreters record themselves,
    the fork hooks, the exit codes of the children it waits for, and the ``children`` summary."""

    def __init__(self, config: ChildConfig, trace_path: Path) -> None:
        self.config = config
        self.trace_path = trace_path
        self.shard_dir = Path(config.shard_dir)
        self.reaped: dict[int, int] = {}
        self._boot_dir: str | None = None
        self._saved_env: dict[str, str | None] = {}
        self._real_waitpid: Any = None
        self._last_state: Any = None

    def install(self, recorder: Recorder) -> None:
        """Before the target starts: fork hooks on ``recorder``, the bootstrap in the environment."""
        recorder.follow = ForkFollower(self.config)
        recorder.follow.on_tick = lambda: self.update(recorder)
        # Beside the shards (not in /tmp: a killed run leaves it where the next run at this path clears it).
        boot = self.shard_dir / ".site"
        boot.mkdir(parents=True, exist_ok=True)
        (boot / "sitecustomize.py").write_text(SITECUSTOMIZE)
        self._boot_dir = str(boot)
        path = os.environ.get("PYTHONPATH")
        self._saved_env = {ENV_VAR: os.environ.get(ENV_VAR), "PYTHONPATH": path}
        os.environ[ENV_VAR] = self.config.to_env()
        os.environ["PYTHONPATH"] = self._boot_dir + (os.pathsep + path if path else "")
        self._real_waitpid = real = os.waitpid
        reaped = self.reaped

        def waitpid(pid: int, options: int) -> tuple[int, int]:
            done, status = real(pid, options)
            if done > 0:
                with contextlib.suppress(ValueError):
                    reaped[done] = os.waitstatus_to_exitcode(status)
            return done, status

        os.waitpid = waitpid

    def uninstall(self) -> None:
        """After the target: the environment and ``os.waitpid`` as they were (only in the main process)."""
        if self._real_waitpid is not None and os.waitpid is not self._real_waitpid:
            os.waitpid = self._real_waitpid
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if self._boot_dir is not None:
            shutil.rmtree(self._boot_dir, ignore_errors=True)
            self._boot_dir = None
            with contextlib.suppress(OSError):
                self.shard_dir.rmdir()  # no child ran: no shard folder either

    def update(self, recorder: Recorder) -> None:
        """Keep the trace's ``children`` current while the run goes on (from the flusher thread): when
        a shard appears or a child is waited for, the list is rewritten, with what the parent knows
        without opening a shard (its pid, its shard, the exit code it was waited for with). Opening
        a shard another process is writing could wait on its lock, and the target may fork while
        this thread waits: its child would inherit SQLite's locks taken. The whole ``process``
        information is filled in from the shards when the run ends."""
        if os.getpid() != recorder.pid or not self.shard_dir.is_dir():
            return
        shards = sorted(self.shard_dir.glob(f"*{FILE_SUFFIX}"))
        reaped = dict(self.reaped)
        state = (len(shards), frozenset(reaped.items()))
        if state == self._last_state:
            return
        self._last_state = state
        found = []
        for path in shards:
            try:
                pid = int(path.stem)
            except ValueError:
                continue
            found.append(_bare(pid, reaped.get(pid), f"{self.shard_dir.name}/{path.name}"))
        recorder.writer.set_meta({"children": found})

    def children(self, wait: float = 2.0) -> list[dict[str, Any]]:
        """Every shard's ``process`` meta with its ``shard`` path, in start order. Children still
        finishing their shard get up to ``wait`` seconds; exit codes a waiting parent saw win."""
        if not self.shard_dir.is_dir():
            return []
        deadline = time.monotonic() + wait
        found: list[dict[str, Any]] = []
        reaped = dict(self.reaped)
        infos = []
        for path in sorted(self.shard_dir.glob(f"*{FILE_SUFFIX}")):
            info = _read_process(path, deadline)
            if info is None:  # killed while its shard was being set up: the parent knows its pid
                try:
                    info = _bare(int(path.stem))
                except ValueError:
                    continue
            infos.append(info)
            for pid, code in (info.pop("_reaped", None) or {}).items():
                with contextlib.suppress(ValueError):
                    reaped.setdefault(int(pid), code)
        for info in infos:
            if reaped.get(info["pid"]) is not None:
                info["exit_code"] = reaped[info["pid"]]
            info["shard"] = f"{self.shard_dir.name}/{info['pid']}{FILE_SUFFIX}"
            found.append(info)
        found.sort(key=lambda i: (i.get("started_ns") or 0, i["pid"]))
        return found

    def cleanup_slots(self) -> None:
        shutil.rmtree(self.shard_dir / ".slots", ignore_errors=True)
        with contextlib.suppress(OSError):
            self.shard_dir.rmdir()


def _bare(pid: int, exit_code: int | None = None, shard: str | None = None) -> dict[str, Any]:
    """A child as its parent knows it without its shard's word: its pid (the rest unknown)."""
    info: dict[str, Any] = {key: None for key in ("ppid", "how", "rank", "local_rank", "world_size", "role")}
    info.update({"pid": pid, "started_ns": None, "ended_ns": None, "exit_code": exit_code})
    if shard is not None:
        info["shard"] = shard
    return info


def _read_process(path: Path, deadline: float) -> dict[str, Any] | None:
    """A shard's ``process`` meta (plus the exit codes it saw), waiting until ``deadline`` (a
    ``time.monotonic()``) for a child that is still writing its last batch."""
    from codetour.store.reader import TraceReader

    while True:
        try:
            with TraceReader(path) as reader:
                meta = reader.meta
                info = meta.get("process")
                if not isinstance(info, dict):
                    return None
                running = meta.get("status") == "running"
                if running and time.monotonic() < deadline and _alive(info.get("pid")):
                    raise _StillRunning
                return {**info, "_reaped": meta.get("reaped_children") or {}}
        except _StillRunning:
            time.sleep(0.05)
        except Exception:
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)


class _StillRunning(Exception):
    pass


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    # A zombie (exited, not yet reaped) is not running.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def clear_old_shards(shard_dir: Path) -> None:
    """Shards of an earlier run at the same trace path: removed (only trace files, never anything else)."""
    if not shard_dir.is_dir():
        return
    for path in shard_dir.glob(f"*{FILE_SUFFIX}"):
        if is_trace_file(path):
            with contextlib.suppress(OSError):
                path.unlink()
    shutil.rmtree(shard_dir / ".slots", ignore_errors=True)
    shutil.rmtree(shard_dir / ".site", ignore_errors=True)
    with contextlib.suppress(OSError):
        shard_dir.rmdir()  # only if nothing else is left in it
