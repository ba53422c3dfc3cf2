"""Where codetour may write, and how: the one place that decides whether a path can be replaced.

Rules every command follows for a file it writes (a trace, an export, a tour):

- A path that holds something else is never removed or overwritten: an existing file may be
  replaced only if it is a previous output of the same kind (``accept`` says so), or with
  ``--force``. Directories, device files, FIFOs and sockets are refused even with ``--force``,
  and so is any file the run itself needs (the script being traced).
- Symbolic links are followed: replacing ``link -> real.json`` replaces ``real.json`` and keeps
  the link.
- Data is written to a temporary file in the target folder and renamed over the target, so a
  reader never sees half a file and a failure leaves the old file as it was.

Standard library only: the tracer imports it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from codetour.errors import OutputError

STDOUT = "-"


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_output(
    path: str | Path,
    *,
    what: str,
    force: bool = False,
    accept: Callable[[Path], bool] | None = None,
    protect: Iterable[Path] = (),
) -> Path:
    """Validate an output path before anything is written; returns the real path to write.

    ``what`` names the kind of output in messages ("codetour trace", "DOT export").
    ``accept(path)`` tells whether an existing file is a previous output of that kind.
    ``protect`` lists files that must never be replaced (the script being traced).
    """
    given = Path(path)
    real = Path(os.path.realpath(given))
    try:
        st = os.stat(given)  # follows links: /dev/stdout is whatever fd 1 is
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"cannot write {given}: {exc.strerror or exc}") from None
    if st is not None:
        kind = _kind_of(st.st_mode)
        if kind is not None:
            hint = "use -o - to write to standard output" if kind in ("a device", "a FIFO") else None
            raise OutputError(f"{given} is {kind}; codetour writes only regular files", hint=hint)
        for other in protect:
            try:
                if os.path.samefile(real, other):
                    raise OutputError(f"{given} is the script being traced; choose another output path")
            except OSError:
                continue
        if not force and not (accept is not None and accept(real)):
            raise OutputError(
                f"{given} already exists and is not a {what}",
                hint="choose another path, or add --force to replace it",
            )
    parent = real.parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"cannot write {given}: {parent} is not a directory")
    return real


def write_atomically(path: Path, data: str | bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path``."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600 files; an output is an ordinary file
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if tmp is not None:
            remove_quietly(tmp)


def remove_quietly(path: str | Path) -> None:
    """Remove a temporary file of ours if it is still there."""
    try:
        os.unlink(path)
    except OSError:
        pass


def current_umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def head(path: Path, size: int = 65536) -> bytes:
    """The first bytes of a file (empty if it cannot be read): for recognising earlier outputs."""
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return b""
