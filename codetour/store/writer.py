"""Batched writes into a trace file. Used by the tracer only.

The tracer hands over lists of plain tuples; each :meth:`TraceWriter.write_batch`
is one transaction, so the file on disk is always a consistent trace up to the
last batch, even if the target is killed.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from codetour.errors import OutputError
from codetour.outputs import check_output, current_umask, remove_quietly
from codetour.store.schema import DDL, FORMAT_NAME, SCHEMA_VERSION, SNAPSHOT_EVERY, VALUE_KINDS, is_trace_file

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; a second writer is not detected there
    fcntl = None  # type: ignore[assignment]


def _builtin_sha256() -> Any:
    """CPython's own SHA-256 (``_sha2`` from 3.12, ``_sha256`` before), or None in a build without it."""
    for name in ("_sha2", "_sha256"):
        try:
            return __import__(name).sha256
        except (ImportError, AttributeError):
            continue
    return None


def _json_encoders() -> Any:
    """``_json``, the C half of the json package, or None where there is none (not CPython)."""
    try:
        return __import__("_json")
    except ImportError:
        return None


_c_json: Any = _json_encoders()


def _not_serializable(o: Any) -> Any:
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")  # json's own message


def json_dumps(
    value: Any,
    *,
    ensure_ascii: bool = True,
    separators: tuple[str, str] = (", ", ": "),
    default: Callable[[Any], Any] | None = None,
) -> str:
    """``json.dumps(value, ensure_ascii=..., separators=..., default=...)``, the same text, from the C
    encoder json.dumps itself uses, without importing the json package (its decoder, scanner and
    Python encoder: about 7 million instructions of every traced run whose target does not use json)."""
    c = _c_json
    if c is None:
        import json

        return json.dumps(value, ensure_ascii=ensure_ascii, separators=separators, default=default)
    encode = c.encode_basestring_ascii if ensure_ascii else c.encode_basestring
    if isinstance(value, str):
        return str(encode(value))
    item_separator, key_separator = separators
    # json.JSONEncoder.iterencode(value, _one_shot=True) with check_circular, allow_nan, no indent,
    # no sort_keys, no skipkeys: the arguments json.dumps hands the C encoder.
    chunks = c.make_encoder({}, default or _not_serializable, encode, None, key_separator, item_separator, False, False, True)(
        value, 0
    )
    if not isinstance(chunks, (list, tuple)):
        chunks = list(chunks)
    return "".join(chunks)


# The same digests as hashlib.sha256, without importing hashlib and starting OpenSSL in the traced
# process (about 11 million instructions of every traced run whose target does not use hashlib).
_sha256: Any = _builtin_sha256()


def sha256_hex(data: bytes) -> str:
    """``hashlib.sha256(data).hexdigest()``."""
    if _sha256 is not None:
        return str(_sha256(data).hexdigest())
    import hashlib

    return hashlib.sha256(data).hexdigest()


