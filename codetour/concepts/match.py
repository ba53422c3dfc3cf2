"""Match concept cards against what a region of a run executed.

A card matches a region when every one of its ``code`` groups matches a statement that
ran there, the symbols those patterns bind agree with each other, and every ``fact`` about
the observed values holds. Names alone never match: a fact is about a value the run
produced (a shape, a dtype, a range, a type, the module a function came from).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from codetour.concepts.cards import PLACEHOLDER, Card, load_cards
from codetour.concepts.evidence import Region, StatementRun, build_region
from codetour.concepts.values import Value, check, knowable
from codetour.store.reader import Frame
from codetour.store.source import TraceSource

MAX_SPREAD = 40  # lines: the statements of one match must sit this close together
MAX_CANDIDATES = 8  # statements tried per code group
MAX_COMBINATIONS = 256


@dataclass
class CheckResult:
    message: str
    agrees: bool
    observed: str


@dataclass
class CardMatch:
    card: Card
    frame_id: int
    file: str
    function: str
    lines: list[int]  # first lines of the statements that matched, in source order
    seq: int  # when the first matched statement first ran
    symbols: dict[str, str]  # card symbol -> the repo's expression
    values: dict[str, Value]  # card symbol -> value observed on its first run
    series: dict[str, list[Value]] = field(default_factory=dict)  # later recorded values
    checks: list[CheckResult] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    sites: list[int] = field(default_factory=list)  # every line where one of its patterns matched and held
    callers: list[tuple[int, str, str, int]] = field(default_factory=list)  # (depth, file, function, call line)

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def line(self) -> int:
        return self.lines[0]

    def fill(self, template: str) -> str | None:
        """A ``## Here`` line with the repo's names and values, or None if one is unknown."""
        missing = False

        def sub(m: re.Match[str]) -> str:
            nonlocal missing
            sym, part = m.group(1), m.group(2)
            if m.group(0).startswith("{!"):
                missing = missing or sym in self.symbols  # the line is for when the code has no such thing
                return ""
            if part is None:
                if sym not in self.symbols:
                    missing = True
                    return ""
                return f"`{self.symbols[sym]}`"
            value = self.values.get(sym)
            if part == "later":
                value = self.series[sym][-1] if self.series.get(sym) else None
                part = "range"
            text = None
            if value is not None:
                if part == "value":
                    text = value.short()
                elif part == "range":
                    text = value.range_text()
                elif part == "type" and value.type:
                    text = value.type
                elif part == "mean" and value.mean is not None:
                    text = f"{value.mean:.4g}"
                elif part == "shape" and value.shape is not None:
                    text = f"{value.dtype}[{', '.join(map(str, value.shape))}]" if value.dtype else str(list(value.shape))
            if text is None:
                missing = True
                return ""
            return text

        out = PLACEHOLDER.sub(sub, template)
        return None if missing else out

    def here(self) -> list[str]:
        return [line for line in (self.fill(t) for t in self.card.here) if line is not None]


def _candidates(card: Card, region: Region) -> dict[str, list[tuple[StatementRun, dict[str, str]]]] | None:
    found: dict[str, list[tuple[StatementRun, dict[str, str]]]] = {}
    for group in card.groups:
        rules = [r for r in card.code if r.group == group]
        hits = []
        for stmt in region.statements:
            for rule in rules:
                if rule.needle and rule.needle not in stmt.text:
                    continue
                m = rule.pattern.search(stmt.text)
                if m:
                    binding = {k: v.strip() for k, v in m.groupdict().items() if v is not None}
                    if _plausible(card, region, stmt, binding):
                        hits.append((stmt, binding))
                        break
            if len(hits) >= MAX_CANDIDATES:
                break
        if not hits:
            return None
        found[group] = hits
    return found


def _others(predicate: str) -> list[str]:
    """Symbols a predicate compares with (``same-shape x``, ``near-log-classes logits``)."""
    return re.findall(r"(?:same-shape|near-log-classes) (\w+)", predicate)


