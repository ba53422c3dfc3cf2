"""The settrace hot path.

Cost model (this is where the performance budget lives):

- The global trace function runs on every Python call in the process. Its
  out-of-scope path is one dict lookup keyed by the code object and a compare.
- An in-scope call within the detail budget pushes a shadow-stack entry, writes a
  ``frames`` tuple and a ``call`` event, and gets a per-frame local tracer that
  records lines and the locals that changed.
- A call past the budget from a calling function that none of the recorded calls came
  from is recorded as well (one per new caller: a training step that starts after an
  evaluation used up the shared forward pass's budget is still seen in detail).
- An in-scope call past the budget is still counted and timed (so the call graph
  stays exact), but its frame gets ``f_trace_lines = False``: CPython then sends
  it no line events at all, only ``return``.
- Events are plain tuples appended to lists and flushed to SQLite in batches: by a
  flusher thread every ``flush_seconds`` (started before the hook is installed, so it is
  never traced), and from inside the trace callback when ``flush_every`` events pile up.
  The hot path pays nothing for the timer.
- A failure to write (disk full, file removed) never reaches the target: recording stops,
  the failure is kept in :attr:`Recorder.failed`, and the target runs on untraced.

The shadow stack (one per thread) holds the live in-scope frames. It gives each
recorded call its parent even across unrecorded library frames: when repo code
calls ``model(x)`` and torch's ``Module.__call__`` calls the repo's ``forward``,
the top of the shadow stack is still the repo frame that called ``model(x)``.
"""

from __future__ import annotations

import dis
import itertools
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

from codetour.store.schema import CALL, EXCEPTION, LINE, RETURN
from codetour.store.schema import FOLD as FOLD_EVENT
from codetour.store.writer import TraceWriter, snapshot_file
from codetour.trace import forks, redact, series, summary
from codetour.trace.redact import REDACTED
from codetour.trace.scope import IGNORE, LIBRARY, Scope
from codetour.trace.threads import start_without_signals

# Code flags (inspect.CO_*, stable since Python 3.6), spelled out: importing inspect (ast, tokenize,
# linecache...) would cost every traced run several milliseconds before the target starts.
CO_NEWLOCALS, CO_GENERATOR, CO_COROUTINE, CO_ASYNC_GENERATOR = 0x2, 0x20, 0x80, 0x200
_GEN_FLAGS = CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR
# The instruction that ends a ``for`` loop (3.12+; none before). A generator that ends there is
# reported as a StopIteration by some CPython versions (see ``make_local``): never recorded.
END_FOR_OPS = frozenset(dis.opmap[name] for name in ("END_FOR", "INSTRUMENTED_END_FOR") if name in dis.opmap)

# The opcodes that jump backwards on 3.11+, where every other jump goes forward (the even bytes of
# ``co_code`` are its opcodes); None on 3.10, where absolute jumps may go either way.
_BACKWARD_OPS = frozenset(op for name, op in dis.opmap.items() if "BACKWARD" in name) if sys.version_info >= (3, 11) else None

# Shadow-stack entry slots (a list per live in-scope frame).
# Entries past the budget have only the first seven slots.
FID, START, CHILD, ROW, FRAME, NEAREST, EDGE, LAST_LINE, LOOPS, FOLD, SEEN, EXC, COUNTS, SERIES = range(14)
# A fold: [first line, last line, seq, iterations, lines, ts, head line]
FOLD_HEAD = 6
# Folded iterations that reach a line never recorded in their frame are recorded in detail, this many per frame.
UNFOLDS = 3


class Budgets:
    """How much full detail to keep. ``None`` means unlimited (``--full``). A plain class, not a
    dataclass (imported before every traced run: see :mod:`codetour.trace.runner`)."""

    def __init__(
        self, calls: int | None = 5, iterations: int | None = 3, flush_every: int = 20_000, flush_seconds: float | None = None
    ) -> None:
        self.calls = calls  # recorded activations per function (lines + values), plus one per further caller
        self.iterations = iterations  # recorded iterations per loop per recorded frame
        self.flush_every = flush_every  # events that force a write batch from the hot path
        # The flusher thread writes what is pending this often; 0 turns it off (writes then happen
        # only every ``flush_every`` events). CODETOUR_FLUSH_SECONDS sets it, for the benchmark.
        if flush_seconds is None:
            flush_seconds = float(os.environ.get("CODETOUR_FLUSH_SECONDS", "0.5"))
        self.flush_seconds = flush_seconds

    def __repr__(self) -> str:
        return (
            f"Budgets(calls={self.calls!r}, iterations={self.iterations!r}, flush_every={self.flush_every!r}, "
            f"flush_seconds={self.flush_seconds!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Budgets):
            return NotImplemented
        return self._fields() == other._fields()

    def _fields(self) -> tuple[int | float | None, ...]:
        return (self.calls, self.iterations, self.flush_every, self.flush_seconds)

    __hash__ = None  # type: ignore[assignment]

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "iterations": self.iterations}


