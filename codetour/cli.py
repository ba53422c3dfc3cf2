"""The ``codetour`` command: parse, call the library, print.

Heavy or optional pieces (the TUI, networkx, debugpy) are imported lazily inside
the command that needs them, so ``codetour --help`` and ``codetour trace`` start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from codetour import __version__
from codetour.console import err, fail, note, out, stderr_is_tty, warn
from codetour.errors import CodetourError, InputError, UsageError
from codetour.units import duration

MAIN_HELP = """\
codetour: find where to start in an ML repo, record what it really does, and tour it.

  codetour discover REPO             ranked entry points (train / eval / infer / data), with reasons
  codetour trace SCRIPT [ARGS...]    run it for real under a recorder -> .codetour/NAME.TIME.ctrace
  codetour trace -m MODULE [ARGS]    the same for `python -m MODULE ARGS`
  codetour tour REPO|SCRIPT|TRACE    record if needed, build or load a tour, replay it
  codetour tour build|check|print    make a tour from a trace; keep tours honest; render it
  codetour export TRACE -f FORMAT    maps: dot svg png graphml json mermaid html codetour chrome
  codetour debug TRACE --stop K      the same program live under debugpy, paused at stop K

Start here:
  codetour discover sample_repos/minimal_ppo
  codetour tour sample_repos/minimal_ppo
  codetour export .codetour/train.*.ctrace -f html -o map.html
"""

TRACE_HELP = """\
Run SCRIPT exactly as `python SCRIPT ARGS...` would (same sys.argv, __name__,
sys.path[0], working directory, output and exit code) while recording what
happened into one trace file. Everything after SCRIPT (or -m MODULE) goes to the
target untouched, so codetour can be put in front of any existing command line.

What is recorded: calls, lines, returns and exceptions of the repo's own code
(not the standard library or site-packages), argument and local values as safe
summaries (shapes, dtypes, devices, lengths; secrets redacted), and timings.
Each function's first --calls activations and each loop's first --iterations
iterations keep full line detail; after that calls are only counted and timed,
so the call graph stays exact while the file stays small.

If SCRIPT is a directory, codetour discovers its primary train entry and runs that.

examples:
  codetour trace train.py --epochs 1
  codetour trace -m mypkg.train --config small.yaml
  codetour trace --full -o run.ctrace eval.py --checkpoint ckpt.npz
  codetour trace sample_repos/torch_classifier     (uses main.py --mode train)
"""

DISCOVER_HELP = """\
Scan a repository without importing or running any of it, and list the
runnable entry points ranked by how likely each is to be what a newcomer wants,
with a role (train, eval, infer, data, other), a confidence and the reasons.

Signals combined: __main__ guards, script-style module code, CLI frameworks
(argparse, click, typer, fire, tyro, absl, hydra, jsonargparse, Lightning CLI)
and their options, ML operations in the file and in the repo modules it
imports, file and folder names, console scripts, and commands written in
READMEs, Makefiles, shell scripts and CI files.

exit codes: 0 found, 3 bad path (missing, a file, no Python files), 4 no entry points.

examples:
  codetour discover .
  codetour discover ~/src/detectron2 --all
  codetour discover . --json | jq .primary
