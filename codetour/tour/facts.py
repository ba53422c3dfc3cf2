"""Facts for a stop, from the trace: values at the moment a stop names, how often a line ran,
the resolved configuration, every evaluation's result, the files a save call wrote."""

from __future__ import annotations

import ast
import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from codetour.store.schema import LINE
from codetour.tour.phases import Evidence, run_in_frame, source_of
from codetour.tour.runs import (
    CallSite,
    Loop,
    RunIndex,
    array_shape,
    dict_items,
    dotted,
    fields_of,
    files_written_during,
    is_array,
    is_scalar,
    scalar_value,
    type_of,
)


def _exact_calls(ix: RunIndex, fid: int, frame_id: int, line: int, seq: int) -> int | None:
    """How many times a line ran, when it calls a recorded function that nothing else calls (the edges count
    every call, even past the detail budget)."""
    func = ix.functions[fid]
    edges = ix.reader.edges()
    for call in ix.info(func.file_id, line).calls:
        called = call.method or call.callee.split(".")[-1]
        for callee in ix.callee_functions(frame_id, seq, call):
            if ix.functions[callee].name != called or _reached_through(ix, frame_id, seq, call, callee):
                continue  # reached through the call, not the call itself (a closure ``optimizer.step`` runs)
            if ix.traced_for_compilation(callee):
                return None  # a jit-compiled function: its Python ran once, to compile; the line ran more often
            into = [e for e in edges if e.callee_id == callee]
            if into and all(e.caller_id == fid for e in into) and _only_line_calling(ix, fid, line, called):
                return ix.functions[callee].calls  # exact: every call of it came from here
    return None


def _reached_through(ix: RunIndex, frame_id: int, seq: int, call: CallSite, callee: int) -> bool:
    """A method called on an object (``loss.backward()`` on a tensor) whose recorded namesake did not run on that
    object: autograd calling a repo ``Function``'s ``backward`` once per use, not once per run of the line. Only
    when the receiver's value was seen and is neither a module nor a class."""
    if not call.method or not call.receiver:
        return False
    receiver = type_of(ix.value(frame_id, seq, call.receiver))
    if receiver in (None, "module", "type"):
        return False
    frames = [f for f in ix.reader.frames_of(callee) if not f.resumed]
    first = next(iter((frames[0].args or {}).items()), None) if frames else None
    return first is None or first[0] != "self" or type_of(first[1]) != receiver


def _only_line_calling(ix: RunIndex, fid: int, line: int, called: str) -> bool:
    """No other line of function ``fid`` calls something named ``called`` (the edges count calls per caller
    function, not per line: ``self.act(obs)`` on three lines of one method)."""
    func = ix.functions[fid]
    lo, hi = (1, len(ix.reader.source_lines(func.file_id))) if func.kind == "module" else (func.firstlineno, func.lastlineno)
    for other in range(lo, hi + 1):
        if other != line and any((c.method or c.callee.split(".")[-1]) == called for c in ix.info(func.file_id, other).calls):
            stmt = ix.info(func.file_id, other).stmt
            if stmt is not None and stmt.lineno == other:  # a statement's own line (not a continuation line)
                return False
    return True


def _sibling_count(ix: RunIndex, ev: Evidence, inner: Loop) -> int | None:
    """A line that runs on every iteration of a loop runs as often as another such line of the same loop whose
    count is exact, when no ``break``/``continue`` can stop an iteration between them: ``env.step(action)`` in
    an episode loop that ends on a data-dependent condition, counted by ``action = select_action(state)``."""
    func = ix.functions[ev.fid]
    tree = ix.tree(func.file_id)
    node = (
        next((n for n in ast.walk(tree) if isinstance(n, (ast.For, ast.AsyncFor, ast.While)) and n.lineno == inner.head), None)
        if tree is not None
        else None
    )
    if node is None:
        return None
    for stmt in node.body:
        line = stmt.lineno
        if line == ev.line or (isinstance(stmt, ast.Expr) and not isinstance(stmt.value, ast.Call)):
            continue
        lo, hi = min(line, ev.line), max(line, ev.line)
        between = [s for s in node.body if lo <= s.lineno < hi]
        if any(isinstance(n, (ast.Break, ast.Continue, ast.Return, ast.Raise)) for s in between for n in ast.walk(s)):
            continue
        if not ix.direct_in_loop(ev.fid, line, inner):
            continue
        runs = ix.runs_in_frame(ev.frame_id, line)
        if runs:
            exact = _exact_calls(ix, ev.fid, ev.frame_id, line, runs[0])
            if exact is not None:
                return exact
    return None


