"""Scalar series: the recorder keeps one number per loop iteration and one per call, past every budget."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import has_torch, trace_script

from codetour.store.reader import TraceReader
from codetour.trace import series as series_mod

SHAPES = Path(__file__).resolve().parent / "data" / "shapes"


def line_of(path: Path, text: str) -> int:
    hits = [i for i, t in enumerate(path.read_text().splitlines(), 1) if text in t]
    assert len(hits) == 1, (text, hits)
    return hits[0]


@pytest.fixture(scope="module")
def series_trace(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("series")
    proc, trace = trace_script(tmp, SHAPES / "series_loop.py", "600", cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    assert "done 600" in proc.stdout
    return trace


def by_name(trace: Path) -> dict[tuple[int | None, str], tuple]:
    with TraceReader(trace) as reader:
        return {(s[2], s[3]): s for s in reader.scalar_series()}


def test_loop_scalars_over_the_whole_run(series_trace):
    script = SHAPES / "series_loop.py"
    head = line_of(script, "for step in range(steps):")
    got = by_name(series_trace)
    _fid, frame_id, line, _name, count, step, data = got[(head, "lr")]
    assert frame_id is not None and line == head
    assert count == 600  # every iteration, far past the 3 recorded ones
    assert len(data["points"]) <= series_mod.MAX_POINTS and step >= 2  # halved, bounded
    for i, x in enumerate(data["points"]):
        assert x == pytest.approx(0.1 * 0.99 ** (i * step))  # point i is sample i * step
    assert data["first"] == pytest.approx(0.1)
    assert data["last"] == pytest.approx(0.1 * 0.99**599)
    assert data["min"] == pytest.approx(0.1 * 0.99**599) and data["max"] == pytest.approx(0.1)
    assert got[(head, "loss")][4] == 600
    assert got[(head, "loss_np")][6]["last"] == pytest.approx(3 / 600)  # numpy scalar
    assert got[(head, "loss_0d")][6]["last"] == pytest.approx(599 * 0.5)  # 0-d numpy array
    assert got[(head, "count")][6]["last"] == 600 and got[(head, "step")][6]["max"] == 599  # ints
    # not scalars: arrays with elements, booleans, user objects (whose __float__ would raise)
    assert (head, "vec") not in got and (head, "flag") not in got and (head, "score") not in got


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_torch_zero_dim_tensor(series_trace):
    head = line_of(SHAPES / "series_loop.py", "for step in range(steps):")
    data = by_name(series_trace)[(head, "loss_t")][6]
    assert data["first"] == 0.0 and data["last"] == 599 * 4.0


def test_returned_floats_past_the_call_budget(series_trace):
    with TraceReader(series_trace) as reader:
        fid = reader.function_by_name("compute_loss").id
        rows = reader.scalar_series(fid)
        assert reader.functions[fid].calls == 600 and reader.functions[fid].recorded_calls == 5
    assert len(rows) == 1
    _fid, frame_id, line, name, count, step, data = rows[0]
    assert (frame_id, line, name, count) == (None, None, "<return>", 600)
    assert data["first"] == 1.0 and data["last"] == pytest.approx(1 / 600) and data["min"] == pytest.approx(1 / 600)
    assert data["points"][1] == pytest.approx(1 / (1 + step))


def test_inner_loop_and_old_traces(series_trace, tmp_path):
    script = SHAPES / "series_loop.py"
    inner = line_of(script, "for inner in range(3):")
    got = by_name(series_trace)
    # the inner loop is sampled only while the outer loop records its first iterations
    assert 0 < got[(inner, "total")][4] < 600 * 3
    # a trace written before the table existed reads as having no series
    import shutil
    import sqlite3

    old = tmp_path / "old.ctrace"
    shutil.copy(series_trace, old)
    with sqlite3.connect(old) as conn:
        conn.execute("DROP TABLE series")
    with TraceReader(old) as reader:
        assert reader.scalar_series() == []
