"""What one Python file says about itself, read with :mod:`ast` (never imported)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

CLI_MODULES = {
    "argparse": "argparse",
    "click": "click",
    "typer": "typer",
    "fire": "fire",
    "tyro": "tyro",
    "absl": "absl",
    "absl.app": "absl",
    "absl.flags": "absl",
    "hydra": "hydra",
    "jsonargparse": "jsonargparse",
    "simple_parsing": "simple_parsing",
    "transformers": None,
    "lightning": None,
    "pytorch_lightning": None,
    "omegaconf": None,
}

# ML operations looked for in code, as (regex on source text, what it suggests, reason text).
TRAIN_OPS = [
    (re.compile(r"\.backward\("), "calls loss.backward()"),
    (re.compile(r"\b(optim\w*|opt)\.step\(|optimizer\w*\.step\("), "calls optimizer.step()"),
    (re.compile(r"\.zero_grad\("), "calls zero_grad()"),
    (re.compile(r"\btrainer\.fit\(|\.fit\("), "calls .fit()"),
    (re.compile(r"\bGradScaler\b|\bclip_grad_norm_?\("), "uses gradient scaling/clipping"),
    (re.compile(r"\bjax\.grad\(|\bvalue_and_grad\(|\bapply_gradients\("), "computes gradients (JAX)"),
    # a model Trainer, not a tokenizer one (spm.SentencePieceTrainer.train builds a vocabulary)
    (re.compile(r"\b(?!\w*(?:[Pp]iece|[Tt]oken|BPE|[Bb]pe))\w*[Tt]rainer\w*\.(?:fit|train|run|train_model)\("), "runs a Trainer"),
    (re.compile(r"\b(?:policy|agent|model|algo|learner)\.train\(\w|\b\w+\.learn\(\w"), "calls agent.train()/model.learn()"),
    (re.compile(r"\.minimize\(|\btf\.(?:compat\.v1\.)?train\.\w*Optimizer\b|\btrain_op\b"), "builds TensorFlow training ops"),
]
EVAL_OPS = [
    (re.compile(r"\bno_grad\(|\binference_mode\("), "runs under no_grad/inference_mode"),
    (re.compile(r"\.eval\(\)"), "calls model.eval()"),
    (
        re.compile(
            r"\b(accuracy|precision|recall|f1|bleu|rouge|perplexity|mAP|top1|top5|auroc|mean return|nll|bpd|fid|wer|psnr|ssim|miou)\b",
            re.I,
        ),
        "computes metrics",
    ),
    (re.compile(r"\btrainer\.(validate|test)\(|\bevaluate\("), "calls evaluate()"),
]
INFER_OPS = [
    # sample() or sampler.sample(), not replay_buffer.sample()
    (
        re.compile(
            r"\.generate\(|(?<![.\w])sample\(|\b\w*(?:[Ss]ampler|model|pipe|diffusion)\w*\.sample\(|\.predict\(|\bpipeline\("
        ),
        "generates or predicts",
    ),
]
DATA_OPS = [
    (re.compile(r"\bDataLoader\(|\bDataset\b|load_dataset\("), "builds datasets/loaders"),
    (re.compile(r"\b(tokeniz\w*|np\.save\w*|to_parquet|\.tofile\(|json\.dump)"), "writes processed data"),
]
# Literal substrings one of which must occur for each op's regex to be worth running
# (substring search is far cheaper than a regex over a large file).
NEEDLES: dict[str, tuple[str, ...]] = {
    "calls loss.backward()": (".backward(",),
    "calls optimizer.step()": (".step(",),
    "calls zero_grad()": (".zero_grad(",),
    "calls .fit()": (".fit(",),
    "uses gradient scaling/clipping": ("GradScaler", "clip_grad_norm"),
    "computes gradients (JAX)": ("grad(", "apply_gradients("),
    "runs a Trainer": ("rainer",),
    "calls agent.train()/model.learn()": (".train(", ".learn("),
    "builds TensorFlow training ops": (".minimize(", "Optimizer", "train_op"),
    "runs under no_grad/inference_mode": ("no_grad(", "inference_mode("),
    "calls model.eval()": (".eval()",),
    "computes metrics": (
        "ccuracy",
        "ACCURACY",
        "recision",
        "ecall",
        "f1",
        "F1",
        "bleu",
        "BLEU",
        "Bleu",
        "rouge",
        "ROUGE",
        "Rouge",
        "erplexity",
        "mAP",
        "MAP",
        "top1",
        "top5",
        "Top1",
        "Top5",
        "TOP1",
        "uroc",
        "AUROC",
        "mean return",
        "Mean return",
        "nll",
        "NLL",
        "bpd",
        "fid",
        "FID",
        "wer",
        "WER",
        "psnr",
        "PSNR",
        "ssim",
        "SSIM",
        "miou",
        "mIoU",
    ),
    "calls evaluate()": ("evaluate(", ".validate(", ".test("),
    "generates or predicts": (".generate(", "sample(", ".predict(", "pipeline("),
    "builds datasets/loaders": ("DataLoader(", "Dataset", "load_dataset("),
    "writes processed data": ("okeniz", "np.save", "to_parquet", ".tofile(", "json.dump"),
}
CKPT_OPS = re.compile(r"\b(torch\.save|save_checkpoint|np\.savez|torch\.load|load_state_dict|save_pretrained|from_pretrained)\b")


@dataclass
class FileFacts:
    main_guard: bool = False
    main_guard_line: int = 0
    top_level_calls: int = 0  # statements at module level that do work (script style, no main())
    top_level_loops: int = 0
    defines: int = 0  # functions and classes defined
    cli: set[str] = field(default_factory=set)
    cli_options: list[str] = field(default_factory=list)
    mode_choices: dict[str, list[str]] = field(default_factory=dict)  # "--mode" -> ["train", "eval"]
    required_options: list[str] = field(default_factory=list)
    hydra_config: str | None = None
    imports: set[str] = field(default_factory=set)  # absolute module names, relative resolved by caller
    relative_imports: list[tuple[int, str]] = field(default_factory=list)
    docstring: str | None = None
    is_pytest: bool = False
    parses_args: bool = False  # a parser is built or a CLI framework is invoked (an import alone is not enough)
    config_only: bool = False  # module level is only imports and config-style assignments (dict(...), literals)
    exec_literals: list[str] = field(default_factory=list)  # files it exec()s or runpy-runs by literal name
    py_literals: list[str] = field(default_factory=list)  # other ".py" file names it mentions in string literals
    main_calls: list[str] = field(default_factory=list)  # what the __main__ block calls
    functions: list[str] = field(default_factory=list)  # top-level function names
    import_aliases: dict[str, str] = field(default_factory=dict)  # local name -> "..module.attr" (dots = level)
    dispatch: dict[str, str] = field(default_factory=dict)  # sub-command -> local function name ({"train": train_fn})


CONFIG_CALLS = {"dict", "list", "tuple", "set", "frozenset", "ConfigDict", "FieldReference", "L", "LazyCall", "Path", "join"}


def analyze(tree: ast.Module) -> FileFacts:
    facts = FileFacts(docstring=ast.get_docstring(tree))
    config_like = bool(tree.body)
    for stmt in tree.body:
        if not _config_statement(stmt):
            config_like = False
        if isinstance(stmt, ast.If) and _is_main_test(stmt.test):
            facts.main_guard = True
            facts.main_guard_line = stmt.lineno
            facts.main_calls.extend(_called_names(stmt.body))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            facts.defines += 1
            if not isinstance(stmt, ast.ClassDef):
                facts.functions.append(stmt.name)
            if stmt.name.startswith("test_") and isinstance(stmt, ast.FunctionDef):
                facts.is_pytest = True
        elif isinstance(stmt, (ast.For, ast.While, ast.AsyncFor)):
            facts.top_level_loops += 1
        elif (
            (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call))
            or (isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(getattr(stmt, "value", None), ast.Call))
            or isinstance(stmt, ast.With)
        ):
            facts.top_level_calls += 1
    facts.config_only = config_like and not facts.main_guard
    node: ast.AST
    decorators: list[ast.expr] = []
    tables: dict[str, dict[str, str]] = {}  # NAME = {"train": train_fn, ...}
    table_uses: set[str] = set()  # names handed to a CLI call or indexed by a command
    for node in _walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                facts.imports.add(alias.name)
                _note_cli(facts, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                facts.relative_imports.append((node.level, node.module or ""))
                for alias in node.names:
                    facts.relative_imports.append((node.level, f"{node.module}.{alias.name}" if node.module else alias.name))
            for alias in node.names:
                target = f"{node.module}.{alias.name}" if node.module else alias.name
                facts.import_aliases[alias.asname or alias.name] = "." * node.level + target
            if node.module and not node.level:
                facts.imports.add(node.module)
                for alias in node.names:
                    facts.imports.add(f"{node.module}.{alias.name}")
                    if alias.name in ("LightningCLI", "HfArgumentParser", "ArgumentParser", "CLI"):
                        facts.cli.add(alias.name)
                _note_cli(facts, node.module)
        elif isinstance(node, ast.Call):
            _note_call(facts, node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(".py"):
            if _PY_NAME.fullmatch(node.value):
                facts.py_literals.append(node.value)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorators.extend(node.decorator_list)
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and len(node.targets) == 1:
            if isinstance(node.targets[0], ast.Name):
                table = _command_table(node.value)
                if table:
                    tables[node.targets[0].id] = table
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            table_uses.add(node.value.id)  # COMMANDS[args.command](...)
        if isinstance(node, ast.Call) and _dotted(node.func).rsplit(".", 1)[-1] in DISPATCH_CALLS:
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name):
                    table_uses.add(arg.id)  # CLI(PARSER_DATA), fire.Fire(COMMANDS)
                elif isinstance(arg, ast.Dict):
                    facts.dispatch.update(_command_table(arg))
    for deco in decorators:  # after the walk: they are read against the file's imports
        _note_decorator(facts, deco)
    for name in table_uses & set(tables):
        facts.dispatch.update(tables[name])
    return facts


_PY_NAME = re.compile(r"[\w./-]{1,200}\.py")


def _config_statement(stmt: ast.stmt) -> bool:
    """Imports, docstrings and assignments whose calls only build config values."""
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
        return True
    if isinstance(stmt, ast.With):  # mmengine's `with read_base():` around config imports
        return all(_config_statement(s) for s in stmt.body)
    if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        value = stmt.value
        if value is None:
            return True
        for node in ast.walk(value):
            if isinstance(node, (ast.Lambda, ast.ListComp, ast.GeneratorExp, ast.DictComp, ast.SetComp)):
                return False
            if isinstance(node, ast.Call):
                name = _dotted(node.func).rsplit(".", 1)[-1]
                if name not in CONFIG_CALLS and not name[:1].isupper():
                    return False
        return True
    return False


# fields that only hold Load/Store contexts and operators: nothing this module looks for
_LEAF_FIELDS = frozenset({"ctx", "op", "ops", "type_comment"})


def _walk(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node in source order (depth first), without ``ast.walk``'s generator overhead."""
    stack = [tree]
    ast_type = ast.AST
    skip = _LEAF_FIELDS
    while stack:
        node = stack.pop()
        yield node
        children: list[ast.AST] = []
        for name in node._fields:
            if name in skip:
                continue
            value = getattr(node, name, None)
            if isinstance(value, list):
                children.extend(v for v in value if isinstance(v, ast_type))
            elif isinstance(value, ast_type):
                children.append(value)
        children.reverse()
        stack.extend(children)


