"""What ran, line by line, with what each line did: the facts phase detection reasons over.

A :class:`RunIndex` joins three things the trace holds:

- the lines that ran (first run, the frame it ran in, how often it was recorded);
- what each of those lines *is*, from the recorded source snapshot parsed with ``ast``:
  the calls on it (callee text, receiver, arguments), the names it assigns and reads,
  the loops around it;
- the runtime values around it, from the recorded value summaries: the locals before the
  line ran, the locals it changed, the recorded frames it called.

Nothing here decides a phase; the detectors in :mod:`codetour.tour.phases` do.
"""

from __future__ import annotations

import ast
import itertools
import os
import re
from dataclasses import dataclass, field

from codetour.store.reader import Frame, Function, TraceReader
from codetour.store.schema import FOLD, LINE


@dataclass(frozen=True)
class CallSite:
    """One call on a line: ``callee`` is its dotted text (``torch.save``, ``loss.backward``)."""

    callee: str
    method: str | None  # the attribute called (``backward`` in ``loss.backward()``), if any
    receiver: str | None  # the dotted text it is called on (``loss``, ``self.optimizer``), if any
    args: tuple[str, ...]  # dotted text of each positional argument ("" when not a plain name)
    keywords: tuple[tuple[str, str], ...]
    names: frozenset[str]  # every plain name read inside the call's arguments


@dataclass
class LineInfo:
    """What a source line is, statically."""

    text: str
    stmt: ast.stmt | None
    calls: list[CallSite] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # dotted names assigned (loop targets included)
    reads: set[str] = field(default_factory=set)  # plain names read
    subscript_keys: list[tuple[str, str]] = field(default_factory=list)  # (container text, constant key) assigned
    returns: list[str] = field(default_factory=list)  # names in a ``return`` statement's value
    fills: list[str] = field(default_factory=list)  # containers the line adds to (``xs.append(v)``, ``self.buf.extend(v)``)
    number_literal: bool = False  # assigns a literal number, string or bool (a hyper-parameter)


@dataclass(frozen=True)
class Loop:
    head: int  # the for/while line
    end: int
    body_first: int
    is_for: bool
    iter_text: str  # what a ``for`` iterates, as text
    targets: tuple[str, ...]


@dataclass(frozen=True)
class LineRun:
    """A (function, line) that ran: its first recorded run and how many runs were recorded."""

    fid: int
    line: int
    seq: int
    frame_id: int
    hits: int


_TRACER = re.compile(r"(?:^|[(\[, ])\w*Tracer ")  # ``DynamicJaxprTracer float32[128, 784] jax``
_FILLING = frozenset({"append", "appendleft", "extend", "extendleft", "insert", "add", "push", "put"})


def dotted(node: ast.AST | None) -> str:
    """``a.b.c`` for Name/Attribute chains (calls and subscripts are looked through), else ""."""
    parts: list[str] = []
    while node is not None:
        if isinstance(node, ast.Name):
            parts.append(node.id)
            break
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return ""
    return ".".join(reversed(parts))


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, (ast.Tuple, ast.List)):
        return [t for elt in node.elts for t in _targets(elt)]
    if isinstance(node, ast.Starred):
        return _targets(node.value)
    text = dotted(node)
    return [text] if text else []


_TYPE = re.compile(r"^<([A-Za-z_][\w.]*)")
_ARRAY = re.compile(r"^([A-Za-z_]\w*) ([a-z]\w*)\[([^\]]*)\]")
_NP_SCALAR = re.compile(r"^((?:float|int|uint|complex|bool)\d*|bool_|longdouble|clongdouble) = ")


def _norm(summary: str | None) -> str | None:
    """A numpy scalar's summary (``float64 = 0.9``) read like the 0-d array it is (``float64 float64[] = 0.9``)."""
    if summary:
        m = _NP_SCALAR.match(summary)
        if m:
            return f"{m.group(1)} {m.group(1)}[]{summary[len(m.group(1)) :]}"
    return summary


