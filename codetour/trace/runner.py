"""Run a script or module exactly as ``python script.py ARGS`` / ``python -m mod ARGS`` would,
with a :class:`Recorder` installed around it.

Python's behaviour reproduced here: ``sys.argv``, ``__name__ == "__main__"``,
``sys.path[0]`` (the script's folder, or the working directory for ``-m``), the
working directory, the target's own stdout/stderr, its exit code, and the
traceback it prints when it crashes (with codetour's frames removed).
"""

from __future__ import annotations

import os
import runpy
import sys
import time
import types
from pathlib import Path
from typing import Any, NoReturn

import codetour
from codetour.errors import InputError, TargetSyntaxError
from codetour.trace import children, redact
from codetour.trace.recorder import Recorder

# The classes of the recording path are plain classes, not dataclasses: ``codetour trace`` imports
# them before the target starts, and dataclasses (with the inspect module it imports, and the code
# it generates per class) was about a fifth of codetour's fixed cost in every traced run.


class Target:
    """What to run: a script path or a module name, and its arguments."""

    def __init__(
        self,
        script: Path | None = None,
        module: str | None = None,
        args: list[str] | None = None,
        argv0: str = "",
        cwd: Path | None = None,
    ) -> None:
        self.script = script
        self.module = module
        self.args: list[str] = [] if args is None else args
        self.argv0 = argv0  # sys.argv[0] exactly as the user typed it
        self.cwd = cwd  # where to run it (a `python -m` entry runs from its repo root); None: here

    def _fields(self) -> tuple[Any, ...]:
        return (self.script, self.module, self.args, self.argv0, self.cwd)

    def __repr__(self) -> str:
        return "Target(script={!r}, module={!r}, args={!r}, argv0={!r}, cwd={!r})".format(*self._fields())

    def __eq__(self, other: object) -> bool:
        return self._fields() == other._fields() if isinstance(other, Target) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    @property
    def display(self) -> str:
        return f"-m {self.module}" if self.module else str(self.script)


class RunResult:
    """How the target ended."""

    def __init__(
        self,
        exit_code: int,
        status: str,
        exception: dict[str, Any] | None = None,
        wall_s: float = 0.0,
        children: list[dict[str, Any]] | None = None,
    ) -> None:
        self.exit_code = exit_code
        self.status = status  # "ok", "exit", "exception", "interrupted"
        self.exception = exception
        self.wall_s = wall_s
        self.children: list[dict[str, Any]] = [] if children is None else children  # processes it started

    def _fields(self) -> tuple[Any, ...]:
        return (self.exit_code, self.status, self.exception, self.wall_s, self.children)

    def __repr__(self) -> str:
        return "RunResult(exit_code={!r}, status={!r}, exception={!r}, wall_s={!r}, children={!r})".format(*self._fields())

    def __eq__(self, other: object) -> bool:
        return self._fields() == other._fields() if isinstance(other, RunResult) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


