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


def human_ns(ns: int | float) -> str:
    s = ns / 1e9
    if s >= 60:
        return f"{int(s // 60)}m{s % 60:04.1f}s"
    if s >= 1:
        return f"{s:.2f}s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f}ms"
    return f"{s * 1e6:.0f}µs"


def stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except Exception:
        return False