class Recorder:
    """Records one run into a :class:`TraceWriter`. Start, run the target, stop."""

    def __init__(self, writer: TraceWriter, scope: Scope, budgets: Budgets | None = None) -> None:
        self.writer = writer
        self.scope = scope
        self.budgets = budgets or Budgets()
        self.pid = os.getpid()
        self.t0 = 0
        self.active = False
        self.displaced_by: str | None = None
        self.failed: str | None = None  # why recording stopped early (a write failed), if it did
        self.previous_trace: Any = None
        self.previous_thread_trace: Any = None
        self.events_recorded = 0
        # Function registry (index = function id). Plain lists: cheap to index on the hot path.
        # Keyed by id(code), not by the code object: hashing a code object hashes its bytecode
        # and constants on every lookup. ``code_keepalive`` holds each seen code object, so an
        # id can never be reused by a new code object while this cache exists.
        self.code_ids: dict[int, int] = {}
        self.code_keepalive: list[Any] = []
        self.file_kinds: dict[str, int] = {}
        self.func_calls: list[int] = []
        self.func_recorded: list[int] = []
        self.func_total: list[int] = []
        self.func_self: list[int] = []
        self.func_lines: list[bool] = []
        self.func_gen_start: list[int] = []  # generator/coroutine: f_lasti of a first entry, else -2
        self.func_loops: list[dict[int, tuple[int, int]] | None] = []  # loop head line -> (first, last) line
        self.func_secret: list[bool] = []  # a function named like a secret: its string results are hidden
        self.func_stores: list[dict[int, tuple[str, ...]] | None] = []  # loop head -> names the loop assigns
        # line -> names whose attributes it sets (``args.lr = 0.1``): re-summarized after it, though still the same object
        self.func_mutated: list[dict[int, tuple[str, ...]]] = []
        self.return_series: dict[int, list] = {}  # function id -> series of the scalars it returned
        self.func_callers: list[set[int]] = []  # functions the recorded calls came from (-1: no caller)
        self.func_rows: list[tuple] = []
        self._qualnames_310: dict[int, str] = {}  # id(code) -> qualified name, where co_qualname is missing
        self.file_ids: dict[str, int] = {}
        self.edges: dict[tuple[int | None, int], list[int]] = {}
        self.threads: dict[int, int] = {}
        # Pending write batches.
        self.events: list[tuple] = []
        self.frames_new: list[tuple] = []
        self.frames_end: list[tuple] = []
        self.folds: list[tuple] = []
        self.series_new: list[tuple] = []
        self.files_new: list[tuple] = []
        self.funcs_new: list[tuple] = []
        self.threads_new: list[tuple] = []
        self.open_stacks: list[list[list]] = []
        self._tls = threading.local()
        self._global: Callable | None = None
        # What is installed with sys.settrace: the C dispatcher wrapping ``_global`` where it is
        # built (CPython 3.10/3.11), else ``_global`` itself. ``_ignore`` hands it out-of-scope code.
        self._hook: Any = None
        self._ignore: Callable[[Any], None] | None = None
        self.dispatch: str | None = None  # settrace: "c" (the C dispatcher) or "python"
        # settrace on 3.10/3.11: libraries' module code runs untraced (codetour.trace.imports).
        self._gate: Any = None
        self.library_imports: str | None = None  # "untraced" with the gate, "traced" without
        self._flush_lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        self._flusher_stop = threading.Event()
        self._resume_after_fork = False
        self._oneshot: Any = None  # the one-shot trace function that restarts the flusher after a fork
        # Fork hooks of a followed run (codetour.trace.children.ForkFollower): None leaves forked
        # children untraced.
        self.follow: Any = None
        # Called by the flusher thread every ``flush_seconds`` in the recording process (the CLI's
        # status line): no thread of their own, so nothing of theirs is alive when the target forks.
        self.ticks: list[Callable[[], object]] = []
        self._warning_filter: Any = None

    # ----------------------------------------------------------------- cold path
    def _register(self, code: Any) -> int:
        """Classify a code object the first time it is seen; returns its function id or -1."""
        if not self.active:  # stopped (or a forked child): everything is out of scope from now on
            self.code_ids[id(code)] = -1
            return -1
        self.code_keepalive.append(code)
        kind = self.file_kinds.get(code.co_filename)
        if kind is None:
            kind = self.file_kinds[code.co_filename] = self.scope.classify(code.co_filename)
        if kind == IGNORE:
            self.code_ids[id(code)] = -1
            if self._ignore is not None:
                self._ignore(code)  # answered in C from now on
            return -1
        filename = self.scope.realpath(code.co_filename)
        file_id = self.file_ids.get(filename)
        if file_id is None:
            file_id = self.file_ids[filename] = len(self.file_ids) + 1
            self.files_new.append((file_id, filename, self.scope.relpath(filename)))
        fid = len(self.func_calls)
        self.code_ids[id(code)] = fid
        lines = [ln for _, _, ln in code.co_lines() if ln is not None] or [code.co_firstlineno]
        qualname = getattr(code, "co_qualname", None) or self._qualnames_310.get(id(code), code.co_name)
        if code.co_name == "<module>":
            fkind = "module"
            if not hasattr(code, "co_qualname"):  # Python 3.10: qualified names from the module's nesting
                self._qualnames_310.update(_nested_qualnames(code))
        elif not code.co_flags & CO_NEWLOCALS:
            fkind = "class"  # a class body, run once when the class statement executes
        else:
            fkind = "function"
        # A function's docstring is its first constant; a class body's first constant is its name.
        first = code.co_consts[0] if code.co_consts else None
        doc = first if isinstance(first, str) and fkind != "class" else None
        row = (fid, file_id, code.co_name, qualname, code.co_firstlineno, max(lines), doc, int(kind == LIBRARY), fkind)
        self.func_rows.append(row)
        self.funcs_new.append(row)
        self.func_calls.append(0)
        self.func_recorded.append(0)
        self.func_total.append(0)
        self.func_self.append(0)
        self.func_lines.append(kind != LIBRARY)
        self.func_gen_start.append(_first_resume_offset(code) if code.co_flags & _GEN_FLAGS else -2)
        self.func_loops.append(None)
        self.func_secret.append(summary.is_secret_name(code.co_name))
        self.func_stores.append(None)
        self.func_mutated.append({})
        self.func_callers.append(set())
        return fid

    def _thread_index(self) -> list:
        # A new index per thread, not per ident: the OS reuses idents of finished threads.
        ident = threading.get_ident()
        index = len(self.threads)
        self.threads[index] = ident
        self.threads_new.append((index, ident, threading.current_thread().name))
        stack: list[list] = []
        self._tls.stack = stack
        self._tls.thread = index
        self.open_stacks.append(stack)
        return stack

    def flush(self) -> None:
        """Write everything pending as one transaction (no-op in a forked child or after a failure).

        Never raises for a write failure: it ends the recording instead (see :meth:`_fail`).
        """
        if os.getpid() != self.pid:
            return
        if self._resume_after_fork and self.active:  # a write from the hot path after a fork restarts it too
            self._resume_after_fork = False
            self._start_flusher()
        with self._flush_lock:
            if self.failed is not None:
                _discard(
                    self.events, self.frames_new, self.frames_end, self.folds, self.series_new, self.funcs_new, self.threads_new
                )
                return
            # Take a copy, then delete exactly what was copied: another thread may append in
            # between (the GIL can switch), and what it appends stays for the next batch.
            # Updates are taken before the rows they update, so an update never lands in a
            # batch before its row: a frame's end before its start, a function's stats before it.
            frames_end = _take(self.frames_end)
            folds = _take(self.folds)
            series_rows = _take(self.series_new)
            events = _take(self.events)
            frames_new = _take(self.frames_new)
            threads = _take(self.threads_new)
            funcs = _take(self.funcs_new)
            files = _take(self.files_new)
            n = len(self.func_calls)
            stats = [(self.func_calls[i], self.func_recorded[i], self.func_total[i], self.func_self[i], i) for i in range(n)]
            edges = [(a, b, c[0], c[1]) for (a, b), c in list(self.edges.items())]
            try:
                self.writer.write_batch(
                    events=events,
                    frames_new=frames_new,
                    frames_end=frames_end,
                    folds=folds,
                    series=series_rows,
                    functions=funcs,
                    function_stats=stats,
                    edges=edges,
                    threads=threads,
                    files=[snapshot_file(f[0], f[1], f[2], redact=redact.current.text) for f in files],
                    meta={"events": self.events_recorded + len(events)},
                )
            except Exception as exc:
                self._fail(exc)
                return
            self.events_recorded += len(events)

    def _fail(self, exc: BaseException) -> None:
        """A write failed: stop recording everywhere, keep what was written, let the target run on."""
        self.failed = f"{type(exc).__name__}: {exc}"
        self.active = False
        self.code_ids.clear()  # every frame is out of scope from now on: the target runs untraced
        _discard(self.events, self.frames_new, self.frames_end, self.folds, self.series_new, self.funcs_new, self.threads_new)
        if threading.current_thread() is threading.main_thread() and sys.gettrace() is self._hook:
            sys.settrace(self.previous_trace)

    def _flush_periodically(self) -> None:
        stop = self._flusher_stop
        while not stop.wait(self.budgets.flush_seconds):
            if self.events or self.frames_new or self.frames_end:
                self.flush()
            if self.follow is not None:
                self.follow.tick()  # a followed run's children summary, kept current off the hot path
            for tick in list(self.ticks):
                try:
                    tick()
                except Exception:  # a failing status line must not end the writing
                    continue

    def _start_flusher(self) -> None:
        if self.budgets.flush_seconds > 0 and self.active and os.getpid() == self.pid:
            self._flusher_stop = threading.Event()
            self._flusher = threading.Thread(target=self._flush_periodically, name="codetour-flush", daemon=True)
            start_without_signals(self._flusher)

    def _stop_flusher(self) -> None:
        self._flusher_stop.set()
        flusher, self._flusher = self._flusher, None
        if flusher is not None and flusher is not threading.current_thread():
            flusher.join(timeout=5)
            _wait_until_gone(flusher.native_id)

    def _before_fork(self) -> None:
        # The flusher thread is ours, not the target's: it is stopped across a fork, so the child
        # inherits no half-held lock and Python 3.12+ does not warn the target that it forked a
        # multi-threaded process because of it.
        if os.getpid() == self.pid and self._flusher is not None:
            self._stop_flusher()
            self._resume_after_fork = True
        if self.follow is not None and self.active and os.getpid() == self.pid:
            self.follow.before_fork()

    def _after_fork_in_parent(self) -> None:
        # Not restarted here: Python 3.13 counts the process's threads (to warn the target) only
        # after these hooks have run. The forking thread's next call restarts it instead, through
        # a one-shot trace function that then hands over to the real one (no cost on the hot path).
        if not self._resume_after_fork or self._hook is None or sys.gettrace() is not self._hook:
            return
        real: Any = self._hook  # the C dispatcher takes the thread over at C level again on its first call

        def restart_then_trace(frame: Any, event: str, arg: Any) -> Any:
            sys.settrace(real)
            if self._resume_after_fork:
                self._resume_after_fork = False
                self._start_flusher()
            return real(frame, event, arg)

        self._oneshot = restart_then_trace
        sys.settrace(restart_then_trace)

    def idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a batch being written to be done. False if it is not: a
        signal handler that interrupted this very write must not wait for it (nor flush)."""
        if not self._flush_lock.acquire(timeout=timeout):
            return False
        self._flush_lock.release()
        return True

    @property
    def pending_events(self) -> int:
        return self.events_recorded + len(self.events)

    # ------------------------------------------------------------------ hot path
    def _hot_helpers(self) -> SimpleNamespace:
        """The parts of the hot path both backends share (this one and
        :class:`~codetour.trace.monitoring.MonitoringRecorder`): everything that decides what a
        recorded call, line, loop iteration, exception and return write. Each backend keeps only its
        event plumbing and its most frequent paths inlined (an out-of-scope call, a call past the
        budget, a line inside a folded loop); what is here runs at most once per recorded event."""
        func_total = self.func_total
        func_self = self.func_self
        func_recorded = self.func_recorded
        func_lines = self.func_lines
        func_loops = self.func_loops
        func_secret = self.func_secret
        func_stores = self.func_stores
        func_mutated = self.func_mutated
        exception_args = summary.exception_args
        tls = self._tls
        perf = time.perf_counter_ns
        t0 = self.t0
        events = self.events
        frames_new = self.frames_new
        frames_end = self.frames_end
        folds = self.folds
        iter_budget = self.budgets.iterations if self.budgets.iterations is not None else sys.maxsize
        flush_every = self.budgets.flush_every
        next_seq = itertools.count(1).__next__
        next_frame = itertools.count(1).__next__
        summarize = summary.summarize
        summarize_named = summary.summarize_named
        recorder = self
        kinds_get = series.KINDS.get
        kind_of = series.kind_of
        to_scalar = series.scalar
        series_add = series.add
        new_buffer = series.new_buffer
        series_row = series.row
        loop_stores = series.loop_stores
        NOT, INT = series.NOT, series.INT
        return_series = self.return_series
        series_new = self.series_new

        def unfold(entry: list, lineno: int) -> bool:
            """A folded iteration reaches a line this frame never recorded (a branch taken rarely: an evaluation
            or a save every N steps): end the fold and record that iteration in detail, a few times per frame."""
            entry[SEEN][lineno] = 0
            counts = entry[COUNTS]
            n = counts.get(0, 0)  # line 0 is never a loop head: the frame's unfold count
            if n >= UNFOLDS:
                return False
            counts[0] = n + 1
            return True

        def close_fold(entry: list) -> None:
            head, end, seq, iterations, lines, ts, _ = entry[FOLD]
            entry[FOLD] = None
            folds.append((entry[ROW], head, end, seq, iterations, lines))
            events.append((seq, entry[ROW], FOLD_EVENT, head, ts, {"iterations": iterations, "lines": lines, "end_line": end}))

        def pop_entry(frame: Any) -> tuple[list | None, list]:
            """Pop ``frame``'s entry off this thread's shadow stack.

            Normally it is on top. If frames vanished without a return event (the target
            swapped tracers, a generator was dropped) the stack is re-synchronised; if the
            frame is not on the stack at all (recording already stopped) nothing changes.
            """
            try:
                stack = tls.stack
            except AttributeError:  # a thread that never had a call in scope
                return None, []
            if stack and stack[-1][FRAME] is frame:
                return stack.pop(), stack
            for i in range(len(stack) - 2, -1, -1):
                if stack[i][FRAME] is frame:
                    del stack[i + 1 :]
                    return stack.pop(), stack
            return None, stack

        def sample(entry: list, frame: Any, head: int) -> None:
            """One iteration of a loop starts: add the scalars the loop assigns to the frame's series."""
            fid = entry[FID]
            stores = func_stores[fid]
            if stores is None:
                stores = func_stores[fid] = {}
            names = stores.get(head)
            if names is None:
                loop = entry[LOOPS].get(head)
                names = stores[head] = loop_stores(frame.f_code, loop[0], loop[1]) if loop else ()
            if not names:
                return
            f_locals = frame.f_locals
            bufs = entry[SERIES]
            if bufs is None:
                bufs = entry[SERIES] = {}
            for name in names:
                value = f_locals.get(name)
                kind = kinds_get(type(value))
                if kind is None:
                    kind = kind_of(type(value))
                if kind != NOT:
                    x = to_scalar(value, kind)
                    if x is not None:
                        buf = bufs.get((head, name))
                        if buf is None:
                            buf = bufs[(head, name)] = new_buffer()
                        series_add(buf, x)

        def returned(fid: int, value: Any, kind: int | None) -> None:
            """A call returned a value that may be a float: add it to the function's series."""
            if kind is None:
                kind = kind_of(type(value))
                if kind in (NOT, INT):
                    return
            x = to_scalar(value, kind, True)
            if x is not None:
                buf = return_series.get(fid)
                if buf is None:
                    buf = return_series[fid] = new_buffer()
                series_add(buf, x)

        def account(entry: list, stack: list, now: int) -> None:
            elapsed = now - entry[START]
            fid = entry[FID]
            func_total[fid] += elapsed
            func_self[fid] += elapsed - entry[CHILD]
            entry[EDGE][1] += elapsed
            if stack:
                stack[-1][CHILD] += elapsed

        def begin_call(
            frame: Any,
            code: Any,
            fid: int,
            now: int,
            stack: list,
            parent: list | None,
            nearest: int | None,
            edge: list,
            resumed: bool,
        ) -> list:
            """A call within the budget: its frame row, a call event with argument summaries, and its
            entry pushed on the shadow stack (returned)."""
            func_recorded[fid] += 1
            row = next_frame()
            seq = next_seq()
            call_line = parent[FRAME].f_lineno if parent is not None else None
            args = None
            seen: dict[str | int, int] = {}  # local name -> id of its value; line number -> 0 once recorded
            if func_lines[fid]:
                args = {}
                f_locals = frame.f_locals
                n_args = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 4) + bool(code.co_flags & 8)
                for name in code.co_varnames[:n_args]:
                    if name in f_locals:
                        value = f_locals[name]
                        seen[name] = id(value)
                        args[name] = summarize_named(name, value)
            frames_new.append((row, fid, nearest, call_line, tls.thread, len(stack), seq, now - t0, args, int(resumed)))
            events.append((seq, row, CALL, frame.f_lineno, now - t0, args or None))
            loops = func_loops[fid]
            if loops is None:
                loops = func_loops[fid] = loop_ranges(code)
                func_mutated[fid] = attribute_stores(code)
            entry = [fid, now, 0, row, frame, row, edge, 0, loops, None, seen, None, None, None]
            stack.append(entry)
            return entry

        def line_event(entry: list, frame: Any, lineno: int) -> None:
            """A line of a recorded frame (the backends inline the common case: a line inside a
            folded loop)."""
            fold = entry[FOLD]
            if fold is not None:
                # Folding a loop: count until execution leaves the loop's line range.
                if fold[0] <= lineno <= fold[1] and (lineno in entry[SEEN] or not unfold(entry, lineno)):
                    last = entry[LAST_LINE]
                    if lineno == fold[FOLD_HEAD] and (lineno <= last or last == fold[0]):
                        # Back at the loop's own head (straight, or from the jump on a ``while True:`` line):
                        # one more iteration. Other jumps back (an inner loop, a ``with`` block's exit on
                        # its first line) are not iterations.
                        fold[3] += 1
                        sample(entry, frame, lineno)
                    fold[4] += 1
                    entry[LAST_LINE] = lineno
                    return
                close_fold(entry)
            prev = entry[LAST_LINE]
            entry[LAST_LINE] = lineno
            loop = entry[LOOPS].get(lineno)
            if loop is not None:
                # A loop head (from the compiled code's backward jumps): one more iteration starts.
                counts = entry[COUNTS]
                if counts is None:
                    counts = entry[COUNTS] = {}
                n = counts.get(lineno, 0) + 1
                counts[lineno] = n
                if loop[0] <= prev <= loop[1]:
                    sample(entry, frame, lineno)  # back from the body: the scalars that iteration left
                if n > iter_budget:
                    # The fold becomes one FOLD event, numbered now, written when it closes.
                    entry[FOLD] = [loop[0], loop[1], next_seq(), 1, 1, perf() - t0, lineno]
                    return
            if entry[EXC] is not None:
                entry[EXC] = None  # the exception was handled in this frame
            seen = entry[SEEN]
            seen[lineno] = 0  # the lines this frame recorded (int keys beside the names' value ids)
            mutated = func_mutated[entry[FID]]
            if mutated and prev in mutated:
                for name in mutated[prev]:
                    seen.pop(name, None)  # the line set an attribute of it: summarize it again
            changed = None
            for name, value in frame.f_locals.items():
                vid = id(value)
                if seen.get(name) != vid:
                    seen[name] = vid
                    if changed is None:
                        changed = {}
                    changed[name] = summarize_named(name, value)
            events.append((next_seq(), entry[ROW], LINE, lineno, perf() - t0, changed))
            if len(events) >= flush_every:
                recorder.flush()

        def exception_event(entry: list, exc_type: Any, exc: Any, lineno: int) -> None:
            """An exception raised in (or propagating through) a recorded frame."""
            exc_args = exception_args(exc)
            info = {
                "type": getattr(exc_type, "__qualname__", "?"),
                "message": summarize(exc_args[0]) if exc_args else "",
                "line": lineno,
            }
            entry[EXC] = info
            events.append((next_seq(), entry[ROW], EXCEPTION, lineno, perf() - t0, info))

        def end_call(entry: list, stack: list, frame: Any, arg: Any, now: int, unwound: bool) -> None:
            """A recorded frame (popped off ``stack``) returns ``arg``, or ends with its exception
            (``unwound``): times, its fold and series, its return event and frame row."""
            account(entry, stack, now)
            row = entry[ROW]
            if entry[FOLD] is not None:
                close_fold(entry)
            bufs = entry[SERIES]
            if bufs:
                fid = entry[FID]
                for (head, name), buf in bufs.items():
                    series_new.append(series_row(fid, row, head, name, buf))
            seq = next_seq()
            exc = entry[EXC]
            lineno = frame.f_lineno
            if exc is not None and unwound:
                frames_end.append((seq, now - t0, None, exc, "raised", row))
                events.append((seq, row, RETURN, lineno, now - t0, {"raised": exc}))
            else:
                ret = REDACTED if func_secret[entry[FID]] and type(arg) in (str, bytes) else summarize(arg)
                frames_end.append((seq, now - t0, ret, None, "returned", row))
                events.append((seq, row, RETURN, lineno, now - t0, {"value": ret}))
                kind = kinds_get(type(arg))
                if kind != NOT and kind != INT:
                    returned(entry[FID], arg, kind)
            if len(events) >= flush_every:
                recorder.flush()

        return SimpleNamespace(
            next_seq=next_seq,
            unfold=unfold,
            close_fold=close_fold,
            pop_entry=pop_entry,
            sample=sample,
            returned=returned,
            account=account,
            begin_call=begin_call,
            line_event=line_event,
            exception_event=exception_event,
            end_call=end_call,
        )

    def _build(self) -> Callable:
        code_ids_get = self.code_ids.get
        register = self._register
        func_calls = self.func_calls
        func_recorded = self.func_recorded
        func_total = self.func_total
        func_self = self.func_self
        func_lines = self.func_lines
        func_gen_start = self.func_gen_start
        func_callers = self.func_callers
        edges = self.edges
        tls = self._tls
        thread_index = self._thread_index
        perf = time.perf_counter_ns
        call_budget = self.budgets.calls if self.budgets.calls is not None else sys.maxsize
        kinds_get = series.KINDS.get
        NOT, INT = series.NOT, series.INT
        shared = self._hot_helpers()
        unfold = shared.unfold
        close_fold = shared.close_fold
        sample = shared.sample
        returned = shared.returned
        account = shared.account
        pop_entry = shared.pop_entry
        begin_call = shared.begin_call
        line_event = shared.line_event
        exception_event = shared.exception_event
        end_call = shared.end_call

        def folded_local(frame: Any, event: str, arg: Any) -> Any:
            # Past the budget: only the return matters (times). Lines are switched off.
            if event == "return":
                now = perf()
                stack = tls.stack
                if stack and stack[-1][FRAME] is frame:  # the usual case, inlined: this runs per call
                    entry = stack.pop()
                    elapsed = now - entry[START]
                    fid = entry[FID]
                    func_total[fid] += elapsed
                    func_self[fid] += elapsed - entry[CHILD]
                    entry[EDGE][1] += elapsed
                    if stack:
                        stack[-1][CHILD] += elapsed
                else:
                    popped, stack = pop_entry(frame)
                    if popped is None:
                        return folded_local
                    account(popped, stack, now)
                    fid = popped[FID]
                kind = kinds_get(type(arg))
                if kind != NOT and kind != INT:  # None: a type not seen yet
                    returned(fid, arg, kind)
            return folded_local

        def make_local(entry: list) -> Callable:
            def local(frame: Any, event: str, arg: Any) -> Any:
                if event == "line":
                    lineno = frame.f_lineno
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
                            return local
                        close_fold(entry)  # a line never recorded: this iteration is recorded in detail
                    line_event(entry, frame, lineno)
                elif event == "return":
                    now = perf()
                    popped, stack = pop_entry(frame)
                    if popped is not None:
                        end_call(entry, stack, frame, arg, now, arg is None)
                elif event == "exception":
                    if arg[0] is StopIteration and frame.f_code.co_code[frame.f_lasti] in END_FOR_OPS:
                        # A generator that ended a for loop: not an exception of the program. 3.13
                        # reports it once the loop's FOR_ITER is specialised for the generator (not
                        # always, not on 3.12); the monitoring recorder never records it either.
                        return local
                    exception_event(entry, arg[0], arg[1], frame.f_lineno)
                return local

            return local

        def global_trace(frame: Any, event: str, arg: Any) -> Any:
            # Out of scope: one id(), one dict lookup, one compare.
            fid = code_ids_get(id(frame.f_code))
            if fid is None:
                fid = register(frame.f_code)
            if fid < 0:
                return None
            now = perf()
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
            gen_start = func_gen_start[fid]
            resumed = gen_start != -2 and frame.f_lasti != gen_start
            if not resumed:  # a generator resuming is not a new call
                func_calls[fid] += 1
                edge[0] += 1
            caller = parent[FID] if parent is not None else -1
            # Past the budget, unless it is the first call from a calling function none of the recorded
            # calls came from: a path that starts late (training after an evaluation that used up the
            # budget of the shared forward pass) is still seen in detail.
            if func_recorded[fid] >= call_budget and caller in func_callers[fid]:
                stack.append([fid, now, 0, -1, frame, nearest, edge])
                frame.f_trace_lines = False
                return folded_local
            func_callers[fid].add(caller)
            entry = begin_call(frame, frame.f_code, fid, now, stack, parent, nearest, edge, resumed)
            if not func_lines[fid]:
                frame.f_trace_lines = False  # library frame: call level only
            return make_local(entry)

        return global_trace

    # --------------------------------------------------------------- start / stop
    def start(self) -> None:
        self.previous_trace = sys.gettrace()
        self.previous_thread_trace = threading.gettrace() if hasattr(threading, "gettrace") else None
        self.t0 = time.perf_counter_ns()
        self.started_wall = time.time()
        self._global = self._build()
        self._hook, self._ignore = self._global, None
        dispatcher_type = c_dispatcher()
        if dispatcher_type is not None:
            self._hook = dispatcher_type(self._global)
            self._ignore = self._hook.ignore
        self.dispatch = "c" if self._ignore is not None else "python"
        self.active = True
        forks.listen(self)
        self._start_flusher()  # before the hook is installed, so the flusher itself is never traced
        if sys.version_info[:2] == (3, 12):
            # Reading f_locals from a trace function makes 3.12 write them back after it returns, and
            # warn about unbound names of inlined comprehensions: that warning is ours, not the target's.
            warnings.filterwarnings("ignore", message="assigning None to unbound local", category=RuntimeWarning)
            self._warning_filter = warnings.filters[0]
        threading.settrace(self._hook)  # a new thread calls it once through sys.settrace: it then installs itself in C
        resume = self._hook.install if self._ignore is not None else partial(sys.settrace, self._hook)
        if sys.version_info < (3, 12) and os.environ.get("CODETOUR_UNTRACED_IMPORTS", "1") != "0":
            # Not on 3.12+: there sys.settrace sits on sys.monitoring, and switching it off and on
            # instruments every code object again (and this module is not imported there).
            from codetour.trace import imports

            self._gate = imports.ImportGate(self.scope, self._hook, resume, self._records_here)
            self._gate.install()
        self.library_imports = "untraced" if self._gate is not None else "traced"
        resume()

    def watch(self, code: Any) -> None:
        """``code`` (the script the runner compiled) is about to run. Nothing to do here: settrace
        sees every frame; the monitoring recorder sets its events on the code in scope."""

    def inherit(self, parent: Recorder) -> None:
        """This recorder starts in a forked child of ``parent``'s process (nothing to take over here)."""

    def _records_here(self) -> bool:
        return self.active and os.getpid() == self.pid

    def _after_fork_in_child(self) -> None:
        # The child must never write into the parent's database: it lets go of it, and records
        # into a shard of its own if the run follows children (``follow``).
        if os.getpid() == self.pid or not self.active:
            return
        self.active = False
        self.code_ids.clear()
        self.writer.detach_after_fork()
        if self._gate is not None:
            self._gate.uninstall()
        sys.settrace(self.previous_trace)
        threading.settrace(self.previous_thread_trace)
        if self.follow is not None:
            self.follow.after_fork_in_child(self)

    def stop(self) -> None:
        """Uninstall the tracer (restoring any previous one) and write what is pending."""
        if self._global is None or os.getpid() != self.pid:
            return
        if self.active:
            current = sys.gettrace()
            if current is None and self._gate is not None and self._gate.suspended():
                current = self._hook  # stopped while a library was being imported: not displaced
            if current is not self._hook and current is not self._oneshot:
                # The target installed its own trace function (a debugger, coverage) or cleared ours.
                self.displaced_by = "sys.settrace(None)" if current is None else _describe_tracer(current)
        if sys.gettrace() in (self._hook, self._oneshot) or self.active:
            sys.settrace(self.previous_trace)
        threading.settrace(self.previous_thread_trace)
        self.active = False
        forks.forget(self)  # its fork hooks have nothing left to do
        if self._gate is not None:
            self._gate.uninstall()
        self.code_ids.clear()  # threads still running under the old hook now find nothing in scope
        self._global = self._hook = self._ignore = None
        self._resume_after_fork = False
        self._stop_flusher()
        if self._warning_filter is not None and self._warning_filter in warnings.filters:
            getattr(warnings, "filters").remove(self._warning_filter)  # noqa: B009 (typed as a read-only Sequence)
            warnings._filters_mutated()  # type: ignore[attr-defined]
        self._warning_filter = None
        self._close_open_frames()
        for fid, buf in self.return_series.items():
            self.series_new.append(series.row(fid, None, None, "<return>", buf))
        self.return_series.clear()
        self.flush()

    def _close_open_frames(self) -> None:
        """Frames still on a stack when recording stops (exit, crash, Ctrl-C, live threads)."""
        now = time.perf_counter_ns() - self.t0
        for stack in self.open_stacks:
            for entry in reversed(stack):
                if entry[ROW] >= 0:
                    if entry[FOLD] is not None:
                        head, end, seq, iterations, lines, ts, _ = entry[FOLD]
                        self.folds.append((entry[ROW], head, end, seq, iterations, lines))
                        self.events.append(
                            (seq, entry[ROW], FOLD_EVENT, head, ts, {"iterations": iterations, "lines": lines, "end_line": end})
                        )
                    self.frames_end.append((None, now, None, entry[EXC], "unfinished", entry[ROW]))
                    for (head, name), buf in (entry[SERIES] or {}).items():
                        self.series_new.append(series.row(entry[FID], entry[ROW], head, name, buf))
                fid = entry[FID]
                self.func_total[fid] += time.perf_counter_ns() - entry[START]
                entry[FRAME] = None
            stack.clear()

    def function_summary(self) -> list[dict[str, Any]]:
        """Per-function counts and times, for the CLI's end-of-run summary."""
        out = []
        files = {file_id: self.scope.relpath(path) for path, file_id in self.file_ids.items()}
        for row in self.func_rows:
            fid = row[0]
            out.append(
                {
                    "qualname": row[3],
                    "kind": row[8],
                    "file": files.get(row[1], "?"),
                    "file_id": row[1],
                    "library": bool(row[7]),
                    "calls": self.func_calls[fid],
                    "total_ns": self.func_total[fid],
                    "self_ns": self.func_self[fid],
                }
            )
        return out