"""


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="codetour", description=MAIN_HELP, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"codetour {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    d = sub.add_parser(
        "discover", help="find and rank the entry points of a repo", description=DISCOVER_HELP, formatter_class=_Formatter
    )
    d.add_argument("path", metavar="REPO", help="repository folder to scan")
    d.add_argument("--json", action="store_true", help="machine-readable output (schema codetour.discover/1)")
    d.add_argument("--all", action="store_true", help="show every candidate, not just the top 15")

    t = sub.add_parser(
        "trace",
        help="run a script under the recorder",
        description=TRACE_HELP,
        formatter_class=_Formatter,
        usage="codetour trace [options] (SCRIPT | -m MODULE | REPO) [ARGS...]",
    )
    t.add_argument("-m", dest="module", metavar="MODULE", help="run a module, like python -m MODULE")
    t.add_argument("-o", "--output", metavar="PATH", help="trace file to write (default: REPO/.codetour/NAME.TIME.ctrace)")
    t.add_argument(
        "--root",
        metavar="DIR",
        help="what counts as the repo's own code (default: nearest folder with .git, pyproject.toml, setup.py, requirements.txt...)",
    )
    t.add_argument("--include", action="append", default=[], metavar="GLOB", help="also record files matching GLOB (repeatable)")
    t.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="do not record repo files matching GLOB, relative to the root (repeatable)",
    )
    t.add_argument("--library-calls", action="store_true", help="record library functions too, at call level (no lines)")
    t.add_argument("--calls", type=int, default=5, metavar="N", help="activations per function kept in full detail (default: 5)")
    t.add_argument("--iterations", type=int, default=3, metavar="N", help="iterations per loop kept in full detail (default: 3)")
    t.add_argument("--full", action="store_true", help="no budgets: keep every call and iteration in full detail")
    t.add_argument("-q", "--quiet", action="store_true", help="print only the trace path")
    t.add_argument("target", nargs="?", metavar="SCRIPT", help=argparse.SUPPRESS)
    t.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    e = sub.add_parser(
        "export", help="export the call graph or timeline to other tools", description=EXPORT_HELP, formatter_class=_Formatter
    )
    e.add_argument("trace", metavar="TRACE", help="a .ctrace file written by `codetour trace`")
    e.add_argument(
        "-f",
        "--format",
        dest="fmt",
        metavar="FORMAT",
        help="dot, svg, png, graphml, json, mermaid, html, codetour, chrome (default: from -o's suffix)",
    )
    e.add_argument("-o", "--output", metavar="PATH", help="file to write (default: stdout; .tours/NAME.tour for codetour)")
    e.add_argument("--collapse", choices=["module", "file"], help="one node per module or per file")
    e.add_argument("--depth", type=int, metavar="N", help="only functions within N calls of the entry")
    e.add_argument("--min-calls", type=int, default=0, metavar="N", help="drop functions called fewer than N times")
    e.add_argument(
        "--min-time", type=float, default=0.0, metavar="MS", help="drop functions with less than MS milliseconds in total"
    )
    e.add_argument("--no-library", action="store_true", help="leave out library functions recorded with --library-calls")
    e.add_argument("--tour", metavar="TOUR", help="with -f codetour: export this tour file instead of a generated one")

    tour_p = sub.add_parser(
        "tour",
        help="record if needed, build or load a tour, and replay it",
        description=TOUR_HELP,
        formatter_class=_Formatter,
        usage="codetour tour [options] (REPO | SCRIPT [ARGS...] | TRACE | TOUR [TRACE])\n       codetour tour {build,check,print} ...",
    )
    tour_p.add_argument("--tour", metavar="TOUR", help="follow this tour file instead of a generated one")
    tour_p.add_argument("-o", "--output", metavar="PATH", help="where to write the trace, when one is recorded")
    tour_p.add_argument("--print", dest="print_only", action="store_true", help="print the tour instead of opening the replay")
    tour_p.add_argument("target", nargs="?", metavar="TARGET", help=argparse.SUPPRESS)
    tour_p.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    tb = sub.add_parser(
        "tour-build",
        prog="codetour tour build",
        description="Generate a tour from a recorded trace: one stop per phase of the run (config, data, model, training loop, forward, loss, update, evaluation, checkpoint), narrated from what the trace shows.",
        formatter_class=_Formatter,
    )
    tb.add_argument("trace", metavar="TRACE")
    tb.add_argument(
        "-o", "--output", metavar="PATH", help="tour file to write (default: REPO/.codetour/tours/NAME.md; - for stdout)"
    )
    tb.add_argument("--title", help="the tour's title")
    tc = sub.add_parser(
        "tour-check",
        prog="codetour tour check",
        description="Check that every stop of a tour still resolves against the code: reports stops whose function or line is gone (exit 1) or moved (a warning). Use it in CI to keep tours honest.",
        formatter_class=_Formatter,
    )
    tc.add_argument("tour", metavar="TOUR")
    tc.add_argument(
        "--repo", metavar="PATH", help="the repo to check against (default: the tour's repo: line, else the current folder)"
    )
    tc.add_argument("--update", action="store_true", help="write the resolved line numbers back into the tour file")
    tpr = sub.add_parser(
        "tour-print",
        prog="codetour tour print",
        description="Render a tour (or a tour generated from a trace) as rich text in the terminal, or as Markdown for docs, with code excerpts and, given a trace, the values observed at each stop.",
        formatter_class=_Formatter,
    )
    tpr.add_argument("source", metavar="TOUR|TRACE")
    tpr.add_argument("--trace", metavar="TRACE", help="a trace to take observed values and sources from")
    tpr.add_argument("--repo", metavar="PATH", help="the repo to read code from (without a trace)")
    tpr.add_argument("--markdown", action="store_true", help="Markdown instead of terminal output")

    from codetour.debug_cli import DEBUG_HELP

    dbg = sub.add_parser(
        "debug",
        help="run the same program live under debugpy, paused at a recorded step",
        description=DEBUG_HELP,
        formatter_class=_Formatter,
        usage="codetour debug [options] (TRACE | SCRIPT [ARGS...])",
    )
    dbg.add_argument("--stop", type=int, metavar="K", help="pause at tour stop K (default: 1)")
    dbg.add_argument("--at", metavar="FILE:LINE[:HIT]", help="pause at this line, the HIT-th time it runs")
    dbg.add_argument("--tour", metavar="TOUR", help="the tour whose stops --stop counts (default: one generated from the trace)")
    dbg.add_argument("--listen", metavar="[HOST:]PORT", help="wait for VS Code or another DAP client on this port instead")
    dbg.add_argument(
        "--write-launch", action="store_true", help="with --listen: add the attach configuration to .vscode/launch.json"
    )
    dbg.add_argument(
        "--timeout", type=float, default=20.0, metavar="S", help="seconds to wait for the debugger to start (default: 20)"
    )
    dbg.add_argument("target", nargs="?", metavar="TARGET", help=argparse.SUPPRESS)
    dbg.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


EXPORT_HELP = """\
Turn a trace into a map you can open elsewhere. The call graph (a node per
function, an edge per caller -> callee, exact counts and times) goes to:

  dot       Graphviz DOT, clustered by file          svg, png  rendered by Graphviz's dot
  graphml   Gephi / yEd, typed attributes            json      networkx node-link JSON
  mermaid   a flowchart that renders on GitHub       html      one self-contained interactive page
  codetour  a VS Code CodeTour .tour (a tour of the run, in .tours/)
  chrome    the recorded timeline as Chrome Trace Event JSON (Perfetto, speedscope)

