"""One error family for everything codetour reports to a user.

Each error carries its exit code and formats as one line; the CLI prints
``codetour: <message>`` and exits with that code, never a traceback.

Exit codes: 1 the target does not compile (as Python would), 2 usage, 3 bad input path,
4 no entry points, 5 not a trace / damaged trace / bad tour or concept card, 6 cannot write,
7 an external program (Graphviz) could not draw the output, 8 the live debugging session failed, 70 an internal error (a bug: reported in one line, with
the traceback under ``CODETOUR_DEBUG=1``), 130 interrupted. ``codetour trace`` otherwise
exits with the traced program's own code.
"""

from __future__ import annotations


class CodetourError(Exception):
    """Base class: a problem the user can act on, reported in one line."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def format(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(CodetourError):
    """The command line itself is wrong (bad flag value, unknown format)."""

    exit_code = 2


class InputError(CodetourError):
    """A path the user named is missing, unreadable or of the wrong kind."""

    exit_code = 3


class NoEntryPointError(CodetourError):
    """A repository was scanned and nothing runnable was found."""

    exit_code = 4


class TraceFormatError(CodetourError):
    """A file is not a codetour trace, is corrupt, or is from an unknown version."""

    exit_code = 5


class TargetSyntaxError(CodetourError):
    """The target program does not compile; the message mirrors Python's own."""

    exit_code = 1


class OutputError(CodetourError):
    """codetour cannot write where it was asked to."""

    exit_code = 6


class TourFormatError(CodetourError):
    """A tour file that does not parse: names the file, the stop and the problem."""

    exit_code = 5


class CardFormatError(CodetourError):
    """A concept card that does not parse: names the card and the problem."""

    exit_code = 5


class LiveError(CodetourError):
    """The live debugging session failed (debugpy did not start, the program ended early...)."""

    exit_code = 8


class DapError(LiveError):
    """The debug adapter protocol conversation with debugpy broke down."""

    exit_code = 8


class RenderError(CodetourError):
    """Graphviz is missing, failed, or did not finish drawing within its time budget."""

    exit_code = 7
