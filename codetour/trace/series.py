"""Scalar series: a few numbers per loop iteration, kept across the whole run.

Folding and budgets keep a trace small; series are the exception that keeps one number per
iteration for the scalars a loop assigns (a loss, a learning rate, a step counter) and per call for
the scalar a function returns (``compute_loss()`` called per minibatch), past every budget.

Each series is a bounded buffer: at most :data:`MAX_POINTS` evenly spaced samples (when full it
drops every other point and keeps one sample in twice as many from then on), plus the exact count,
the first, last, smallest and largest value.

What counts as a scalar is decided per *type*, once: Python ``int``/``float`` (never ``bool``),
numpy's integer and floating scalar types, and 0-d numpy arrays and CPU torch tensors of a numeric
dtype, read with the libraries' own C methods (``ndim``, ``dim()``, ``item()``). Values of any other
type, user classes and library subclasses included, are never touched: no user code runs.
"""

from __future__ import annotations

import dis
import sys
from typing import Any

MAX_POINTS = 256

# Kinds of scalar, by type (see :func:`kind_of`).
NOT, FLOAT, INT, NP_SCALAR, NP_ARRAY, TORCH = range(6)

# type -> kind; filled once per type, read on the hot path with one dict lookup.
KINDS: dict[type, int] = {float: FLOAT, int: INT, bool: NOT, type(None): NOT, str: NOT, tuple: NOT, list: NOT, dict: NOT}

# Buffer slots: [count, step, points, min, max, last].
COUNT, STEP, POINTS, LOW, HIGH, LAST = range(6)


def kind_of(tp: type) -> int:
    """Classify a type the first time it is seen (cold path); the answer is cached in :data:`KINDS`."""
    kind = NOT
    try:
        module = type.__dict__["__module__"].__get__(tp) or ""
        if type(module) is str and module.startswith("numpy"):
            np = sys.modules.get("numpy")
            if np is not None:
                if tp is np.ndarray:
                    kind = NP_ARRAY
                elif issubclass(tp, (np.floating, np.integer)) and not issubclass(tp, np.bool_):
                    kind = NP_SCALAR
        elif type(module) is str and module.startswith("torch"):
            torch = sys.modules.get("torch")
            if torch is not None and tp is torch.Tensor:
                kind = TORCH
    except Exception:
        kind = NOT
    KINDS[tp] = kind
    return kind


def scalar(value: Any, kind: int, floats_only: bool = False) -> float | int | None:
    """The number ``value`` holds, or None; ``kind`` is :data:`KINDS` for its type (never NOT)."""
    try:
        if kind == FLOAT:
            return value if value == value and value not in (_INF, _NINF) else None
        if kind == INT:
            return None if floats_only or not -(2**53) < value < 2**53 else value
        if kind == NP_SCALAR:
            if floats_only and value.dtype.kind != "f":
                return None
            x = value.item()
        elif kind == NP_ARRAY:
            if value.ndim != 0 or value.dtype.kind not in ("f" if floats_only else "iuf"):
                return None
            x = value.item()
        elif kind == TORCH:
            if value.dim() != 0 or value.device.type != "cpu" or not value.is_floating_point():
                return None
            x = value.item()
        else:
            return None
    except Exception:
        return None
    tx = type(x)
    if tx is float:
        return x if x == x and x not in (_INF, _NINF) else None
    if tx is int:
        return x if -(2**53) < x < 2**53 else None
    return None


_INF = float("inf")
_NINF = float("-inf")


def new_buffer() -> list:
    return [0, 1, [], _INF, _NINF, None]


def add(buf: list, x: float | int) -> None:
    """One more sample: counted always, kept when it falls on the current resolution."""
    n = buf[COUNT]
    buf[COUNT] = n + 1
    if n % buf[STEP] == 0:
        points = buf[POINTS]
        points.append(x)
        if len(points) > MAX_POINTS:
            del points[1::2]
            buf[STEP] *= 2
    if x < buf[LOW]:
        buf[LOW] = x
    if x > buf[HIGH]:
        buf[HIGH] = x
    buf[LAST] = x


def row(function_id: int, frame_id: int | None, line: int | None, name: str, buf: list) -> tuple:
    """A ``series`` table row for a buffer."""
    points = buf[POINTS]
    data = {
        "first": points[0] if points else None,
        "last": buf[LAST],
        "min": buf[LOW] if buf[COUNT] else None,
        "max": buf[HIGH] if buf[COUNT] else None,
        "points": list(points),
    }
    return (function_id, frame_id, line, name, buf[COUNT], buf[STEP], data)


