"""`codetour tour ...`: record if needed, build or load a tour, replay or print it;
`codetour tour build|check|print` for tour files."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from codetour.cli.common import TARGET_RULE, Formatter, options_after_target, split_command_line
from codetour.cli.trace import add_options, report_problems, status_line
from codetour.console import err, esc, note, out, warn
from codetour.errors import InputError, UsageError

HELP = f"""\
A guided tour of a recorded run: ordered stops (config, data, model, training
loop, forward, loss, update, evaluation, checkpoint) with narration, replayed
step by step. TARGET may be:

  REPO           a hand-written tour for it (REPO/.codetour/tours/, or tours/ beside
                 it) says what to record; otherwise its primary train entry is traced
  SCRIPT ARGS    record `python SCRIPT ARGS`, generate a tour, replay it
  TRACE          replay an existing .ctrace with a generated tour (or --tour FILE)
  TOUR [TRACE]   follow a tour file, recording what it names if no trace is given

When the output is not a terminal, the tour is printed instead of replayed, and
the recorded program's own output goes to stderr, so the tour can be piped.
A recent trace of the same entry, arguments and unchanged sources in
REPO/.codetour/ is reused (--fresh records again); the 10 newest traces of an
entry are kept there.

{TARGET_RULE}

subcommands (see `codetour tour build --help` and so on):
  codetour tour build TRACE [-o TOUR]     generate a tour file from a trace
  codetour tour check TOUR [--repo PATH]  report stops whose code moved or is gone
  codetour tour print TOUR|TRACE [--markdown] [--trace TRACE]

examples:
  codetour tour sample_repos/minimal_ppo
  codetour tour train.py --epochs 1
  codetour tour check tours/minimal_ppo.md
"""

BUILD_HELP = """\
Generate a tour from a recorded trace: one stop per phase of the run (config,
data, model, training loop, forward, loss, update, evaluation, checkpoint),
narrated only from facts in the trace.

examples:
  codetour tour build .codetour/train.*.ctrace
  codetour tour build run.ctrace -o tours/my_repo.md --title "How my_repo trains"
  codetour tour build run.ctrace -o -          (print the tour file instead)
"""

CHECK_HELP = """\
Check that every stop of a tour still resolves against the code: reports stops
whose function or line is gone (exit 1) or that moved (a warning). Run it in CI
to keep hand-written tours honest.

examples:
  codetour tour check tours/minimal_ppo.md
  codetour tour check tours/minimal_ppo.md --update     (write the new line numbers back)
"""

PRINT_HELP = """\
Render a tour (or a tour generated from a trace) as rich text in the terminal,
or as Markdown for docs, with code excerpts and, given a trace, the values
observed at each stop.

examples:
  codetour tour print .codetour/train.*.ctrace
  codetour tour print tours/minimal_ppo.md --trace run.ctrace --markdown > TOUR.md
