"""Safe, bounded one-line summaries of runtime values.

A summary must never change the program it describes, so this module:

- dispatches on ``type(value)`` and reads attributes from the *type*, never
  calling a user-defined ``__repr__``, ``__str__``, ``__len__`` or ``__getattr__``;
- describes array-likes (numpy, torch, jax, anything whose type has ``shape``
  and ``dtype``) by shape, dtype and device, computing statistics only for small
  CPU arrays and never copying a large tensor or moving it between devices;
- truncates strings and containers, bounds recursion depth;
- redacts names and values that look like secrets.

It imports neither numpy nor torch: it recognises them by module name.
"""

from __future__ import annotations

import re
import types
from typing import Any

MAX_STR = 48
MAX_ITEMS = 3
MAX_DEPTH = 2
STATS_MAX_ELEMENTS = 4096  # statistics only for arrays at most this big
SHOW_MAX_ELEMENTS = 6  # values shown inline for arrays at most this big
REDACTED = "<redacted>"

_SECRET_NAME = re.compile(r"pass(wd|word)?$|secret|token|api_?key|apikey|auth|credential|private_?key|access_?key", re.I)
_SECRET_VALUE = re.compile(
    r"^(sk-[A-Za-z0-9_\-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|xox[baprs]-[A-Za-z0-9\-]{10,}|AKIA[0-9A-Z]{16}|hf_[A-Za-z0-9]{20,}|eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}\.)"
)
_name_cache: dict[str, bool] = {}


def is_secret_name(name: str) -> bool:
    hit = _name_cache.get(name)
    if hit is None:
        hit = _name_cache[name] = bool(_SECRET_NAME.search(name)) and not name.startswith("num_")
    return hit


def _short_str(s: str) -> str:
    if _SECRET_VALUE.match(s):
        return REDACTED
    if len(s) <= MAX_STR:
        return repr(s)
    return repr(s[:MAX_STR]) + f"…(len {len(s)})"


def _float(x: float) -> str:
    return f"{x:.6g}"


def _array_summary(value: Any, tp: type, module: str) -> str:
    """shape, dtype, device and (for small CPU float arrays) a few statistics."""
    try:
        shape = tuple(int(d) for d in value.shape)
    except Exception:
        shape = None
    dtype = str(getattr(value, "dtype", "?")).replace("torch.", "")
    name = tp.__name__
    if module.startswith("torch"):
        device = str(getattr(value, "device", "cpu"))
    elif module.startswith("jax") or module.startswith("jaxlib"):
        device = "jax"
    else:
        device = ""
    dims = "?" if shape is None else ", ".join(map(str, shape))
    text = f"{name} {dtype}[{dims}]"
    if module.startswith("torch") and getattr(value, "requires_grad", False):
        text += " requires_grad"
    if device and device != "cpu":
        return f"{text} {device}"
    if shape is None:
        return text
    size = 1
    for d in shape:
        size *= d
    if size == 0 or size > STATS_MAX_ELEMENTS:
        return text
    try:
        if module.startswith("torch"):
            if getattr(value, "requires_grad", False):
                value = value.detach()
            if getattr(value, "is_sparse", False) or getattr(value, "is_meta", False):
                return text
            array = value.numpy() if hasattr(value, "numpy") else None  # shares memory on CPU, no copy
        elif module.startswith("numpy"):
            array = value
        else:
            return text
        if array is None:
            return text
        kind = getattr(getattr(array, "dtype", None), "kind", "")
        if size <= SHOW_MAX_ELEMENTS and shape != () and kind in "biuf":
            flat = array.reshape(-1).tolist()
            shown = ", ".join(_float(v) if isinstance(v, float) else str(v) for v in flat)
            return f"{text} [{shown}]"
        if shape == () and kind in "biufc":
            return f"{text} = {_float(array.item()) if kind == 'f' else array.item()}"
        if kind == "f":
            return f"{text} min {_float(float(array.min()))} max {_float(float(array.max()))} mean {_float(float(array.mean()))}"
        if kind in "biu":
            return f"{text} min {int(array.min())} max {int(array.max())}"
    except Exception:
        return text
    return text


