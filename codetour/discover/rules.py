"""The rules discovery applies to each file. Each is small, named, and returns
:class:`Evidence` (a weight, role votes, a reason) or ``None`` when it does not apply;
:func:`codetour.discover.evidence.fold` adds them up.

Repo-level evidence (what the README and docs tell a newcomer to run, console scripts,
who imports or executes the file) weighs most; what the file does comes next; its name
is one signal among several.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

from codetour.discover.analyze import DATA_OPS, EVAL_OPS, INFER_OPS, TRAIN_OPS, FileFacts, scan_ops
from codetour.discover.commands import Mention
from codetour.discover.evidence import Evidence
from codetour.discover.repo import ROOT_README, RepoContext

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")

ROLE_WORDS = {
    "train": ("train", "training", "finetune", "fine_tune", "finetuning", "pretrain", "pretraining", "fit", "learn"),
    "eval": ("eval", "evaluate", "evaluation", "val", "validate", "validation", "test", "score", "enjoy"),
    "infer": (
        "infer",
        "inference",
        "predict",
        "prediction",
        "sample",
        "sampling",
        "generate",
        "generation",
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
        "prepro",
        "download",
        "data",
        "dataset",
        "datasets",
        "tokenize",
        "build_dataset",
        "make_dataset",
    ),
}
ENTRY_FOLDERS = ("tools", "scripts", "script", "bin", "train", "training", "cli")
# Folders whose scripts are secondary to the repo's own entry points.
AUX_FOLDERS = {
    "tutorial",
    "tutorials",
    "exercise",
    "exercises",
    "example",
    "examples",
    "demo",
    "demos",
    "projects",
    "contrib",
    "extensions",
    "extension",
    "plugins",
    "legacy",
    "deprecated",
    "archive",
    "old",
    "sandbox",
    "playground",
    "misc",
    "notebooks",
    "experimental",
}
STALE_WORDS = {"legacy", "old", "deprecated", "backup", "bak", "orig", "copy", "unused"}
PLOT_WORDS = {
    "plot",
    "plots",
    "plotting",
    "plotter",
    "visualizer",
    "visualize",
    "visualise",
    "visualization",
    "vis",
    "viz",
    "draw",
    "chart",
    "figure",
    "figures",
    "analyze",
    "analyse",
    "analysis",
    "summarize",
    "record",
}
BENCH_WORDS = {"bench", "benchmark", "benchmarks", "profile", "profiling", "profiler", "speed", "throughput", "flops", "latency"}
EXPORT_WORDS = {
    "export",
    "exporter",
    "convert",
    "converter",
    "conversion",
    "onnx",
    "tflite",
    "coreml",
    "publish",
    "upload",
    "push",
    "merge",
    "deploy",
    "clean",
    "average",
    "avg",
}
# an export word that starts the name is the file's action (convert-pretrain-to-x.py is a converter)
EXPORT_VERBS = EXPORT_WORDS - {"onnx", "tflite", "coreml"}
PROBE_WORDS = {"lincls", "linprobe", "probe", "probing", "knn", "linear"}
CONFIG_FOLDERS = {"configs", "config", "conf", "cfg", "cfgs", "hparams", "hyperparams"}
NOT_ENTRY_FILES = {"setup.py", "__init__.py", "conftest.py", "noxfile.py", "hubconf.py", "version.py", "_version.py"}
HEADLINE_HEADINGS = re.compile(r"quick\s*start|getting started|get started|usage|how to run|^run|tl;?dr", re.I)
HEADING_ROLES = {
    # "Training", not "Trained agent" / "Pretrained models" (those use a trained model)
    "train": re.compile(r"train(?!ed)|fine-?tun(?!ed)|finetun(?!ed)|reproduc", re.I),
    "eval": re.compile(r"eval|validat|\btest(ing)?\b", re.I),
    "infer": re.compile(r"infer|sampl|generat|\bdemo|predict|\bchat|serv|deploy|enjoy", re.I),
    "data": re.compile(r"\bdata|prepar|preprocess|download", re.I),
}
EVAL_SECTION = re.compile(r"\W*(evaluat|validat)", re.I)
MODE_FLAGS = {
    "eval": {
        "--eval",
        "--eval-only",
        "--eval_only",
        "--evaluate",
        "--evaluation",
        "--test",
        "--test-only",
        "--test_only",
        "--do_eval",
        "--do-eval",
        "--validate",
        "--only-eval",
        "--only_eval",
    },
    "infer": {"--sample-only", "--sample_only", "--predict", "--do_predict", "--play", "--generate", "--inference"},
    "train": {"--do_train", "--do-train", "--train"},
}
FREEZE = re.compile(r"requires_grad\s*=\s*False|requires_grad_\(\s*False\s*\)")
PLOT_IMPORT = re.compile(r"^\s*(?:import|from)\s+(matplotlib|seaborn|plotly)\b", re.M)
EXPORT_OPS = re.compile(r"\bonnx\.export\(|\bjit\.(trace|script)\(|\.to_onnx\(|\bexport_saved_model\b|coremltools")


def words(text: str) -> set[str]:
    return {w for w in _WORD_SPLIT.split(text.lower()) if w}


TOKENIZER_WORDS = {"vocab", "tokenizer", "tokenizers", "bpe", "sentencepiece", "spm", "merges"}


def roles_in_words(ws: set[str], stem: str = "") -> list[str]:
    if ws & TOKENIZER_WORDS and ws & set(ROLE_WORDS["train"]):
        return ["data"]  # train_vocab, train_tokenizer: building the vocabulary is data preparation
    found = []
    for role, role_words in ROLE_WORDS.items():
        if ws & set(role_words) or (stem and any(stem.startswith(w) for w in role_words if len(w) > 3)):
            found.append(role)
    return found


@dataclass
class FileContext:
    """One candidate file, with everything rules may ask about it."""

    rel: str
    module: str
    facts: FileFacts
    text: str
    repo: RepoContext

    @cached_property
    def parts(self) -> list[str]:
        return self.rel.split("/")

    @cached_property
    def stem(self) -> str:
        return self.parts[-1][:-3].lower()

    @cached_property
    def stem_words(self) -> set[str]:
        return words(self.stem)

    @cached_property
    def folder_words(self) -> set[str]:
        return set().union(*(words(p) for p in self.parts[:-1])) if len(self.parts) > 1 else set()

    @cached_property
    def name_roles(self) -> list[str]:
        roles = roles_in_words(self.stem_words, self.stem)
        if "data" in roles and len(roles) > 1 and not self.train_ops:
            return ["data"]  # create_pretraining_data.py, prepare_train_data.py: data *for* that role
        return roles

    @cached_property
    def train_ops(self) -> list[str]:
        return scan_ops(self.text, TRAIN_OPS)

    @cached_property
    def eval_ops(self) -> list[str]:
        return scan_ops(self.text, EVAL_OPS)

    @cached_property
    def mentions(self) -> list[Mention]:
        return self.repo.mentions.get(self.rel, [])

    @cached_property
    def documented(self) -> bool:
        return bool(self.mentions) or self.rel in self.repo.console

    @cached_property
    def documented_for_users(self) -> bool:
        """Named in a README or the docs (not only in CI configs or internal scripts), or
        declared as a console script or one of its sub-commands."""
        docs = (".md", ".mdx", ".rst", ".txt")
        if self.rel in self.repo.dispatched:
            return True
        return self.rel in self.repo.console or any(
            m.source.suffix.lower() in docs or ROOT_README.match(m.source.name) for m in self.mentions
        )

    @cached_property
    def importers(self) -> set[str]:
        return self.repo.importers.get(self.rel, set())

    @cached_property
    def aux_folder(self) -> str | None:
        return next((p for p in self.parts[:-1] if p.lower() in AUX_FOLDERS), None)


RuleFn = Callable[[FileContext], "Evidence | None"]


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    fn: RuleFn

    def __call__(self, ctx: FileContext) -> Evidence | None:
        found = self.fn(ctx)
        return None if found is None else replace(found, rule=self.name)


RULES: list[Rule] = []


def rule(name: str, description: str) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        RULES.append(Rule(name, description, fn))
        return fn

    return register


def ev(reason: str, weight: float = 0.0, roles: dict[str, float] | None = None, **flags: bool) -> Evidence:
    return Evidence("", reason, weight, roles or {}, **flags)


# --------------------------------------------------------------------------- never entries
@rule("packaging", "setup.py, __init__.py, conftest.py, hubconf.py, version files are never entry points")
def _packaging(ctx: FileContext) -> Evidence | None:
    if ctx.parts[-1] in NOT_ENTRY_FILES:
        return ev(f"{ctx.parts[-1]} is packaging/configuration, not an entry point", veto=True)
    return None


@rule("tests", "pytest/unittest files and tests/ folders are not entry points")
def _tests(ctx: FileContext) -> Evidence | None:
    name = ctx.parts[-1]
    if any(p in ("tests", "test", "testing", "unittests") for p in ctx.parts[:-1]):
        return ev(f"under {'/'.join(ctx.parts[:-1])}/ (tests)", veto=True)
    if (name.startswith("test_") or name.endswith("_test.py")) and re.search(
        r"^\s*(import pytest|import unittest|from unittest|def test_\w+\()", ctx.text, re.M
    ):
        return ev("a pytest/unittest file", veto=True)
    if ctx.facts.is_pytest and not ctx.facts.main_guard:
        return ev("defines test_* functions and nothing to run", veto=True)
    return None


@rule("docs_folder", "example code under docs/ is documentation")
def _docs(ctx: FileContext) -> Evidence | None:
    if ctx.parts[0] in ("docs", "doc") and len(ctx.parts) > 1:
        return ev("under docs/", veto=True)
    return None


@rule("config_module", "config modules (only imports and dict/literal assignments, or in configs/) are read, not run")
def _config(ctx: FileContext) -> Evidence | None:
    f = ctx.facts
    if f.main_guard:
        return None
    if f.config_only and (f.top_level_calls or f.defines == 0) and not ctx.documented:
        return ev("a config module: only imports and config assignments", veto=True)
    if CONFIG_FOLDERS & {p.lower() for p in ctx.parts[:-1]} and not f.parses_args:
        return ev(f"a config module under {'/'.join(ctx.parts[:-1])}/", veto=True)
    return None


@rule("executed_by_others", "files another file exec()s or runpy-runs (configurators) are part of that file")
def _executed(ctx: FileContext) -> Evidence | None:
    by = ctx.repo.exec_by.get(ctx.rel)
    if by:
        return ev(f"executed by {', '.join(sorted(by)[:3])} via exec()/runpy, not run on its own", veto=True)
    return None


@rule("internal_helper", "a file other code launches by name, with no documented use and no --options")
def _launched(ctx: FileContext) -> Evidence | None:
    by = ctx.repo.launched_by.get(ctx.rel)
    f = ctx.facts
    if by and not ctx.documented_for_users and not any(o.startswith("-") for o in f.cli_options) and not ctx.name_roles:
        return ev(f"launched internally by {', '.join(sorted(by)[:2])} (takes no options)", veto=True)
    return None


@rule("library_module", "modules other repo files import are libraries; a __main__ demo does not make them entries")
def _library(ctx: FileContext) -> Evidence | None:
    importers = ctx.importers
    if not importers or ctx.documented_for_users or ctx.parts[-1] == "__main__.py":
        return None
    n = len(importers)
    names = ", ".join(sorted(importers)[:2]) + (f" (+{n - 2})" if n > 2 else "")
    # scripts borrowing a helper from another script are weaker evidence than library modules
    scripts = sum(1 for q in importers if "__main__" in ctx.repo.texts.get(q, ""))
    weight = (n - scripts) + 0.5 * scripts
    if weight >= 3:
        return ev(f"a library imported by {n} modules ({names})", veto=True)
    if not ctx.facts.parses_args and weight >= 1:
        return ev(f"a library imported by {names}; its __main__ block is a demo", veto=True)
    penalty = -1.0 if scripts == n else -2.0
    return ev(f"imported by {n} other module{'s' if n > 1 else ''} ({names})", penalty)


@rule("package_demo", "a module of the repo's package whose __main__ block only demos it (no CLI, not documented)")
def _package_demo(ctx: FileContext) -> Evidence | None:
    f = ctx.facts
    if not f.main_guard or f.parses_args or ctx.documented_for_users or ctx.parts[-1] == "__main__.py" or not f.defines:
        return None
    package = ctx.rel.rsplit("/", 1)[0] if "/" in ctx.rel else ""
    if package not in ctx.repo.packages:
        return None
    runs_own_function = any(call.split(".")[0] in f.functions for call in f.main_calls)
    if f.defines < 3 and runs_own_function:
        return None
    return ev(f"a module of package {package.replace('/', '.')}; its __main__ block is a demo", veto=True)


@rule("nothing_runs", "named in the docs, but running it would do nothing: no __main__ block and no module-level code")
def _nothing_runs(ctx: FileContext) -> Evidence | None:
    f = ctx.facts
    if not ctx.documented or f.main_guard or f.top_level_calls or f.top_level_loops or ctx.parts[-1] == "__main__.py":
        return None
    if ctx.rel in ctx.repo.console or ctx.rel in ctx.repo.dispatched:
        return None
    return ev("named in the docs, but it only defines functions/classes: running it does nothing", veto=True)


# --------------------------------------------------------------------------- runnable
@rule("main_guard", "an `if __name__ == '__main__':` block: the author meant it to be run")
def _main_guard(ctx: FileContext) -> Evidence | None:
    return ev("`__main__` guard", 3.0, runnable=True) if ctx.facts.main_guard else None


@rule("script_style", "module-level work with no main() (nanoGPT-style scripts)")
def _script(ctx: FileContext) -> Evidence | None:
    f = ctx.facts
    if f.main_guard or f.config_only or ctx.importers:
        return None
    if (f.top_level_calls >= 2 or f.top_level_loops) and f.defines <= 6 + f.top_level_calls:
        return ev("runs at module level (script style, no main())", 2.0, runnable=True)
    return None


@rule("package_main", "a package's __main__.py runs with `python -m package`")
def _package_main(ctx: FileContext) -> Evidence | None:
    if ctx.parts[-1] == "__main__.py" and len(ctx.parts) > 1:
        return ev(f"`python -m {ctx.module.rsplit('.', 1)[0]}` runs it", 1.0, runnable=True)
    return None


@rule("cli", "builds a command line (argparse, click, typer, fire, absl, hydra, tyro, ...)")
def _cli(ctx: FileContext) -> Evidence | None:
    f = ctx.facts
    if not f.parses_args:
        wrapped = delegated_cli(ctx)
        if wrapped:  # train.py: `from pkg.train import train; train()` parses in pkg/train.py
            return ev(f"runs the command line of {wrapped}", 2.0)
        return None
    shown = [o for o in f.cli_options if o.startswith("--")][:4]
    frameworks = ", ".join(sorted(f.cli)) or "a CLI"
    reason = f"{frameworks} with {', '.join(shown)}" if shown else f"parses arguments with {frameworks}"
    if f.hydra_config:
        reason += f"; Hydra config '{f.hydra_config}'"
    return ev(reason, 2.5 if f.hydra_config else 2.0)


def delegated_cli(ctx: FileContext) -> str | None:
    """The repo module whose command line this file's __main__ block runs, if it only delegates."""
    f = ctx.facts
    for call in f.main_calls:
        target = f.import_aliases.get(call.split(".")[0])
        if target is None or target.startswith("."):
            continue
        module = target.rsplit(".", 1)[0]
        rel = ctx.repo.resolve_module(module)
        facts = ctx.repo.facts.get(rel) if rel else None
        if rel and rel != ctx.rel and facts is not None and facts.parses_args:
            return rel
    return None


