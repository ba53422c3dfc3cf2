"""The ``sys.monitoring`` (PEP 669) recorder, for Python 3.12+: the same trace as the settrace
recorder, without paying for the code it does not record.

Event plumbing (everything else, from the function registry to flushing, stop-time bookkeeping
and failure handling, is :class:`~codetour.trace.recorder.Recorder`'s):

- ``PY_START`` / ``PY_RESUME`` are *local* events, set only on the code objects of files in scope,
  found as they are made (see *Finding the code in scope*). Code out of scope is never instrumented
  for codetour at all: a global ``PY_START`` that answers ``DISABLE`` at the first event of each
  library code object still makes CPython instrument every code object that runs, which cost more
  than everything else the recorder did on a library-heavy run (``benchmarks/bench_trace.py``).
- A code object in scope that has run gets ``PY_RETURN`` and ``PY_YIELD`` too, and ``LINE`` and
  ``JUMP`` (settrace reports a backward jump to the same line as a line event; so does this
  recorder) only while the function has a recorded activation in progress or detail budget left.
  A function past its budget runs with call-level events only.
- ``RAISE``, ``PY_UNWIND`` and ``PY_THROW`` are global by nature (PEP 669 has no local form for
  them): one dict lookup for code out of scope.
- Callbacks receive a code object, not a frame; the frame is ``sys._getframe(1)``, fetched only
  for code in scope. Monitoring is process-wide: each thread has its own shadow stack, as with
  settrace, found through ``threading.local``.

Finding the code in scope. Every code object of a module comes from one compilation: the module's
code object holds its functions', which hold their nested ones (``co_consts``). So the recorder
walks each compiled module in scope once and sets the local events on all of it, where the code is
made:

- the script the runner compiled (:meth:`MonitoringRecorder.watch`);
- modules loaded from source or bytecode by the standard loaders (``SourceLoader.get_code`` and
  ``SourcelessFileLoader.get_code``, wrapped while recording): imports, ``-m``, ``importlib.reload``,
  ``spec_from_file_location`` + ``exec_module``;
- code the target compiles itself (``builtins.compile``, wrapped while recording, inheriting the
  caller's ``__future__`` flags as the builtin does): ``runpy.run_path`` (how ``multiprocessing``
  'spawn' children load the parent's main script) and ``exec(compile(source, path, "exec"))``;
- modules in scope already imported when recording starts (an earlier recording in this process):
  their functions, found with the garbage collector;
- with ``--library-calls``, every code object: PY_START and PY_RESUME are global, and code out
  of scope answers ``DISABLE`` at its first event;
- a child interpreter's main script (``python train.py`` started by the target, a ``torchrun``
  rank), which the interpreter compiles itself: until its module code starts, ``PY_START`` is
  global, as it was for everything before.

A code object made any other way (``types.CodeType`` or ``code.replace()``, marshal) is not
recorded by this backend. Strings run with ``exec``/``eval`` are ``<string>`` and out of scope on
both backends.

Loops past their iteration budget keep their line events (a fold counts the iterations and the
lines it skipped, and samples the loop's scalars at its head), exactly as the settrace recorder
does, so the two backends write the same events. Where it is built, the LINE callback is
``codetour.trace._lines.FoldedLines``: ``on_line`` in C, calling the same Python helpers for
everything past a folded line.
"""

from __future__ import annotations

import builtins
import gc
import os
import sys
import time
from importlib.machinery import SourceFileLoader, SourcelessFileLoader
from types import CodeType, FunctionType
from typing import Any

from codetour.store.writer import TraceWriter
from codetour.trace import forks, series
from codetour.trace.recorder import (
    CHILD,
    EDGE,
    END_FOR_OPS,
    FID,
    FOLD,
    FRAME,
    LAST_LINE,
    NEAREST,
    ROW,
    SEEN,
    START,
    Budgets,
    Recorder,
)
from codetour.trace.scope import IGNORE, Scope

TOOL_NAME = "codetour"
# ``sys.monitoring`` (Python 3.12+), typed loosely: the type checker may run for an older Python.
_monitoring: Any = getattr(sys, "monitoring", None)
AVAILABLE = _monitoring is not None

