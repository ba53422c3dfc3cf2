"""The real Textual app, driven by Pilot on a real recorded PPO trace; SVG snapshots for looks."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import time

import pytest
from conftest import PPO, ROOT

from codetour.tour.model import load_tour
from codetour.tui.app import ReplayApp
from codetour.tui.screens import fuzzy_score

SIZE = (140, 40)

# The SVG snapshots were taken on Python 3.11 (the recorded run, and so the screen, differs a
# little between Python versions); like the golden files they are compared on that version only.
SNAPSHOTS_ON_311 = pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="TUI snapshots are recorded on Python 3.11")


def ppo_tour():
    return load_tour(ROOT / "tours" / "minimal_ppo.md")


def at(app: ReplayApp) -> tuple[str, int, str]:
    step = app.current
    return step.function.qualname, step.event.line, step.event.kind_name


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_opens_at_the_first_stop_and_follows_the_tour(stable_ppo_trace):
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert at(app)[0] == "parse_args" and app.current.relpath == "train.py"
        assert app.cursor.current_stop() == 0
        await pilot.press("right_square_bracket")
        assert at(app)[0] == "CartPole.reset" and app.current.relpath == "ppo/env.py"
        await pilot.press("right_square_bracket", "right_square_bracket")
        assert at(app)[0] == "PPOAgent.act" and app.cursor.current_stop() == 3
        await pilot.press("left_square_bracket")
        assert at(app)[0] == "CartPole.step" and app.cursor.current_stop() == 2
        header = str(app.query_one("#stop-header").render())
        assert "Stop 3 of 15" in header and "One step of physics" in header


async def test_step_keys_move_like_a_debugger(stable_ppo_trace):
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(5):
            await pilot.press("right_square_bracket")
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")  # back to stop 3
        assert at(app)[:2] == ("CartPole.step", app.cursor.stops[2].line)
        before = (app.current.event.seq, dict(app.current.locals))
        frame, line = app.current.frame.id, app.current.event.line
        await pilot.press("n")  # step over: the next line of the same call
        assert at(app)[0] == "CartPole.step" and app.current.frame.id == frame and app.current.event.line == line + 1
        for _ in range(4):  # the statement spans three lines; once it has run, thetaacc shows as changed
            if "thetaacc" in app.current.changed:
                break
            await pilot.press("n")
        assert "thetaacc" in app.current.changed and app.current.frame.id == frame
        while app.current.event.seq != before[0]:
            await pilot.press("N")  # and back
        assert (app.current.event.seq, app.current.locals) == before
        await pilot.press("r")  # step out: into the caller, collect_rollout
        assert at(app)[0] == "PPOAgent.collect_rollout"
        await pilot.press("N")  # back over: the line that made the call
        assert (
            at(app)[0] == "PPOAgent.collect_rollout"
            and "env.step(action)" in app.reader.source_lines(app.current.file_id)[app.current.event.line - 1]
        )
        await pilot.press("s")  # step into the call
        assert at(app) == ("CartPole.step", app.reader.function_by_name("CartPole.step").firstlineno, "call")
        await pilot.press("S")
        assert at(app)[0] == "PPOAgent.collect_rollout"
        await pilot.press("R")  # back out: to the line of train that called collect_rollout
        assert (
            at(app)[0] == "train"
            and "collect_rollout" in app.reader.source_lines(app.current.file_id)[app.current.event.line - 1]
        )


async def test_step_over_skips_a_call(stable_ppo_trace):
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.cursor.goto(app.cursor.stops[5].seq)  # collect_rollout at `... = env.step(action)`
        app.refresh_view()
        line = app.current.event.line
        await pilot.press("n")
        assert at(app)[0] == "PPOAgent.collect_rollout" and app.current.event.line == line + 1
        assert "episode_return" in app.current.changed or "next_obs" in app.current.changed


async def test_search_jumps_to_a_function(stable_ppo_trace):
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"clipgrad")
        await pilot.press("enter")
        await settle(pilot)
        assert at(app) == ("clip_grad_norm", app.reader.function_by_name("clip_grad_norm").firstlineno, "call")
        first = app.current.frame.id
        await pilot.press("f")  # its next call
        assert at(app)[0] == "clip_grad_norm" and app.current.frame.id != first
        await pilot.press("F")
        assert app.current.frame.id == first


async def test_goto_help_breakpoints_and_mouse(stable_ppo_trace):
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g", *"25", "enter")
        assert app.current.index == 25
        await pilot.press("question_mark")
        assert app.screen.__class__.__name__ == "HelpScreen"
        await pilot.press("escape")
        # Click a source line: sets a replay breakpoint there; c runs to it.
        app.cursor.goto(app.cursor.first)
        app.refresh_view()
        target = app.reader.function_by_name("ppo_loss")
        source = app.reader.source_lines(target.file_id)
        ratio_line = next(i for i, t in enumerate(source, 1) if "ratio = np.exp" in t)
        app.cursor.toggle_breakpoint(target.file_id, ratio_line)
        await pilot.press("c")
        assert at(app) == ("ppo_loss", ratio_line, "line")
        await settle(pilot)  # the source view scrolls to the new line on a later refresh: click where it ends up
        view = app.query_one("#source")
        row = ratio_line - 1 - view.scroll_offset.y
        await pilot.click("#source", offset=(10, row))
        assert (target.file_id, ratio_line) not in app.cursor.breakpoints  # the click toggled it off
        await pilot.click("#stack", offset=(5, 2))  # the caller's frame
        await pilot.press("q")


async def test_call_tree_jumps_to_a_call(stable_ppo_trace):
    app = ReplayApp(stable_ppo_trace, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = app.query_one("#calls")
        root_frame = tree.root.children[0]
        root_frame.expand()
        await settle(pilot)
        main = next(n for n in root_frame.children if "main" in str(n.label))
        tree.select_node(main)
        await settle(pilot)
        assert at(app) == ("main", app.reader.function_by_name("main").firstlineno, "call")


async def test_changed_sources_are_reported(tmp_path, stable_ppo_trace):
    import sqlite3

    copy = tmp_path / "t.ctrace"
    shutil.copy(stable_ppo_trace, copy)
    db = sqlite3.connect(copy)
    with db:
        db.execute("UPDATE files SET sha256 = 'different' WHERE relpath = 'train.py'")
    db.close()
    app = ReplayApp(copy, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.told("changed since this run was recorded")
        assert "def train(" in app.reader.source(app.current.file_id)


def test_fuzzy_search_scoring():
    assert fuzzy_score("loss", "ppo_loss") < fuzzy_score("lss", "ppo_loss")  # a substring beats scattered letters
    assert fuzzy_score("cgn", "clip_grad_norm") is not None
    assert fuzzy_score("xyz", "clip_grad_norm") is None


@SNAPSHOTS_ON_311
def test_snapshot_main_screen(snap_compare, stable_ppo_trace):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)

    assert snap_compare(ReplayApp(stable_ppo_trace, ppo_tour()), terminal_size=SIZE, run_before=before)


@SNAPSHOTS_ON_311
def test_snapshot_help(snap_compare, stable_ppo_trace):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(ReplayApp(stable_ppo_trace, ppo_tour()), terminal_size=SIZE, run_before=before)


@SNAPSHOTS_ON_311
def test_snapshot_search(snap_compare, stable_ppo_trace):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("slash", *"loss")
        await pilot.pause()

    assert snap_compare(ReplayApp(stable_ppo_trace, ppo_tour()), terminal_size=SIZE, run_before=before)


def tmux_screen(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout


def wait_for(session: str, *texts: str, timeout: float = 60) -> str:
    """Poll the pane until every text is on screen at once (the app draws in several passes)."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux_screen(session)
        if all(t in screen for t in texts):
            return screen
        time.sleep(0.3)
    raise AssertionError(f"{texts!r} never appeared together; screen was:\n{screen}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_real_terminal_smoke(tmp_path):
    session = f"codetour-test-{os.getpid()}"
    trace = tmp_path / "t.ctrace"
    # COLUMNS/LINES would override the pane size for the app: a real terminal does not set them.
    command = f"cd {ROOT} && env -u COLUMNS -u LINES TERM=xterm-256color {sys.executable} -m codetour tour {PPO} -o {trace}"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "140", "-y", "40", command], check=True)
    try:
        screen = wait_for(session, "Stop 1 of 15", "The hyper-parameters", "train.py:", "Call stack")
        assert "▶" in screen
        subprocess.run(["tmux", "send-keys", "-t", session, "]"], check=True)
        wait_for(session, "Stop 2 of 15", "ppo/env.py", "CartPole.reset")
        subprocess.run(["tmux", "send-keys", "-t", session, "n"], check=True)
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            alive = subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0
            if not alive:
                break
            time.sleep(0.3)
        assert not alive, "the app did not exit on q"
        assert trace.exists()
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_live_status_line_on_a_terminal(tmp_path):
    """A long run shows 'elapsed · events' on stderr when it is a terminal, and clears it after."""
    script = tmp_path / "slow.py"
    script.write_text(
        "import time\n\n\ndef tick(i):\n    return i\n\n\nfor i in range(40):\n    tick(i)\n    time.sleep(0.1)\nprint('finished')\n"
    )
    session = f"codetour-status-{os.getpid()}"
    command = f"cd {tmp_path} && env -u COLUMNS -u LINES {sys.executable} -m codetour trace -o t.ctrace {script}; sleep 30"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "30", command], check=True)
    try:
        screen = wait_for(session, "⏺ codetour", "events", timeout=30)
        assert "s ·" in screen  # elapsed seconds
        screen = wait_for(session, "finished", "trace written to", timeout=60)
        assert "⏺ codetour" not in screen  # cleared once the run ended
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


