"""TraceReader: the only way anything downstream reads a trace file.

Every query here is served by an index (see ``schema.DDL``), so stepping
through a trace of millions of events answers in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from codetour.errors import InputError, TraceFormatError
from codetour.store.schema import CALL, EXCEPTION, FILE_SUFFIX, FORMAT_NAME, KIND_NAMES, LINE, SCHEMA_VERSION, SQLITE_HEADER
from codetour.store.schema import is_trace_file as is_trace_file  # defined with the format; the reader's too


@dataclass(frozen=True)
class FileInfo:
    """A recorded source file: its path, its path relative to the root, and its hash at recording time."""

    id: int
    path: str
    relpath: str
    sha256: str | None

    def changed_on_disk(self) -> bool | None:
        """True if the file changed since recording, False if not, None if it is gone."""
        try:
            raw = Path(self.path).read_bytes()
        except OSError:
            return None
        return hashlib.sha256(raw).hexdigest() != self.sha256


@dataclass(frozen=True)
class Function:
    """A code object that ran in scope (function, method, class body or module code), with exact call counts and times."""

    id: int
    file_id: int
    name: str
    qualname: str
    firstlineno: int
    lastlineno: int
    docstring: str | None
    library: bool
    calls: int
    recorded_calls: int
    total_ns: int
    self_ns: int
    kind: str = "function"  # "function", "class" (a class body) or "module"


@dataclass(frozen=True)
class Edge:
    """Calls from one function to another, exact even past the detail budget (stitched across library frames)."""

    caller_id: int | None  # None: called from outside any recorded frame (the entry)
    callee_id: int
    calls: int
    total_ns: int


@dataclass(frozen=True)
class Frame:
    """One recorded activation of a function: its caller, call line, thread, depth, the span of events it
    covers, and summaries of its arguments, return value or exception."""

    id: int
    function_id: int
    parent_id: int | None
    call_line: int | None
    thread: int
    depth: int
    start_seq: int
    end_seq: int | None
    start_ns: int
    end_ns: int | None
    args: dict[str, str] | None
    ret: str | None
    exc: dict[str, Any] | None
    status: str
    resumed: bool


@dataclass(frozen=True)
class Event:
    """One step of the recording: a call, line, return, exception or fold, in a frame, at a time;
    ``data`` holds the values it carries (arguments, changed locals, return value, exception)."""

    seq: int
    frame_id: int
    kind: int
    line: int
    ts_ns: int
    data: Any

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, "?")


@dataclass(frozen=True)
class Fold:
    """Where detail stopped: a loop's iterations past the budget, counted but not stored."""

    frame_id: int
    head_line: int
    end_line: int
    after_seq: int
    iterations: int
    lines: int


_FRAME_COLS = (
    "id, function_id, parent_id, call_line, thread, depth, start_seq, end_seq, start_ns, end_ns, args, ret, exc, status, resumed"
)


