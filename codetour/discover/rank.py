"""Combine the signals into ranked entry points.

Weights (points; higher means "more likely what a newcomer wants to run"):

====================================  ======  ==============================================
signal                                points  why
====================================  ======  ==============================================
``if __name__ == "__main__":``          3     the author meant the file to be run
script-style module-level code          2     nanoGPT-style scripts with no ``main()``
a CLI framework parses arguments        2     argparse/click/typer/fire/absl/hydra/...
named in README/Makefile/shell/CI       4     the repo's own instructions: the strongest hint
declared console script                 3     the package's own entry point
role word in the file name              2     train.py, eval.py, predict.py, prepare.py
role word in the folder / tools,scripts 1     tools/train_net.py, scripts/run_pretraining.py
training ops in the file                2     backward(), optimizer.step(), zero_grad()
training ops in repo modules it uses    1     train.py -> engine.py does the work
eval/infer/data ops                     1     no_grad, eval(), metrics, generate, DataLoader
imported by other repo modules         -2     a library module with a ``__main__`` demo
inside a package without a CLI         -1     ditto
====================================  ======  ==============================================

Tests (``test_*.py``, ``*_test.py``, ``tests/``, ``conftest.py``), ``setup.py``,
``__init__.py`` and docs are never entry points.
"""

from __future__ import annotations

import ast
import math
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from codetour.discover.analyze import DATA_OPS, EVAL_OPS, INFER_OPS, TRAIN_OPS, FileFacts, analyze, scan_ops
from codetour.discover.commands import Mention, console_scripts, find_mentions
from codetour.discover.walk import walk
from codetour.errors import InputError

SCHEMA = "codetour.discover/1"
ROLES = ("train", "eval", "infer", "data", "other")

ROLE_WORDS = {
    "train": ("train", "finetune", "fine_tune", "pretrain", "pretraining", "fit", "learn"),
    "eval": ("eval", "evaluate", "evaluation", "val", "validate", "validation", "test", "benchmark", "bench", "score"),
    "infer": (
        "infer",
        "inference",
        "predict",
        "prediction",
        "sample",
        "generate",
        "demo",
        "serve",
        "chat",
        "translate",
        "detect",
    ),
    "data": (
        "prepare",
        "preprocess",
        "preprocessing",
        "download",
        "data",
        "dataset",
        "tokenize",
        "build_dataset",
        "make_dataset",
        "convert",
    ),
}
ENTRY_FOLDERS = ("tools", "scripts", "script", "bin", "examples", "experiments", "train", "training")
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_CANDIDATE_TEXT = re.compile(
    r"__main__|argparse|\bclick\b|\btyper\b|\bfire\b|\btyro\b|absl|hydra|jsonargparse|LightningCLI|HfArgumentParser"
)


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

    def args_for(self, role: str) -> list[str]:
        """Arguments that select ``role`` (e.g. ``--mode train``), or the suggested ones."""
        if self.mode_flag and role in self.mode_values:
            return [self.mode_flag, self.mode_values[role]]
        return self.command[2:] if len(self.command) > 2 else []


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

    def primary_entry(self, role: str) -> EntryPoint | None:
        path = self.primary.get(role)
        return next((e for e in self.entries if e.path == path), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "root": str(self.root),
            "primary": self.primary,
            "entries": [asdict(e) for e in self.entries],
            "files_scanned": self.files_scanned,
            "skipped": {
                "parse_failures": self.parse_failures,
                "too_large": self.too_large,
                "unreadable": self.unreadable,
            },
            "seconds": round(self.seconds, 3),
        }


def _words(text: str) -> set[str]:
    return {w for w in _WORD_SPLIT.split(text.lower()) if w}


def _is_test_file(rel: Path, text: str) -> bool:
    """pytest/unittest files. ``tools/test.py``-style evaluation scripts are not tests."""
    name = rel.name
    if name == "conftest.py" or any(p in ("tests", "test", "testing", "unittests") for p in rel.parts[:-1]):
        return True
    if name.startswith("test_") or name.endswith("_test.py"):
        return bool(re.search(r"^\s*(import pytest|import unittest|from unittest|def test_\w+\()", text, re.M))
    return False