def _plausible(card: Card, region: Region, stmt: StatementRun, binding: dict[str, str]) -> bool:
    """A statement's match survives if no required fact about the symbols it binds is known to fail:
    generic alternatives (``out = fn(x)``) would otherwise crowd out the real candidates."""
    for fact in card.facts:
        if fact.symbol not in binding or "same-shape" in fact.predicate:
            continue
        value = region.value(binding[fact.symbol], stmt)
        if value is None:
            if not fact.optional:
                return False
            continue
        if not check(fact.predicate, value, unknown=fact.optional):
            return False
    return True


def _facts_hold(card: Card, symbols: dict[str, str], values: dict[str, Value]) -> bool:
    """Facts about symbols the matched code does not name are skipped (alternatives name different
    things); a required fact about a named symbol must be observed and hold; and at least one
    required fact must have been checked: a card never matches on code alone."""
    confirmed = 0
    for fact in card.facts:
        if fact.symbol not in symbols:
            continue
        value = values.get(fact.symbol)
        if value is None:
            if fact.optional:
                continue
            return False
        if not check(fact.predicate, value, values, unknown=fact.optional):
            return False
        confirmed += not fact.optional
    return confirmed > 0


def match_card(card: Card, region: Region) -> CardMatch | None:
    found = _candidates(card, region)
    if found is None:
        return None
    groups = card.groups
    for combo in itertools.islice(itertools.product(*(found[g] for g in groups)), MAX_COMBINATIONS):
        starts = [stmt.start for stmt, _ in combo]
        if max(starts) - min(starts) > MAX_SPREAD:
            continue
        symbols: dict[str, str] = {}
        where: dict[str, StatementRun] = {}
        consistent = True
        for stmt, binding in combo:
            for sym, expr in binding.items():
                if sym in symbols and symbols[sym] != expr:
                    consistent = False
                    break
                if sym not in symbols or expr in stmt.after:
                    symbols[sym] = expr
                    where[sym] = stmt  # prefer the statement that assigned it
        if not consistent:
            continue
        values: dict[str, Value] = {}
        for sym, expr in symbols.items():
            value = region.value(expr, where[sym])
            if value is not None:
                values[sym] = value
        if not _facts_hold(card, symbols, values):
            continue
        stmts = sorted({stmt.start: stmt for stmt, _ in combo}.values(), key=lambda s: s.start)
        series = {sym: region.later_values(expr, where[sym]) for sym, expr in symbols.items()}
        checks = []
        for rule in card.checks:
            value = values.get(rule.symbol)
            if value is not None and knowable(rule.predicate, value) and all(o in values for o in _others(rule.predicate)):
                checks.append(CheckResult(rule.message, check(rule.predicate, value, values), value.text))
        evidence = [f"{region.file}:{s.start} ran `{s.text}`" for s in stmts]
        for fact in card.facts:
            if fact.symbol in values:
                evidence.append(f"`{symbols[fact.symbol]}` = {values[fact.symbol].text} ({fact.predicate})")
        sites = sorted({stmt.start for hits in found.values() for stmt, _ in hits})
        return CardMatch(
            card=card,
            sites=sites,
            frame_id=region.frame_id,
            file=region.file,
            function=region.function,
            lines=[s.start for s in stmts],
            seq=min(s.seq for s in stmts),
            symbols=symbols,
            values=values,
            series={k: v for k, v in series.items() if v},
            checks=checks,
            evidence=evidence,
        )
    return None


def match_region(
    reader: TraceSource, frame_id: int, lines: set[int] | None = None, cards: tuple[Card, ...] | None = None
) -> list[CardMatch]:
    """The cards that match one recorded frame (optionally only statements touching ``lines``)."""
    region = build_region(reader, frame_id, lines)
    if region is None:
        return []
    out = []
    for card in cards if cards is not None else load_cards():
        m = match_card(card, region)
        if m is not None:
            out.append(m)
    # A specific card makes a general one redundant on the same statements (value loss over MSE).
    refined = {(general, n) for m in out for general in m.card.refines for n in m.lines}
    out = [m for m in out if not any((m.card.name, n) in refined for n in m.lines)]
    if out:
        callers = _callers(reader, frame_id)
        for m in out:
            m.callers = callers
    return sorted(out, key=lambda m: (m.seq, m.card.name))