def run_count(ix: RunIndex, ev: Evidence) -> tuple[int, bool] | None:
    """How many times ``ev``'s line ran in the whole run, and whether that number is exact."""
    func = ix.functions[ev.fid]
    exact = _exact_calls(ix, ev.fid, ev.frame_id, ev.line, ev.seq)
    if exact is not None:
        return exact, True
    loops = [lp for lp in ix.loops_around(ev.fid, ev.line) if lp.head != ev.line]
    frames = [f for f in ix.reader.frames_of(ev.fid) if not f.resumed]
    if not frames:
        return None
    complete = len(frames) >= func.calls
    if not loops:
        if _top_level(ix, ev):
            return func.calls, True
        if all(ix.runs_in_frame(fr.id, ev.line) for fr in frames):
            # under an ``if`` that held in every recorded call (``if iteration % accumulation_steps == 0``)
            return func.calls, complete
        return None
    inner = loops[-1]
    if not ix.direct_in_loop(ev.fid, ev.line, inner):
        return None
    sibling = _sibling_count(ix, ev, inner)
    if sibling is not None:
        return sibling, True
    per_frame = [ix.iterations(fr.id, inner) for fr in frames]
    outer = loops[:-1]
    if outer:
        # an enclosing loop's folded iterations swallow the inner counts: scale by each enclosing loop's
        # iterations in all over those recorded (the inner loop ran only inside recorded ones)
        fr = frames[0]
        factor = 1.0
        for lp, within in zip(outer, loops[1:]):
            recorded, total = ix.iteration_counts(fr.id, lp)
            if recorded and total > recorded:
                if not ix.direct_in_loop(ev.fid, within.head, lp):
                    return None  # the inner loop runs on some iterations only (under an ``if``): no count to scale
                factor *= total / recorded
        if factor > 1:
            per_frame[0] = round(per_frame[0] * factor)
            complete = False
    total = sum(per_frame)
    if not complete:
        total = round(total / len(frames) * func.calls)
    return total, complete


def _top_level(ix: RunIndex, ev: Evidence) -> bool:
    func = ix.functions[ev.fid]
    tree = ix.tree(func.file_id)
    if tree is None:
        return False
    if func.kind == "module":
        body = tree.body
    else:
        body = []
        for node in ast.walk(tree):
            if (
                isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and node.lineno <= ev.line <= (node.end_lineno or 0)
                and node.lineno >= func.firstlineno - len(node.decorator_list)
                and node.body
            ):
                body = node.body
        if not body:
            return False
    for stmt in body:
        if stmt.lineno <= ev.line <= (stmt.end_lineno or stmt.lineno):
            return not isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)) or stmt.lineno == ev.line
    return False


def compiled_by_jit(ix: RunIndex, ev: Evidence) -> str | None:
    """For a stop inside a function a JIT compiler traced (``@jax.jit``), what that means for the reader: the
    Python ran once with abstract tracers, and the program's calls of the compiled function ran without it."""
    fr = ix.frame(ev.frame_id)
    outer = None
    while fr is not None and fr.function_id in ix.functions and ix.traced_for_compilation(fr.function_id):
        outer = fr
        fr = ix.frame(fr.parent_id) if fr.parent_id is not None else None
    if outer is None:
        return None
    name = ix.functions[outer.function_id].qualname
    text = (
        f"This ran while a JIT compiler traced `{name}`: its arguments were tracers (shapes and dtypes, no values), "
        "and the Python ran once, to compile it."
    )
    if fr is None or fr.function_id not in ix.functions or outer.call_line is None:
        return text
    caller = ix.functions[fr.function_id]
    runs = ix.runs_in_frame(fr.id, outer.call_line)
    site = Evidence(
        "call", caller.id, outer.call_line, max((s for s in runs if s < outer.start_seq), default=outer.start_seq), fr.id, 0
    )
    count = run_count(ix, site)
    path = ix.reader.files[caller.file_id].relpath
    ran = f" ran {times(*count)};" if count is not None else ""
    return f"{text} The call at {path}:{outer.call_line}{ran} it runs the compiled code, which no Python tracer sees."


