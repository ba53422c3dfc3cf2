"""Fork hooks for the recorders of this process: one set, registered once.

A recorder must act around every ``fork`` (pause its flusher thread, let the child go), but
``os.register_at_fork`` cannot unregister: hooks registered per recorder (its bound methods)
would keep every recorder, and all it holds, alive until the interpreter's very last garbage
collection. So one set of hooks calls those of the recorders started and not yet stopped.
"""

from __future__ import annotations

import builtins
import os
import types
from typing import Any

# The recorders of this process that are started and not yet stopped, in the order they started:
# one set of fork hooks, registered once, calls theirs. ``os.register_at_fork`` cannot unregister,
# so hooks registered per recorder (its bound methods) would keep every recorder, and all it holds,
# alive until the interpreter's very last garbage collection, after the modules are gone (18M
# instructions to collect there, on a library-heavy run). And the hooks are functions with a globals
# dict of their own (see ``_standalone``): this module's would keep it, and through it most of the
# modules loaded, alive through the first of the collections that end the interpreter (8M more).
_fork_listeners: list[Any] = []  # Recorder
_fork_hooks: list[bool] = []  # [True] once registered


def listen(recorder: Any) -> None:
    """Call ``recorder``'s ``_before_fork``, ``_after_fork_in_parent`` and ``_after_fork_in_child``
    around every fork, until :func:`forget`."""
    if not _fork_hooks and hasattr(os, "register_at_fork"):
        os.register_at_fork(
            before=_standalone(_before_fork),
            after_in_parent=_standalone(_after_fork_in_parent),
            after_in_child=_standalone(_after_fork_in_child),
        )
        _fork_hooks.append(True)
    _fork_listeners.append(recorder)


def forget(recorder: Any) -> None:
    _fork_listeners[:] = [r for r in _fork_listeners if r is not recorder]


# The three hooks use no global name but ``_fork_listeners`` and builtins. One recorder's failing
# hook does not keep the others from theirs; the first error is raised at the end, and Python reports
# it as for a hook registered alone.
def _before_fork() -> None:
    error = None
    for recorder in _fork_listeners[::-1]:  # as Python orders before-fork hooks: last registered first
        try:
            recorder._before_fork()
        except Exception as exc:
            error = error or exc
    if error is not None:
        raise error


def _after_fork_in_parent() -> None:
    error = None
    for recorder in list(_fork_listeners):
        try:
            recorder._after_fork_in_parent()
        except Exception as exc:
            error = error or exc
    if error is not None:
        raise error


def _after_fork_in_child() -> None:
    error = None
    for recorder in list(_fork_listeners):
        try:
            recorder._after_fork_in_child()
        except Exception as exc:
            error = error or exc
    if error is not None:
        raise error


def _standalone(function: Any) -> Any:
    """``function`` with a globals dict holding only builtins and ``_fork_listeners``."""
    return types.FunctionType(
        function.__code__, {"__builtins__": builtins, "_fork_listeners": _fork_listeners}, function.__name__
    )
