"""`codetour debug`: the recorded program, live under debugpy, paused at a recorded step."""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codetour.cli.common import TARGET_RULE, Formatter, options_after_target, split_command_line
from codetour.console import err, esc, note, out, warn
from codetour.errors import InputError, UsageError

if TYPE_CHECKING:  # the live session (debugpy, sockets, the trace reader) is imported when a session starts
    from codetour.live.session import LaunchSpec, LiveSession, Paused, StopPoint

HELP = f"""\
Re-run a recorded program under debugpy and pause it at the same moment as a
recorded step: a tour stop (--stop K) or a line and hit count (--at FILE:LINE[:HIT]).
Then evaluate expressions in the paused frame, step, continue to the next stop.

Without --listen, the session runs here in the terminal:
  EXPR        evaluate in the paused frame      n / s / r   next / step in / step out
  c           continue to the next tour stop    l / bt      locals / call stack
  q           quit (the program is ended)

With --listen [HOST:]PORT the program waits for VS Code (or any DAP client) to
attach; codetour prints the launch.json attach configuration (--write-launch adds
it to .vscode/launch.json) and writes the tour to .tours/ for the CodeTour extension.
It listens on 127.0.0.1 unless another host is named explicitly.

Ctrl-C, SIGTERM and SIGHUP end the debuggee and the debugpy adapter with it.

{TARGET_RULE}

examples:
  codetour debug .codetour/train.*.ctrace --stop 9
  codetour debug run.ctrace --at ppo/loss.py:37:3
  codetour debug run.ctrace --stop 1 --listen 5678 --write-launch
"""


def parse_listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise UsageError(f"--listen takes [HOST:]PORT, not {value!r}") from None
    if not 0 < number < 65536:
        raise UsageError(f"--listen port must be between 1 and 65535, not {number}")
    return host or "127.0.0.1", number


def _resolve_stops(args: argparse.Namespace, reader) -> tuple[list[StopPoint], int]:
    """All tour stops as stop points (for 'continue'), and the index of the one to pause at."""
    from codetour.live.session import LiveError, StopPoint, stop_point_for_step
    from codetour.tour.build import build_tour
    from codetour.tour.model import load_tour
    from codetour.tour.resolve import resolve_tour

    if args.at:
        parts = args.at.rsplit(":", 2)
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            file, line, hit = parts[0], int(parts[1]), int(parts[2])
        elif len(parts) >= 2 and parts[-1].isdigit():
            file, line, hit = args.at.rsplit(":", 1)[0], int(parts[-1]), 1
        else:
            raise UsageError(f"--at takes FILE:LINE[:HIT], not {args.at!r}")
        path = Path(file)
        if not path.is_absolute():
            root = Path(reader.meta.get("root") or ".") if reader else Path.cwd()
            path = (root / file) if (root / file).exists() else path.resolve()
        if not path.exists():
            raise InputError(f"no such file: {file}")
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        if not 1 <= line <= len(lines) or not lines[line - 1].strip() or lines[line - 1].lstrip().startswith("#"):
            raise UsageError(f"--at {args.at}: line {line} of {file} has no code to stop at ({len(lines)} lines)")
        return [StopPoint(str(path.resolve()), line, hit, label=f"{file}:{line}")], 0
    if reader is None:
        raise UsageError("--stop counts the stops of a recorded tour: give a trace, or use --at FILE:LINE[:HIT] for a script")
    tour = load_tour(args.tour) if args.tour else build_tour(reader)
    resolved = resolve_tour(tour, reader)
    k = args.stop or 1
    if not 1 <= k <= len(resolved):
        raise UsageError(f"--stop {k}: the tour has {len(resolved)} stops")
    points = [
        stop_point_for_step(reader, r.seq, label=f"stop {i + 1}: {r.stop.title}") if r.seq else None
        for i, r in enumerate(resolved)
    ]
    if points[k - 1] is None:
        raise LiveError(f"stop {k} ({resolved[k - 1].stop.title}) did not run in the recording: {resolved[k - 1].message}")
    return [p for p in points if p is not None], sum(1 for p in points[: k - 1] if p is not None)


USAGE = "codetour debug [options] (TRACE | SCRIPT [ARGS...])"


