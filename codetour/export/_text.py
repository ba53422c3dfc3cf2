"""Small formatting helpers shared by the exporters."""

from __future__ import annotations

from codetour.units import duration as ms


def node_caption(data: dict) -> str:
    """The second line of a node label: calls and time."""
    return f"{data['calls']:,}× · {ms(data['total_ns'])}"