def _module_name(root: Path, rel: Path) -> str | None:
    """Dotted name if the file sits in a package chain starting at the root."""
    parts = list(rel.with_suffix("").parts)
    folder = root
    for part in parts[:-1]:
        folder = folder / part
        if not (folder / "__init__.py").exists():
            return None
    return ".".join(parts)


def _roles_from_name(rel: Path) -> tuple[list[str], list[str]]:
    stem_words = _words(rel.stem)
    folder_words = set().union(*(_words(p) for p in rel.parts[:-1])) if len(rel.parts) > 1 else set()
    by_name = [
        r
        for r, words in ROLE_WORDS.items()
        if stem_words & set(words) or any(rel.stem.lower().startswith(w) for w in words if len(w) > 3)
    ]
    by_folder = [r for r, words in ROLE_WORDS.items() if folder_words & set(words)]
    return by_name, by_folder


def discover(path: str | Path) -> DiscoveryResult:
    """Scan ``path`` (a repository folder) and rank its entry points."""
    started = time.perf_counter()
    root = Path(path)
    if not root.exists():
        raise InputError(f"no such directory: {root}")
    if not root.is_dir():
        raise InputError(f"{root} is a file, not a directory", hint=f"to run it, use: codetour trace {root}")
    root = root.resolve()
    files = walk(root)
    if not files.python:
        raise InputError(f"no Python files under {root}")

    texts: dict[Path, str] = {}
    for p in files.python:
        try:
            texts[p] = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            files.unreadable.append(p)

    # Commands the repo documents, and console scripts it declares.
    mentions: dict[str, list[Mention]] = {}
    module_mentions: dict[str, list[Mention]] = {}
    for cmd_file in files.commands:
        try:
            text = cmd_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            files.unreadable.append(cmd_file)
            continue
        for m in find_mentions(cmd_file, text):
            if m.is_module:
                module_mentions.setdefault(m.target, []).append(m)
            else:
                mentions.setdefault(Path(m.target).name, []).append(m)
    scripts = console_scripts(root)
    script_modules = {target.split(":")[0]: name for name, target in scripts.items()}

    # Which repo modules import which: for "ops in what it calls" and for "library with a demo".
    rel_of = {p: p.relative_to(root) for p in texts}
    module_of = {p: _module_name(root, rel_of[p]) or rel_of[p].with_suffix("").as_posix().replace("/", ".") for p in texts}
    by_module: dict[str, Path] = {}
    for p, mod in module_of.items():
        by_module[mod] = p
        by_module.setdefault(rel_of[p].stem, p)  # flat-layout imports ("from engine import ...")

    candidates: list[Path] = []
    for p, text in texts.items():
        rel = rel_of[p]
        if _is_test_file(rel, text) or (
            rel.name in ("setup.py", "__init__.py", "conftest.py", "noxfile.py", "__main__.py") and rel.name != "__main__.py"
        ):
            continue
        if rel.parts[0] in ("docs", "doc") and len(rel.parts) > 1:
            continue
        by_name, _ = _roles_from_name(rel)
        in_entry_folder = len(rel.parts) > 1 and rel.parts[-2] in ENTRY_FOLDERS
        if (
            _CANDIDATE_TEXT.search(text)
            or by_name
            or rel.name in mentions
            or module_of[p] in module_mentions
            or module_of[p] in script_modules
            or in_entry_folder
            or len(rel.parts) == 1
        ):
            candidates.append(p)

    facts: dict[Path, FileFacts] = {}
    parse_failures: list[str] = []
    for p in candidates:
        try:
            facts[p] = analyze(ast.parse(texts[p], filename=str(p)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            parse_failures.append(rel_of[p].as_posix())

    imported_by: dict[Path, int] = {}
    imports_of: dict[Path, set[Path]] = {}
    for p, f in facts.items():
        targets = set()
        for name in f.imports:
            hit = by_module.get(name) or by_module.get(name.rsplit(".", 1)[0])
            if hit is not None and hit != p:
                targets.add(hit)
        package = module_of[p].rsplit(".", 1)[0] if "." in module_of[p] else ""
        for level, name in f.relative_imports:
            base = package.rsplit(".", level - 1)[0] if level > 1 else package
            full = f"{base}.{name}".strip(".")
            hit = by_module.get(full) or by_module.get(full.rsplit(".", 1)[0])
            if hit is not None and hit != p:
                targets.add(hit)
        imports_of[p] = targets
    # Who imports whom, counted over every file (a cheap textual check for non-candidates).
    for p, text in texts.items():
        for q in facts:
            if q == p:
                continue
            mod = module_of[q]
            short = mod.rsplit(".", 1)[-1]
            if (
                f"import {mod}" in text
                or f"from {mod} import" in text
                or (f"import {short}" in text and rel_of[q].parent == rel_of[p].parent)
            ):
                imported_by[q] = imported_by.get(q, 0) + 1

    entries = []
    for p, f in facts.items():
        entry = _score(
            root,
            p,
            rel_of[p],
            module_of[p],
            f,
            texts,
            imports_of.get(p, set()),
            imported_by.get(p, 0),
            mentions,
            module_mentions,
            script_modules,
            files.configs,
        )
        if entry is not None:
            entries.append(entry)
    entries.sort(key=lambda e: (-e.score, ROLES.index(e.role), e.path))

    primary: dict[str, str | None] = {}
    for role in ("train", "eval"):
        best = next((e for e in entries if role in e.roles and e.score >= 4), None)
        primary[role] = best.path if best else None

    return DiscoveryResult(
        root=root,
        entries=entries,
        primary=primary,
        files_scanned=len(files.python),
        parse_failures=sorted(parse_failures),
        too_large=sorted(rel_of.get(p, p).as_posix() if p in rel_of else str(p.relative_to(root)) for p in files.too_large),
        unreadable=sorted(str(p) for p in files.unreadable),
        seconds=time.perf_counter() - started,
    )


def _score(
    root: Path,
    path: Path,
    rel: Path,
    module: str,
    f: FileFacts,
    texts: dict[Path, str],
    imports: set[Path],
    imported_by: int,
    mentions: dict[str, list[Mention]],
    module_mentions: dict[str, list[Mention]],
    script_modules: dict[str, str],
    configs: list[Path],
) -> EntryPoint | None:
    if f.is_pytest and not f.main_guard:
        return None
    score = 0.0
    reasons: list[str] = []
    role_votes: dict[str, float] = {}
    text = texts[path]

    def vote(role: str, weight: float) -> None:
        role_votes[role] = role_votes.get(role, 0.0) + weight

    runnable = False
    if f.main_guard:
        score += 3
        runnable = True
        reasons.append("`__main__` guard")
    elif (f.top_level_calls >= 2 or f.top_level_loops) and imported_by == 0 and f.defines <= 6 + f.top_level_calls:
        score += 2
        runnable = True
        reasons.append("runs at module level (script style, no main())")
    if f.cli:
        score += 2
        runnable = True
        cli_text = ", ".join(sorted(f.cli))
        shown = [o for o in f.cli_options if o.startswith("--")][:4]
        reasons.append(f"{cli_text} with {', '.join(shown)}" if shown else f"parses arguments with {cli_text}")
    if f.hydra_config:
        reasons.append(f"Hydra config '{f.hydra_config}'")

    said = mentions.get(rel.name, []) + module_mentions.get(module, [])
    said = [
        m
        for m in said
        if m.is_module
        or (Path(m.target).name == rel.name and (root / m.target).resolve() == path)
        or not (root / m.target).exists()
    ]
    command: list[str] = ["python", rel.as_posix()]
    if said:
        score += 4
        runnable = True
        m = said[0]
        where = m.source.relative_to(root).as_posix()
        shown_cmd = f"python {'-m ' if m.is_module else ''}{m.target} {' '.join(m.args)}".strip()
        reasons.append(f"named in {where} as `{shown_cmd}`")
        if m.is_module:
            command = ["python", "-m", m.target, *m.args]
        else:
            command = ["python", rel.as_posix(), *m.args]
        for m2 in said:
            for word in _words(" ".join(m2.args)):
                for role, words in ROLE_WORDS.items():
                    if word in words:
                        vote(role, 0.5)
    if module in script_modules:
        score += 3
        runnable = True
        reasons.append(f"console script `{script_modules[module]}`")
    if not runnable:
        return None

    by_name, by_folder = _roles_from_name(rel)
    for role in by_name:
        vote(role, 2)
    if by_name:
        score += 2
        reasons.append(f"file name says {'/'.join(by_name)}")
    if by_folder:
        for role in by_folder:
            vote(role, 1)
    if len(rel.parts) > 1 and rel.parts[-2] in ENTRY_FOLDERS:
        score += 1
        reasons.append(f"lives in {rel.parts[-2]}/")
    if rel.stem in ("main", "run", "cli", "app", "__main__") or rel.stem.startswith("run_"):
        score += 1

    mode_flag = None
    mode_values: dict[str, str] = {}
    for flag, choices in f.mode_choices.items():
        for choice in choices:
            cw = _words(choice)
            for role, words in ROLE_WORDS.items():
                if cw & set(words):
                    mode_values.setdefault(role, choice)
        if mode_values:
            mode_flag = flag
            reasons.append(f"{flag} {'|'.join(choices)} selects the mode")
            for role in mode_values:
                vote(role, 2)
            break
    for option in f.cli_options:
        ow = _words(option)
        if ow & {"do", "only"} or option in ("--train", "--eval", "--test", "--predict"):
            for role, words in ROLE_WORDS.items():
                if ow & set(words):
                    vote(role, 1)
                    mode_values.setdefault(role, "")

    own_train = scan_ops(text, TRAIN_OPS)
    own_eval = scan_ops(text, EVAL_OPS)
    own_infer = scan_ops(text, INFER_OPS)
    own_data = scan_ops(text, DATA_OPS)
    deep_text = "\n".join(texts[q] for q in imports if q in texts)
    deep_train = [r for r in scan_ops(deep_text, TRAIN_OPS) if r not in own_train]
    deep_eval = [r for r in scan_ops(deep_text, EVAL_OPS) if r not in own_eval]
    if own_train:
        score += 2
        vote("train", 2)
        reasons.append("; ".join(own_train[:3]))
    if deep_train:
        score += 1
        vote("train", 1)
        names = ", ".join(sorted(q.relative_to(root).as_posix() for q in imports)[:2])
        reasons.append(f"via {names}: {'; '.join(deep_train[:2])}")
    if own_eval or deep_eval:
        score += 1
        vote("eval", 1 if own_eval else 0.5)
        reasons.append("; ".join(own_eval[:2]) if own_eval else f"via imports: {'; '.join(deep_eval[:2])}")
    if own_infer:
        score += 0.5
        vote("infer", 1)
    if own_data and not own_train:
        vote("data", 0.5)

    if imported_by and not said and module not in script_modules:
        score -= 2
        reasons.append(f"imported by {imported_by} other module{'s' if imported_by > 1 else ''} (a library with a demo?)")
    elif "." in module and not f.cli and not said and not by_name:
        score -= 1
    near_configs = [c for c in configs if c.parent.parent == path.parent or c.parent == path.parent]
    if f.hydra_config or (near_configs and "hydra" in f.cli):
        score += 0.5

    # Roles: everything with a clear vote, strongest first.
    if role_votes:
        top = max(role_votes.values())
        roles = [r for r, v in sorted(role_votes.items(), key=lambda kv: -kv[1]) if v >= min(2.0, top)]
    else:
        roles = []
    if mode_flag:
        roles = [r for r in ("train", "eval", "infer", "data") if r in mode_values] + [r for r in roles if r not in mode_values]
    if not roles:
        roles = ["other"]
    if "train" in roles and not mode_flag and role_votes.get("eval", 0) > role_votes.get("train", 0):
        roles.remove("train")
        roles.append("train")
    confidence = round(1.0 - math.exp(-max(score, 0.0) / 5.0), 2)
    if mode_flag and roles[0] in mode_values:
        command = ["python", rel.as_posix(), mode_flag, mode_values[roles[0]]]
    return EntryPoint(
        path=rel.as_posix(),
        module=module if "." in module else None,
        role=roles[0],
        roles=roles,
        score=round(score, 2),
        confidence=confidence,
        reasons=reasons,
        command=command,
        cli=sorted(f.cli),
        options=f.cli_options[:20],
        mode_flag=mode_flag,
        mode_values={k: v for k, v in mode_values.items() if v},
    )
