"""Safe, bounded one-line summaries of runtime values.

A summary must never change the program it describes, so this module:

- dispatches on ``type(value)`` and reads attributes from the *type*, never
  calling a user-defined ``__repr__``, ``__str__``, ``__len__`` or ``__getattr__``;
- describes array-likes (numpy, torch, jax, anything whose type has ``shape``
  and ``dtype``) by shape, dtype and device, computing statistics only for small
  CPU arrays and never copying a large tensor or moving it between devices;
- truncates strings and containers, bounds recursion depth;
- redacts names and values that look like secrets (see :mod:`codetour.trace.redact`).

It never calls ``isinstance`` on a value (that looks up ``__class__`` through the value's own
``__getattribute__``) nor reads an attribute of a value of a user-defined class: only
``type(value)`` and lookups on types from the standard library, numpy, torch and friends.

It imports neither numpy nor torch: it recognises them by module name.
"""

from __future__ import annotations

import collections
import sys
import types
from typing import Any

from codetour.trace import redact
from codetour.trace.redact import REDACTED, is_secret_name

MAX_STR = 48
MAX_ITEMS = 3
MAX_DEPTH = 2
STATS_MAX_ELEMENTS = 4096  # statistics only for arrays at most this big
SHOW_MAX_ELEMENTS = 6  # values shown inline for arrays at most this big
# A configuration shows all its fields (up to this many): an argparse/simple namespace or a
# dataclass instance, and a dict of plain scalars keyed by strings, when summarized on its own
# (not inside another value). Every other value keeps MAX_ITEMS.
MAX_CONFIG_FIELDS = 64
_SCALAR_TYPES = (int, float, str, bool, type(None))


def _short_str(s: str) -> str:
    redactor = redact.current
    if redactor.enabled:
        # Redact before truncating, over enough of the string that no secret is cut in two.
        probe = s[: MAX_STR + redactor.margin]
        shown = redactor.text(probe)
        if shown is not probe:
            if shown == REDACTED and len(probe) == len(s):
                return REDACTED
            return repr(shown[:MAX_STR]) + ("" if len(shown) <= MAX_STR and len(probe) == len(s) else f"…(len {len(s)})")
    if len(s) <= MAX_STR:
        return repr(s)
    return repr(s[:MAX_STR]) + f"…(len {len(s)})"


# The standard library's dict subclasses, exactly: their items are read as a dict's (no user code).
_STDLIB_DICTS = frozenset({collections.OrderedDict, collections.defaultdict, collections.Counter})
_PATH_NAMES = frozenset({"PosixPath", "WindowsPath", "PurePosixPath", "PureWindowsPath", "Path", "PurePath"})


def _is_pathlib_type(tp: type) -> bool:
    """pathlib's own path classes, exactly (a subclass may override what ``str()`` reads); pathlib is
    not imported here: a run that never imported it holds no path."""
    pathlib = sys.modules.get("pathlib")
    return pathlib is not None and getattr(pathlib, tp.__name__, None) is tp


def _short_path(s: str) -> str:
    """A path's text, redacted like any string; a long one keeps its end (the file name)."""
    if len(s) <= MAX_STR:
        return _short_str(s)
    keep = MAX_STR - 1
    redactor = redact.current
    if redactor.enabled:
        # Redact over more than is shown, so that no secret is cut in two at the edge.
        probe = s[-(keep + redactor.margin) :]
        return repr("…" + redactor.text(probe)[-keep:])
    return repr("…" + s[-keep:])


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
    # A numpy scalar (np.float64) is named by its dtype already: "float64 = 0.918", not "float64 float64[] = 0.918".
    # (numpy < 2.3 names some scalar types differently from their dtype: bool_, str_; the dtype reads the same everywhere.)
    is_numpy_scalar = shape == () and module.startswith("numpy") and name != "ndarray"
    text = dtype if is_numpy_scalar or (shape == () and name == dtype) else f"{name} {dtype}[{dims}]"
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


_ARRAY_MODULES = ("numpy", "torch", "jax", "jaxlib", "tensorflow", "cupy")