# --------------------------------------------------------------------------- repo-level evidence
def _mention_text(ctx: FileContext, m: Mention) -> str:
    if m.console:
        return " ".join([m.console, *m.args])
    return f"python {'-m ' if m.is_module else ''}{m.target} {' '.join(m.args)}".strip()


@rule("documented", "named in a README, docs, Makefile, shell script or CI config: the repo's own instructions")
def _documented(ctx: FileContext) -> Evidence | None:
    said = ctx.mentions
    if not said:
        return None
    sources = {m.source for m in said}
    in_readme = any(m.source.parent == ctx.repo.root and ROOT_README.match(m.source.name) for m in said)
    first = sorted(said, key=mention_priority(ctx))[0]
    where = first.source.relative_to(ctx.repo.root).as_posix()
    more = len(sources) - 1
    reason = f"named in {where} as `{_shorten(_mention_text(ctx, first))}`" + (
        f" and in {more} more file{'s' if more > 1 else ''}" if more else ""
    )
    lines = len({(m.source, m.line) for m in said})
    return ev(reason, (4.0 if in_readme else 3.0) + min(2.0, 0.5 * more + 0.1 * (lines - 1)), runnable=True)


def mention_priority(ctx: FileContext) -> Callable[[Mention], tuple]:
    """Order mentions as a newcomer meets them: root README, then other docs, then scripts/CI."""
    root = ctx.repo.root

    def key(m: Mention) -> tuple:
        readme = m.source.parent == root and bool(ROOT_README.match(m.source.name))
        doc = m.source.suffix.lower() in (".md", ".mdx", ".rst") or bool(ROOT_README.match(m.source.name))
        return (not readme, not doc, m.source.as_posix(), m.line)

    return key