# --------------------------------------------------------------------------- keys, small terminals, one reader
SMALL = (80, 24)


async def test_home_and_end_move_to_the_first_and_last_step(stable_ppo_trace):
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert app.focused is app.query_one("#source")  # the source would scroll itself with these keys
        await pilot.press("end")
        assert app.current.index == app.current.total and app.current.event.seq == app.cursor.last
        await pilot.press("home")
        assert app.current.index == 1 and app.current.event.seq == app.cursor.first
        await pilot.press("right")  # the narrow source can scroll sideways: the key still steps
        assert app.current.index == 2
        await pilot.press("left")
        assert app.current.index == 1
        # in a text box, Home and End still edit the text
        await pilot.press("slash", *"loss", "home", "x")
        assert app.screen.query_one("#search-input").value == "xloss"


async def test_80x24_is_laid_out_for_reading(stable_ppo_trace):
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert app.compact and not app.query_one("Header").display
        source, narration = app.query_one("#source"), app.query_one("#narration-scroll")
        assert source.region.width == 80 and source.region.height >= 8  # whole code lines, full width
        assert narration.region.width >= 38 and narration.region.height >= 6
        assert app.query_one("#vars").region.height >= 5 and app.query_one("#stack").region.height >= 4
        keys = {k.description: k.region for k in app.query("FooterKey")}
        assert keys["help"].right <= 80 and keys["quit"].right <= 80  # ? and q are on screen
        status = str(app.query_one("#status").render())
        assert status.startswith("step ") and len(status) <= 78
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.compact and app.query_one("#source").region.width < 100