def load_script(path: Path) -> types.CodeType:
    """Read and compile a script; missing files and syntax errors become one-line errors."""
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a directory", hint="name a .py file, or use `codetour discover` on it")
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    if b"\0" in source[:4096]:
        raise InputError(f"{path} is not a Python file (it is binary)")
    try:
        return compile(source, str(path.resolve()), "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"{path}:{exc.lineno}" if exc.lineno else str(path)
        raise TargetSyntaxError(f"{where}: {type(exc).__name__}: {exc.msg}") from None
    except ValueError as exc:  # e.g. "source code string cannot contain null bytes"
        raise InputError(f"{path} is not a Python file ({exc})") from None


def run(target: Target, recorder: Recorder, code: types.CodeType | None = None) -> RunResult:
    """Run the target under ``recorder``. Never raises for anything the target does. ``code`` is the
    script already compiled by :func:`load_script` (compiled here when not given)."""
    if code is None and target.script is not None:
        code = load_script(target.script)
    if target.module is not None:
        _check_module(target.module, target.cwd)

    saved_argv = sys.argv[:]
    saved_path = sys.path[:]
    saved_main = sys.modules.get("__main__")
    saved_cwd = os.getcwd()
    started = time.perf_counter()
    result: RunResult
    try:
        if target.cwd is not None:
            os.chdir(target.cwd)
        if code is not None and target.script is not None:
            script = target.script.resolve()
            sys.argv = [target.argv0 or str(target.script), *target.args]
            sys.path[0:0] = [os.path.dirname(os.path.realpath(script))]
            main = types.ModuleType("__main__")
            main.__dict__.update({"__file__": str(script), "__builtins__": __builtins__, "__cached__": None, "__spec__": None})
            sys.modules["__main__"] = main
            recorder.start()
            recorder.watch(code)
            try:
                exec(code, main.__dict__)
            finally:
                recorder.stop()
        else:
            sys.argv = [target.module or "", *target.args]
            sys.path[0:0] = [os.getcwd()]
            recorder.start()
            try:
                runpy.run_module(target.module or "", run_name="__main__", alter_sys=True)
            finally:
                recorder.stop()
        result = RunResult(0, "ok")
    except SystemExit as exc:
        result = RunResult(_exit_code(exc.code), "exit", {"type": "SystemExit", "code": repr(exc.code)})
    except KeyboardInterrupt:
        print("Traceback (most recent call last):\n  ...\nKeyboardInterrupt", file=sys.stderr)
        result = RunResult(130, "interrupted", {"type": "KeyboardInterrupt"})
    except BaseException as exc:  # the target crashed: print its traceback like Python does
        _print_target_traceback(exc)
        message = redact.current.text(_safe_str(exc))
        result = RunResult(1, "exception", {"type": type(exc).__qualname__, "message": message})
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        try:
            os.chdir(saved_cwd)  # the target may have chdir'd; codetour writes relative to where it started
        except OSError:
            pass
        _flush_std()
    result.wall_s = time.perf_counter() - started
    return result


def _check_module(name: str, cwd: Path | None = None) -> None:
    """Fail early, like ``python -m``, if the module cannot be found.

    Looks it up on ``sys.path`` with the working directory first (as ``python -m`` would)
    without importing anything: importing parent packages here would run their code
    before the recorder starts.
    """
    from importlib.machinery import PathFinder

    search = [str(cwd) if cwd is not None else os.getcwd(), *sys.path]
    spec = None
    for part in name.split("."):
        if not part.isidentifier():
            raise InputError(f"{name!r} is not a module name")
        spec = PathFinder.find_spec(part, search)
        if spec is None:
            raise InputError(f"no module named {name!r}", hint="run from the folder that contains it, as with python -m")
        search = list(spec.submodule_search_locations or [])


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF  # as the OS reports it: sys.exit(-1) is 255
    print(code, file=sys.stderr)  # sys.exit("message") prints the message and exits 1
    return 1


def _print_target_traceback(exc: BaseException) -> None:
    """Python's own report, minus the frames that belong to codetour."""
    tb = exc.__traceback__
    import traceback  # only a crashed target needs it

    own = os.path.dirname(codetour.__file__)
    runpy_file = runpy.__file__
    while tb is not None and (tb.tb_frame.f_code.co_filename.startswith(own) or tb.tb_frame.f_code.co_filename == runpy_file):
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb, file=sys.stderr)


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:500]
    except Exception:
        return f"<unprintable {type(exc).__name__}>"


def _flush_std() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass


def platform_name() -> str:
    """``platform.platform()`` without the ``uname -p`` subprocess it runs (5-10 ms of every traced
    run), and on Linux without the platform module (which imports subprocess on Python 3.10): the
    same name from ``os.uname()`` and glibc's version, which is what it reads there (the processor
    is left out of the name when unknown or the same as the machine, as on Linux)."""
    if sys.platform.startswith("linux"):
        uname = os.uname()
        name = f"{uname.sysname}-{uname.release}-{uname.machine}"
        try:
            lib, version = (os.confstr("CS_GNU_LIBC_VERSION") or "").split(maxsplit=1)
        except (ValueError, OSError):  # not glibc
            return name
        return f"{name}-with-{lib}{version}"
    import platform

    return platform.platform()


def python_implementation() -> str:
    """``platform.python_implementation()`` ("CPython"), read from ``sys.implementation``."""
    name = sys.implementation.name
    if name == "cpython":
        return "CPython"
    import platform

    return platform.python_implementation()