def times(n: int, exact: bool = True) -> str:
    return f"{'' if exact else 'about '}{n:,} time{'s' if n != 1 else ''}"


def values_named(ix: RunIndex, ev: Evidence, names: list[str], after: bool) -> dict[str, str]:
    out = {}
    for name in names:
        v = ix.value(ev.frame_id, ev.seq, name, after=after)
        if v is not None:
            out[name] = v
    return out


def series(ix: RunIndex, ev: Evidence, name: str) -> list[float]:
    """The scalar ``name`` took after each recorded run of ``ev``'s line (in any recorded frame)."""
    out = []
    for fr in ix.reader.frames_of(ev.fid):
        for seq in ix.runs_in_frame(fr.id, ev.line):
            v = ix.value(fr.id, seq, name, after=True)
            if is_scalar(v):
                x = scalar_value(v)
                if x is not None:
                    out.append(x)
    return out


def final_value(ix: RunIndex, ev: Evidence, name: str) -> tuple[str, str] | None:
    """The last recorded value of ``name`` in ``ev``'s function, and when that was."""
    frames = [f for f in ix.reader.frames_of(ev.fid) if not f.resumed]
    if not frames:
        return None
    fr = frames[-1]
    end = fr.end_seq or ix.reader.last_seq or 0
    value = ix.reader.locals_at(fr.id, end).get(name)
    func = ix.functions[ev.fid]
    if value is None:
        return None
    when = "at the end of the run" if func.calls <= 1 else f"in the last recorded call ({len(frames)} of {func.calls:,})"
    return value, when


def argparse_config(ix: RunIndex, ev: Evidence) -> dict[str, str]:
    """Every option of the argument parser that ran in ``ev``'s frame, with its default, overridden by
    the command line the run was given: the resolved configuration of an argparse program."""
    func = ix.functions[ev.fid]
    options: dict[str, tuple[str, str | None, bool]] = {}  # dest -> (default text, flag, store_true)
    flags: dict[str, str] = {}
    for run in ix.runs:
        if run.fid != ev.fid:
            continue
        stmt = ix.info(func.file_id, run.line).stmt
        if stmt is None:
            continue
        for node in ast.walk(stmt):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument":
                names = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if not names:
                    continue
                kw = {k.arg: k.value for k in node.keywords if k.arg}
                long = next((n for n in names if n.startswith("--")), names[0])
                dest_node = kw.get("dest")
                dest = (
                    dest_node.value
                    if isinstance(dest_node, ast.Constant) and isinstance(dest_node.value, str)
                    else long.lstrip("-").replace("-", "_")
                )
                action = kw.get("action")
                store_true = isinstance(action, ast.Constant) and action.value == "store_true"
                default = kw.get("default")
                text = ast.unparse(default) if default is not None else ("False" if store_true else "None")
                options[dest] = (text, long, store_true)
                for n in names:
                    flags[n] = dest
    if not options:
        return {}
    resolved = {dest: text for dest, (text, _, _) in options.items()}
    argv = list(ix.reader.meta.get("argv") or [])[1:]
    i = 0
    while i < len(argv):
        arg = argv[i]
        key, eq, val = arg.partition("=")
        flag_dest = flags.get(key)
        if flag_dest is not None:
            dest = flag_dest
            if options[dest][2]:
                resolved[dest] = "True (command line)"
            elif eq:
                resolved[dest] = f"{val!r} (command line)"
            elif i + 1 < len(argv):
                resolved[dest] = f"{argv[i + 1]!r} (command line)"
                i += 1
        i += 1
    # the namespace's own recorded values win where the trace shows them
    shown = fields_of(
        ix.value(ev.frame_id, ev.seq, str(ev.facts.get("object") or ""), after=True) or str(ev.facts.get("summary") or "")
    )
    for key, value in shown.items():
        if key in resolved:  # the parsed value (``32``, not the text ``'32'`` of the command line)
            resolved[key] = f"{value} (command line)" if "(command line)" in resolved[key] else value
    return resolved