async def test_help_shows_every_key_at_80x24_and_scrolls_when_smaller(stable_ppo_trace):
    from codetour.tui.screens import KEYS

    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        box = app.screen.query_one("#help")
        assert box.max_scroll_y == 0 and box.region.height <= 24  # nothing hidden
        assert box.virtual_size.height == len(KEYS)  # one line per row: no wrapped, cut-off text
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0]
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=(80, 16)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        box = app.screen.query_one("#help")
        assert box.max_scroll_y > 0
        before = app.current.index
        await pilot.press("end")  # scrolls the help to its last line (L, Tab, ?, q)...
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        assert app.current.index == before  # ...and does not move the replay behind it


async def test_the_app_reads_only_through_the_source_it_was_given(stable_ppo_trace, monkeypatch):
    """An in-memory trace (no SQLite, no file) drives the whole app: it asks nothing of anything else."""
    from fake_trace import InMemoryTrace

    from codetour.store import reader as reader_module

    with reader_module.TraceReader(stable_ppo_trace) as real:
        memory = InMemoryTrace.copy_of(real)

    def no_trace_file(self, *args, **kwargs):
        raise AssertionError("the app opened a trace file of its own")

    monkeypatch.setattr(reader_module.TraceReader, "__init__", no_trace_file)
    app = ReplayApp(stable_ppo_trace, ppo_tour(), reader=memory)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert at(app)[0] == "parse_args" and app.cursor.current_stop() == 0
        view = app.query_one("#source")
        assert view.covered and app.current.event.line in view.covered  # covered lines came from it
        await pilot.press("right_square_bracket", "n", "end")
        await settle(pilot)
        assert app.current.index == app.current.total and app.query_one("#source").covered is not None


async def test_covered_lines_scan_on_a_second_connection(stable_ppo_trace):
    """The covered-lines scan takes seconds on a large trace: it must not hold the UI's connection."""
    from codetour.store.reader import TraceReader

    given = TraceReader(stable_ppo_trace)

    def not_on_the_ui_connection(file_id: int) -> set[int]:
        raise AssertionError("covered lines scanned on the UI's connection")

    given.covered_lines = not_on_the_ui_connection  # type: ignore[method-assign]
    app = ReplayApp(stable_ppo_trace, ppo_tour(), reader=given)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.query_one("#source").covered  # from given.reopened(), closed after use
    given.close()


@SNAPSHOTS_ON_311
def test_snapshot_small_terminal(snap_compare, stable_ppo_trace):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)

    assert snap_compare(ReplayApp(stable_ppo_trace, ppo_tour()), terminal_size=SMALL, run_before=before)


