"""`codetour trace SCRIPT [ARGS...]`: run it for real under the recorder, into one trace file."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from codetour.cli.common import TARGET_RULE, Formatter, Parser, split_command_line
from codetour.console import err, esc, note, stderr_is_tty, warn
from codetour.errors import UsageError
from codetour.units import duration

HELP = f"""\
Run SCRIPT exactly as `python SCRIPT ARGS...` would (same sys.argv, __name__,
sys.path[0], working directory, output and exit code) while recording what
happened into one trace file.

What is recorded: calls, lines, returns and exceptions of the repo's own code
(not the standard library or site-packages), argument and local values as safe
summaries (shapes, dtypes, devices, lengths), and timings. Secrets are redacted
before anything is written: values under secret-looking names, values of
secret-named environment variables and --token-like flags wherever they appear,
and token shapes (sk-, ghp_, Bearer, JWT, AWS keys, private keys) inside strings.
Each function's first --calls activations and each loop's first --iterations
iterations keep full line detail; after that calls are only counted and timed,
so the call graph stays exact while the file stays small.

If SCRIPT is a directory, codetour discovers its primary train entry and runs
that; arguments after the folder are added to the entry's mode flag (main.py
--mode train --epochs 1). The trace is written as it goes: a run that is killed
still leaves a readable trace up to its last flush (twice a second). An existing
file at -o PATH is replaced only if it is an earlier trace (or with --force).

Processes the program starts are recorded too (--no-follow-children to
skip them): forked children and DataLoader/multiprocessing workers, spawned
interpreters, `subprocess` children running Python, and torchrun ranks. Each
writes its own trace beside the main one, OUT.d/<pid>.ctrace, with its pid,
parent, rank and role; at most --workers-in-full identical workers per parent
are recorded, the others only listed. A launcher on PATH runs as from the
shell: `codetour trace torchrun --standalone --nproc-per-node 2 train.py`
(or -m torch.distributed.run) records every rank of train.py's repo.

{TARGET_RULE}

examples:
  codetour trace train.py --epochs 1
  codetour trace -m mypkg.train --config small.yaml
  codetour trace --full -o run.ctrace eval.py --checkpoint ckpt.npz
  codetour trace sample_repos/torch_classifier --epochs 1
  codetour trace torchrun --standalone --nproc-per-node 2 sample_repos/ddp_tiny/train.py
