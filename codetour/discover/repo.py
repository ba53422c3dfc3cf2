"""Repo-level facts every rule can consult: which files import, exec or launch which,
what the docs tell a newcomer to run (resolved to files), console scripts, notebooks.

Everything is read as text; nothing from the repository is imported or run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from codetour.discover.analyze import TRAIN_OPS, FileFacts, scan_ops
from codetour.discover.commands import Mention, console_scripts, find_mentions
from codetour.discover.walk import RepoFiles

# `from a.b import c, d` / `from . import x` / `import a.b as c, d` (one logical line; parentheses followed)
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)|import[ \t]+([^\n#;]+))", re.M)
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_NOTEBOOK_TRAIN = re.compile(r"\.backward\(|optimizer\.step\(|\.fit\(|\.learn\(|trainer\.train\(|apply_gradients\(")
_NOTEBOOK_EVAL = re.compile(r"\bevaluate\(|accuracy|\.eval\(\)|no_grad\(")
_TEST_PATH = re.compile(r"(^|/)(tests?|testing)/|(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$")
ROOT_README = re.compile(r"readme(\.\w+)?$", re.I)


@dataclass
class RepoContext:
    root: Path
    texts: dict[str, str]  # rel (POSIX) -> source text, every Python file read
    module_of: dict[str, str]  # rel -> dotted module name (package-aware)
    by_module: dict[str, str]  # dotted module name -> rel
    by_name: dict[str, list[str]]  # file name -> rels, shallowest first
    packages: set[str] = field(default_factory=set)  # folders with an __init__.py
    facts: dict[str, FileFacts] = field(default_factory=dict)  # parsed candidates
    imports: dict[str, set[str]] = field(default_factory=dict)  # rel -> repo files it imports
    importers: dict[str, set[str]] = field(default_factory=dict)  # rel -> repo files importing it
    mentions: dict[str, list[Mention]] = field(default_factory=dict)  # rel -> documented commands running it
    doc_order: dict[str, int] = field(default_factory=dict)  # rel -> rank of its first command in the root README
    console: dict[str, list[str]] = field(default_factory=dict)  # rel -> console script names running it
    exec_by: dict[str, list[str]] = field(default_factory=dict)  # rel -> files exec()/runpy-ing it
    launched_by: dict[str, list[str]] = field(default_factory=dict)  # rel -> files naming it in a string literal
    dispatched: dict[str, tuple[list[str], str, str]] = field(default_factory=dict)  # rel -> (launcher, sub-command, by)
    notebooks: list[str] = field(default_factory=list)
    notebook_roles: dict[str, set[str]] = field(default_factory=dict)  # notebook -> {"train", "eval"}
    _ops_cache: dict[str, list[str]] = field(default_factory=dict)
    has_main_entries: bool = True  # some runnable file lives outside tutorials/, examples/, projects/...

    def resolve_path(self, target: str, near: str | None = None, cwd: str = "", cwd_alt: str = "") -> str | None:
        """A file named in a command or a string literal, as a repo-relative path.

        Tried in order: relative to the folder a preceding `cd` moved to, to the folder of
        the file that names it, to the root; then, for a bare name, the only file with that
        name; for a path, the shallowest file whose path ends with it.
        """
        target = target.strip().strip("'\"")
        while target.startswith("./"):
            target = target[2:]
        if not target.endswith(".py") or target.startswith("/") or "$" in target or "{" in target:
            return None
        parts = [p for p in target.split("/") if p and p != "."]
        if not parts or ".." in parts:
            return None
        clean = "/".join(parts)
        folder = near.rsplit("/", 1)[0] if near and "/" in near else ""
        tries = [f"{folder}/{c}".strip("/") if c else None for c in (cwd, cwd_alt)] + [cwd or None, cwd_alt or None]
        for base in dict.fromkeys([*tries, folder or None, ""]):
            if base is None:
                continue
            local = f"{base}/{clean}" if base else clean
            if local in self.texts:
                return local
        if len(parts) == 1:
            same = self.by_name.get(clean, [])
            return same[0] if len(same) == 1 else None
        matches = [rel for rel in self.by_name.get(parts[-1], []) if rel == clean or rel.endswith("/" + clean)]
        if not matches:
            return None
        depth = min(m.count("/") for m in matches)
        shallowest = [m for m in matches if m.count("/") == depth]
        return shallowest[0] if len(shallowest) == 1 else None

    def resolve_module(self, module: str) -> str | None:
        rel = self.by_module.get(module)
        if rel is None:
            rel = self.by_module.get(f"{module}.__main__")
        return rel

    def ops_via_imports(self, rel: str, table: list) -> list[str]:
        """Operations (e.g. TRAIN_OPS) found in the repo modules ``rel`` imports."""
        found: list[str] = []
        for q in sorted(self.imports.get(rel, ())):
            if "__main__" in self.texts.get(q, ""):
                continue  # a helper borrowed from another script says nothing about this one
            for reason in self.ops_in(q, table):
                if reason not in found:
                    found.append(reason)
        return found

    def ops_in(self, rel: str, table: list) -> list[str]:
        key = f"{id(table)}:{rel}"
        if key not in self._ops_cache:
            self._ops_cache[key] = scan_ops(self.texts.get(rel, ""), table)
        return self._ops_cache[key]


def module_names(root: Path, rels: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """rel -> dotted name, and dotted name -> rel (path from the root and from the top package)."""
    has_init = {rel.rsplit("/", 1)[0] for rel in rels if rel.endswith("/__init__.py")}
    module_of: dict[str, str] = {}
    by_module: dict[str, str] = {}
    for rel in rels:
        parts = rel[:-3].split("/")
        full = ".".join(parts)
        module_of[rel] = full
        by_module.setdefault(full, rel)
        # the name it is imported by when its top package's parent is on sys.path (src/ layouts)
        depth = len(parts) - 1
        while depth > 0 and "/".join(parts[:depth]) in has_init:
            depth -= 1
        if depth < len(parts) - 1:
            by_module.setdefault(".".join(parts[depth:]), rel)
        if parts[-1] == "__init__" and len(parts) > 1:
            by_module.setdefault(".".join(parts[:-1]), rel)
            if depth < len(parts) - 1:
                by_module.setdefault(".".join(parts[depth:-1]), rel)
    return module_of, by_module


def _imported_names(text: str) -> list[tuple[int, str, list[str]]]:
    """(relative level, module, imported names) for each import statement, found by regex."""
    found: list[tuple[int, str, list[str]]] = []
    for m in _IMPORT.finditer(text):
        if m.group(3) is not None:
            for chunk in m.group(3).split(","):
                name = chunk.strip().split(" as ")[0].strip()
                if _NAME.fullmatch(name):
                    found.append((0, name, []))
        else:
            raw = m.group(1)
            level = len(raw) - len(raw.lstrip("."))
            names = [n.strip().split(" as ")[0].strip() for n in m.group(2).strip("()").replace("\\", " ").split(",")]
            found.append((level, raw.lstrip("."), [n for n in names if _NAME.fullmatch(n)]))
    return found


def build_import_graph(ctx: RepoContext) -> None:
    for rel, text in ctx.texts.items():
        if "import" not in text:
            continue
        mod = ctx.module_of[rel]
        package = mod.rsplit(".", 1)[0] if "." in mod else ""
        folder = rel.rsplit("/", 1)[0].replace("/", ".") if "/" in rel else ""
        targets: set[str] = set()
        for level, module, names in _imported_names(text):
            if level:
                base = package
                for _ in range(level - 1):
                    base = base.rsplit(".", 1)[0] if "." in base else ""
                module = f"{base}.{module}".strip(".") if module else base
            tries = [f"{module}.{n}" for n in names] + [module]
            for name in tries:
                hit = ctx.by_module.get(name)
                if hit is None and folder and not level:  # flat layout: a sibling module on sys.path
                    hit = ctx.by_module.get(f"{folder}.{name}")
                while hit is None and "." in name and name in tries[-1:]:
                    name = name.rsplit(".", 1)[0]  # `import a.b.c` also imports a.b
                    hit = ctx.by_module.get(name)
                if hit is not None and hit != rel and not hit.endswith("__init__.py"):
                    targets.add(hit)
        ctx.imports[rel] = targets
        for t in targets:
            ctx.importers.setdefault(t, set()).add(rel)


def gather_mentions(ctx: RepoContext, files: RepoFiles, unreadable: list[Path]) -> None:
    """Resolve every command the repo documents to the file it runs."""
    scripts = console_scripts(ctx.root)
    for name, target in scripts.items():
        script_rel = ctx.resolve_module(target.split(":")[0])
        if script_rel is not None:
            ctx.console.setdefault(script_rel, []).append(name)
    script_names = {name: rel for rel, names in ctx.console.items() for name in names}
    root_readme = next((p for p in files.commands if p.parent == ctx.root and ROOT_README.match(p.name)), None)
    order = 0
    for cmd_file in files.commands:
        try:
            text = cmd_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            unreadable.append(cmd_file)
            continue
        source = cmd_file.relative_to(ctx.root).as_posix()
        found = find_mentions(cmd_file, text)
        if script_names:
            found += _console_mentions(cmd_file, text, script_names)
        for m in sorted(found, key=lambda m: m.line):
            if m.console:
                rel: str | None = m.target  # a console script mention, already resolved
            elif m.is_module:
                rel = ctx.resolve_module(m.target)
            else:
                rel = ctx.resolve_path(m.target, near=source, cwd=m.cwd, cwd_alt=m.cwd_alt)
            if rel is None or rel not in ctx.texts:
                continue
            ctx.mentions.setdefault(rel, []).append(m)
            if cmd_file == root_readme and rel not in ctx.doc_order:
                ctx.doc_order[rel] = order
                order += 1


def _console_mentions(path: Path, text: str, script_names: dict[str, str]) -> list[Mention]:
    """`litgpt finetune ...` lines, inside code blocks or after a `$` prompt, for declared
    console scripts (``target`` is the resolved file)."""
    from codetour.discover.commands import headings_above

    found: list[Mention] = []
    pattern = re.compile(r"^\s*(\$\s*)?(" + "|".join(re.escape(n) for n in script_names) + r")(?:\s+([^\n#|]*))?$")
    lines = text.splitlines()
    headings: list[str] | None = None
    in_code = path.suffix.lower() not in (".md", ".mdx", ".rst", ".txt") and not ROOT_README.match(path.name)
    fenced = not in_code
    for lineno, line in enumerate(lines, 1):
        stripped = line.strip()
        if fenced and (stripped.startswith("```") or stripped.startswith("~~~")):
            in_code = not in_code
            continue
        m = pattern.match(line)
        if not m or not (in_code or m.group(1)):
            continue
        if headings is None:
            headings = headings_above(lines, path.suffix.lower())
        args = tuple((m.group(3) or "").split())
        found.append(Mention(path, lineno, script_names[m.group(2)], args, False, headings[lineno - 1], 0, m.group(2)))
    return found


def link_files(ctx: RepoContext) -> None:
    """Files that others exec()/runpy (configurators) or name in string literals (launched helpers)."""
    for rel, facts in ctx.facts.items():
        for literal in facts.exec_literals:
            target = ctx.resolve_path(literal, near=rel)
            if target and target != rel:
                ctx.exec_by.setdefault(target, []).append(rel)
    for rel, text in ctx.texts.items():
        if ".py" not in text or (rel in ctx.facts and not ctx.facts[rel].py_literals) or _TEST_PATH.search(rel):
            continue  # tests that run a script by name say nothing about it being internal
        literals = ctx.facts[rel].py_literals if rel in ctx.facts else re.findall(r"[\"']([\w./-]+\.py)[\"']", text)
        for literal in literals:
            target = ctx.resolve_path(literal, near=rel)
            if target and target != rel and rel not in ctx.exec_by.get(target, []):
                ctx.launched_by.setdefault(target, []).append(rel)


def link_dispatch(ctx: RepoContext) -> None:
    """Modules a console script or a package __main__ runs by sub-command (``litgpt finetune``)."""
    for rel, facts in ctx.facts.items():
        if not facts.dispatch or not (rel in ctx.console or rel.endswith("__main__.py")):
            continue
        if rel in ctx.console:
            launcher = [ctx.console[rel][0]]
        else:
            launcher = ["python", "-m", ctx.module_of[rel].rsplit(".", 1)[0]]
        package = ctx.module_of[rel].rsplit(".", 1)[0] if "." in ctx.module_of[rel] else ""
        for sub in sorted(facts.dispatch, key=len):  # the shortest alias names the command
            target = facts.import_aliases.get(facts.dispatch[sub])
            if target is None:
                continue
            level = len(target) - len(target.lstrip("."))
            module = target.lstrip(".").rsplit(".", 1)[0] if "." in target.lstrip(".") else ""
            if level:
                base = package
                for _ in range(level - 1):
                    base = base.rsplit(".", 1)[0] if "." in base else ""
                module = f"{base}.{module}".strip(".")
            hit = ctx.resolve_module(module) if module else None
            if hit is not None and hit != rel and hit not in ctx.dispatched:
                ctx.dispatched[hit] = (launcher, sub, rel)


def scan_notebooks(ctx: RepoContext, notebooks: list[Path]) -> None:
    for nb in notebooks:
        rel = nb.relative_to(ctx.root).as_posix()
        ctx.notebooks.append(rel)
        try:
            with nb.open(encoding="utf-8", errors="replace") as fh:
                text = fh.read(400_000)
        except OSError:
            continue
        roles = set()
        if _NOTEBOOK_TRAIN.search(text) or any(p.search(text) for p, _ in TRAIN_OPS[:2]):
            roles.add("train")
        if _NOTEBOOK_EVAL.search(text):
            roles.add("eval")
        ctx.notebook_roles[rel] = roles