def command_line_options(ix: RunIndex, ev: Evidence) -> dict[str, str]:
    """For a settings file whose path the command line gave (``ev.facts["command_line"]``, the namespace's name):
    the argument parser's options as the run resolved them, read where that namespace was parsed."""
    name = ev.facts.get("command_line")
    if not isinstance(name, str):
        return {}
    src = source_of(ix, ev.frame_id, name, ev.seq)
    if src is None:
        return {}
    run = run_in_frame(ix, *src)
    parsed = Evidence("config", run.fid, run.line, run.seq, run.frame_id, 1.0, facts={"object": name})
    return argparse_config(ix, parsed)


def set_after_parsing(
    ix: RunIndex, ev: Evidence, name: str, until: int | None, loop_frame: int | None = None
) -> dict[str, tuple[str | None, str]]:
    """Fields of the config object ``name`` the program itself set after it was made and before ``until`` (the
    main loop's start): ``args.use_gpu = ... and args.use_gpu``, ``args.batch_size = int(args.num_envs *
    args.num_steps)``; or that the method running the loop (``loop_frame``) copied onto it from its own keyword
    arguments first (an estimator's ``fit(X, y, batch_size=64)`` doing ``self.batch_size = batch_size``).
    field -> (value when made or None if added, value in force). A field added down there is listed only when its
    value is a setting (a number, a string, a flag), not a network or an array the method built."""
    if until is None or until <= ev.seq:
        return {}
    summary = ix.value(ev.frame_id, ev.seq, name, after=True) or (str(ev.facts.get("summary") or "") or None)
    made = _settings_of(summary)
    if not made:
        return {}
    # A field set in place does not change the object the frame holds, so the frame's own record may still show
    # it as made: the object as the last call it was handed to before the loop received it is summarized anew.
    later = _settings_of(ix.value(ev.frame_id, until, name))
    callers = [ev.frame_id]
    if loop_frame is not None:  # and calls made by the frames between the config's and the loop's, before the loop
        chain = ix.ancestry(loop_frame)
        if any(fr.id == ev.frame_id for fr in chain):
            callers += [fr.id for fr in reversed(chain) if fr.id != ev.frame_id and fr.start_seq > ev.seq]
    deeper = False
    last = ev.seq
    for caller in callers:
        for child in ix.children(caller):
            if not last < child.start_seq <= until:
                continue
            for value in (child.args or {}).values():
                fields = _settings_of(value)
                if type_of(value) == type_of(summary) and made.keys() <= fields.keys():
                    later, last, deeper = fields, child.start_seq, caller != ev.frame_id
    if not later:
        return {}
    return {
        k: (made.get(k), v)
        for k, v in later.items()
        if made.get(k) != v
        and v != "…"
        and made.get(k) != "…"
        and (k in made or not deeper or _SETTING_VALUE.match(v) is not None)
    }


def _settings_of(summary: str | None) -> dict[str, str]:
    """An object's fields, or a dict's items (``config["batch_size"] = 30`` sets one as ``args.lr = 0.1`` does)."""
    return fields_of(summary) or (dict_items(summary) if type_of(summary) == "dict" else {})


_SETTING_VALUE = re.compile(r"^(?:-?[\d.]+(?:e[-+]?\d+)?|True|False|None|'[^']*'|\"[^\"]*\")$")


def groups_as_used(ix: RunIndex, ev: Evidence, name: str, fields: dict[str, str]) -> dict[str, str]:
    """The groups of a settings object as the code they were handed to received them (``GPT(config.model)``:
    what ``GPT.__init__`` got), for those handed on later in the same frame. Overrides applied in place
    after the config was made (``config.merge_from_args(argv)``) are in these, not in its first summary."""
    out: dict[str, str] = {}
    frame = ix.frame(ev.frame_id)
    if frame is None:
        return out
    file_id = ix.functions[ev.fid].file_id
    events = ix.reader.events(ev.seq + 1, frame.end_seq + 1 if frame.end_seq is not None else None, frame_id=ev.frame_id)
    for event in events:
        if event.kind != LINE or len(out) == len(fields):
            continue
        for call in ix.info(file_id, event.line).calls:
            for i, arg in enumerate(call.args):
                key = arg[len(name) + 1 :] if arg.startswith(name + ".") else None
                if key not in fields or key in out:
                    continue
                for child in ix.called_from(ev.frame_id, event.seq):
                    func = ix.functions.get(child.function_id)
                    params = list((child.args or {}).items())
                    if func is None or func.name not in (call.method or call.callee.split(".")[-1], "__init__"):
                        continue
                    params = params[1:] if params and params[0][0] == "self" else params
                    if i < len(params):
                        out[key] = params[i][1]
                        break
    return out


