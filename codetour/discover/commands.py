"""Where a repo says how it is run: README code blocks, Makefiles, shell scripts,
CI configs, and console scripts declared in ``pyproject.toml``/``setup.cfg``/``setup.py``."""

from __future__ import annotations

import ast
import configparser
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

# python[3][.x] [-u ...] script.py ARGS | python -m pkg.mod ARGS | torchrun/accelerate/deepspeed ... script.py ARGS
_PY_CMD = re.compile(
    r"(?:^|[\s;&|(`$])(?:CUDA_VISIBLE_DEVICES=\S+\s+)?"
    r"(?:python(?:3(?:\.\d+)?)?|torchrun|accelerate\s+launch|deepspeed|horovodrun(?:\s+-np\s+\d+)?|"
    r"python\s+-m\s+torch\.distributed\.(?:launch|run)|uv\s+run|poetry\s+run\s+python)\s+([^\n#]*)"
)


@dataclass(frozen=True)
class Mention:
    """A command line found in a file: ``target`` is a script path or ``-m module``."""

    source: Path
    line: int
    target: str
    args: tuple[str, ...]
    is_module: bool


def _split(rest: str) -> list[str]:
    rest = rest.strip().rstrip("\\").strip()
    try:
        return shlex.split(rest, comments=True)
    except ValueError:
        return rest.split()


def find_mentions(path: Path, text: str) -> list[Mention]:
    found = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if "python" not in line and "torchrun" not in line and "accelerate" not in line and "deepspeed" not in line:
            continue
        for match in _PY_CMD.finditer(line):
            words = _split(match.group(1))
            while words and words[0].startswith("-") and words[0] != "-m":
                # launcher options such as -u, --nproc_per_node=8, --num_processes 2
                flag = words.pop(0)
                if (
                    "=" not in flag
                    and words
                    and not words[0].startswith("-")
                    and not words[0].endswith(".py")
                    and flag not in ("-u", "-O", "-B")
                ):
                    words.pop(0)
            if not words:
                continue
            if words[0] == "-m" and len(words) > 1:
                found.append(Mention(path, lineno, words[1], tuple(words[2:]), True))
            elif words[0].endswith(".py"):
                found.append(Mention(path, lineno, words[0], tuple(words[1:]), False))
    return found


def console_scripts(root: Path) -> dict[str, str]:
    """name -> "module:function" from the packaging files at the repo root."""
    scripts: dict[str, str] = {}
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = _load_toml(pyproject.read_text(encoding="utf-8", errors="replace"))
            scripts.update(data.get("project", {}).get("scripts", {}) or {})
            poetry = data.get("tool", {}).get("poetry", {}).get("scripts", {}) or {}
            scripts.update({k: v for k, v in poetry.items() if isinstance(v, str)})
        except Exception:
            pass
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser()
        try:
            parser.read(setup_cfg, encoding="utf-8")
            raw = parser.get("options.entry_points", "console_scripts", fallback="")
            for line in raw.splitlines():
                if "=" in line:
                    name, target = line.split("=", 1)
                    scripts[name.strip()] = target.strip()
        except configparser.Error:
            pass
    setup_py = root / "setup.py"
    if setup_py.is_file():
        try:
            tree = ast.parse(setup_py.read_text(encoding="utf-8", errors="replace"))
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and "=" in node.value and ":" in node.value:
                    name, target = node.value.split("=", 1)
                    if re.fullmatch(r"[\w.\-]+", name.strip()) and re.fullmatch(r"[\w.]+:[\w.]+", target.strip()):
                        scripts[name.strip()] = target.strip()
        except (SyntaxError, ValueError):
            pass
    return {k: v for k, v in scripts.items() if isinstance(v, str)}


def _load_toml(text: str) -> dict:
    try:
        import tomllib  # Python 3.11+
    except ModuleNotFoundError:  # Python 3.10: only the tables we need, read by hand
        return _mini_toml_scripts(text)
    return tomllib.loads(text)


def _mini_toml_scripts(text: str) -> dict:
    scripts: dict[str, str] = {}
    section = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line.strip("[]").strip()
        elif section in ("project.scripts", "tool.poetry.scripts") and "=" in line:
            name, value = line.split("=", 1)
            scripts[name.strip().strip('"')] = value.strip().strip('"').strip("'")
    return {"project": {"scripts": scripts}}
