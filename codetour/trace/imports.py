"""Library imports run untraced (settrace on CPython 3.10 and 3.11).

With ``sys.settrace`` the interpreter pays for tracing on every instruction of every frame while a
trace function is installed, whatever the trace function answers: CPython 3.11 runs its slower
tracing dispatch, and calls the trace function for every new frame. Most of an ML run's Python
frames are a library's module code running once at import (``import torch`` alone is about a
million frames), and the recorder ignores all of them.

:class:`ImportGate` is a finder placed first on ``sys.meta_path``. For every module it finds the
spec the way the import system would (asking the finders after it), and gives the spec's loader
an ``exec_module`` that, *when the module is executed*, switches the current thread's trace
function off for a module outside the scope and back on for a module inside it (a repo module
imported by a library, or a file a glob includes), restoring what was there before when it ends.
Only the module's own code runs untraced: a function it defines is traced whenever it is called
later, as before. What is lost is only what the recorder would have ignored anyway, plus one
thing: repo code a library calls *while it is being imported* (a callback registered earlier),
which is rare enough to trade for the cost.

Nothing changes for modules whose loader is not a per-module loader of Python code (extension,
frozen and built-in modules, zip imports, a custom loader that serves many modules): they are left
to the import system and traced as before.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from importlib.machinery import SourceFileLoader, SourcelessFileLoader
from typing import Any

from codetour.trace.scope import IGNORE, Scope

# Loaders made for one module each (they know its name and path) that run Python code: an
# ``exec_module`` set on the instance affects that module only, and is taken away again once the
# module has run. An extension module's own code is C; the modules it imports are gated one by one.
_PER_MODULE_LOADERS = (SourceFileLoader, SourcelessFileLoader)


class ImportGate:
    """A ``sys.meta_path`` finder that runs out-of-scope modules' code with tracing off.

    ``tracing`` is the trace function the recorder installs (what ``sys.gettrace()`` returns while
    it records), ``resume`` reinstalls it for the current thread, and ``active`` says whether the
    recorder still records in this process.
    """

    def __init__(self, scope: Scope, tracing: Any, resume: Callable[[], None], active: Callable[[], bool]) -> None:
        self.scope = scope
        self.tracing = tracing
        self.resume = resume
        self.active = active
        self._tls = threading.local()  # .off: this thread's tracing was switched off by the gate
        self._kinds: dict[str, bool] = {}  # origin file -> in scope

    # The finder protocol ------------------------------------------------------------
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if not self.active():
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                return None  # a legacy finder (find_module): the import system asks every finder in order
            spec = find(fullname, path, target)
            if spec is not None:
                break
        if spec is None:
            return None
        loader = spec.loader
        origin = spec.origin
        if (
            type(loader) in _PER_MODULE_LOADERS
            and isinstance(origin, str)
            and getattr(loader, "name", None) == fullname
            and "exec_module" not in vars(loader)
        ):
            in_scope = self._kinds.get(origin)
            if in_scope is None:
                in_scope = self._kinds[origin] = self.scope.classify(origin) != IGNORE
            loader.exec_module = _Gated(self, loader, in_scope)
        return spec

    def invalidate_caches(self) -> None:
        self._kinds.clear()

    # Switching ----------------------------------------------------------------------
    def run(self, loader: Any, in_scope: bool, module: Any) -> None:
        tls = self._tls
        off = getattr(tls, "off", False)
        execute = type(loader).exec_module
        if not in_scope and not off and sys.gettrace() is self.tracing and self.active():
            sys.settrace(None)
            tls.off = True
            try:
                execute(loader, module)
            finally:
                tls.off = False
                # Unless the module installed a trace function of its own (a debugger), or the
                # recording stopped (a forked child, a failed write).
                if sys.gettrace() is None and self.active():
                    self.resume()
        elif in_scope and off and self.active():
            tls.off = False
            self.resume()
            try:
                execute(loader, module)
            finally:
                if sys.gettrace() is self.tracing:
                    sys.settrace(None)
                    tls.off = True
        else:
            execute(loader, module)

    def suspended(self) -> bool:
        """Whether the current thread's tracing is off because the gate switched it off."""
        return getattr(self._tls, "off", False)

    def install(self) -> None:
        """First on ``sys.meta_path``: asked before every other finder."""
        sys.meta_path.insert(0, self)

    def uninstall(self) -> None:
        try:
            sys.meta_path.remove(self)
        except ValueError:
            pass


class _Gated:
    """The ``exec_module`` of one module's loader, for as long as the module is not executed."""

    __slots__ = ("gate", "in_scope", "loader")

    def __init__(self, gate: ImportGate, loader: Any, in_scope: bool) -> None:
        self.gate = gate
        self.loader = loader
        self.in_scope = in_scope

    def __call__(self, module: Any) -> None:
        loader = self.loader
        try:
            del loader.exec_module  # the loader is its own again: a reload runs it as the import system would
        except AttributeError:
            pass
        self.gate.run(loader, self.in_scope, module)
