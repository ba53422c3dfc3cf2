"""The source panel: a Line-API ScrollView, so a 10,000-line file costs only its visible rows."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

CURRENT = Style(bgcolor="#3a3d12", bold=True)
GUTTER = Style(color="#6b7280")
GUTTER_RAN = Style(color="#9ca3af")
MARK = Style(color="#facc15", bold=True)
BREAK = Style(color="#ef4444", bold=True)
NEVER_RAN = Style(dim=True)


class SourceView(ScrollView, can_focus=True):
    """Syntax-highlighted lines with a gutter: line numbers, ran/never-ran, breakpoints, the current line."""

    DEFAULT_CSS = """
    SourceView { background: $surface; }
    """

    class LineClicked(Message):
        def __init__(self, line: int) -> None:
            super().__init__()
            self.line = line

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lines: list[Text] = []
        self.current = 0
        self.covered: set[int] | None = None
        self.breakpoints: set[int] = set()
        self.filename = ""
        self._cache: dict[str, list[Text]] = {}
        # Each line's highlighted code as segments, per file, once drawn: a scroll or a new file
        # redraws every visible line, and rendering the Text again was most of that.
        self._drawn: dict[str, dict[int, list[Segment]]] = {}
        self._segments: dict[int, list[Segment]] = {}

    def set_source(self, filename: str, source: str) -> None:
        if filename != self.filename:
            self.filename = filename
            cached = self._cache.get(filename)
            if cached is not None:
                lines = cached
            else:
                highlighted = Syntax(source, "python", theme="monokai").highlight(source)
                highlighted.rstrip()
                lines = self._cache[filename] = list(highlighted.split("\n", allow_blank=True))
            self.lines = lines
            self._segments = self._drawn.setdefault(filename, {})
            self.covered = None
            width = max((line.cell_len for line in self.lines), default=0) + 10
            self.virtual_size = Size(width, len(self.lines))
            self.refresh()

    def set_covered(self, covered: set[int]) -> None:
        if covered is not self.covered:
            self.covered = covered
            self.refresh()

    def set_breakpoints(self, lines: set[int]) -> None:
        if lines != self.breakpoints:
            self.breakpoints = lines
            self.refresh()

    def show_line(self, line: int) -> None:
        previous, self.current = self.current, line
        self._scroll_into_view()  # a scroll repaints the whole view
        # A new file's virtual size takes effect on the next layout: scroll again after it.
        self.call_after_refresh(self._scroll_into_view)
        if previous != line:  # only the two lines whose marker moved
            if previous:
                self.refresh_line(previous - 1)
            self.refresh_line(line - 1)

    def _scroll_into_view(self) -> None:
        line = self.current
        top = self.scroll_offset.y
        height = max(self.size.height, 1)
        if not (top + 2 <= line - 1 <= top + height - 3):
            self.scroll_to(y=max(line - 1 - height // 3, 0), animate=False)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        if index >= len(self.lines):
            return Strip.blank(width)
        number = index + 1
        ran = self.covered is None or number in self.covered
        is_current = number == self.current
        marker = "▶" if is_current else ("●" if number in self.breakpoints else " ")
        gutter = [
            Segment(f"{number:>5} ", GUTTER_RAN if ran else GUTTER),
            Segment(marker, MARK if is_current else BREAK),
            Segment(" "),
        ]
        segments = self._segments.get(index)
        if segments is None:
            segments = self._segments[index] = list(self.lines[index].render(self.app.console, end=""))
        if not ran and not is_current:
            segments = list(Segment.apply_style(segments, post_style=NEVER_RAN))
        if self.scroll_offset.x:
            segments = list(Strip(segments).crop(self.scroll_offset.x))
        strip = Strip(gutter + segments).extend_cell_length(width).crop(0, width)
        if is_current:
            strip = strip.apply_style(CURRENT)
        return strip

    def on_click(self, event) -> None:
        line = self.scroll_offset.y + event.y + 1
        if 1 <= line <= len(self.lines):
            self.post_message(self.LineClicked(line))