@SNAPSHOTS_ON_311
def test_snapshot_small_terminal_help(snap_compare, stable_ppo_trace):
    async def before(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(ReplayApp(stable_ppo_trace, ppo_tour()), terminal_size=SMALL, run_before=before)


async def test_a_variables_history_is_computed_once_per_call(stable_ppo_trace):
    """Every step re-highlights the variables table; a long call's history scan must not rerun each time."""
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        asked: list[tuple[int, str]] = []
        real = app.cursor.history

        def counting(frame_id: int, name: str) -> list[tuple[int, str]]:
            asked.append((frame_id, name))
            return real(frame_id, name)

        app.cursor.history = counting  # type: ignore[method-assign]
        app.cursor.goto(app.cursor.stops[2].seq)  # inside CartPole.step, where several locals change
        app.refresh_view()
        await settle(pilot)
        frame = app.current.frame.id
        for _ in range(4):
            await pilot.press("n")
            await pilot.press("N")
        await settle(pilot)
        assert app.current.frame.id == frame
        assert asked and len(asked) == len(set(asked))  # each (call, variable) scanned once
        assert str(app.query_one("#history").render()).count("changed") <= 1


def screen_lines(app: ReplayApp) -> list[str]:
    """The screen as Textual composes it now, one string per row. It is built from each widget's
    cached lines, so a line a widget failed to repaint after a change shows stale here."""
    width, height = app.size
    rows = [[" "] * width for _ in range(height)]
    pattern = r'<text [^>]*x="([\d.]+)"[^>]*clip-path="url\(#[\w-]*line-(\d+)\)">([^<]*)</text>'
    for x, row, text in re.findall(pattern, app.export_screenshot()):
        column = round(float(x) / 12.2)  # the SVG's cell width
        for i, char in enumerate(html.unescape(text).replace("\xa0", " ")):
            if int(row) < height and column + i < width:
                rows[int(row)][column + i] = char
    return ["".join(row) for row in rows]


async def test_a_step_repaints_the_marker_breakpoints_and_history(stable_ppo_trace):
    """A step repaints only what changed (the two source lines whose marker moved, not the whole
    file view; the history line in the same frame as the variables): the screen must still show
    exactly one current line, every breakpoint dot, and the highlighted variable's history."""
    app = ReplayApp(stable_ppo_trace, ppo_tour())

    async def press(key: str) -> list[str]:
        await pilot.press(key)
        await pilot.pause()
        lines = screen_lines(app)
        current = [line for line in lines if re.search(r"\d ▶", line)]
        assert len(current) == 1 and f"{app.current.event.line:>5} ▶" in current[0], (key, current)
        table, history = app.query_one("#vars"), app.query_one("#history")
        if history.display:
            name = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            assert str(history.render()).startswith(f"{name} changed "), key
            assert any(f"{name} changed " in line for line in lines), key
        return lines

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*["right_square_bracket"] * 3)  # CartPole.step: several locals change
        for _ in range(5):
            await press("n")
        await press("b")
        marked = app.current.event.line
        for _ in range(3):
            lines = await press("n")
            assert any(f"{marked:>5} ●" in line for line in lines)
        view = app.query_one("#source")
        await pilot.click("#source", offset=(10, marked - 1 - view.scroll_offset.y))  # clears it
        await pilot.pause()
        assert not app.cursor.breakpoints and not any(f"{marked:>5} ●" in line for line in screen_lines(app))
        for key in ["N"] * 4 + ["s"] * 3 + ["r", "S", "n"]:
            await press(key)


@pytest.mark.parametrize("size", [SIZE, SMALL])
async def test_the_variables_scrollbars_are_known_before_the_layout(stable_ppo_trace, size):
    """The rebuilt variables table is told which scrollbars its rows need before Textual lays it out
    (else a change costs two more layout passes and a second paint). Textual decides last: the
    guess must be what it decides, whenever the step did not also resize the table's box."""
    app = ReplayApp(stable_ppo_trace, ppo_tour())
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        table = app.query_one("#vars")
        checked, shown = 0, set()
        for index in range(len(app.cursor.stops)):
            if app.cursor.stop_seqs[index] is None:
                continue
            for move in ("goto", "step_out", "step_into"):
                if move == "goto":
                    app.cursor.goto_stop(index)
                elif not getattr(app.cursor, move)():
                    continue
                box = table.container_size
                app.refresh_view()
                guess = (table.show_horizontal_scrollbar, table.show_vertical_scrollbar)
                await settle(pilot)
                if table.container_size == box:
                    assert (table.show_horizontal_scrollbar, table.show_vertical_scrollbar) == guess, (index, move)
                    checked += 1
                    shown.add(guess)
        assert checked >= 20 and len(shown) >= 2  # with and without a scrollbar
