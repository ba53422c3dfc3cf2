"""codetour's own threads in the traced process (the flusher, the status line) take no signals.

The kernel hands a signal sent to the process to any thread that does not block it, and Python
runs signal handlers only in the main thread. When the signal lands on another thread, Python
sets a flag for the main thread, but a main thread blocked in a lock, a semaphore or a read is
not woken to see it. So a ``multiprocessing`` worker that codetour gave a SIGTERM handler (to
finish its shard) and that was blocked on the pool's queue lock could sleep through
``Pool.terminate()`` forever whenever the signal picked the flusher thread, and a Ctrl-C could be
lost the same way. Started with every signal blocked, our threads leave signals to the target's.
"""

from __future__ import annotations

import threading
from typing import Any

# The C module under ``signal``: the same functions on plain ints, without building the module's
# enum classes (about a millisecond in every traced run, for three calls).
_signal: Any = __import__("_signal")


def start_without_signals(thread: threading.Thread) -> None:
    """Start ``thread`` with every signal blocked in it (it inherits the mask it is started with)."""
    mask = getattr(_signal, "pthread_sigmask", None)
    if mask is None:  # Windows: no per-thread masks, and no such delivery either
        thread.start()
        return
    previous = mask(_signal.SIG_BLOCK, _signal.valid_signals())
    try:
        thread.start()
    finally:
        mask(_signal.SIG_SETMASK, previous)  # a signal that came meanwhile is delivered here, now
