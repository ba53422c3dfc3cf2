"""Recording orchestration: from what the user named to a finished trace file.

``resolve_target`` turns a script, ``-m MODULE`` or a repo folder into a :class:`Target`
(a folder runs its primary train entry, found by discovery without running anything);
``record_target`` chooses the trace path, checks it, runs the target under the recorder and
returns a :class:`Recording`. The command line only parses and prints.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from codetour.errors import InputError, NoEntryPointError, UsageError
from codetour.store.schema import FILE_SUFFIX
from codetour.store.writer import TraceWriter
from codetour.trace.children import DEFAULT_IN_FULL, ChildConfig, clear_old_shards, shard_dir_for
from codetour.trace.monitoring import choose_backend
from codetour.trace.recorder import Budgets, Recorder
from codetour.trace.runner import RunResult, Target, load_script, record
from codetour.trace.scope import Scope, find_repo_root

# Plain classes, not dataclasses: see codetour.trace.runner (imported before every traced run).


class Resolved:
    """A target ready to run, where its repo root is looked for, and what to tell the user."""

    def __init__(
        self, target: Target, where: Path, root: Path | None = None, notes: list[str] | None = None, launcher: bool = False
    ) -> None:
        self.target = target
        self.where = where  # the folder the repo root is searched from
        self.root = root  # the root itself, when the user named a repo folder
        self.notes: list[str] = [] if notes is None else notes
        self.launcher = launcher  # a console script found on PATH (torchrun): not the repo's own code

    def __repr__(self) -> str:
        return f"Resolved(target={self.target!r}, where={self.where!r}, root={self.root!r}, launcher={self.launcher!r})"


class Recording:
    """A finished recording: the trace file, the recorder's counts, and how the target ended."""

    def __init__(
        self,
        path: Path,
        recorder: Recorder,
        result: RunResult,
        backend_note: str | None = None,
        launcher: Path | None = None,
    ) -> None:
        self.path = path
        self.recorder = recorder
        self.result = result
        self.backend_note = backend_note  # why the backend is not the one asked for, when it is not
        self.launcher = launcher  # the console script that ran (torchrun), when the target was one

    def __repr__(self) -> str:
        return f"Recording(path={self.path!r}, result={self.result!r}, backend_note={self.backend_note!r})"

    @property
    def outside_root(self) -> list[str]:
        """Files that ran outside the root and were not recorded (not libraries either)."""
        shown = self.recorder.scope.outside
        if self.launcher is not None:
            shown = shown - {os.path.realpath(self.launcher)}
        return sorted(shown)


def resolve_target(target: str | None, args: list[str], module: str | None = None) -> Resolved:
    """What `codetour trace TARGET ARGS` / `-m MODULE ARGS` runs.

    A launcher (``torchrun``, any Python console script on PATH, or an installed module such as
    ``-m torch.distributed.run``) runs as it would from the shell; the repo it records is the one
    around the first ``.py`` file among its arguments (the script it launches), else the working
    directory.
    """
    if module:
        where = Path.cwd()
        if not _module_under(module, where):
            where = _launched_script_folder(args) or where
        return Resolved(Target(module=module, args=list(args)), where)
    if not target:
        raise UsageError("nothing to trace: name a script, -m MODULE, or a repo folder (see `codetour trace --help`)")
    path = Path(target)
    if path.is_dir():
        from codetour.discover import discover

        result = discover(path)
        entry = result.primary_entry("train") or (result.entries[0] if result.entries else None)
        if entry is None:
            raise NoEntryPointError(f"no entry point found in {path}", hint="name the script to run")
        role = "train" if "train" in entry.roles else entry.role
        command = entry.command_for(role)
        # Arguments given after a folder are added to the flag that selects the entry's mode
        # (`main.py --mode train`), never replace it, unless they set that flag themselves.
        mode = [entry.mode_flag, entry.mode_values[role]] if entry.mode_flag and role in entry.mode_values else []
        if entry.mode_flag and any(a == entry.mode_flag or a.startswith(entry.mode_flag + "=") for a in args):
            mode = []
        if command[:2] == ["python", "-m"] and len(command) > 2:
            # A package module (`python -m pkg.train`): run as documented, from the repo root.
            default_args = command[3:]
            extra = [*mode, *args] if args else default_args
            chosen = Target(module=command[2], args=extra, cwd=result.root)
            shown = f"-m {command[2]}"
        else:
            script = result.root / entry.path
            default_args = entry.args_for(role)
            extra = [*mode, *args] if args else default_args
            chosen = Target(script=script, args=extra, argv0=str(script))
            shown = entry.path
        notes = [f"{path} is a folder: tracing its primary {role} entry {shown} {' '.join(extra)}".rstrip()]
        if not args:
            notes.append(
                "that is its default run, which may be long: arguments after the folder go to the entry (e.g. --epochs 1)"
            )
        where = chosen.script.parent if chosen.script is not None else result.root
        return Resolved(chosen, where, root=result.root, notes=notes)
    if not path.exists():
        launcher = _console_script(target)
        if launcher is not None:
            where = _launched_script_folder(args) or Path.cwd()
            return Resolved(Target(script=launcher, args=list(args), argv0=target), where, launcher=True)
        raise InputError(f"no such file: {path}")
    if path.suffix not in (".py", ".pyw", ""):
        raise InputError(f"{path} is not a Python file", hint="name a .py script or use -m MODULE")
    return Resolved(Target(script=path, args=list(args), argv0=target), path.parent)


