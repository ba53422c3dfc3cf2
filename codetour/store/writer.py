"""Batched writes into a trace file. Used by the tracer only.

The tracer hands over lists of plain tuples; each :meth:`TraceWriter.write_batch`
is one transaction, so the file on disk is always a consistent trace up to the
last batch, even if the target is killed.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from codetour.errors import OutputError
from codetour.store.schema import DDL, FORMAT_NAME, SCHEMA_VERSION


class TraceWriter:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.path.exists():
                self.path.unlink()
            self.conn: sqlite3.Connection | None = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
            self.conn.execute("PRAGMA journal_mode=DELETE")
            self.conn.execute("PRAGMA synchronous=OFF")
            self.conn.executescript(DDL)
        except (OSError, sqlite3.Error) as exc:
            raise OutputError(f"cannot write trace file {self.path}: {exc}") from None
        self.lock = threading.Lock()
        self.pid = os.getpid()
        self.set_meta({"format": FORMAT_NAME, "version": SCHEMA_VERSION})

    def detach_after_fork(self) -> None:
        """In a forked child: forget the parent's connection without touching it."""
        self.conn = None

    def _usable(self) -> sqlite3.Connection | None:
        if self.conn is None or os.getpid() != self.pid:
            return None
        return self.conn

    def set_meta(self, items: dict[str, Any]) -> None:
        conn = self._usable()
        if conn is None:
            return
        with self.lock:
            conn.executemany(
                "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                [(k, json.dumps(v, default=str)) for k, v in items.items()],
            )

    def write_batch(
        self,
        *,
        events: Iterable[tuple] = (),
        frames_new: Iterable[tuple] = (),
        frames_end: Iterable[tuple] = (),
        folds: Iterable[tuple] = (),
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
        with self.lock:
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
                conn.executemany("INSERT INTO folds VALUES (?, ?, ?, ?, ?, ?)", folds)
                if meta:
                    conn.executemany(
                        "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                        [(k, json.dumps(v, default=str)) for k, v in meta.items()],
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
        self.conn = None


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def snapshot_file(file_id: int, path: str, relpath: str) -> tuple:
    """A ``files`` row: the text of a source file as it is now, and its hash."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return (file_id, path, relpath, None, None)
    return (file_id, path, relpath, hashlib.sha256(raw).hexdigest(), raw.decode("utf-8", errors="replace"))