_STORES = {"STORE_FAST", "STORE_NAME", "STORE_GLOBAL", "STORE_DEREF", "STORE_FAST_STORE_FAST", "STORE_FAST_LOAD_FAST"}

# Reading bytecode without ``dis.get_instructions``, which builds an Instruction (and its positions)
# for every instruction: 0.2-0.6 ms per function on 3.12/3.13, paid once per recorded function with
# a loop, and again per loop. CPython 3.11+ only (2-byte code units, cache entries after some
# instructions); on 3.10, or if ``dis`` no longer says how many cache entries an instruction has,
# the ``dis`` path is used.
_OP = dis.opmap.get
_EXTENDED_ARG = dis.EXTENDED_ARG
RAW_BYTECODE = sys.version_info >= (3, 11) and hasattr(dis, "_inline_cache_entries")


def _caches(op: int) -> int:
    table: Any = getattr(dis, "_inline_cache_entries")  # noqa: B009 (private: checked in RAW_BYTECODE)
    if isinstance(table, dict):  # 3.13: by name
        return int(table.get(dis.opname[op], 0) or 0)
    return int(table[op])


def code_units(code: Any) -> list[tuple[int, int, int]]:
    """(offset, opcode, argument) of each instruction of a 3.11+ code object, ``EXTENDED_ARG`` folded
    into the instruction it extends and cache entries skipped."""
    raw = code.co_code
    out = []
    ext = 0
    i = 0
    n = len(raw)
    while i < n:
        op = raw[i]
        arg = raw[i + 1] | ext
        if op == _EXTENDED_ARG:
            ext = arg << 8
            i += 2
            continue
        ext = 0
        out.append((i, op, arg))
        i += 2 + 2 * CACHES[op]
    return out


CACHES = [_caches(op) for op in range(256)] if RAW_BYTECODE else []


def offset_lines(code: Any) -> dict[int, int]:
    """Instruction offset -> line number, for every instruction of ``code`` that has one."""
    lines = {}
    for start, end, line in code.co_lines():
        if line is not None:
            for offset in range(start, end, 2):
                lines[offset] = line
    return lines


_STORE_OPS = {op for op in (_OP(name) for name in _STORES) if op is not None}
_STORE_FAST, _STORE_DEREF = _OP("STORE_FAST"), _OP("STORE_DEREF")
_STORE_FAST_STORE_FAST, _STORE_FAST_LOAD_FAST = _OP("STORE_FAST_STORE_FAST"), _OP("STORE_FAST_LOAD_FAST")


def _stored_names(code: Any, op: int, arg: int) -> tuple[str, ...]:
    """The names one store instruction assigns (3.11+: a local's argument indexes the frame's
    locals, cells and free variables, as ``dis`` reads it)."""
    local = code._varname_from_oparg
    if op in (_STORE_FAST, _STORE_DEREF):
        return (local(arg),)
    if op == _STORE_FAST_STORE_FAST:  # 3.13: ``a, b = ...`` stores two locals in one instruction
        return (local(arg >> 4), local(arg & 15))
    if op == _STORE_FAST_LOAD_FAST:
        return (local(arg >> 4),)
    return (code.co_names[arg],)  # STORE_NAME, STORE_GLOBAL


def loop_stores(code: Any, first: int, last: int) -> tuple[str, ...]:
    """Names a loop's lines (``first``..``last``) assign, in the order they appear (cold path)."""
    names: dict[str, None] = {}
    if RAW_BYTECODE:
        lines = offset_lines(code)
        line = None
        for offset, op, arg in code_units(code):
            line = lines.get(offset, line)
            if op in _STORE_OPS and line is not None and first <= line <= last:
                for name in _stored_names(code, op, arg):
                    if not (name.startswith("__") and name.endswith("__")):
                        names[name] = None
        return tuple(names)
    line = None
    for ins in dis.get_instructions(code):  # Python 3.10
        positions = getattr(ins, "positions", None)
        lineno = getattr(positions, "lineno", None) if positions is not None else ins.starts_line
        if lineno is not None:
            line = lineno
        if ins.opname in _STORES and line is not None and first <= line <= last:
            name = ins.argval
            if type(name) is str and not (name.startswith("__") and name.endswith("__")):
                names[name] = None
    return tuple(names)