def _is_array_like(tp: type, module: str) -> bool:
    # Only the array libraries' own types: reading ``shape`` on a user class would run its code.
    return module.startswith(_ARRAY_MODULES) and hasattr(tp, "shape") and hasattr(tp, "dtype")


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
    if tp.__name__ in _PATH_NAMES and _is_pathlib_type(tp):
        return f"{tp.__name__}({_short_path(str(value))})"
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
    if tp is dict or tp in _STDLIB_DICTS:
        n = len(value)
        kind = tp.__name__
        if depth >= MAX_DEPTH or n == 0:
            return f"{kind}[{n}]"
        limit = MAX_ITEMS
        if depth == 0 and MAX_ITEMS < n <= MAX_CONFIG_FIELDS and _scalar_config(value):
            limit = n
        items = []
        for i, (k, v) in enumerate(value.items()):
            if i >= limit:
                items.append("…")
                break
            key = k if type(k) is str else _summarize(k, depth + 1)
            text = REDACTED if type(k) is str and _hidden(k, v) else _summarize(v, depth + 1)
            items.append(f"{key}: {text}")
        return f"{kind}[{n}] {{{', '.join(items)}}}"
    if issubclass(tp, tuple):
        names = _namedtuple_fields(tp)
        if names is not None:
            return _namedtuple_summary(tp.__qualname__, names, value, depth)
    module = getattr(tp, "__module__", "") or ""
    if _is_array_like(tp, module):
        return _array_summary(value, tp, module)
    # issubclass on the type, never isinstance on the value (see the module docstring).
    if tp is types.ModuleType:
        return f"<module {_type_str(object.__getattribute__(value, '__dict__').get('__name__'))}>"
    if tp is types.FunctionType or tp is types.BuiltinFunctionType or tp is types.MethodType:
        return f"<function {getattr(value, '__qualname__', '?')}>"
    if issubclass(tp, type):
        return f"<class {type.__dict__['__qualname__'].__get__(value)}>"
    if issubclass(tp, BaseException):
        args = exception_args(value)
        return f"{tp.__name__}({', '.join(_summarize(a, MAX_DEPTH) for a in args[:2])})"
    name = tp.__qualname__
    if module.startswith("torch") and hasattr(tp, "named_parameters"):
        return f"<{name} (torch module)>"
    # Plain objects: show a few fields from the instance __dict__ (no user code runs).
    fields = _instance_fields(value)
    if fields is None or depth >= MAX_DEPTH:
        return f"<{name}>"
    if module.startswith("omegaconf") and "_content" in fields:
        return _omegaconf_summary(name, fields["_content"], depth)
    settings = module.startswith("ml_collections") and type(fields.get("_fields")) is dict
    if settings:
        fields = fields["_fields"]  # a ConfigDict keeps its settings there (read, never resolved)
    limit = MAX_ITEMS + 1
    shown = []
    if depth == 0:
        if len(fields) > limit and (
            settings or _is_config_type(tp) or (len(fields) <= MAX_CONFIG_FIELDS and _settings_fields(fields))
        ):
            limit = MAX_CONFIG_FIELDS  # a settings object (a yacs-style ``CfgNode`` group): every field
        elif _is_torch_module_type(tp):
            shown.append(_module_size(fields))
        groups = fields.get("param_groups")
        if type(groups) is list and groups and type(groups[0]) is dict and "lr" in groups[0]:
            # an optimizer: the learning rate it holds now (its ``defaults`` keep only the first one)
            shown.append(f"lr={_summarize(groups[0]['lr'], depth + 1)}")
    for i, (k, v) in enumerate(fields.items()):
        if i >= limit:
            shown.append("…")
            break
        if type(k) is not str or k.startswith("_"):
            continue
        shown.append(f"{k}={REDACTED if _hidden(k, v) else _summarize(v, depth + 1)}")
    return f"<{name} {' '.join(shown)}>" if shown else f"<{name}>"


MAX_CONFIG_NODES = 160  # a composed config on its own shows its whole tree, up to this many keys in all
MAX_CONFIG_NESTING = 6