def run_metadata(target: Target, recorder: Recorder, result: RunResult | None) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "codetour_version": codetour.__version__,
        "python_version": sys.version.split()[0],  # platform.python_version()
        "python_implementation": python_implementation(),
        "platform": platform_name(),
        "argv": redact.current.argv([target.argv0 or target.display, *target.args]),
        "redacted": redact.current.enabled,
        "entry": str(target.script.resolve()) if target.script else None,
        "module": target.module,
        "cwd": os.getcwd(),
        "root": str(recorder.scope.root),
        "include": recorder.scope.include,
        "exclude": recorder.scope.exclude,
        "library_calls": recorder.scope.library_calls,
        "budgets": recorder.budgets.as_dict(),
        "backend": getattr(recorder, "backend", "settrace"),
        "dispatch": recorder.dispatch,
        "library_imports": getattr(recorder, "library_imports", None),
        "pid": recorder.pid,
        "start_time": getattr(recorder, "started_wall", None),
        "end_time": time.time(),
        "previous_tracer": None if recorder.previous_trace is None else repr(recorder.previous_trace),
        "displaced_by": recorder.displaced_by,
        "events": recorder.events_recorded,
    }
    if result is not None:
        meta.update(
            {
                "status": f"recording failed: {recorder.failed}" if recorder.failed else result.status,
                "exit_code": result.exit_code,
                "exception": result.exception,
                "wall_s": result.wall_s,
            }
        )
    return meta


def record(
    target: Target,
    recorder: Recorder,
    *,
    redaction: bool = True,
    follow: children.ChildConfig | None = None,
    code: types.CodeType | None = None,
) -> RunResult:
    """Run ``target`` under ``recorder`` and leave a complete, closed trace file behind.

    The metadata is written before the run starts (status ``running``), so even a
    trace whose process was killed says what it was a recording of. Secrets are
    redacted from everything stored unless ``redaction`` is off (``--no-redact``).
    A failure to write never stops the target: it is kept in ``recorder.failed``
    and in the trace's status. A target that ends with ``os._exit`` still gets its
    trace finished first. With ``follow``, the processes the target starts record
    themselves into shards beside the trace (:mod:`codetour.trace.children`), and the
    trace's ``children`` meta lists them when the run ends.
    """
    redact.configure(redact.Redactor(redact.secrets_from(argv=target.args), enabled=redaction))
    writer = recorder.writer
    process = children.process_info("main", "main")
    _write_meta(recorder, {**run_metadata(target, recorder, None), "status": "running", "process": process})
    follower = children.Follower(follow, writer.path) if follow is not None else None
    result = None
    real_exit = os._exit

    def finished(result: RunResult) -> dict[str, Any]:
        meta = run_metadata(target, recorder, result)
        meta["process"] = {**process, "ended_ns": time.time_ns(), "exit_code": result.exit_code}
        if follower is not None and os.getpid() == recorder.pid:
            follower.uninstall()
            meta["children"] = result.children = follower.children()
            follower.cleanup_slots()
        return meta

    def exit_now(status: int) -> NoReturn:  # os._exit skips every finally: write the trace first
        if os.getpid() == recorder.pid:
            try:
                recorder.stop()
                _write_meta(recorder, finished(RunResult(status & 0xFF, "os._exit")))
                writer.close()
            except BaseException:
                pass
        real_exit(status)

    os._exit = exit_now
    try:
        if follower is not None:
            follower.install(recorder)
        result = run(target, recorder, code)
    finally:
        os._exit = real_exit
        if result is None:  # codetour itself failed (e.g. bad input): say so in the file
            if follower is not None:
                follower.uninstall()
            _write_meta(recorder, {"status": "not-run"})
        else:
            _write_meta(recorder, finished(result))
        writer.close()
    if os.getpid() != recorder.pid:
        # A child the target forked ran to the end of the script: it ends there, as under plain
        # Python (its own shard finished, its atexit handlers run), without codetour's summary.
        session = children.current_session()
        if session is not None:
            session.finish(result.exit_code, "ok" if result.status == "ok" else result.status)
        raise SystemExit(result.exit_code)
    return result


def _write_meta(recorder: Recorder, items: dict[str, Any]) -> None:
    """Metadata writes fail like batch writes do: into ``recorder.failed``, never into the target."""
    if recorder.failed is not None:
        items = {**items, "status": f"recording failed: {recorder.failed}"}
    try:
        recorder.writer.set_meta(items)
    except Exception as exc:
        if recorder.failed is None:
            recorder.failed = f"{type(exc).__name__}: {exc}"
