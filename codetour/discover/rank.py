"""Rank a repository's entry points: build the repo context, run every rule on every
candidate file (:mod:`codetour.discover.rules`), fold the evidence, pick the primaries.

A primary train/eval entry is named only when the evidence is clear; otherwise the answer
is "none", with a note saying where that work happens instead (inside the training
script, or in a notebook).
"""

from __future__ import annotations

import ast
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from codetour.discover.analyze import EVAL_OPS, analyze, scan_ops
from codetour.discover.commands import Mention
from codetour.discover.evidence import ROLES, Evidence, Verdict, fold
from codetour.discover.repo import (
    RepoContext,
    build_import_graph,
    gather_mentions,
    link_dispatch,
    link_files,
    module_names,
    scan_notebooks,
)
from codetour.discover.rules import (
    AUX_FOLDERS,
    CONFIG_FOLDERS,
    HEADING_ROLES,
    MODE_FLAGS,
    FileContext,
    Rule,
    doc_command_roles,
    evaluate_rules,
    mention_priority,
    mode_values_for,
)
from codetour.discover.walk import walk
from codetour.errors import InputError

SCHEMA = "codetour.discover/1"
# module-level work: a loop, a with block, or a call at column 0 (script-style files)
_SCRIPT_TEXT = re.compile(r"^(?:for|while|with|async) |^[A-Za-z_][\w.]*\(", re.M)
# a primary needs this much evidence; below it the honest answer is "none"
PRIMARY_MIN_SCORE = 4.0
PRIMARY_MIN_VOTE = 2.0  # and this much evidence for the role itself
# how a training script evaluates in passing (for the "no separate eval entry" note)
_EVAL_FUNCTION = re.compile(r"^\s*def (\w*(?:eval|valid|estimate_loss|test)\w*)\(", re.M | re.I)


@dataclass
class EntryPoint:
    path: str  # relative to the repo root, POSIX separators
    module: str | None  # dotted module name when it lives in a package (for ``python -m``)
    role: str
    roles: list[str]
    score: float
    confidence: float
    reasons: list[str]
    command: list[str]  # a suggested command line, relative to the repo root
    cli: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    mode_flag: str | None = None
    mode_values: dict[str, str] = field(default_factory=dict)  # role -> value of the mode flag
    commands: dict[str, list[str]] = field(default_factory=dict)  # role -> documented command for that role
    evidence: list[dict[str, Any]] = field(default_factory=list)  # the rules that fired: rule, weight, roles, reason
    role_votes: dict[str, float] = field(default_factory=dict)  # the folded role votes

    def args_for(self, role: str) -> list[str]:
        """Arguments that select ``role`` (e.g. ``--mode train``), or the suggested ones."""
        if self.mode_flag and role in self.mode_values:
            return [self.mode_flag, self.mode_values[role]]
        command = self.commands.get(role, self.command)
        return command[len(_base(command)) :]  # after `python x.py`, `python -m x` or `tool`

    def command_for(self, role: str) -> list[str]:
        """The full command line that runs this entry in ``role``."""
        if self.mode_flag and role in self.mode_values:
            return [*_base(self.command), self.mode_flag, self.mode_values[role]]
        return self.commands.get(role, self.command)


def _base(command: list[str]) -> list[str]:
    """The part of a command that names what runs (``python x.py``, ``python -m x``, ``tool``)."""
    if command[:2] == ["python", "-m"]:
        return command[:3]
    return command[:2] if command[:1] == ["python"] else command[:1]


@dataclass
class Excluded:
    path: str
    rule: str
    reason: str


