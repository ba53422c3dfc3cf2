"""Small formatting helpers shared by the exporters."""

from __future__ import annotations


def ms(ns: int | float) -> str:
    value = ns / 1e6
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    if value >= 10:
        return f"{value:.0f} ms"
    return f"{value:.2f} ms"


def node_caption(data: dict) -> str:
    """The second line of a node label: calls and time."""
    return f"{data['calls']:,}× · {ms(data['total_ns'])}"
