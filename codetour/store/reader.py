"""TraceReader: the only way anything downstream reads a trace file.

Every query here is served by an index (see ``schema.DDL``), so stepping
through a trace of millions of events answers in milliseconds.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from codetour.errors import InputError, TraceFormatError
from codetour.store.schema import CALL, EXCEPTION, FORMAT_NAME, KIND_NAMES, LINE, SCHEMA_VERSION


@dataclass(frozen=True)
class FileInfo:
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
    caller_id: int | None  # None: called from outside any recorded frame (the entry)
    callee_id: int
    calls: int
    total_ns: int


@dataclass(frozen=True)
class Frame:
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
    return None if text is None else json.loads(text)


class TraceReader:
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
        if header != b"SQLite format 3\0":
            raise TraceFormatError(f"{self.path} is not a codetour trace (not an SQLite database)")
        try:
            self.db = sqlite3.connect(f"file:{self.path.resolve()}?mode=ro", uri=True, check_same_thread=False)
            rows = dict(self.db.execute("SELECT key, value FROM meta WHERE key IN ('format', 'version')").fetchall())
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                raise TraceFormatError(f"{self.path} is an SQLite database but not a codetour trace") from None
            raise TraceFormatError(f"{self.path} is not a readable codetour trace ({exc})") from None
        except sqlite3.DatabaseError as exc:
            raise TraceFormatError(f"{self.path} is not a codetour trace ({exc})") from None
        if json.loads(rows.get("format", "null")) != FORMAT_NAME:
            raise TraceFormatError(f"{self.path} is an SQLite database but not a codetour trace")
        version = json.loads(rows.get("version", "0"))
        if version != SCHEMA_VERSION:
            raise TraceFormatError(
                f"{self.path} uses trace format version {version}; this codetour reads version {SCHEMA_VERSION}"
            )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> TraceReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ whole-trace facts
    @cached_property
    def meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

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
                values.update(json.loads(data))
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

    # ------------------------------------------------------------------ named queries for tours
    # Queries the tour builder and concept matching need. Append new ones here (tours-engine and
    # concepts engineers): one method per question, returning plain values or the dataclasses above.

    def line_runs(self, frame_id: int) -> list[tuple[int, int, dict[str, str]]]:
        """(seq, line, locals that line changed) for each recorded line event of a frame, in order.

        The recorder compares a frame's locals when its *next* event starts, so what line L
        assigned is stored on the frame's following event; for the frame's last line only the
        return value survives (not included here)."""
        rows = self.db.execute("SELECT seq, kind, line, data FROM events WHERE frame_id = ? ORDER BY seq", (frame_id,)).fetchall()
        out: list[tuple[int, int, dict[str, str]]] = []
        for i, (seq, kind, line, _data) in enumerate(rows):
            if kind != LINE:
                continue
            nxt = rows[i + 1] if i + 1 < len(rows) else None
            changed = json.loads(nxt[3]) if nxt is not None and nxt[1] == LINE and nxt[3] else {}
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
