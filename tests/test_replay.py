"""The replay cursor: stepping semantics over a real recorded trace, without a UI."""

from __future__ import annotations

import pytest
from conftest import SCRIPTS, trace_script

from codetour.replay import Cursor
from codetour.store.reader import TraceReader
from codetour.store.schema import CALL, FOLD, LINE, RETURN


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
