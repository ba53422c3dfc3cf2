"""Concept cards: the ML ideas a run implements (idea, math, how to recognise it, how to
check it), shipped as Markdown files and matched against what a trace shows ran.

Names are loaded on first use, so ``codetour --help`` does not pay for the matcher."""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "Card": "codetour.concepts.cards",
    "CardFormatError": "codetour.concepts.cards",
    "find_card": "codetour.concepts.cards",
    "load_cards": "codetour.concepts.cards",
    "parse_card": "codetour.concepts.cards",
    "Anchor": "codetour.concepts.match",
    "CardMatch": "codetour.concepts.match",
    "attach": "codetour.concepts.match",
    "match_region": "codetour.concepts.match",
    "match_run": "codetour.concepts.match",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'codetour.concepts' has no attribute {name!r}")
    return getattr(import_module(module), name)