def constructor_arguments(ix: RunIndex, ev: Evidence) -> dict[str, str]:
    """Every argument the constructor called on ``ev``'s line received (the keywords given there and the
    defaults it filled in), as its recorded ``__init__`` frame saw them."""
    for child in ix.called_from(ev.frame_id, ev.seq):
        func = ix.functions.get(child.function_id)
        if func is not None and func.name == "__init__" and child.args:
            return {k: v for k, v in child.args.items() if k != "self"}
    return {}


_PLAIN_VALUE = re.compile(r"^(-?[\d.]+(e[-+]?\d+)?|True|False|None|'[^']{0,40}')$")  # a number, bool, None, short string


def learner_settings(ix: RunIndex, update: Evidence | None) -> tuple[str, dict[str, str]]:
    """(class, settings): the plain-value arguments (defaults included) the constructor of the object whose
    method makes the update received, when that object is a repo class that is neither a module nor an
    optimizer (a DQN's ``ParamsPool(..., gamma=0.95)``, TD3's ``discount``/``tau``/``policy_noise``)."""
    fr = ix.frame(update.frame_id) if update is not None else None
    held = (fr.args or {}).get("self") if fr is not None else None
    kind = type_of(held)
    if not kind or (held or "").startswith(f"<{kind} (torch module") or kind in ("Tensor", "ndarray"):
        return "", {}
    init = next((f for f in ix.functions.values() if f.qualname == f"{kind}.__init__"), None)
    frames = [f for f in ix.reader.frames_of(init.id) if not f.resumed] if init is not None else []
    if not frames or not frames[0].args:
        return "", {}
    return kind, {k: v for k, v in frames[0].args.items() if k != "self" and _PLAIN_VALUE.match(v)}


def received_by(ix: RunIndex, ev: Evidence) -> tuple[str, dict[str, str]] | None:
    """(function, arrays): the array arguments the repo function the line called first received, as its frame
    recorded them: the minibatch itself when the line passes it inline (``model(b_obs[mb_inds])``)."""
    for child in ix.called_from(ev.frame_id, ev.seq):
        func = ix.functions.get(child.function_id)
        arrays = {k: v for k, v in (child.args or {}).items() if is_array(v)} if func is not None else {}
        if func is not None and arrays:
            return func.qualname, arrays
    return None


def indexed_shapes(ix: RunIndex, ev: Evidence) -> dict[str, str]:
    """``model(b_obs[mb_inds])``: an array indexed by a 1-D integer index array on the line has the index's
    length as its first dimension (``float32[128, 4]`` from ``b_obs`` float32[256, 4] and ``mb_inds`` int64[128])."""
    func = ix.functions[ev.fid]
    stmt = ix.info(func.file_id, ev.line).stmt
    out: dict[str, str] = {}
    for node in ast.walk(stmt) if stmt is not None else ():
        if not isinstance(node, ast.Subscript) or not isinstance(node.slice, (ast.Name, ast.Attribute)):
            continue
        base, index = dotted(node.value), dotted(node.slice)
        whole = array_shape(ix.value(ev.frame_id, ev.seq, base)) if base else None
        picks = array_shape(ix.value(ev.frame_id, ev.seq, index)) if index else None
        if not whole or not picks or not picks.startswith("int"):
            continue
        dtype, dims = whole.split("[", 1)
        n = picks.split("[", 1)[1].rstrip("]")
        rest = dims.rstrip("]").split(", ")[1:]
        if n and "," not in n and dims.rstrip("]"):
            out[ast.unparse(node)] = f"{dtype}[{', '.join([n, *rest])}]"
    return out


