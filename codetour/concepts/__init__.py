"""Concept cards: the ML ideas a run implements (idea, math, how to recognise it, how to
check it), shipped as Markdown files and matched against what a trace shows ran."""

from codetour.concepts.cards import Card, CardFormatError, find_card, load_cards, parse_card
from codetour.concepts.match import Anchor, CardMatch, attach, match_region, match_run

__all__ = [
    "Anchor",
    "Card",
    "CardFormatError",
    "CardMatch",
    "attach",
    "find_card",
    "load_cards",
    "match_region",
    "match_run",
    "parse_card",
]