def loop_ranges(code: Any) -> dict[int, tuple[int, int]]:
    """Loops of a code object from its backward jumps: head line -> (first, last) line of the loop.

    The head is where each iteration starts (a ``for`` line; for a ``while`` loop, which
    CPython compiles with its test at the bottom, the body's first line). The range spans
    every line between the jump target and the jump, the ``while`` test included. Reading
    the compiled code (once per function) tells a loop apart from a multi-line statement,
    which also makes the line number go back.
    """
    if _BACKWARD_OPS is not None and _BACKWARD_OPS.isdisjoint(code.co_code[::2]):
        return {}  # no backward jump, no loop: most functions
    lines = series.offset_lines(code)
    loops: dict[int, tuple[int, int]] = {}
    for offset, target in _backward_jumps(code):
        head = lines.get(target)
        if head is None:
            continue
        body = [ln for off, ln in lines.items() if target <= off <= offset] or [head]
        lo, hi = loops.get(head, (head, head))
        loops[head] = (min(lo, *body), max(hi, *body))
    return loops


def _backward_jumps(code: Any) -> list[tuple[int, int]]:
    """(offset, target) of each jump of ``code`` that goes back (or to itself)."""
    if _BACKWARD_OPS is not None and series.RAW_BYTECODE:
        # 3.11+: only the *_BACKWARD instructions jump back, by their argument in code units, counted
        # from the instruction after them and their cache entries.
        caches = series.CACHES
        return [
            (offset, offset + 2 + 2 * caches[op] - 2 * arg) for offset, op, arg in series.code_units(code) if op in _BACKWARD_OPS
        ]
    jumps = set(dis.hasjrel) | set(dis.hasjabs)
    return [
        (ins.offset, ins.argval)
        for ins in dis.get_instructions(code)
        if ins.opcode in jumps and isinstance(ins.argval, int) and ins.argval <= ins.offset
    ]