def _console_script(name: str) -> Path | None:
    """``name`` as the shell would find it on PATH, if it is a Python script (a console script such
    as ``torchrun``): its first line is a ``#!`` naming a Python interpreter."""
    if os.sep in name or (os.altsep and os.altsep in name):
        return None
    import shutil

    found = shutil.which(name)
    if found is None:
        return None
    try:
        with open(found, "rb") as fh:
            first = fh.readline(256)
    except OSError:
        return None
    return Path(found) if first.startswith(b"#!") and b"python" in first else None


def _launched_script_folder(args: list[str]) -> Path | None:
    """The folder of the first existing ``.py`` file among a launcher's arguments."""
    for arg in args:
        if arg.endswith(".py") and Path(arg).is_file():
            return Path(arg).resolve().parent
    return None


def _module_under(module: str, folder: Path) -> bool:
    """Is ``module``'s top-level package a file or folder in ``folder`` (the user's own code)?"""
    from importlib.machinery import PathFinder

    top = module.split(".")[0]
    return top.isidentifier() and PathFinder.find_spec(top, [str(folder)]) is not None


def default_trace_path(root: Path, name: str) -> Path:
    """``ROOT/.codetour/NAME.YYYYmmdd-HHMMSS.ctrace``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return root / ".codetour" / f"{name}.{stamp}{FILE_SUFFIX}"


def record_target(
    resolved: Resolved,
    *,
    output: str | None = None,
    root: str | None = None,
    budgets: Budgets | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    library_calls: bool = False,
    force: bool = False,
    redaction: bool = True,
    around: Callable[[Recorder], AbstractContextManager[object]] | None = None,
    backend: str | None = None,
    follow_children: bool = True,
    workers_in_full: int = DEFAULT_IN_FULL,
) -> Recording:
    """Record a resolved target into a trace file.

    Everything that can be checked is checked before the target starts: the script compiles,
    ``--root`` exists, and the output path is free or an earlier trace (``--force`` to replace
    anything else). ``around(recorder)`` wraps the run (the CLI's live status line). ``backend``
    is ``settrace``, ``monitoring`` (Python 3.12+) or ``auto`` (the default, or $CODETOUR_BACKEND).
    ``follow_children`` records the processes the target starts into ``OUT.d/<pid>.ctrace``, at most
    ``workers_in_full`` identical workers per parent in full (see :mod:`codetour.trace.children`);
    shards of an earlier run at the same path are removed either way.
    """
    try:
        recorder_class, backend_note = choose_backend(backend or os.environ.get("CODETOUR_BACKEND") or "auto")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    target = resolved.target
    # Missing file, binary, syntax error: fail before creating anything. Compiled once, for the run too.
    code = load_script(target.script) if target.script is not None else None
    if root:
        root_path = Path(root).resolve()
        if not root_path.is_dir():
            raise InputError(f"--root {root} is not a directory")
    else:
        root_path = trace_root(resolved)
    name = _name(target)
    out_path = Path(output) if output else default_trace_path(root_path, name)
    protect = [target.script] if target.script is not None else []
    scope = Scope(root_path, include=include or [], exclude=exclude or [], library_calls=library_calls)
    budgets = budgets or Budgets()
    recorder = recorder_class(TraceWriter(out_path, force=force, protect=protect), scope, budgets)
    shard_dir = shard_dir_for(out_path)
    clear_old_shards(shard_dir)
    follow = None
    if follow_children:
        follow = ChildConfig(
            shard_dir=str(shard_dir.resolve()),
            root=str(scope.root),
            include=list(scope.include),
            exclude=list(scope.exclude),
            library_calls=scope.library_calls,
            calls=budgets.calls,
            iterations=budgets.iterations,
            backend=getattr(recorder, "backend", "settrace"),
            redaction=redaction,
            in_full=workers_in_full,
            main_pid=os.getpid(),
        )
    with around(recorder) if around is not None else nullcontext():
        result = record(target, recorder, redaction=redaction, follow=follow, code=code)
    launcher = target.script if resolved.launcher else None
    return Recording(out_path, recorder, result, backend_note or getattr(recorder, "tool_note", None), launcher)


# How many traces of one entry `.codetour/` keeps: the oldest beyond this are removed after a new
# recording to the default path (never a file given with -o, never anything but a finished trace).
KEEP_TRACES = 10


def trace_root(resolved: Resolved, root: str | None = None) -> Path:
    """The repo root a recording of ``resolved`` uses (where its default trace path lives)."""
    if root:
        return Path(root).resolve()
    return resolved.root.resolve() if resolved.root is not None else find_repo_root(resolved.where)


def _name(target: Target) -> str:
    return target.script.stem if target.script else (target.module or "module").rsplit(".", 1)[-1]


def _same_run(meta: dict, target: Target, root: Path) -> bool:
    if meta.get("status") not in ("ok", "exit") or meta.get("exit_code") != 0 or meta.get("redacted") is False:
        return False
    if meta.get("root") != str(root) or meta.get("cwd") != os.getcwd():
        return False
    if target.script is not None:
        same_entry = meta.get("entry") == str(target.script.resolve())
    else:
        same_entry = meta.get("module") == target.module
    return same_entry and list(meta.get("argv") or [])[1:] == list(target.args)


def find_reusable(resolved: Resolved, root: str | None = None) -> Path | None:
    """The newest finished trace in ROOT/.codetour of the same entry, arguments, working directory
    and budgets whose recorded sources are all unchanged on disk: recording again would show the same."""
    folder = trace_root(resolved, root) / ".codetour"
    candidates = sorted(folder.glob(f"{_name(resolved.target)}.*{FILE_SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    import codetour
    from codetour.store.reader import TraceReader, is_trace_file

    for path in candidates[:KEEP_TRACES]:
        if not is_trace_file(path):
            continue
        try:
            with TraceReader(path) as reader:
                meta = reader.meta
                if meta.get("codetour_version") != codetour.__version__ or meta.get("budgets") != Budgets().as_dict():
                    continue
                if _same_run(meta, resolved.target, trace_root(resolved, root)) and not reader.stale_files():
                    return path
        except Exception:
            continue  # an unreadable candidate is simply not reused
    return None


def prune_old_traces(recording: Recording, keep: int = KEEP_TRACES) -> list[Path]:
    """Remove the oldest finished traces of the same entry beyond ``keep`` in the same folder."""
    from codetour.store.reader import TraceReader, is_trace_file

    folder = recording.path.parent
    name = recording.path.name.split(".")[0]
    traces = [p for p in folder.glob(f"{name}.*{FILE_SUFFIX}") if p != recording.path and is_trace_file(p)]
    traces.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    removed = []
    for old in traces[max(keep - 1, 0) :]:
        try:
            with TraceReader(old) as reader:
                if reader.meta.get("status") == "running":
                    continue  # possibly still being written, or the only record of a killed run
            old.unlink()
            clear_old_shards(shard_dir_for(old))  # its children's shards go with it
            removed.append(old)
        except Exception:
            continue
    return removed