@dataclass
class DiscoveryResult:
    root: Path
    entries: list[EntryPoint]
    primary: dict[str, str | None]
    files_scanned: int
    parse_failures: list[str]
    too_large: list[str]
    unreadable: list[str]
    seconds: float
    notes: dict[str, str] = field(default_factory=dict)  # role -> why there is no primary / where it lives
    notebooks: list[str] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)  # runnable-looking files that are not entries, and why

    def primary_entry(self, role: str) -> EntryPoint | None:
        path = self.primary.get(role)
        return next((e for e in self.entries if e.path == path), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "root": str(self.root),
            "primary": self.primary,
            "notes": self.notes,
            "entries": [asdict(e) for e in self.entries],
            "not_entries": [asdict(x) for x in self.excluded],
            "notebooks": self.notebooks,
            "files_scanned": self.files_scanned,
            "skipped": {
                "parse_failures": self.parse_failures,
                "too_large": self.too_large,
                "unreadable": self.unreadable,
            },
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Scan:
    """Everything :func:`discover` computed, kept so one file can be explained."""

    repo: RepoContext
    contexts: dict[str, FileContext]
    verdicts: dict[str, tuple[Verdict, list[tuple[Rule, Evidence | None]]]]
    result: DiscoveryResult


def discover(path: str | Path) -> DiscoveryResult:
    """Scan ``path`` (a repository folder) and rank its entry points."""
    return scan(path).result


def scan(path: str | Path) -> Scan:
    started = time.perf_counter()
    root = Path(path)
    if not root.exists():
        raise InputError(f"no such directory: {root}")
    if not root.is_dir():
        hint = f"to run it, use: codetour trace {root}" if root.suffix in (".py", ".pyw") else "name the repository's folder"
        raise InputError(f"{root} is a file, not a directory", hint=hint)
    root = root.resolve()
    files = walk(root)
    if not files.python:
        raise InputError(f"no Python files under {root}")

    texts: dict[str, str] = {}
    for p in files.python:
        try:
            texts[p.relative_to(root).as_posix()] = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            files.unreadable.append(p)
    rels = list(texts)
    module_of, by_module = module_names(root, rels)
    by_name: dict[str, list[str]] = {}
    for rel in sorted(rels, key=lambda r: (r.count("/"), r)):
        by_name.setdefault(rel.rsplit("/", 1)[-1], []).append(rel)
    repo = RepoContext(root, texts, module_of, by_module, by_name)
    repo.packages = {rel.rsplit("/", 1)[0] for rel in rels if rel.endswith("/__init__.py")}
    gather_mentions(repo, files, files.unreadable)
    build_import_graph(repo)
    scan_notebooks(repo, files.notebooks)

    parse_failures: list[str] = []
    for rel, text in texts.items():
        if not _candidate(rel, text, repo):
            continue
        try:
            repo.facts[rel] = analyze(ast.parse(text, filename=rel))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            parse_failures.append(rel)
    link_files(repo)
    link_dispatch(repo)
    for rel in sorted(set(repo.dispatched) - set(repo.facts)):  # run by a sub-command, not a candidate yet
        try:
            repo.facts[rel] = analyze(ast.parse(texts[rel], filename=rel))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            parse_failures.append(rel)

    contexts: dict[str, FileContext] = {}
    verdicts: dict[str, tuple[Verdict, list[tuple[Rule, Evidence | None]]]] = {}
    entries: list[EntryPoint] = []
    excluded: list[Excluded] = []
    for rel, facts in repo.facts.items():
        ctx = FileContext(rel, module_of[rel], facts, texts[rel], repo)
        contexts[rel] = ctx
        results = evaluate_rules(ctx)
        verdict = fold([e for _, e in results if e is not None])
        verdicts[rel] = (verdict, results)
        if not verdict.runnable:
            continue
        if verdict.vetoed_by is not None:
            excluded.append(Excluded(rel, verdict.vetoed_by.rule, verdict.vetoed_by.reason))
            continue
        entries.append(_entry(ctx, verdict, [e for _, e in results if e is not None]))
    if entries and all(_secondary(e.path) for e in entries):
        # every entry lives under tutorials/, examples/, projects/...: those are this repo's entries
        repo.has_main_entries = False
        for i, e in enumerate(entries):
            ctx = contexts[e.path]
            results = evaluate_rules(ctx)
            verdict = fold([x for _, x in results if x is not None])
            verdicts[e.path] = (verdict, results)
            entries[i] = _entry(ctx, verdict, [x for _, x in results if x is not None])
    entries.sort(key=lambda e: (-e.score, ROLES.index(e.role), e.path.count("/"), e.path))

    primary, notes = _primaries(entries, repo)
    result = DiscoveryResult(
        root=root,
        entries=entries,
        primary=primary,
        files_scanned=len(files.python),
        parse_failures=sorted(parse_failures),
        too_large=sorted(p.relative_to(root).as_posix() for p in files.too_large),
        unreadable=sorted(str(p) for p in files.unreadable),
        seconds=time.perf_counter() - started,
        notes=notes,
        notebooks=repo.notebooks,
        excluded=sorted(excluded, key=lambda x: x.path),
    )
    return Scan(repo, contexts, verdicts, result)


def _secondary(rel: str) -> bool:
    return bool(AUX_FOLDERS & {p.lower() for p in rel.split("/")[:-1]})


def _candidate(rel: str, text: str, repo: RepoContext) -> bool:
    """Worth parsing: it could run (a __main__ guard, script-style code nobody imports) or the
    repo says to run it. Everything else is a library module and is never parsed."""
    if "__main__" in text or rel in repo.mentions or rel in repo.console or rel.endswith("__main__.py"):
        return True
    if CONFIG_FOLDERS & set(rel.lower().split("/")[:-1]):
        return False  # config modules: read by the code, never run
    return rel not in repo.importers and bool(_SCRIPT_TEXT.search(text))


def _command(ctx: FileContext, m: Mention | None) -> list[str]:
    if m is None and ctx.rel in ctx.repo.dispatched:
        launcher, sub, _ = ctx.repo.dispatched[ctx.rel]
        return [*launcher, sub]
    if m is not None and m.console:
        return [m.console, *m.args]
    if m is not None and m.is_module:
        return ["python", "-m", m.target, *m.args]
    if ctx.rel.endswith("/__main__.py"):
        return ["python", "-m", ctx.module.rsplit(".", 1)[0]]
    if ctx.facts.relative_imports and "." in ctx.module:
        return ["python", "-m", ctx.module]  # relative imports only work when run as a module
    return ["python", ctx.rel, *(m.args if m is not None else ())]


def _entry(ctx: FileContext, verdict: Verdict, evidence: list[Evidence]) -> EntryPoint:
    f = ctx.facts
    roles = list(verdict.roles)
    mode_flag = None
    mode_values: dict[str, str] = {}
    for flag, choices in f.mode_choices.items():
        mode_values = mode_values_for(choices)
        if mode_values and roles[0] == "other":  # a benchmark/plot tool with --task train|eval stays a tool
            roles += [r for r in ("train", "eval", "infer", "data") if r in mode_values and r not in roles]
            mode_values = {}
            break
        if mode_values:
            mode_flag = flag
            roles = [r for r in ("train", "eval", "infer", "data") if r in mode_values] + [
                r for r in roles if r not in mode_values
            ]
            break
    for option in f.cli_options:
        for role in doc_mode_roles(option):
            mode_values.setdefault(role, "")
            if role not in roles and role != "other":
                roles.append(role)
    ordered = sorted(ctx.mentions, key=mention_priority(ctx))
    general = next((m for m in ordered if not doc_command_roles(m)), ordered[0] if ordered else None)
    command = _command(ctx, general)
    commands: dict[str, list[str]] = {}
    for m in ordered:
        for role in doc_command_roles(m):
            commands.setdefault(role, _command(ctx, m))
            if role not in roles and role != "other":
                roles.append(role)
    if mode_flag and roles[0] in mode_values:
        command = [*_base(command), mode_flag, mode_values[roles[0]]]
    return EntryPoint(
        path=ctx.rel,
        module=ctx.module if "." in ctx.module else None,
        role=roles[0],
        roles=roles,
        score=verdict.score,
        confidence=verdict.confidence,
        reasons=verdict.reasons,
        command=command,
        cli=sorted(f.cli),
        options=f.cli_options[:20],
        mode_flag=mode_flag,
        mode_values={k: v for k, v in mode_values.items() if v},
        commands=commands,
        evidence=[e.to_json() for e in evidence],
        role_votes=verdict.votes,
    )


def doc_mode_roles(option: str) -> list[str]:
    return [role for role, names in MODE_FLAGS.items() if option in names]


def _clear(entry: EntryPoint, role: str) -> bool:
    """Enough evidence to name ``entry`` the primary ``role`` entry."""
    return entry.role == role and entry.score >= PRIMARY_MIN_SCORE and entry.role_votes.get(role, 0.0) >= PRIMARY_MIN_VOTE


def _told(entry: EntryPoint, repo: RepoContext) -> bool:
    """The README or docs tell users to run it."""
    docs = (".md", ".mdx", ".rst", ".txt")
    return entry.path in repo.console or any(
        m.source.suffix.lower() in docs or m.source.name.lower().startswith("readme") for m in repo.mentions.get(entry.path, [])
    )


def _documented_eval(entry: EntryPoint, repo: RepoContext) -> bool:
    return any(
        "eval" in doc_command_roles(m) and HEADING_ROLES["eval"].search(m.heading) for m in repo.mentions.get(entry.path, [])
    )


def _primaries(entries: list[EntryPoint], repo: RepoContext) -> tuple[dict[str, str | None], dict[str, str]]:
    primary: dict[str, str | None] = {}
    notes: dict[str, str] = {}
    train = next((e for e in entries if _clear(e, "train")), None)
    primary["train"] = train.path if train else None
    dedicated = next((e for e in entries if _clear(e, "eval")), None)
    # a training script whose docs select an eval mode under an evaluation heading, or the
    # primary train entry when its own --mode flag selects eval
    with_mode = next((e for e in entries if e.role == "train" and _documented_eval(e, repo)), None)
    if with_mode is None and train is not None and train.mode_flag and "eval" in train.mode_values:
        with_mode = train
    # documented beats undocumented; then a dedicated eval script beats a training script's eval mode
    candidates = [e for e in (dedicated, with_mode) if e is not None]
    best = max(candidates, key=lambda e: (_told(e, repo), e is dedicated, e.score)) if candidates else None
    primary["eval"] = best.path if best else None

    trains_nb = [nb for nb, roles in repo.notebook_roles.items() if "train" in roles]
    evals_nb = [nb for nb, roles in repo.notebook_roles.items() if "eval" in roles]
    if train is None:
        if trains_nb:
            notes["train"] = (
                f"no training script; training lives in notebook{'s' if len(trains_nb) > 1 else ''} {', '.join(trains_nb[:3])}"
            )
        else:
            notes["train"] = "no training entry point found"
    if best is None:
        text = repo.texts.get(train.path, "") if train is not None else ""
        inside = scan_ops(text, EVAL_OPS)
        named = _EVAL_FUNCTION.search(text)
        if train is not None and (inside or named):
            how = f"{named.group(1)}()" if named else inside[0]
            notes["eval"] = f"no separate eval entry; evaluation runs inside {train.path} ({how})"
        elif evals_nb:
            notes["eval"] = (
                f"no eval script; evaluation lives in notebook{'s' if len(evals_nb) > 1 else ''} {', '.join(evals_nb[:3])}"
            )
        else:
            notes["eval"] = "no evaluation entry point found"
    return primary, notes
