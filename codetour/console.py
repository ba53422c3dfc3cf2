"""Terminal output helpers shared by the commands (rich, stderr by default).

codetour's own messages go to stderr so that a traced program's stdout stays
exactly what it would be without codetour.
"""

from __future__ import annotations

import sys

from rich.console import Console

err = Console(stderr=True, highlight=False, soft_wrap=True)
out = Console(highlight=False)


def fail(message: str) -> None:
    """The one-line error format: ``codetour: <message>``."""
    err.print(f"[bold red]codetour:[/] {message}", markup=True, highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    err.print(f"[yellow]codetour: warning:[/] {message}", soft_wrap=True)


def note(message: str) -> None:
    err.print(f"[dim]codetour:[/] {message}", soft_wrap=True)


def stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except Exception:
        return False
