"""Which code gets recorded.

A :class:`Scope` answers one question per code object, once: is this the
repo's own code (record it), a library frame we were asked to record at call
level, or something to ignore? The answer is cached by the tracer, so the
cost here is paid once per function, never per call.
"""

from __future__ import annotations

import fnmatch
import os
import sys
import sysconfig
from pathlib import Path

import codetour

IGNORE = 0
REPO = 1  # repo code: lines, values, calls
LIBRARY = 2  # outside the repo, recorded at call level only (opt-in)

# Folders inside a repo that are never the repo's own code.
_SKIP_PARTS = {
    ".git",
    ".hg",
    ".venv",
    "venv",
    "env",
    ".env",
    ".tox",
    ".nox",
    "site-packages",
    "dist-packages",
    "node_modules",
    "__pypackages__",
    ".codetour",
    "build",
    ".eggs",
    ".mypy_cache",
}


def _stdlib_prefixes() -> tuple[str, ...]:
    paths = set()
    found = sysconfig.get_paths()  # computed anew by every call
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = found.get(key)
        if p:
            paths.add(os.path.realpath(p) + os.sep)
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix):
        paths.add(os.path.realpath(p) + os.sep)
    return tuple(sorted(paths))


class Scope:
    """What counts as the repo's own code under ``root``. A plain class, not a dataclass: it is
    imported before every traced run (see :mod:`codetour.trace.runner`)."""

    def __init__(
        self,
        root: Path,
        include: list[str] | None = None,
        exclude: list[str] | None = None,
        library_calls: bool = False,
    ) -> None:
        self.root = Path(os.path.realpath(root))
        self.include: list[str] = [] if include is None else include  # globs relative to root; widen the scope
        self.exclude: list[str] = [] if exclude is None else exclude  # globs relative to root; narrow it
        self.library_calls = library_calls  # record library frames at call level
        self._own = os.path.realpath(os.path.dirname(codetour.__file__)) + os.sep
        self._env_prefixes = _stdlib_prefixes()
        self._realpath_cache: dict[str, str] = {}
        self._dir_realpaths: dict[str, str] = {}
        # Without include/exclude globs an ordinary file's kind depends only on its folder: folder -> (kind, outside).
        self._dir_kinds: dict[str, tuple[int, bool]] = {}
        # Source files outside the root that ran but are no library either (a sibling ``../mylib``):
        # left out of the trace, and reported so the user can widen ``--root``.
        self.outside: set[str] = set()

    def __repr__(self) -> str:
        return (
            f"Scope(root={self.root!r}, include={self.include!r}, exclude={self.exclude!r}, library_calls={self.library_calls!r})"
        )

    def realpath(self, filename: str) -> str:
        cached = self._realpath_cache.get(filename)
        if cached is None:
            # A library's files share a few folders: resolve each folder once (os.path.realpath
            # looks at every component of the path), then only ask whether the file is a link.
            folder, name = os.path.split(filename)
            if os.path.isabs(filename) and name not in ("", ".", "..") and not os.path.islink(filename):
                real_folder = self._dir_realpaths.get(folder)
                if real_folder is None:
                    real_folder = self._dir_realpaths[folder] = os.path.realpath(folder)
                cached = os.path.join(real_folder, name)
            else:
                cached = os.path.realpath(filename)
            self._realpath_cache[filename] = cached
        return cached

    def classify(self, filename: str) -> int:
        """IGNORE, REPO or LIBRARY for a code object's ``co_filename``."""
        if not filename or filename.startswith("<"):
            return IGNORE  # <string>, <frozen ...>, <stdin>: no source file to show
        path = self.realpath(filename)
        folder, name = os.path.split(path)
        if self.include or self.exclude or name.startswith(".") or name in _SKIP_PARTS:
            kind, outside = self._classify(path)  # the file's own name may matter
        else:
            known = self._dir_kinds.get(folder)
            if known is None:
                known = self._dir_kinds[folder] = self._classify(path)
            kind, outside = known
        if outside:
            self.outside.add(path)
        return kind

    def _classify(self, path: str) -> tuple[int, bool]:
        """The kind of the file at real path ``path``, and whether it is outside the root without
        being a library's (see :attr:`outside`)."""
        if path.startswith(self._own):
            return IGNORE, False  # never record codetour itself
        try:
            rel = os.path.relpath(path, self.root)
        except ValueError:
            rel = os.pardir
        inside = not rel.startswith(os.pardir)
        rel_posix = rel.replace(os.sep, "/")
        if inside and any(fnmatch.fnmatch(rel_posix, g) for g in self.exclude):
            return IGNORE, False
        if inside and not (_SKIP_PARTS & set(Path(rel).parts[:-1])):
            if self._in_environment(path):
                return self._library(), False
            return REPO, False
        if any(fnmatch.fnmatch(rel_posix if inside else path, g) for g in self.include):
            return REPO, False
        outside = not inside and not path.startswith(self._env_prefixes) and not (_SKIP_PARTS & set(Path(path).parts))
        return self._library(), outside

    def _in_environment(self, path: str) -> bool:
        # A virtualenv created inside the repo under an unusual name is still not repo code.
        return any(path.startswith(p) for p in self._env_prefixes) and not str(self.root).startswith(
            tuple(p.rstrip(os.sep) for p in self._env_prefixes)
        )

    def _library(self) -> int:
        return LIBRARY if self.library_calls else IGNORE

    def relpath(self, filename: str) -> str:
        path = self.realpath(filename)
        try:
            rel = os.path.relpath(path, self.root)
        except ValueError:
            return path
        return path if rel.startswith(os.pardir) else rel.replace(os.sep, "/")


ROOT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "environment.yml", ".hg")


def find_repo_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that looks like a project root.

    Falls back to ``start`` itself when no marker is found before the file system root.
    """
    start = Path(os.path.realpath(start))
    if start.is_file():
        start = start.parent
    for candidate in (start, *start.parents):
        if any((candidate / m).exists() for m in ROOT_MARKERS):
            return candidate
    return start
