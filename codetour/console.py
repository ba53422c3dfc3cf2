"""Terminal output helpers shared by the commands (rich, stderr by default).

codetour's own messages go to stderr so that a traced program's stdout stays
exactly what it would be without codetour.
"""

from __future__ import annotations

import sys

from rich.console import Console
from rich.markup import escape
from rich.text import Text

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False)


def fail(message: str) -> None:
    """The one-line error format: ``codetour: <message>``. The message is plain text, never markup."""
    one_line = " ".join(message.split())  # an error is one line, whatever the message held
    err.print(Text.assemble(("codetour:", "bold red"), " ", one_line), highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """A warning line; the message is plain text (names and paths in it are shown as they are)."""
    err.print(Text.assemble(("codetour: warning:", "yellow"), " ", message), soft_wrap=True)


def note(message: str) -> None:
    """An informational line; the message is rich markup: pass user-controlled text through ``esc``."""
    err.print(f"[dim]codetour:[/] {message}", soft_wrap=True)


def esc(text: object) -> str:
    """User-controlled text (a path, a function name, a value) made safe to embed in markup."""
    return escape(str(text))


def stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except Exception:
        return False
