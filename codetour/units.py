"""Formatting durations the same way everywhere (CLI summaries, tours, exports, the TUI)."""

from __future__ import annotations


def duration(ns: int | float) -> str:
    """850µs, 12.3 ms, 1.23 s, 2m03.4s."""
    s = ns / 1e9
    if s >= 60:
        return f"{int(s // 60)}m{s % 60:04.1f}s"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.0f}µs"
