"""The replay app: wiring only. Every answer comes from :class:`codetour.replay.Cursor`."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.notifications import SeverityLevel
from textual.widgets import DataTable, Footer, Header, Markdown, OptionList, Static, TabbedContent, TabPane, Tree
from textual.widgets.option_list import Option

from codetour.replay import KIND_LABELS, Cursor, Step
from codetour.store.processes import Process, Run, caller_moment, open_run, seq_near_wall, worker_call_near
from codetour.store.reader import Frame
from codetour.store.schema import FOLD
from codetour.store.source import TraceSource
from codetour.tour.model import Tour
from codetour.tui.screens import GotoScreen, HelpScreen, ProcessScreen, SearchScreen
from codetour.tui.source import SourceView
from codetour.units import duration

CSS_PATH = Path(__file__).with_name("replay.tcss")


@dataclass(frozen=True)
class Notice:
    """A message the app showed (a toast lasts seconds; this record lasts as long as the app)."""

    message: str
    title: str = ""
    severity: str = "information"


class ReplayApp(App[int]):
    """Step through a recorded run, guided by a tour."""

    CSS_PATH = CSS_PATH
    TITLE = "codetour"
    COMPACT_WIDTH = 110  # below this many columns or COMPACT_HEIGHT rows: source above, panels below
    COMPACT_HEIGHT = 30
    BINDINGS = [
        Binding("s,f11", "move('step_into')", "step into", key_display="s"),
        Binding("n,f10", "move('step_over')", "step over", key_display="n"),
        Binding("r,shift+f11", "move('step_out')", "step out", key_display="r"),
        Binding("S", "move('step_back')", "back into", show=False),
        Binding("N", "move('step_over_back')", "back over", show=False),
        Binding("R", "move('step_out_back')", "back out", show=False),
        # priority: a focused panel would otherwise take these keys to scroll itself
        Binding("right", "move('step_into')", "forward", show=False, priority=True),
        Binding("left", "move('step_back')", "back", show=False, priority=True),
        Binding("right_square_bracket", "move('next_stop')", "next stop", key_display="]"),
        Binding("left_square_bracket", "move('prev_stop')", "prev stop", key_display="[", show=False),
        Binding("b", "toggle_breakpoint", "breakpoint", show=False),
        Binding("c", "continue(True)", "continue", show=False),
        Binding("C", "continue(False)", "continue back", show=False),
        Binding("g", "goto", "go to", show=False),
        Binding("slash,ctrl+f", "search", "search", key_display="/"),
        Binding("f", "next_call(True)", "next call", show=False),
        Binding("F", "next_call(False)", "prev call", show=False),
        Binding("z", "move('skip_fold')", "skip fold", show=False),
        Binding("home", "goto_edge(True)", "first", show=False, priority=True),
        Binding("end", "goto_edge(False)", "last", show=False, priority=True),
        Binding("L", "live", "live", key_display="L"),
        # Runs with traced child processes only (check_action hides them otherwise).
        # Not in the footer: at 80 columns it would push ? and q off screen; the status line says p.
        Binding("p", "processes", "processes", show=False),
        Binding("m", "same_moment", "same moment", show=False),
        Binding("w", "follow_worker", "follow into worker", show=False),
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(
        self, trace: str | Path, tour: Tour | None = None, reader: TraceSource | None = None, run: Run | None = None
    ) -> None:
        super().__init__()
        self.trace_path = Path(trace)
        self.notices: list[Notice] = []  # every message shown, in order (list.append is thread-safe)
        # The run's processes: the main trace and one shard per traced child (a run of one when
        # there are none, or when a source is given).
        if run is None:
            run = Run.of_one(reader) if reader is not None else open_run(trace)
        self.trace_run = run
        self.process: Process = next((p for p in run.processes if p.reader.event_count), run.main)
        self.reader: TraceSource = self.process.reader
        self._home = self.process
        self.cursor = Cursor(self.reader, tour, self._elsewhere(self.process))
        self._cursors: dict[int, Cursor] = {self.process.pid: self.cursor}
        self._covered_by_pid: dict[int, dict[int, set[int]]] = {}
        self.tour = tour
        self.current: Step | None = None
        self.view_frame: Frame | None = None  # a stack frame selected for viewing
        self._shown_stop: int | None = -1
        self._shown_vars: tuple | None = None
        self._shown_stack: tuple | None = None
        self._shown_history: Text | None = None
        self._covered: dict[int, set[int]] = self._covered_by_pid.setdefault(self.process.pid, {})
        # A variable's history in a call does not depend on the step: computed once per (call, name).
        self._histories: OrderedDict[tuple[int, str], tuple[int, list[tuple[int, str]]]] = OrderedDict()
        meta = self.reader.meta
        argv = meta.get("argv") or []
        root = meta.get("root") or ""
        shown = [a.replace(root + "/", "") if root else a for a in argv]
        self.sub_title = " ".join(shown)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a toast, and keep a record of it (screens' notify() come here too)."""
        self.notices.append(Notice(message, title, severity))
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def told(self, text: str) -> bool:
        """Whether a message containing ``text`` was shown."""
        return any(text in notice.message for notice in self.notices)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Static(id="source-title")
                yield SourceView(id="source")
            with Vertical(id="right"):
                with TabbedContent(id="tabs"):
                    with TabPane("Tour", id="tab-tour"):
                        yield Static(id="stop-header")
                        with VerticalScroll(id="narration-scroll"):
                            yield Markdown(id="narration")
                    with TabPane("Calls", id="tab-calls"):
                        yield Tree("run", id="calls")
                with Vertical(id="inspect"):
                    yield DataTable(id="vars", cursor_type="row", zebra_stripes=False)
                    yield Static(id="history")
                    yield OptionList(id="stack")
        yield Static(id="status")
        yield Footer(show_command_palette=False)  # ctrl+p still opens it; 80 columns need the room

    def on_mount(self) -> None:
        self._fit_layout(self.size.width, self.size.height)
        table = self.query_one("#vars", DataTable)
        table.add_columns("variable", "value")
        table.border_title = "Variables"
        self.query_one("#history", Static).display = False  # until a variable with a history is highlighted
        self.query_one("#stack", OptionList).border_title = "Call stack"
        self.query_one("#source", SourceView).focus()
        self._fill_call_tree()
        for problem in self.trace_run.problems:
            self.notify(problem, title="Process shard skipped", severity="warning", timeout=10)
        if self.trace_run.multi and not self.process.is_main:
            self.notify(f"The main process recorded no events: showing {self.process.label}.", timeout=6)
        if self.tour is None or not self.cursor.stops:
            self.query_one("#tabs", TabbedContent).active = "tab-calls"
        stale = self.reader.stale_files()
        if stale:
            self.notify(
                f"{len(stale)} source file(s) changed since this run was recorded; showing the recorded snapshot.",
                title="Sources changed",
                severity="warning",
                timeout=8,
            )
        incomplete = self.reader.incomplete
        if incomplete:
            self.notify(
                incomplete[0].upper() + incomplete[1:] + ".", title="Incomplete recording", severity="warning", timeout=10
            )
        if self.cursor.stops and self.cursor.stop_seqs[0] is not None:
            self.cursor.goto_stop(0)
        self.refresh_view()

    # ------------------------------------------------------------------ rendering
    def refresh_view(self) -> None:
        step = self.current = self.cursor.step()
        self.view_frame = None
        self._render_source(step.frame, step.event.line, step)
        self._render_variables(step.locals, step.changed, step.frame.id)
        self._render_stack(step)
        self._render_tour(step)
        self._render_status(step)

    def _render_source(self, frame: Frame, line: int, step: Step) -> None:
        function = self.reader.functions[frame.function_id]
        info = self.reader.files[function.file_id]
        view = self.query_one("#source", SourceView)
        view.set_source(info.relpath, self.reader.source(function.file_id) or "")
        view.set_breakpoints({ln for fid, ln in self.cursor.breakpoints if fid == function.file_id})
        if function.file_id in self._covered:
            view.set_covered(self._covered[function.file_id])
        else:
            self._load_covered(function.file_id, self.reader, self._covered)
        view.show_line(line)
        kind = KIND_LABELS.get(step.event.kind, "?") if frame.id == step.frame.id else "caller"
        title = Text.assemble((info.relpath, "bold"), f":{line}  ", (function.qualname, "cyan"), f"  · {kind}")
        if step.folded and frame.id == step.frame.id:
            f = step.folded
            title.append(
                f"  · {f['iterations']:,} more iterations folded (lines {step.event.line}-{f['end_line']}); z skips", "yellow"
            )
        # One row, whatever it says: no layout pass for it (the status line likewise).
        self.query_one("#source-title", Static).update(title, layout=False)

    @work(thread=True, exclusive=False, group="covered")
    def _load_covered(self, file_id: int, reader: TraceSource, into: dict[int, set[int]]) -> None:
        # A trace file offers a second connection for this scan (seconds on a large trace), so the
        # UI's queries never wait behind it; any other source is asked directly. ``into`` is the
        # covered lines of the process it was asked for (the user may switch process meanwhile).
        reopened = getattr(reader, "reopened", None)
        if reopened is None:
            covered = reader.covered_lines(file_id)
        else:
            background = reopened()
            try:
                covered = background.covered_lines(file_id)
            finally:
                background.close()
        self.call_from_thread(self._covered_loaded, file_id, covered, into)

    def _covered_loaded(self, file_id: int, covered: set[int], into: dict[int, set[int]]) -> None:
        into[file_id] = covered
        if into is self._covered and self.current is not None and self.current.file_id == file_id:
            self.query_one("#source", SourceView).set_covered(covered)

    def _render_variables(self, values: dict[str, str], changed: dict[str, str], frame_id: int) -> None:
        key = (tuple(values.items()), tuple(changed))
        if key == self._shown_vars:
            return  # unchanged: skip the table rebuild (most steps in a loop touch one value)
        self._shown_vars = key
        table = self.query_one("#vars", DataTable)
        table.clear()
        rows = []
        for name, value in reversed(list(values.items())):  # the most recently changed first
            style = "bold yellow" if name in changed else ""
            rows.append((Text(name, style=style or "cyan"), Text(value, style=style)))
            table.add_row(*rows[-1], key=name)
        self._expect_scrollbars(table, rows)
        # The rebuilt table highlights its first row, whose history line would then arrive a frame
        # later and lay the panel out again: show it now, in the same frame as the table.
        self._show_history(self._history_line(frame_id, next(reversed(values))) if values else None)

    @staticmethod
    def _expect_scrollbars(table: DataTable, rows: list[tuple[Text, Text]]) -> None:
        """Tell the rebuilt variables table now which scrollbars its rows will need. Textual decides
        that only once it has laid the table out, and a change (a frame with many locals, a long
        value) then costs a second layout and a second paint of the whole table, and a third for
        the scrollbars. Textual still has the last word: a wrong guess costs what no guess does."""
        width, height = table.container_size
        if not width or not height:
            return
        columns = list(table.columns.values())
        # Column widths only grow (DataTable keeps the widest content it has measured).
        widths = [
            max([column.content_width, *(cells[i].cell_len for cells in rows)]) if column.auto_width else column.width
            for i, column in enumerate(columns)
        ]
        wide = sum(widths) + 2 * table.cell_padding * len(columns)
        tall = len(rows) + (table.header_height if table.show_header else 0)
        styles = table.styles
        across = styles.overflow_x == "scroll" or (styles.overflow_x == "auto" and wide > width)
        down = styles.overflow_y == "scroll" or (styles.overflow_y == "auto" and tall > height)
        if styles.overflow_x == "auto" and down and not across:
            across = wide > width - styles.scrollbar_size_vertical
        if styles.overflow_y == "auto" and across and not down:
            down = tall > height - styles.scrollbar_size_horizontal
        if across != table.show_horizontal_scrollbar:
            table.show_horizontal_scrollbar = across
            table.horizontal_scrollbar.display = across
        if down != table.show_vertical_scrollbar:
            table.show_vertical_scrollbar = down
            table.vertical_scrollbar.display = down

    def _show_history(self, text: Text | None) -> None:
        if text == self._shown_history:
            return  # the same line (a re-highlight of the row already shown): no refresh, no layout
        self._shown_history = text
        history = self.query_one("#history", Static)
        history.update(text or "")
        history.display = text is not None  # an empty line would cost the variables a row

    def _render_stack(self, step: Step) -> None:
        key = tuple(f.id for f in step.stack)
        if key == self._shown_stack:
            return
        self._shown_stack = key
        stack = self.query_one("#stack", OptionList)
        options = []
        for frame in reversed(step.stack):
            func = self.reader.functions[frame.function_id]
            args = ", ".join(f"{k}={v}" for k, v in (frame.args or {}).items())
            if len(args) > 60:
                args = args[:59] + "…"
            options.append(Option(Text.assemble((func.qualname, "bold"), f"({args})"), id=str(frame.id)))
        if options:
            stack.set_options(options)  # one update, not a clear and then an add
        else:
            stack.clear_options()  # set_options([]) would leave the old lines on screen
        stack.highlighted = 0 if options else None

    def _render_tour(self, step: Step) -> None:
        index = step.stop_index
        if index == self._shown_stop:
            return
        self._shown_stop = index
        header = self.query_one("#stop-header", Static)
        narration = self.query_one("#narration", Markdown)
        stops = self.cursor.stops
        if not stops:
            header.update(Text("No tour: step freely, or open one with --tour", style="dim"))
            return
        if index is None:
            header.update(Text.assemble(("Before the first stop", "bold"), "   ] goes to stop 1"))
            narration.update(self.tour.description if self.tour else "")
            return
        resolved = stops[index]
        nxt = stops[index + 1].stop.title if index + 1 < len(stops) else "end of the tour"
        phase = f" · {resolved.stop.phase}" if resolved.stop.phase else ""
        title = Text.assemble((f"Stop {index + 1} of {len(stops)}", "bold reverse"), " ", (resolved.stop.title, "bold"), phase)
        if not self.compact:  # on a small terminal the narration needs the rows more
            title.append_text(Text.assemble("\n", ("next: ", "dim"), (nxt, "dim italic")))
        header.update(title)
        narration.update(resolved.stop.narration or "")

    def _render_status(self, step: Step) -> None:
        phase = ""
        if step.stop_index is not None and self.cursor.stops:
            phase = self.cursor.stops[step.stop_index].stop.phase or ""
        parts = [
            f"step {step.index:,}/{step.total:,}",
            KIND_LABELS.get(step.event.kind, "?"),
            f"thread {step.thread}",
            f"t={duration(step.event.ts_ns)}",
        ]
        if self.trace_run.multi:
            parts.insert(0, f"{self.process.label} (pid {self.process.pid})")
        if phase:
            parts.insert(1, f"phase: {phase}")
        if step.event.kind == FOLD and step.folded:
            parts.append(f"iterations folded: {step.folded['iterations']:,}")
        if self.cursor.breakpoints:
            parts.append(f"{len(self.cursor.breakpoints)} breakpoint(s)")
        if self.compact:
            parts = [p.replace("phase: ", "") for p in parts if not p.startswith("thread ") or step.thread != "MainThread"]
            hint = "   p processes  ? help" if self.trace_run.multi else "   ? help"
            self.query_one("#status", Static).update(" · ".join(parts) + hint, layout=False)
            return
        keys = "      s/n/r step  S/N/R back  ]/[ stops  / search  " + ("p processes  " if self.trace_run.multi else "")
        self.query_one("#status", Static).update("  ·  ".join(parts) + keys + "? help", layout=False)

    # ------------------------------------------------------------------ small terminals
    @property
    def compact(self) -> bool:
        return self.screen_stack[0].has_class("-compact") if self.screen_stack else False

    def on_resize(self, event: events.Resize) -> None:
        self._fit_layout(event.size.width, event.size.height)

    def _fit_layout(self, width: int, height: int) -> None:
        """Below COMPACT_WIDTH x COMPACT_HEIGHT: no header, the source full width above the panels."""
        compact = width < self.COMPACT_WIDTH or height < self.COMPACT_HEIGHT
        base = self.screen_stack[0] if self.screen_stack else None
        if base is None or base.has_class("-compact") == compact:
            return
        base.set_class(compact, "-compact")
        self.query_one(Footer).compact = compact
        if self.current is not None:
            self._shown_stop = -1
            self._render_tour(self.current)
            self._render_status(self.current)

    def _add_frame_node(self, parent, frame: Frame) -> None:
        func = self.reader.functions[frame.function_id]
        calls = f" ×{func.calls:,}" if func.calls > 1 else ""
        label = Text.assemble((func.qualname, "bold" if func.kind == "function" else "dim"), (calls, "dim"))
        node = parent.add(label, data=frame, allow_expand=True)
        node.allow_expand = True

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The replay's keys belong to the replay screen: hidden and inactive on live/modal screens."""
        if action in ("quit", "help", "command_palette"):
            return True
        if action in ("processes", "same_moment", "follow_worker") and not self.trace_run.multi:
            return False  # a run of one process: hidden from the footer, and inactive
        return self.screen is self.screen_stack[0]

    def action_move(self, how: str) -> None:
        if how in ("next_stop", "prev_stop") and self.trace_run.multi:
            moved = self._move_stop(forward=how == "next_stop")
        else:
            moved = getattr(self.cursor, how)()
        if not moved:
            self.bell()
            self.notify(
                {"next_stop": "No later tour stop.", "prev_stop": "No earlier tour stop."}.get(how, "Nothing further that way."),
                timeout=2,
            )
            return
        self.refresh_view()

    def action_toggle_breakpoint(self, line: int | None = None) -> None:
        step = self.current
        if step is None:
            return
        on_ = self.cursor.toggle_breakpoint(step.file_id, line or step.event.line)
        self.notify(f"breakpoint {'set' if on_ else 'cleared'} at {step.relpath}:{line or step.event.line}", timeout=2)
        self.refresh_view()

    def action_continue(self, forward: bool) -> None:
        if not self.cursor.breakpoints:
            self.notify("No breakpoints: press b on a line, or click one.", timeout=3)
            return
        if self.cursor.continue_(forward):
            self.refresh_view()
        else:
            self.bell()
            self.notify("No breakpoint is hit in that direction.", timeout=2)

    def action_goto(self) -> None:
        def done(value: int | None) -> None:
            if value is not None and self.cursor.goto_index(value):
                self.refresh_view()

        self.push_screen(GotoScreen(self.cursor.total), done)

    def action_goto_edge(self, first: bool) -> None:
        self.cursor.goto(self.cursor.first if first else self.cursor.last)
        self.refresh_view()

    def action_search(self) -> None:
        functions = [
            (f.id, f.qualname, self.reader.files[f.file_id].relpath, f.calls)
            for f in self.reader.functions.values()
            if f.recorded_calls
        ]

        def done(fid: int | None) -> None:
            if fid is not None and self.cursor.next_call(fid):
                self.refresh_view()

        self.push_screen(SearchScreen(functions), done)

    def action_next_call(self, forward: bool) -> None:
        if self.current and self.cursor.next_call(self.current.function.id, forward):
            self.refresh_view()
        else:
            self.bell()

    def action_help(self) -> None:
        self.push_screen(HelpScreen(processes=self.trace_run.multi))

    # ------------------------------------------------------------------ processes
    def _fill_call_tree(self) -> None:
        tree = self.query_one("#calls", Tree)
        tree.clear()
        tree.root.set_label(self.process.label if self.trace_run.multi else "run")
        tree.root.expand()
        for frame in self.reader.children(None):
            self._add_frame_node(tree.root, frame)

    def _cursor_for(self, process: Process) -> Cursor | None:
        """That process's cursor, where it was left (None if it recorded no events)."""
        cursor = self._cursors.get(process.pid)
        if cursor is None:
            if not process.reader.event_count:
                return None
            cursor = self._cursors[process.pid] = Cursor(process.reader, self.tour, self._elsewhere(process))
        return cursor

    def _elsewhere(self, process: Process) -> frozenset[str]:
        """The roles of the run's other processes: a tour stop naming one of them is not in ``process``."""
        return frozenset(p.label for p in self.trace_run.processes if p.label != process.label)

    def switch_process(self, pid: int, seq: int | None = None) -> bool:
        """Show another process of the run: its cursor where it was left, or at event ``seq``."""
        process = self.trace_run.by_pid(pid)
        cursor = self._cursor_for(process) if process is not None else None
        if process is None or cursor is None:
            self.bell()
            self.notify("That process recorded no events.", timeout=3)
            return False
        if seq is not None:
            cursor.goto(seq)
        if process is not self.process:
            self.process, self.reader, self.cursor = process, process.reader, cursor
            self._covered = self._covered_by_pid.setdefault(pid, {})
            self._histories.clear()
            self._shown_stop, self._shown_vars, self._shown_stack = -1, None, None
            self._fill_call_tree()
        self.refresh_view()
        return True

    def _process_rows(self) -> list[tuple[int, str, bool]]:
        return [(p.pid, p.describe(), bool(p.reader.event_count)) for p in self.trace_run.processes]

    def action_processes(self) -> None:
        def done(pid: int | None) -> None:
            if pid is not None:
                self.switch_process(pid)

        self.push_screen(ProcessScreen("Processes of this run (Enter opens one)", self._process_rows(), self.process.pid), done)

    def _now_wall(self) -> int:
        step = self.current or self.cursor.step()
        return self.process.wall_ns(step.event.ts_ns)

    def action_same_moment(self) -> None:
        wall = self._now_wall()

        def done(pid: int | None) -> None:
            target = self.trace_run.by_pid(pid) if pid is not None else None
            if target is None:
                return
            seq = seq_near_wall(target, wall)
            if self.switch_process(target.pid, seq):
                self.notify(f"{target.label} at the same moment (by wall clock).", timeout=3)

        self.push_screen(ProcessScreen("The same moment in… (Enter)", self._process_rows(), self.process.pid), done)

    def action_follow_worker(self) -> None:
        """Into the worker call that made this batch (the first one from this moment on); from a
        worker's call, back to its parent when the call returned."""
        step = self.current or self.cursor.step()
        call = worker_call_near(self.trace_run, self.process, self._now_wall())
        if call is not None and (self.process.is_main or self.trace_run.children_of(self.process.pid)):
            if self.switch_process(call.process.pid, call.frame.start_seq):
                args = ", ".join(f"{k}={v}" for k, v in (call.frame.args or {}).items() if k != "self")
                self.notify(f"{call.process.label}: {call.qualname}({args[:60]})", timeout=4)
            return
        top = step.stack[0] if step.stack else step.frame
        back = caller_moment(self.trace_run, self.process, top) if not self.process.is_main else None
        if back is None:
            self.bell()
            self.notify("No worker call from here, and no parent to go back to.", timeout=3)
            return
        parent, seq = back
        if self.switch_process(parent.pid, seq):
            self.notify(f"Back in {parent.label}, when {self.reader.functions[top.function_id].qualname} returned.", timeout=4)

    def _move_stop(self, forward: bool) -> bool:
        """The tour's next (previous) stop, in whichever process it ran: a stop in a worker
        (``__getitem__``) is found in the worker's trace, a stop that names its process there."""
        n = len(self.cursor.stop_seqs)
        here = self.cursor.stop_index
        order = range((-1 if here is None else here) + 1, n) if forward else range((n if here is None else here) - 1, -1, -1)
        # A stop that names no process is in the process the replay opened on (the one the tour is of)
        # when it ran there, else in the first that ran it; one that names its process is only there.
        others = [self._home, *(p for p in self.trace_run.processes if p is not self._home)]
        for index in order:
            for process in others:
                cursor = self._cursor_for(process)
                if cursor is not None and index < len(cursor.stop_seqs) and cursor.stop_seqs[index] is not None:
                    cursor.goto_stop(index)
                    if process is not self.process:
                        self.switch_process(process.pid)
                    for other in self._cursors.values():
                        if other is not cursor:
                            other.stop_index = index
                    return True
        return False

    def action_live(self) -> None:
        """Re-run the program under debugpy, paused at this step; then the tour's later stops."""
        from codetour.live.session import LaunchSpec, LiveError, stop_point_for_step
        from codetour.tui.live import LiveScreen

        if self.current is None:
            return
        if not self.process.is_main:
            self.notify(
                f"Live mode re-runs the program itself; {self.process.label} is a process it starts. Open main (p) first.",
                severity="warning",
                timeout=5,
            )
            return
        try:
            spec = LaunchSpec.from_trace(self.reader)
            here = stop_point_for_step(self.reader, self.current.event.seq, label=f"step {self.current.index:,}")
        except LiveError as exc:
            self.notify(exc.message, severity="error")
            return
        later = [  # the later stops in this process (a stop in another process is not in this program's run)
            stop_point_for_step(self.reader, seq, label=f"stop {i + 1}: {r.stop.title}")
            for i, (r, seq) in enumerate(zip(self.cursor.stops, self.cursor.stop_seqs))
            if seq is not None and (self.cursor.stop_index is None or i > self.cursor.stop_index)
        ]
        self.push_screen(LiveScreen(spec, [here, *later], 0))

    # ------------------------------------------------------------------ mouse and selection
    @on(SourceView.LineClicked)
    def _line_clicked(self, event: SourceView.LineClicked) -> None:
        self.action_toggle_breakpoint(event.line)

    @on(OptionList.OptionSelected, "#stack")
    def _frame_selected(self, event: OptionList.OptionSelected) -> None:
        step = self.current
        if step is None or event.option.id is None:
            return
        frame = self.cursor.frame(int(event.option.id))
        if frame.id == step.frame.id:
            self.refresh_view()
            return
        # A caller: show where it is (the line that made the call below it) and its variables.
        below = [f for f in step.stack if f.parent_id == frame.id]
        line = below[0].call_line if below and below[0].call_line else self.reader.functions[frame.function_id].firstlineno
        self._render_source(frame, line, step)
        self.view_frame = frame
        self._render_variables(self.cursor.locals_at(frame.id, step.event.seq), {}, frame.id)
        self._shown_stack = None

    @on(DataTable.RowHighlighted, "#vars")
    def _variable_highlighted(self, event: DataTable.RowHighlighted) -> None:
        step = self.current
        if step is None or event.row_key is None or event.row_key.value is None:
            return
        frame = self.view_frame or step.frame
        self._show_history(self._history_line(frame.id, event.row_key.value))

    def _history_line(self, frame_id: int, name: str) -> Text | None:
        """The history line under the variables for ``name`` in that call (None: it changed at most once)."""
        step = self.current
        if step is None:
            return None
        changes, shown = self._history(frame_id, name)
        if changes <= 1:
            return None
        text = Text.assemble((f"{name}", "bold cyan"), f" changed {changes}× in this call: ")
        for i, (seq, value) in enumerate(shown):
            if i:
                text.append(" → ", "dim")
            text.append(value[:40], "bold" if seq <= step.event.seq else "dim")
        return text

    def _history(self, frame_id: int, name: str) -> tuple[int, list[tuple[int, str]]]:
        """How many times ``name`` changed in the call and its last 6 changes (seq, value); every step
        re-highlights the variables table, so cache it."""
        key = (frame_id, name)
        cached = self._histories.get(key)
        if cached is None:
            cached = self._histories[key] = self.cursor.recent_history(frame_id, name, 6)
            if len(self._histories) > 256:
                self._histories.popitem(last=False)
        else:
            self._histories.move_to_end(key)
        return cached

    @on(Tree.NodeExpanded, "#calls")
    def _expand_call(self, event: Tree.NodeExpanded) -> None:
        node = event.node
        if node.data is None or node.children:
            return
        children = self.reader.children(node.data.id)
        for frame in children[:500]:
            self._add_frame_node(node, frame)
        if len(children) > 500:
            node.add_leaf(Text(f"… {len(children) - 500:,} more calls", style="dim"))
        if not children:
            node.allow_expand = False

    @on(Tree.NodeSelected, "#calls")
    def _call_selected(self, event: Tree.NodeSelected) -> None:
        if event.node.data is not None:
            self.cursor.goto(event.node.data.start_seq)
            self.refresh_view()


def run_replay(trace: str | Path, tour: Tour | None = None) -> int:
    app = ReplayApp(trace, tour)
    app.run()
    return 0
