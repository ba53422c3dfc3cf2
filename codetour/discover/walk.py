"""Walking a repository: its own source files only, never loops, never vendored code."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    "node_modules",
    "site-packages",
    "dist-packages",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    "env",
    ".env",
    "virtualenv",
    "build",
    "dist",
    ".eggs",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".idea",
    ".vscode",
    "third_party",
    "third-party",
    "thirdparty",
    "vendor",
    "vendored",
    "external",
    "externals",
    "extern",
    ".codetour",
    "wandb",
    "mlruns",
    "outputs",
    "lightning_logs",
    ".ipynb_checkpoints",
}
MAX_FILE_BYTES = 1_000_000  # larger .py files are generated code (protobufs, vendored blobs)
COMMAND_FILES = {"makefile", "justfile", "dockerfile", "procfile", "tox.ini", "noxfile.py"}
COMMAND_SUFFIXES = {".sh", ".bash", ".zsh", ".md", ".mdx", ".rst", ".txt", ".yaml", ".yml", ".cfg", ".toml", ".slurm", ".sbatch"}


@dataclass
class RepoFiles:
    python: list[Path] = field(default_factory=list)
    commands: list[Path] = field(default_factory=list)  # READMEs, Makefiles, shell scripts, CI configs
    configs: list[Path] = field(default_factory=list)  # yaml/json configs (Hydra and friends)
    too_large: list[Path] = field(default_factory=list)
    notebooks: list[Path] = field(default_factory=list)  # .ipynb: where training sometimes lives instead
    unreadable: list[Path] = field(default_factory=list)


def walk(root: Path) -> RepoFiles:
    found = RepoFiles()
    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            key = (st.st_dev, st.st_ino)
            if key in seen:
                continue
            seen.add(key)
            entries = list(os.scandir(folder))
        except OSError:
            found.unreadable.append(folder)
            continue
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if name in SKIP_DIRS or name.endswith(".egg-info") or (name.startswith(".") and name != ".github"):
                        continue
                    if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                        continue  # a virtualenv under any name
                    stack.append(Path(entry.path))
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue
                lower = name.lower()
                path = Path(entry.path)
                if lower.endswith(".py"):
                    if entry.stat(follow_symlinks=False).st_size > MAX_FILE_BYTES:
                        found.too_large.append(path)
                    else:
                        found.python.append(path)
                    if lower == "noxfile.py":
                        found.commands.append(path)
                elif lower in COMMAND_FILES or path.suffix.lower() in COMMAND_SUFFIXES or lower.startswith("readme"):
                    if entry.stat(follow_symlinks=False).st_size <= MAX_FILE_BYTES:
                        found.commands.append(path)
                        if path.suffix.lower() in {".yaml", ".yml"}:
                            found.configs.append(path)
                elif path.suffix.lower() == ".ipynb":
                    found.notebooks.append(path)
                elif path.suffix.lower() == ".json" and "conf" in str(path.parent).lower():
                    found.configs.append(path)
            except OSError:
                found.unreadable.append(Path(entry.path))
    found.python.sort()
    found.commands.sort()
    found.notebooks.sort()
    return found