_STORE_ATTR = dis.opmap["STORE_ATTR"]
_LOADS = {"LOAD_FAST", "LOAD_NAME", "LOAD_GLOBAL", "LOAD_DEREF", "LOAD_FAST_CHECK", "LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW"}


def attribute_stores(code: Any) -> dict[int, tuple[str, ...]]:
    """Lines of a code object that set an attribute of a variable (``args.batch_size = ...``): line -> names.

    A local's change is seen by its identity, which an attribute set in place does not change; after such a line
    the recorder summarizes the variable again, so a config object shows the values in force."""
    if _STORE_ATTR not in code.co_code[::2]:
        return {}  # most functions set no attribute: no dis
    if code.co_argcount and code.co_varnames[0] in ("self", "cls"):
        # a method: its attribute stores are nearly all on ``self``, whose fields are seen at calls, and reading
        # every ``__init__`` with dis cost 3% of a short PPO run (callgrind, 3.12)
        return {}
    found: dict[int, set[str]] = {}
    line = code.co_firstlineno
    prev = None
    duplicated = None  # ``args.n += 1`` loads ``args``, copies it, and stores through the copy
    for ins in dis.get_instructions(code):
        if isinstance(ins.starts_line, int) and not isinstance(ins.starts_line, bool):
            line = ins.starts_line  # 3.10-3.12; 3.11+ also give positions
        lineno = getattr(getattr(ins, "positions", None), "lineno", None) or line
        if ins.opname in ("COPY", "DUP_TOP") and prev is not None and prev.opname in _LOADS:
            duplicated = prev
        if ins.opcode == _STORE_ATTR:
            source = prev if prev is not None and prev.opname in _LOADS else duplicated
            name = (
                source.argval[-1] if source is not None and isinstance(source.argval, tuple) else getattr(source, "argval", None)
            )
            if isinstance(name, str) and name not in ("self", "cls"):  # an object's own fields: seen at its calls
                found.setdefault(lineno, set()).add(name)
            duplicated = None
        if ins.opname not in ("CACHE", "EXTENDED_ARG"):
            prev = ins
    return {ln: tuple(sorted(names)) for ln, names in found.items()}