class TraceWriter:
    """Creates a trace file and writes batches into it.

    The path is checked first (:func:`codetour.outputs.check_output`): only an earlier trace is
    ever replaced, unless ``force``. The new file is built beside the target, locked, and then
    renamed over it, so an earlier trace stays whole until the new one exists, and a second
    codetour run aiming at the same path while this one writes fails cleanly instead of
    corrupting it. The lock is an advisory ``flock`` on the trace itself, released on close or
    when the process dies.
    """

    def __init__(self, path: Path, *, force: bool = False, protect: Iterable[Path] = ()) -> None:
        self.path = Path(path)
        real = check_output(self.path, what="codetour trace", force=force, accept=is_trace_file, protect=protect)
        self.lock_fd: int | None = None
        tmp: str | None = None
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
            self.lock_fd = fd
            _lock(fd, self.path)
            conn = sqlite3.connect(tmp, isolation_level=None)
            conn.execute("PRAGMA journal_mode=DELETE")
            # The new file only counts once renamed over the target: no fsync per CREATE (100+ ms on
            # some disks, paid again by every process of a run that follows its children).
            conn.execute("PRAGMA synchronous=OFF")
            # One transaction for the schema and the format keys: each statement on its own would
            # be a commit of its own (a journal file created and deleted per table and index).
            conn.executescript(f"BEGIN;{DDL}COMMIT;")
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                [("format", json_dumps(FORMAT_NAME)), ("version", json_dumps(SCHEMA_VERSION))],
            )
            conn.execute("COMMIT")
            conn.close()  # no journal is left behind, so the file can be renamed safely
            os.chmod(tmp, 0o666 & ~current_umask())
            if real.exists():
                _check_not_being_written(real, self.path)
            os.replace(tmp, real)
            tmp = None
            self.conn: sqlite3.Connection | None = sqlite3.connect(str(real), check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=DELETE")
            self.conn.execute("PRAGMA synchronous=OFF")
        except (OSError, sqlite3.Error) as exc:
            self._release()
            raise OutputError(f"cannot write trace file {self.path}: {getattr(exc, 'strerror', None) or exc}") from None
        except BaseException:
            self._release()
            raise
        finally:
            if tmp is not None:
                remove_quietly(tmp)
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.snapshots = _Snapshots()

    def detach_after_fork(self) -> None:
        """In a forked child: forget the parent's connection and lock without touching them."""
        self.conn = None
        # The child's copy of the lock descriptor shares the parent's lock: close it, so a child
        # that outlives the parent does not keep the trace locked (the parent's copy still holds it).
        self._release()

    def _release(self) -> None:
        # Closed only after the SQLite connection: closing any descriptor of a file drops
        # the POSIX locks SQLite holds on it.
        if self.lock_fd is not None:
            try:
                os.close(self.lock_fd)
            except OSError:
                pass
            self.lock_fd = None

    def _usable(self) -> sqlite3.Connection | None:
        if self.conn is None or os.getpid() != self.pid:
            return None
        return self.conn

    def set_meta(self, items: dict[str, Any]) -> None:
        conn = self._usable()
        if conn is None:
            return
        rows = [(k, json_dumps(v, default=str)) for k, v in items.items()]
        with self.lock:
            conn.execute("BEGIN")  # one commit for all the keys, not one per key
            try:
                conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", rows)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def write_batch(
        self,
        *,
        events: Iterable[tuple] = (),
        frames_new: Iterable[tuple] = (),
        frames_end: Iterable[tuple] = (),
        folds: Iterable[tuple] = (),
        series: Iterable[tuple] = (),
        functions: Iterable[tuple] = (),
        function_stats: Iterable[tuple] = (),
        edges: Iterable[tuple] = (),
        threads: Iterable[tuple] = (),
        files: Iterable[tuple] = (),
        meta: dict[str, Any] | None = None,
    ) -> None:
        conn = self._usable()
        if conn is None:
            return
        events = events if isinstance(events, list) else list(events)
        frames_end = frames_end if isinstance(frames_end, list) else list(frames_end)
        with self.lock:
            snapshots = self.snapshots.rows(events, frames_end)
            conn.execute("BEGIN")
            try:
                conn.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)", files)
                conn.executemany(
                    "INSERT OR IGNORE INTO functions(id, file_id, name, qualname, firstlineno, lastlineno, docstring, library, kind)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    functions,
                )
                conn.executemany(
                    "UPDATE functions SET calls=?, recorded_calls=?, total_ns=?, self_ns=? WHERE id=?", function_stats
                )
                # Each flush rewrites every edge with its running totals. A NULL caller (called from
                # outside any recorded frame) never matches the primary key, so those rows go first.
                conn.execute("DELETE FROM edges WHERE caller_id IS NULL")
                conn.executemany("INSERT OR REPLACE INTO edges VALUES (?, ?, ?, ?)", edges)
                conn.executemany("INSERT OR REPLACE INTO threads VALUES (?, ?, ?)", threads)
                conn.executemany(
                    "INSERT INTO frames(id, function_id, parent_id, call_line, thread, depth, start_seq, start_ns, args, resumed)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    ((*f[:8], _json(f[8]), f[9]) for f in frames_new),
                )
                conn.executemany(
                    "UPDATE frames SET end_seq=?, end_ns=?, ret=?, exc=?, status=? WHERE id=?",
                    ((e[0], e[1], _json(e[2]), _json(e[3]), e[4], e[5]) for e in frames_end),
                )
                conn.executemany(
                    "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
                    ((e[0], e[1], e[2], e[3], e[4], _json(e[5])) for e in events),
                )
                conn.executemany("INSERT INTO snapshots VALUES (?, ?, ?)", snapshots)
                conn.executemany("INSERT INTO folds VALUES (?, ?, ?, ?, ?, ?)", folds)
                conn.executemany("INSERT INTO series VALUES (?, ?, ?, ?, ?, ?, ?)", ((*r[:6], _json(r[6])) for r in series))
                if meta:
                    conn.executemany(
                        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                        [(k, json_dumps(v, default=str)) for k, v in meta.items()],
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        conn = self._usable()
        if conn is not None:
            with self.lock:
                conn.close()
            self._release()
        self.conn = None


class _Snapshots:
    """The ``snapshots`` rows (see :mod:`codetour.store.schema`): for each frame, its value events since
    its last snapshot, and every ``SNAPSHOT_EVERY`` of them its locals with their last-change seqs and
    change counts. A frame is merged only once it has that many value events (most calls never do),
    and forgotten when it ends, so a batch costs one list append per value event."""

    def __init__(self) -> None:
        self.pending: dict[int, list[tuple]] = {}  # frame -> its value events (the writer's tuples) since its last snapshot
        self.state: dict[int, dict[str, list]] = {}

    def rows(self, events: list[tuple], frames_end: list[tuple]) -> list[tuple[int, int, str | None]]:
        out = []
        pending = self.pending
        waiting_of = pending.get
        kinds, every = VALUE_KINDS, SNAPSHOT_EVERY
        for e in events:  # (seq, frame, kind, line, ts, data): the cheapest tests first, this runs per event
            if e[2] in kinds and type(e[5]) is dict:
                waiting = waiting_of(e[1])
                if waiting is None:
                    waiting = pending[e[1]] = []
                waiting.append(e)
                if len(waiting) >= every:
                    out.append(self._snapshot(e[1], waiting))
                    waiting.clear()
        state = self.state
        for end in frames_end:  # a frame's value events all come before its end (same thread, taken after it)
            pending.pop(end[5], None)
            state.pop(end[5], None)
        return out

    def _snapshot(self, frame_id: int, waiting: list[tuple]) -> tuple[int, int, str | None]:
        state = self.state.setdefault(frame_id, {})
        for e in waiting:
            seq = e[0]
            for name, value in e[5].items():
                old = state.pop(name, None)
                state[name] = [value, seq, old[2] + 1 if old else 1]
        return (frame_id, waiting[-1][0], _json(state))


def _lock(fd: int, shown: Path) -> None:
    if fcntl is None:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        raise OutputError(f"cannot lock {shown}: {exc.strerror or exc}") from None


def _check_not_being_written(real: Path, shown: Path) -> None:
    """Refuse to replace a trace that another codetour run is still writing."""
    if fcntl is None:
        return
    try:
        fd = os.open(real, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise OutputError(
            f"another codetour run is still writing {shown}", hint="wait for it to finish, or choose another -o path"
        ) from None
    except OSError:
        pass
    finally:
        os.close(fd)  # never an SQLite file of ours: no POSIX locks of ours are lost


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json_dumps(value, ensure_ascii=False, separators=(",", ":"))


def snapshot_file(file_id: int, path: str, relpath: str, redact: Callable[[str], str] | None = None) -> tuple:
    """A ``files`` row: the text of a source file as it is now (through ``redact``, which hides
    secrets written into the code), and the hash of the file on disk."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return (file_id, path, relpath, None, None)
    text = raw.decode("utf-8", errors="replace")
    return (file_id, path, relpath, sha256_hex(raw), redact(text) if redact else text)