def type_of(summary: str | None) -> str | None:
    """The type name a value summary shows: ``Tensor``, ``ndarray``, ``AdamW``, ``dict``..."""
    summary = _norm(summary)
    if not summary:
        return None
    m = _TYPE.match(summary)
    if m:
        name = m.group(1)
        return {"class": "type", "function": "function", "module": "module"}.get(name, name)
    m = _ARRAY.match(summary)
    if m:
        return m.group(1)
    if summary[0] in "'\"":
        return "str"
    head = summary.split("[", 1)[0].split(" ", 1)[0]
    if head in ("list", "tuple", "dict", "set", "frozenset", "bytes", "bytearray"):
        return head
    if summary in ("True", "False"):
        return "bool"
    if summary == "None":
        return "NoneType"
    if re.fullmatch(r"-?\d+", summary):
        return "int"
    if re.fullmatch(r"-?[\d.]+(e[-+]?\d+)?|nan|-?inf", summary):
        return "float"
    return None


def is_array(summary: str | None) -> bool:
    summary = _norm(summary)
    return bool(summary and _ARRAY.match(summary))


def array_shape(summary: str | None) -> str | None:
    m = _ARRAY.match(_norm(summary) or "")
    return f"{m.group(2)}[{m.group(3)}]" if m else None


def is_scalar(summary: str | None) -> bool:
    """A single number: a float, or a 0-d array (``Tensor float32[] = 4.2``)."""
    summary = _norm(summary)
    if not summary:
        return False
    m = _ARRAY.match(summary)
    if m:
        return m.group(3).strip() == ""
    return type_of(summary) == "float"


def scalar_value(summary: str | None) -> float | None:
    if not summary:
        return None
    m = re.search(r"= (-?[\d.]+(?:e[-+]?\d+)?|nan|-?inf)\s*$", summary)
    text = m.group(1) if m else summary
    try:
        return float(text)
    except ValueError:
        return None


def fields_of(summary: str | None) -> dict[str, str]:
    """Top-level ``name=value`` fields of an object summary (``<PPOAgent config=<...> lr=0.1 …>``)."""
    if not summary or not summary.startswith("<"):
        return {}
    body = summary[1:-1] if summary.endswith(">") else summary[1:]
    out: dict[str, str] = {}
    depth = 0
    i = body.find(" ")
    if i < 0:
        return out
    tokens: list[str] = []
    start = i + 1
    for j in range(start, len(body)):
        ch = body[j]
        if ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif ch == " " and depth == 0:
            tokens.append(body[start:j])
            start = j + 1
    tokens.append(body[start:])
    current: str | None = None
    for tok in tokens:
        m = re.match(r"^([A-Za-z_]\w*)=(.*)$", tok, re.S)
        if m:
            current = m.group(1)
            out[current] = m.group(2)
        elif current is not None and tok != "…":
            out[current] += " " + tok
    return out


