"""Read the one-line value summaries a trace stores, and test facts about them.

A trace never holds a value, only its summary (see ``codetour.trace.summary``)::

    ndarray float32[64, 4] min -1.2 max 3.4 mean 0.1
    Tensor float32[8, 65] requires_grad
    float64 = 0.693   (a numpy scalar; older traces wrote "float64 float64[] = 0.693")
    0.2            True            <AdamW defaults=dict[…] …>       <module numpy>

:func:`parse_value` turns such a line back into the facts a concept card can test
(kind, shape, dtype, range), and :func:`check` evaluates one card predicate, such as
``float-array and min >= 0`` or ``type ~ Adam``, against it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

_ARRAY = re.compile(
    r"^(?P<type>[A-Za-z_][\w.]*) (?P<dtype>[\w.]+)\[(?P<dims>[^\]]*)\](?P<grad> requires_grad)?(?P<device> (?:cuda|mps|meta|xla|jax)\S*)?"
    r"(?: \[(?P<shown>[^\]]*)\]| = (?P<scalar>\S+)| min (?P<min>\S+) max (?P<max>\S+)(?: mean (?P<mean>\S+))?)?$"
)
_NUMPY_SCALAR = re.compile(r"^(?P<dtype>(?:float|int|uint|complex|bfloat)\d*|bool_?|longdouble|half|double) = (?P<scalar>\S+)$")
_NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|\.\d+(?:e[-+]?\d+)?|inf|nan)$", re.I)
_OBJECT = re.compile(r"^<(?P<name>[\w.]+)(?P<rest>.*)>$", re.S)
_FLOAT_DTYPES = re.compile(r"^(float|double|half|bfloat|complex)", re.I)


@dataclass(frozen=True)
class Value:
    """What a summary says about a value. ``kind`` is one of: array, float, int, bool,
    str, none, list, tuple, dict, module, function, class, torch-module, object, other."""

    text: str
    kind: str
    type: str = ""
    dtype: str = ""
    shape: tuple[int, ...] | None = None
    requires_grad: bool = False
    lo: float | None = None  # smallest element (or the number itself)
    hi: float | None = None
    mean: float | None = None
    fields: dict[str, str] = field(default_factory=dict)  # object fields shown in the summary

    @property
    def ndim(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    @property
    def is_float(self) -> bool:
        return self.kind == "float" or (self.kind == "array" and bool(_FLOAT_DTYPES.match(self.dtype)))

    @property
    def is_number(self) -> bool:
        return self.kind in ("float", "int") or (self.kind == "array" and self.shape == ())

    def short(self) -> str:
        """A compact form for narration: the number itself for scalars, else the summary."""
        if self.is_number and self.lo is not None:
            return _fmt(self.lo)
        return self.text

    def range_text(self) -> str | None:
        if self.lo is None or self.hi is None:
            return None
        return f"{_fmt(self.lo)} to {_fmt(self.hi)}"


def _fmt(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        return str(x).replace("inf", "∞")
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}"


def _num(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def parse_value(text: str) -> Value:
    """Parse one summary line. Never raises: unknown shapes come back as kind ``other``."""
    t = text.strip()
    if t in ("True", "False"):
        return Value(t, "bool", "bool", lo=float(t == "True"), hi=float(t == "True"))
    if t == "None":
        return Value(t, "none", "NoneType")
    if _NUMBER.match(t):
        x = float(t)
        kind = "int" if re.fullmatch(r"[-+]?\d+", t) else "float"
        return Value(t, kind, kind, lo=x, hi=x, mean=x, shape=())
    if t[:1] in ("'", '"'):
        return Value(t, "str", "str")
    m = _NUMPY_SCALAR.match(t)
    if m:  # a numpy scalar: "float64 = 0.918" (older traces: "float64 float64[] = 0.918")
        raw = m.group("scalar")
        number = float(raw == "True") if raw in ("True", "False") else _num(raw)
        return Value(t, "array", m.group("dtype"), m.group("dtype"), (), False, number, number, number)
    m = _ARRAY.match(t)
    if m:
        dims = m.group("dims").strip()
        shape: tuple[int, ...] | None
        try:
            shape = tuple(int(d) for d in dims.split(",")) if dims else ()
        except ValueError:
            shape = None
        lo = hi = mean = None
        if m.group("scalar") is not None:
            lo = hi = mean = _num(m.group("scalar"))
        elif m.group("min") is not None:
            lo, hi, mean = _num(m.group("min")), _num(m.group("max")), _num(m.group("mean"))
        elif m.group("shown") is not None:
            nums = [_num(s.strip()) for s in m.group("shown").split(",")]
            vals = [n for n in nums if n is not None]
            if vals and len(vals) == len(nums):
                lo, hi, mean = min(vals), max(vals), sum(vals) / len(vals)
        return Value(
            t,
            "array",
            m.group("type"),
            m.group("dtype"),
            shape,
            bool(m.group("grad")),
            lo,
            hi,
            mean,
        )
    head = re.match(r"^(list|tuple|set|frozenset|dict)\[(\d+)\]", t)
    if head:
        kind = "dict" if head.group(1) == "dict" else ("tuple" if head.group(1) == "tuple" else "list")
        return Value(t, kind, head.group(1), shape=(int(head.group(2)),))
    m = _OBJECT.match(t)
    if m:
        name, rest = m.group("name"), m.group("rest")
        if name == "module":
            return Value(t, "module", rest.strip())
        if name == "function":
            return Value(t, "function", rest.strip())
        if name == "class":
            return Value(t, "class", rest.strip())
        if rest.strip() == "(torch module)":
            return Value(t, "torch-module", name)
        torch_module = re.match(r"^ \(torch module(?P<info>[^()]*)\)", rest)
        if torch_module:
            # "<Block (torch module: 1,234 parameters; 2 children: ln1 LayerNorm, sa Attention) training=True …>"
            fields = _fields(rest[torch_module.end() :])
            children = re.search(r"children: (.*)$", torch_module.group("info"))
            for child in children.group(1).split(", ") if children else []:
                parts = child.split()
                if len(parts) == 2 and parts[0].isidentifier():
                    fields.setdefault(parts[0], f"<{parts[1]} (torch module)>")
            return Value(t, "torch-module", name, fields=fields)
        return Value(t, "object", name, fields=_fields(rest))
    return Value(t, "other", "")


def _fields(rest: str) -> dict[str, str]:
    """``a=1 b=<X> c=ndarray float64[3] [1, 2, 3]`` -> {a: 1, b: <X>, c: ...} (best effort)."""
    out: dict[str, str] = {}
    parts = re.split(r"\s(?=[A-Za-z_]\w*=)", " " + rest)
    for part in parts:
        if "=" in part:
            k, _, v = part.strip().partition("=")
            v = v.strip()
            if v.endswith("…") and not v.endswith(", …)") and not v.endswith("…}"):
                v = v[:-1].rstrip()  # the summary's "more fields" marker, not part of the value
            if k.isidentifier():
                out[k] = v
    return out


# ---------------------------------------------------------------------------- predicates
_COMPARE = re.compile(r"^(min|max|mean|value|ndim|size|len)\s*(>=|<=|==|!=|>|<)\s*(\S+)$")
_APPROX = re.compile(r"^(min|max|mean|value)\s*~\s*(\S+)\s*±\s*(\S+)$")
_WITHIN = re.compile(r"^in\s*\[\s*(\S+)\s*,\s*(\S+)\s*\]$")
_MATCHES = re.compile(r"^(type|dtype|module|text)\s*~\s*(.+)$")
KINDS = (
    "array",
    "tensor",
    "float-array",
    "int-array",
    "bool-array",
    "number",
    "float",
    "int",
    "bool",
    "str",
    "list",
    "dict",
    "object",
    "module",
    "function",
    "torch-module",
    "requires_grad",
    "square",
    "vector",
)


def predicate_ok(expr: str) -> str | None:
    """None if ``expr`` is a valid predicate expression, else what is wrong with it."""
    for alt in expr.split(" or "):
        for atom in alt.split(" and "):
            atom = atom.strip()
            if atom.startswith("not "):
                atom = atom[4:].strip()
            if atom in KINDS or _COMPARE.match(atom) or _APPROX.match(atom) or _WITHIN.match(atom):
                continue
            m = _MATCHES.match(atom)
            if m:
                try:
                    re.compile(m.group(2).strip())
                except re.error as exc:
                    return f"bad regular expression in {atom!r}: {exc}"
                continue
            if re.match(r"^(same-shape|near-log-classes) \w+$", atom):
                continue
            return f"unknown predicate {atom!r}"
    return None


def check(expr: str, value: Value, others: dict[str, Value] | None = None, unknown: bool = False) -> bool:
    """Evaluate ``expr`` (atoms joined by ``and``, alternatives by ``or``) on ``value``. An atom
    about a statistic the summary does not give (a large tensor has no min or max) counts as
    ``unknown``: False for a fact that must be confirmed, True for one that only must not fail."""
    return any(all(_known(a.strip(), value, others or {}, unknown) for a in alt.split(" and ")) for alt in expr.split(" or "))


def knowable(expr: str, value: Value) -> bool:
    """Does the summary give every statistic ``expr`` asks about?"""
    return all(not _needs_stats(a.strip()) or value.lo is not None for alt in expr.split(" or ") for a in alt.split(" and "))


def _needs_stats(atom: str) -> bool:
    atom = atom[4:].strip() if atom.startswith("not ") else atom
    if atom.startswith("near-log-classes "):
        return True
    return bool(
        _APPROX.match(atom) or _WITHIN.match(atom) or (_COMPARE.match(atom) and not atom.startswith(("ndim", "size", "len")))
    )


def _known(atom: str, v: Value, others: dict[str, Value], unknown: bool) -> bool:
    if _needs_stats(atom) and v.lo is None:
        return unknown
    return _atom(atom, v, others)


def _size(v: Value) -> int | None:
    if v.shape is None:
        return None
    return math.prod(v.shape)


def _atom(atom: str, v: Value, others: dict[str, Value]) -> bool:
    if atom.startswith("not "):
        return not _atom(atom[4:].strip(), v, others)
    if atom == "array":
        return v.kind == "array"
    if atom == "tensor":
        return v.kind == "array" and v.type in ("Tensor", "Parameter")
    if atom == "float-array":
        return v.kind == "array" and v.is_float
    if atom == "int-array":
        return v.kind == "array" and bool(re.match(r"^u?int", v.dtype))
    if atom == "bool-array":
        return v.kind == "array" and v.dtype == "bool"
    if atom == "number":
        return v.is_number
    if atom == "float":
        return v.kind == "float" or (v.kind == "array" and v.shape == () and v.is_float)
    if atom == "int":
        return v.kind == "int" or (v.kind == "array" and v.shape == () and v.dtype.startswith(("int", "uint")))
    if atom in ("bool", "str", "list", "dict", "object", "module", "function", "torch-module"):
        return v.kind == atom
    if atom == "requires_grad":
        return v.requires_grad
    if atom == "square":
        return v.shape is not None and len(v.shape) >= 2 and v.shape[-1] == v.shape[-2]
    if atom == "vector":
        return v.shape is not None and len(v.shape) >= 1 and (v.kind in ("array", "list", "tuple"))
    m = _MATCHES.match(atom)
    if m:
        what, pattern = m.group(1), m.group(2).strip()
        subject = {"type": v.type, "dtype": v.dtype, "module": v.type if v.kind == "module" else "", "text": v.text}[what]
        return bool(subject) and re.search(pattern, subject) is not None
    m = _APPROX.match(atom)
    if m:
        near = _stat(v, m.group(1))
        return near is not None and abs(near - float(m.group(2))) <= float(m.group(3))
    m = _WITHIN.match(atom)
    if m:
        return v.lo is not None and v.hi is not None and float(m.group(1)) <= v.lo and v.hi <= float(m.group(2))
    m = _COMPARE.match(atom)
    if m:
        stat, op, raw = m.groups()
        if stat == "ndim":
            x: float | None = v.ndim
        elif stat in ("size", "len"):
            x = _size(v)
        else:
            x = _stat(v, stat)
        if x is None:
            return False
        y = float(raw)
        return {">=": x >= y, "<=": x <= y, "==": x == y, "!=": x != y, ">": x > y, "<": x < y}[op]
    m = re.match(r"^near-log-classes (\w+)$", atom)
    if m:  # a loss close to log K, K = the other value's last dimension: what an untrained classifier scores
        other = others.get(m.group(1))
        if other is None or not other.shape or v.lo is None or other.shape[-1] < 2:
            return False
        expected = math.log(other.shape[-1])
        return abs(v.lo - expected) <= 0.25 * expected
    m = re.match(r"^same-shape (\w+)$", atom)
    if m:
        other = others.get(m.group(1))
        return other is not None and v.shape is not None and other.shape == v.shape
    return False


def _stat(v: Value, stat: str) -> float | None:
    if stat == "min":
        return v.lo
    if stat == "max":
        return v.hi
    if stat == "mean":
        return v.mean
    return v.lo if v.lo is not None and v.lo == v.hi else None  # "value": only for one number
