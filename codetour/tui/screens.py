"""Modal screens: help, function search, go to step, the run's processes."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

KEYS = [
    ("Stepping", ""),
    ("s  F11", "step into: the next event, entering calls"),
    ("n  F10", "step over: the next event in this function"),
    ("r  Shift+F11", "step out: back in the caller, after this call returns"),
    ("S  N  R", "the same three, backwards"),
    ("→  ←", "one event forward / backward"),
    ("Tour & jumps", ""),
    ("]  [", "next / previous tour stop"),
    ("b", "breakpoint on / off on the current line (or click a line)"),
    ("c  C", "continue forward / backward to a breakpoint"),
    ("g", "go to step number"),
    ("/  Ctrl+F", "search a function, jump to its first or next call"),
    ("f  F", "next / previous call of the current function"),
    ("z", "skip folded loop iterations"),
    ("Home  End", "first / last step"),
    ("Live & panels", ""),
    ("L", "live: re-run under debugpy, paused at this step (Esc: back)"),
    ("Tab", "next panel; Enter selects a frame, call or variable"),
    ("?", "this help (↑ ↓ scroll it on a small terminal)"),
    ("q", "quit"),
]

# Shown in the help only for a run whose child processes were traced.
PROCESS_KEYS = [
    ("Processes", ""),
    ("p", "process list (main, workers, ranks): open one where you left it"),
    ("m", "the same moment in another process (by wall clock)"),
    ("w", "follow the work into a worker (its __getitem__ / task) and back"),
]


class HelpScreen(ModalScreen[None]):
    """Every key, in a box that fits 80x24 whole and scrolls on anything smaller."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    #help { width: 84; max-width: 100%; height: auto; max-height: 100%; border: thick $accent; background: $panel;
            padding: 0 1; }
    """

    def __init__(self, processes: bool = False) -> None:
        super().__init__()
        self.keys = KEYS + PROCESS_KEYS if processes else KEYS

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, pad_edge=False, expand=True)
        table.add_column(style="bold cyan", no_wrap=True, width=13)
        table.add_column()
        for key, text in self.keys:
            if text:
                table.add_row(key, text)
            else:
                table.add_row(Text(key, style="bold yellow"), "")
        with VerticalScroll(id="help"):
            yield Static(table, id="help-keys")

    def on_mount(self) -> None:
        self.query_one("#help", VerticalScroll).focus()


class SearchScreen(ModalScreen[int | None]):
    """Fuzzy search over recorded functions; returns a function id."""

    BINDINGS = [Binding("escape", "dismiss_none", "close")]
    DEFAULT_CSS = """
    SearchScreen { align: center middle; }
    #search-box { width: 90; height: 24; border: thick $accent; background: $panel; }
    #search-box Input { margin: 0 0 1 0; }
    """

    def __init__(self, functions: list[tuple[int, str, str, int]]) -> None:
        super().__init__()
        self.functions = functions  # (id, qualname, file, calls)

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Input(placeholder="function name (fuzzy)…", id="search-input")
            yield OptionList(*self._options(""), id="search-results")

    def _options(self, query: str) -> list[Option]:
        scored = []
        for fid, qualname, file, calls in self.functions:
            score = fuzzy_score(query, qualname)
            if score is not None:
                scored.append((score, -calls, qualname, fid, file, calls))
        scored.sort()
        return [
            Option(Text.assemble((q, "bold"), f"  {f}  ", (f"{c:,}×", "dim")), id=str(fid)) for _, _, q, fid, f, c in scored[:200]
        ]

    def on_input_changed(self, event: Input.Changed) -> None:
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        results.add_options(self._options(event.value))
        if results.option_count:
            results.highlighted = 0

    def on_input_submitted(self, event: Input.Submitted) -> None:
        results = self.query_one("#search-results", OptionList)
        if results.option_count:
            option = results.get_option_at_index(results.highlighted or 0)
            self.dismiss(int(option.id))  # type: ignore[arg-type]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))  # type: ignore[arg-type]

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


def fuzzy_score(query: str, text: str) -> int | None:
    """Lower is better; None if the letters of ``query`` do not appear in order in ``text``."""
    if not query:
        return 0
    q, t = query.lower(), text.lower()
    if q in t:
        return t.index(q) - (100 if t.endswith(q) else 0)
    pos, gaps = -1, 0
    for ch in q:
        nxt = t.find(ch, pos + 1)
        if nxt < 0:
            return None
        gaps += nxt - pos - 1
        pos = nxt
    return 1000 + gaps


class GotoScreen(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "dismiss_none", "close")]
    DEFAULT_CSS = """
    GotoScreen { align: center middle; }
    #goto { width: 50; height: auto; border: thick $accent; background: $panel; padding: 0 1; }
    """

    def __init__(self, total: int) -> None:
        super().__init__()
        self.total = total

    def compose(self) -> ComposeResult:
        with Vertical(id="goto"):
            yield Static(f"Go to step (1 – {self.total:,}):")
            yield Input(placeholder="step number", id="goto-input", type="integer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(int(event.value))
        except ValueError:
            self.dismiss(None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


class ProcessScreen(ModalScreen[int | None]):
    """The run's processes (main, workers, ranks) with role, rank, pid, how it ended and its size;
    returns the pid chosen."""

    BINDINGS = [Binding("escape,p,m", "dismiss_none", "close")]
    DEFAULT_CSS = """
    ProcessScreen { align: center middle; }
    #processes-box { width: 90; max-width: 100%; height: auto; max-height: 100%; border: thick $accent;
                     background: $panel; padding: 0 1; }
    #processes-box OptionList { height: auto; max-height: 20; }
    """

    def __init__(self, title: str, rows: list[tuple[int, str, bool]], current: int) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows  # (pid, one-line description, can be opened)
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        for pid, text, usable in self.rows:
            mark = "▶ " if pid == self.current else "  "
            options.append(Option(Text.assemble(mark, (text, "" if usable else "dim")), id=str(pid), disabled=not usable))
        listing = OptionList(*options, id="process-list")
        # highlighted from the start (not on mount), so keys typed right after opening move from here
        listing.highlighted = next((i for i, (pid, _t, _u) in enumerate(self.rows) if pid == self.current), None)
        with Vertical(id="processes-box"):
            yield Static(Text(self.title_text, style="bold"))
            yield listing

    def on_mount(self) -> None:
        self.query_one("#process-list", OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id))  # type: ignore[arg-type]

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