examples:
  codetour export run.ctrace -f html -o callgraph.html
  codetour export run.ctrace -f mermaid --collapse module >> README.md
  codetour export run.ctrace -f dot --depth 3 --min-calls 2 | dot -Tpng > map.png
  codetour export run.ctrace -f codetour          (writes .tours/NAME.tour for VS Code)
"""

TOUR_HELP = """\
A guided tour of a recorded run: ordered stops (config, data, model, training
loop, forward, loss, update, evaluation, checkpoint) with narration, replayed
step by step. TARGET may be:

  REPO           a hand-written tour for it (REPO/.codetour/tours/, or tours/ beside
                 it) says what to record; otherwise its primary train entry is traced
  SCRIPT ARGS    record `python SCRIPT ARGS`, generate a tour, replay it
  TRACE          replay an existing .ctrace with a generated tour (or --tour FILE)
  TOUR [TRACE]   follow a tour file, recording what it names if no trace is given

When the output is not a terminal, the tour is printed instead of replayed.

subcommands:
  codetour tour build TRACE [-o TOUR]     generate a tour file from a trace
  codetour tour check TOUR [--repo PATH]  report stops whose code moved or is gone
  codetour tour print TOUR|TRACE [--markdown] [--trace TRACE]

examples:
  codetour tour sample_repos/minimal_ppo
  codetour tour train.py --epochs 1
  codetour tour check tours/minimal_ppo.md
