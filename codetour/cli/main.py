"""The ``codetour`` command: parse, call the library, print.

One module per command in this package, each with ``add_parser`` and ``run``. Heavy or
optional pieces (the TUI, networkx, debugpy) are imported lazily inside the command that
needs them, so ``codetour --help`` and ``codetour trace`` start fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from codetour import __version__
from codetour.cli import trace
from codetour.cli.common import Formatter, Parser
from codetour.console import fail
from codetour.errors import CodetourError, UsageError

MAIN_HELP = """\
codetour: find where to start in an ML repo, record what it really does, and tour it.

  codetour discover REPO             ranked entry points (train / eval / infer / data), with reasons
  codetour trace SCRIPT [ARGS...]    run it for real under a recorder -> .codetour/NAME.TIME.ctrace
  codetour trace -m MODULE [ARGS]    the same for `python -m MODULE ARGS`
  codetour tour REPO|SCRIPT|TRACE    record if needed, build or load a tour, replay it
  codetour tour build|check|print    make a tour from a trace; keep tours honest; render it
  codetour export TRACE -f FORMAT    maps: dot svg png graphml json mermaid html codetour chrome
  codetour debug TRACE --stop K      the same program live under debugpy, paused at stop K
  codetour concepts [NAME]           ML concept cards: the idea, the math, how to check the code

Start here:
  codetour discover sample_repos/minimal_ppo
  codetour tour sample_repos/minimal_ppo
  codetour export .codetour/train.*.ctrace -f html -o map.html

exit codes: 0 ok, 1 the traced program's own failure, 2 usage, 3 bad path, 4 no entry
points, 5 not a trace / damaged trace / bad tour file, 6 cannot write, 7 Graphviz could not
draw, 8 live session failed, 70 internal error; `codetour trace` exits with the traced
program's own code.
"""


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser and each command's own parser, by name."""
    from codetour.cli import concepts, debug, discover, export, tour

    parser = Parser(prog="codetour", description=MAIN_HELP, formatter_class=Formatter)
    parser.add_argument("--version", action="version", version=f"codetour {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands = {
        "discover": discover.add_parser(sub),
        "trace": trace.add_parser(sub),
        "tour": tour.add_parser(sub),
        "export": export.add_parser(sub),
        "debug": debug.add_parser(sub),
        "concepts": concepts.add_parser(sub),
    }
    return parser, commands


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


# Words people try for a command that goes by another name: the command, and what it does there.
_ALIASES = {
    "replay": ("tour", "`codetour tour REPO|SCRIPT|TRACE` opens the replay"),
    "record": ("trace", "`codetour trace SCRIPT [ARGS...]` records a run"),
    "run": ("trace", "`codetour trace SCRIPT [ARGS...]` runs and records it"),
}


def _dispatch(argv: list[str]) -> int:
    command = argv[0] if argv else None
    rest = argv[1:]
    if command in _ALIASES:
        real, what = _ALIASES[command]
        raise UsageError(f"there is no `{command}` command: {what} (see `codetour {real} --help`)")
    # Commands that run a target split their arguments from the target's first. `trace` builds
    # only its own parser and imports no other command: what it imports runs before the target.
    if command == "trace" and "-h" not in rest[:1] and "--help" not in rest[:1]:
        return trace.run(trace.parse(trace.make_parser(), rest))
    from codetour.cli import concepts, debug, discover, export, tour

    parser, commands = build_parser()
    if command == "tour" and rest and rest[0] not in ("-h", "--help"):
        return tour.run(tour.parse(commands["tour"], rest), commands["tour"])
    if command == "debug" and rest and rest[0] not in ("-h", "--help"):
        return debug.run(debug.parse(commands["debug"], rest))
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "discover":
        return discover.run(args)
    if args.command == "export":
        return export.run(args)
    if args.command == "concepts":
        return concepts.run(args)
    if args.command == "tour":
        return tour.run(args, commands["tour"])
    if args.command == "trace":
        return trace.run(trace.parse(commands["trace"], []))
    if args.command == "debug":
        return debug.run(debug.parse(commands["debug"], []))
    raise UsageError(f"unknown command {args.command!r}")
