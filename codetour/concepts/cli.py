"""`codetour concepts [NAME]`: browse the concept cards, or see which ones a recorded run implements.

Follows the CLI package's pattern (``add_parser`` and ``run``); ``codetour.cli.main`` wires it in.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from typing import Any

from codetour.errors import UsageError

HELP = """\
The ML ideas codetour can recognise in a run, as cards: the idea in plain words,
the math, how to recognise it in code, and how to check the code against the
math with the values a run produced.

  codetour concepts                  list every card
  codetour concepts NAME             show one card (by name, title or alias)
  codetour concepts --tag rl         only the cards with that tag
  codetour concepts --trace TRACE    the cards a recorded run implements, where,
                                     with the run's own names and values

A card attaches to code only when its pattern ran and a runtime fact confirms it
(a dtype, a shape, a range, the library a function came from): never on a name.

exit codes: 0 ok, 2 unknown card or tag, 3 bad path, 5 not a trace.

examples:
  codetour concepts gae
  codetour concepts "next-token loss" --markdown
  codetour concepts --trace .codetour/train.*.ctrace
"""


def add_parser(sub: Any, formatter: type[argparse.HelpFormatter] | None = None) -> argparse.ArgumentParser:
    kwargs: dict[str, Any] = {"help": "browse the ML concept cards, or the ones a run implements", "description": HELP}
    if formatter is not None:
        kwargs["formatter_class"] = formatter
    p = sub.add_parser("concepts", **kwargs)
    p.add_argument("name", nargs="?", metavar="NAME", help="a card's name, title or alias")
    p.add_argument("--tag", help="list only the cards with this tag (rl, llm, optim, diffusion, ...)")
    p.add_argument("--markdown", action="store_true", help="print Markdown instead of plain text")
    p.add_argument("--trace", metavar="TRACE", help="match the cards against a recorded run and show where they attach")
    return p


def run(args: argparse.Namespace) -> int:
    from codetour.concepts.cards import load_cards
    from codetour.concepts.render import card_markdown, card_text, cards_table, match_markdown, match_text

    cards = load_cards()
    if args.tag:
        tagged = tuple(c for c in cards if args.tag.lower() in (t.lower() for t in c.tags))
        if not tagged:
            tags = sorted({t for c in cards for t in c.tags})
            raise UsageError(f"no card has the tag {args.tag!r} (tags: {', '.join(tags)})")
        cards = tagged
    if args.trace:
        from codetour.concepts.match import match_run
        from codetour.store.reader import TraceReader

        with TraceReader(args.trace) as reader:
            matches = match_run(reader, cards)
        if args.name:
            card = _find(args.name, cards)
            matches = [m for m in matches if m.card.name == card.name]
        if not matches:
            _write("No concept card matched this run.\n")
            return 0
        render = match_markdown if args.markdown else match_text
        _write("\n".join(render(m) for m in matches))
        return 0
    if args.name:
        card = _find(args.name, cards)
        _write(card_markdown(card) if args.markdown else card_text(card))
        return 0
    if args.markdown:
        _write("\n".join(card_markdown(c) for c in cards))
    else:
        _write(cards_table(cards) + f"\n{len(cards)} cards; `codetour concepts NAME` shows one.\n")
    return 0


def _find(name: str, cards: Any) -> Any:
    from codetour.concepts.cards import find_card

    card = find_card(name, cards)
    if card is None:
        names = [c.name for c in cards] + [a.lower() for c in cards for a in c.aliases]
        close = difflib.get_close_matches(name.lower(), names, n=3)
        hint = f"did you mean: {', '.join(close)}?" if close else "`codetour concepts` lists them"
        raise UsageError(f"no concept card called {name!r}", hint=hint)
    return card


def _write(text: str) -> None:
    # Plain stdout, not rich: cards hold brackets and backticks that must print as they are.
    sys.stdout.write(text)
    sys.stdout.flush()