def _load(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise TraceFormatError("the trace holds malformed data (the file is corrupt)") from None


# What a damaged file can raise while being read: SQLite's errors, and text that is not UTF-8.
_READ_ERRORS = (sqlite3.DatabaseError, UnicodeError)
_REQUIRED_TABLES = {"meta", "files", "functions", "edges", "threads", "frames", "events", "folds"}
# Files up to this size get SQLite's full page check when opened; larger ones a schema check only.
QUICK_CHECK_MAX_BYTES = 64 << 20


def looks_like_trace(path: str | Path) -> bool:
    """A file meant as a trace (the .ctrace suffix or an SQLite header): open it with
    :class:`TraceReader`, which says precisely what is wrong if it is not a good one."""
    path = Path(path)
    if not path.is_file():
        return False
    if path.suffix == FILE_SUFFIX:
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False


class _Rows:
    """A cursor whose read errors become :class:`TraceFormatError` (one line, exit 5)."""

    __slots__ = ("_cursor", "_owner")

    def __init__(self, cursor: sqlite3.Cursor, owner: _SafeDb) -> None:
        self._cursor = cursor
        self._owner = owner

    def fetchone(self) -> Any:
        try:
            return self._cursor.fetchone()
        except _READ_ERRORS as exc:
            raise self._owner.corrupt(exc) from None

    def fetchall(self) -> list[Any]:
        try:
            return self._cursor.fetchall()
        except _READ_ERRORS as exc:
            raise self._owner.corrupt(exc) from None

    def __iter__(self) -> Iterator[Any]:
        cursor = self._cursor
        while True:
            try:
                row = cursor.fetchone()
            except _READ_ERRORS as exc:
                raise self._owner.corrupt(exc) from None
            if row is None:
                return
            yield row


class _SafeDb:
    """The reader's connection: every query's failure is reported as a bad trace, never a crash."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path

    def corrupt(self, exc: Exception) -> TraceFormatError:
        return TraceFormatError(f"{self.path} is damaged or truncated and cannot be read ({exc})")

    def execute(self, sql: str, params: Any = ()) -> _Rows:
        try:
            return _Rows(self.conn.execute(sql, params), self)
        except _READ_ERRORS as exc:
            raise self.corrupt(exc) from None

    def close(self) -> None:
        self.conn.close()


def _recover_hot_journal(path: Path) -> None:
    """Roll back a transaction a killed writer left half-done, so the last complete batch reads.

    A read-only connection cannot do it; a read-write one does it on first read. If the writer
    is still alive it holds its lock and SQLite leaves the journal alone.
    """
    journal = Path(f"{path}-journal")
    try:
        if not journal.exists() or journal.stat().st_size == 0:
            return
        conn = sqlite3.connect(str(path))
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except (OSError, sqlite3.Error):
        pass  # not writable: the read-only open below reports what it can


class TraceReader:
    """Read access to one trace file: the only way anything downstream of the recorder reads a trace.

    Opening checks that the file is a codetour trace of a known version and is not damaged;
    every later query that meets a damaged page raises :class:`TraceFormatError` (one line,
    exit 5) rather than an SQLite error.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"no such trace file: {self.path}")
        if self.path.is_dir():
            raise InputError(f"{self.path} is a directory, not a trace file")
        try:
            with open(self.path, "rb") as fh:
                header = fh.read(16)
        except OSError as exc:
            raise InputError(f"cannot read {self.path}: {exc.strerror}") from None
        if header != SQLITE_HEADER:
            raise TraceFormatError(f"{self.path} is not a codetour trace (not an SQLite database)")
        _recover_hot_journal(self.path)
        try:
            conn = sqlite3.connect(f"file:{self.path.resolve()}?mode=ro", uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise TraceFormatError(f"{self.path} is not a readable codetour trace ({exc})") from None
        self.db = _SafeDb(conn, self.path)
        try:
            self._check()
        except BaseException:
            conn.close()
            raise

    def _check(self) -> None:
        """Format, version, tables, and (for files of ordinary size) SQLite's page check."""
        try:
            tables = {r[0] for r in self.db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "meta" not in tables:
                raise TraceFormatError(f"{self.path} is an SQLite database but not a codetour trace")
            rows = dict(self.db.conn.execute("SELECT key, value FROM meta WHERE key IN ('format', 'version')").fetchall())
            try:
                fmt = json.loads(rows.get("format", "null"))
                version = json.loads(rows.get("version", "0"))
            except ValueError:
                raise TraceFormatError(f"{self.path} has malformed metadata (the file is corrupt)") from None
            if fmt != FORMAT_NAME:
                raise TraceFormatError(f"{self.path} is an SQLite database but not a codetour trace")
            if version != SCHEMA_VERSION:
                raise TraceFormatError(
                    f"{self.path} uses trace format version {version}; this codetour reads version {SCHEMA_VERSION}"
                )
            missing = _REQUIRED_TABLES - tables
            if missing:
                raise TraceFormatError(f"{self.path} is damaged: its {', '.join(sorted(missing))} table is missing")
            if self.path.stat().st_size <= QUICK_CHECK_MAX_BYTES:
                problems = [r[0] for r in self.db.conn.execute("PRAGMA quick_check(3)")]
                if problems != ["ok"]:
                    raise TraceFormatError(f"{self.path} is damaged and cannot be read ({problems[0]})")
        except _READ_ERRORS as exc:
            raise self.db.corrupt(exc) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> TraceReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ whole-trace facts
    @cached_property
    def meta(self) -> dict[str, Any]:
        return {k: _load(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

    @property
    def incomplete(self) -> str | None:
        """Why this trace does not hold the whole run, in words (None if it does)."""
        status = self.meta.get("status")
        if status == "running":
            if _locked_by_writer(self.path):
                return "the run is still being recorded: this is what has been written so far"
            return (
                "the recording did not finish (the process was killed or ended abruptly):"
                " it holds what was written up to its last flush"
            )
        if isinstance(status, str) and status.startswith("recording failed"):
            return f"{status}; the trace holds what was written before that"
        if status == "not-run":
            return "the program never ran (codetour stopped before starting it)"
        return None

    @cached_property
    def files(self) -> dict[int, FileInfo]:
        return {r[0]: FileInfo(*r) for r in self.db.execute("SELECT id, path, relpath, sha256 FROM files")}

    def source(self, file_id: int) -> str | None:
        """The file's text as it was when the trace was recorded."""
        row = self.db.execute("SELECT source FROM files WHERE id = ?", (file_id,)).fetchone()
        return row[0] if row else None

    def source_lines(self, file_id: int) -> list[str]:
        return (self.source(file_id) or "").splitlines()

    def stale_files(self) -> list[FileInfo]:
        """Recorded files that changed (or vanished) on disk since recording."""
        return [f for f in self.files.values() if f.changed_on_disk() is not False]

    @cached_property
    def functions(self) -> dict[int, Function]:
        rows = self.db.execute(
            "SELECT id, file_id, name, qualname, firstlineno, lastlineno, docstring, library, calls, recorded_calls,"
            " total_ns, self_ns, kind FROM functions"
        )
        return {
            r[0]: Function(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7]), r[8], r[9], r[10], r[11], r[12]) for r in rows
        }

    def edges(self) -> list[Edge]:
        return [Edge(*r) for r in self.db.execute("SELECT caller_id, callee_id, calls, total_ns FROM edges")]

    def threads(self) -> dict[int, str]:
        return {r[0]: r[1] for r in self.db.execute("SELECT id, name FROM threads")}

    def function_by_name(self, qualname: str) -> Function | None:
        for f in self.functions.values():
            if f.qualname == qualname:
                return f
        return None

    # ------------------------------------------------------------------ counts
    @cached_property
    def event_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM events").fetchone()[0]

    @cached_property
    def first_seq(self) -> int | None:
        return self.db.execute("SELECT MIN(seq) FROM events").fetchone()[0]

    @cached_property
    def last_seq(self) -> int | None:
        return self.db.execute("SELECT MAX(seq) FROM events").fetchone()[0]

    def frame_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM frames").fetchone()[0]

    # ------------------------------------------------------------------ frames
    def frame(self, frame_id: int) -> Frame | None:
        row = self.db.execute(f"SELECT {_FRAME_COLS} FROM frames WHERE id = ?", (frame_id,)).fetchone()
        return self._frame(row) if row else None

    def _frame(self, r: tuple) -> Frame:
        return Frame(
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            _load(r[10]),
            _load(r[11]),
            _load(r[12]),
            r[13],
            bool(r[14]),
        )

    def children(self, frame_id: int | None) -> list[Frame]:
        """Recorded frames called from ``frame_id`` (None: the top-level frames), in call order."""
        if frame_id is None:
            rows = self.db.execute(f"SELECT {_FRAME_COLS} FROM frames WHERE parent_id IS NULL ORDER BY start_seq")
        else:
            rows = self.db.execute(f"SELECT {_FRAME_COLS} FROM frames WHERE parent_id = ? ORDER BY start_seq", (frame_id,))
        return [self._frame(r) for r in rows]

    def frames_of(self, function_id: int) -> list[Frame]:
        rows = self.db.execute(f"SELECT {_FRAME_COLS} FROM frames WHERE function_id = ? ORDER BY start_seq", (function_id,))
        return [self._frame(r) for r in rows]

    def frames(self) -> Iterator[Frame]:
        for r in self.db.execute(f"SELECT {_FRAME_COLS} FROM frames ORDER BY start_seq"):
            yield self._frame(r)

    # ------------------------------------------------------------------ events
    def _event(self, r: tuple | None) -> Event | None:
        return Event(r[0], r[1], r[2], r[3], r[4], _load(r[5])) if r else None

    def event(self, seq: int) -> Event | None:
        return self._event(self.db.execute("SELECT * FROM events WHERE seq = ?", (seq,)).fetchone())

    def events(self, start: int = 0, stop: int | None = None, frame_id: int | None = None) -> Iterator[Event]:
        """Events with ``start <= seq < stop``, optionally of one frame, in order."""
        stop = stop if stop is not None else (1 << 62)
        if frame_id is None:
            rows = self.db.execute("SELECT * FROM events WHERE seq >= ? AND seq < ? ORDER BY seq", (start, stop))
        else:
            rows = self.db.execute(
                "SELECT * FROM events WHERE frame_id = ? AND seq >= ? AND seq < ? ORDER BY seq", (frame_id, start, stop)
            )
        for r in rows:
            yield self._event(r)  # type: ignore[misc]

    def next_event(self, seq: int, *, frame_id: int | None = None, kinds: tuple[int, ...] | None = None) -> Event | None:
        return self._step(seq, frame_id, kinds, forward=True)

    def prev_event(self, seq: int, *, frame_id: int | None = None, kinds: tuple[int, ...] | None = None) -> Event | None:
        return self._step(seq, frame_id, kinds, forward=False)

    def _step(self, seq: int, frame_id: int | None, kinds: tuple[int, ...] | None, forward: bool) -> Event | None:
        op, order = (">", "ASC") if forward else ("<", "DESC")
        where = [f"seq {op} ?"]
        params: list[Any] = [seq]
        if frame_id is not None:
            where.append("frame_id = ?")
            params.append(frame_id)
        if kinds is not None:
            where.append(f"kind IN ({','.join('?' * len(kinds))})")
            params.extend(kinds)
        row = self.db.execute(f"SELECT * FROM events WHERE {' AND '.join(where)} ORDER BY seq {order} LIMIT 1", params).fetchone()
        return self._event(row)

    def line_events_at(self, file_id: int, line: int, after: int = 0, forward: bool = True) -> Event | None:
        """The next (or previous) line event at ``file:line`` after ``after``: replay breakpoints."""
        op, order = (">", "ASC") if forward else ("<", "DESC")
        row = self.db.execute(
            f"SELECT e.* FROM events e JOIN frames f ON f.id = e.frame_id JOIN functions fn ON fn.id = f.function_id"
            f" WHERE e.kind = {LINE} AND e.line = ? AND e.seq {op} ? AND fn.file_id = ? ORDER BY e.seq {order} LIMIT 1",
            (line, after, file_id),
        ).fetchone()
        return self._event(row)

    def locals_at(self, frame_id: int, seq: int) -> dict[str, str]:
        """Summaries of the frame's locals as of event ``seq`` (arguments plus every change so far)."""
        values: dict[str, str] = {}
        for kind, data in self.db.execute(
            "SELECT kind, data FROM events WHERE frame_id = ? AND seq <= ? AND data IS NOT NULL ORDER BY seq",
            (frame_id, seq),
        ):
            if kind in (CALL, LINE):
                values.update(_load(data))
        return values

    def covered_lines(self, file_id: int) -> set[int]:
        """Lines of a file that ran at least once in the recorded detail."""
        rows = self.db.execute(
            "SELECT DISTINCT e.line FROM events e JOIN frames f ON f.id = e.frame_id"
            " JOIN functions fn ON fn.id = f.function_id WHERE fn.file_id = ? AND e.kind = ?",
            (file_id, LINE),
        )
        return {r[0] for r in rows}

    def folds(self, frame_id: int | None = None) -> list[Fold]:
        if frame_id is None:
            rows = self.db.execute("SELECT * FROM folds ORDER BY after_seq")
        else:
            rows = self.db.execute("SELECT * FROM folds WHERE frame_id = ? ORDER BY after_seq", (frame_id,))
        return [Fold(*r) for r in rows]

    # ------------------------------------------------------------------ named queries for replay and live
    def value_events(
        self, frame_id: int, after: int = 0, limit: int = -1, until: int | None = None
    ) -> Iterator[tuple[int, dict[str, str]]]:
        """(seq, the locals that changed) for a frame's call and line events that carry values, in
        order: those after seq ``after`` (and up to ``until``, included), at most ``limit`` of them (-1: all)."""
        for seq, data in self.db.execute(
            "SELECT seq, data FROM events WHERE frame_id = ? AND seq > ? AND seq <= ? AND data IS NOT NULL AND kind IN (?, ?)"
            " ORDER BY seq LIMIT ?",
            (frame_id, after, (1 << 62) if until is None else until, CALL, LINE, limit),
        ):
            yield seq, _load(data)

    @cached_property
    def has_snapshots(self) -> bool:
        """Does this trace keep snapshots of large frames' locals (traces written before them do not)?"""
        return self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshots'").fetchone() is not None

    def snapshot_before(self, frame_id: int, seq: int) -> tuple[int, dict[str, list]] | None:
        """The frame's latest snapshot at or before ``seq``: (its seq, ``{name: [value, seq of the
        last change, changes so far]}`` in the order the names last changed), or None if there is
        none (a small frame, or a trace written before snapshots existed)."""
        if not self.has_snapshots:
            return None
        row = self.db.execute(
            "SELECT seq, data FROM snapshots WHERE frame_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1", (frame_id, seq)
        ).fetchone()
        if row is None:
            return None
        state = _load(row[1])
        if not isinstance(state, dict):
            raise TraceFormatError(f"{self.path} holds a malformed snapshot (the file is corrupt)")
        return row[0], state

    def step_number(self, seq: int) -> int:
        """How many events there are up to and including ``seq``: its 1-based step number."""
        return self.db.execute("SELECT COUNT(*) FROM events WHERE seq <= ?", (seq,)).fetchone()[0]

    def seq_at_step(self, index: int) -> int | None:
        """The event numbered ``index`` (1-based) in recording order."""
        row = self.db.execute("SELECT seq FROM events ORDER BY seq LIMIT 1 OFFSET ?", (max(index - 1, 0),)).fetchone()
        return row[0] if row else None

    def next_call_of(self, function_id: int, seq: int, forward: bool = True) -> int | None:
        """The first event of the next (or previous) recorded call of a function after (before) ``seq``."""
        op, order = (">", "ASC") if forward else ("<", "DESC")
        row = self.db.execute(
            f"SELECT start_seq FROM frames WHERE function_id = ? AND start_seq {op} ? ORDER BY start_seq {order} LIMIT 1",
            (function_id, seq),
        ).fetchone()
        return row[0] if row else None

    def first_call_of(self, function_id: int) -> int | None:
        """The first event of a function's first recorded call."""
        row = self.db.execute("SELECT MIN(start_seq) FROM frames WHERE function_id = ?", (function_id,)).fetchone()
        return row[0] if row else None

    def line_hits_until(self, file_id: int, line: int, seq: int) -> int:
        """How many recorded times ``file:line`` ran up to and including event ``seq`` (any frame)."""
        return self.db.execute(
            "SELECT COUNT(*) FROM events e JOIN frames f ON f.id = e.frame_id JOIN functions fn ON fn.id = f.function_id"
            " WHERE fn.file_id = ? AND e.kind = ? AND e.line = ? AND e.seq <= ?",
            (file_id, LINE, line, seq),
        ).fetchone()[0]

    def folds_covering_line_before(self, file_id: int, line: int, seq: int) -> int:
        """How many folded loops spanning ``file:line`` closed before event ``seq``: runs of the line
        that were counted but not recorded, so a hit count from :meth:`line_hits_until` is a lower bound."""
        return self.db.execute(
            "SELECT COUNT(*) FROM folds fo JOIN frames f ON f.id = fo.frame_id JOIN functions fn ON fn.id = f.function_id"
            " WHERE fn.file_id = ? AND fo.head_line <= ? AND fo.end_line >= ? AND fo.after_seq < ?",
            (file_id, line, line, seq),
        ).fetchone()[0]

    # ------------------------------------------------------------------ named queries for tours
    # Queries the tour builder and concept matching need. Append new ones here (tours-engine and
    # concepts engineers): one method per question, returning plain values or the dataclasses above.

    def line_runs(self, frame_id: int) -> list[tuple[int, int, dict[str, str]]]:
        """(seq, line, locals that line changed) for each recorded line event of a frame, in order.

        The recorder compares a frame's locals when its *next* event starts, so what line L
        assigned is stored on the frame's following event; for the frame's last line only the
        return value survives (under the key ``<return>``)."""
        rows = self.db.execute("SELECT seq, kind, line, data FROM events WHERE frame_id = ? ORDER BY seq", (frame_id,)).fetchall()
        out: list[tuple[int, int, dict[str, str]]] = []
        for i, (seq, kind, line, _data) in enumerate(rows):
            if kind != LINE:
                continue
            nxt = rows[i + 1] if i + 1 < len(rows) else None
            returns = nxt is not None and KIND_NAMES.get(nxt[1]) == "return"
            changed = json.loads(nxt[3]) if nxt is not None and (nxt[1] == LINE or returns) and nxt[3] else {}
            if returns:
                changed = {"<return>": changed["value"]} if "value" in changed else {}
            out.append((seq, line, changed))
        return out

    def module_globals(self, file_id: int) -> dict[str, str]:
        """Summaries of a module's globals as its module-level code left them (its first recorded run):
        tells what ``np``, ``F`` or ``torch`` name in that file."""
        for func in self.functions.values():
            if func.file_id == file_id and func.kind == "module":
                frames = self.frames_of(func.id)
                if frames:
                    fr = frames[0]
                    return self.locals_at(fr.id, fr.end_seq if fr.end_seq is not None else (self.last_seq or 0))
        return {}

    def lines_that_ran(self) -> list[tuple[int, int, int, int, int]]:
        """Every (function, line) that ran in recorded detail: (function id, line, first seq,
        frame of that first run, recorded runs), in the order they first ran."""
        rows = self.db.execute(
            "SELECT f.function_id, e.line, MIN(e.seq), e.frame_id, COUNT(*) FROM events e JOIN frames f ON f.id = e.frame_id"
            " WHERE e.kind = ? GROUP BY f.function_id, e.line ORDER BY MIN(e.seq)",
            (LINE,),
        )
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def line_runs_in_frame(self, frame_id: int, line: int) -> list[int]:
        """Seqs of the recorded runs of ``line`` in one frame, in order."""
        rows = self.db.execute(
            "SELECT seq FROM events WHERE frame_id = ? AND kind = ? AND line = ? ORDER BY seq", (frame_id, LINE, line)
        )
        return [r[0] for r in rows]

    def exception_events(self) -> list[Event]:
        """Every recorded exception event, in order (raised, or passing through a frame)."""
        rows = self.db.execute("SELECT * FROM events WHERE kind = ? ORDER BY seq", (EXCEPTION,))
        return [e for e in (self._event(r) for r in rows) if e is not None]

    def scalar_series(self, function_id: int | None = None) -> list[tuple[int, int | None, int | None, str, int, int, dict]]:
        """Scalar series kept past the budgets: (function id, frame id, loop head line, name, count,
        step, data) with data = {"points", "first", "last", "min", "max"}. A loop's series has the
        frame and its head line; a function's returned floats have frame and line None and the name
        ``<return>``. Traces written before series existed have none: an empty list."""
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'series'").fetchone():
            return []
        if function_id is None:
            rows = self.db.execute("SELECT * FROM series ORDER BY rowid")
        else:
            rows = self.db.execute("SELECT * FROM series WHERE function_id = ? ORDER BY rowid", (function_id,))
        out = []
        for fid, frame_id, line, name, count, step, data in rows:
            loaded = _load(data)
            out.append((fid, frame_id, line, name, count, step, loaded if isinstance(loaded, dict) else {}))
        return out

    def reopened(self) -> TraceReader:
        """The same trace on a second read-only connection, for a background thread (the TUI's
        covered lines): SQLite serialises the queries of one connection, so a long scan on the
        UI's connection would stall every key for as long as it runs (0.8 s on 1M events)."""
        return TraceReader(self.path)


def _locked_by_writer(path: Path) -> bool:
    """Is a live codetour run still writing this trace (it holds an advisory lock on it)?"""
    try:
        import fcntl
    except ImportError:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
