"""The stages after the recorder need nothing but the TraceSource protocol: the replay cursor and
the tour builder run on an in-memory fake trace exactly as on the SQLite reader."""

from __future__ import annotations

from pathlib import Path

from conftest import SCRIPTS, trace_script
from fake_trace import InMemoryTrace

from codetour.replay import Cursor
from codetour.store.reader import Event, FileInfo, Frame, Function, TraceReader
from codetour.store.schema import CALL, LINE, RETURN
from codetour.store.source import TraceSource
from codetour.tour.build import build_tour
from codetour.tour.model import format_tour

MEMBERS = [*sorted(n for n in vars(TraceSource) if not n.startswith("_")), "path"]


def test_the_reader_and_the_fake_both_provide_every_member_of_the_protocol(ppo_trace):
    with TraceReader(ppo_trace) as reader:
        fake = InMemoryTrace.copy_of(reader)
        for source in (reader, fake):
            missing = [m for m in MEMBERS if not hasattr(source, m)]
            assert not missing, (type(source).__name__, missing)
            assert isinstance(source, TraceSource)


def walk(cursor: Cursor) -> list[tuple[int, int, str]]:
    """A fixed sequence of debugger moves; the position and what is shown after each."""
    seen = []
    moves = [cursor.step_into] * 12 + [cursor.step_over] * 6 + [cursor.step_out] * 2 + [cursor.step_back] * 5
    moves += [cursor.step_over_back] * 3 + [cursor.step_out_back, cursor.next_stop, cursor.next_stop, cursor.prev_stop]
    for move in moves:
        move()
        step = cursor.step()
        seen.append((cursor.seq, step.index, f"{step.function.qualname}:{step.event.line} {sorted(step.locals.items())}"))
    return seen


def test_the_cursor_moves_the_same_on_the_fake(ppo_trace):
    with TraceReader(ppo_trace) as reader:
        fake = InMemoryTrace.copy_of(reader)
        tour = build_tour(reader)
        real_walk = walk(Cursor(reader, tour))
        fake_walk = walk(Cursor(fake, tour))
    assert real_walk == fake_walk
    assert len({seq for seq, _, _ in real_walk}) > 10  # the walk went somewhere


def test_the_tour_builder_builds_the_same_tour_on_the_fake(ppo_trace):
    with TraceReader(ppo_trace) as reader:
        real = format_tour(build_tour(reader))
        fake = format_tour(build_tour(InMemoryTrace.copy_of(reader)))
    assert real == fake
    assert real.count("\n## ") >= 5


def tiny_trace() -> InMemoryTrace:
    """A hand-made trace of: def f(x): y = x + 1; return y / main: a = f(1); b = f(2)."""
    source = "def f(x):\n    y = x + 1\n    return y\n\n\ndef main():\n    a = f(1)\n    b = f(2)\n"
    functions = {
        1: Function(1, 1, "main", "main", 6, 8, None, False, 1, 1, 50, 10, "function"),
        2: Function(2, 1, "f", "f", 1, 3, None, False, 2, 2, 40, 40, "function"),
    }
    frames = [
        Frame(1, 1, None, None, 0, 0, 1, 12, 0, 50, {}, "None", None, "returned", False),
        Frame(2, 2, 1, 7, 0, 1, 3, 6, 10, 20, {"x": "1"}, "2", None, "returned", False),
        Frame(3, 2, 1, 8, 0, 1, 8, 11, 25, 35, {"x": "2"}, "3", None, "returned", False),
    ]
    events = [
        Event(1, 1, CALL, 6, 0, None),
        Event(2, 1, LINE, 7, 1, None),
        Event(3, 2, CALL, 1, 10, {"x": "1"}),
        Event(4, 2, LINE, 2, 11, None),
        Event(5, 2, LINE, 3, 12, {"y": "2"}),
        Event(6, 2, RETURN, 3, 20, {"value": "2"}),
        Event(7, 1, LINE, 8, 21, {"a": "2"}),
        Event(8, 3, CALL, 1, 25, {"x": "2"}),
        Event(9, 3, LINE, 2, 26, None),
        Event(10, 3, LINE, 3, 27, {"y": "3"}),
        Event(11, 3, RETURN, 3, 35, {"value": "3"}),
        Event(12, 1, RETURN, 8, 50, {"value": "None"}),
    ]
    return InMemoryTrace(
        meta={"status": "ok", "argv": ["tiny.py"]},
        files={1: FileInfo(1, "/nowhere/tiny.py", "tiny.py", None)},
        sources={1: source},
        functions=functions,
        frame_list=frames,
        event_list=events,
        thread_names={0: "MainThread"},
        path=Path("tiny"),
    )


def test_the_cursor_on_a_hand_made_trace():
    cursor = Cursor(tiny_trace())
    assert cursor.seq == 1
    cursor.step_into()  # main line 7
    assert cursor.step().event.line == 7
    cursor.step_over()  # over the call to f: main line 8, with a = 2
    step = cursor.step()
    assert (step.function.qualname, step.event.line, step.locals.get("a")) == ("main", 8, "2")
    cursor.step_into()  # into the second call of f
    step = cursor.step()
    assert (step.function.qualname, step.locals) == ("f", {"x": "2"})
    assert [f.id for f in step.stack] == [1, 3]  # outermost first
    cursor.step_out()  # back in main, after the call
    assert cursor.step().function.qualname == "main"
    cursor.step_over_back()
    cursor.step_over_back()  # back over both calls, to main's first line
    assert (cursor.step().function.qualname, cursor.step().event.line) == ("main", 7)
    assert cursor.next_call(2) and cursor.step().locals == {"x": "1"}
    assert cursor.next_call(2) and cursor.step().locals == {"x": "2"}


def test_a_large_frame_shows_the_same_through_stored_snapshots_as_on_the_fake(tmp_path):
    """The reader serves a large frame's locals from the snapshots stored in the trace; the fake has
    none and reads every value event. Stepping out of calls all along a 1,200-iteration loop, and
    back, the cursor shows the same locals (in the same order) and histories on both."""
    proc, out = trace_script(tmp_path, SCRIPTS / "long_loop.py", "1200", extra=("--full",))
    assert proc.returncode == 0, proc.stderr
    with TraceReader(out) as reader:
        fake = InMemoryTrace.copy_of(reader)
        run = reader.frames_of(reader.function_by_name("run").id)[0]
        assert reader.snapshot_before(run.id, run.end_seq) is not None
        assert fake.snapshot_before(run.id, run.end_seq) is None
        real, double = Cursor(reader), Cursor(fake)
        calls = reader.frames_of(reader.function_by_name("step").id)
        assert len(calls) == 1200
        seen = set()
        for call in calls[::-37] + calls[::41]:
            for cursor in (real, double):
                cursor.goto(call.start_seq + 1)
            for move in ("step_out", "step_over_back", "step_over_back", "step_out_back", "step_over", "step_back"):
                assert getattr(real, move)() == getattr(double, move)()
                a, b = real.step(), double.step()
                assert (a.event, list(a.locals.items()), a.changed) == (b.event, list(b.locals.items()), b.changed)
                seen.add(a.locals.get("i"))
        assert len(seen) > 50
        for name in ("n", "acc", "i", "x"):
            full = double.history(run.id, name)
            assert real.recent_history(run.id, name) == double.recent_history(run.id, name) == (len(full), full[-6:])
