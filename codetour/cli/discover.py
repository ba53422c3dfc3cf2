"""`codetour discover REPO`: ranked entry points, found without running anything."""

from __future__ import annotations

import argparse
import json
from typing import Any

from codetour.cli.common import Formatter
from codetour.console import out, warn

HELP = """\
Scan a repository without importing or running any of it, and list the
runnable entry points ranked by how likely each is to be what a newcomer wants,
with a role (train, eval, infer, data, other), a confidence and the reasons.

Signals combined: __main__ guards, script-style module code, CLI frameworks
(argparse, click, typer, fire, tyro, absl, hydra, jsonargparse, Lightning CLI)
and their options, ML operations in the file and in the repo modules it
imports, file and folder names, console scripts, and commands written in
READMEs, Makefiles, shell scripts and CI files.

Each entry's reasons are the named rules that fired (`--explain FILE` shows every
rule's verdict on one file). When a repo has no separate train or eval entry, it
says so and where that work happens (inside train.py, in a notebook) rather than
guess.

exit codes: 0 found, 3 bad path (missing, a file, no Python files), 4 no entry points.

examples:
  codetour discover .
  codetour discover ~/src/detectron2 --all
  codetour discover . --json | jq .primary
  codetour discover . --explain tools/train.py
"""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    d = sub.add_parser("discover", help="find and rank the entry points of a repo", description=HELP, formatter_class=Formatter)
    d.add_argument("path", metavar="REPO", help="repository folder to scan")
    d.add_argument("--json", action="store_true", help="machine-readable output (schema codetour.discover/1)")
    d.add_argument("--all", action="store_true", help="show every candidate, not just the top 15")
    d.add_argument("--explain", metavar="PATH", help="show every rule's verdict on one file of the repo")
    return d


def run(args: argparse.Namespace) -> int:
    from codetour.discover import discover
    from codetour.errors import NoEntryPointError

    if args.explain:
        from codetour.discover.explain import explain, explanation_json, render_explanation

        explained = explain(args.path, args.explain)
        if args.json:
            out.print_json(json.dumps(explanation_json(explained)))
        else:
            for line in render_explanation(explained):
                out.print(line, markup=False, soft_wrap=True)
        return 0
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


def _print_discovery(result: Any, show_all: bool) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"Entry points in {escape(str(result.root))}", title_justify="left", expand=False, show_lines=True)
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
        table.add_row(str(i), entry, roles, f"{e.confidence:.0%}", Text("\n".join(f"• {r}" for r in e.reasons)))
    out.print(table)
    from codetour.discover.explain import primary_lines

    for role, text, found in primary_lines(result):
        out.print(Text.assemble((f"{role:>5}:", "bold"), " ", (text, "" if found else "dim")))
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
    out.print(Text(tail, style="dim"))