def _omegaconf_summary(name: str, content: object, depth: int, budget: list[int] | None = None) -> str:
    """A Hydra/OmegaConf ``DictConfig`` or ``ListConfig`` by its stored nodes, as composed: keys and raw
    values (an interpolation stays ``'${...}'``: resolving it could run a resolver), read from instance
    dicts only, like any plain object. Summarized on its own (the config a function received), it shows its
    groups nested (``model=<DictConfig optimizer=<DictConfig lr=0.001 …> …>``), up to MAX_CONFIG_NODES keys."""
    if budget is None and depth == 0:
        budget = [MAX_CONFIG_NODES]
    if type(content) is list:
        items = [_omegaconf_node(v, depth + 1) for v in content[:MAX_ITEMS]]
        more = ", …" if len(content) > MAX_ITEMS else ""
        return f"<{name}[{len(content)}] ({', '.join(items)}{more})>" if content else f"<{name}[0]>"
    if type(content) is not dict:
        return f"<{name}>"
    limit = MAX_CONFIG_FIELDS if budget is not None else MAX_ITEMS
    shown = []
    for i, (k, v) in enumerate(content.items()):
        if i >= limit or (budget is not None and budget[0] <= 0):
            shown.append("…")
            break
        if budget is not None:
            budget[0] -= 1
        key = k if type(k) is str else _summarize(k, MAX_DEPTH)
        if type(k) is str and _hidden(k, v):
            shown.append(f"{key}={REDACTED}")
            continue
        nested = _instance_fields(v) if budget is not None and depth + 1 < MAX_CONFIG_NESTING else None
        if nested is not None and "_content" in nested and type(nested["_content"]) is dict:
            shown.append(f"{key}={_omegaconf_summary(type(v).__qualname__, nested['_content'], depth + 1, budget)}")
        else:
            shown.append(f"{key}={_omegaconf_node(v, min(depth + 1, MAX_DEPTH - 1) if budget is not None else depth + 1)}")
    return f"<{name} {' '.join(shown)}>" if shown else f"<{name}>"


def _omegaconf_node(node: object, depth: int) -> str:
    fields = _instance_fields(node)
    if fields is not None and "_val" in fields:
        return _summarize(fields["_val"], min(depth, MAX_DEPTH - 1))  # a leaf: its raw value
    return _summarize(node, depth)  # a nested DictConfig / ListConfig


_plain_dict_types: dict[type, bool] = {}
_torch_module_types: dict[type, bool] = {}
MAX_MODULES = 10_000  # submodules walked to count a model's parameters
MAX_CHILDREN = 8  # top-level children named


def _is_torch_module_type(tp: type) -> bool:
    """A subclass of ``torch.nn.Module`` (decided once per type, from the types alone)."""
    hit = _torch_module_types.get(tp)
    if hit is None:
        hit = False
        torch = sys.modules.get("torch")
        nn = getattr(torch, "nn", None) if torch is not None else None
        base = getattr(nn, "Module", None) if nn is not None else None
        if type(base) is type:
            try:
                hit = base in type.__dict__["__mro__"].__get__(tp)
            except Exception:
                hit = False
        _torch_module_types[tp] = hit
    return hit


def _module_size(fields: dict) -> str:
    """``(torch module: 1,234 parameters; 3 children: encoder Sequential[4], head Linear, …)``,
    read from the instance dicts (``_parameters``, ``_modules``): no module code runs."""
    torch = sys.modules.get("torch")
    tensor_types = (torch.Tensor, torch.nn.Parameter) if torch is not None else ()
    total = 0
    seen: set[int] = set()
    stack = [fields]
    walked = 0
    complete = True
    while stack:
        d = stack.pop()
        walked += 1
        if walked > MAX_MODULES:
            complete = False
            break
        params = d.get("_parameters")
        if type(params) is dict:
            for p in params.values():
                if type(p) in tensor_types and id(p) not in seen:
                    seen.add(id(p))
                    total += int(p.numel())
        mods = d.get("_modules")
        if type(mods) is dict:
            for child in mods.values():
                if child is not None and id(child) not in seen:
                    seen.add(id(child))
                    inner = _instance_fields(child)
                    if inner is not None:
                        stack.append(inner)
    children = []
    mods = fields.get("_modules")
    if type(mods) is dict:
        for i, (k, child) in enumerate(mods.items()):
            if i >= MAX_CHILDREN:
                children.append("…")
                break
            name = type(child).__qualname__
            inner = _instance_fields(child) if child is not None else None
            sub = inner.get("_modules") if inner is not None else None
            if type(sub) is dict and name in ("Sequential", "ModuleList", "ModuleDict"):
                name += f"[{len(sub)}]"
            children.append(f"{k} {name}")
    count = f"{total:,}" if complete else f"at least {total:,}"
    n = len(mods) if type(mods) is dict else 0
    kids = f"; {n} child{'ren' if n != 1 else ''}: {', '.join(children)}" if children else ""
    return f"(torch module: {count} parameters{kids})"


_config_types: dict[type, bool] = {}


def _scalar_config(d: dict) -> bool:
    """A dict of settings: string keys, plain scalar values (stops at the first that is not)."""
    return all(type(k) is str and type(v) in _SCALAR_TYPES for k, v in d.items())