"""

USAGE = "codetour trace [options] (SCRIPT | -m MODULE | REPO) [ARGS...]"


def add_options(t: argparse.ArgumentParser) -> None:
    """The recording options, shared by `trace` and by `tour` when it records."""
    t.add_argument("-o", "--output", metavar="PATH", help="trace file to write (default: REPO/.codetour/NAME.TIME.ctrace)")
    t.add_argument("--force", action="store_true", help="replace the -o file even if it is not an earlier trace")
    t.add_argument(
        "--root",
        metavar="DIR",
        help="what counts as the repo's own code (default: nearest folder with .git, pyproject.toml, setup.py, requirements.txt...)",
    )
    t.add_argument("--no-redact", action="store_true", help="store values exactly as summarised, secrets included")
    t.add_argument(
        "--backend",
        choices=("auto", "settrace", "monitoring"),
        help="how events are collected: sys.settrace, or sys.monitoring on Python 3.12+ (default: auto, or $CODETOUR_BACKEND)",
    )
    t.add_argument(
        "--follow-children",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also record the processes the program starts (forked, spawned, subprocess, torchrun ranks)"
        " into OUT.d/<pid>.ctrace (default: on)",
    )


def add_parser(sub: Any) -> argparse.ArgumentParser:
    t = sub.add_parser("trace", help="run a script under the recorder", description=HELP, formatter_class=Formatter, usage=USAGE)
    t.add_argument("-m", dest="module", metavar="MODULE", help="run a module, like python -m MODULE (ends codetour's options)")
    add_options(t)
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
    t.add_argument(
        "--workers-in-full",
        type=int,
        default=2,
        metavar="N",
        help="identical worker processes recorded per parent; the others are only listed (default: 2)",
    )
    t.add_argument("-q", "--quiet", action="store_true", help="print only the trace path")
    return t


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    line = split_command_line(parser, argv, module_option="-m")
    args = parser.parse_args(line.own)
    args.module = line.target if line.module else None
    args.target = None if line.module else line.target
    args.args = line.args
    return args


def run(args: argparse.Namespace) -> int:
    from codetour.trace.recorder import Budgets
    from codetour.trace.recording import record_target, resolve_target

    for flag in ("calls", "iterations"):
        if getattr(args, flag) < 1:
            raise UsageError(f"--{flag} must be at least 1")
    if args.workers_in_full < 0:
        raise UsageError("--workers-in-full must be 0 or more")
    resolved = resolve_target(args.target, args.args, args.module)
    if not args.quiet:
        for line in resolved.notes:
            note(esc(line))
    budgets = Budgets(calls=None, iterations=None) if args.full else Budgets(calls=args.calls, iterations=args.iterations)
    recording = record_target(
        resolved,
        output=args.output,
        root=args.root,
        budgets=budgets,
        include=args.include,
        exclude=args.exclude,
        library_calls=args.library_calls,
        force=args.force,
        redaction=not args.no_redact,
        around=status_line(show=not args.quiet),
        backend=args.backend,
        follow_children=args.follow_children,
        workers_in_full=args.workers_in_full,
    )
    if args.quiet:
        print(recording.path, file=sys.stderr)  # plain: importing rich for one line would cost every -q run
    else:
        print_summary(recording)
    report_problems(recording)
    return recording.result.exit_code


def report_problems(recording: Any) -> None:
    """What the user must know about a recording, in one line each (even with -q)."""
    recorder = recording.recorder
    if recording.backend_note:
        warn(recording.backend_note)
    if recorder.failed:
        warn(
            f"recording failed ({recorder.failed}); the trace keeps the {recorder.events_recorded:,} events written"
            " before that, and the program ran on untraced"
        )
    outside = recording.outside_root
    if outside:
        common = os.path.commonpath([str(recorder.scope.root), *outside])
        shown = os.path.relpath(outside[0])
        more = f" and {len(outside) - 1} more" if len(outside) > 1 else ""
        warn(f"code outside {recorder.scope.root} ran and was not recorded: {shown}{more} (add --root {common} to include it)")


@contextmanager
def _no_status(recorder: Any) -> Iterator[None]:
    yield


def status_line(show: bool = True) -> Any:
    """A live 'elapsed · events' line on stderr while a long run goes on (terminal only; drawn as often
    as the recorder's flusher writes, every ``flush_seconds``)."""
    if not (show and stderr_is_tty()):
        return _no_status

    @contextmanager
    def around(recorder: Any) -> Iterator[None]:
        line = _StatusLine(recorder)
        line.start()
        try:
            yield
        finally:
            line.stop()

    return around


class _StatusLine:
    """Drawn by the recorder's flusher thread (``recorder.ticks``), not by a thread of its own: codetour
    stops the flusher around every fork of the target, and Python 3.12+ warns a target that forks
    while another thread is alive ("This process is multi-threaded")."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.shown = False

    def start(self) -> None:
        self.started = time.monotonic()
        self.recorder.ticks.append(self._tick)

    def _tick(self) -> None:
        elapsed = time.monotonic() - self.started
        if elapsed < 2.0:
            return
        events = self.recorder.pending_events
        sys.stderr.write(f"\r\x1b[2K\x1b[2m⏺ codetour · {elapsed:5.1f}s · {events:,} events\x1b[0m\r")
        sys.stderr.flush()
        self.shown = True

    def stop(self) -> None:
        if self._tick in self.recorder.ticks:
            self.recorder.ticks.remove(self._tick)
        if self.shown:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()


def print_summary(recording: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    output, recorder, result = recording.path, recording.recorder, recording.result
    funcs = [f for f in recorder.function_summary() if f["calls"]]
    files = {f["file_id"] for f in funcs}
    status = {
        "ok": "[green]exited normally (0)[/]",
        "exit": f"[yellow]called sys.exit({result.exit_code})[/]" if result.exit_code else "[green]exited via sys.exit(0)[/]",
        "exception": f"[red]crashed: {esc(result.exception['type'] if result.exception else '?')}[/]",
        "interrupted": "[red]interrupted (Ctrl-C)[/]",
    }[result.status]
    try:
        rel = os.path.relpath(output)
    except ValueError:
        rel = str(output)
    err.print()
    err.print(f"[bold]codetour:[/] trace written to [bold cyan]{esc(rel)}[/]")
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
    children = result.children
    if children:
        print_children(output, children)
    if not funcs:
        if not any(c.get("traced") for c in children):
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
        table.add_row(Text(_label(a)), f"{a['calls']:,}", Text(f"  {_label(b)}"), duration(b["self_ns"]))
    err.print(table)


def print_children(output: Any, children: list[dict[str, Any]]) -> None:
    """One line for the processes the run started, and a warning for those that failed."""
    folder = f"{os.path.basename(output)}.d/"
    traced = sorted((c for c in children if c.get("traced")), key=lambda c: (c.get("rank") is None, c.get("rank") or 0))
    roles = ", ".join(str(c.get("role")) for c in traced[:4]) + (", ..." if len(traced) > 4 else "")
    counted = len(children) - len(traced)
    extra = f"; {counted} more only counted (--workers-in-full)" if counted else ""
    noun = "child process" if len(traced) == 1 else "child processes"
    err.print(f"  [bold]{len(traced)}[/] {noun} recorded in {esc(folder)} ({esc(roles)}){extra}")
    for child in children:
        code = child.get("exit_code")
        if isinstance(code, int) and code != 0 and not (code < 0 and child.get("how") in ("fork", "spawn", "forkserver")):
            warn(f"child process {child.get('pid')} ({child.get('role')}) exited with {code}")


def _label(function: dict[str, Any]) -> str:
    """A function's name in the summary; module code is named by its file (there are many <module>s)."""
    if function["kind"] == "module":
        return f"{function['file']} (module code)"
    return function["qualname"]


def make_parser() -> argparse.ArgumentParser:
    """A standalone `trace` parser (the same options), for tests and for `split_command_line`."""
    sub = Parser(prog="codetour").add_subparsers(parser_class=Parser)
    return add_parser(sub)