def add_parser(sub: Any) -> argparse.ArgumentParser:
    dbg = sub.add_parser(
        "debug",
        help="run the same program live under debugpy, paused at a recorded step",
        description=HELP,
        formatter_class=Formatter,
        usage=USAGE,
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
    return dbg


def parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    from codetour.store.reader import looks_like_trace

    line = split_command_line(parser, argv)
    args = parser.parse_args(line.own)
    args.target, args.args = line.target, line.args
    if line.target and looks_like_trace(line.target):
        args.args = options_after_target(parser, args, line.args)  # a trace takes no arguments of its own
    return args


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: ends the session like Ctrl-C, so the debuggee and adapter are cleaned up."""


@contextmanager
def _signals_end_session() -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise Terminated(signal.Signals(signum).name)

    wanted = [s for s in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if s is not None]
    saved = {s: signal.signal(s, handler) for s in wanted}
    try:
        yield
    finally:
        for s, previous in saved.items():
            signal.signal(s, previous)


def run(args: argparse.Namespace) -> int:
    with _signals_end_session():
        return cmd_debug(args)


def cmd_debug(args: argparse.Namespace) -> int:
    from codetour.live.session import LaunchSpec, LiveSession
    from codetour.store.reader import TraceReader, looks_like_trace

    if not args.target:
        raise UsageError("name a trace (or a script with --at) to debug; see `codetour debug --help`")
    target = Path(args.target)
    if not target.exists():
        raise InputError(f"no such file: {target}")
    if target.is_dir():
        raise InputError(f"{target} is a folder: name a trace (or a script with --at FILE:LINE[:HIT])")
    reader = None
    if looks_like_trace(target):
        reader = TraceReader(target)
        spec = LaunchSpec.from_trace(reader)
        if args.args:
            spec.argv = spec.argv[:1] + list(args.args) if spec.argv[0] != "-m" else spec.argv[:2] + list(args.args)
    elif target.suffix not in (".py", ".pyw", ""):
        raise InputError(f"{target} is neither a codetour trace nor a Python script")
    else:
        if not (args.at or args.stop):
            own = [a for a in args.args if a.split("=")[0] in ("--at", "--stop", "--tour", "--listen")]
            hint = f"; {own[0]} after the script is passed to the script: put it before" if own else ""
            raise UsageError(f"a script has no recorded stops: say where to pause with --at FILE:LINE[:HIT]{hint}")
        spec = LaunchSpec(argv=[str(target.resolve()), *args.args], cwd=str(Path.cwd()))
    stops, index = _resolve_stops(args, reader)
    if args.listen:
        return _listen(args, spec, stops, index, reader)
    session = LiveSession(spec, connect_timeout=args.timeout, echo_output=True)
    stop = stops[index]
    note(
        f"starting [bold]python {esc(' '.join(shlex.quote(a) for a in spec.argv))}[/] under debugpy;"
        f" pausing at {esc(stop.label)} ({esc(stop.describe())})"
    )
    if stop.approximate:
        warn("earlier runs of that line were folded by the recording budget: the hit count may land a little early")
    try:
        session.launch()
        session.connect([stop])
        paused = session.wait_paused(where=stop.describe(), timeout=args.timeout * 6)
        return _repl(session, paused, stops, index)
    finally:
        session.close()
        if reader is not None:
            reader.close()


def _show(session: LiveSession, paused: Paused, label: str = "") -> None:
    from rich.table import Table
    from rich.text import Text

    top = paused.top
    source = top.get("source", {}).get("path", "?")
    out.print(
        f"[bold yellow]⏸ paused[/] at [bold]{esc(source)}:{top.get('line')}[/] in [cyan]{esc(top.get('name'))}[/] {esc(label)}"
    )
    table = Table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="cyan", no_wrap=True, min_width=10)
    table.add_column(style="dim", no_wrap=True, min_width=5, max_width=16, overflow="ellipsis")
    table.add_column(overflow="ellipsis", no_wrap=True, ratio=1)
    for var in session.locals(top["id"])[:20]:
        if var.get("name", "").startswith("__") or var.get("name") in (
            "special variables",
            "function variables",
            "class variables",
        ):
            continue
        table.add_row(Text(var.get("name", "")), Text(var.get("type", "")), Text(one_line(var.get("value", ""))))
    out.print(table)


def one_line(value: str, width: int = 100) -> str:
    """debugpy's values are reprs: numpy arrays span many lines. One line, bounded."""
    text = " ".join(value.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _repl(session: LiveSession, paused: Paused, stops: list[StopPoint], index: int) -> int:
    from codetour.live.session import LiveError

    _show(session, paused, f"({stops[index].label})")
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            try:
                line = input("(codetour) ")
            except EOFError:
                break
        else:
            raw = sys.stdin.readline()
            if not raw:
                break
            line = raw.rstrip("\n")
            out.print(f"(codetour) {line}")
        command = line.strip()
        if not command:
            continue
        if command in ("q", "quit", "exit"):
            break
        if command in ("l", "locals"):
            _show(session, paused)
            continue
        if command in ("bt", "where", "w"):
            for frame in paused.frames:
                out.print(f"  {frame.get('name')}  {frame.get('source', {}).get('path', '?')}:{frame.get('line')}", markup=False)
            continue
        moves = {"n": "next", "next": "next", "s": "stepIn", "step": "stepIn", "r": "stepOut", "return": "stepOut"}
        try:
            if command in moves:
                session.resume(moves[command], paused)
                paused = session.wait_paused(where=None)
                _show(session, paused)
            elif command in ("c", "continue"):
                if index + 1 >= len(stops):
                    out.print("that was the last stop; continuing to the end of the program")
                    session.set_breakpoints([])
                    session.resume("continue", paused)
                    session.wait_paused(where=None)  # raises LiveError when the program finishes
                    continue
                index += 1
                session.set_breakpoints([stops[index]])
                session.resume("continue", paused)
                paused = session.wait_paused(where=stops[index].describe())
                _show(session, paused, f"({stops[index].label})")
            else:
                out.print(one_line(session.evaluate(command, paused.top["id"]), 400), markup=False, highlight=False)
        except LiveError as exc:
            out.print(f"[dim]{esc(exc.message)}[/]")
            return 0 if "finished" in exc.message else 1
    return 0


def _listen(args: argparse.Namespace, spec: LaunchSpec, stops: list[StopPoint], index: int, reader) -> int:
    from codetour.live.session import LiveSession, vscode_attach_config, write_launch_json

    host, port = parse_listen(args.listen)
    if host not in ("127.0.0.1", "localhost", "::1"):
        warn(f"listening on {host}: anyone who can reach it can run code in this process")
    session = LiveSession(spec, host=host, port=port, connect_timeout=args.timeout, echo_output=True)
    try:
        session.launch()
        session.wait_ready()  # the adapter listens and has finished starting: a client may attach now
        config = vscode_attach_config(host if host != "0.0.0.0" else "127.0.0.1", port, spec.cwd)
        out.print("Add this to .vscode/launch.json, set breakpoints (the tour's stops are listed below), and attach:")
        out.print_json(json.dumps(config))
        chosen = stops[index]
        hit = f" with hit count {chosen.hit}" if chosen.hit > 1 else ""
        out.print(
            f"The program waits before its first line. It pauses only where your debugger has a breakpoint: to stop at"
            f" {chosen.label}, set one at {chosen.path}:{chosen.line}{hit} before you attach.",
            markup=False,
        )
        for stop in stops:
            out.print(
                f"  breakpoint: {stop.path}:{stop.line}"
                + (f" (hit count {stop.hit})" if stop.hit > 1 else "")
                + f"  · {stop.label}",
                markup=False,
            )
        if args.write_launch:
            root = Path(reader.meta.get("root")) if reader is not None else Path(spec.cwd)
            path = write_launch_json(root, config)
            note(f"wrote the attach configuration to {esc(path)}")
            if reader is not None:
                _write_tour(reader, root, args.tour)
        note(f"waiting for a debugger to attach on {host}:{port} (Ctrl-C to stop)")
        assert session.process is not None
        code = session.process.wait()
    except KeyboardInterrupt:
        err.print()
        note("stopping the debuggee")
        code = 130
    finally:
        session.close()
    return code


def _write_tour(reader, root: Path, tour_path: str | None) -> None:
    from codetour.export import ExportContext
    from codetour.export.vscode import write_tour
    from codetour.graph import build_graph
    from codetour.tour.model import load_tour

    options = {"tour": load_tour(tour_path)} if tour_path else {}
    path = root / ".tours" / (Path(reader.path).name.split(".")[0] + ".tour")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        write_tour(ExportContext(reader, build_graph(reader), str(reader.path), options), fh)
    note(f"wrote the tour for the CodeTour extension to {esc(path)}")