def _shorten(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@rule("headlined", "among the first commands the root README gives")
def _headlined(ctx: FileContext) -> Evidence | None:
    k = ctx.repo.doc_order.get(ctx.rel)
    if k is None or k >= 4:
        return None
    heading = next((m.heading for m in ctx.mentions if m.heading and HEADLINE_HEADINGS.search(m.heading)), "")
    bonus = 3.0 - 0.75 * k + (0.5 if heading else 0.0)  # headlined commands should usually win
    where = f" under '{heading}'" if heading else ""
    return ev(f"command #{k + 1} in the README{where}", bonus)


@rule("doc_headings", "the README/docs sections its commands appear under (Training, Evaluation, ...)")
def _doc_headings(ctx: FileContext) -> Evidence | None:
    votes: dict[str, float] = {}
    shown: list[str] = []
    for m in ctx.mentions:
        if not m.heading:
            continue
        for role, pattern in HEADING_ROLES.items():
            if pattern.search(m.heading) and role not in votes:
                votes[role] = 1.5
                shown.append(m.heading)
    if not votes:
        return None
    return ev(f"documented under {', '.join(repr(h) for h in dict.fromkeys(shown))}", 0.0, votes)


TRAIN_FLAGS = re.compile(
    r"--(?:n_?|num_?|max_?|total_?)?(?:epochs?|iters|iterations|timesteps|train_?steps|updates)\b"
    r"|--(?:lr|learning_rate|learning-rate|warmup\w*|weight_decay|weight-decay)\b",
    re.I,
)


def doc_command_roles(m: Mention) -> list[str]:
    """Roles a documented command line selects by its flags or sub-command word."""
    found = []
    flags = {a.split("=")[0] for a in m.args if a.startswith("-")}
    for role, names in MODE_FLAGS.items():
        if flags & names:
            found.append(role)
    sub = next((a for a in m.args[:1] if re.fullmatch(r"[a-z][a-z_\-]*", a)), None)
    if sub:
        for role in roles_in_words(words(sub), sub):
            if role not in found:
                found.append(role)
    if not found and EVAL_SECTION.match(m.heading) and not HEADING_ROLES["train"].search(m.heading):
        found.append("eval")  # the command a section titled "Evaluation ..." gives
    return found


@rule("doc_train_flags", "documented commands pass training hyper-parameters (--epochs, --lr, --num_timesteps)")
def _doc_train_flags(ctx: FileContext) -> Evidence | None:
    hits = [m for m in ctx.mentions if not doc_command_roles(m) and any(TRAIN_FLAGS.match(a) for a in m.args)]
    if not hits:
        return None
    flag = next(a for a in hits[0].args if TRAIN_FLAGS.match(a)).split("=")[0]
    return ev(f"documented with training options ({flag})", 0.0, {"train": 2.0})


@rule("train_options", "its command line takes training options (--epochs, --lr, --max_timesteps)")
def _train_options(ctx: FileContext) -> Evidence | None:
    hits = [o for o in ctx.facts.cli_options if TRAIN_FLAGS.match(o)]
    if not hits or (ctx.name_roles and "train" not in ctx.name_roles):
        return None  # eval_linear.py --lr --epochs: a probe's options, not a trainer's
    return ev(f"takes training options ({', '.join(hits[:3])})", 0.0, {"train": 1.0})


@rule("doc_modes", "documented commands that select a mode (--eval-only, `cli evaluate`, --sample-only)")
def _doc_modes(ctx: FileContext) -> Evidence | None:
    votes: dict[str, float] = {}
    shown = []
    for m in ctx.mentions:
        for role in doc_command_roles(m):
            if role not in votes:
                votes[role] = 0.5  # a mode of the script; its main role comes from what it does
                shown.append(f"{role}: `{_shorten(_mention_text(ctx, m), 60)}`")
    if not votes:
        return None
    return ev("documented modes: " + "; ".join(shown), 0.0, votes)


@rule("console_script", "declared as a console script in pyproject.toml/setup.cfg/setup.py")
def _console(ctx: FileContext) -> Evidence | None:
    names = ctx.repo.console.get(ctx.rel)
    if names:
        return ev(f"console script `{names[0]}`", 3.0, runnable=True)
    return None


@rule("dispatched", "a console script or package __main__ runs it by sub-command (`litgpt finetune`)")
def _dispatched(ctx: FileContext) -> Evidence | None:
    hit = ctx.repo.dispatched.get(ctx.rel)
    if hit is None:
        return None
    launcher, sub, by = hit
    votes = {r: 1.5 for r in roles_in_words(words(sub), sub)}
    if words(sub) & EXPORT_WORDS:
        votes = {"other": 2.0}
    return ev(f"run as `{' '.join([*launcher, sub])}` ({by} dispatches to it)", 2.0, votes, runnable=True)


# --------------------------------------------------------------------------- names and places
@rule("name_role", "the file name says what it does (train.py, eval_*.py, predict.py, prepare.py)")
def _name_role(ctx: FileContext) -> Evidence | None:
    roles = ctx.name_roles
    if not roles:
        return None
    return ev(f"file name says {'/'.join(roles)}", 2.0, {r: 2.5 for r in roles})


@rule("folder_role", "the folder name says what it holds (data/, eval/, train/)")
def _folder_role(ctx: FileContext) -> Evidence | None:
    roles = roles_in_words(ctx.folder_words)
    if not roles:
        return None
    return ev(f"folder says {'/'.join(roles)}", 0.0, {r: 1.0 for r in roles})


@rule("entry_folder", "lives in tools/, scripts/ or bin/, where repos keep their launchers")
def _entry_folder(ctx: FileContext) -> Evidence | None:
    if len(ctx.parts) > 1 and ctx.parts[-2] in ENTRY_FOLDERS:
        return ev(f"lives in {ctx.parts[-2]}/", 1.0)
    return None


@rule("conventional_name", "main.py, run.py, cli.py, app.py, run_*.py")
def _conventional(ctx: FileContext) -> Evidence | None:
    if ctx.stem in ("main", "run", "cli", "app", "__main__") or ctx.stem.startswith("run_"):
        return ev("", 1.0)
    return None


@rule("secondary_folder", "tutorials/, exercises/, examples/, projects/, contrib/... rank below the repo's own entries")
def _aux(ctx: FileContext) -> Evidence | None:
    folder = ctx.aux_folder
    if folder is None:
        return None
    trains = bool(ctx.train_ops or ctx.repo.ops_via_imports(ctx.rel, TRAIN_OPS)) or "train" in ctx.name_roles
    votes = {} if trains else {"other": 2.0}
    if not ctx.repo.has_main_entries:
        return ev(f"under {folder}/, like every script in this repo", 0.0, votes)
    return ev(f"under {folder}/ (secondary)", -2.0, votes)


@rule("stale_copy", "legacy_*, old_*, *_backup: superseded copies")
def _stale(ctx: FileContext) -> Evidence | None:
    hit = ctx.stem_words & STALE_WORDS
    return ev(f"name says {'/'.join(sorted(hit))}", -2.0) if hit else None


@rule("nesting", "deeply nested files are less likely to be where a newcomer starts")
def _nesting(ctx: FileContext) -> Evidence | None:
    depth = len(ctx.parts) - 1
    return ev("", -0.25 * (depth - 2)) if depth > 2 else None


# --------------------------------------------------------------------------- what the code does
@rule("train_ops", "calls backward(), optimizer.step(), .fit(), .learn(), jax gradients")
def _train_ops(ctx: FileContext) -> Evidence | None:
    ops = ctx.train_ops
    return ev("; ".join(ops[:3]), 2.0, {"train": 2.0}) if ops else None


@rule("train_ops_via_imports", "the repo modules it imports do the training (train.py -> engine.py)")
def _deep_train(ctx: FileContext) -> Evidence | None:
    if ctx.train_ops:
        return None
    ops = ctx.repo.ops_via_imports(ctx.rel, TRAIN_OPS)
    if not ops:
        return None
    names = ", ".join(sorted(ctx.repo.imports.get(ctx.rel, ()))[:2])
    return ev(f"via {names}: {'; '.join(ops[:2])}", 1.0, {"train": 1.0})


@rule("eval_ops", "no_grad, model.eval(), metrics, evaluate()")
def _eval_ops(ctx: FileContext) -> Evidence | None:
    own = ctx.eval_ops
    if own:
        return ev("; ".join(own[:2]), 1.0, {"eval": 1.0 if len(own) >= 2 else 0.5})
    deep = ctx.repo.ops_via_imports(ctx.rel, EVAL_OPS)
    if len(deep) >= 2:
        return ev(f"via imports: {'; '.join(deep[:2])}", 0.5, {"eval": 0.5})
    return None


@rule("infer_ops", "generate(), predict(), sample()")
def _infer_ops(ctx: FileContext) -> Evidence | None:
    ops = scan_ops(ctx.text, INFER_OPS)
    return ev("", 0.5, {"infer": 1.0}) if ops else None


@rule("data_ops", "builds datasets or writes processed data; with training ops it is a trainer that builds its data")
def _data_ops(ctx: FileContext) -> Evidence | None:
    ops = scan_ops(ctx.text, DATA_OPS)
    if not ops:
        deep = [] if ctx.train_ops else ctx.repo.ops_via_imports(ctx.rel, DATA_OPS)
        if "writes processed data" in deep and not scan_ops(ctx.text, INFER_OPS):
            return ev("via imports: writes processed data", 0.0, {"data": 1.0})
        return None
    if ctx.train_ops:
        return ev("builds its datasets, then trains", 0.0, {"train": 0.5})
    return ev("; ".join(ops[:2]), 0.0, {"data": 0.5 * len(ops)})


@rule("frozen_features", "eval/linear-probe/k-NN scripts that fit a small head on frozen features are evaluations")
def _frozen(ctx: FileContext) -> Evidence | None:
    evalish = "eval" in ctx.name_roles or "eval" in roles_in_words(ctx.folder_words)
    probe = ctx.stem_words & (PROBE_WORDS if evalish else PROBE_WORDS - {"linear"})
    if not (probe or evalish) or not (ctx.train_ops or probe):
        return None
    frozen = bool(FREEZE.search(ctx.text))
    if probe or frozen:
        what = f"name says {'/'.join(sorted(probe))}" if probe else "freezes the backbone (requires_grad=False)"
        return ev(f"fits a head on frozen features ({what}): an evaluation", 1.0, {"eval": 3.0, "train": -2.0})
    return None


@rule("plotting", "plots, visualisation, log analysis: role other")
def _plotting(ctx: FileContext) -> Evidence | None:
    hit = ctx.stem_words & PLOT_WORDS
    if hit:  # utility words outweigh role words in the same name (plot_eval.py, summarize_eval.py)
        votes = {"other": 4.0, **{r: -2.5 for r in ctx.name_roles}}
        return ev(f"name says {'/'.join(sorted(hit))} (a utility)", -1.0, votes)
    if (
        ("matplotlib" in ctx.text or "seaborn" in ctx.text or "plotly" in ctx.text)
        and PLOT_IMPORT.search(ctx.text)
        and not ctx.train_ops
        and not ctx.name_roles
    ):
        return ev("plots with matplotlib/seaborn/plotly", 0.0, {"other": 1.5})
    return None


@rule("benchmark", "speed/throughput benchmarks and profilers: role other, not eval")
def _benchmark(ctx: FileContext) -> Evidence | None:
    hit = ctx.stem_words & BENCH_WORDS
    if hit:
        votes = {"other": 5.0, **{r: -2.5 for r in ctx.name_roles}}
        return ev(f"name says {'/'.join(sorted(hit))} (measures speed, not model quality)", -1.5, votes)
    return None


@rule("exporter", "exporters, converters, checkpoint tools: role other")
def _exporter(ctx: FileContext) -> Evidence | None:
    hit = ctx.stem_words & EXPORT_WORDS
    data_words = set(ROLE_WORDS["data"])
    first = next(iter(w for w in _WORD_SPLIT.split(ctx.stem) if w), "")
    if (
        hit
        and not (ctx.stem_words & data_words or ctx.folder_words & data_words)
        and (first in EXPORT_VERBS or not ({"train", "eval"} & set(ctx.name_roles)))
    ):
        return ev(f"name says {'/'.join(sorted(hit))} (a conversion/export tool)", -1.0, {"other": 4.0})
    if (
        ("onnx" in ctx.text or "jit." in ctx.text or "coreml" in ctx.text or "saved_model" in ctx.text)
        and EXPORT_OPS.search(ctx.text)
        and not ctx.train_ops
        and not ctx.name_roles
    ):
        return ev("exports the model (ONNX/TorchScript/...)", -0.5, {"other": 2.0})
    return None


# --------------------------------------------------------------------------- modes
@rule("mode_flag", "a --mode/--task flag with choices such as train|eval selects what it does")
def _mode_flag(ctx: FileContext) -> Evidence | None:
    for flag, choices in ctx.facts.mode_choices.items():
        values = mode_values_for(choices)
        if values:
            return ev(f"{flag} {'|'.join(choices)} selects the mode", 0.0, {r: 2.0 for r in values})
    return None


def mode_values_for(choices: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for choice in choices:
        for role in roles_in_words(words(choice)):
            values.setdefault(role, choice)
    return values


@rule("mode_options", "options such as --eval-only, --do_eval, --evaluate add a mode to a script")
def _mode_options(ctx: FileContext) -> Evidence | None:
    votes: dict[str, float] = {}
    shown = []
    for option in ctx.facts.cli_options:
        for role, names in MODE_FLAGS.items():
            if option in names and role not in votes:
                votes[role] = 0.5
                shown.append(option)
    if not votes:
        return None
    return ev(f"{', '.join(shown)} option{'s' if len(shown) > 1 else ''}", 0.0, votes)


def evaluate_rules(ctx: FileContext) -> list[tuple[Rule, Evidence | None]]:
    """Every rule's verdict on one file, in rule order (``None``: did not apply)."""
    return [(r, r(ctx)) for r in RULES]
