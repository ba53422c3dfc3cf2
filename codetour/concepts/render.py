"""Render concept cards, and the cards matched at a tour stop, as plain text or Markdown."""

from __future__ import annotations

import textwrap

from codetour.concepts.cards import Card
from codetour.concepts.match import CardMatch
from codetour.store.source import TraceSource

WIDTH = 88


def _para(text: str, indent: str = "  ") -> list[str]:
    out: list[str] = []
    for block in text.split("\n\n"):
        block = " ".join(line.strip() for line in block.splitlines() if line.strip())
        if not block:
            continue
        if out:
            out.append("")
        out += textwrap.wrap(block, WIDTH - len(indent), initial_indent=indent, subsequent_indent=indent) or [indent]
    return out


def _math_lines(card: Card, indent: str = "    ") -> list[str]:
    return [indent + line.rstrip() if line.strip() else "" for line in card.math.splitlines()]


def _heading(card: Card) -> str:
    tags = f" · {', '.join(card.tags)}" if card.tags else ""
    return f"{card.title}  [{card.name}{tags}]"


def card_text(card: Card) -> str:
    """The whole card, for ``codetour concepts NAME``."""
    out = [_heading(card), ""]
    if card.aliases:
        out += [f"  also called: {', '.join(card.aliases)}", ""]
    out += ["Idea", *_para(card.idea), "", "Math", *_math_lines(card), ""]
    out += ["Recognise it in code", *_para(card.recognise), ""]
    out += ["Check the code against the math", *_para(card.check_text)]
    if card.see:
        out += ["", f"See also: {', '.join(card.see)}"]
    return "\n".join(out).rstrip() + "\n"


def card_markdown(card: Card, level: int = 2) -> str:
    h = "#" * level
    out = [f"{h} {card.title}", ""]
    meta = [f"`{card.name}`"] + ([", ".join(card.tags)] if card.tags else [])
    if card.aliases:
        meta.append("also: " + ", ".join(card.aliases))
    out += [" · ".join(meta), ""]
    out += [f"**Idea.** {card.idea}", "", "**Math.**", "", "```text", card.math, "```", ""]
    out += [f"**Recognise it in code.** {card.recognise}", ""]
    out += [f"**Check the code against the math.** {card.check_text}", ""]
    if card.see:
        out += ["See also: " + ", ".join(f"`{s}`" for s in card.see), ""]
    return "\n".join(out).rstrip() + "\n"


def cards_table(cards: tuple[Card, ...] | list[Card]) -> str:
    width = max((len(c.name) for c in cards), default=4)
    lines = [f"{c.name:<{width}}  {c.title}" + (f"  ({', '.join(c.tags)})" if c.tags else "") for c in cards]
    return "\n".join(lines) + "\n"


def _check_lines(match: CardMatch) -> list[tuple[str, str]]:
    return [("✓" if c.agrees else "✗", f"{c.message} (observed: {c.observed})") for c in match.checks]


def match_text(match: CardMatch, indent: str = "  ") -> str:
    """A matched card at a stop: idea, math, then this repo's names and values."""
    card = match.card
    where = f"{match.file}:{', '.join(map(str, match.lines))} in {match.function}"
    out = [f"{card.title}  [{card.name}] at {where}"]
    out += _para(card.idea, indent)
    out += [indent + "Math:", *_math_lines(card, indent + "  ")]
    here = match.here()
    if here:
        out += [indent + "Here:", *(indent + "  " + line.lstrip("- ").strip() for line in here)]
    for mark, text in _check_lines(match):
        out.append(f"{indent}{mark} {text}")
    return "\n".join(out) + "\n"


def match_markdown(match: CardMatch, level: int = 4) -> str:
    card = match.card
    h = "#" * level
    out = [f"{h} Concept: {card.title} (`{card.name}`)", "", card.idea, "", "```text", card.math, "```", ""]
    here = match.here()
    if here:
        out += ["In this run:", "", *[line if line.startswith("- ") else f"- {line}" for line in here], ""]
    for mark, text in _check_lines(match):
        out.append(f"- {mark} {text}")
    if match.checks:
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def concepts_for_stops(reader: TraceSource | None, resolved: list) -> tuple[list[list[CardMatch]], list[CardMatch]]:
    """The cards to show at each resolved tour stop (anything with ``file``, ``line`` and a
    ``stop`` with ``at`` and ``phase``), and the ones matched elsewhere in the run. Without a
    trace there are none: a card needs what the run did.

    Concept matching is an extra: if it fails, the tour still renders, without cards."""
    from codetour.concepts.match import attach, match_run

    empty: list[list[CardMatch]] = [[] for _ in resolved]
    if reader is None:
        return empty, []
    try:
        matches = match_run(reader)
    except Exception as exc:  # a card must never break a tour
        from codetour.console import warn

        warn(f"concept cards skipped: {type(exc).__name__}: {exc}")
        return empty, []
    anchors = [(r.file, r.stop.at, r.line, r.stop.phase) for r in resolved]
    return attach(matches, anchors)


def elsewhere_markdown(matches: list[CardMatch]) -> str:
    """One line per card matched where no stop is: so a reader still learns it is in the run."""
    if not matches:
        return ""
    out = ["## Concepts elsewhere in this run", ""]
    for m in matches:
        out.append(f"- **{m.card.title}** (`{m.card.name}`) at `{m.file}:{m.lines[0]}` in `{m.function}`")
    return "\n".join(out) + "\n"


def elsewhere_text(matches: list[CardMatch]) -> str:
    if not matches:
        return ""
    out = ["Concepts elsewhere in this run:"]
    out += [f"  {m.card.title} [{m.card.name}] at {m.file}:{m.lines[0]} in {m.function}" for m in matches]
    return "\n".join(out) + "\n"