"""

USAGE = "codetour tour [options] (REPO | SCRIPT [ARGS...] | TRACE | TOUR [TRACE])\n       codetour tour {build,check,print} ..."


def add_parser(sub: Any) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "tour",
        help="record if needed, build or load a tour, and replay it",
        description=HELP,
        formatter_class=Formatter,
        usage=USAGE,
    )
    p.add_argument("--tour", metavar="TOUR", help="follow this tour file instead of a generated one")
    p.add_argument("--print", dest="print_only", action="store_true", help="print the tour instead of opening the replay")
    p.add_argument("--fresh", action="store_true", help="record again even if a recent trace of the same run can be reused")
    add_options(p)
    actions = p.add_subparsers(dest="action", metavar="{build,check,print}", parser_class=type(p))

    b = actions.add_parser(
        "build",
        prog="codetour tour build",
        help="generate a tour file from a trace",
        description=BUILD_HELP,
        formatter_class=Formatter,
    )
    b.add_argument("trace", metavar="TRACE")
    b.add_argument(
        "-o", "--output", metavar="PATH", help="tour file to write (default: REPO/.codetour/tours/NAME.md; - for stdout)"
    )
    b.add_argument("--force", action="store_true", help="replace the -o file even if it is not a tour")
    b.add_argument("--title", help="the tour's title")

    c = actions.add_parser(
        "check",
        prog="codetour tour check",
        help="report stops whose code moved or is gone",
        description=CHECK_HELP,
        formatter_class=Formatter,
    )
    c.add_argument("tour", metavar="TOUR")
    c.add_argument(
        "--repo", metavar="PATH", help="the repo to check against (default: the tour's repo: line, else the current folder)"
    )
    c.add_argument("--update", action="store_true", help="write the resolved line numbers back into the tour file")

    r = actions.add_parser(
        "print",
        prog="codetour tour print",
        help="render a tour as text or Markdown",
        description=PRINT_HELP,
        formatter_class=Formatter,
    )
    r.add_argument("source", metavar="TOUR|TRACE")
    r.add_argument("--trace", metavar="TRACE", help="a trace to take observed values and sources from")
    r.add_argument("--repo", metavar="PATH", help="the repo to read code from (without a trace)")
    r.add_argument("--markdown", action="store_true", help="Markdown instead of terminal output")
    return p


def actions_of(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:  # argparse keeps no public list of its actions
        if isinstance(action, argparse._SubParsersAction):
            return set(action.choices)
    return set()


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """`tour build|check|print ...` through the nested parsers; otherwise TARGET [ARGS]."""
    if argv and argv[0] in actions_of(parser):
        args, extra = parser.parse_known_args(argv)
        if extra:
            if args.action == "print" and len(extra) == 1 and not extra[0].startswith("-"):
                raise UsageError(f"`tour print` takes one TOUR|TRACE: give the trace with --trace {extra[0]}")
            raise UsageError(f"unrecognized arguments: {' '.join(extra)} (see `codetour tour {args.action} --help`)")
        return args
    line = split_command_line(parser, argv)
    args = parser.parse_args(line.own)
    args.target, args.args = line.target, line.args
    return args


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.action == "build":
        return cmd_build(args)
    if args.action == "check":
        return cmd_check(args)
    if args.action == "print":
        return cmd_print(args)
    return cmd_tour(args, parser)


def cmd_tour(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from codetour.store.reader import looks_like_trace
    from codetour.tour.find import find_tour_for_repo
    from codetour.tour.model import Tour, load_tour

    if not args.target:
        raise UsageError("name a repo, a script, a trace or a tour (see `codetour tour --help`)")
    target = Path(args.target)
    if not target.exists():
        raise InputError(f"no such file or directory: {target}")
    if not target.is_file() or looks_like_trace(target) or target.suffix == ".md":
        # Nothing takes these arguments: `codetour tour REPO --print` means codetour's --print.
        args.args = options_after_target(parser, args, list(args.args))
    tour: Tour | None = load_tour(args.tour) if args.tour else None
    if target.is_dir():
        tour = tour or find_tour_for_repo(target)
        if tour is not None and (tour.entry or tour.module) and not args.args:
            trace = _record_for_tour(tour, args)
        else:
            trace = _record_path(target, args)
    elif looks_like_trace(target):
        if args.args:
            raise UsageError(f"a trace takes no arguments: {' '.join(args.args)}")
        trace = target
    elif target.suffix == ".md":
        tour = load_tour(target)
        trace = Path(args.args[0]) if args.args else _record_for_tour(tour, args)
    else:
        if target.suffix not in (".py", ".pyw", ""):
            raise InputError(
                f"{target} is neither a codetour trace, a tour file (.md) nor a Python script",
                hint="name a repo folder, a .py script, a .ctrace trace or a .md tour",
            )
        trace = _record_path(target, args)
    return open_tour(trace, tour, print_only=args.print_only)


def _record(resolved: Any, args: argparse.Namespace) -> Path:
    from codetour.trace.recording import find_reusable, prune_old_traces, record_target

    if not args.fresh and args.output is None:
        reused = find_reusable(resolved, args.root)
        if reused is not None:
            note(f"reusing {esc(_shown(reused))}: the same run with unchanged sources (--fresh records again)")
            return reused
    with _target_output_apart():
        recording = record_target(
            resolved,
            output=args.output,
            root=args.root,
            force=args.force,
            redaction=not args.no_redact,
            around=status_line(),
            backend=args.backend,
            follow_children=args.follow_children,
        )
    report_problems(recording)
    if recording.result.exit_code != 0:
        warn(f"the recorded program exited with code {recording.result.exit_code}; the tour shows what ran until then")
    if args.output is None:
        removed = prune_old_traces(recording)
        if removed:
            note(
                f"removed {len(removed)} older trace(s) of {esc(recording.path.name.split('.')[0])} from {esc(_shown(recording.path.parent))}"
            )
    return recording.path


def _shown(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


@contextmanager
def _target_output_apart() -> Iterator[None]:
    """When the tour goes to a pipe or file, the recorded program's output goes to stderr, so
    `codetour tour REPO > tour.txt` holds the tour alone."""
    try:
        piped = not sys.stdout.isatty()
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        piped = False
    if not piped:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    os.dup2(sys.stderr.fileno(), fd)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, fd)
        os.close(saved)


def _record_for_tour(tour: Any, args: argparse.Namespace) -> Path:
    from codetour.trace.recording import Resolved
    from codetour.trace.runner import Target

    root = tour.repo_root()
    if root is None or not (tour.entry or tour.module):
        raise UsageError(f"{tour.path}: the tour does not say what to record (add 'repo:' and 'entry:' lines)")
    if not root.is_dir():
        raise InputError(f"{tour.path}: its repo folder {root} does not exist (fix the 'repo:' line)")
    if tour.module:
        target = Target(module=tour.module, args=tour.args)
    else:
        script = root / tour.entry
        if not script.is_file():
            raise InputError(f"{tour.path}: its entry {tour.entry} is not in {root} (fix the 'entry:' line)")
        target = Target(script=script, args=tour.args, argv0=str(script))
    what = " ".join([tour.entry or "-m " + str(tour.module), *tour.args])
    note(f"recording [bold]{esc(what)}[/] for the tour [bold]{esc(tour.title)}[/]")
    saved = os.getcwd()
    os.chdir(root)  # run where a user would run the entry
    try:
        return _record(Resolved(target, root, root=root), args).resolve()
    finally:
        os.chdir(saved)


def _record_path(target: Path, args: argparse.Namespace) -> Path:
    """Record a script (or a folder's primary train entry) as `codetour trace` would."""
    from codetour.trace.recording import resolve_target

    resolved = resolve_target(str(target), list(args.args))
    for line in resolved.notes:
        note(esc(line))
    return _record(resolved, args)


def open_tour(trace: Path, tour: Any, print_only: bool = False) -> int:
    from codetour.store.processes import primary_trace
    from codetour.store.reader import TraceReader
    from codetour.tour.build import build_tour
    from codetour.tour.render import print_rich

    with TraceReader(primary_trace(trace)) as reader:  # a launcher's run: its rank 0
        tour = tour or build_tour(reader)
        interactive = sys.stdout.isatty() and sys.stdin.isatty() and not print_only
        if not interactive:  # the replay app reports changed sources itself
            warn_if_incomplete(reader)
            stale = reader.stale_files()
            if stale:
                warn(f"{len(stale)} source file(s) changed since recording; showing the recorded snapshot")
            print_rich(tour, reader)
            note(f"trace: {esc(trace)}")
            note_processes(reader)
            return 0
    from codetour.tui.app import run_replay

    return run_replay(trace, tour)


def note_processes(reader: Any) -> None:
    """One line naming the run's processes when its children were traced (#18), and one per
    shard that could not be read."""
    from codetour.store.processes import run_around

    found = run_around(reader)
    if found is None:
        return
    run, _origin = found
    with run:
        for problem in run.problems:
            warn(f"{run.path}: {problem}")
        line = run.summary()
    if line:
        note(esc(line) + "; `codetour tour TRACE` replays each one (p: process list)")


def warn_if_incomplete(reader: Any) -> None:
    reason = reader.incomplete
    if reason:
        warn(f"{reader.path}: {reason}")


def cmd_build(args: argparse.Namespace) -> int:
    from codetour.outputs import check_output
    from codetour.store.processes import primary_trace
    from codetour.store.reader import TraceReader
    from codetour.tour.build import build_tour
    from codetour.tour.model import format_tour, save_tour

    with TraceReader(primary_trace(args.trace)) as reader:  # a launcher's run: its rank 0
        warn_if_incomplete(reader)
        tour = build_tour(reader, title=args.title)
        root = Path(reader.meta.get("root") or ".")
    if args.output == "-":
        sys.stdout.write(format_tour(tour))
        return 0
    name = Path(args.trace).name.split(".")[0]
    path = Path(args.output) if args.output else root / ".codetour" / "tours" / f"{name}.md"
    check_output(path, what="codetour tour", force=args.force, accept=_is_tour_file)
    tour.repo = _relative(root, path.parent)
    save_tour(tour, path)
    note(f"wrote a tour of {len(tour.stops)} stops to [bold]{esc(path)}[/]")
    for i, stop in enumerate(tour.stops, 1):
        err.print(f"  {i:>2}. [cyan]{esc(stop.phase or ''):<16}[/] {esc(stop.at)}")
    return 0


def _is_tour_file(path: Path) -> bool:
    """A Markdown file that parses as a tour with anchored stops (a README with headings is not one)."""
    from codetour.outputs import head
    from codetour.tour.model import load_tour

    start = head(path)
    generated = b"Generated by codetour" in start
    if path.suffix != ".md" or not (generated or b"\nat: " in start):
        return False
    try:
        return generated or bool(load_tour(path).stops)
    except Exception:
        return False


def _relative(root: Path, folder: Path) -> str:
    try:
        return os.path.relpath(root.resolve(), folder.resolve())
    except ValueError:
        return str(root.resolve())


def cmd_check(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    from codetour.tour.model import load_tour, save_tour, with_lines
    from codetour.tour.resolve import BROKEN, MOVED, check_tour

    tour = load_tour(args.tour)
    root = Path(args.repo) if args.repo else (tour.repo_root() or Path.cwd())
    if not root.is_dir():
        raise InputError(f"repo folder not found: {root}")
    results = check_tour(tour, root)
    table = Table(title=Text(f"{tour.title} · {args.tour} against {root}"), title_justify="left", show_lines=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("stop")
    table.add_column("anchor", style="cyan")
    table.add_column("where")
    table.add_column("status")
    style = {"ok": "green", MOVED: "yellow"}
    for i, r in enumerate(results, 1):
        where = f"{r.file}:{r.line}" if r.file else "-"
        status = Text(r.status, style=style.get(r.status, "red"))
        if r.message:  # "moved from line 45 to 47" already says "moved"
            status = (
                Text(r.message, style=style.get(r.status, "red")) if r.message.startswith(r.status) else status + f" {r.message}"
            )
        table.add_row(
            str(i), Text(r.stop.title), Text(r.stop.at + (f" / {r.stop.match}" if r.stop.match else "")), Text(where), status
        )
    out.print(table)
    broken = [r for r in results if r.status in BROKEN]
    moved = [r for r in results if r.status == MOVED]
    if args.update and not broken:
        save_tour(with_lines(tour, [r.line for r in results]), args.tour)
        note(f"updated line numbers in {esc(args.tour)}")
    summary = f"{len(results) - len(broken) - len(moved)} ok, {len(moved)} moved, {len(broken)} broken"
    if broken:
        err.print(f"[bold red]codetour:[/] tour check failed: {summary}")
        return 1
    err.print(f"[green]codetour:[/] {summary}")
    return 0


def cmd_print(args: argparse.Namespace) -> int:
    from codetour.store.processes import primary_trace
    from codetour.store.reader import TraceReader, looks_like_trace
    from codetour.tour.build import build_tour
    from codetour.tour.model import load_tour
    from codetour.tour.render import print_rich, to_markdown

    source = Path(args.source)
    if not source.exists():
        raise InputError(f"no such file: {source}")
    reader = None
    try:
        if looks_like_trace(source):
            reader = TraceReader(primary_trace(source))  # a launcher's run: its rank 0
            tour = build_tour(reader)
        else:
            tour = load_tour(source)
            if args.trace:
                reader = TraceReader(args.trace)
        if reader is not None:
            warn_if_incomplete(reader)
        root = Path(args.repo) if args.repo else tour.repo_root()
        if args.markdown:
            sys.stdout.write(to_markdown(tour, reader, root))
        else:
            print_rich(tour, reader, root)
        if reader is not None:
            note_processes(reader)
    finally:
        if reader is not None:
            reader.close()
    return 0