def literal_config(ix: RunIndex, ev: Evidence, at_seq: int | None) -> dict[str, str]:
    """Literal hyper-parameters (module-level, or at the top of the loop's function) as they stood at ``at_seq``
    (after any overrides)."""
    lines = ev.facts.get("literal_lines") or []
    fr = ix.frame(ev.frame_id)
    if fr is None:
        return {}
    scope = ix.reader.locals_at(fr.id, at_seq if at_seq is not None else (fr.end_seq or ix.reader.last_seq or 0))
    func = ix.functions[ev.fid]
    out = {}
    for line in lines:  # type: ignore[attr-defined]
        for name in ix.info(func.file_id, line).targets:
            if name in scope:
                out[name] = scope[name]
    return out


def saved_paths(ix: RunIndex, ev: Evidence) -> list[str]:
    """The paths the save call wrote to, from its arguments as they were when it ran (names, ``args.save``,
    ``os.path.join(out_dir, 'ckpt.pt')``, f-strings, ``Path(d) / name``), with their sizes on disk now.
    Only what the call's own arguments say: never another string that happens to be in scope."""
    call = ev.facts.get("call")
    stmt = ix.info(ix.functions[ev.fid].file_id, ev.line).stmt
    callee = getattr(call, "callee", None)
    nodes = [
        n
        for n in (ast.walk(stmt) if stmt is not None else ())
        if isinstance(n, ast.Call) and callee is not None and dotted(n.func) == callee
    ]
    file_id = ix.functions[ev.fid].file_id

    def value_of(name: str, depth: int = 2) -> str | None:
        # a name holding a path object (``out = Path(path)``): the string it was made from, on its line
        summary = ix.value(ev.frame_id, ev.seq, name)
        if (summary and summary[0] in "'\"") or depth == 0:
            return summary
        made = ix.last_assignment(ev.frame_id, name, ev.seq)
        stmt = ix.info(file_id, made[0]).stmt if made is not None else None
        value = getattr(stmt, "value", None)
        if isinstance(stmt, (ast.With, ast.AsyncWith)):  # ``with open(output, "wb") as fd``: the file opened
            value = next(
                (i.context_expr for i in stmt.items if isinstance(i.optional_vars, ast.Name) and i.optional_vars.id == name), None
            )
        text = _path_value(value, lambda n: value_of(n, depth - 1)) if value is not None else None
        return repr(text) if text is not None else summary

    texts: list[str] = []
    for node in nodes[:1]:
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            text = _path_value(arg, value_of)
            if text and ("/" in text or "." in text) and text not in texts:
                texts.append(text)
    if not texts:
        # a directory no summary spells (a ``PosixPath`` shows as ``<PosixPath>``) joined to a file name that is
        # known (``path = self.dirname / filename``): the file of that name the run wrote, found on disk
        names = {n for node in nodes[:1] for arg in node.args for n in [_file_name_of(arg, value_of, ix, ev)] if n}
        texts = [path for path, _size in files_written_during(ix.reader.meta) if os.path.basename(path) in names][:3]
    cwd = Path(ix.reader.meta.get("cwd") or ".")
    out = []
    for t in texts[:3]:
        p = Path(t) if Path(t).is_absolute() else cwd / t
        size = ""
        try:
            size = f", {p.stat().st_size:,} bytes now" if p.is_file() else ""
        except OSError:
            pass
        out.append(f"`{t}`{size}")
    return out


