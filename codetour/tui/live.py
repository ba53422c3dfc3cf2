"""Live mode: the replay's program re-run under debugpy, paused at the current step.

All debugger traffic happens in worker threads (one at a time, under a lock), so the
screen stays responsive while debugpy starts (about a second) or the program runs.
"""

from __future__ import annotations

import threading
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, OptionList, RichLog, Static, Tree
from textual.widgets.option_list import Option

from codetour.live.session import LaunchSpec, LiveError, LiveSession, Paused, StopPoint
from codetour.tui.source import SourceView


class LiveScreen(Screen[None]):
    BINDINGS = [
        Binding("c", "continue_to_stop", "next stop"),
        Binding("n", "move('next')", "next line"),
        Binding("s", "move('stepIn')", "step in"),
        Binding("r", "move('stepOut')", "step out"),
        Binding("e", "focus_eval", "evaluate"),
        Binding("escape,q", "leave", "back to replay"),
    ]
    DEFAULT_CSS = """
    #live-status { height: 2; padding: 0 1; background: $warning-darken-3; }
    #live-main { height: 1fr; }
    #live-left { width: 3fr; }
    #live-right { width: 2fr; }
    #live-vars { height: 1fr; border: round $primary-darken-2; }
    #live-stack { height: 30%; border: round $primary-darken-2; }
    #live-log { height: 9; border: round $primary-darken-2; }
    #live-eval { dock: bottom; }
    """

    def __init__(self, spec: LaunchSpec, stops: list[StopPoint], index: int) -> None:
        super().__init__()
        self.spec = spec
        self.stops = stops
        self.index = index
        self.session = LiveSession(spec)
        self.paused: Paused | None = None
        self._session_lock = threading.Lock()
        self.closed = False
        self._shown_output = 0

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(Text("starting the program under debugpy…", style="bold"), id="live-status")
        with Horizontal(id="live-main"):
            with Vertical(id="live-left"):
                yield SourceView(id="live-source")
                yield RichLog(id="live-log", wrap=True, markup=False)
            with Vertical(id="live-right"):
                yield Tree("variables", id="live-vars")
                yield OptionList(id="live-stack")
        yield Input(placeholder="e: an expression to evaluate in the paused frame, then Enter", id="live-eval")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#live-vars", Tree).border_title = "Variables (live)"
        self.query_one("#live-stack", OptionList).border_title = "Call stack (live)"
        self.query_one("#live-log", RichLog).border_title = "Output and results"
        self.set_interval(0.3, self._drain_output)
        self.query_one("#live-vars", Tree).focus()
        self._start()

    # ------------------------------------------------------------------ workers
    @work(thread=True, group="live")
    def _start(self) -> None:
        stop = self.stops[self.index]
        with self._session_lock:
            try:
                self.session.launch()
                self.session.connect([stop])
                paused = self.session.wait_paused(where=stop.describe())
            except LiveError as exc:
                self.app.call_from_thread(self._failed, exc.message)
                return
            self._after_pause(paused, stop.label)

    def _after_pause(self, paused: Paused, label: str = "") -> None:
        """Gather what the screen shows (in the worker), then hand it to the UI thread."""
        self.paused = paused
        top = paused.top
        local = self.session.locals(top["id"])
        self.app.call_from_thread(self._show, paused, local, label)

    @work(thread=True, group="live")
    def _resume(self, how: str) -> None:
        with self._session_lock:
            if self.paused is None or self.closed:
                return
            try:
                self.session.resume(how, self.paused)
                paused = self.session.wait_paused(where=None)
            except LiveError as exc:
                self.app.call_from_thread(self._failed, exc.message)
                return
            self._after_pause(paused)

    @work(thread=True, group="live")
    def _continue(self) -> None:
        with self._session_lock:
            if self.paused is None or self.closed:
                return
            if self.index + 1 >= len(self.stops):
                self.app.call_from_thread(self.notify, "That was the last stop.", timeout=3)
                return
            self.index += 1
            stop = self.stops[self.index]
            try:
                self.session.set_breakpoints([stop])
                self.session.resume("continue", self.paused)
                paused = self.session.wait_paused(where=stop.describe())
            except LiveError as exc:
                self.app.call_from_thread(self._failed, exc.message)
                return
            self._after_pause(paused, stop.label)

    @work(thread=True, group="live")
    def _evaluate(self, expression: str) -> None:
        with self._session_lock:
            if self.paused is None:
                return
            result = self.session.evaluate(expression, self.paused.top["id"])
        self.app.call_from_thread(self._log, Text.assemble(("» ", "bold cyan"), expression, ("  →  ", "dim"), result))

    @work(thread=True, group="live")
    def _expand(self, node, reference: int) -> None:
        with self._session_lock:
            children = self.session.variables(reference) if not self.closed else []
        self.app.call_from_thread(self._fill, node, children)

    @work(thread=True, group="live-close")
    def _close_and_leave(self) -> None:
        with self._session_lock:
            self.closed = True
            self.session.close()
        self.app.call_from_thread(self._left)

    # ------------------------------------------------------------------ UI thread
    def _show(self, paused: Paused, local: list[dict], label: str) -> None:
        top = paused.top
        path = top.get("source", {}).get("path", "")
        status = Text.assemble(
            ("⏸ LIVE ", "bold reverse yellow"),
            " paused at ",
            (f"{Path(path).name}:{top.get('line')}", "bold"),
            " in ",
            (str(top.get("name")), "cyan"),
            f"  {label}",
            ("\nc next stop · n/s/r step · e evaluate an expression · Esc back to the replay", "dim"),
        )
        self.query_one("#live-status", Static).update(status)
        view = self.query_one("#live-source", SourceView)
        try:
            view.set_source(path, Path(path).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            view.set_source(path, "")
        view.show_line(int(top.get("line") or 1))
        tree = self.query_one("#live-vars", Tree)
        tree.clear()
        tree.root.expand()
        self._fill(tree.root, local)
        stack = self.query_one("#live-stack", OptionList)
        stack.clear_options()
        stack.add_options(
            [
                Option(
                    Text.assemble(
                        (str(f.get("name")), "bold"), f"  {Path(f.get('source', {}).get('path', '?')).name}:{f.get('line')}"
                    )
                )
                for f in paused.frames
            ]
        )

    def _fill(self, node, variables: list[dict]) -> None:
        for var in variables:
            name = var.get("name", "")
            if name in ("special variables", "function variables", "class variables") or name.startswith("__"):
                continue
            value = " ".join(str(var.get("value", "")).split())
            label = Text.assemble((name, "cyan"), ("  ", ""), (var.get("type", ""), "dim"), "  ", value[:120])
            reference = var.get("variablesReference", 0)
            if reference:
                node.add(label, data=reference)
            else:
                node.add_leaf(label)

    def _failed(self, message: str) -> None:
        self.query_one("#live-status", Static).update(
            Text.assemble(("LIVE SESSION ENDED ", "bold reverse red"), " ", message, ("\nEsc: back to the replay", "dim"))
        )
        self._log(Text(message, style="red"))

    def _log(self, text: Text) -> None:
        self.query_one("#live-log", RichLog).write(text)

    def _drain_output(self) -> None:
        lines = self.session.output
        while self._shown_output < len(lines):
            self._log(Text(lines[self._shown_output], style="dim"))
            self._shown_output += 1

    def _left(self) -> None:
        self.app.pop_screen()

    # ------------------------------------------------------------------ actions and events
    def action_move(self, how: str) -> None:
        self._resume(how)

    def action_continue_to_stop(self) -> None:
        self._continue()

    def action_focus_eval(self) -> None:
        self.query_one("#live-eval", Input).focus()

    def action_leave(self) -> None:
        self.query_one("#live-status", Static).update(Text("ending the program…", style="bold"))
        self._close_and_leave()

    @on(Input.Submitted, "#live-eval")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self._evaluate(event.value.strip())
        event.input.value = ""
        self.query_one("#live-vars", Tree).focus()  # so c/n/s/r step again

    @on(Tree.NodeExpanded, "#live-vars")
    def _expanded(self, event: Tree.NodeExpanded) -> None:
        if isinstance(event.node.data, int) and not event.node.children:
            self._expand(event.node, event.node.data)

    def on_unmount(self) -> None:
        if not self.closed:
            self.closed = True
            self.session.close()
