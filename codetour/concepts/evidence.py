"""Evidence about one region of a run, read from a trace: the statements that ran (as
canonical source text), what each assigned, the locals in force, the module's globals
(what ``np`` or ``F`` is), and later values of the same statements.

Statements are compared as ``ast.unparse`` text, so card patterns see one spelling of
the code whatever its layout: ``ratio = np.exp(logp - old_logprobs)``, one space around
binary operators and after commas, no comments, no line breaks, single-quoted strings.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

from codetour.concepts.values import Value, parse_value
from codetour.store.source import TraceSource

SERIES_MAX = 64  # later values kept per statement


@dataclass
class StatementRun:
    start: int
    end: int
    text: str
    seq: int  # first line event of its first execution
    after: dict[str, str]  # locals its first execution changed
    frame_id: int = 0  # the recorded call it first ran in
    later: list[dict[str, str]] = field(default_factory=list)  # what later recorded executions changed
    runs: int = 1  # recorded executions in the frame


@dataclass
class Region:
    reader: TraceSource
    frame_id: int
    file_id: int
    file: str
    function: str
    statements: list[StatementRun]
    args: dict[str, str]
    module_globals: dict[str, str]
    _locals_cache: dict[int, dict[str, str]] = field(default_factory=dict)

    def locals_before(self, seq: int, frame_id: int | None = None) -> dict[str, str]:
        if seq not in self._locals_cache:
            # A line event carries what the lines before it changed: the locals as the line starts.
            self._locals_cache[seq] = self.reader.locals_at(frame_id or self.frame_id, seq)
        return self._locals_cache[seq]

    def value(self, expr: str, at: StatementRun) -> Value | None:
        """What ``expr`` held at statement ``at``: what it assigned, else the locals then, else a global."""
        expr = expr.strip()
        if expr in at.after:
            return parse_value(at.after[expr])
        if at.text.startswith("return ") and expr == at.text[7:] and "<return>" in at.after:
            return parse_value(at.after["<return>"])
        base, _, rest = _split_expr(expr)
        scope = {**self.module_globals, **self.args, **self.locals_before(at.seq, at.frame_id)}
        if base in at.after:
            scope[base] = at.after[base]
        if base not in scope:
            return None
        value = parse_value(scope[base])
        if value.kind == "module" and rest and "?" not in rest and "[]" not in rest:
            # np.exp, F.cross_entropy, torch.optim.AdamW: a library function, named by where it comes from
            return Value(f"<function {value.type}.{'.'.join(rest)}>", "function", f"{value.type}.{'.'.join(rest)}")
        for part in rest:
            if part == "data" and value.kind == "array":
                continue  # a tensor's .data holds the same values
            if part == "[]":  # an element or slice: its range is inside the whole's, nothing else is known
                value = replace(value, shape=None, mean=None, text=f"{value.text} (indexed)")
                continue
            inner = value.fields.get(part)
            if inner is None:
                return None
            value = parse_value(inner)
        return value

    def later_values(self, expr: str, at: StatementRun) -> list[Value]:
        return [parse_value(d[expr]) for d in at.later if expr in d]


def _split_expr(expr: str) -> tuple[str, str, list[str]]:
    """``self.cfg.lr`` -> (self, ..., [cfg, lr]); ``adv[idx]`` -> (adv, ..., [[]])."""
    parts: list[str] = []
    i = 0
    while i < len(expr) and (expr[i].isalnum() or expr[i] == "_"):
        i += 1
    base = expr[:i]
    rest = expr[i:]
    while rest:
        if rest.startswith("."):
            j = 1
            while j < len(rest) and (rest[j].isalnum() or rest[j] == "_"):
                j += 1
            parts.append(rest[1:j])
            rest = rest[j:]
        elif rest.startswith("["):
            depth, end = 0, len(rest) - 1
            for k, ch in enumerate(rest):
                depth += ch == "["
                depth -= ch == "]"
                if depth == 0:
                    end = k
                    break
            parts.append("[]")
            rest = rest[end + 1 :]
        else:
            return base, rest, [*parts, "?"]  # a call or an operator: not a plain reference
    return base, "", parts


class StatementMap:
    """line -> (first line, last line, canonical text) of the innermost statement covering it.
    Compound statements (for, while, if, with, def) cover only their header. Texts are made on
    first use: a run touches a small part of a big file."""

    def __init__(self, source: str) -> None:
        self.spans: dict[int, tuple[int, int, ast.stmt]] = {}
        self.texts: dict[int, str] = {}
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError):
            return
        found: list[tuple[int, int, ast.stmt]] = []
        for node in _statements(tree.body):
            end = node.end_lineno or node.lineno
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                end = max(node.lineno, body[0].lineno - 1)
            found.append((node.lineno, end, node))
        for start, end, node in sorted(found, key=lambda s: s[1] - s[0], reverse=True):
            for n in range(start, end + 1):
                self.spans[n] = (start, end, node)  # smaller spans overwrite larger ones: the innermost wins

    def get(self, line: int) -> tuple[int, int, str] | None:
        span = self.spans.get(line)
        if span is None:
            return None
        start, end, node = span
        text = self.texts.get(start)
        if text is None:
            text = self.texts[start] = _header(node)
        return start, end, text


def _statements(body: list) -> Iterator[ast.stmt]:
    """Every statement, nested ones included, without visiting expressions (much faster than ast.walk)."""
    for node in body:
        if isinstance(node, ast.stmt):
            yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, name, None)
            if isinstance(inner, list):
                yield from _statements(inner)


@lru_cache(maxsize=64)
def statement_map(source: str) -> StatementMap:
    return StatementMap(source)


def _bare_target(node: ast.expr) -> str:
    if isinstance(node, ast.Tuple) and node.elts:
        parts = [ast.unparse(e) for e in node.elts]
        return f"{parts[0]}," if len(parts) == 1 else ", ".join(parts)
    return ast.unparse(node)


def _header(node: ast.stmt) -> str:
    try:
        if isinstance(node, (ast.For, ast.AsyncFor)):
            return f"for {ast.unparse(node.target)} in {ast.unparse(node.iter)}:"
        if isinstance(node, ast.While):
            return f"while {ast.unparse(node.test)}:"
        if isinstance(node, ast.If):
            return f"if {ast.unparse(node.test)}:"
        if isinstance(node, (ast.With, ast.AsyncWith)):
            return f"with {', '.join(ast.unparse(i) for i in node.items)}:"
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return f"def {node.name}({ast.unparse(node.args)}):"
        if isinstance(node, ast.ClassDef):
            return f"class {node.name}:"
        if isinstance(node, ast.Try):
            return "try:"
        if isinstance(node, ast.Assign) and sys.version_info < (3, 11):
            # Python 3.10 writes tuple targets in parentheses (``(obs, reward) = env.step(a)``); cards are
            # written against the spelling of 3.11+, which leaves them bare
            targets = " = ".join(_bare_target(t) for t in node.targets)
            return f"{targets} = {ast.unparse(node.value)}"
        return ast.unparse(node)
    except Exception:  # unparse is not expected to fail on parsed code; never let a card crash a tour
        return ""


def build_region(reader: TraceSource, frame_id: int, lines: set[int] | None = None, later_calls: bool = True) -> Region | None:
    """The evidence of one recorded frame, optionally limited to statements touching ``lines``.
    With ``later_calls``, the function's later recorded calls add their values to each statement's
    series and the statements this call never reached."""
    frame = reader.frame(frame_id)
    if frame is None:
        return None
    func = reader.functions.get(frame.function_id)
    if func is None:
        return None
    info = reader.files.get(func.file_id)
    smap = statement_map(reader.source(func.file_id) or "")
    by_start: dict[int, StatementRun] = {}
    order: list[StatementRun] = []
    current: tuple[StatementRun, dict[str, str]] | None = None  # the statement execution under way
    for seq, line, changed in reader.line_runs(frame_id):
        span = smap.get(line)
        if span is None or (lines is not None and not any(span[0] <= n <= span[1] for n in lines)):
            current = None
            continue
        start, end, text = span
        run = by_start.get(start)
        if current is not None and current[0] is run and line != start:
            current[1].update(changed)  # a later line of the same multi-line statement
            continue
        if run is None:
            run = by_start[start] = StatementRun(start, end, text, seq, dict(changed), frame_id)
            order.append(run)
            current = (run, run.after)
            continue
        run.runs += 1
        values = dict(changed)
        if len(run.later) < SERIES_MAX:
            run.later.append(values)
        current = (run, values)
    # Later recorded calls of the same function add to each statement's series, and bring the
    # statements this call did not reach (a branch taken only later, such as the decay after warmup).
    for other in reader.frames_of(func.id)[:6] if later_calls else []:
        if other.id == frame_id or other.start_seq < frame.start_seq:
            continue
        current = None
        for seq, line, changed in reader.line_runs(other.id):
            span = smap.get(line)
            if span is None or (lines is not None and not any(span[0] <= n <= span[1] for n in lines)):
                current = None
                continue
            run = by_start.get(span[0])
            if current is not None and current[0] is run and line != span[0]:
                current[1].update(changed)
                continue
            if run is None:
                run = by_start[span[0]] = StatementRun(span[0], span[1], span[2], seq, dict(changed), other.id)
                order.append(run)
                current = (run, run.after)
                continue
            values = dict(changed)
            if len(run.later) < SERIES_MAX:
                run.later.append(values)
            current = (run, values)
    return Region(
        reader=reader,
        frame_id=frame_id,
        file_id=func.file_id,
        file=info.relpath if info else "?",
        function=func.qualname,
        statements=order,
        args=dict(frame.args or {}),
        module_globals=reader.module_globals(func.file_id) if func.kind != "module" else {},
    )
