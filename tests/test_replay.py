"""The replay cursor: stepping semantics over a real recorded trace, without a UI."""

from __future__ import annotations

import random
import shutil
import sqlite3

import pytest
from conftest import SCRIPTS, trace_script

from codetour.replay import Cursor
from codetour.store.reader import TraceReader
from codetour.store.schema import CALL, FOLD, LINE, RETURN, SNAPSHOT_EVERY


@pytest.fixture(scope="module")
def basic(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("basic")
    proc, out = trace_script(tmp, SCRIPTS / "basic.py")
    assert proc.returncode == 0, proc.stderr
    reader = TraceReader(out)
    yield reader
    reader.close()


def where(cursor: Cursor) -> tuple[str, int, str]:
    step = cursor.step()
    return step.function.qualname, step.event.line, step.event.kind_name


def goto_line(cursor: Cursor, qualname: str, line: int) -> None:
    cursor.goto(cursor.first)
    while where(cursor)[:2] != (qualname, line):
        assert cursor.step_into(), f"never reached {qualname}:{line}"


def test_step_into_enters_calls_and_step_over_skips_them(basic):
    c = Cursor(basic)
    goto_line(c, "total", 14)  # acc += square(v)
    c.step_into()
    assert where(c) == ("square", 6, "call")
    goto_line(c, "total", 14)
    c.step_over()
    assert where(c)[0] == "total" and where(c)[1] == 13  # back at the loop head: square was skipped


def test_step_out_lands_in_the_caller(basic):
    c = Cursor(basic)
    goto_line(c, "square", 7)
    c.step_out()
    assert where(c) == ("total", 13, "line")  # back at the loop head once square returned
    c.goto(c.first)
    goto_line(c, "total", 12)
    c.step_out()
    assert where(c) == ("main", 20, "line")  # the line after `print("total", total(...))`


def test_backward_after_forward_returns_to_the_same_state(basic):
    c = Cursor(basic)
    goto_line(c, "total", 14)
    before = c.step()
    for forward, backward in (("step_into", "step_back"), ("step_over", "step_over_back")):
        getattr(c, forward)()
        getattr(c, backward)()
        after = c.step()
        assert (after.event, after.locals, [f.id for f in after.stack]) == (
            before.event,
            before.locals,
            [f.id for f in before.stack],
        )
    c.step_into()  # into square
    assert where(c)[0] == "square"
    c.step_out_back()
    assert where(c) == ("total", 14, "line")


def test_locals_and_stack_at_a_step(basic):
    c = Cursor(basic)
    goto_line(c, "square", 8)
    step = c.step()
    assert step.locals == {"x": "0", "y": "0"} and step.changed == {"y": "0"}
    assert [basic.functions[f.function_id].qualname for f in step.stack] == ["<module>", "main", "total", "square"]
    assert step.index == step.event.seq and step.total == basic.event_count


def test_run_to_line_breakpoints_and_next_call(basic):
    c = Cursor(basic)
    square = basic.function_by_name("square")
    assert c.run_to_line(square.file_id, 8)
    first = c.step()
    assert (first.function.qualname, first.event.line, first.locals["x"]) == ("square", 8, "0")
    assert c.run_to_line(square.file_id, 8)
    assert c.step().locals["x"] == "1"
    c.toggle_breakpoint(square.file_id, 8)
    assert c.continue_() and c.step().locals["x"] == "2"
    assert c.continue_(forward=False) and c.step().locals["x"] == "1"
    c.goto(c.first)
    assert c.next_call(square.id) and where(c) == ("square", 6, "call")
    assert c.next_call(square.id) and c.step().frame.args == {"x": "1"}
    assert c.next_call(square.id, forward=False) and c.step().frame.args == {"x": "0"}


def test_folds_are_steps_and_can_be_skipped(tmp_path):
    proc, out = trace_script(tmp_path, SCRIPTS / "long_loop.py", "500")
    assert proc.returncode == 0
    with TraceReader(out) as reader:
        c = Cursor(reader)
        fold = reader.next_event(0, kinds=(FOLD,))
        assert fold is not None
        c.goto(fold.seq)
        step = c.step()
        assert step.folded["iterations"] > 490
        assert c.skip_fold()
        assert where(c) == ("run", 12, "line")  # return acc, after the loop
        kinds = {e.kind for e in reader.events()}
        assert {CALL, LINE, RETURN, FOLD} <= kinds


def test_tour_stops_in_order(ppo_trace):
    from conftest import ROOT

    from codetour.tour.model import load_tour

    with TraceReader(ppo_trace) as reader:
        c = Cursor(reader, load_tour(ROOT / "tours" / "minimal_ppo.md"))
        c.goto(c.first)
        visited = []
        while c.next_stop():
            visited.append(c.current_stop())
        assert visited == list(range(15))  # tour order, even where it goes back in time
        assert where(c)[0] == "evaluate"
        assert c.prev_stop() and c.current_stop() == 13 and where(c)[0] == "Adam.step"
        c.step_into()
        assert c.current_stop() == 13  # stepping freely keeps the tour position


# ---------------------------------------------------------------------- stored snapshots
# A trace keeps a snapshot of a large frame's locals every SNAPSHOT_EVERY value events, so the
# replay builds the locals deep in a frame from the latest snapshot instead of every earlier change.
# Traces written before snapshots existed lack the table and are read the old way: both must show
# exactly the same thing everywhere.


def without_snapshots(trace, folder):
    """A copy of ``trace`` as an older codetour wrote it: no snapshots table."""
    old = folder / f"old-{trace.name}"
    shutil.copyfile(trace, old)
    conn = sqlite3.connect(old)
    conn.execute("DROP TABLE snapshots")
    conn.commit()
    conn.close()
    return old


@pytest.fixture(scope="module")
def long_loop_full(tmp_path_factory):
    """A real --full trace of a 1,500-iteration loop: its frame has about 3,000 value events."""
    tmp = tmp_path_factory.mktemp("long_loop_full")
    proc, out = trace_script(tmp, SCRIPTS / "long_loop.py", "1500", extra=("--full",))
    assert proc.returncode == 0, proc.stderr
    return out, without_snapshots(out, tmp)


def test_a_large_frame_gets_snapshots_and_an_old_trace_has_none(long_loop_full):
    new, old = long_loop_full
    with TraceReader(new) as reader, TraceReader(old) as older:
        run = reader.frames_of(reader.function_by_name("run").id)[0]
        values = list(reader.value_events(run.id))
        assert len(values) > 10 * SNAPSHOT_EVERY
        seq, state = reader.snapshot_before(run.id, run.end_seq)
        assert seq == values[(len(values) // SNAPSHOT_EVERY) * SNAPSHOT_EVERY - 1][0]
        assert reader.snapshot_before(run.id, values[SNAPSHOT_EVERY - 2][0]) is None  # before the first one
        step = reader.frames_of(reader.function_by_name("step").id)[0]
        assert reader.snapshot_before(step.id, step.end_seq) is None  # small frames have none
        assert set(state) == {"n", "acc", "i"} and state["n"][1:] == [run.start_seq, 1]  # an argument: set once
        assert not older.has_snapshots and older.snapshot_before(run.id, run.end_seq) is None


def shown(cursor: Cursor, seq: int) -> tuple:
    cursor.goto(seq)
    step = cursor.step()
    return step.event.seq, list(step.locals.items()), list(step.changed.items())


@pytest.mark.parametrize("name", ["long_loop_full", "basic_pair", "ppo_pair"])
def test_snapshots_give_exactly_the_locals_and_histories_of_every_change(name, request):
    """At every step, in order and in a shuffled order (windows re-seated forward and backward), the
    locals (with their order) and every variable's history match the old full read."""
    new, old = request.getfixturevalue(name)
    with TraceReader(new) as reader, TraceReader(old) as older:
        fast, slow = Cursor(reader), Cursor(older)
        seqs = [e.seq for e in reader.events()]
        if len(seqs) > 4000:
            seqs = seqs[:: len(seqs) // 4000]
        shuffled = seqs[:]
        random.Random(16).shuffle(shuffled)
        for seq in seqs + seqs[::-1] + shuffled:
            assert shown(fast, seq) == shown(slow, seq), seq
        frames = list(reader.frames())
        big = [fr for fr in frames if reader.snapshot_before(fr.id, fr.end_seq or reader.last_seq) is not None]
        assert big or name != "long_loop_full"
        for fr in big + frames[:50]:
            names = {n for _, d in older.value_events(fr.id) for n in d} | {"not-a-local"}
            for n in sorted(names):
                full = slow.history(fr.id, n)
                assert fast.history(fr.id, n) == full
                for limit in (0, 1, 6, 1000):
                    assert fast.recent_history(fr.id, n, limit) == (len(full), full[-limit:] if limit else []), (fr.id, n)


@pytest.fixture(scope="module")
def basic_pair(tmp_path_factory, basic):
    return basic.path, without_snapshots(basic.path, tmp_path_factory.mktemp("basic_old"))


@pytest.fixture(scope="module")
def ppo_pair(tmp_path_factory, ppo_trace):
    return ppo_trace, without_snapshots(ppo_trace, tmp_path_factory.mktemp("ppo_old"))


def count_value_events(reader: TraceReader) -> list[int]:
    """Make ``reader`` note the seq of every value event it reads into the list returned."""
    read: list[int] = []
    events = reader.value_events

    def counting(*args, **kwargs):
        for row in events(*args, **kwargs):
            read.append(row[0])
            yield row

    reader.value_events = counting  # type: ignore[method-assign]
    return read


def test_landing_deep_in_a_large_frame_reads_only_from_the_latest_snapshot(long_loop_full):
    """Step out of a call made near the end of the loop: the cursor reads at most a snapshot and a
    page of value events, not the thousands before it (an old trace reads them all)."""
    new, old = long_loop_full
    for trace, most in ((new, Cursor.PAGE + SNAPSHOT_EVERY + 1), (old, None)):
        with TraceReader(trace) as reader:
            read = count_value_events(reader)
            cursor = Cursor(reader)
            last_step = reader.frames_of(reader.function_by_name("step").id)[-1]
            cursor.goto(last_step.start_seq)
            read.clear()
            assert cursor.step_out()
            step = cursor.step()
            assert step.function.qualname == "run" and step.locals["i"] == "1499"
            run = reader.frames_of(reader.function_by_name("run").id)[0]
            count, recent = cursor.recent_history(run.id, "n")
            assert (count, recent) == (1, [(run.start_seq, "1500")])
            if most is not None:
                assert len(read) <= most
            else:
                assert len(read) > 2000
