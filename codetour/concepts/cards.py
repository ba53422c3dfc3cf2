"""Concept cards: the card file format and its loader.

A card is a Markdown file shipped in ``codetour/concepts/cards/``::

    # PPO: the probability ratio
    name: ppo-ratio
    aliases: importance ratio, likelihood ratio
    tags: rl, policy-gradient
    phase: loss, backward
    see: ppo-clip, policy-gradient
    refines: (optional) general cards this one makes redundant on the same lines

    ## Idea
    Two or three plain sentences.

    ## Math
    ```text
    r_t(θ) = π_θ(a_t | s_t) / π_θold(a_t | s_t) = exp(log π_θ − log π_θold)
    ```

    ## Recognise it in code
    Prose for the reader, then the rules the matcher runs:
    ```requires
    code ratio: (?P<ratio>\\w+) = (?:\\w+\\.)*exp\\((?P<logp>[\\w.\\[\\]]+) - (?P<old>[\\w.\\[\\]]+)\\)
    fact ratio: float-array and min >= 0
    fact? old: float-array
    check ratio: mean ~ 1 ± 0.02 => starts at 1 on the first minibatch
    ```

    ## Check the code against the math
    Prose: what to look at in the observed values.

    ## Here
    - the ratio is `{ratio}`; first seen {ratio.range}

``phase`` lists the tour phases a card may attach to, preferred first (a card about the
optimizer never attaches to an environment stop).

Rules (one per line in the ``requires`` block):

``code GROUP: REGEX``
    A regular expression searched in each executed *statement* of the region (its
    whole text, comments removed, whitespace collapsed to single spaces around
    nothing but what the code had). Named groups bind card symbols to the repo's
    expressions. Rules sharing a GROUP are alternatives; every GROUP must match.
``fact SYMBOL: PREDICATE``
    A runtime fact about the value observed for SYMBOL (see ``values.check``). Every
    ``fact`` must hold; a ``fact?`` must hold only when the value was observed. A card
    needs at least one ``fact``: it never matches on code (let alone names) alone.
``check SYMBOL: PREDICATE => MESSAGE``
    Not needed to match: compared with what the math predicts and reported as
    agreeing or not, with the observed value.

Templates in ``## Here`` use ``{sym}`` (the repo's expression, shown as code),
``{sym.value}``, ``{sym.range}`` (min to max), ``{sym.mean}``, ``{sym.type}``, ``{sym.shape}`` (dtype and shape) and
``{sym.later}`` (the range of the last recorded later value of the same line); a line
whose placeholders cannot all be filled is left out, and ``{!sym}`` keeps a line only when
the matched code binds no ``sym`` (for alternatives).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from codetour.concepts.values import predicate_ok
from codetour.errors import CardFormatError

HEADER_KEYS = ("name", "aliases", "tags", "phase", "see", "refines")
SECTIONS = ("Idea", "Math", "Recognise it in code", "Check the code against the math", "Here")
_KEY = re.compile(r"^([a-z]+):\s*(.*)$")
_FENCE = re.compile(r"^```(\w*)\s*$")
PLACEHOLDER = re.compile(r"\{!?(\w+)(?:\.(value|range|shape|later|mean|type))?\}")


def required_literal(pattern: str) -> str:
    """The longest run of plain characters every match must contain (outside groups and
    repeats), so most statements can be skipped with a substring test; "" if none is known."""
    try:
        if sys.version_info >= (3, 11):
            from re import _parser as sre  # type: ignore[attr-defined]
        else:  # pragma: no cover - Python 3.10
            import sre_parse as sre
        parsed: Any = sre.parse(pattern)
        items = [parsed[i] for i in range(len(parsed))]
    except Exception:  # a private module: without it, no shortcut, same results
        return ""
    best, run = "", ""
    for op, av in items:
        if str(op) == "LITERAL":
            run += chr(av)
            continue
        best, run = max(best, run, key=len), ""
    return max(best, run, key=len)


@dataclass(frozen=True)
class CodeRule:
    group: str
    pattern: re.Pattern[str]
    needle: str = ""  # a substring every match contains

    @property
    def symbols(self) -> set[str]:
        return set(self.pattern.groupindex)


@dataclass(frozen=True)
class FactRule:
    symbol: str
    predicate: str
    optional: bool = False


@dataclass(frozen=True)
class CheckRule:
    symbol: str
    predicate: str
    message: str


@dataclass
class Card:
    name: str
    title: str
    idea: str
    math: str
    recognise: str  # prose
    check_text: str  # prose
    here: list[str]
    code: list[CodeRule]
    facts: list[FactRule]
    checks: list[CheckRule]
    aliases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    phases: list[str] = field(default_factory=list)  # tour phases where the card belongs, preferred first
    see: list[str] = field(default_factory=list)
    refines: list[str] = field(default_factory=list)  # more general cards this one makes redundant where both match
    path: str = ""

    @property
    def phase(self) -> str | None:
        return self.phases[0] if self.phases else None

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(r.group for r in self.code))

    def names(self) -> set[str]:
        """Every name the card answers to (for ``codetour concepts NAME``)."""
        return {self.name.lower(), self.title.lower(), *(a.lower() for a in self.aliases)}


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _fenced(body: str, info: str) -> tuple[str, list[str]]:
    """(body without the ``info`` fences, the contents of those fences)."""
    out: list[str] = []
    blocks: list[str] = []
    current: list[str] | None = None
    for line in body.splitlines():
        m = _FENCE.match(line.strip())
        if current is None and m and m.group(1) == info:
            current = []
            continue
        if current is not None and line.strip() == "```":
            blocks.append("\n".join(current))
            current = None
            continue
        (current if current is not None else out).append(line)
    if current is not None:
        raise ValueError(f"unclosed ```{info} block")
    return "\n".join(out).strip(), blocks


def parse_card(text: str, source: str = "<card>") -> Card:
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not lines[i].startswith("# "):
        raise CardFormatError(f"{source}: a card starts with a '# Title' line")
    title = lines[i][2:].strip()
    i += 1
    header: dict[str, str] = {}
    while i < len(lines) and (m := _KEY.match(lines[i])):
        if m.group(1) not in HEADER_KEYS:
            raise CardFormatError(f"{source}: unknown header key {m.group(1)!r} (one of: {', '.join(HEADER_KEYS)})")
        header[m.group(1)] = m.group(2).strip()
        i += 1
    if not header.get("name"):
        raise CardFormatError(f"{source}: missing 'name:' in the header")
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    in_fence = False
    for line in lines[i:]:
        if line.strip().startswith("```"):
            in_fence = not in_fence
        if line.startswith("## ") and not in_fence:
            heading = line[3:].strip()
            if heading not in SECTIONS:
                raise CardFormatError(f"{source}: unknown section {heading!r} (one of: {', '.join(SECTIONS)})")
            current = sections.setdefault(heading, [])
            continue
        if current is not None:
            current.append(line)
    missing = [s for s in SECTIONS if s not in sections]
    if missing:
        raise CardFormatError(f"{source}: missing section(s): {', '.join(missing)}")
    body = {k: "\n".join(v).strip() for k, v in sections.items()}
    try:
        recognise, blocks = _fenced(body["Recognise it in code"], "requires")
    except ValueError as exc:
        raise CardFormatError(f"{source}: {exc}") from None
    if not blocks:
        raise CardFormatError(f"{source}: 'Recognise it in code' needs a ```requires block with the matching rules")
    code: list[CodeRule] = []
    facts: list[FactRule] = []
    checks: list[CheckRule] = []
    for n, raw in enumerate("\n".join(blocks).splitlines(), 1):
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        m = re.match(r"^(code|fact\??|check)\s+(\w+):\s?(.*)$", rule)
        if not m:
            raise CardFormatError(f"{source}: rule {n}: expected 'code|fact|fact?|check NAME: ...', got {rule!r}")
        kind, name, rest = m.group(1), m.group(2), m.group(3).strip()
        if kind == "code":
            try:
                code.append(CodeRule(name, re.compile(rest), required_literal(rest)))
            except re.error as exc:
                raise CardFormatError(f"{source}: rule {n}: bad regular expression: {exc}") from None
            continue
        predicate, _, message = rest.partition("=>")
        problem = predicate_ok(predicate.strip())
        if problem:
            raise CardFormatError(f"{source}: rule {n}: {problem}")
        if kind == "check":
            if not message.strip():
                raise CardFormatError(f"{source}: rule {n}: a check needs '=> what it means'")
            checks.append(CheckRule(name, predicate.strip(), message.strip()))
        else:
            facts.append(FactRule(name, predicate.strip(), optional=kind == "fact?"))
    if not code:
        raise CardFormatError(f"{source}: no 'code' rule: a card must be recognised in the code")
    if not any(not f.optional for f in facts):
        raise CardFormatError(f"{source}: no required 'fact' rule: a card never matches on code alone")
    symbols = {s for r in code for s in r.symbols}
    for used in [*(f.symbol for f in facts), *(c.symbol for c in checks)]:
        if used not in symbols:
            raise CardFormatError(f"{source}: '{used}' is used by a fact or check but no code rule captures it")
    math_body, math_blocks = _fenced(body["Math"], "text")
    here = [ln for ln in body["Here"].splitlines() if ln.strip()]
    return Card(
        name=header["name"],
        title=title,
        idea=body["Idea"],
        math="\n".join(math_blocks).strip() or math_body,
        recognise=recognise,
        check_text=body["Check the code against the math"],
        here=here,
        code=code,
        facts=facts,
        checks=checks,
        aliases=_split_list(header.get("aliases", "")),
        tags=_split_list(header.get("tags", "")),
        phases=_split_list(header.get("phase", "")),
        see=_split_list(header.get("see", "")),
        refines=_split_list(header.get("refines", "")),
        path=source,
    )


def cards_dir() -> Path:
    return Path(str(resources.files("codetour.concepts") / "cards"))


@cache
def load_cards(directory: str | None = None) -> tuple[Card, ...]:
    """Every card, sorted by name. Raises CardFormatError on the first bad card."""
    folder = Path(directory) if directory else cards_dir()
    cards = []
    for path in sorted(folder.glob("*.md")):
        cards.append(parse_card(path.read_text(encoding="utf-8"), path.name))
    names = [c.name for c in cards]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise CardFormatError(f"duplicate card names: {', '.join(dupes)}")
    return tuple(sorted(cards, key=lambda c: c.name))


def find_card(query: str, cards: tuple[Card, ...] | None = None) -> Card | None:
    """A card by name, title or alias (case-insensitive), else the only card whose names contain it."""
    cards = cards if cards is not None else load_cards()
    q = query.strip().lower()
    for card in cards:
        if q in card.names():
            return card
    partial = [c for c in cards if any(q in n for n in c.names())]
    return partial[0] if len(partial) == 1 else None
