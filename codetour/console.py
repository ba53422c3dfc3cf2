"""Terminal output helpers shared by the commands (rich, stderr by default).

codetour's own messages go to stderr so that a traced program's stdout stays
exactly what it would be without codetour.
"""

from __future__ import annotations

import builtins
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


class _LazyConsole:
    """A rich ``Console`` made on first use: ``codetour trace`` imports this module before the
    target runs, and importing rich then would add its start-up to every traced run."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        console = self._console
        if console is None:
            from rich.console import Console

            console = self._console = Console(**self._options)
        return getattr(console, name)


err: Console = _LazyConsole(stderr=True, highlight=False, soft_wrap=True)  # type: ignore[assignment]
out: Console = _LazyConsole(highlight=False)  # type: ignore[assignment]


def fail(message: str) -> None:
    """The one-line error format: ``codetour: <message>``. The message is plain text, never markup."""
    one_line = " ".join(message.split())  # an error is one line, whatever the message held
    if _printed_plainly("codetour:", one_line):
        return
    from rich.text import Text

    err.print(Text.assemble(("codetour:", "bold red"), " ", one_line), highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """A warning line; the message is plain text (names and paths in it are shown as they are)."""
    if _printed_plainly("codetour: warning:", message):
        return
    from rich.text import Text

    err.print(Text.assemble(("codetour: warning:", "yellow"), " ", message), soft_wrap=True)


def _printed_plainly(prefix: str, message: str) -> bool:
    """Write ``prefix message`` to stderr without rich when rich would write exactly that (True if
    written): stderr is no terminal and nothing makes rich treat it as one (``FORCE_COLOR``,
    ``TTY_COMPATIBLE=1``, a Jupyter kernel), and the message is printable text (nothing rich strips,
    expands or wraps). Importing rich costs a ``codetour trace -q`` run that warns ~15 ms."""
    stream = sys.stderr
    if stream is None or not message.isprintable() or not _rich_would_not_style():
        return False
    stream.write(f"{prefix} {message}\n")
    stream.flush()
    return True


def _rich_would_not_style() -> bool:
    """rich's own test for a terminal (``Console.is_terminal``) says no for stderr."""
    if "get_ipython" in vars(builtins):
        return False  # rich renders to a notebook there
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "0"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force == ""
    return not stderr_is_tty()


def note(message: str) -> None:
    """An informational line; the message is rich markup: pass user-controlled text through ``esc``."""
    err.print(f"[dim]codetour:[/] {message}", soft_wrap=True)


def esc(text: object) -> str:
    """User-controlled text (a path, a function name, a value) made safe to embed in markup."""
    from rich.markup import escape

    return escape(str(text))


def stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except Exception:
        return False