def _file_name_of(node: ast.AST, value_of: Callable[[str], str | None], ix: RunIndex, ev: Evidence, hops: int = 2) -> str | None:
    """The last part of a path expression whose directory is not known: ``d / name`` or ``os.path.join(d, name)``,
    or a name assigned one (up to ``hops`` assignments back in the save's frame)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        tail = _path_value(node.right, value_of)
    elif isinstance(node, ast.Call) and dotted(node.func).endswith("path.join") and node.args:
        tail = _path_value(node.args[-1], value_of)
    elif isinstance(node, ast.Name) and hops > 0:
        made = ix.last_assignment(ev.frame_id, node.id, ev.seq)
        stmt = ix.info(ix.functions[ev.fid].file_id, made[0]).stmt if made is not None else None
        value = getattr(stmt, "value", None) if isinstance(stmt, ast.Assign) else None
        return _file_name_of(value, value_of, ix, ev, hops - 1) if value is not None else None
    else:
        return None
    return os.path.basename(tail) if tail and "." in tail else None


def _path_value(node: ast.AST, value_of: Callable[[str], str | None]) -> str | None:
    """The string a path expression had, from recorded values; None when any part is unknown."""
    if isinstance(node, ast.Constant):
        return node.value if isinstance(node.value, str) else None
    if isinstance(node, (ast.Name, ast.Attribute)):
        summary = value_of(dotted(node)) or ""
        whole = len(summary) >= 2 and summary[0] == summary[-1] and summary[0] in "'\"" and "…" not in summary
        return summary[1:-1] if whole else None
    if isinstance(node, ast.Call):
        name = dotted(node.func)
        parts = [_path_value(a, value_of) for a in node.args]
        if any(p is None for p in parts) or not parts:
            return None
        if name.endswith("path.join"):
            return os.path.join(*parts)  # type: ignore[arg-type]
        if name.split(".")[-1] in ("Path", "PurePath", "str") and len(parts) == 1:
            return parts[0]
        if name in ("open", "io.open", "gzip.open", "bz2.open", "lzma.open"):  # a file handle the call writes into
            return parts[0]
        return None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):  # Path(out_dir) / "ckpt.pt"
        left, right = _path_value(node.left, value_of), _path_value(node.right, value_of)
        return os.path.join(left, right) if left is not None and right is not None else None
    if isinstance(node, ast.JoinedStr):
        pieces: list[str] = []
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                pieces.append(part.value)
            elif isinstance(part, ast.FormattedValue) and part.format_spec is None and part.conversion == -1:
                inner = part.value
                shown = value_of(dotted(inner)) if isinstance(inner, (ast.Name, ast.Attribute)) else None
                text = _path_value(inner, value_of) if shown and shown[0] in "'\"" else shown
                if text is None or "…" in text or " " in text:
                    return None
                pieces.append(text)
            else:
                return None
        return "".join(pieces)
    return None


def shell(argv: list[str]) -> str:
    return shlex.join(argv)


# ----------------------------------------------------------------------------- scalar series
SPARKS = "▁▂▃▄▅▆▇█"


@dataclass
class SeriesFact:
    """A scalar over the whole run, from the trace's series: one sample per loop iteration or per call."""

    name: str
    count: int
    first: float
    last: float
    low: float
    high: float
    points: list[float]
    per: str  # what one sample is: "iteration of the loop at line 206", "call of `compute_loss`"
    frames: int = 1  # recorded frames the samples come from (a function's loop, in each recorded call)

    def text(self, what: str | None = None) -> str:
        """`loss`: 3.59 → 2.41 over 21 iterations of the loop at line 9 (min 2.3, max 3.61) ▇▆▅▃▂▁"""
        label = what or f"`{self.name}`"
        unit, _, rest = self.per.partition(" ")
        plural = f"{unit}s" if self.count != 1 else unit
        span = f"{label}: {num(self.first)} → {num(self.last)} over {self.count:,} {plural} {rest}".rstrip()
        if self.frames > 1:
            span += f" (in {self.frames} recorded calls)"
        if self.low not in (self.first, self.last) or self.high not in (self.first, self.last):
            span += f", min {num(self.low)}, max {num(self.high)}"
        return f"{span} {sparkline(self.points)}".rstrip()


def optimizer_rates(ix: RunIndex, kind: str) -> SeriesFact | None:
    """The learning rate an optimizer of type ``kind`` held each time a recorded repo function received it
    (``train(args, model, device, train_loader, optimizer, epoch)`` once per epoch): what a scheduler object's
    ``step()`` set, seen where the optimizer is handed on."""
    seen: list[tuple[int, float, str]] = []
    for fid, func in ix.functions.items():
        if func.kind == "module":
            continue
        for fr in ix.reader.frames_of(fid)[:200]:
            for value in (fr.args or {}).values():
                if type_of(value) == kind:
                    rate = scalar_value(fields_of(value).get("lr"))
                    if rate is not None:
                        seen.append((fr.start_seq, rate, func.qualname))
    if len(seen) < 2:
        return None
    seen.sort()
    callee = seen[0][2]
    points = [rate for _, rate, name in seen if name == callee]  # one function's calls: one sample each
    if len(points) < 2:
        return None
    return SeriesFact("lr", len(points), points[0], points[-1], min(points), max(points), points, f"call of `{callee}`")


def num(x: float) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:.4g}"


