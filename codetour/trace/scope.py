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
from pathlib import Path
from stat import S_ISLNK

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


if os.sep == "/" and os.altsep is None:

    def _split(path: str) -> tuple[str, str]:
        """``os.path.split(path)`` for a POSIX ``str`` path, with string methods only (posixpath's
        Python function, called for every code object's file, costs several times more)."""
        cut = path.rfind("/") + 1
        head = path[:cut]
        return head.rstrip("/") or head, path[cut:]

    def _isabs(path: str) -> bool:
        return path.startswith("/")

else:  # pragma: no cover - Windows

    def _split(path: str) -> tuple[str, str]:
        return os.path.split(path)

    def _isabs(path: str) -> bool:
        return os.path.isabs(path)


_PATH_KEYS = ("stdlib", "platstdlib", "purelib", "platlib")


def install_paths() -> dict[str, str]:
    """``sysconfig.get_paths()``'s stdlib, platstdlib, purelib and platlib (the default scheme).

    Importing ``sysconfig`` and calling ``get_paths()`` costs about half as much as all of codetour's
    own modules together (13M instructions on 3.12, in every traced run and child), and a run of
    ML code never imports it otherwise. For the schemes CPython itself defines on POSIX
    (``posix_prefix``, and ``venv`` since 3.11, the same templates) the answer is read off ``sys``;
    anything else (Windows, another implementation, a macOS framework build, or a distribution
    that moved site-packages, as Debian, Fedora and Homebrew do) asks ``sysconfig``."""
    paths = _standard_install_paths()
    if paths is None:
        import sysconfig

        found = sysconfig.get_paths()
        paths = {key: found[key] for key in _PATH_KEYS if found.get(key)}
    return paths


def _standard_install_paths() -> dict[str, str] | None:
    """What ``sysconfig.get_paths()`` answers on an unpatched CPython for POSIX (3.10 to 3.14), or
    None where that cannot be known for sure without it."""
    if (
        os.name != "posix"
        or sys.implementation.name != "cpython"
        or not (3, 10) <= sys.version_info[:2] <= (3, 14)
        or getattr(sys, "_framework", None)
    ):
        return None
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    if sys.version_info >= (3, 13) and "t" in sys.abiflags:
        version += "t"  # {abi_thread}: a free-threaded build
    libdir = sys.platlibdir
    base, installed_base, platbase = (os.path.normpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix))
    paths = {
        "stdlib": os.path.normpath(f"{installed_base}/{libdir}/{version}"),
        "platstdlib": os.path.normpath(f"{platbase}/{libdir}/{version}"),
        "purelib": os.path.normpath(f"{base}/lib/{version}/site-packages"),
        "platlib": os.path.normpath(f"{platbase}/{libdir}/{version}/site-packages"),
    }
    # The templates are only CPython's own when the site-packages ``site`` put on sys.path are
    # exactly these (a distribution that patches sysconfig puts its own there: Debian's
    # dist-packages, Fedora's /usr/local/lib, Homebrew's) and the standard library is where they say.
    site_dirs = (paths["purelib"], paths["platlib"])
    user_site = getattr(sys.modules.get("site"), "USER_SITE", None)
    if paths["purelib"] not in sys.path:
        return None  # no site-packages on sys.path (python -S): nothing to check the templates by
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")) and entry not in site_dirs and entry != user_site:
            return None
    stdlib_file = getattr(os, "__file__", None)
    if not stdlib_file or os.path.dirname(stdlib_file) != paths["stdlib"]:
        return None
    return paths


