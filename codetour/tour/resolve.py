"""Resolving stop anchors: to a file and line in the code as it is now (``tour check``),
and to a step of a recorded run (replay, rendering with observed values)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

from codetour.discover.walk import walk
from codetour.store.reader import Frame
from codetour.store.schema import LINE
from codetour.store.source import TraceSource
from codetour.tour.model import Stop, Tour

OK, MOVED, MISSING_FUNCTION, MISSING_LINE, AMBIGUOUS, NOT_REACHED = (
    "ok",
    "moved",
    "missing function",
    "missing line",
    "ambiguous",
    "not reached",
)
BROKEN = (MISSING_FUNCTION, MISSING_LINE, AMBIGUOUS)


@dataclass
class Resolved:
    stop: Stop
    status: str
    file: str | None = None  # relative to the repo root
    line: int | None = None
    message: str = ""
    seq: int | None = None  # the trace step (when resolved against a trace)
    frame_id: int | None = None
    observed: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class FunctionSite:
    file: str
    qualname: str
    start: int
    end: int


def index_functions(source: str, relpath: str) -> list[FunctionSite]:
    """Every function's qualified name and line range in one file, as Python names them."""
    tree = ast.parse(source)
    lines = source.count("\n") + 1
    sites = [FunctionSite(relpath, "<module>", 1, lines)]

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qual = f"{prefix}{child.name}"
                start = min([d.lineno for d in child.decorator_list] + [child.lineno])
                sites.append(FunctionSite(relpath, qual, start, child.end_lineno or child.lineno))
                visit(child, f"{qual}.<locals>.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return sites


class RepoIndex:
    """Qualified names of every function in a repo, parsed lazily from the current files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._sites: list[FunctionSite] | None = None
        self._text: dict[str, list[str]] = {}

    def lines(self, relpath: str) -> list[str]:
        if relpath not in self._text:
            try:
                self._text[relpath] = (self.root / relpath).read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self._text[relpath] = []
        return self._text[relpath]

    def sites(self, file: str | None = None) -> list[FunctionSite]:
        if file is not None:
            try:
                return index_functions("\n".join(self.lines(file)), file) if (self.root / file).is_file() else []
            except SyntaxError:
                return []
        if self._sites is None:
            self._sites = []
            for path in walk(self.root).python:
                rel = path.relative_to(self.root).as_posix()
                try:
                    self._sites += index_functions("\n".join(self.lines(rel)), rel)
                except (SyntaxError, ValueError):
                    continue
        return self._sites


def find_line(lines: list[str], start: int, end: int, match: str | None, hint: int | None = None) -> int | None:
    """First line in [start, end] (1-based) matching ``match`` (text, or /regex/); the start if no match given.
    ``hint`` (the line last seen) wins when it still matches: the same text can appear twice."""
    if not match:
        return start
    if len(match) > 1 and match.startswith("/") and match.endswith("/"):
        pattern = re.compile(match[1:-1])
        test = lambda text: pattern.search(text) is not None  # noqa: E731
    else:
        test = lambda text: match in text  # noqa: E731
    if hint is not None and start <= hint <= min(end, len(lines)) and test(lines[hint - 1]):
        return hint
    for n in range(start, min(end, len(lines)) + 1):
        if test(lines[n - 1]):
            return n
    return None


def resolve_static(stop: Stop, index: RepoIndex) -> Resolved:
    sites = [s for s in index.sites(stop.file) if s.qualname == stop.at]
    if stop.file is None and stop.at == "<module>":
        return Resolved(stop, AMBIGUOUS, message="'<module>' needs 'file:' to say which module")
    if not sites:
        where = f" in {stop.file}" if stop.file else ""
        return Resolved(stop, MISSING_FUNCTION, message=f"function {stop.at!r} not found{where}")
    if len(sites) > 1:
        files = ", ".join(sorted({s.file for s in sites}))
        return Resolved(stop, AMBIGUOUS, message=f"{stop.at!r} is defined in several files ({files}); add 'file:'")
    site = sites[0]
    line = find_line(index.lines(site.file), site.start, site.end, stop.match)
    if line is None:
        return Resolved(stop, MISSING_LINE, site.file, site.start, f"no line matching {stop.match!r} in {stop.at}")
    if stop.line is not None and stop.line != line:
        return Resolved(stop, MOVED, site.file, line, f"moved from line {stop.line} to {line}")
    return Resolved(stop, OK, site.file, line)


def check_tour(tour: Tour, root: Path) -> list[Resolved]:
    index = RepoIndex(root)
    return [resolve_static(stop, index) for stop in tour.stops]


# ----------------------------------------------------------------------------- traces
def resolve_in_trace(stop: Stop, reader: TraceSource) -> Resolved:
    candidates = [
        f
        for f in reader.functions.values()
        if f.qualname == stop.at and (stop.file is None or reader.files[f.file_id].relpath == stop.file)
    ]
    if not candidates:
        return Resolved(stop, MISSING_FUNCTION, message=f"{stop.at!r} did not run in this recording")
    func = max(candidates, key=lambda f: f.calls)
    relpath = reader.files[func.file_id].relpath
    frames = [fr for fr in reader.frames_of(func.id) if not fr.resumed]
    if len(frames) < stop.call:
        return Resolved(
            stop,
            NOT_REACHED,
            relpath,
            func.firstlineno,
            f"call {stop.call} of {stop.at} was not recorded ({len(frames)} recorded)",
        )
    frame = frames[stop.call - 1]
    source = reader.source_lines(func.file_id)
    start = func.firstlineno
    if stop.at == "<module>":
        start, end = 1, len(source)
    else:
        end = max(func.lastlineno, start)
    line = find_line(source, start, end, stop.match, stop.line)
    if line is None:
        return Resolved(
            stop, MISSING_LINE, relpath, start, f"no line matching {stop.match!r} in {stop.at}", frame.start_seq, frame.id
        )
    seq = frame.start_seq
    if stop.match:
        hits = [e for e in reader.events(frame_id=frame.id) if e.kind == LINE and e.line == line]
        if hits:
            seq = hits[min(stop.hit, len(hits)) - 1].seq
    return Resolved(stop, OK, relpath, line, "", seq, frame.id, observed_values(reader, frame, seq))


def observed_values(reader: TraceSource, frame: Frame, seq: int, limit: int = 8) -> dict[str, str]:
    values = reader.locals_at(frame.id, seq)
    shown = dict(list(values.items())[::-1][:limit])  # the most recently changed first
    return _modes_switched(reader, frame, seq, shown)


_MODE_SWITCH = re.compile(r"\b([A-Za-z_][\w.]*)\.(eval|train)\(\s*(True|False)?\s*\)")


def _modes_switched(reader: TraceSource, frame: Frame, seq: int, shown: dict[str, str]) -> dict[str, str]:
    """A torch module's summary is taken when the name gets its value; ``model.eval()`` / ``model.train()`` later
    change its mode in place, which no new summary records. A module whose frame switched its mode on a line that ran
    before ``seq`` shows the mode in force, and says which line set it."""
    modules = {
        name for name, value in shown.items() if "(torch module" in value and re.search(r" training=(True|False)\b", value)
    }
    if not modules:
        return shown
    func = reader.functions.get(frame.function_id)
    lines = reader.source_lines(func.file_id) if func is not None else []
    mode: dict[str, tuple[bool, int, str]] = {}
    for event in reader.events(frame.start_seq, seq, frame_id=frame.id):
        if event.kind != LINE or not 0 < event.line <= len(lines):
            continue
        for m in _MODE_SWITCH.finditer(lines[event.line - 1]):
            if m.group(1) in modules:
                training = m.group(2) == "train" and m.group(3) != "False"
                mode[m.group(1)] = (training, event.line, m.group(0))
    out = dict(shown)
    for name, (training, line, call) in mode.items():
        out[name] = re.sub(
            r" training=(True|False)\b",
            f" training={training} (`{call}` at line {line})",
            out[name],
            count=1,
        )
    return out


def resolve_tour(tour: Tour, reader: TraceSource) -> list[Resolved]:
    return [resolve_in_trace(stop, reader) for stop in tour.stops]