"""

# Options of `trace` that take a value: needed to find where codetour's own options end.
_TRACE_VALUE_OPTIONS = {"-o", "--output", "--root", "--include", "--exclude", "--calls", "--iterations"}


def _split_trace_argv(argv: list[str], value_options: set[str] | None = None) -> tuple[list[str], list[str]]:
    """Split `trace` arguments into codetour's options and the target's command line.

    The target starts at the first non-option word or at `-m MODULE`; everything from
    there on belongs to the target, untouched (as with `coverage run`).
    """
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return argv[:i], argv[i + 1 :]
        if word == "-m" and value_options is None:
            return argv[: i + 2], argv[i + 2 :]
        if word.startswith("-m") and len(word) > 2 and not word.startswith("--") and value_options is None:
            return argv[: i + 1], argv[i + 1 :]
        if not word.startswith("-") or word == "-":
            return argv[:i], argv[i:]
        if word in (value_options if value_options is not None else _TRACE_VALUE_OPTIONS):
            i += 2
            continue
        i += 1
    return argv, []


def _looks_like_trace(path: str) -> bool:
    from codetour.tour_cli import _is_trace

    return Path(path).is_file() and _is_trace(Path(path))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _dispatch(argv)
    except CodetourError as exc:
        fail(exc.format())
        return exc.exit_code
    except KeyboardInterrupt:
        fail("interrupted")
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug in codetour: one line, the traceback only on request
        if os.environ.get("CODETOUR_DEBUG"):
            raise
        fail(f"internal error: {type(exc).__name__}: {exc} (set CODETOUR_DEBUG=1 for the traceback, and please report it)")
        return 70


def _dispatch(argv: list[str]) -> int:
    parser = build_parser()
    if argv and argv[0] == "tour" and len(argv) > 1 and argv[1] in ("build", "check", "print"):
        args = parser.parse_args([f"tour-{argv[1]}", *argv[2:]])
        from codetour import tour_cli

        return {"build": tour_cli.cmd_build, "check": tour_cli.cmd_check, "print": tour_cli.cmd_print}[argv[1]](args)
    if argv and argv[0] == "tour":
        own, target_argv = _split_trace_argv(argv[1:], value_options={"--tour", "-o", "--output"})
        args = parser.parse_args(["tour", *own])
        if target_argv:
            args.target, args.args = target_argv[0], target_argv[1:]
        from codetour import tour_cli

        return tour_cli.cmd_tour(args)
    if argv and argv[0] == "debug":
        own, target_argv = _split_trace_argv(argv[1:], value_options={"--stop", "--at", "--tour", "--listen", "--timeout"})
        if target_argv and _looks_like_trace(target_argv[0]):
            # A trace has no arguments of its own: options may come after it.
            args = parser.parse_args(["debug", *own, *target_argv[1:], target_argv[0]])
            args.args = []
        else:
            args = parser.parse_args(["debug", *own])
            if target_argv:
                args.target, args.args = target_argv[0], target_argv[1:]
        from codetour.debug_cli import cmd_debug

        return cmd_debug(args)
    if argv and argv[0] == "trace":
        own, target_argv = _split_trace_argv(argv[1:])
        args = parser.parse_args(["trace", *own])
        if args.module:
            args.target, args.args = None, target_argv
        elif target_argv:
            args.target, args.args = target_argv[0], target_argv[1:]
        return cmd_trace(args)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "discover":
        return cmd_discover(args)
    if args.command == "export":
        from codetour.export_cli import cmd_export

        return cmd_export(args)
    raise UsageError(f"unknown command {args.command!r}")


# --------------------------------------------------------------------------- discover
def cmd_discover(args: argparse.Namespace) -> int:
    from codetour.discover import discover
    from codetour.errors import NoEntryPointError

    result = discover(args.path)
    for path in result.unreadable:
        warn(f"skipped unreadable {path}")
    if args.json:
        out.print_json(json.dumps(result.to_json()))
    else:
        _print_discovery(result, show_all=args.all)
    if not result.entries:
        raise NoEntryPointError(f"no entry points found in {result.root} ({result.files_scanned} Python files scanned)")
    return 0


def _print_discovery(result, show_all: bool) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Entry points in {result.root}", title_justify="left", expand=False, show_lines=True)
    table.add_column("#", justify="right", style="dim")
    table.add_column("entry", style="bold cyan", no_wrap=True)
    table.add_column("role", no_wrap=True)
    table.add_column("conf.", justify="right")
    table.add_column("why", ratio=1)
    role_style = {"train": "green", "eval": "magenta", "infer": "blue", "data": "yellow", "other": "dim"}
    shown = result.entries if show_all else result.entries[:15]
    for i, e in enumerate(shown, 1):
        roles = Text(" ".join(e.roles))
        roles.stylize(role_style.get(e.role, ""))
        marks = [r for r in ("train", "eval") if result.primary.get(r) == e.path]
        entry = Text(e.path)
        if marks:
            entry.append(f"\n★ primary {' & '.join(marks)}", style="bold yellow")
        table.add_row(str(i), entry, roles, f"{e.confidence:.0%}", "\n".join(f"• {r}" for r in e.reasons))
    out.print(table)
    for role in ("train", "eval"):
        entry = result.primary_entry(role)
        if entry:
            cmd = " ".join(["python", entry.path, *entry.args_for(role)])
            out.print(f"[bold]{role:>5}:[/] {cmd}")
        else:
            out.print(f"[bold]{role:>5}:[/] [dim]no clear {role} entry point[/]")
    skipped = []
    if result.parse_failures:
        skipped.append(f"{len(result.parse_failures)} did not parse")
    if result.too_large:
        skipped.append(f"{len(result.too_large)} too large")
    hidden = len(result.entries) - len(shown)
    tail = f"{result.files_scanned} Python files in {result.seconds:.2f}s"
    if skipped:
        tail += f"; skipped: {', '.join(skipped)}"
    if hidden > 0:
        tail += f"; {hidden} more with --all"
    out.print(f"[dim]{tail}[/]")


# --------------------------------------------------------------------------- trace
def _resolve_trace_target(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from codetour.trace.runner import Target

    if args.module:
        return Target(module=args.module, args=list(args.args)), Path.cwd()
    if not args.target:
        raise UsageError("nothing to trace: name a script, -m MODULE, or a repo folder (see `codetour trace --help`)")
    path = Path(args.target)
    if path.is_dir():
        from codetour.discover import discover
        from codetour.errors import NoEntryPointError

        result = discover(path)
        entry = result.primary_entry("train") or (result.entries[0] if result.entries else None)
        if entry is None:
            raise NoEntryPointError(f"no entry point found in {path}", hint="name the script to run")
        script = result.root / entry.path
        extra = list(args.args) if args.args else entry.args_for("train" if "train" in entry.roles else entry.role)
        note(
            f"{path} is a folder: tracing its primary {'train' if 'train' in entry.roles else entry.role} entry "
            f"[bold]{entry.path}[/] {' '.join(extra)}"
        )
        if not args.args:
            note("that is its default run, which may be long: arguments after the folder go to the entry (e.g. --epochs 1)")
        return Target(script=script, args=extra, argv0=str(script)), script.parent
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.suffix not in (".py", ".pyw", ""):
        raise InputError(f"{path} is not a Python file", hint="name a .py script or use -m MODULE")
    return Target(script=path, args=list(args.args), argv0=args.target), path.parent


def default_trace_path(root: Path, name: str) -> Path:
    from codetour.store.schema import FILE_SUFFIX

    stamp = time.strftime("%Y%m%d-%H%M%S")
    return root / ".codetour" / f"{name}.{stamp}{FILE_SUFFIX}"


def cmd_trace(args: argparse.Namespace) -> int:
    for flag in ("calls", "iterations"):
        if getattr(args, flag) < 1:
            raise UsageError(f"--{flag} must be at least 1")
    target, where = _resolve_trace_target(args)
    output, recorder, result = record_target(
        target,
        where,
        output=args.output,
        root=args.root,
        full=args.full,
        calls=args.calls,
        iterations=args.iterations,
        include=args.include,
        exclude=args.exclude,
        library_calls=args.library_calls,
        quiet=args.quiet,
    )
    if args.quiet:
        err.print(str(output))
    else:
        _print_trace_summary(output, recorder, result)
    return result.exit_code


def record_target(  # type: ignore[no-untyped-def]
    target,
    where: Path,
    *,
    output: str | None = None,
    root: str | None = None,
    full: bool = False,
    calls: int = 5,
    iterations: int = 3,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
    library_calls: bool = False,
    quiet: bool = False,
    status_line: bool | None = None,
):
    """Record ``target`` into a trace file; returns (path, recorder, result).

    ``quiet`` is about the end-of-run summary (the caller prints it); the live status line shows
    on a terminal unless ``status_line`` says otherwise (default: not when quiet).
    """
    from codetour.store.writer import TraceWriter
    from codetour.trace.recorder import Budgets, Recorder
    from codetour.trace.runner import load_script, record
    from codetour.trace.scope import Scope, find_repo_root

    if target.script is not None:
        load_script(target.script)  # missing file, binary, syntax error: fail before creating anything
    root_path = Path(root).resolve() if root else find_repo_root(where)
    if root and not root_path.is_dir():
        raise InputError(f"--root {root} is not a directory")
    name = target.script.stem if target.script else (target.module or "module").rsplit(".", 1)[-1]
    out_path = Path(output) if output else default_trace_path(root_path, name)
    budgets = Budgets(calls=None, iterations=None) if full else Budgets(calls=calls, iterations=iterations)
    scope = Scope(root_path, include=include or [], exclude=exclude or [], library_calls=library_calls)
    recorder = Recorder(TraceWriter(out_path), scope, budgets)
    show_status = (not quiet) if status_line is None else status_line
    status = _StatusLine(recorder) if stderr_is_tty() and show_status else None
    if status:
        status.start()
    try:
        result = record(target, recorder)
    finally:
        if status:
            status.stop()
    return out_path, recorder, result


class _StatusLine:
    """A live 'elapsed · events' line on stderr while a long run goes on (TTY only)."""

    def __init__(self, recorder) -> None:  # type: ignore[no-untyped-def]
        self.recorder = recorder
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, name="codetour-status", daemon=True)
        self.shown = False

    def start(self) -> None:
        self.started = time.monotonic()
        self.thread.start()  # started before the tracer is installed: never traced

    def _run(self) -> None:
        while not self.done.wait(0.5):
            elapsed = time.monotonic() - self.started
            if elapsed < 2.0:
                continue
            events = self.recorder.pending_events
            sys.stderr.write(f"\r\x1b[2K\x1b[2m⏺ codetour · {elapsed:5.1f}s · {events:,} events\x1b[0m\r")
            sys.stderr.flush()
            self.shown = True

    def stop(self) -> None:
        self.done.set()
        self.thread.join(timeout=2)
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def _print_trace_summary(output: Path, recorder, result) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    funcs = [f for f in recorder.function_summary() if f["calls"]]
    files = {f["file_id"] for f in funcs}
    status = {
        "ok": "[green]exited normally (0)[/]",
        "exit": f"[yellow]called sys.exit({result.exit_code})[/]" if result.exit_code else "[green]exited via sys.exit(0)[/]",
        "exception": f"[red]crashed: {result.exception['type'] if result.exception else '?'}[/]",
        "interrupted": "[red]interrupted (Ctrl-C)[/]",
    }[result.status]
    try:
        rel = os.path.relpath(output)
    except ValueError:
        rel = str(output)
    err.print()
    err.print(f"[bold]codetour:[/] trace written to [bold cyan]{rel}[/]")
    err.print(
        f"  {status} · {result.wall_s:.2f}s · {recorder.events_recorded:,} events · "
        f"{len(funcs)} functions in {len(files)} files · {sum(f['calls'] for f in funcs):,} calls"
    )
    if recorder.displaced_by:
        warn(f"the target replaced codetour's trace function ({recorder.displaced_by}); events after that point are missing")
    if recorder.previous_trace is not None:
        warn(
            "another trace function (a debugger or coverage) was active; codetour replaced it during the run and restored it after"
        )
    if not funcs:
        warn(f"no code under {recorder.scope.root} ran; check --root/--include")
        return
    table = Table(box=None, pad_edge=False, show_header=True, header_style="dim")
    table.add_column("top by calls", style="cyan")
    table.add_column("calls", justify="right")
    table.add_column("  top by self time", style="cyan")
    table.add_column("self", justify="right")
    by_calls = sorted(funcs, key=lambda f: -f["calls"])[:5]
    by_time = sorted(funcs, key=lambda f: -f["self_ns"])[:5]
    for a, b in zip(by_calls, by_time):
        table.add_row(a["qualname"], f"{a['calls']:,}", f"  {b['qualname']}", duration(b["self_ns"]))
    err.print(table)
