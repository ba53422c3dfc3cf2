"""`codetour tour ...`: record if needed, build or load a tour, replay or print it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from codetour.console import err, note, out, warn
from codetour.errors import InputError, UsageError
from codetour.store.schema import FILE_SUFFIX
from codetour.tour.model import Tour, load_tour

TOUR_SUFFIXES = (".md", ".tour.md")


def _is_trace(path: Path) -> bool:
    if path.suffix == FILE_SUFFIX:
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\0"
    except OSError:
        return False


def find_tour_for_repo(repo: Path) -> Tour | None:
    """A hand-written tour whose ``repo:`` is this folder: in REPO/.codetour/tours, REPO/tours,
    or a ``tours/`` folder beside it or above it (as in this project's own layout)."""
    repo = repo.resolve()
    places = [repo / ".codetour" / "tours", repo / "tours"] + [p / "tours" for p in list(repo.parents)[:3]]
    for folder in places:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.md")):
            try:
                tour = load_tour(path)
            except Exception:
                continue
            root = tour.repo_root()
            if root == repo or (root is None and folder.parent in (repo, repo / ".codetour")):
                return tour
    return None


def _record_for_tour(tour: Tour, output: str | None) -> Path:
    from codetour.cli import record_target
    from codetour.trace.runner import Target

    root = tour.repo_root()
    if root is None or not (tour.entry or tour.module):
        raise UsageError(f"{tour.path}: the tour does not say what to record (add 'repo:' and 'entry:' lines)")
    if tour.module:
        target, where = Target(module=tour.module, args=tour.args), root
    else:
        script = root / tour.entry  # type: ignore[operator]
        target, where = Target(script=script, args=tour.args, argv0=str(script)), root
    note(f"recording [bold]{tour.entry or '-m ' + str(tour.module)}[/] {' '.join(tour.args)} for the tour [bold]{tour.title}[/]")
    path, _recorder, result = _run_in(root, lambda: record_target(target, where, output=output, quiet=True, status_line=True))
    _check_exit(result.exit_code)
    return path


def _run_in(folder: Path, fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` with the working directory set to ``folder`` (as a user would run the entry)."""
    import os

    saved = os.getcwd()
    os.chdir(folder)
    try:
        return fn()
    finally:
        os.chdir(saved)


def cmd_tour(args: argparse.Namespace) -> int:
    if not args.target:
        raise UsageError("name a repo, a script, a trace or a tour (see `codetour tour --help`)")
    target = Path(args.target)
    if not target.is_file() or _is_trace(target) or target.suffix == ".md":
        _take_own_options(args)  # nothing to pass them to: `codetour tour REPO --print` means codetour's --print
    trace: Path
    if not target.exists():
        raise InputError(f"no such file or directory: {target}")
    tour: Tour | None = load_tour(args.tour) if args.tour else None
    if target.is_dir():
        tour = tour or find_tour_for_repo(target)
        if tour is not None and (tour.entry or tour.module) and not args.args:
            trace = _record_for_tour(tour, args.output)
        else:
            trace = _record_path(target, args.args, args.output)
    elif _is_trace(target):
        trace = target
    elif target.suffix == ".md":
        tour = load_tour(target)
        if args.args:
            trace = Path(args.args[0])
        else:
            trace = _record_for_tour(tour, args.output)
    else:
        trace = _record_path(target, args.args, args.output)
    return open_tour(trace, tour, print_only=args.print_only)


def _record_path(target: Path, target_args: list[str], output: str | None) -> Path:
    """Record a script (or a folder's primary train entry) as `codetour trace` would."""
    from codetour.cli import _resolve_trace_target, record_target

    ns = argparse.Namespace(module=None, target=str(target), args=target_args)
    tgt, where = _resolve_trace_target(ns)
    trace, _recorder, result = record_target(tgt, where, output=output, quiet=True, status_line=True)
    _check_exit(result.exit_code)
    return trace


def _check_exit(code: int) -> None:
    if code != 0:
        warn(f"the recorded program exited with code {code}; the tour shows what ran until then")


def _take_own_options(args: argparse.Namespace) -> None:
    """Move codetour's own tour options found after TARGET out of the target's arguments."""
    rest = list(args.args)
    kept = []
    i = 0
    while i < len(rest):
        word = rest[i]
        if word == "--print":
            args.print_only = True
        elif word in ("--tour", "-o", "--output") and i + 1 < len(rest):
            setattr(args, "tour" if word == "--tour" else "output", rest[i + 1])
            i += 1
        else:
            kept.append(word)
        i += 1
    args.args = kept


def open_tour(trace: Path, tour: Tour | None, print_only: bool = False) -> int:
    from codetour.store.reader import TraceReader
    from codetour.tour.build import build_tour
    from codetour.tour.render import print_rich

    with TraceReader(trace) as reader:
        tour = tour or build_tour(reader)
        interactive = sys.stdout.isatty() and sys.stdin.isatty() and not print_only
        if not interactive:  # the replay app reports changed sources itself
            stale = reader.stale_files()
            if stale:
                warn(f"{len(stale)} source file(s) changed since recording; showing the recorded snapshot")
            print_rich(tour, reader)
            note(f"trace: {trace}")
            return 0
    from codetour.tui.app import run_replay

    return run_replay(trace, tour)


def cmd_build(args: argparse.Namespace) -> int:
    from codetour.store.reader import TraceReader
    from codetour.tour.build import build_tour
    from codetour.tour.model import format_tour, save_tour

    with TraceReader(args.trace) as reader:
        tour = build_tour(reader, title=args.title)
        root = Path(reader.meta.get("root") or ".")
    if args.output == "-":
        sys.stdout.write(format_tour(tour))
        return 0
    name = Path(args.trace).name.split(".")[0]
    path = Path(args.output) if args.output else root / ".codetour" / "tours" / f"{name}.md"
    tour.repo = _relative(root, path.parent)
    save_tour(tour, path)
    note(f"wrote a tour of {len(tour.stops)} stops to [bold]{path}[/]")
    for i, stop in enumerate(tour.stops, 1):
        err.print(f"  {i:>2}. [cyan]{stop.phase or '':<16}[/] {stop.at}")
    return 0


def _relative(root: Path, folder: Path) -> str:
    import os

    try:
        return os.path.relpath(root.resolve(), folder.resolve())
    except ValueError:
        return str(root.resolve())


def cmd_check(args: argparse.Namespace) -> int:
    from rich.table import Table

    from codetour.tour.model import save_tour, with_lines
    from codetour.tour.resolve import BROKEN, MOVED, check_tour

    tour = load_tour(args.tour)
    root = Path(args.repo) if args.repo else (tour.repo_root() or Path.cwd())
    if not root.is_dir():
        raise InputError(f"repo folder not found: {root}")
    results = check_tour(tour, root)
    table = Table(title=f"{tour.title} · {args.tour} against {root}", title_justify="left", show_lines=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("stop")
    table.add_column("anchor", style="cyan")
    table.add_column("where")
    table.add_column("status")
    style = {"ok": "green", MOVED: "yellow"}
    for i, r in enumerate(results, 1):
        where = f"{r.file}:{r.line}" if r.file else "-"
        status = f"[{style.get(r.status, 'red')}]{r.status}[/]" + (f" {r.message}" if r.message else "")
        table.add_row(str(i), r.stop.title, r.stop.at + (f" / {r.stop.match}" if r.stop.match else ""), where, status)
    out.print(table)
    broken = [r for r in results if r.status in BROKEN]
    moved = [r for r in results if r.status == MOVED]
    if args.update and not broken:
        save_tour(with_lines(tour, [r.line for r in results]), args.tour)
        note(f"updated line numbers in {args.tour}")
    summary = f"{len(results) - len(broken) - len(moved)} ok, {len(moved)} moved, {len(broken)} broken"
    if broken:
        err.print(f"[bold red]codetour:[/] tour check failed: {summary}")
        return 1
    err.print(f"[green]codetour:[/] {summary}")
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    from codetour.store.reader import TraceReader
    from codetour.tour.build import build_tour
    from codetour.tour.render import print_rich, to_markdown

    source = Path(args.source)
    if not source.exists():
        raise InputError(f"no such file: {source}")
    reader = None
    try:
        if _is_trace(source):
            reader = TraceReader(source)
            tour = build_tour(reader)
        else:
            tour = load_tour(source)
            if args.trace:
                reader = TraceReader(args.trace)
        root = Path(args.repo) if args.repo else tour.repo_root()
        if args.markdown:
            sys.stdout.write(to_markdown(tour, reader, root))
        else:
            print_rich(tour, reader, root)
    finally:
        if reader is not None:
            reader.close()
    return 0