def _callers(reader: TraceSource, frame_id: int, depth: int = 8, calls: int = 12) -> list[tuple[int, str, str, int]]:
    """Where the function came from in its recorded calls: (depth, file, function, line of the call),
    up to ``depth`` levels up, for this call and the function's next recorded ones (the first call
    may come from an evaluation before training, the next from the training loop)."""
    first = reader.frame(frame_id)
    if first is None:
        return []
    found: list[tuple[int, str, str, int]] = []
    for start in [first, *(f for f in reader.frames_of(first.function_id)[:calls] if f.id != frame_id)]:
        frame: Frame | None = start
        level = 0
        while frame is not None and frame.parent_id is not None and frame.call_line is not None and level < depth:
            parent = reader.frame(frame.parent_id)
            if parent is None:
                break
            func = reader.functions.get(parent.function_id)
            if func is None:
                break
            level += 1
            info = reader.files.get(func.file_id)
            site = (level, info.relpath if info else "?", func.qualname, frame.call_line)
            if site not in found:
                found.append(site)
            frame = parent
    return found


def match_run(reader: TraceSource, cards: tuple[Card, ...] | None = None) -> list[CardMatch]:
    """Cards matched anywhere in the run: each recorded function's first call, module code included."""
    cards = cards if cards is not None else load_cards()
    out: list[CardMatch] = []
    for func in reader.functions.values():
        if func.library or func.kind == "class" or not func.recorded_calls:
            continue
        frames = reader.frames_of(func.id)
        if frames:
            out += match_region(reader, frames[0].id, cards=cards)
    return sorted(out, key=lambda m: (m.seq, m.card.name))


Anchor = tuple[str | None, str, int | None, str | None]  # (file, function, line, phase) of a tour stop


def attach(
    matches: list[CardMatch], anchors: list[Anchor], window: int = 40, call_window: int = 25, module_call_window: int = 3
) -> tuple[list[list[CardMatch]], list[CardMatch]]:
    """Give each match to one anchor ``(file, function, line, phase)``, a tour stop:

    - only to a stop whose phase the card lists (a card without phases, or a stop without a
      phase, is compatible with any), preferring the card's earlier phases;
    - in the function where the card matched, at most ``window`` lines from any line where its
      patterns held (a function-level anchor, line None, takes it at any distance); or at most
      ``call_window`` lines from a line that called that function (up to eight calls up), or
      ``module_call_window`` when that line is module-level code, where unrelated lines sit close;
    - a stop within two lines of where the card matched, in the same function, comes first;
      then the card's phase order, the fewest calls up, the nearest line.

    Each card goes to one anchor at most. Returns (matches per anchor, the matches no anchor
    took, one per card)."""
    per: list[list[CardMatch]] = [[] for _ in anchors]
    rest: list[CardMatch] = []
    taken: set[str] = set()
    for m in matches:
        if m.card.name in taken:
            continue
        phases = m.card.phases
        places = [(0, m.file, m.function, m.sites or m.lines), *((d, f, q, [n]) for d, f, q, n in m.callers)]
        best: tuple[int, int, int, int, int] | None = None
        for depth, file, qualname, lines in places:
            for i, (a_file, a_qualname, a_line, a_phase) in enumerate(anchors):
                if a_qualname != qualname or (a_file is not None and a_file != file):
                    continue
                if phases and a_phase is not None and a_phase not in phases:
                    continue
                rank = phases.index(a_phase) if phases and a_phase in phases else len(phases)
                if a_line is None:
                    distance = window + 1
                else:
                    distance = min(abs(n - a_line) for n in lines)
                    limit = window if depth == 0 else (module_call_window if qualname == "<module>" else call_window)
                    if distance > limit:
                        continue
                on_line = 0 if depth == 0 and distance <= 2 else 1  # a stop on the very line wins over phase order
                key = (on_line, rank, depth, distance, i)
                if best is None or key < best:
                    best = key
        if best is not None:
            per[best[4]].append(m)
            taken.add(m.card.name)
    for m in matches:
        if m.card.name not in taken:
            rest.append(m)
            taken.add(m.card.name)
    return per, rest
