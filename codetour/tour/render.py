"""Render a tour as Markdown (for docs) or as rich text (for the terminal), with code
excerpts and, when a trace is given, the values observed at each stop."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from codetour.store.source import TraceSource
from codetour.tour.model import Tour
from codetour.tour.resolve import (
    BROKEN,
    MISSING_FUNCTION,
    RepoIndex,
    Resolved,
    resolve_in_trace,
    resolve_static,
    resolve_tour,
)

CONTEXT = 3  # lines of code shown around a stop


def resolve_for_render(tour: Tour, reader: TraceSource | None, root: Path | None) -> tuple[list[Resolved], dict[str, list[str]]]:
    """Resolved stops plus the source text to excerpt (the trace's snapshot, else the files on disk)."""
    sources: dict[str, list[str]] = {}
    if reader is not None:
        resolved = resolve_in_other_processes(resolve_tour(tour, reader), reader)
        for info in reader.files.values():
            sources[info.relpath] = reader.source_lines(info.id)
        return resolved, sources
    index = RepoIndex(root or Path.cwd())
    resolved = [resolve_static(stop, index) for stop in tour.stops]
    for r in resolved:
        if r.file:
            sources[r.file] = index.lines(r.file)
    return resolved, sources


def resolve_in_other_processes(resolved: list[Resolved], reader: TraceSource) -> list[Resolved]:
    """Stops in another process of the run (#18): a stop that names its process (``process:``, a
    worker's ``__getitem__``, the training of Hogwild!-style children) is resolved in that process,
    and a stop whose function never ran in this trace in the first other process that ran it.
    File, line and values come from there (no step: a step belongs to one process's trace)."""
    from codetour.store.processes import run_around

    named = [i for i, r in enumerate(resolved) if r.stop.process]
    missing = [i for i, r in enumerate(resolved) if r.status == MISSING_FUNCTION]
    found = run_around(reader) if missing or named else None
    if found is None:
        return resolved
    run, origin = found
    out = list(resolved)
    with run:
        by_label = {p.label: p for p in run.processes}
        for i in named:
            process = by_label.get(resolved[i].stop.process or "")
            if process is None or process is origin:
                continue  # a process this run does not have (a tour from another run), or this one
            there = resolve_in_trace(resolved[i].stop, process.reader)
            if there.status != MISSING_FUNCTION:
                out[i] = replace(there, seq=None, frame_id=None)
        for i in missing:
            if out[i] is not resolved[i]:
                continue
            for process in run.processes:
                if process is origin:
                    continue
                there = resolve_in_trace(resolved[i].stop, process.reader)
                if there.status != MISSING_FUNCTION:
                    out[i] = replace(there, seq=None, frame_id=None)
                    break
    return out


def excerpt(lines: list[str], line: int, context: int = CONTEXT) -> tuple[int, list[str]]:
    start = max(1, line - context)
    end = min(len(lines), line + context)
    return start, lines[start - 1 : end]


def to_markdown(tour: Tour, reader: TraceSource | None = None, root: Path | None = None) -> str:
    from codetour.concepts.render import concepts_for_stops, elsewhere_markdown, match_markdown

    resolved, sources = resolve_for_render(tour, reader, root)
    concepts, elsewhere = concepts_for_stops(reader, resolved)  # ML concept cards: only with a trace
    out = [f"# {tour.title}", ""]
    if tour.description:
        out += [tour.description, ""]
    for i, r in enumerate(resolved, 1):
        stop = r.stop
        out.append(f"## {i}. {stop.title}")
        out.append("")
        where = f"`{r.file}:{r.line}`" if r.file else "(not found)"
        phase = f" · phase: {stop.phase}" if stop.phase else ""
        out.append(f"*{stop.at}* at {where}{phase}")
        out.append("")
        if r.status in BROKEN or r.message:
            out += [f"> **{r.status}**: {r.message}", ""]
        if stop.narration:
            out += [stop.narration, ""]
        if r.file and r.line and sources.get(r.file):
            start, text = excerpt(sources[r.file], r.line)
            width = len(str(start + len(text)))
            out.append("```python")
            for n, code in enumerate(text, start):
                mark = "▶" if n == r.line else " "
                out.append(f"{n:>{width}} {mark} {code}")
            out.append("```")
            out.append("")
        if r.observed:
            out.append("Observed in the recording:")
            out.append("")
            out += [f"- `{k}` = `{v}`" for k, v in r.observed.items()]
            out.append("")
        for match in concepts[i - 1]:
            out += [match_markdown(match, level=3).rstrip(), ""]
    if elsewhere:
        out.append(elsewhere_markdown(elsewhere))
    return "\n".join(out).rstrip() + "\n"


def print_rich(tour: Tour, reader: TraceSource | None = None, root: Path | None = None) -> None:
    from rich.console import Group
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.table import Table

    from codetour.concepts.render import concepts_for_stops, elsewhere_markdown, match_markdown
    from codetour.console import out

    resolved, sources = resolve_for_render(tour, reader, root)
    concepts, elsewhere = concepts_for_stops(reader, resolved)  # ML concept cards: only with a trace
    out.rule(f"[bold]{tour.title}")
    if tour.description:
        out.print(Markdown(tour.description))
    for i, r in enumerate(resolved, 1):
        stop = r.stop
        parts: list = []
        if r.status in BROKEN or r.message:
            parts.append(f"[red]{r.status}[/]: {r.message}")
        if stop.narration:
            parts.append(Markdown(stop.narration))
        if r.file and r.line and sources.get(r.file):
            start, text = excerpt(sources[r.file], r.line)
            parts.append(
                Syntax(
                    "\n".join(text), "python", line_numbers=True, start_line=start, highlight_lines={r.line}, theme="ansi_dark"
                )
            )
        if r.observed:
            table = Table(box=None, show_header=False, pad_edge=False)
            table.add_column(style="cyan")
            table.add_column()
            for k, v in r.observed.items():
                table.add_row(k, v)
            parts.append(table)
        for match in concepts[i - 1]:
            parts.append(Markdown(match_markdown(match, level=3)))
        where = f"{r.file}:{r.line}" if r.file else "not found"
        phase = f" · {stop.phase}" if stop.phase else ""
        out.print(
            Panel(
                Group(*parts),
                title=f"[bold]{i}/{len(resolved)} {stop.title}",
                subtitle=f"{stop.at} · {where}{phase}",
                title_align="left",
                subtitle_align="right",
            )
        )
    if elsewhere:
        out.print(Markdown(elsewhere_markdown(elsewhere)))
