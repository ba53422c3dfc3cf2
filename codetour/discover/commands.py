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


# ./train_net.py ARGS (an executable script run directly)
_DOT_SLASH = re.compile(r"(?:^\s*(?:\$\s*)?|[;&|]\s*)\./([\w./-]+\.py)\b([^\n#]*)")
# `cd tools/` before `./train_net.py`: later commands in the file run from there
_CD = re.compile(r"(?:^\s*(?:\$\s*)?|&&\s*|;\s*)cd\s+([^\s;&|]+)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+])\1{2,}\s*$")
_HTML_HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.I)
# `python -m` launchers that run another script or module: look past them
LAUNCHER_MODULES = {"torch.distributed.launch", "torch.distributed.run", "accelerate.commands.launch", "deepspeed"}
PYTHONS = {"python", "python3", "python2", "pythonw"}


@dataclass(frozen=True)
class Mention:
    """A command line found in a file: ``target`` is a script path or ``-m module``.

    ``heading`` is the nearest section heading above the line in a Markdown/reST
    document ("" elsewhere); ``order`` counts the commands before it in that file.
    """

    source: Path
    line: int
    target: str
    args: tuple[str, ...]
    is_module: bool
    heading: str = ""
    order: int = 0
    console: str = ""  # set when the command is a declared console script (``target`` is then the file)
    cwd: str = ""  # folder a preceding `cd` moved to, relative to the file's folder ("" if none)
    cwd_alt: str = ""  # the last `cd` argument alone (docs often mean "from the repo root")


def _split(rest: str) -> list[str]:
    rest = rest.strip().rstrip("\\").strip()
    if not any(c in rest for c in "'\"\\#"):
        return rest.split()  # nothing for shlex to do, and it is slow
    try:
        return shlex.split(rest, comments=True)
    except ValueError:
        return rest.split()


def _target(words: list[str]) -> tuple[str, list[str], bool] | None:
    """(script or module, its args, is_module) from the words after a launcher."""
    for _ in range(4):  # `uv run python -m torch.distributed.launch --nproc 8 train.py`
        if words and words[0] in PYTHONS:
            words = words[1:]
        while words and words[0].startswith("-") and words[0] != "-m":
            # launcher options such as -u, --nproc_per_node=8, --num_processes 2
            flag = words.pop(0)
            if (
                "=" not in flag
                and words
                and not words[0].startswith("-")
                and not words[0].endswith(".py")
                and words[0] not in PYTHONS
                and flag not in ("-u", "-O", "-B", "--standalone")
            ):
                words.pop(0)
        if not words:
            return None
        if words[0] == "-m" and len(words) > 1:
            if words[1] in LAUNCHER_MODULES:
                words = words[2:]
                continue
            rest = words[2:]
            if rest[:1] == ["--"]:
                rest = rest[1:]
            return words[1], rest, True
        if words[0].endswith(".py"):
            rest = words[1:]
            return words[0], rest[1:] if rest[:1] == ["--"] else rest, False
        if words[0] in PYTHONS:
            continue
        return None
    return None


def headings_above(lines: list[str], suffix: str) -> list[str]:
    """The section heading in force at each line (Markdown, reST or HTML headings)."""
    current = ""
    out = []
    in_code = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            in_code = not in_code
        elif not in_code:
            md = _MD_HEADING.match(line) if suffix in (".md", ".mdx", "") else None
            html = _HTML_HEADING.search(line) if "<h" in line or "<H" in line else None
            if md:
                current = md.group(1).strip()
            elif html:
                current = re.sub(r"<[^>]+>", "", html.group(1)).strip()
            elif (
                suffix in (".rst", ".txt")
                and stripped
                and i + 1 < len(lines)
                and _RST_UNDERLINE.match(lines[i + 1].strip() or "x")
                and not _RST_UNDERLINE.match(stripped)
            ):
                current = stripped
        out.append(current)
    return out


def find_mentions(path: Path, text: str) -> list[Mention]:
    found: list[Mention] = []
    lines = text.splitlines()
    suffix = path.suffix.lower()
    documents = suffix in (".md", ".mdx", ".rst", ".txt") or path.name.lower().startswith("readme")
    headings: list[str] | None = None
    cwd = cwd_alt = ""
    for lineno, line in enumerate(lines, 1):
        if lineno > 1 and lines[lineno - 2].rstrip().endswith("\\"):
            continue  # already read as part of the command above
        if line.rstrip().endswith("\\"):  # a command continued on the next lines
            more = lineno
            while line.rstrip().endswith("\\") and more < len(lines) and more - lineno < 30:
                nxt = lines[more].strip()
                if not nxt or nxt.startswith(("```", "~~~")):
                    break  # the block ended before the continuation did
                line = line.rstrip()[:-1] + " " + nxt
                more += 1
        if "cd " in line:
            for match in _CD.finditer(line):
                cwd = _change_dir(cwd, match.group(1))
                cwd_alt = _change_dir("", match.group(1))
        if ".py" not in line and "-m " not in line:
            continue
        hits: list[tuple[str, list[str], bool]] = []
        for match in _PY_CMD.finditer(line):
            hit = _target(_split(match.group(1)))
            if hit:
                hits.append(hit)
        if not hits:
            for match in _DOT_SLASH.finditer(line):
                hits.append((match.group(1), _split(match.group(2)), False))
        if hits and documents and headings is None:
            headings = headings_above(lines, suffix)
        heading = headings[lineno - 1] if headings else ""
        for target, args, is_module in hits:
            found.append(Mention(path, lineno, target, tuple(args), is_module, heading, len(found), cwd=cwd, cwd_alt=cwd_alt))
    return found


def _change_dir(cwd: str, arg: str) -> str:
    arg = arg.strip("'\"")
    if arg.startswith(("/", "~", "$")) or arg == "-":
        return ""  # somewhere outside the repo, or unknown
    parts = [p for p in cwd.split("/") if p]
    for part in arg.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return ""
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


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
