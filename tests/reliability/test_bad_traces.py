"""Item 6: every bad trace is exit 5 with one line: truncated, flipped bytes, a missing table,
malformed metadata. Never an internal error (exit 70), never a traceback."""

from __future__ import annotations

import random
import shutil
import sqlite3

import pytest
from _helpers import script, trace

from codetour.cli import main

TARGET = """
def f(x):
    y = [x] * 3
    return sum(y)

total = 0
for i in range(20):
    total += f(i)
print(total)
"""

COMMANDS = [
    ["tour", "print", "{t}"],
    ["tour", "build", "{t}", "-o", "-"],
    ["export", "{t}", "-f", "json"],
    ["export", "{t}", "-f", "dot"],
    ["export", "{t}", "-f", "chrome"],
]


@pytest.fixture(scope="module")
def good_trace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    target = script(folder / "repo", "target.py", TARGET)
    proc, out = trace(target, extra=("-q", "--full"))
    assert proc.returncode == 0, proc.stderr
    return out


def run_every_read_command(path, capsys):
    for template in COMMANDS:
        argv = [a.format(t=path) for a in template]
        code = main(argv)
        captured = capsys.readouterr()
        assert code in (0, 5), f"{argv} -> {code}: {captured.err}"
        assert "Traceback" not in captured.err
        if code == 5:
            lines = [ln for ln in captured.err.splitlines() if ln.strip()]
            assert len(lines) == 1 and lines[0].startswith("codetour: "), captured.err


def test_truncated_at_many_offsets(good_trace, tmp_path, capsys):
    data = good_trace.read_bytes()
    size = len(data)
    offsets = sorted({0, 1, 15, 16, 99, 100, 512, 4095, 4096, 4097, *range(8192, size, max(size // 12, 1))})
    failures = 0
    for offset in offsets:
        bad = tmp_path / f"cut{offset}.ctrace"
        bad.write_bytes(data[:offset])
        run_every_read_command(bad, capsys)
        failures += main(["export", str(bad), "-f", "json"]) == 5
        capsys.readouterr()
    assert failures >= len(offsets) - 1  # a cut file is (almost) always reported, not half-read


def test_flipped_bytes_at_many_offsets(good_trace, tmp_path, capsys):
    data = good_trace.read_bytes()
    rng = random.Random(7)
    for i in range(40):
        damaged = bytearray(data)
        start = rng.randrange(100, len(data) - 64)
        for j in range(start, start + 48):
            damaged[j] ^= 0xA5
        bad = tmp_path / f"flip{i}.ctrace"
        bad.write_bytes(bytes(damaged))
        run_every_read_command(bad, capsys)


def test_a_missing_events_table(good_trace, tmp_path, capsys):
    bad = tmp_path / "noevents.ctrace"
    shutil.copy(good_trace, bad)
    with sqlite3.connect(bad) as db:
        db.execute("DROP TABLE events")
    assert main(["tour", "print", str(bad)]) == 5
    assert "its events table is missing" in capsys.readouterr().err


def test_malformed_json_in_the_metadata(good_trace, tmp_path, capsys):
    bad = tmp_path / "badmeta.ctrace"
    shutil.copy(good_trace, bad)
    db = sqlite3.connect(bad)
    with db:
        db.execute("UPDATE meta SET value = '{not json' WHERE key = 'version'")
    db.close()
    for template in COMMANDS:
        assert main([a.format(t=bad) for a in template]) == 5
        err = capsys.readouterr().err
        assert "malformed metadata" in err and len(err.strip().splitlines()) == 1


def test_malformed_json_in_event_data(good_trace, tmp_path, capsys):
    bad = tmp_path / "badevent.ctrace"
    shutil.copy(good_trace, bad)
    db = sqlite3.connect(bad)
    with db:
        db.execute("UPDATE events SET data = '{broken' WHERE data IS NOT NULL")
        db.execute("UPDATE frames SET args = '[oops'")
    db.close()
    run_every_read_command(bad, capsys)