def _is_array_like(tp: type, module: str) -> bool:
    if module.startswith(("numpy", "torch", "jax", "jaxlib", "tensorflow", "cupy")):
        return hasattr(tp, "shape") and hasattr(tp, "dtype")
    return isinstance(getattr(tp, "shape", None), property) and hasattr(tp, "dtype")


def summarize(value: object, depth: int = 0) -> str:
    """A bounded one-line description of ``value``; never raises."""
    try:
        return _summarize(value, depth)
    except Exception as exc:  # a summary must never break the target
        return f"<{type(value).__name__}: unsummarizable ({type(exc).__name__})>"


def _summarize(value: Any, depth: int) -> str:
    tp = type(value)
    if value is None or tp is bool or tp is int:
        return repr(value) if tp is not int or -(10**15) < value < 10**15 else f"int({value.bit_length()} bits)"
    if tp is float:
        return _float(value)
    if tp is str:
        return _short_str(value)
    if tp is range or tp is slice or tp is complex:
        return repr(value)
    if tp is bytes or tp is bytearray:
        return f"{tp.__name__}[{len(value)}]"
    if tp is list or tp is tuple or tp is set or tp is frozenset:
        n = len(value)
        if depth >= MAX_DEPTH:
            return f"{tp.__name__}[{n}]"
        items = []
        for i, item in enumerate(value):
            if i >= MAX_ITEMS:
                items.append("…")
                break
            items.append(_summarize(item, depth + 1))
        return f"{tp.__name__}[{n}] ({', '.join(items)})" if n else f"{tp.__name__}[0]"
    if tp is dict:
        n = len(value)
        if depth >= MAX_DEPTH or n == 0:
            return f"dict[{n}]"
        items = []
        for i, (k, v) in enumerate(value.items()):
            if i >= MAX_ITEMS:
                items.append("…")
                break
            key = k if type(k) is str else _summarize(k, depth + 1)
            text = REDACTED if type(k) is str and is_secret_name(k) else _summarize(v, depth + 1)
            items.append(f"{key}: {text}")
        return f"dict[{n}] {{{', '.join(items)}}}"
    module = getattr(tp, "__module__", "") or ""
    if _is_array_like(tp, module):
        return _array_summary(value, tp, module)
    if isinstance(value, types.ModuleType):
        return f"<module {value.__name__}>"
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return f"<function {getattr(value, '__qualname__', '?')}>"
    if isinstance(value, type):
        return f"<class {value.__qualname__}>"
    if isinstance(value, BaseException):
        return f"{tp.__name__}({', '.join(_summarize(a, MAX_DEPTH) for a in value.args[:2])})"
    name = tp.__qualname__
    if module.startswith("torch") and hasattr(tp, "named_parameters"):
        return f"<{name} (torch module)>"
    # Plain objects: show a few fields from the instance __dict__ (no user code runs).
    fields = _instance_fields(value)
    if fields is None or depth >= MAX_DEPTH:
        return f"<{name}>"
    shown = []
    for i, (k, v) in enumerate(fields.items()):
        if i >= MAX_ITEMS + 1:
            shown.append("…")
            break
        if type(k) is not str or k.startswith("_"):
            continue
        shown.append(f"{k}={REDACTED if is_secret_name(k) else _summarize(v, depth + 1)}")
    return f"<{name} {' '.join(shown)}>" if shown else f"<{name}>"


def _instance_fields(value: object) -> dict | None:
    try:
        d = object.__getattribute__(value, "__dict__")
    except Exception:
        return None
    return d if type(d) is dict else None


def summarize_named(name: str, value: object) -> str:
    """Like :func:`summarize`, but redacts values bound to secret-looking names."""
    if is_secret_name(name):
        return REDACTED
    return summarize(value)