def split_top(body: str) -> list[str]:
    """The top-level ``, ``-separated parts of a summary's body (brackets and quotes kept whole)."""
    parts, depth, start = [], 0, 0
    quote = ""
    for j, ch in enumerate(body):
        if quote:
            if ch == quote and body[j - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "<([{":
            depth += 1
        elif ch in ">)]}":
            depth -= 1
        elif ch == "," and depth == 0 and body[j + 1 : j + 2] == " ":
            parts.append(body[start:j])
            start = j + 2
    parts.append(body[start:])
    return parts


def dict_items(summary: str | None) -> dict[str, str]:
    """Top-level ``key: value`` items of a dict summary (``dict[3] {lr: 0.1, steps: 10, …}``)."""
    m = re.match(r"^dict\[\d+\] \{(.*)\}$", summary or "", re.S)
    if not m:
        return {}
    out = {}
    for part in split_top(m.group(1)):
        key, sep, value = part.partition(": ")
        if sep and key and part != "…":
            out[key] = value
    return out


class RunIndex:
    """The lines that ran, what they are, and the values around them."""

    def __init__(self, reader: TraceReader) -> None:
        self.reader = reader
        self.functions: dict[int, Function] = {fid: f for fid, f in reader.functions.items() if not f.library}
        self.runs: list[LineRun] = [
            LineRun(fid, line, seq, frame, hits)
            for fid, line, seq, frame, hits in reader.lines_that_ran()
            if fid in self.functions and line is not None
        ]
        self.run_at: dict[tuple[int, int], LineRun] = {(r.fid, r.line): r for r in self.runs}
        self._trees: dict[int, ast.Module | None] = {}
        self._infos: dict[tuple[int, int], LineInfo] = {}
        self._frames: dict[int, Frame | None] = {}
        self._locals: dict[tuple[int, int], dict[str, str]] = {}
        self._children: dict[int, list[Frame]] = {}
        self._loops: dict[int, list[Loop]] = {}
        self._globals: dict[int, dict[str, str]] = {}
        self._imports: dict[int, dict[str, str]] = {}
        self._compiled: dict[int, bool] = {}
        self._stmt_maps: dict[int, dict[int, ast.stmt]] = {}
        self._spans: dict[int, list[ast.stmt]] = {}
        self._series: list[tuple[int, int | None, int | None, str, int, int, dict]] | None = None

    def series_rows(self) -> list[tuple[int, int | None, int | None, str, int, int, dict]]:
        """The trace's scalar series (see :meth:`TraceReader.scalar_series`), read once."""
        if self._series is None:
            self._series = self.reader.scalar_series()
        return self._series

    # ---------------------------------------------------------------- source
    def tree(self, file_id: int) -> ast.Module | None:
        if file_id not in self._trees:
            try:
                self._trees[file_id] = ast.parse(self.reader.source(file_id) or "")
            except (SyntaxError, ValueError):
                self._trees[file_id] = None
        return self._trees[file_id]

    def stmt_at(self, file_id: int, line: int) -> ast.stmt | None:
        """The innermost statement whose first line is ``line`` (or that spans it)."""
        maps = self._stmt_maps
        if file_id not in maps:
            by_line: dict[int, ast.stmt] = {}
            spans: list[ast.stmt] = []
            tree = self.tree(file_id)
            if tree is not None:
                for node in ast.walk(tree):
                    if isinstance(node, ast.stmt):
                        by_line.setdefault(node.lineno, node)
                        prev = by_line[node.lineno]
                        # the innermost statement on its first line (a def's decorators aside)
                        if prev is not node and getattr(prev, "end_lineno", 0) > getattr(node, "end_lineno", 0):
                            by_line[node.lineno] = node
                        spans.append(node)
            maps[file_id] = by_line
            self._spans[file_id] = spans
        stmt = maps[file_id].get(line)
        if stmt is not None:
            return stmt
        best = None
        for node in self._spans.get(file_id, []):
            inside = node.lineno <= line <= (node.end_lineno or node.lineno) and not isinstance(node, _COMPOUND)
            if inside and (best is None or node.lineno >= best.lineno):
                best = node
        return best

    def info(self, file_id: int, line: int) -> LineInfo:
        key = (file_id, line)
        if key in self._infos:
            return self._infos[key]
        lines = self.reader.source_lines(file_id)
        text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        stmt = self.stmt_at(file_id, line)
        info = LineInfo(text, stmt)
        if stmt is not None:
            header = _header_nodes(stmt)
            for node in header:
                for sub in ast.walk(node):
                    if isinstance(sub, ast.Call):
                        info.calls.append(_call_site(sub))
                    elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                        info.reads.add(sub.id)
            if isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    info.targets += _targets(t)
                    if isinstance(t, ast.Subscript) and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
                        info.subscript_keys.append((dotted(t.value), t.slice.value))
                info.number_literal = _is_literal(stmt.value)
            elif isinstance(stmt, ast.AugAssign) or (isinstance(stmt, ast.AnnAssign) and stmt.value is not None):
                info.targets += _targets(stmt.target)  # a bare annotation (``env: VecEnv``) assigns nothing
                info.number_literal = isinstance(stmt, ast.AnnAssign) and stmt.value is not None and _is_literal(stmt.value)
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                info.targets += _targets(stmt.target)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        info.targets += _targets(item.optional_vars)
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                call = stmt.value.func
                if isinstance(call, ast.Attribute) and call.attr in _FILLING and dotted(call.value):
                    info.fills.append(dotted(call.value))
            elif isinstance(stmt, ast.Return) and stmt.value is not None:
                elts = stmt.value.elts if isinstance(stmt.value, ast.Tuple) else [stmt.value]
                for elt in elts:
                    if isinstance(elt, ast.Name):
                        info.returns.append(elt.id)
                    else:
                        info.returns += sorted({n.id for n in ast.walk(elt) if isinstance(n, ast.Name)})
        self._infos[key] = info
        return info

    def loops(self, file_id: int) -> list[Loop]:
        if file_id not in self._loops:
            found = []
            tree = self.tree(file_id)
            if tree is not None:
                for node in ast.walk(tree):
                    if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and node.body:
                        is_for = not isinstance(node, ast.While)
                        found.append(
                            Loop(
                                node.lineno,
                                node.end_lineno or node.lineno,
                                node.body[0].lineno,
                                is_for,
                                ast.unparse(node.iter) if is_for else ast.unparse(node.test),  # type: ignore[union-attr]
                                tuple(_targets(node.target)) if is_for else (),  # type: ignore[union-attr]
                            )
                        )
            self._loops[file_id] = sorted(found, key=lambda lp: lp.head)
        return self._loops[file_id]

    def loops_around(self, fid: int, line: int) -> list[Loop]:
        """Loops of function ``fid`` enclosing ``line`` (the head line counts as inside), outermost first."""
        func = self.functions[fid]
        lo, hi = (1, 1 << 30) if func.kind == "module" else (func.firstlineno, func.lastlineno)
        return [lp for lp in self.loops(func.file_id) if lo <= lp.head and lp.end <= hi and lp.head <= line <= lp.end]

    def direct_in_loop(self, fid: int, line: int, loop: Loop) -> bool:
        """True if ``line`` runs on every iteration of ``loop`` (not under an if/try/inner loop)."""
        func = self.functions[fid]
        tree = self.tree(func.file_id)
        if tree is None:
            return False
        for node in ast.walk(tree):
            if isinstance(node, (ast.For, ast.AsyncFor, ast.While)) and node.lineno == loop.head:
                body = list(node.body)
                while body:  # a ``with`` block's body runs whenever the block does
                    s = body.pop()
                    if s.lineno <= line <= (s.end_lineno or s.lineno):
                        if isinstance(s, (ast.With, ast.AsyncWith)) and s.lineno != line:
                            body = list(s.body)
                            continue
                        # a compound statement's own first line (an inner loop's ``for``, an ``if`` test) runs every time
                        return s.lineno == line or not isinstance(s, _COMPOUND) or isinstance(s, (ast.With, ast.AsyncWith))
                return False
        return False

    # ---------------------------------------------------------------- runtime
    def frame(self, frame_id: int | None) -> Frame | None:
        if frame_id is None:
            return None
        if frame_id not in self._frames:
            self._frames[frame_id] = self.reader.frame(frame_id)
        return self._frames[frame_id]

    def function_of(self, frame_id: int) -> Function | None:
        fr = self.frame(frame_id)
        return self.functions.get(fr.function_id) if fr else None

    def before(self, frame_id: int, seq: int) -> dict[str, str]:
        """The frame's locals just before the line event ``seq`` ran."""
        key = (frame_id, seq)
        if key not in self._locals:
            self._locals[key] = self.reader.locals_at(frame_id, seq)
        return self._locals[key]

    def after(self, frame_id: int, seq: int) -> dict[str, str]:
        """The frame's locals just after the line event ``seq`` ran (changes land on the next event)."""
        nxt = self.reader.next_event(seq, frame_id=frame_id)
        if nxt is None or nxt.kind != LINE:
            return self.before(frame_id, seq)
        return self.before(frame_id, nxt.seq)

    def changed_by(self, frame_id: int, seq: int) -> dict[str, str]:
        nxt = self.reader.next_event(seq, frame_id=frame_id)
        if nxt is None or nxt.kind != LINE or not isinstance(nxt.data, dict):
            return {}
        return dict(nxt.data)

    def value(self, frame_id: int, seq: int, expr: str, after: bool = False) -> str | None:
        """The summary of a dotted expression (``self.optimizer``) at a moment, through object fields."""
        if not expr:
            return None
        scope = self.after(frame_id, seq) if after else self.before(frame_id, seq)
        head, *rest = expr.split(".")
        summary = scope.get(head)
        if summary is None:
            fr = self.frame(frame_id)
            func = self.functions.get(fr.function_id) if fr else None
            if func is not None:
                summary = self.module_globals(func.file_id).get(head)
        for attr in rest:
            if summary is None:
                return None
            summary = fields_of(summary).get(attr)
        return summary

    def module_frame(self, file_id: int) -> Frame | None:
        """The frame that ran the module-level code of ``file_id`` (the first, if it ran more than once)."""
        for func in self.functions.values():
            if func.file_id == file_id and func.kind == "module":
                frames = self.reader.frames_of(func.id)
                if frames:
                    return frames[0]
        return None

    def module_globals(self, file_id: int) -> dict[str, str]:
        """A module's globals as its module-level code left them (what ``np`` or ``F`` name there)."""
        if file_id not in self._globals:
            values: dict[str, str] = {}
            for func in self.functions.values():
                if func.file_id == file_id and func.kind == "module":
                    frames = self.reader.frames_of(func.id)
                    if frames:
                        fr = frames[0]
                        values = self.reader.locals_at(
                            fr.id, fr.end_seq if fr.end_seq is not None else (self.reader.last_seq or 0)
                        )
                    break
            self._globals[file_id] = values
        return self._globals[file_id]

    def traced_for_compilation(self, fid: int) -> bool:
        """Did function ``fid`` run with a compiler's tracer objects in place of its array arguments
        (``DynamicJaxprTracer``: ``jax.jit`` running the Python once to compile it)? Then its recorded calls are
        compilations, not the calls the program made."""
        if fid not in self._compiled:  # asked for every callee of every stop line: one query per function
            frames = self.reader.frames_of(fid)[:1]
            self._compiled[fid] = any(_TRACER.search(v) for fr in frames for v in (fr.args or {}).values())
        return self._compiled[fid]

    def imported(self, file_id: int) -> dict[str, str]:
        """What each name a file's import statements bind stands for: ``grad`` -> ``jax.grad`` for
        ``from jax import grad``, ``F`` -> ``torch.nn.functional``. Read from the source, never imported."""
        if file_id not in self._imports:
            names: dict[str, str] = {}
            tree = self.tree(file_id)
            for node in ast.walk(tree) if tree is not None else ():
                if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    for alias in node.names:
                        if alias.name != "*":
                            names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.asname:
                            names[alias.asname] = alias.name
            self._imports[file_id] = names
        return self._imports[file_id]

    def children(self, frame_id: int) -> list[Frame]:
        if frame_id not in self._children:
            self._children[frame_id] = self.reader.children(frame_id)
        return self._children[frame_id]

    def called_from(self, frame_id: int, seq: int) -> list[Frame]:
        """Recorded frames the line event ``seq`` of ``frame_id`` called (until the frame's next line)."""
        nxt = self.reader.next_event(seq, frame_id=frame_id)
        end = nxt.seq if nxt is not None else 1 << 62
        return [c for c in self.children(frame_id) if seq < c.start_seq < end]

    def callee_functions(self, frame_id: int, seq: int, call: CallSite) -> list[int]:
        """Repo functions a call on a line entered: its recorded frames, else the function the
        callee's value names (``<function get_batch>``, a class's ``__init__``, the receiver's
        type's method), even past the call budget."""
        fids = [c.function_id for c in self.called_from(frame_id, seq) if c.function_id in self.functions]
        if fids:
            return fids
        if call.method and call.receiver:
            owner = type_of(self.value(frame_id, seq, call.receiver))
            if owner:
                found = [fid for fid, f in self.functions.items() if f.qualname == f"{owner}.{call.method}"]
                if found:
                    return found
        summary = self.value(frame_id, seq, call.callee) if call.callee else None
        m = re.match(r"^<(function|class) ([\w.<>]+)>", summary or "")
        if not m:
            return []
        qualname = m.group(2) if m.group(1) == "function" else f"{m.group(2)}.__init__"
        return [fid for fid, f in self.functions.items() if f.qualname == qualname]

    def ancestry(self, frame_id: int) -> list[Frame]:
        """The frame and its recorded callers, innermost first."""
        out = []
        fr = self.frame(frame_id)
        while fr is not None:
            out.append(fr)
            fr = self.frame(fr.parent_id)
        return out

    def line_of_frame_at(self, frame_id: int, seq: int) -> int | None:
        """The line a frame was on at ``seq`` (its last line event at or before it)."""
        ev = self.reader.prev_event(seq + 1, frame_id=frame_id, kinds=(LINE,))
        return ev.line if ev else None

    def runs_in_frame(self, frame_id: int, line: int) -> list[int]:
        return self.reader.line_runs_in_frame(frame_id, line)

    def last_assignment(self, frame_id: int, name: str, before_seq: int) -> tuple[int, int] | None:
        """(line, seq) of the last line in ``frame_id`` before ``before_seq`` that assigned ``name``."""
        return self._last_made(frame_id, name, before_seq)[0]

    def makers(self, frame_id: int, name: str, before_seq: int) -> list[tuple[int, int]]:
        """(line, seq) of the last line in ``frame_id`` before ``before_seq`` that assigned ``name`` and of the last
        one that added to it as a container (``xs.append(v)``), in one pass."""
        return [site for site in self._last_made(frame_id, name, before_seq) if site is not None]

    def _last_made(self, frame_id: int, name: str, before_seq: int) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """(last assignment of ``name``, last line that added to it) in ``frame_id`` before ``before_seq``."""
        func = self.function_of(frame_id)
        if func is None:
            return None, None
        assigned = filled = None
        for ev in self.reader.events(0, before_seq, frame_id=frame_id):
            if ev.kind != LINE:
                continue
            info = self.info(func.file_id, ev.line)
            if name in info.targets:
                assigned = (ev.line, ev.seq)
            elif name in info.fills:
                filled = (ev.line, ev.seq)
        return assigned, filled

    def iterations(self, frame_id: int, loop: Loop) -> int:
        """How many iterations ``loop`` made in one frame (recorded ones plus folded ones)."""
        return self.iteration_counts(frame_id, loop)[1]

    def iteration_counts(self, frame_id: int, loop: Loop) -> tuple[int, int]:
        """(iterations recorded in detail, iterations in all) of ``loop`` in one frame. An enclosing loop's
        fold swallows this loop's iterations inside it: those are in neither number."""
        recorded, prev = 0, None
        if loop.is_for:
            # a recorded visit of the ``for`` line starts an iteration unless it ends the loop: what follows it in
            # the frame (a line, or an inner loop's fold) is in the loop's body
            evs = [ev for ev in self.reader.events(frame_id=frame_id) if ev.kind in (LINE, FOLD)]
            for ev, nxt in itertools.pairwise(evs):
                if ev.kind == LINE and ev.line == loop.head and nxt.line is not None and loop.head < nxt.line <= loop.end:
                    recorded += 1
        else:
            for ev in self.reader.events(frame_id=frame_id):
                if ev.kind != LINE:
                    continue
                if ev.line == loop.body_first and prev == loop.head:
                    recorded += 1  # one per iteration: the body's first line, straight after the ``while`` test
                prev = ev.line
        # A fold is named by the first line of the loop's range: the ``for`` or ``while`` line. It counts the
        # visits of the line each iteration starts at: a ``for`` line (whose last visit ends the loop, it is not an
        # iteration), or a ``while`` loop's first body line (the test that ends the loop is on the ``while`` line).
        folds = [f for f in self.reader.folds(frame_id) if f.head_line == loop.head]
        folded = sum(f.iterations for f in folds)
        if loop.is_for and not _endless(loop.iter_text):
            # (an endless iterator, ``itertools.count(1)``, never ends the loop from its ``for`` line: it is left by a
            # ``break`` inside an iteration, and every visit of the ``for`` line started one)
            for f in folds:
                # a fold that ended by leaving the loop counted its last visit of the ``for`` line, which starts no
                # iteration; one ended to record an iteration in detail (a line never seen before) did not
                after = self.reader.next_event(f.after_seq, frame_id=frame_id, kinds=(LINE,))
                if after is None or not loop.head < after.line <= loop.end:
                    folded -= 1
        return recorded, recorded + max(folded, 0)


_ENDLESS = re.compile(r"^(?:itertools\.)?(?:count\(|cycle\(|repeat\([^,()]*\)$)")


def _endless(iter_text: str) -> bool:
    """An iterator that never runs out: ``itertools.count()``, ``cycle(xs)``, ``repeat(x)`` (no count)."""
    return bool(_ENDLESS.match(iter_text.replace(" ", "")))


_COMPOUND = (
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
)


def _header_nodes(stmt: ast.stmt) -> list[ast.AST]:
    """The parts of a statement that run on its own line: for compound statements, the header only."""
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target, stmt.iter]
    if isinstance(stmt, ast.While):
        return [stmt.test]
    if isinstance(stmt, ast.If):
        return [stmt.test]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [i.context_expr for i in stmt.items]
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return list(stmt.decorator_list)
    if isinstance(stmt, ast.Try):
        return []
    return [stmt]