def _nested_qualnames(code: Any, prefix: str = "") -> dict[int, str]:
    """Qualified names of the code objects nested in ``code`` (as CPython 3.11+ gives in
    ``co_qualname``): ``Class.method``, ``outer.<locals>.inner``. For Python 3.10, read once per module."""
    found: dict[int, str] = {}
    for const in code.co_consts:
        if type(const) is type(code):
            qualname = prefix + const.co_name
            found[id(const)] = qualname
            is_class_body = not const.co_flags & CO_NEWLOCALS
            found.update(_nested_qualnames(const, qualname + ("." if is_class_body else ".<locals>.")))
    return found


def _wait_until_gone(native_id: int | None, timeout: float = 0.5) -> None:
    """After join(), wait for the OS thread itself to end: Python 3.12+ counts the process's OS
    threads at fork time (and warns the target if there are several), and a joined thread can
    outlive its join by a moment."""
    if native_id is None or not sys.platform.startswith("linux"):
        return
    task = f"/proc/self/task/{native_id}"
    deadline = time.monotonic() + timeout
    while os.path.exists(task) and time.monotonic() < deadline:
        time.sleep(0.0005)


def _take(pending: list) -> list:
    batch = pending[:]
    del pending[: len(batch)]
    return batch


def _discard(*pending: list) -> None:
    for items in pending:
        del items[:]


