"""`codetour discover REPO --explain PATH`: every rule's verdict on one file.

:func:`explain` returns the data; :func:`render_explanation` turns it into plain lines
(the CLI prints them; a rich Console may style them).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from codetour.discover.analyze import analyze
from codetour.discover.evidence import Evidence, Verdict, fold
from codetour.discover.rank import DiscoveryResult, EntryPoint, scan
from codetour.discover.rules import FileContext, Rule, evaluate_rules
from codetour.errors import InputError


@dataclass
class RuleVerdict:
    rule: str
    description: str
    evidence: Evidence | None  # None: the rule did not apply


@dataclass
class Explanation:
    path: str
    verdicts: list[RuleVerdict]
    verdict: Verdict
    entry: EntryPoint | None
    rank: int | None  # 1-based position among the entries
    primary_for: list[str] = field(default_factory=list)
    result: DiscoveryResult | None = None
    parsed: bool = True
    note: str = ""


def explain(repo: str | Path, path: str | Path) -> Explanation:
    """Run every rule on ``path`` (relative to ``repo``, or absolute inside it)."""
    done = scan(repo)
    root = done.result.root
    target = Path(path)
    if not target.is_absolute():
        target = (Path.cwd() / target) if (Path.cwd() / target).is_file() and not (root / target).is_file() else root / target
    try:
        rel = target.resolve().relative_to(root).as_posix()
    except ValueError:
        raise InputError(f"{path} is not inside {root}") from None
    if rel not in done.repo.texts:
        if not target.is_file():
            raise InputError(f"no such file in the repo: {rel}")
        raise InputError(f"{rel} is not a Python file discovery scans", hint="it may be vendored, generated or too large")
    ctx = done.contexts.get(rel)
    note = ""
    parsed = True
    results: list[tuple[Rule, Evidence | None]]
    if ctx is not None:
        results = done.verdicts[rel][1]
    else:
        try:
            facts = analyze(ast.parse(done.repo.texts[rel], filename=rel))
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            raise InputError(f"{rel} does not parse: {exc.__class__.__name__}") from None
        parsed = False
        note = "not a candidate: nothing in it runs at module level, the repo never says to run it, or other files import it"
        ctx = FileContext(rel, done.repo.module_of[rel], facts, done.repo.texts[rel], done.repo)
        results = evaluate_rules(ctx)
    verdict = fold([e for _, e in results if e is not None])
    entries = done.result.entries
    entry = next((e for e in entries if e.path == rel), None)
    return Explanation(
        path=rel,
        verdicts=[RuleVerdict(r.name, r.description, e) for r, e in results],
        verdict=verdict,
        entry=entry,
        rank=entries.index(entry) + 1 if entry else None,
        primary_for=[role for role, p in done.result.primary.items() if p == rel],
        result=done.result,
        parsed=parsed,
        note=note,
    )


def _fmt_roles(roles: dict[str, float]) -> str:
    return " ".join(f"{r}{v:+g}" for r, v in roles.items())


def render_explanation(x: Explanation) -> list[str]:
    """Plain-text lines: the outcome first, then every rule (fired ones marked)."""
    lines = [f"{x.path}"]
    if x.entry is not None:
        total = len(x.result.entries) if x.result else 0
        lines.append(
            f"  entry #{x.rank} of {total}: role {x.entry.role} ({' '.join(x.entry.roles)}), score {x.entry.score:g},"
            f" confidence {x.entry.confidence:.0%}"
        )
        lines.append(f"  command: {' '.join(x.entry.command)}")
        for role, cmd in x.entry.commands.items():
            if cmd != x.entry.command:
                lines.append(f"  {role} command: {' '.join(cmd)}")
        if x.primary_for:
            lines.append(f"  ★ primary {' & '.join(x.primary_for)}")
    elif x.verdict.vetoed_by is not None:
        lines.append(f"  not an entry point: {x.verdict.vetoed_by.reason} [{x.verdict.vetoed_by.rule}]")
    elif not x.verdict.runnable:
        lines.append("  not an entry point: no rule shows it is meant to be run")
    if x.note:
        lines.append(f"  {x.note}")
    votes = _fmt_roles({r: v for r, v in x.verdict.votes.items() if v})
    lines.append(f"  score {x.verdict.score:g}; role votes: {votes or 'none'}")
    lines.append("")
    width = max(len(v.rule) for v in x.verdicts)
    for v in x.verdicts:
        e = v.evidence
        if e is None:
            lines.append(f"  · {v.rule:<{width}}  —  {v.description}")
            continue
        mark = "✗" if e.veto else ("+" if e.weight > 0 else ("-" if e.weight < 0 else "•"))
        parts = []
        if e.weight:
            parts.append(f"{e.weight:+g}")
        if e.roles:
            parts.append(_fmt_roles(e.roles))
        if e.runnable:
            parts.append("runnable")
        if e.veto:
            parts.append("NOT AN ENTRY")
        lines.append(f"  {mark} {v.rule:<{width}}  {' '.join(parts)}  {e.reason or v.description}")
    return lines


def explanation_json(x: Explanation) -> dict[str, object]:
    """The explanation as JSON: the outcome and every rule's verdict (``null`` when it did not apply)."""
    return {
        "schema": "codetour.discover.explain/1",
        "path": x.path,
        "entry": x.entry is not None,
        "rank": x.rank,
        "primary_for": x.primary_for,
        "role": x.entry.role if x.entry else None,
        "roles": x.entry.roles if x.entry else [],
        "command": x.entry.command if x.entry else None,
        "score": x.verdict.score,
        "role_votes": x.verdict.votes,
        "excluded_by": x.verdict.vetoed_by.to_json() if x.verdict.vetoed_by else None,
        "candidate": x.parsed,
        "rules": [
            {"rule": v.rule, "description": v.description, "verdict": v.evidence.to_json() if v.evidence else None}
            for v in x.verdicts
        ],
    }


def primary_lines(result: DiscoveryResult) -> list[tuple[str, str, bool]]:
    """(role, text, found) for the primary train and eval entries: the command that runs
    each, or the honest "none" with where that work lives instead."""
    lines = []
    for role in ("train", "eval"):
        entry = result.primary_entry(role)
        if entry is not None:
            lines.append((role, " ".join(entry.command_for(role)), True))
        else:
            lines.append((role, result.notes.get(role, f"no clear {role} entry point"), False))
    return lines
