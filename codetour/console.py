"""Terminal output helpers shared by the commands (rich, stderr by default).

codetour's own messages go to stderr so that a traced program's stdout stays
exactly what it would be without codetour.
"""

from __future__ import annotations

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
    from rich.text import Text

    one_line = " ".join(message.split())  # an error is one line, whatever the message held
    err.print(Text.assemble(("codetour:", "bold red"), " ", one_line), highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    """A warning line; the message is plain text (names and paths in it are shown as they are)."""
    from rich.text import Text

    err.print(Text.assemble(("codetour: warning:", "yellow"), " ", message), soft_wrap=True)


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