def _first_resume_offset(code: Any) -> int:
    """f_lasti reported by the 'call' event of a generator's *first* entry."""
    if sys.version_info < (3, 11):
        return -1
    if series.RAW_BYTECODE:
        return next((offset for offset, op, _ in series.code_units(code) if op == _RESUME), -1)
    return next((ins.offset for ins in dis.get_instructions(code) if ins.opname == "RESUME"), -1)


_RESUME = dis.opmap.get("RESUME", -1)


def c_dispatcher() -> Any:
    """The C dispatcher type (``codetour.trace._speedups.Dispatcher``) where it can be used, else None.

    It is built on CPython 3.10 and 3.11 when a C compiler was there at install time. It is used only
    if it reads frames as the interpreter lays them out (3.11's layout is copied from an internal
    header): it is checked against the frame attributes once per process. ``CODETOUR_SPEEDUPS=0``
    turns it off (the benchmarks and a test compare the two).
    """
    global _DISPATCHER
    if _DISPATCHER is None:
        _DISPATCHER = False
        if os.environ.get("CODETOUR_SPEEDUPS", "1") != "0":
            try:
                from codetour.trace import _speedups  # type: ignore[attr-defined]
            except ImportError:
                pass
            else:
                if _reads_frames_right(_speedups.frame_fields):
                    _DISPATCHER = _speedups.Dispatcher
    return _DISPATCHER or None


_DISPATCHER: Any = None


def _reads_frames_right(frame_fields: Callable[[Any], tuple[Any, bool]]) -> bool:
    frame = sys._getframe()
    saved = frame.f_trace, frame.f_trace_lines

    def marker(frame: Any, event: str, arg: Any) -> None:
        return None

    try:
        frame.f_trace, frame.f_trace_lines = marker, False
        first = frame_fields(frame)
        frame.f_trace, frame.f_trace_lines = None, True
        second = frame_fields(frame)
    finally:
        frame.f_trace, frame.f_trace_lines = saved
    return first == (marker, False) and second == (None, True)


def _describe_tracer(fn: Any) -> str:
    module = getattr(fn, "__module__", None) or type(fn).__module__
    name = getattr(fn, "__qualname__", None) or type(fn).__qualname__
    return f"{module}.{name}"
