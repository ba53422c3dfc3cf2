"""Trace file schema (SQLite), versioned.

One trace is one file a user can copy, share and open later. Tables:

``meta``       key -> JSON value: format, version, argv, cwd, entry, times, status, budgets
``files``      every recorded source file: path, path relative to the root, sha256, text snapshot
``functions``  one row per code object seen in scope (kind: function, class body or module),
               with exact call counts and times
``edges``      caller function -> callee function, exact call counts and times (stitched
               across unrecorded library frames)
``frames``     one row per *recorded* activation (within the detail budget): parent frame,
               call-site line, thread, depth, first/last event, argument and return summaries
``events``     the step-by-step record: call, line, return, exception; ``data`` holds JSON
               (argument summaries, locals that changed, return value, exception)
``folds``      where the recorder stopped storing detail: loop iterations past the budget
``threads``    threads seen, by the small integer used in frames
``series``     scalar series kept past the budgets (optional: traces written before it lack it):
               per recorded frame and loop head, the scalars the loop assigned, one sample per
               iteration (``line`` = the loop head); per function (``frame_id``/``line`` NULL,
               name ``<return>``), the floats it returned, one per call. ``count`` samples were
               taken, every ``step``-th kept; ``data`` is JSON: points, first, last, min, max
``snapshots``  a frame's locals every ``SNAPSHOT_EVERY`` value events (optional: traces written
               before it lack it, and frames with fewer value events have none): ``data`` is JSON,
               ``{name: [value, seq of its last change, how many value events changed it]}`` in the
               order the names last changed, as of the value event ``seq`` (included). A value event
               is a call or line event whose ``data`` holds values (arguments, changed locals). The
               replay reads the locals at any step as the latest snapshot plus at most that many
               events after it, instead of every earlier change of the frame.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

FORMAT_NAME = "codetour-trace"
SCHEMA_VERSION = 1
FILE_SUFFIX = ".ctrace"

# Event kinds, stored as small integers.
# FOLD marks where a loop's iterations past the budget were counted but not stored.
CALL, LINE, RETURN, EXCEPTION, FOLD = 0, 1, 2, 3, 4
KIND_NAMES = {CALL: "call", LINE: "line", RETURN: "return", EXCEPTION: "exception", FOLD: "fold"}
VALUE_KINDS = (CALL, LINE)  # the events whose data is values (arguments, changed locals)
SNAPSHOT_EVERY = 256  # value events of a frame between two snapshots of its locals

DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, relpath TEXT NOT NULL,
    sha256 TEXT, source TEXT
);
CREATE TABLE IF NOT EXISTS functions (
    id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, name TEXT NOT NULL, qualname TEXT NOT NULL,
    firstlineno INTEGER NOT NULL, lastlineno INTEGER NOT NULL, docstring TEXT, library INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'function',
    calls INTEGER NOT NULL DEFAULT 0, recorded_calls INTEGER NOT NULL DEFAULT 0,
    total_ns INTEGER NOT NULL DEFAULT 0, self_ns INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS edges (
    caller_id INTEGER, callee_id INTEGER NOT NULL, calls INTEGER NOT NULL, total_ns INTEGER NOT NULL,
    PRIMARY KEY (caller_id, callee_id)
);
CREATE TABLE IF NOT EXISTS threads (id INTEGER PRIMARY KEY, ident INTEGER, name TEXT);
CREATE TABLE IF NOT EXISTS frames (
    id INTEGER PRIMARY KEY, function_id INTEGER NOT NULL, parent_id INTEGER, call_line INTEGER,
    thread INTEGER NOT NULL, depth INTEGER NOT NULL, start_seq INTEGER NOT NULL, end_seq INTEGER,
    start_ns INTEGER NOT NULL, end_ns INTEGER, args TEXT, ret TEXT, exc TEXT,
    status TEXT NOT NULL DEFAULT 'running', resumed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS frames_parent ON frames(parent_id, start_seq);
CREATE INDEX IF NOT EXISTS frames_function ON frames(function_id, start_seq);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, frame_id INTEGER NOT NULL, kind INTEGER NOT NULL, line INTEGER,
    ts_ns INTEGER NOT NULL, data TEXT
);
CREATE INDEX IF NOT EXISTS events_frame ON events(frame_id, seq);
CREATE INDEX IF NOT EXISTS events_line ON events(line, seq) WHERE kind = 1;
CREATE TABLE IF NOT EXISTS folds (
    frame_id INTEGER NOT NULL, head_line INTEGER NOT NULL, end_line INTEGER NOT NULL,
    after_seq INTEGER NOT NULL, iterations INTEGER NOT NULL, lines INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS folds_frame ON folds(frame_id, after_seq);
CREATE TABLE IF NOT EXISTS series (
    function_id INTEGER NOT NULL, frame_id INTEGER, line INTEGER, name TEXT NOT NULL,
    count INTEGER NOT NULL, step INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS snapshots (frame_id INTEGER NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS snapshots_frame ON snapshots(frame_id, seq);
"""


SQLITE_HEADER = b"SQLite format 3\0"


def is_trace_file(path: str | Path) -> bool:
    """True if ``path`` is a codetour trace (an SQLite file whose metadata says so). Never raises.

    Here rather than in the reader: the writer asks it before replacing a file (a trace given again
    with ``-o``, an earlier run's shards), and importing the reader for it cost every such recording
    about 70 million instructions (dataclasses, inspect) before the target started."""
    try:
        with open(path, "rb") as fh:
            if fh.read(16) != SQLITE_HEADER:
                return False
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
        finally:
            conn.close()
        if row is None or not isinstance(row[0], str):
            return False
        if row[0] == f'"{FORMAT_NAME}"':  # as the writer stores it (JSON)
            return True
        import json  # any other JSON spelling of the same string

        return bool(json.loads(row[0]) == FORMAT_NAME)
    except (OSError, sqlite3.Error, ValueError):
        return False