# Tool ids tried in order: the profiler's (codetour times and counts calls), then the two ids
# PEP 669 leaves unassigned. Debuggers (0) and coverage tools (1) keep theirs.
_TOOL_IDS = (2, 3, 4)
# Set once a recorder in this process has used a tool id: the locations it disabled stay
# disabled for that id until ``sys.monitoring.restart_events()``.
_used_ids: set[int] = set()


class ToolIdsInUse(RuntimeError):
    """Every ``sys.monitoring`` tool id codetour could use is held by another tool."""


def tools_in_use() -> dict[int, str]:
    """The ``sys.monitoring`` tool ids codetour could use that another tool holds: id -> its name."""
    if not AVAILABLE:
        return {}
    taken = {}
    for tool in _TOOL_IDS:
        name = _monitoring.get_tool(tool)
        if name is not None:
            taken[tool] = name
    return taken


def free_tool_id() -> int | None:
    """The first tool id codetour could register with, or None if all are taken."""
    taken = tools_in_use()
    return next((t for t in _TOOL_IDS if t not in taken), None)


class MonitoringRecorder(Recorder):
    """Records one run with ``sys.monitoring``. Same interface and trace format as :class:`Recorder`."""

    backend = "monitoring"

    def __init__(self, writer: TraceWriter, scope: Scope, budgets: Budgets | None = None) -> None:
        super().__init__(writer, scope, budgets)
        self.tool_id: int | None = None
        self.tool_note: str | None = None  # set when the preferred tool id was taken by another tool
        self.func_codes: list[Any] = []  # function id -> code object (for its local events)
        self._lines_on: list[bool] = []  # function id -> LINE/JUMP events enabled on its code
        self._live: list[int] = []  # function id -> recorded activations in progress
        self._global_events = 0
        self._start_local = 0  # code in scope that has not run yet: PY_START and PY_RESUME
        self._base_local = 0  # code in scope that has run: and its returns and yields
        self._line_local = 0  # and its lines, while it has something left to record in detail
        self._on_start: Any = None  # the PY_START callback (a one-shot one stands in after a fork)
        # Code objects of files in scope with codetour's local events, kept alive so that their ids
        # stay theirs (see "Finding the code in scope" above).
        self._watched: list[Any] = []
        self._watched_ids: set[int] = set()
        self._inherited: list[Any] = []  # a forked child's: the code its parent's recorder watched
        self._main_pending: str | None = None  # a child's main script, until its module code starts
        self._hooks: list[tuple[Any, str, Any, Any]] = []  # (owner, name, original, wrapper) while recording
        self._oneshot_armed = False  # PY_START is global until the first call after a fork

    # ------------------------------------------------------------------ registry
    def _register(self, code: Any) -> int:
        fid = super()._register(code)
        if fid >= 0 and fid == len(self.func_codes):
            self.func_codes.append(code)
            self._lines_on.append(False)
            self._live.append(0)
            if self.tool_id is not None:
                _monitoring.set_local_events(self.tool_id, code, self._base_local)
            if id(code) not in self._watched_ids:
                # Found by a global event (a child's main script, a generator thrown into): its
                # nested code has not been watched yet.
                self.watch(code)
            pending = self._main_pending
            if pending is not None and code.co_name == "<module>" and self.scope.realpath(code.co_filename) == pending:
                self._main_pending = None  # the child's main script has started: its code is watched now
                self._global_events &= ~_monitoring.events.PY_START
                _monitoring.set_events(self.tool_id, self._global_events)
        return fid

    # ------------------------------------------------------- finding the code in scope
    def watch(self, code: Any) -> None:
        """Give ``code`` and every code object nested in it (its functions, class bodies, lambdas,
        comprehensions) codetour's start events. For code in scope: the script the runner compiled,
        a module a loader made."""
        tool = self.tool_id
        if tool is None or not self.active:
            return
        set_local = _monitoring.set_local_events
        watched_ids = self._watched_ids
        watched = self._watched
        code_ids = self.code_ids
        start_local = self._start_local
        todo = [code]
        while todo:
            c = todo.pop()
            if id(c) in watched_ids:
                continue
            watched_ids.add(id(c))
            watched.append(c)
            if id(c) not in code_ids:  # a registered one has its events already
                set_local(tool, c, start_local)
            todo.extend(k for k in c.co_consts if type(k) is CodeType)

    def inherit(self, parent: Recorder) -> None:
        """This recorder starts in a forked child of ``parent``'s process: the code objects the parent
        found are this process's too, and no loader will make them again."""
        self._inherited = list(getattr(parent, "_watched", ()))

    def _discover(self, code: Any) -> None:
        """Code a loader or ``compile`` just made: watched if its file is in scope."""
        filename = code.co_filename
        kind = self.file_kinds.get(filename)
        if kind is None:
            kind = self.file_kinds[filename] = self.scope.classify(filename)
        if kind != IGNORE:
            self.watch(code)

    def _install_hooks(self) -> None:
        """Wrap the standard loaders' ``get_code`` and ``builtins.compile`` while recording."""
        recorder = self

        def loaded(real: Any) -> Any:
            def get_code(loader: Any, fullname: str) -> Any:
                code = real(loader, fullname)
                if code is not None and recorder.active:
                    recorder._discover(code)
                return code

            return get_code

        real_compile = builtins.compile
        getframe = sys._getframe

        def compile(
            source: Any, filename: Any, mode: str, flags: int = 0, dont_inherit: bool = False, optimize: int = -1, **kw: Any
        ) -> Any:
            if not dont_inherit:  # the __future__ flags of the code calling compile, as the builtin takes them
                flags |= getframe(1).f_code.co_flags & _future_flags()
            code = real_compile(source, filename, mode, flags, True, optimize, **kw)
            if type(code) is CodeType and recorder.active:
                recorder._discover(code)
            return code

        compile.__doc__ = real_compile.__doc__
        source_loader = next(c for c in SourceFileLoader.__mro__ if "get_code" in vars(c))
        for owner, name, wrap in (
            (source_loader, "get_code", loaded),
            (SourcelessFileLoader, "get_code", loaded),
            (builtins, "compile", lambda real: compile),
        ):
            real = getattr(owner, name)
            ours = wrap(real)
            setattr(owner, name, ours)
            self._hooks.append((owner, name, real, ours))

    def _remove_hooks(self) -> None:
        for owner, name, real, ours in reversed(self._hooks):
            if getattr(owner, name, None) is ours:  # else someone wrapped it since: ours passes through
                setattr(owner, name, real)
        self._hooks.clear()

    def _watch_imported(self) -> None:
        """Modules in scope imported before this recording started (an earlier recording in this
        process): no loader makes their code again, so their functions are found with the garbage
        collector. Only files under the root (or matched by an include glob) can be in scope."""
        prefix = self.scope.root_prefix
        files = set()
        for name, module in list(sys.modules.items()):
            if name == "__main__":
                continue  # the runner's, not run yet (watched by the runner), or the process's own
            filename = getattr(module, "__file__", None)
            if isinstance(filename, str) and (filename.startswith(prefix) or self.scope.include):
                kind = self.file_kinds.get(filename)
                if kind is None:
                    kind = self.file_kinds[filename] = self.scope.classify(filename)
                if kind != IGNORE:
                    files.add(filename)
        if files:
            for obj in gc.get_objects():
                if type(obj) is FunctionType and obj.__code__.co_filename in files:
                    self.watch(obj.__code__)

    def _script_the_interpreter_runs(self) -> str | None:
        """The real path of the script this interpreter is about to compile and run itself, if it is
        in scope: a child started as ``python train.py`` records from its ``sitecustomize``, before
        ``__main__`` has a ``__file__``."""
        main = sys.modules.get("__main__")
        argv0 = sys.argv[0] if sys.argv else ""
        if main is None or getattr(main, "__file__", None) is not None or not argv0 or argv0.startswith("-"):
            return None
        if not os.path.isfile(argv0):
            return None
        path = self.scope.realpath(os.path.abspath(argv0))
        return path if self.scope.classify(path) != IGNORE else None

    def _set_lines(self, fid: int, on: bool) -> None:
        self._lines_on[fid] = on
        tool = self.tool_id
        if tool is not None and self.active:
            _monitoring.set_local_events(tool, self.func_codes[fid], self._line_local if on else self._base_local)

    # ------------------------------------------------------------------ hot path
    def _callbacks(self) -> dict[int, Any]:
        mon = _monitoring
        ev = mon.events
        DISABLE = mon.DISABLE
        getframe = sys._getframe
        code_ids = self.code_ids
        code_ids_get = code_ids.get
        keepalive = self.code_keepalive.append
        file_kinds_get = self.file_kinds.get
        recorder = self
        register = self._register
        func_calls = self.func_calls
        func_recorded = self.func_recorded
        func_total = self.func_total
        func_self = self.func_self
        func_lines = self.func_lines
        func_callers = self.func_callers
        lines_on = self._lines_on
        live = self._live
        set_lines = self._set_lines
        edges = self.edges
        tls = self._tls
        thread_index = self._thread_index
        perf = time.perf_counter_ns
        call_budget = self.budgets.calls if self.budgets.calls is not None else sys.maxsize
        kinds_get = series.KINDS.get
        NOT, INT = series.NOT, series.INT
        line_maps: dict[int, dict[int, int]] = {}  # id(code) -> instruction offset -> line
        # What a recorded call, line, loop, exception and return write: shared with settrace.
        shared = self._hot_helpers()
        unfold = shared.unfold
        close_fold = shared.close_fold
        sample = shared.sample
        returned = shared.returned
        pop_entry = shared.pop_entry
        begin_call = shared.begin_call
        line_event = shared.line_event
        exception_event = shared.exception_event
        end_call = shared.end_call

        def on_unwind(code: Any, offset: int, exc: BaseException) -> None:
            # Global: one lookup for code out of scope (PY_UNWIND cannot be disabled).
            fid = code_ids_get(id(code))
            if fid is not None and fid >= 0:
                on_return(code, offset, None, 2)

        def on_return(code: Any, offset: int, arg: Any, depth: int = 1) -> None:
            """PY_RETURN / PY_YIELD of code in scope (local events): a frame returns or yields ``arg``;
            from PY_UNWIND (``depth`` 2) it ends with an exception."""
            now = perf()
            frame = getframe(depth)
            try:
                stack = tls.stack
            except AttributeError:
                return
            if stack and stack[-1][FRAME] is frame:
                entry = stack.pop()
            else:
                popped, stack = pop_entry(frame)
                if popped is None:
                    return
                entry = popped
            if entry[ROW] >= 0:
                fid = entry[FID]
                n = live[fid] - 1
                live[fid] = n
                if n <= 0 and func_recorded[fid] >= call_budget and lines_on[fid]:
                    set_lines(fid, False)  # nothing left to record in detail: call-level events only
                end_call(entry, stack, frame, arg, now, arg is None)
                return
            # Past the budget: only times (and scalar results) are kept.
            elapsed = now - entry[START]
            fid = entry[FID]
            func_total[fid] += elapsed
            func_self[fid] += elapsed - entry[CHILD]
            entry[EDGE][1] += elapsed
            if stack:
                stack[-1][CHILD] += elapsed
            kind = kinds_get(type(arg))
            if kind != NOT and kind != INT:  # None: a type not seen yet
                returned(fid, arg, kind)

        def on_line(code: Any, lineno: int) -> None:
            frame = getframe(1)
            try:
                stack = tls.stack
            except AttributeError:
                return
            if stack:
                entry = stack[-1]
                # Only a recorded activation: a folded one of the same function (recursion) runs the
                # same instrumented code object.
                if entry[FRAME] is frame and entry[ROW] >= 0:
                    fold = entry[FOLD]
                    if fold is not None and fold[0] <= lineno <= fold[1]:
                        # Inside a folded loop (the common case, inlined; the rule is line_event's).
                        if lineno in entry[SEEN] or not unfold(entry, lineno):
                            last = entry[LAST_LINE]
                            if lineno == fold[6] and (lineno <= last or last == fold[0]):
                                fold[3] += 1
                                sample(entry, frame, lineno)
                            fold[4] += 1
                            entry[LAST_LINE] = lineno
                            return
                        close_fold(entry)  # a line never recorded: this iteration is recorded in detail
                    line_event(entry, frame, lineno)

        def on_jump(code: Any, src: int, dest: int) -> Any:
            # settrace reports every backward jump as a line event, even to the same line (a
            # one-line loop, a comprehension); a jump to another line gets its own LINE event.
            if dest > src:
                return DISABLE
            lines = line_maps.get(id(code))
            if lines is None:
                lines = line_maps[id(code)] = series.offset_lines(code)
            line = lines.get(dest)
            if line is None or line != lines.get(src):
                return DISABLE  # the same for every activation: never report this jump again
            frame = getframe(1)
            try:
                stack = tls.stack
            except AttributeError:
                return None
            # Only a recorded activation: a folded one of the same function (recursion) runs the
            # same instrumented code object.
            if stack and stack[-1][FRAME] is frame and stack[-1][ROW] >= 0:
                line_event(stack[-1], frame, line)
            return None

        def on_raise(code: Any, offset: int, exc: BaseException) -> None:
            # Global: one lookup for code out of scope (RAISE cannot be disabled).
            fid = code_ids_get(id(code))
            if fid is not None and fid >= 0:
                raised(getframe(1), exc)

        def on_stop_iteration(code: Any, offset: int, exc: BaseException) -> Any:
            # Local to code in scope: an iterator ended without a StopIteration object. Recorded as
            # an exception after an ``await``/``yield from`` (SEND), as settrace reports it; never
            # at the end of a ``for`` loop (END_FOR), which the settrace recorder drops too.
            if code.co_code[offset] in END_FOR_OPS:
                return DISABLE  # a for loop's end: the same at every activation
            raised(getframe(1), exc)
            return None

        def raised(frame: Any, exc: BaseException) -> None:
            try:
                stack = tls.stack
            except AttributeError:
                return
            if stack and stack[-1][FRAME] is frame and stack[-1][ROW] >= 0:
                exception_event(stack[-1], type(exc), exc, frame.f_lineno)

        def on_start(code: Any, offset: int, resumed: bool = False, depth: int = 1) -> Any:
            """A call (PY_START), or a generator/coroutine resuming (from on_resume, on_throw): the same
            decisions as settrace's global function."""
            fid = code_ids_get(id(code))
            if fid is None:
                if file_kinds_get(code.co_filename) == IGNORE and recorder.active:
                    # Another code object of a file already known to be out of scope, while PY_START is
                    # global (--library-calls, a child's main script pending, just after a fork): what
                    # _register decides, without its two calls.
                    keepalive(code)
                    code_ids[id(code)] = -1
                    return DISABLE
                fid = register(code)
            if fid < 0:
                return DISABLE
            now = perf()
            frame = getframe(depth)
            try:
                stack = tls.stack
            except AttributeError:
                stack = thread_index()
            if stack:
                parent = stack[-1]
                key = (parent[FID], fid)
                nearest = parent[NEAREST]
            else:
                parent = nearest = None
                key = (None, fid)
            edge = edges.get(key)
            if edge is None:
                edge = edges[key] = [0, 0]
            if not resumed:  # a generator resuming is not a new call
                func_calls[fid] += 1
                edge[0] += 1
            caller = parent[FID] if parent is not None else -1
            # Past the budget, unless it is the first call from a calling function none of the
            # recorded calls came from (as with settrace).
            if func_recorded[fid] >= call_budget and caller in func_callers[fid]:
                stack.append([fid, now, 0, -1, frame, nearest, edge])
                return None
            func_callers[fid].add(caller)
            begin_call(frame, code, fid, now, stack, parent, nearest, edge, resumed)
            if func_lines[fid] and not lines_on[fid]:
                set_lines(fid, True)
            live[fid] += 1
            return None

        def on_resume(code: Any, offset: int) -> Any:
            return on_start(code, offset, True, 2)

        def on_throw(code: Any, offset: int, exc: BaseException) -> None:
            # A generator resumed by throw(): settrace reports it as a call. PY_THROW cannot be disabled.
            fid = code_ids_get(id(code))
            if fid is None or fid >= 0:
                on_start(code, offset, True, 2)

        return {
            ev.PY_START: on_start,
            ev.PY_RESUME: on_resume,
            ev.PY_THROW: on_throw,
            ev.PY_RETURN: on_return,
            ev.PY_YIELD: on_return,
            ev.PY_UNWIND: on_unwind,
            ev.RAISE: on_raise,
            ev.STOP_ITERATION: on_stop_iteration,
            ev.LINE: self._line_callback(on_line, unfold, close_fold, sample, line_event),
            ev.JUMP: on_jump,
        }

    def _line_callback(self, on_line: Any, unfold: Any, close_fold: Any, sample: Any, line_event: Any) -> Any:
        """``on_line``, or the same callback in C where it is built (``codetour.trace._lines``, CPython
        3.12+; ``CODETOUR_SPEEDUPS=0`` turns it off): the folded-loop path without Python's lookups."""
        lines = _c_lines()
        if lines is None:
            self.dispatch = "python"
            return on_line
        self.dispatch = "c"
        return lines.FoldedLines(
            tls=self._tls,
            unfold=unfold,
            close_fold=close_fold,
            sample=sample,
            line_event=line_event,
            fallback=on_line,
            frame_slot=FRAME,
            row_slot=ROW,
            fold_slot=FOLD,
            seen_slot=SEEN,
            last_line_slot=LAST_LINE,
        )

    # --------------------------------------------------------------- start / stop
    def start(self) -> None:
        if not AVAILABLE:
            raise RuntimeError("sys.monitoring needs Python 3.12 or later")
        mon = _monitoring
        ev = mon.events
        taken = tools_in_use()
        tool = next((t for t in _TOOL_IDS if t not in taken), None)
        if tool is None:
            raise ToolIdsInUse(_describe_taken(taken))
        if taken:
            self.tool_note = f"{_describe_taken(taken)}; codetour uses tool id {tool}"
        mon.use_tool_id(tool, TOOL_NAME)
        if tool in _used_ids:
            # An earlier recording in this process disabled locations for this id: enable them again.
            mon.restart_events()
        _used_ids.add(tool)
        self.tool_id = tool
        # A trace function (a debugger, coverage) keeps running alongside: nothing is replaced, so
        # ``previous_trace`` stays None, and a target that calls sys.settrace does not displace codetour.
        self.t0 = time.perf_counter_ns()
        self.started_wall = time.time()
        self._global_events = ev.PY_THROW | ev.RAISE | ev.PY_UNWIND
        self._start_local = ev.PY_START | ev.PY_RESUME
        self._base_local = self._start_local | ev.PY_RETURN | ev.PY_YIELD | ev.STOP_ITERATION
        self._line_local = self._base_local | ev.LINE | ev.JUMP
        callbacks = self._callbacks()
        self._on_start = callbacks[ev.PY_START]
        for event, callback in callbacks.items():
            mon.register_callback(tool, event, callback)
        self.active = True
        forks.listen(self)
        self._install_hooks()
        for code in self._inherited:
            self.watch(code)
        self._inherited = []
        self._watch_imported()
        if self.scope.library_calls:
            # Library frames are recorded too (--library-calls): every code object is a candidate,
            # wherever and whenever it was made, so PY_START is global and out-of-scope code
            # answers DISABLE at its first event.
            self._global_events |= ev.PY_START | ev.PY_RESUME
        else:
            self._main_pending = self._script_the_interpreter_runs()
            if self._main_pending is not None:
                self._global_events |= ev.PY_START  # until the main script's module code starts
        self._start_flusher()
        mon.set_events(tool, self._global_events)

    def _uninstall(self) -> None:
        """Turn every event of codetour's tool off (global and per code object)."""
        tool = self.tool_id
        if tool is None or not AVAILABLE:
            return
        mon = _monitoring
        if mon.get_tool(tool) != TOOL_NAME:
            return  # freed or taken over by someone else: nothing of ours to turn off
        mon.set_events(tool, 0)
        for code in self._watched:
            mon.set_local_events(tool, code, 0)

    def _release(self) -> None:
        self._remove_hooks()
        tool = self.tool_id
        if tool is None:
            return
        self._uninstall()
        mon = _monitoring
        if mon.get_tool(tool) == TOOL_NAME:
            for event in self._callbacks_registered():
                mon.register_callback(tool, event, None)
            mon.free_tool_id(tool)
        self.tool_id = None

    def _callbacks_registered(self) -> list[int]:
        ev = _monitoring.events
        return [
            ev.PY_START,
            ev.PY_RESUME,
            ev.PY_THROW,
            ev.PY_RETURN,
            ev.PY_YIELD,
            ev.PY_UNWIND,
            ev.RAISE,
            ev.STOP_ITERATION,
            ev.LINE,
            ev.JUMP,
        ]

    def _fail(self, exc: BaseException) -> None:
        super()._fail(exc)
        self._uninstall()  # the target runs on untraced; the tool id is freed at stop

    def _after_fork_in_parent(self) -> None:
        # As with settrace: the flusher is not restarted in this hook (Python 3.13 counts the
        # process's threads after it and would warn the target) but on the next Python call, through
        # a one-shot PY_START callback that then hands over to the real one. PY_START is global
        # until then: the next call is as likely to be a library's as the repo's.
        tool = self.tool_id
        if not self._resume_after_fork or tool is None or not self.active or _monitoring.get_tool(tool) != TOOL_NAME:
            return
        real = self._on_start
        start_event = _monitoring.events.PY_START

        def restart_then_start(code: Any, offset: int) -> Any:
            _monitoring.register_callback(tool, start_event, real)
            self._oneshot_armed = False
            _monitoring.set_events(tool, self._global_events)
            if self._resume_after_fork:
                self._resume_after_fork = False
                self._start_flusher()
            return real(code, offset, False, 2)

        _monitoring.register_callback(tool, start_event, restart_then_start)
        self._oneshot_armed = True
        _monitoring.set_events(tool, self._global_events | start_event)

    def _after_fork_in_child(self) -> None:
        if os.getpid() == self.pid or not self.active:
            return
        self.active = False
        self.code_ids.clear()
        self.writer.detach_after_fork()
        self._release()
        if self.follow is not None:
            self.follow.after_fork_in_child(self)

    def stop(self) -> None:
        """Turn the events off, free the tool id, and write what is pending."""
        if self.tool_id is None or os.getpid() != self.pid:
            return
        mon = _monitoring
        if self.active:
            owner = mon.get_tool(self.tool_id)
            if owner != TOOL_NAME:
                self.displaced_by = f"sys.monitoring tool id {self.tool_id} freed" + (f" and taken by {owner!r}" if owner else "")
            elif mon.get_events(self.tool_id) != self._global_events | (mon.events.PY_START if self._oneshot_armed else 0):
                self.displaced_by = f"sys.monitoring events of tool id {self.tool_id} changed"
        self._release()
        self.active = False
        forks.forget(self)  # its fork hooks have nothing left to do
        self.code_ids.clear()
        self._resume_after_fork = False
        self._stop_flusher()
        self._close_open_frames()
        for fid, buf in self.return_series.items():
            self.series_new.append(series.row(fid, None, None, "<return>", buf))
        self.return_series.clear()
        self.flush()