def _settings_fields(fields: dict) -> bool:
    """An object's fields that are all settings: scalars, or short tuples/lists of scalars (``betas=(0.9, 0.95)``)."""
    for k, v in fields.items():
        tv = type(v)
        if type(k) is not str or not (
            tv in _SCALAR_TYPES or ((tv is tuple or tv is list) and len(v) <= 8 and all(type(x) in _SCALAR_TYPES for x in v))
        ):
            return False
    return True


def _is_config_type(tp: type) -> bool:
    """argparse.Namespace, types.SimpleNamespace, or a dataclass (read from the types' own dicts)."""
    hit = _config_types.get(tp)
    if hit is None:
        hit = tp is types.SimpleNamespace
        try:
            for klass in type.__dict__["__mro__"].__get__(tp):
                own = type.__dict__["__dict__"].__get__(klass)
                if "__dataclass_fields__" in own:
                    hit = True
                    break
                if own.get("__module__") == "argparse" and type.__dict__["__qualname__"].__get__(klass) == "Namespace":
                    hit = True
                    break
        except Exception:
            pass
        _config_types[tp] = hit
    return hit


def _has_plain_dict(tp: type) -> bool:
    """True if ``__dict__`` on instances of ``tp`` is the interpreter's own slot, not user code."""
    hit = _plain_dict_types.get(tp)
    if hit is None:
        hit = True
        for klass in type.__dict__["__mro__"].__get__(tp):
            found = type.__dict__["__dict__"].__get__(klass).get("__dict__")
            if found is not None:
                hit = type(found) is types.GetSetDescriptorType
                break
        _plain_dict_types[tp] = hit
    return hit


MAX_RECORD_FIELDS = 8  # a named tuple (a batch of transitions, a record) on its own shows this many fields


def _namedtuple_fields(tp: type) -> tuple | None:
    """The ``_fields`` of a named tuple class, read from the class dicts (no descriptor, no user code runs)."""
    for klass in type.__dict__["__mro__"].__get__(tp):
        found = type.__dict__["__dict__"].__get__(klass).get("_fields")
        if found is not None:
            return found if type(found) is tuple and all(type(f) is str for f in found) else None
    return None


def _namedtuple_summary(name: str, names: tuple, value: Any, depth: int) -> str:
    """``<Batch s=Tensor float32[32, 4] a=… >``: a named tuple's items under their field names, read with
    tuple's own slots (a subclass's ``__getitem__`` or ``__iter__`` never runs)."""
    if depth >= MAX_DEPTH:
        return f"<{name}>"
    n = tuple.__len__(value)
    limit = MAX_RECORD_FIELDS if depth == 0 else MAX_ITEMS + 1
    shown = []
    for i, key in enumerate(names[:n]):
        if i >= limit:
            shown.append("…")
            break
        item = tuple.__getitem__(value, i)
        shown.append(f"{key}={REDACTED if _hidden(key, item) else _summarize(item, depth + 1)}")
    return f"<{name} {' '.join(shown)}>" if shown else f"<{name}>"


def _instance_fields(value: object) -> dict | None:
    tp = type(value)
    if not _has_plain_dict(tp):
        return None
    try:
        d = object.__getattribute__(value, "__dict__")
    except Exception:
        return None
    return d if type(d) is dict else None


def _type_str(value: object) -> str:
    return value if type(value) is str else "?"


# Values that stay visible under a secret-looking name: a count called ``max_token`` or an
# integer ``token`` id is not a secret; strings, bytes and objects are hidden.
_SHOWN_UNDER_SECRET_NAMES = (int, float, bool, type(None))


def _hidden(name: str, value: object) -> bool:
    return is_secret_name(name) and redact.current.enabled and type(value) not in _SHOWN_UNDER_SECRET_NAMES


def summarize_named(name: str, value: object) -> str:
    """Like :func:`summarize`, but hides values bound to secret-looking names."""
    if _hidden(name, value):
        return REDACTED
    return summarize(value)


_EXC_ARGS = BaseException.__dict__["args"]


def exception_args(exc: object) -> tuple:
    """An exception's ``args``, read through the interpreter's own slot (no user code runs)."""
    try:
        if issubclass(type(exc), BaseException):
            args = _EXC_ARGS.__get__(exc)
            return args if type(args) is tuple else ()
    except Exception:
        pass
    return ()