def _called_names(body: list[ast.stmt]) -> list[str]:
    """Calls made directly by these statements (``main()``, ``app.run(main)``, ``x = Model()``)."""
    names = []
    for stmt in body:
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign)) else None
        if isinstance(value, ast.Call):
            name = _dotted(value.func)
            if name:
                names.append(name)
            names.extend(_dotted(a) for a in value.args if isinstance(a, (ast.Name, ast.Attribute)))
    return names


DISPATCH_CALLS = {"CLI", "Fire", "cli", "run", "dispatch", "main"}


def _command_table(node: ast.Dict) -> dict[str, str]:
    """``{"train": train_fn, "eval": eval_fn}``: a sub-command table, or {} if it is not one."""
    table = {}
    for key, value in zip(node.keys, node.values):
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(value, ast.Name)):
            return {}
        table[key.value] = value.id
    return table if len(table) >= 2 else {}


def _is_main_test(test: ast.expr) -> bool:
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    return bool(names and consts)


def _note_cli(facts: FileFacts, module: str) -> None:
    top = module.split(".")[0]
    name = CLI_MODULES.get(module, CLI_MODULES.get(top))
    if name:
        facts.cli.add(name)


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


PARSE_CALLS = {
    "parse_args",
    "parse_known_args",
    "ArgumentParser",
    "parse_args_into_dataclasses",
    "Fire",
    "cli",
    "LightningCLI",
    "CLI",
    "HfArgumentParser",
}
RUN_FILE_CALLS = {"exec", "execfile", "run_path", "run_module"}