def _stdlib_prefixes() -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """The Python installation's folders (real paths, each ending in a separator): the prefixes,
    the install paths among them, and the site-packages among those."""
    real = {key: os.path.realpath(p) + os.sep for key, p in install_paths().items()}
    prefixes = set(real.values()) | {os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    site = frozenset(real[key] for key in ("purelib", "platlib") if key in real)
    return tuple(sorted(prefixes)), tuple(sorted(set(real.values()))), site


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
        root_text = str(self.root)
        self.root_prefix = root_text if root_text.endswith(os.sep) else root_text + os.sep  # every path under the root starts so
        self.include: list[str] = [] if include is None else include  # globs relative to root; widen the scope
        self.exclude: list[str] = [] if exclude is None else exclude  # globs relative to root; narrow it
        self.library_calls = library_calls  # record library frames at call level
        self._own = os.path.realpath(os.path.dirname(codetour.__file__)) + os.sep
        self._env_prefixes, self._install_dirs, self._site_dirs = _stdlib_prefixes()
        # The standard library's folders and those below site-packages (as the code names them), the
        # root being elsewhere: folder -> kind, for every file in it, without an lstat each.
        self._package_dirs: dict[str, int] = {}
        self._realpath_cache: dict[str, str] = {}
        self._dir_realpaths: dict[str, str] = {}
        # Without include/exclude globs an ordinary file's kind depends only on its folder: folder -> (kind, outside).
        self._dir_kinds: dict[str, tuple[int, bool]] = {}
        self._raw_dir_kinds: dict[str, tuple[int, bool]] = {}  # the same, by the folder as the code names it
        # Source files outside the root that ran but are no library either (a sibling ``../mylib``):
        # left out of the trace, and reported so the user can widen ``--root``.
        self.outside: set[str] = set()

    def __repr__(self) -> str:
        return (
            f"Scope(root={self.root!r}, include={self.include!r}, exclude={self.exclude!r}, library_calls={self.library_calls!r})"
        )

    def realpath(self, filename: str) -> str:
        """``os.path.realpath(filename)``, computed once per file, and cheaply: a library's files
        share a few folders, so each folder is resolved once (one component on top of its resolved
        parent) and each file is asked whether it is a link, instead of asking the file system about
        every path component of every file (hundreds of system calls for a big import)."""
        cached = self._realpath_cache.get(filename)
        if cached is None:
            folder, name = _split(filename)
            if name not in ("", ".", "..") and _isabs(filename) and not self._is_link(folder, name):
                cached = os.path.join(self._real_folder(folder), name)
            else:
                cached = os.path.realpath(filename)
            self._realpath_cache[filename] = cached
        return cached

    def _real_folder(self, folder: str) -> str:
        """``os.path.realpath(folder)``, resolving only its last component on top of its parent's."""
        real = self._dir_realpaths.get(folder)
        if real is None:
            parent, name = _split(folder)
            if name in ("", ".", "..") or parent == folder or os.path.normpath(folder) != folder:
                real = os.path.realpath(folder)  # the file system root, or a path not in normal form
            else:
                real = os.path.join(self._real_folder(parent), name)
                if self._is_link(parent, name):
                    real = os.path.realpath(real)
            self._dir_realpaths[folder] = real
        return real

    @staticmethod
    def _is_link(folder: str, name: str) -> bool:
        """``os.path.islink(os.path.join(folder, name))``: one ``lstat``, asked once per file and per
        folder (listing each folder for its links instead cost more: a library's folders hold many
        more entries than the files of theirs that run)."""
        try:
            return S_ISLNK(os.lstat(f"{folder}{os.sep}{name}" if folder != os.sep else f"{os.sep}{name}").st_mode)
        except (OSError, ValueError):
            return False

    def classify(self, filename: str) -> int:
        """IGNORE, REPO or LIBRARY for a code object's ``co_filename``."""
        if not filename or filename.startswith("<"):
            return IGNORE  # <string>, <frozen ...>, <stdin>: no source file to show
        kind = self._package_dirs.get(filename[: filename.rfind(os.sep)])
        if kind is not None:
            # A file of the standard library or an installed package (most files of a big import): its
            # folder's kind, whatever its name, link or not. Not site-packages itself, where a tool may
            # link a single-file module of the repo's in (``flit install --symlink``).
            return kind
        folder, name = _split(filename)
        if (
            not (self.include or self.exclude or name.startswith(".") or name in _SKIP_PARTS)
            and name
            and _isabs(filename)
            and not self._is_link(folder, name)
        ):
            # The common case (a library's files, a big import): not a link, so the file's kind is its
            # folder's, known from the first file seen there, without resolving its path at all.
            known = self._raw_dir_kinds.get(folder)
            if known is None:
                real = self._real_folder(folder)
                known = self._dir_kinds.get(real)
                if known is None:
                    known = self._dir_kinds[real] = self._classify(os.path.join(real, name))
                self._raw_dir_kinds[folder] = known
                if not known[1] and self._in_installed_package(real):
                    self._package_dirs[folder] = known[0]
            if known[1]:
                self.outside.add(self.realpath(filename))
            return known[0]
        path = self.realpath(filename)
        folder, name = _split(path)
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
        # ``path`` is a real path (absolute, normal): what os.path.relpath would say, read off the
        # root's prefix (relpath costs more than everything else here, once per folder of a big import).
        if path.startswith(self.root_prefix):
            rel = path[len(self.root_prefix) :]
            inside = not rel.startswith(os.pardir)
        else:
            rel, inside = os.pardir, False
        rel_posix = rel.replace(os.sep, "/")
        if inside and any(fnmatch.fnmatch(rel_posix, g) for g in self.exclude):
            return IGNORE, False
        if inside and not (_SKIP_PARTS & set(rel.split(os.sep)[:-1])):
            if self._in_environment(path):
                return self._library(), False
            return REPO, False
        if any(fnmatch.fnmatch(rel_posix if inside else path, g) for g in self.include):
            return REPO, False
        outside = not inside and not path.startswith(self._env_prefixes) and not (_SKIP_PARTS & set(path.split(os.sep)))
        return self._library(), outside

    def _in_installed_package(self, real_folder: str) -> bool:
        """Whether a real folder is the standard library's or lies below an install path (and the
        root does not). site-packages itself is not: a tool may link a single-file module in there."""
        path = real_folder + os.sep
        site = self._site_dirs
        return any(path.startswith(p) and (path != p or p not in site) for p in self._install_dirs) and not (
            self.root_prefix.startswith(self._env_prefixes)
        )

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