def _call_site(node: ast.Call) -> CallSite:
    callee = dotted(node.func)
    method = receiver = None
    if isinstance(node.func, ast.Attribute):
        method = node.func.attr
        receiver = dotted(node.func.value) or None
    names = frozenset(
        n.id for a in [*node.args, *(k.value for k in node.keywords)] for n in ast.walk(a) if isinstance(n, ast.Name)
    )
    return CallSite(
        callee,
        method,
        receiver,
        tuple(dotted(a) if isinstance(a, (ast.Name, ast.Attribute)) else "" for a in node.args),
        tuple((k.arg or "**", dotted(k.value)) for k in node.keywords),
        names,
    )


def _is_literal(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float, str, bool))
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return isinstance(node.operand.value, (int, float))
    if isinstance(node, ast.BinOp):
        return _is_literal(node.left) and _is_literal(node.right)
    if isinstance(node, ast.IfExp):
        return _is_literal(node.body) and _is_literal(node.orelse)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("int", "float", "round"):
        return bool(node.args) and not node.keywords and all(_is_literal(a) for a in node.args)  # ``int(2e3)``
    return False


CHECKPOINT_SUFFIXES = (".ckpt", ".pt", ".pth", ".bin", ".safetensors", ".npz", ".npy", ".pkl", ".pickle", ".h5", ".keras")
_SKIPPED_DIRS = {".git", ".hg", "__pycache__", "node_modules", "site-packages", ".codetour", ".venv", "venv", ".tox"}


def files_written_during(
    meta: dict, suffixes: tuple[str, ...] = CHECKPOINT_SUFFIXES, limit: int = 20_000
) -> list[tuple[str, int]]:
    """Files under the run's working directory with one of ``suffixes`` last written while it ran: what library
    code saved for the repo (a Lightning ModelCheckpoint), which no repo line shows. Relative paths and sizes,
    in the order written; at most ``limit`` directory entries are looked at."""
    cwd, start, end = meta.get("cwd"), meta.get("start_time"), meta.get("end_time")
    if not cwd or not isinstance(start, (int, float)) or not isinstance(end, (int, float)):
        return []
    found: list[tuple[float, str, int]] = []
    seen = 0
    for folder, dirs, files in os.walk(cwd):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith(".") and not d.endswith(".ctrace.d"))
        for name in files:
            seen += 1
            if not name.endswith(suffixes):
                continue
            path = os.path.join(folder, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            if start - 1 <= st.st_mtime <= end + 1:
                found.append((st.st_mtime, os.path.relpath(path, cwd), st.st_size))
        if seen >= limit:
            break
    return [(path, size) for _, path, size in sorted(found)]