def _note_call(facts: FileFacts, call: ast.Call) -> None:
    name = _dotted(call.func)
    last = name.rsplit(".", 1)[-1]
    if last in PARSE_CALLS or name in ("app.run", "absl.app.run", "typer.run", "tyro.cli", "fire.Fire"):
        facts.parses_args = True
    if last in RUN_FILE_CALLS and call.args:
        for node in ast.walk(call.args[0]):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip():
                facts.exec_literals.append(node.value.strip())
    if last in (
        "add_argument",
        "DEFINE_string",
        "DEFINE_integer",
        "DEFINE_float",
        "DEFINE_bool",
        "DEFINE_boolean",
        "DEFINE_enum",
        "option",
        "argument",
    ):
        opts = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        if last.startswith("DEFINE") and opts:
            opts = [f"--{opts[0]}"]
        long = [o for o in opts if o.startswith("--")] or opts[:1]
        if long:
            flag = long[0]
            facts.cli_options.append(flag)
            facts.parses_args = True
            for kw in call.keywords:
                if kw.arg == "choices" and isinstance(kw.value, (ast.List, ast.Tuple, ast.Set)):
                    values = [e.value for e in kw.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
                    if values:
                        facts.mode_choices[flag] = values
                if kw.arg == "required" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
                    facts.required_options.append(flag)
            if last == "DEFINE_enum" and len(call.args) >= 3 and isinstance(call.args[2], (ast.List, ast.Tuple)):
                facts.mode_choices[flag] = [
                    e.value for e in call.args[2].elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
                ]
    elif name in ("app.run", "absl.app.run"):
        facts.cli.add("absl")
    elif name in ("fire.Fire", "Fire"):
        facts.cli.add("fire")
    elif name in ("typer.run", "tyro.cli", "CLI", "LightningCLI", "HfArgumentParser"):
        facts.cli.add(name.split(".")[0] if "." in name else name)


def _note_decorator(facts: FileFacts, deco: ast.expr) -> None:
    target = deco.func if isinstance(deco, ast.Call) else deco
    name = _dotted(target)
    if name in ("hydra.main", "main") and isinstance(deco, ast.Call) and "hydra" in " ".join(facts.imports) + name:
        facts.cli.add("hydra")
        facts.parses_args = True
        for kw in deco.keywords:
            if kw.arg == "config_name" and isinstance(kw.value, ast.Constant):
                facts.hydra_config = str(kw.value.value)
    elif name.startswith("click.") or name in ("command", "group"):
        if name.startswith("click."):
            facts.cli.add("click")
            facts.parses_args = True
    elif name.endswith(".command") and ("typer" in facts.imports or "click" in facts.imports):
        facts.cli.add("typer" if "typer" in facts.imports else "click")
        facts.parses_args = True


def scan_ops(text: str, table: list) -> list[str]:
    """The reasons of the ``table`` ops found in ``text``."""
    found = []
    for pattern, reason in table:
        needles = NEEDLES.get(reason)
        if needles is not None and not any(n in text for n in needles):
            continue
        if pattern.search(text):
            found.append(reason)
    return found