def sparkline(points: list[float], width: int = 24) -> str:
    """A compact unicode sparkline of ``points`` (averaged into at most ``width`` buckets)."""
    if len(points) < 2:
        return ""
    if len(points) > width:
        buckets = []
        for i in range(width):
            chunk = points[i * len(points) // width : (i + 1) * len(points) // width]
            buckets.append(sum(chunk) / len(chunk))
        points = buckets
    lo, hi = min(points), max(points)
    if hi == lo:
        return SPARKS[0] * len(points)
    return "".join(SPARKS[min(len(SPARKS) - 1, int((p - lo) / (hi - lo) * len(SPARKS)))] for p in points)


def _fact(name: str, rows: list[tuple], per: str) -> SeriesFact | None:
    rows = [r for r in rows if r[4] > 0 and r[6].get("points")]
    if not rows:
        return None
    points = [x for r in rows for x in r[6]["points"]]
    lows = [r[6]["min"] for r in rows if r[6].get("min") is not None]
    highs = [r[6]["max"] for r in rows if r[6].get("max") is not None]
    return SeriesFact(
        name,
        sum(r[4] for r in rows),
        rows[0][6].get("first", points[0]),
        rows[-1][6].get("last", points[-1]),
        min(lows) if lows else min(points),
        max(highs) if highs else max(points),
        points,
        per,
        len(rows),
    )


def loop_series(ix: RunIndex, fid: int, line: int, name: str) -> SeriesFact | None:
    """``name`` sampled at each iteration of a loop of ``fid`` around ``line``, over every recorded
    call of ``fid``: the innermost loop whose samples cover all its iterations, else the outermost
    loop that has samples (an inner loop is sampled only while the outer one records in detail)."""
    rows = [r for r in ix.series_rows() if r[0] == fid and r[3] == name and r[1] is not None]
    if not rows:
        return None
    outermost = None
    for loop in reversed(ix.loops_around(fid, line)):
        head = loop.head if loop.is_for else loop.body_first  # where the recorder sees an iteration start
        found = [r for r in rows if r[2] == head]
        fact = _fact(name, found, f"iteration of the loop at line {loop.head}")
        if fact is None:
            continue
        outermost = fact
        total = sum(ix.iterations(r[1], loop) for r in found if r[1] is not None)
        if fact.count >= total - (0 if loop.is_for else len(found)):  # a while loop's last iteration has no next start
            return fact
    return outermost


def return_series(ix: RunIndex, fid: int) -> SeriesFact | None:
    """The floats ``fid`` returned, one per call, over the whole run."""
    rows = [r for r in ix.series_rows() if r[0] == fid and r[1] is None and r[3] == "<return>"]
    return _fact("<return>", rows, f"call of `{ix.functions[fid].qualname}`") if fid in ix.functions else None


def value_series(ix: RunIndex, ev: Evidence, name: str, depth: int = 3) -> SeriesFact | None:
    """``name`` (assigned on ``ev``'s line) over the whole run: sampled per iteration of a loop around
    the line; else the function's returned floats when it returns it; else, at the recorded caller's
    call site, what the call's result was assigned to, per iteration of the caller's loop."""
    fid, frame_id, line = ev.fid, ev.frame_id, ev.line
    for _ in range(depth + 1):
        fact = loop_series(ix, fid, line, name)
        if fact is not None:
            return fact
        func = ix.functions.get(fid)
        if func is None or func.kind != "function":
            return None
        if _returns(ix, fid, name):
            fact = return_series(ix, fid)
            if fact is not None:
                fact.name = name
                return fact
        fr = ix.frame(frame_id)
        if fr is None or fr.parent_id is None or fr.call_line is None:
            return None
        parent = ix.frame(fr.parent_id)
        if parent is None or parent.function_id not in ix.functions or not _returns(ix, fid, name):
            return None
        targets = ix.info(ix.functions[parent.function_id].file_id, fr.call_line).targets
        if name not in targets:
            if len(targets) != 1:
                return None
            name = targets[0]
        fid, frame_id, line = parent.function_id, parent.id, fr.call_line
    return None


def _returns(ix: RunIndex, fid: int, name: str) -> bool:
    """Does a ``return`` statement of ``fid`` that ran return ``name`` (alone or in a tuple)?"""
    func = ix.functions[fid]
    return any(name in ix.info(func.file_id, r.line).returns for r in ix.runs if r.fid == fid)