def _c_lines() -> Any:
    """The C LINE callback's module where it is built and not turned off, else None."""
    if os.environ.get("CODETOUR_SPEEDUPS", "1") == "0":
        return None
    try:
        from codetour.trace import _lines  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _lines


_FUTURE_FLAGS: int | None = None


def _future_flags() -> int:
    """The compiler flags of every ``__future__`` feature: what ``compile`` inherits from its caller."""
    global _FUTURE_FLAGS
    if _FUTURE_FLAGS is None:
        import __future__

        flags = 0
        for name in __future__.all_feature_names:
            flags |= getattr(__future__, name).compiler_flag
        _FUTURE_FLAGS = flags
    return _FUTURE_FLAGS


def _describe_taken(taken: dict[int, str]) -> str:
    held = ", ".join(f"{tool} by {name!r}" for tool, name in sorted(taken.items()))
    return f"sys.monitoring tool ids in use: {held}"


BACKENDS = ("auto", "settrace", "monitoring")
# What ``auto`` picks on Python 3.12+.
AUTO_USES_MONITORING = True


def choose_backend(backend: str) -> tuple[type[Recorder], str | None]:
    """The recorder class for ``--backend`` (auto, settrace, monitoring), and a note for the user
    when it could not be the one asked for. Raises ValueError for a backend this Python cannot run."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
    if backend == "settrace" or (backend == "auto" and not (AVAILABLE and AUTO_USES_MONITORING)):
        return Recorder, None
    if not AVAILABLE:
        raise ValueError(f"the monitoring backend needs Python 3.12 or later (this is {sys.version.split()[0]})")
    taken = tools_in_use()
    if len(taken) == len(_TOOL_IDS):
        return Recorder, f"{_describe_taken(taken)}: recording with sys.settrace instead"
    return MonitoringRecorder, None
