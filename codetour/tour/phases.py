"""Phase detection from execution: small named detectors, each returning evidence, folded by one function.

Each detector looks at the lines that ran (:class:`~codetour.tour.runs.RunIndex`): the calls
on them and the runtime types of the objects involved, read from the recorded value
summaries. A tensor's ``.backward()``, an optimizer-typed object's ``.step()``, a
``DataLoader`` iterated, ``torch.save``... Where the code is plain numpy, data flow
stands in for types: the gradients an optimizer step consumes come from the backward pass;
the scalar returned to it is the loss. Names (``forward``, ``evaluate``) only break ties
between candidates found from execution; they never make a candidate on their own.

Detectors run in dependency order (the loss is found from the backward pass, the forward
pass from the loss...), each sees what was decided before it, and :func:`detect_phases`
keeps, for each phase, the strongest evidence (earliest when equal).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from codetour.store.reader import Event, Frame
from codetour.store.schema import LINE
from codetour.tour.runs import (
    CallSite,
    LineInfo,
    LineRun,
    Loop,
    RunIndex,
    dict_items,
    dotted,
    fields_of,
    files_written_during,
    is_array,
    is_scalar,
    split_top,
    type_of,
)

OPTIMIZER_TYPES = {
    "SGD",
    "Adam",
    "AdamW",
    "Adamax",
    "Adagrad",
    "Adadelta",
    "RMSprop",
    "Rprop",
    "NAdam",
    "RAdam",
    "ASGD",
    "LBFGS",
    "SparseAdam",
    "Adafactor",
    "Lion",
    "LARS",
    "LAMB",
    "ZeroRedundancyOptimizer",
}
SCHEDULER_FIELDS = {"base_lrs", "last_epoch", "lr_lambdas"}
SAVE_CALLS = {
    "torch.save",
    "numpy.save",
    "numpy.savez",
    "numpy.savez_compressed",
    "pickle.dump",
    "joblib.dump",
    "safetensors.torch.save_file",
    "safetensors.numpy.save_file",
}
SAVE_METHODS = {"save_pretrained", "save_checkpoint", "save_weights"}
CLIP_CALLS = {"clip_grad_norm_", "clip_grad_value_", "clip_grad_norm", "clip_by_global_norm"}
NO_GRAD = {"no_grad", "inference_mode", "enable_grad"}
GRAD_CALLS = {
    "torch.autograd.grad",
    "torch.func.grad",
    "torch.func.grad_and_value",
    "jax.grad",
    "jax.value_and_grad",
    "equinox.filter_grad",
    "equinox.filter_value_and_grad",
}
BUILTIN_ITERATORS = {"zip", "enumerate", "map", "list", "tuple", "dict", "sorted", "reversed"}
ENV_MODULES = ("gym", "gymnasium", "envpool", "pettingzoo", "dm_env")

TIE_WORDS = {
    "config": {"config", "cfg", "args", "hparams", "options", "settings"},
    "evaluation": {"eval", "evaluate", "evaluation", "validate", "validation", "val", "test", "estimate"},
    "backward": {"backward", "grad", "grads", "gradient", "gradients"},
    "loss": {"loss", "criterion", "objective"},
    "forward": {"forward", "predict", "logits"},
    "clipping": {"clip"},
}
_WORDS = re.compile(r"[A-Za-z][a-z0-9]*|[A-Z]+(?![a-z])")


def words(text: str) -> set[str]:
    return {w.lower() for w in _WORDS.findall(text.replace("<locals>", ""))}


@dataclass
class Evidence:
    """Why one line is a phase: where it ran first, how sure, and the facts seen there."""

    phase: str
    fid: int
    line: int
    seq: int
    frame_id: int
    score: float
    reasons: list[str] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)

    def tie(self, ix: RunIndex, text: str) -> Evidence:
        """Names break ties: a small bonus when ``text`` (a name involved) says the phase."""
        vocab = TIE_WORDS.get(self.phase)
        if vocab and words(text) & vocab:
            self.score += 0.05
        return self


Detector = Callable[[RunIndex, dict[str, Evidence]], list[Evidence]]


# ----------------------------------------------------------------------------- helpers
def _evidence(
    ix: RunIndex, phase: str, run: LineRun, score: float, reason: str, seq: int | None = None, frame_id: int | None = None
) -> Evidence:
    return Evidence(phase, run.fid, run.line, seq if seq is not None else run.seq, frame_id or run.frame_id, score, [reason])


def _file(ix: RunIndex, fid: int) -> int:
    return ix.functions[fid].file_id


def _module_of(ix: RunIndex, run: LineRun, name: str) -> str | None:
    """What module a name (``np``, ``torch``) refers to where ``run`` ran: ``numpy``..."""
    summary = ix.value(run.frame_id, run.seq, name)
    m = re.match(r"^<module ([\w.]+)>", summary or "")
    return m.group(1) if m else None


def _canonical(ix: RunIndex, run: LineRun, callee: str) -> str:
    """``np.savez`` -> ``numpy.savez`` when ``np`` names the numpy module there; ``grad`` -> ``jax.grad`` when the
    file imported it with ``from jax import grad``."""
    head, _, rest = callee.partition(".")
    module = _module_of(ix, run, head) if rest else None
    if module:
        return f"{module}.{rest}"
    imported = ix.imported(_file(ix, run.fid)).get(head)
    return f"{imported}.{rest}" if imported and rest else imported or callee


def optimizer_like(summary: str | None) -> bool:
    t = type_of(summary)
    if t in OPTIMIZER_TYPES:
        return True
    f = fields_of(summary)
    return ("defaults" in f and not SCHEDULER_FIELDS & set(f)) or (
        ("lr" in f or "learning_rate" in f) and any(k in f for k in ("params", "param_groups", "parameters"))
    )


def scheduler_like(summary: str | None) -> bool:
    """A learning-rate scheduler: torch's fields, or a ``...LR``/``...Scheduler`` type that holds an optimizer or
    a rate. (A diffusion model's ``NoiseScheduler`` holds betas and alphas: its ``step`` denoises a sample.)"""
    t = type_of(summary) or ""
    f = fields_of(summary)
    if SCHEDULER_FIELDS & set(f):
        return True
    if not (t.endswith("LR") or "Scheduler" in t):
        return False
    return not f or any(k == "optimizer" or "lr" in k.lower().split("_") or "learning_rate" in k.lower() for k in f)


def model_like(summary: str | None) -> bool:
    """An object that holds parameters: a torch module, or an object with arrays of weights."""
    if not summary:
        return False
    if "(torch module)" in summary:
        return True
    f = fields_of(summary)
    if f.get("training") in ("True", "False"):
        return True  # nn.Module's first instance field
    return any(re.match(r"^dict\[\d+\] \{\w+: (ndarray|Tensor|Array)", v) or is_array(v) for v in f.values())


def torch_module(summary: str | None) -> bool:
    if not summary:
        return False
    return "(torch module)" in summary or fields_of(summary).get("training") in ("True", "False")


def env_like(summary: str | None, targets: list[str]) -> bool:
    f = fields_of(summary)
    if "action_space" in f or "observation_space" in f or "single_action_space" in f:
        return True
    t = type_of(summary) or ""
    return len(targets) >= 4 and not optimizer_like(summary) and not scheduler_like(summary) and t not in ("Tensor", "ndarray")


def frame_index(ix: RunIndex, frame_id: int) -> int:
    """Which recorded call of its function a frame is (1-based)."""
    fr = ix.frame(frame_id)
    if fr is None:
        return 1
    frames = [f for f in ix.reader.frames_of(fr.function_id) if not f.resumed]
    for i, f in enumerate(frames, 1):
        if f.id == frame_id:
            return i
    return 1


def run_in_frame(ix: RunIndex, frame_id: int, line: int, seq: int) -> LineRun:
    fr = ix.frame(frame_id)
    assert fr is not None
    base = ix.run_at.get((fr.function_id, line))
    return LineRun(fr.function_id, line, seq, frame_id, base.hits if base else 1)


def source_of(ix: RunIndex, frame_id: int, name: str, before: int, depth: int = 3) -> tuple[int, int, int] | None:
    """Where ``name`` got its value, seen from ``frame_id`` at ``before``: (frame, line, seq).

    The last line of the frame that assigned it; for a parameter, the argument at the call
    site in the recorded caller (up to ``depth`` callers up)."""
    head = name.split(".")[0]
    found = ix.last_assignment(frame_id, name, before) or (ix.last_assignment(frame_id, head, before) if head != name else None)
    if found is not None:
        return frame_id, found[0], found[1]
    fr = ix.frame(frame_id)
    if depth <= 0 or fr is None or fr.parent_id is None or fr.call_line is None:
        return None
    params = list((fr.args or {}).keys())
    if head == "self" and "." in name:
        # self.model: find where the attribute was assigned on an object of this type
        owner = type_of((fr.args or {}).get("self"))
        return attribute_source(ix, name.split(".", 1)[1], ix.value(frame_id, fr.start_seq, name), owner)
    if head not in params:
        outer = _enclosing_frame(ix, fr)
        if outer is not None:
            # a closure's free variable (``model`` in the ``update`` a factory made): where the enclosing call got it
            found_outer = source_of(ix, outer.id, name, outer.end_seq or before, depth)
            if found_outer is not None:
                return found_outer
        return _global_source(ix, fr, head, before)
    parent = fr.parent_id
    if head == "self" and name == "self" and params[0] == "self":
        # a method's object: the receiver of the call that entered it (``clf.fit(...)``)
        caller = ix.function_of(parent)
        func = ix.functions.get(fr.function_id)
        if caller is None or func is None:
            return None
        for call in ix.info(caller.file_id, fr.call_line).calls:
            if call.method == func.name and call.receiver:
                return source_of(ix, parent, call.receiver, _calling_moment(ix, fr), depth - 1)
        return None
    arg = argument_for(ix, fr, head)
    if arg:
        rest = name.split(".", 1)[1] if "." in name else ""
        return source_of(ix, parent, f"{arg}.{rest}" if rest else arg, _calling_moment(ix, fr), depth - 1)
    return None


def _enclosing_frame(ix: RunIndex, fr: Frame) -> Frame | None:
    """For a nested function's frame (``make_trainer.<locals>.update``), the last call of the function it was
    defined in that started before it: the call that made the closure."""
    func = ix.functions.get(fr.function_id)
    if func is None or ".<locals>." not in func.qualname:
        return None
    outer = func.qualname.rsplit(".<locals>.", 1)[0]
    found = None
    for fid, f in ix.functions.items():
        if f.qualname == outer and f.file_id == func.file_id:
            for candidate in ix.reader.frames_of(fid):
                if candidate.start_seq < fr.start_seq and (found is None or candidate.start_seq > found.start_seq):
                    found = candidate
    return found


def _calling_moment(ix: RunIndex, fr: Frame) -> int:
    """The step of the caller's statement that made the call into ``fr``: what that statement assigns
    (``h_pos, h_neg = layer.train(h_pos, h_neg)``) is not yet assigned while the call runs, so the arguments'
    sources are looked for before it, not at the call."""
    if fr.parent_id is None:
        return fr.start_seq
    event = ix.reader.prev_event(fr.start_seq, frame_id=fr.parent_id, kinds=(LINE,))
    return event.seq if event is not None else fr.start_seq


def argument_for(ix: RunIndex, fr: Frame, param: str) -> str | None:
    """The dotted text the recorded caller passed for ``param`` of frame ``fr`` (keyword or positional), if a
    plain name. The call that entered the frame is preferred when the line makes several
    (``Trainer(net, ...).fit(epochs)``: ``Trainer`` for ``__init__``)."""
    caller = ix.function_of(fr.parent_id) if fr.parent_id is not None else None
    params = list((fr.args or {}).keys())
    if caller is None or fr.call_line is None or param not in params:
        return None
    info = ix.info(caller.file_id, fr.call_line)
    pos = params.index(param)
    entered = ix.functions.get(fr.function_id)
    wanted = (
        {entered.name, entered.qualname.split(".")[-2] if entered.name == "__init__" and "." in entered.qualname else ""}
        if entered
        else set()
    )
    calls = [c for c in info.calls if c.callee.split(".")[-1] in wanted] or info.calls
    for call in calls:
        arg = next((text for key, text in call.keywords if key == param), None)
        pos_in_call = pos - 1 if params[0] == "self" else pos  # a method or a constructor: called without self
        if arg is None and 0 <= pos_in_call < len(call.args):
            arg = call.args[pos_in_call]
        if arg:
            return arg
    return None


def _global_source(ix: RunIndex, fr: Frame, head: str, before: int) -> tuple[int, int, int] | None:
    """Where a name a function reads but never assigned got its value: a module-level assignment of
    its file (``model = Net()`` at the top of a script whose ``train()`` calls ``model(x)``)."""
    func = ix.functions.get(fr.function_id)
    if func is None or func.kind == "module":
        return None
    module = ix.module_frame(func.file_id)
    if module is None or module.id == fr.id:
        return None
    found = ix.last_assignment(module.id, head, before)
    return (module.id, found[0], found[1]) if found is not None else None


def attribute_source(ix: RunIndex, attr: str, summary: str | None, owner: str | None = None) -> tuple[int, int, int] | None:
    """The first line that ran assigning ``<something>.attr`` to a value of the same type (on an object of
    type ``owner``, when given: the ``self`` of the method that assigned it)."""
    want = type_of(summary)
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        for target in info.targets:
            if target.endswith("." + attr):
                value = getattr(info.stmt, "value", None)
                if isinstance(value, ast.Constant) and value.value is None:
                    continue  # a placeholder (``self.env = None``), set for real later
                if owner is not None and target.startswith("self."):
                    fr = ix.frame(run.frame_id)
                    if fr is None or type_of((fr.args or {}).get("self")) != owner:
                        continue
                got = type_of(ix.value(run.frame_id, run.seq, target, after=True))
                alias = _alias_of(info.stmt, target) if got is None else None
                if alias is not None:  # ``self.model = model``: the object's summary may predate it; the name's does not
                    got = type_of(ix.value(run.frame_id, run.seq, alias))
                elif got is None and _receiver(value) and type_of(ix.value(run.frame_id, run.seq, _receiver(value))) == want:
                    got = want  # ``self.model = model.to(device)``: the same object, moved
                built = {c.callee.split(".")[-1] for c in info.calls}
                if got is None and want is not None:
                    # ``self.model = self._build_model().to(device)``: a recorded function the line called returned it
                    returned = {type_of(c.ret) for c in ix.called_from(run.frame_id, run.seq) if c.function_id in ix.functions}
                    got = want if want in returned else None
                if want is None or got == want or (got is None and want in built):
                    return run.frame_id, run.line, run.seq
    return None


def _receiver(value: ast.AST | None) -> str:
    """``model`` for ``model.to(device)`` (a method called on a name or a dotted name), else ""."""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        return dotted(value.func.value) if isinstance(value.func.value, (ast.Name, ast.Attribute)) else ""
    return ""


def _same_kind(summary: str | None, kind: str) -> bool:
    """``summary`` is of type ``kind``; ``"a module"`` stands for any torch module (a wrapped one, unseen)."""
    return torch_module(summary) if kind == "a module" else type_of(summary) == kind


def origin_of(
    ix: RunIndex, src: tuple[int, int, int], name: str, depth: int = 6, kind: str | None = None
) -> tuple[tuple[int, int, int], str]:
    """From the line that assigned ``name``, back to where the object was made: through aliases
    (``self.env = env``), rebindings that wrap the old value (``env = wrap(env)``) and, for an object of type
    ``kind``, a method of it that returns it (``self.model = model.to(device)``), into callers."""
    for _ in range(depth):
        fr = ix.frame(src[0])
        if fr is None:
            break
        info = ix.info(_file(ix, fr.function_id), src[1])
        stmt = info.stmt
        name = (
            next((t for t in info.targets if t == name), None)
            or next((t for t in info.targets if t.split(".")[-1] == name.split(".")[-1]), None)
            or (info.targets[0] if len(info.targets) == 1 else name)  # the argument's name in the caller
        )
        alias = _alias_of(stmt, name)
        value = getattr(stmt, "value", None) if isinstance(stmt, ast.Assign) else None
        if alias is not None:
            nxt = alias
        elif value is not None and any(isinstance(n, (ast.Name, ast.Attribute)) and dotted(n) == name for n in ast.walk(value)):
            nxt = name  # rebound from its own old value (``model = DDP(model)``, ``self.model = Wrapper(self.model)``)
            if kind is not None:
                kind = type_of(ix.value(src[0], src[2], name)) or "a module"  # what was wrapped (its type, if seen)
        elif kind is not None and _receiver(value) and _same_kind(ix.value(src[0], src[2], _receiver(value)), kind):
            nxt = _receiver(value)
        else:
            break
        found = source_of(ix, src[0], nxt, src[2])
        if found is None or found == src:
            break
        here = ix.frame(src[0])
        if here is not None and found[0] == here.parent_id and ix.last_assignment(src[0], nxt, src[2]) is None:
            nxt = argument_for(ix, here, nxt) or nxt  # handed in: its name in the caller
        src, name = found, nxt
    return src, name


def in_loop_scope(ix: RunIndex, ev: Evidence, loop: Evidence | None) -> bool:
    """Did ``ev``'s first run happen inside the main loop: in the loop's frame (or a frame it called)
    on a line of the loop's body, once the loop had started? (An evaluation called before the loop,
    from the same module-level code, is not inside it.)"""
    if loop is None:
        return True
    if ev.seq < loop.seq:
        return False
    body: Loop | None = loop.facts.get("loop")  # type: ignore[assignment]
    line = ev.line
    for fr in ix.ancestry(ev.frame_id):
        if fr.id == loop.frame_id:
            return body is None or body.head <= line <= body.end
        if fr.call_line is None:
            return False
        line = fr.call_line
    return False


# ----------------------------------------------------------------------------- detectors
def detect_update(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """``X.step(...)`` where X is an optimizer (by type, or by holding a learning rate and parameters)."""
    out = []
    for run in ix.runs:
        for call in ix.info(_file(ix, run.fid), run.line).calls:
            if call.method not in ("step", "apply_gradients") or not call.receiver:
                continue
            summary = _seen_value(ix, run, call.receiver)
            if not optimizer_like(summary):
                # the object as its own recorded method saw it
                inner = [
                    (c.args or {}).get("self") for c in ix.called_from(run.frame_id, run.seq) if c.function_id in ix.functions
                ]
                summary = next((s for s in inner if optimizer_like(s)), summary)
            if optimizer_like(summary):
                ev = _evidence(ix, "update", run, 1.0, f"`{call.callee}()` on {type_of(summary)} (an optimizer)")
                ev.facts["optimizer"] = type_of(summary)
                out.append(ev)
                continue
            # a wrapper steps the optimizer it is given (``scaler.step(optimizer)``)
            for arg in call.args:
                given = _seen_value(ix, run, arg)
                if optimizer_like(given):
                    ev = _evidence(ix, "update", run, 0.9, f"`{call.callee}({arg})` steps {type_of(given)} (an optimizer)")
                    ev.facts["optimizer"] = type_of(given)
                    out.append(ev)
                    break
    # several optimizers (a GAN's discriminator and generator, an actor and a critic): each stop names the others
    stepped = [ev for ev in out if ev.facts.get("optimizer")]
    for ev in stepped:
        ev.facts["other_updates"] = [o for o in stepped if (o.fid, o.line) != (ev.fid, ev.line)]
    if not out:
        out += _functional_updates(ix)
    if not out:
        out += _estimator_fits(ix)
    if not out:
        out += _manual_updates(ix)
    if not out:
        out += _replacing_updates(ix)
    if not out:
        out += _table_updates(ix)
    return out


FIT_METHODS = {"fit", "partial_fit"}
_TABULAR = re.compile(r"^(?:\w*matrix|\w*Matrix|DataFrame|Series|DMatrix|Dataset)$")


def data_like(summary: str | None) -> bool:
    """An array, a sparse matrix or a data frame: what an estimator is fitted on."""
    return is_array(summary) or bool(_TABULAR.match(type_of(summary) or ""))


def _estimator_fits(ix: RunIndex) -> list[Evidence]:
    """``clf.fit(X, y)`` on an object of a library class (scikit-learn, XGBoost, Keras): the whole training loop
    runs inside the library, on the arrays handed to it. Not a repo class's own ``fit``, and not a trainer
    handed modules (``trainer.fit(model, datamodule)``): the data must be arrays."""
    repo_classes = _repo_classes(ix)
    out = []
    for run in ix.runs:
        for call in ix.info(_file(ix, run.fid), run.line).calls:
            if call.method not in FIT_METHODS or not call.receiver or not call.args:
                continue
            summary = _seen_value(ix, run, call.receiver)
            kind = type_of(summary)
            if not kind or kind in repo_classes or kind in ("module", "type") or not fields_of(summary):
                continue
            given = [a for a in call.args if a and data_like(_seen_value(ix, run, a))]
            if not given:
                continue
            ev = _evidence(
                ix,
                "update",
                run,
                0.8,
                f"`{call.callee}({', '.join(call.args)})` trains `{call.receiver}`, a {kind}, on the arrays given",
            )
            ev.facts["fit"] = call.receiver
            ev.facts["inputs"] = given
            ev.facts["idea"] = "The model is fitted to the data: the library's whole training runs inside this call."
            out.append(ev)
    return out[:1]


def _table_updates(ix: RunIndex) -> list[Evidence]:
    """Tabular learning, no gradients: an entry of a table the object keeps (a dict or an array) moved by a
    step size times an error, ``self.V[s] += self.step_size * td_error``. The error is the loss."""
    out = []
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        stmt = info.stmt
        if not (
            isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, (ast.Add, ast.Sub)) and isinstance(stmt.target, ast.Subscript)
        ):
            continue
        table = dotted(stmt.target.value)
        step = stmt.value
        if not table or not (isinstance(step, ast.BinOp) and isinstance(step.op, ast.Mult)):
            continue
        kind = type_of(ix.value(run.frame_id, run.seq, table))
        if kind not in ("dict", "ndarray", "list") and not is_array(ix.value(run.frame_id, run.seq, table)):
            continue
        sides = [dotted(step.left), dotted(step.right)]
        # the error is computed in this frame, just before; the step size is a number set elsewhere, once
        errors = [n for n in sides if n and ix.last_assignment(run.frame_id, n, run.seq) is not None]
        errors = [n for n in errors if type_of(ix.value(run.frame_id, run.seq, n)) in ("float", "int")]  # 0.0 shows as 0
        rates = [n for n in sides if n and n not in errors and type_of(ix.value(run.frame_id, run.seq, n)) == "float"]
        if len(rates) == 1 and len(errors) == 1 and "." in rates[0] + table:  # the table or its rate lives on an object
            ev = _evidence(
                ix,
                "update",
                run,
                0.6,
                f"moves an entry of `{table}` by `{rates[0]}` times `{errors[0]}` (a tabular update, no gradients)",
            )
            ev.facts["error"] = errors[0]
            ev.facts["table"] = table
            out.append(ev)
    return out


def _replacing_updates(ix: RunIndex) -> list[Evidence]:
    """Plain numpy, no ``step()``: a parameter array replaced by what an optimizer-like object computes from it
    and its gradient (``self.W = self.W_opt.update(self.W, grad_w)``), or moved against an array by a scalar
    factor (``W -= lr * dW``, ``W = W - lr * dW``). The gradient is the other array read."""
    out = []
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        stmt = info.stmt
        if len(info.targets) != 1:
            continue
        target = info.targets[0]
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            call = next((c for c in info.calls if target in c.args and c.receiver), None)
            if call is None or call.receiver is None:
                continue
            holder = _seen_value(ix, run, call.receiver)
            entered = next(
                (
                    c
                    for c in ix.called_from(run.frame_id, run.seq)
                    if ix.functions.get(c.function_id) is not None
                    and ix.functions[c.function_id].name == call.method
                    and "self" in (c.args or {})
                ),
                None,
            )
            seen = list((entered.args or {}).values())[1:] if entered is not None else []  # as the method received them
            if not optimizer_like(holder) and entered is not None:
                holder = (entered.args or {}).get("self")
            if not optimizer_like(holder):
                continue
            given = {
                a: ix.value(run.frame_id, run.seq, a) or (seen[i] if i < len(seen) else None) for i, a in enumerate(call.args)
            }
            if not is_array(given.get(target)):
                continue
            grads = [a for a in call.args if a and a != target and is_array(given.get(a))]
            if grads:
                ev = _evidence(
                    ix, "update", run, 0.85, f"replaces `{target}` with what {type_of(holder)} computes from it and `{grads[0]}`"
                )
                ev.facts["grads"] = grads
                out.append(ev)
            continue
        held = ix.value(run.frame_id, run.seq, target) or _seen_value(ix, run, target)
        entry = isinstance(getattr(stmt, "target", None), ast.Subscript)  # ``self.params["w"] -= lr * grad``
        if not (is_array(held) or (entry and any(is_array(v) for v in dict_items(held).values()))):
            continue
        value = stmt.value if isinstance(stmt, (ast.Assign, ast.AugAssign)) else None
        if isinstance(stmt, ast.Assign) and isinstance(value, ast.BinOp) and dotted(value.left) == target:
            step: ast.AST | None = value.right if isinstance(value.op, ast.Sub) else None  # W = W - lr * dW
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, ast.Sub):
            step = value  # W -= lr * dW
        else:
            step = None
        if not (isinstance(step, ast.BinOp) and isinstance(step.op, (ast.Mult, ast.Div))):
            continue
        sides = [step.left, step.right]
        arrays = [dotted(n) for n in sides if dotted(n) and is_array(ix.value(run.frame_id, run.seq, dotted(n)))]
        factors = [
            n
            for n in sides
            if isinstance(n, ast.Constant) or (dotted(n) and is_scalar(ix.value(run.frame_id, run.seq, dotted(n))))
        ]
        if len(arrays) == 1 and len(factors) == 1 and arrays[0] != target:
            ev = _evidence(ix, "update", run, 0.7, f"moves `{target}` against `{arrays[0]}`, scaled by a step size")
            ev.facts["grads"] = arrays
            out.append(ev.tie(ix, arrays[0]))
    for ev in out:  # every parameter this kind of update moves, in the same function
        ev.facts["params"] = [ix.info(_file(ix, e.fid), e.line).targets[0] for e in out if e.fid == ev.fid]
    return out


def _seen_value(ix: RunIndex, run: LineRun, expr: str) -> str | None:
    """``expr``'s value where ``run`` ran; for an attribute the recorded object summary does not show,
    what the repo function whose result was assigned to it returned."""
    if not expr:
        return None
    value = ix.value(run.frame_id, run.seq, expr)
    if value in (None, "None") and "." in expr:  # not shown yet, or shown as its initial None
        value = _returned_into(ix, expr) or _passed_as(ix, run, expr) or _constructed_into(ix, expr) or value
    return value


def _self_of(ix: RunIndex, frame_id: int) -> str | None:
    """The summary of the object a method's frame runs on, if it is a method's."""
    fr = ix.frame(frame_id)
    return (fr.args or {}).get("self") if fr is not None else None


def _constructed_into(ix: RunIndex, target: str) -> str | None:
    """``<Adam>`` for ``self.critic_optim = Adam(...)``: the type of an attribute set from a class's constructor
    on a line that ran, named by the class or held in a variable the line calls (``self.optimizer_fn(...)``), where
    no recorded summary shows the attribute (an object with many settings is summarized by its first fields) and no
    repo function made it. Only the type is known, and for a class of ``torch.nn`` named on the line that it is a
    torch module (``<Sequential (torch module)>``)."""
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        stmt = info.stmt
        if info.targets != [target] or not isinstance(stmt, ast.Assign) or not isinstance(stmt.value, ast.Call):
            continue
        path = _canonical(ix, run, dotted(stmt.value.func))
        name = path.rsplit(".", 1)[-1]
        if not name[:1].isupper():
            # a class held in a variable (``self._optimizer = self.optimizer_fn(...)``, ``optimizer_fn=torch.optim.Adam``)
            held = re.match(r"^<class ([\w.]+)>$", ix.value(run.frame_id, run.seq, dotted(stmt.value.func)) or "")
            return f"<{held.group(1).rsplit('.', 1)[-1]}>" if held else None
        return f"<{name} (torch module)>" if path.startswith("torch.nn.") and "functional" not in path else f"<{name}>"
    return None


def _passed_as(ix: RunIndex, at: LineRun, expr: str) -> str | None:
    """What a recorded repo function's frame saw for the parameter that the same expression (``self.policy.optimizer``)
    was passed as, from a method of the same class as ``at``'s: how an attribute the truncated object summaries do not
    show is seen where the code hands it on."""
    owner = ix.functions[at.fid].qualname.rsplit(".", 1)[0]
    for run in ix.runs:
        if run.fid != at.fid and ix.functions[run.fid].qualname.rsplit(".", 1)[0] != owner:
            continue
        calls = [
            c for c in ix.info(_file(ix, run.fid), run.line).calls if expr in c.args or any(v == expr for _, v in c.keywords)
        ]
        if not calls:
            continue
        for child in ix.called_from(run.frame_id, run.seq):
            params = list((child.args or {}).items())
            if child.function_id not in ix.functions or not params:
                continue
            for call in calls:
                if call.method and call.callee.split(".")[-1] != ix.functions[child.function_id].name:
                    continue
                for key, text in call.keywords:
                    if text == expr and (child.args or {}).get(key):
                        return (child.args or {})[key]
                if expr in call.args:
                    pos = call.args.index(expr) + (1 if params[0][0] == "self" else 0)
                    if pos < len(params):
                        return params[pos][1]
    return None


def _returned_into(ix: RunIndex, target: str) -> str | None:
    """What a recorded repo function returned on the first line that assigned ``target`` (an attribute
    such as ``self.optimizer``, whose value an object summary recorded earlier may not show yet)."""
    for run in ix.runs:
        targets = ix.info(_file(ix, run.fid), run.line).targets
        if target in targets:
            for child in ix.called_from(run.frame_id, run.seq):
                if child.function_id in ix.functions and child.ret:
                    if len(targets) == 1:
                        return child.ret
                    items = _tuple_items(child.ret)  # ``a, self.loss = model(x, y)``
                    i = targets.index(target)
                    return items[i] if len(items) == len(targets) else None
    return None


def _tuple_items(summary: str) -> list[str]:
    """The items of a tuple summary (``tuple[2] (Tensor float32[4, 2], Tensor float32[] = 1.2)``)."""
    m = re.match(r"^tuple\[\d+\] \((.*)\)$", summary, re.S)
    if not m:
        return []
    return split_top(m.group(1))


_GRAD_ATTR = re.compile(r"\.grad\b")


def _manual_updates(ix: RunIndex) -> list[Evidence]:
    """A hand-written step: a tensor changed in place (``p -= lr * p.grad``, ``p.data.add_(p.grad, alpha=-lr)``)
    by an amount read from a ``.grad`` attribute."""
    out = []
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        stmt = info.stmt
        target = None
        if isinstance(stmt, ast.AugAssign) and isinstance(stmt.op, (ast.Sub, ast.Add)):
            if _GRAD_ATTR.search(ast.unparse(stmt.value)):
                target = dotted(stmt.target)
        else:
            for call in info.calls:
                if call.method in ("add_", "sub_") and call.receiver and _GRAD_ATTR.search(info.text):
                    target = call.receiver
        if not target:
            continue
        value = ix.value(run.frame_id, run.seq, target.split(".")[0])
        if is_array(value):
            ev = _evidence(ix, "update", run, 0.8, f"changes `{target}` in place by its gradient (a hand-written update step)")
            out.append(ev)
    return out


def detect_schedule(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """A scheduler's ``.step()``, or a learning rate written into the optimizer's parameter groups."""
    out = []
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        for call in info.calls:
            if call.method == "step" and call.receiver:
                summary = _seen_value(ix, run, call.receiver)
                if scheduler_like(summary) or _library_object_holding_an_optimizer(ix, summary):
                    out.append(_evidence(ix, "lr schedule", run, 1.0, f"`{call.callee}()` on {type_of(summary)} (a scheduler)"))
        for container, key in info.subscript_keys:
            over_groups = any(
                container in lp.targets and lp.iter_text.endswith("param_groups") for lp in ix.loops_around(run.fid, run.line)
            )
            if key == "lr" and ("param_group" in container or container.endswith("param_groups") or over_groups):
                out.append(_evidence(ix, "lr schedule", run, 1.0, "sets the learning rate of the optimizer's parameter groups"))
    return out or _rate_rebound(ix, decided.get("update"))


def _library_object_holding_an_optimizer(ix: RunIndex, summary: str | None) -> bool:
    """A library object that holds an optimizer and is stepped (``ReduceLROnPlateau``, ``CosineAnnealingWarmRestarts``
    summarized before its torch fields): a scheduler. Not a repo class (a trainer's own ``step``) and not a wrapper
    named as an optimizer (``AcceleratedOptimizer.step`` is the update)."""
    kind = type_of(summary) or ""
    fields = fields_of(summary)
    return "optimizer" in fields and "optim" not in kind.lower() and kind not in _repo_classes(ix) and not optimizer_like(summary)


def _repo_classes(ix: RunIndex) -> set[str]:
    """The names of the classes whose methods the run recorded in the repo."""
    return {f.qualname.split(".")[0] for f in ix.functions.values() if "." in f.qualname}


def _rate_rebound(ix: RunIndex, update: Evidence | None) -> list[Evidence]:
    """A hand-written update's step size changed as the run went (``lr /= 4.0`` on a plateau, ``lr =
    decay(step)`` in the loop): the learning-rate schedule of a run with no optimizer object. The rate is a
    number the update line reads; the change is an assignment of the same variable after updates began, or
    in the loop that updates (in the update's function, or at module level when it reads a global)."""
    if update is None:
        return []
    func = ix.functions[update.fid]
    info = ix.info(func.file_id, update.line)
    moved_by = {str(n) for n in [update.facts.get("error"), *(update.facts.get("grads") or [])] if n}  # type: ignore[misc]
    # a number that picks the entry moved (``self.V[state] += ...``: ``state``) is a key, not a step size
    keys = {
        n.id
        for target in ([info.stmt.target] if isinstance(info.stmt, ast.AugAssign) else [])
        if isinstance(target, ast.Subscript)
        for n in ast.walk(target.slice)
        if isinstance(n, ast.Name)
    }
    rates = [
        n for n in sorted(info.reads - moved_by - keys) if type_of(ix.value(update.frame_id, update.seq, n)) in ("float", "int")
    ]
    if not rates:
        return []
    scopes = {update.fid}
    if func.kind != "module":
        module = ix.module_frame(func.file_id)
        if module is not None:
            scopes.add(module.function_id)
    update_loops = {lp.head for lp in ix.loops_around(update.fid, update.line)}
    out = []
    for run in ix.runs:
        if run.fid not in scopes:
            continue
        stmt = ix.info(func.file_id, run.line).stmt
        computed = isinstance(stmt, ast.AugAssign) or (
            isinstance(stmt, ast.Assign) and not isinstance(stmt.value, (ast.Name, ast.Attribute, ast.Constant))
        )
        each_step = run.fid == update.fid and any(lp.head in update_loops for lp in ix.loops_around(run.fid, run.line))
        if not computed or (run.seq <= update.seq and not each_step):
            continue
        targets = ix.info(func.file_id, run.line).targets
        for name in rates:
            if name in targets and (run.fid == update.fid or not ix.last_assignment(update.frame_id, name, update.seq)):
                out.append(
                    _evidence(ix, "lr schedule", run, 0.9, f"changes `{name}`, the step size the update uses, as the run goes")
                )
    return out[:1]


@dataclass
class GradSite:
    """A function transform that differentiates (``grad(loss)(params, batch)``, ``jax.value_and_grad(f)``):
    where it ran, the repo function it differentiates, and the names its gradients were bound to."""

    run: LineRun
    node: ast.Call  # the transform's call: ``grad(loss)``
    applied: ast.Call | None  # the call of what it returned, on the same line: ``grad(loss)(params, batch)``
    function: str | None  # the differentiated repo function (``loss``), if the first argument names one
    targets: list[str]  # names the line binds (``grads``, or ``loss_value, grads``)


def _grad_sites(ix: RunIndex) -> list[GradSite]:
    out = []
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        if info.stmt is None or not any(_canonical(ix, run, c.callee) in GRAD_CALLS for c in info.calls):
            continue
        calls = [n for n in ast.walk(info.stmt) if isinstance(n, ast.Call)]
        for node in calls:
            if not isinstance(node.func, (ast.Name, ast.Attribute)) or _canonical(ix, run, dotted(node.func)) not in GRAD_CALLS:
                continue
            applied = next((c for c in calls if c.func is node), None)
            first = dotted(node.args[0]) if node.args else ""
            named = first and any(f.name == first.split(".")[-1] for f in ix.functions.values() if f.kind != "module")
            out.append(GradSite(run, node, applied, first if named else None, list(info.targets)))
    return out


def _functional_updates(ix: RunIndex) -> list[Evidence]:
    """No optimizer object: a differentiating transform's gradients handed to the call that applies them, on the
    same line (``opt_update(i, grad(loss)(params, batch), opt_state)``) or on a later line of the same function
    (``updates, opt_state = tx.update(grads, opt_state)``, ``state.apply_gradients(grads=grads)``)."""
    out = []
    for site in _grad_sites(ix):
        made = site.applied or site.node
        stmt = ix.info(_file(ix, site.run.fid), site.run.line).stmt
        calls = [c for c in ast.walk(stmt) if isinstance(c, ast.Call) and c is not made] if stmt is not None else []
        outer = next((c for c in calls if any(a is made for a in [*c.args, *(k.value for k in c.keywords)])), None)
        if outer is not None:
            out.append(
                _evidence(
                    ix,
                    "update",
                    site.run,
                    0.8,
                    f"`{dotted(outer.func) or 'a call'}(...)` applies the gradients `{ast.unparse(made)}` computes",
                )
            )
            continue
        grads = [t for t in site.targets if "grad" in t.lower()] or site.targets[-1:]
        later = sorted((r for r in ix.runs if r.fid == site.run.fid and r.line > site.run.line), key=lambda r: r.line)
        for r in later:
            info = ix.info(_file(ix, r.fid), r.line)
            if any(call.callee in grads for call in info.calls) and info.targets:
                # the line binds the transform (``grad_fn = jax.value_and_grad(loss_fn)``) and this one calls it
                # (``(loss, logits), grads = grad_fn(params)``): what it binds are the gradients
                named = [n for n in info.targets if n != "_"]
                grads = [n for n in named if "grad" in n.lower()] or named[-1:]
                continue
            for call in info.calls:
                given = [*call.args, *(v for _, v in call.keywords)]
                name = next((g for g in grads if g in given), None)
                if name is not None:
                    how = "" if call.callee in BUILTIN_ITERATORS else f"`{call.callee}(...)` "
                    out.append(_evidence(ix, "update", r, 0.8, f"{how}applies the gradients `{name}`"))
                    break
            else:
                continue
            break
    return out[:1]


def detect_backward(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """``t.backward()`` on a tensor; autograd calls; or (plain numpy) what made the gradients the update consumed."""
    out = []
    sites: dict[tuple[int, int], GradSite] | None = None  # the differentiating transforms, found once if any ran
    for run in ix.runs:
        calls = ix.info(_file(ix, run.fid), run.line).calls
        for call in calls:
            if call.method == "backward" and call.receiver:
                receiver, shown = call.receiver, call.callee
                summary = _seen_value(ix, run, receiver)
                if not is_array(summary):
                    # called on what a call returned (``scaler.scale(loss).backward()``): the tensor passed in
                    inner = next((c for c in calls if c is not call and c.callee == receiver), None)
                    for arg in inner.args if inner is not None else ():
                        given = _seen_value(ix, run, arg)
                        if is_array(given):
                            receiver, summary = arg, given
                            break
                    if inner is not None and not is_array(summary) and inner.args and not inner.args[0]:
                        # ``scaler.scale(loss + sync_loss).backward()``: an expression, whose value is not recorded;
                        # the tensor it reads that autograd tracks is the loss
                        for name in sorted(inner.names):
                            given = _seen_value(ix, run, name)
                            if is_array(given) and "requires_grad" in (given or ""):
                                receiver, summary = name, given
                                break
                    if inner is not None and not inner.args and inner.method in REDUCTIONS and inner.receiver:
                        # ``loss.mean().backward()``: a per-sample loss reduced on the line; the loss is the tensor
                        given = _seen_value(ix, run, inner.receiver)
                        if is_array(given):
                            receiver, summary = inner.receiver, given
                            shown = f"{receiver}.{inner.method}().backward"
                if is_array(summary):
                    ev = _evidence(ix, "backward", run, 1.0, f"`{shown}()` on a {type_of(summary)}")
                    ev.facts["receiver"] = receiver
                    out.append(ev)
            elif _canonical(ix, run, call.callee) in GRAD_CALLS:
                ev = _evidence(ix, "backward", run, 0.9, f"`{call.callee}` computes gradients")
                if sites is None:
                    sites = {}
                    for g in _grad_sites(ix):
                        sites.setdefault((g.run.fid, g.run.line), g)  # a line's first transform, as read left to right
                site = sites.get((run.fid, run.line))
                if site is not None and site.function is not None:
                    ev.reasons = [f"`{call.callee}({site.function})` computes the gradients of `{site.function}`"]
                    ev.facts["differentiates"] = site.function
                out.append(ev)
                break  # ``grad(loss)(params, batch)`` is one gradient, though its text shows ``grad`` twice
    update = decided.get("update")
    if update is not None and not out and update.facts.get("grads"):
        out += _gradient_origin(ix, update)
    if update is not None and not out and not update.facts.get("fit"):
        info = ix.info(_file(ix, update.fid), update.line)
        for call in info.calls:
            for arg in call.args:
                src = source_of(ix, update.frame_id, arg, update.seq, depth=0) if arg else None
                if src is None:
                    continue
                frame_id, line, seq = src
                run = run_in_frame(ix, frame_id, line, seq)
                made = ix.info(_file(ix, run.fid), line)
                if made.calls:
                    ev = _evidence(ix, "backward", run, 0.6, f"makes `{arg}`, which the update consumes")
                    for c in made.calls:
                        for child in ix.called_from(frame_id, seq):
                            owner = type_of((child.args or {}).get("self"))
                            if c.method and owner:
                                ev.facts["owner"] = owner
                    ev.tie(ix, " ".join(c.callee for c in made.calls) + " " + arg)
                    ev.facts["inputs"] = sorted(set().union(*(c.names for c in made.calls)))
                    out.append(ev)
    return out


def _gradient_origin(ix: RunIndex, update: Evidence) -> list[Evidence]:
    """Hand-written backprop: from the gradient array the update consumes, back through the arrays it was made
    from and up through the callers that handed them down (``accum_grad`` <- ``loss_grad``), to the line where
    the chain starts: the gradient of the loss."""
    name = str(update.facts["grads"][0])  # type: ignore[index]
    src = source_of(ix, update.frame_id, name, update.seq, depth=0)
    if src is None:
        return []
    for _ in range(6):
        frame_id, line, seq = src
        func = ix.function_of(frame_id)
        if func is None:
            break
        made = ix.info(func.file_id, line)
        fr = ix.frame(frame_id)
        params = set((fr.args or {}) if fr is not None else {}) - {"self"}
        inputs = {n for c in made.calls for n in c.names} or set(made.reads)
        inputs = {n for n in inputs if is_array(ix.value(frame_id, seq, n))}
        handed = sorted(inputs & params)
        if not handed or inputs - params:
            break  # made here from this frame's own arrays (the predictions): the chain starts here
        up = source_of(ix, frame_id, handed[0], seq, depth=3)
        if up is None or up[0] == frame_id:
            break
        up, _ = origin_of(ix, up, handed[0])
        if up == src:
            break
        src = up
    if src[0] == update.frame_id:
        src = _after_the_loss(ix, src)
    run = run_in_frame(ix, *src[:2], src[2])
    made = ix.info(_file(ix, run.fid), run.line)
    ev = _evidence(ix, "backward", run, 0.6, f"starts the gradients the update consumes (`{name}` is made from them)")
    ev.facts["inputs"] = sorted(set().union(*(c.names for c in made.calls))) if made.calls else sorted(made.reads)
    owner = type_of((getattr(ix.frame(run.frame_id), "args", None) or {}).get("self"))
    if owner:
        ev.facts["owner"] = owner  # the object whose method starts backprop: the model, in plain numpy
    return [ev.tie(ix, " ".join(made.targets))]


def _iteration_lines(ix: RunIndex, frame_id: int, line: int, seq: int) -> list[tuple[int, int]]:
    """(line, seq) of the line events of ``frame_id`` in the loop iteration that ran ``line`` at ``seq``, up to
    it; in a function with no loop around ``line``, from the start of the call."""
    func = ix.function_of(frame_id)
    if func is None:
        return []
    loops = ix.loops_around(func.id, line)
    if not loops and func.kind == "module":
        return []
    heads = [s for s in ix.runs_in_frame(frame_id, loops[-1].head) if s < seq] if loops else []
    start = heads[-1] if heads else 0  # no loop in a function: one call is one step
    return [(ev.line, ev.seq) for ev in ix.reader.events(start + 1, seq + 1, frame_id=frame_id) if ev.kind == LINE]


def _after_the_loss(ix: RunIndex, src: tuple[int, int, int]) -> tuple[int, int, int]:
    """A gradient made in the loop's own frame: the first line after the iteration's scalar (the loss) that the
    gradient depends on, through arrays made in this iteration (``dz = (p - y) / n`` before ``dW2 = h.T @ dz``)."""
    frame_id, line, seq = src
    func = ix.function_of(frame_id)
    if func is None:
        return src
    lines = _iteration_lines(ix, frame_id, line, seq)
    scalars = [
        s for ln, s in lines if any(is_scalar(ix.value(frame_id, s, t, after=True)) for t in ix.info(func.file_id, ln).targets)
    ]
    if not scalars:
        return src
    made_at = {t: (ln, s) for ln, s in lines for t in ix.info(func.file_id, ln).targets}  # the last assignment wins
    chain, todo = {(line, seq)}, [(line, seq)]
    while todo:
        ln, s = todo.pop()
        for name in ix.info(func.file_id, ln).reads:
            dep = made_at.get(name)
            if dep is not None and dep[1] < s and dep not in chain and is_array(ix.value(frame_id, dep[1], name, after=True)):
                chain.add(dep)
                todo.append(dep)
    after = sorted((s, ln) for ln, s in chain if s > scalars[0])
    return (frame_id, after[0][1], after[0][0]) if after else src


def detect_loss(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """The scalar the backward pass starts from, followed to the line that computed it."""
    backward = decided.get("backward")
    out: list[Evidence] = []
    differentiated = backward.facts.get("differentiates") if backward is not None else None
    if backward is not None and isinstance(differentiated, str):
        # ``grad(loss)(params, batch)``: the loss is what the differentiated function returns
        name = differentiated.split(".")[-1]
        child = _called_by_name(ix, backward.frame_id, backward.seq, name)
        if child is None:
            child = next((fr for f in ix.functions.values() if f.name == name for fr in ix.reader.frames_of(f.id)[:1]), None)
        ret = _return_line(ix, child) if child is not None else None
        if child is not None and ret is not None:
            run = run_in_frame(ix, child.id, ret.line, ret.seq)
            ev = _evidence(ix, "loss", run, 0.9, f"returns the value `{differentiated}` is differentiated for")
            params = [k for k in (child.args or {}) if k not in ("self", "cls")]
            if params:
                ev.facts["wrt"] = params[0]  # the transforms differentiate with respect to the first argument by default
            out.append(ev)
            return out
    if backward is not None:
        names: list[str] = []
        if "receiver" in backward.facts:
            names = [str(backward.facts["receiver"])]
        else:
            names = [str(n) for n in backward.facts.get("inputs", [])]  # type: ignore[attr-defined]
        strong = "receiver" in backward.facts
        for name in names:
            src = source_of(ix, backward.frame_id, name, backward.seq, depth=0)
            if src is None:
                continue
            for _ in range(3):
                # ``loss = loss / accumulation_steps``: a rescaling of a loss computed earlier
                info = ix.info(_file(ix, ix.frame(src[0]).function_id), src[1])  # type: ignore[union-attr]
                value_node = getattr(info.stmt, "value", None)
                reads = (
                    {dotted(n) for n in ast.walk(value_node) if isinstance(n, (ast.Name, ast.Attribute))} if value_node else set()
                )
                if isinstance(value_node, ast.Name) and value_node.id != name and isinstance(info.stmt, ast.Assign):
                    # ``loss = losses``: a copy of a loss computed earlier under another name
                    copied = ix.last_assignment(src[0], value_node.id, src[2])
                    if copied is None:
                        break
                    name, src = value_node.id, (src[0], copied[0], copied[1])
                    continue
                if name not in reads or info.calls:
                    break
                earlier = ix.last_assignment(src[0], name, src[2])
                if earlier is None:
                    break
                src = (src[0], earlier[0], earlier[1])
            ev, scalar = _follow_scalar(ix, *src, name=name, score=1.0 if strong else 0.7)
            if scalar or strong:
                out.append(ev)
    if not out and backward is not None and "receiver" not in backward.facts:
        out += _scalar_beside(ix, backward)
    if not out:
        out += _returned_scalars(ix, decided)
    update = decided.get("update")
    if not out and update is not None and update.facts.get("error"):
        src = source_of(ix, update.frame_id, str(update.facts["error"]), update.seq, depth=0)
        if src is not None:
            run = run_in_frame(ix, *src[:2], src[2])
            out.append(
                _evidence(ix, "loss", run, 0.6, f"computes `{update.facts['error']}`, the error the update moves the table by")
            )
    return out


def _scalar_beside(ix: RunIndex, backward: Evidence) -> list[Evidence]:
    """Plain numpy: a scalar the frame computed, before the backward call, from what the backward reads."""
    inputs = {str(n) for n in backward.facts.get("inputs", [])}  # type: ignore[attr-defined]
    func = ix.functions[backward.fid]
    found = []
    for ev in ix.reader.events(0, backward.seq, frame_id=backward.frame_id):
        if ev.kind != LINE:
            continue
        info = ix.info(func.file_id, ev.line)
        if info.reads & inputs and info.targets:
            for target in info.targets:
                if is_scalar(ix.value(backward.frame_id, ev.seq, target, after=True)):
                    run = run_in_frame(ix, backward.frame_id, ev.line, ev.seq)
                    cand = _evidence(ix, "loss", run, 0.6, f"computes `{target}`, a scalar from what the backward pass reads")
                    found.append(cand.tie(ix, target))
    if not found:
        # nothing shares the backward pass's inputs: a scalar a call computed earlier in the same iteration
        for line, seq in _iteration_lines(ix, backward.frame_id, backward.line, backward.seq)[:-1]:
            info = ix.info(func.file_id, line)
            for target in info.targets if info.calls else []:
                if is_scalar(ix.value(backward.frame_id, seq, target, after=True)):
                    run = run_in_frame(ix, backward.frame_id, line, seq)
                    cand = _evidence(
                        ix, "loss", run, 0.5, f"computes `{target}`, the scalar of this iteration before its gradients"
                    )
                    found.append(cand.tie(ix, target))
    if not found:
        return []
    return [max(found, key=lambda e: (e.score, e.seq))]  # names break ties (``loss`` over ``acc``); else the latest


def _follow_scalar(ix: RunIndex, frame_id: int, line: int, seq: int, name: str, score: float) -> tuple[Evidence, bool]:
    """From the line that assigned ``name``, into the recorded function it called, to the scalar's own line.
    Also says whether a scalar was found (numpy code: the loss is the scalar among the inputs)."""
    run = run_in_frame(ix, frame_id, line, seq)
    ev = _evidence(ix, "loss", run, score, f"computes `{name}`, the value the gradients start from")
    scalar = is_scalar(ix.value(frame_id, seq, name, after=True))
    for _ in range(4):
        children = [c for c in ix.called_from(ev.frame_id, ev.seq) if c.function_id in ix.functions]
        inner = _scalar_line_in(ix, children)
        if inner is None:
            break
        scalar = True
        ev = Evidence(
            "loss",
            inner[0].function_id,
            inner[1],
            inner[2],
            inner[0].id,
            score,
            [f"computes `{inner[3]}`, the scalar returned to the backward pass"],
        )
    ev.tie(ix, name)
    return ev, scalar


def _scalar_line_in(ix: RunIndex, frames: list[Frame]) -> tuple[Frame, int, int, str] | None:
    """In a called frame, the line that assigned the scalar it returned."""
    for fr in frames:
        func = ix.functions[fr.function_id]
        ret_line = ix.line_of_frame_at(fr.id, fr.end_seq or fr.start_seq)
        if ret_line is None:
            continue
        info = ix.info(func.file_id, ret_line)
        value_node = getattr(info.stmt, "value", None)
        if isinstance(value_node, ast.BinOp) and len(info.returns) >= 2:
            # ``return BCE + KLD``: a loss of several terms is the line that combines them
            terms = [
                n
                for n in info.returns
                if (made := ix.last_assignment(fr.id, n, fr.end_seq or (1 << 62))) is not None
                and _scalar_loss(ix.value(fr.id, made[1], n, after=True))
            ]
            ret = _return_line(ix, fr)
            if len(terms) >= 2 and ret is not None and ret.line == ret_line:
                return fr, ret_line, ret.seq, ast.unparse(value_node)
        for name in info.returns:
            found = ix.last_assignment(fr.id, name, fr.end_seq or (1 << 62))
            if found is None:
                continue
            if _scalar_loss(ix.value(fr.id, found[1], name, after=True)):
                return fr, found[0], found[1], name
    return None


def _scalar_loss(value: str | None) -> bool:
    return is_scalar(value) or bool(value and value.startswith("Tensor ") and "requires_grad" in value and "[]" in value)


def _returned_scalars(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """No backward pass in repo code (a framework runs it): a repo function called repeatedly that
    returns a scalar tensor that requires grad, and the line that computed it."""
    out = []
    for fid, func in ix.functions.items():
        if func.kind != "function" or func.calls < 2:
            continue
        for fr in ix.reader.frames_of(fid)[:1]:
            if fr.ret and fr.ret.startswith("Tensor ") and "requires_grad" in fr.ret and re.search(r"\[\]", fr.ret):
                found = _scalar_line_in(ix, [fr])
                if found is not None:
                    run = run_in_frame(ix, fr.id, found[1], found[2])
                    ev = _evidence(
                        ix, "loss", run, 0.6, f"`{func.qualname}` returns a scalar that requires grad, for the caller to minimise"
                    )
                    out.append(ev.tie(ix, func.qualname + " " + found[3]))
    return out


def detect_forward(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """The call of a parameter-holding object whose outputs the loss is computed from."""
    loss = decided.get("loss")
    if loss is None:
        return []
    out = []
    # Walk up from the loss line: at each level, the lines that made the loss's inputs.
    frame_id, line, seq = _where_computed(ix, loss.frame_id, loss.line, loss.seq)
    for _ in range(4):
        func = ix.function_of(frame_id)
        if func is None:
            break
        candidates = _input_lines(ix, frame_id, line, seq)
        out += _module_calls(ix, frame_id, candidates, decided)
        if not out:
            # ``loss = sum(-log_prob * R for log_prob, R in zip(policy.saved_log_probs, returns))``: the outputs
            # were kept in a container another function filled while acting; look where it was filled.
            # ``pred, true = self._process_one_batch(...)``: they were made in a helper; look where it returned them
            elsewhere = _filled_elsewhere(ix, frame_id, candidates, loss.seq) + _returned_by_helpers(ix, frame_id, candidates)
            for kept_frame, kept_line, kept_seq in elsewhere:
                out += _module_calls(ix, kept_frame, _input_lines(ix, kept_frame, kept_line, kept_seq), decided)
                if out:
                    break
        if out:
            _prefer_the_trained(ix, out, decided.get("update"))
            break
        kept = _loss_kept_on_module(ix, frame_id, line, seq)
        if kept is not None:
            out.append(kept)
            break
        update = decided.get("update")
        if update is not None and update.frame_id == frame_id and update.facts.get("params"):
            # plain arrays, no model object: the first line of the iteration that reads the parameters the update moves
            params = {str(p) for p in update.facts["params"]}  # type: ignore[attr-defined]
            for cand_line, cand_seq in _iteration_lines(ix, frame_id, line, seq):
                reads = _dotted_reads(ix.info(func.file_id, cand_line)) & params
                if reads:
                    run = run_in_frame(ix, frame_id, cand_line, cand_seq)
                    ev = _evidence(
                        ix, "forward", run, 0.7, f"the first use of the parameters (`{sorted(reads)[0]}`) in the iteration"
                    )
                    param = sorted(reads)[0]
                    ev.facts["model"] = "self" if param.startswith("self.") else param  # an object's arrays: the object
                    out.append(ev)
                    break
            if out:
                break
        wrt = loss.facts.get("wrt")
        if isinstance(wrt, str) and frame_id == loss.frame_id:
            # a differentiated function (JAX): the call that applies a model function to the parameters it is
            # differentiated with respect to (``preds = predict(params, inputs)``)
            for cand_line, cand_seq in candidates:
                # the parameters handed as they are, or inside an argument (``apply_fn({'params': params}, x)``)
                calls = ix.info(func.file_id, cand_line).calls
                call = next((c for c in calls if wrt in c.args), None) or next((c for c in calls if wrt in c.names), None)
                if call is not None and cand_line != line:
                    run = run_in_frame(ix, frame_id, cand_line, cand_seq)
                    ev = _evidence(
                        ix, "forward", run, 0.8, f"applies `{call.callee}` to `{wrt}`, the parameters being differentiated"
                    )
                    # ``functional_call(model, params, (x,))``: the module it runs is the model
                    held = [a for a in call.args if a and a != wrt and model_like(ix.value(frame_id, cand_seq, a))]
                    ev.facts["model"] = held[0] if held else call.callee
                    ev.facts["function"] = call.callee
                    ev.facts["params"] = wrt
                    out.append(ev)
                    break
            if out:
                break
        fr = ix.frame(frame_id)
        if fr is None or fr.parent_id is None or fr.call_line is None:
            break
        # the loss was computed inside a called function: look at its call site
        frame_id = fr.parent_id
        prev = ix.reader.prev_event(fr.start_seq, frame_id=frame_id, kinds=(LINE,))
        if prev is None:
            break
        line, seq = prev.line, prev.seq
    return out


def _prefer_the_trained(ix: RunIndex, found: list[Evidence], update: Evidence | None) -> None:
    """Several modules feed the loss (a DQN's prediction net and its target net): the one the optimizer was
    built on is the model being trained; its call wins a tie."""
    if update is None or len({str(ev.facts.get("model")) for ev in found}) < 2:
        return
    steps = [c.receiver for c in ix.info(_file(ix, update.fid), update.line).calls if c.method == "step" and c.receiver]
    src = source_of(ix, update.frame_id, steps[0], update.seq) if steps else None
    if src is None:
        return
    fr = ix.frame(src[0])
    if fr is None or fr.function_id not in ix.functions:
        return
    built = {read.split(".")[-1] for read in _dotted_reads(ix.info(ix.functions[fr.function_id].file_id, src[1]))}
    for ev in found:
        model = str(ev.facts.get("model"))
        if model.split(".")[-1] in built:
            ev.score += 0.05
            ev.reasons.append(f"the optimizer was built on `{model}`'s parameters")


def _input_lines(ix: RunIndex, frame_id: int, line: int, seq: int, hops: int = 3) -> list[tuple[int, int]]:
    """(line, seq) of a line and of the lines in its frame that made its inputs, and made those (``hops`` deep):
    the last assignment of each name it reads, or the last line that added to it when it is a container."""
    func = ix.function_of(frame_id)
    if func is None:
        return []
    info = ix.info(func.file_id, line)
    candidates = [(line, seq)]
    names = sorted(info.reads, key=lambda n: (not is_array(ix.value(frame_id, seq, n)), n))
    seen: set[str] = set()
    for _hop in range(hops):  # what made the inputs, and what made those
        more = []
        for name in names:
            if name in seen:
                continue
            seen.add(name)
            for found in ix.makers(frame_id, name, seq):
                if found not in candidates:
                    candidates.append(found)
                    more += sorted(ix.info(func.file_id, found[0]).reads)
        names = more
    return candidates


def _filled_elsewhere(ix: RunIndex, frame_id: int, candidates: list[tuple[int, int]], before: int) -> list[tuple[int, int, int]]:
    """(frame, line, seq) of the first recorded line of another function that added to an attribute container
    these lines read (``policy.saved_log_probs``; ``self.saved_log_probs.append(...)`` in a method counts when
    the objects are of one type), before ``before``."""
    func = ix.function_of(frame_id)
    if func is None:
        return []
    wanted: dict[str, str | None] = {}  # attribute -> the type of the object holding it, when known
    for _line, cand_seq in candidates:
        for read in _dotted_reads(ix.info(func.file_id, _line)):
            if "." in read:
                base, attr = read.rsplit(".", 1)
                wanted.setdefault(attr, type_of(ix.value(frame_id, cand_seq, base)))
    if not wanted:
        return []
    out = []
    for run in ix.runs:
        if run.frame_id == frame_id or run.seq >= before:
            continue
        for filled in ix.info(_file(ix, run.fid), run.line).fills:
            base, _, attr = filled.rpartition(".")
            if not base or attr not in wanted:
                continue
            kind = wanted[attr]
            if kind is not None and base == "self":
                held = ix.value(run.frame_id, run.seq, "self")
                if held is not None and type_of(held) != kind:
                    continue
            out.append((run.frame_id, run.line, run.seq))
    return sorted(out, key=lambda site: site[2])


def _called_by_name(ix: RunIndex, frame_id: int, seq: int, name: str) -> Frame | None:
    """The first recorded repo function named ``name`` that the line run at ``seq`` called."""
    for child in ix.called_from(frame_id, seq):
        callee = ix.functions.get(child.function_id)
        if callee is not None and callee.name == name:
            return child
    return None


def _return_line(ix: RunIndex, child: Frame) -> Event | None:
    """The last line event of a finished frame (where it returned)."""
    if child.end_seq is None:
        return None
    return ix.reader.prev_event(child.end_seq + 1, frame_id=child.id, kinds=(LINE,))


def _returned_by_helpers(ix: RunIndex, frame_id: int, candidates: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(frame, line, seq) of the return line of each recorded repo function that one of these lines called and
    assigned from (``pred, true = self._process_one_batch(batch_x, batch_y)``)."""
    func = ix.function_of(frame_id)
    if func is None:
        return []
    out = []
    for line, seq in candidates:
        info = ix.info(func.file_id, line)
        if not info.targets or len(info.calls) != 1:
            continue
        child = _called_by_name(ix, frame_id, seq, info.calls[0].method or info.calls[0].callee.split(".")[-1])
        ret = _return_line(ix, child) if child is not None else None
        if child is not None and ret is not None and ix.info(ix.functions[child.function_id].file_id, ret.line).returns:
            out.append((child.id, ret.line, ret.seq))
    return out


def _module_calls(ix: RunIndex, frame_id: int, candidates: list[tuple[int, int]], decided: dict[str, Evidence]) -> list[Evidence]:
    """Forward evidence: the calls on these lines of a parameter-holding object."""
    func = ix.function_of(frame_id)
    if func is None:
        return []
    out = []
    for cand_line, cand_seq in candidates:
        cinfo = ix.info(func.file_id, cand_line)
        for call in cinfo.calls:
            if _consumes_module_output(ix, frame_id, cand_seq, call, cinfo.calls):
                continue  # ``loss_fn(model(x), y)``: the outer module is the criterion; the inner call is the forward
            target = call.receiver if call.method in ("forward", "__call__") else call.callee
            summary = ix.value(frame_id, cand_seq, target) if target else None
            if summary is None and target:
                # not in the truncated object summaries: the object as its recorded method saw it
                entered = _callee_self(ix, frame_id, cand_seq, call)
                held = ix.value(frame_id, cand_seq, call.receiver) if call.receiver not in (None, "self") else None
                if entered is not None and torch_module(entered[1]):
                    summary = entered[1]
                    if entered[0] != "forward" and call.receiver:
                        target = call.receiver  # ``self.policy.evaluate_actions(...)``: the model is the receiver
                elif call.receiver and torch_module(held):
                    summary, target = held, call.receiver  # ``agent.get_action_and_value(x)``, past the call budget
                elif "." in target and not torch_module(_self_of(ix, frame_id)):
                    # ``self.critic(x)`` in an agent built from ``torch.nn`` in ``__init__`` (a module's own layers,
                    # inside its ``forward``, are not the model)
                    summary = _constructed_into(ix, target)
            if torch_module(summary) and call.method in MODULE_BOOKKEEPING and target == call.receiver:
                continue  # ``model.parameters()``, ``model.train()``: a method of the module that does not run it
            if not torch_module(summary) and call.args:
                # ``output = model_fn(model, x)``: a repo function (a lambda handed in) given the module runs it
                handed = next((a for a in call.args if a and _runs_handed_module(ix, frame_id, cand_seq, call, a)), None)
                if handed is not None:
                    summary, target = ix.value(frame_id, cand_seq, handed), handed
            if type_of(summary) == "type":
                continue  # building an object is not running it
            if torch_module(summary) and (type_of(summary) or "").endswith("Loss"):
                continue  # ``criterion(pred, true)``: a loss module scores the outputs, it does not make them
            # plain numpy: ``self.model.forward(X)`` on an object holding weight arrays
            weights = call.method in ("forward", "__call__") and not torch_module(summary) and model_like(summary)
            owner = decided["backward"].facts.get("owner") if "backward" in decided else None
            if not weights and not torch_module(summary) and target and owner and type_of(summary) != owner:
                # plain numpy: the object whose method also made the gradients is the model
                for c in ix.called_from(frame_id, cand_seq):
                    inner = (c.args or {}).get("self")
                    if c.function_id in ix.functions and type_of(inner) == owner:
                        summary = inner
                        if call.receiver and call.method not in ("forward", "__call__"):
                            target = call.receiver  # ``self._forward_pass(X)``: the model is the object
                        break
                else:
                    summary = None
            elif not weights and not torch_module(summary) and not (owner and type_of(summary) == owner):
                summary = None
            if summary is not None:
                run = run_in_frame(ix, frame_id, cand_line, cand_seq)
                ev = _evidence(
                    ix,
                    "forward",
                    run,
                    1.0 if "torch" in (summary or "") or "training=" in (summary or "") else 0.8,
                    f"calls `{target}`, a {type_of(summary)} holding parameters",
                )
                ev.facts["model"] = target
                out.append(ev.tie(ix, call.callee))
    return out


# Methods of a torch module that look after it rather than run it.
MODULE_BOOKKEEPING = {
    "parameters",
    "named_parameters",
    "state_dict",
    "load_state_dict",
    "train",
    "eval",
    "to",
    "cuda",
    "cpu",
    "zero_grad",
    "modules",
    "children",
    "apply",
    "requires_grad_",
    "share_memory",
}


def _runs_handed_module(ix: RunIndex, frame_id: int, seq: int, call: CallSite, arg: str) -> bool:
    """Is ``arg`` (given to ``call``) a torch module that the repo function held by the called name received
    (``model_fn(model, x)``, ``model_fn`` being ``lambda model, x: model(x)``)?"""
    value = ix.value(frame_id, seq, arg)
    if not torch_module(value) or (type_of(value) or "").endswith("Loss"):
        return False
    called = call.callee.split(".")[-1]
    held = ix.value(frame_id, seq, call.callee) or ""
    for child in ix.called_from(frame_id, seq):
        func = ix.functions.get(child.function_id)
        if func is None or not called or called == func.name:
            continue  # a helper called by its own name: the helper rules look inside it for the module's call
        if held != f"<function {func.name}>":
            continue  # not the function value this call made (another call of the line)
        if any(torch_module(v) and type_of(v) == type_of(value) for k, v in (child.args or {}).items() if k != "self"):
            return True
    return False


def _where_computed(ix: RunIndex, frame_id: int, line: int, seq: int, depth: int = 2) -> tuple[int, int, int]:
    """(frame, line, seq) where the value a line assigns was computed: for ``loss, preds, y =
    self.model_step(batch)``, the line of the recorded helper that assigned the ``loss`` it returned."""
    for _ in range(depth):
        func = ix.function_of(frame_id)
        if func is None:
            break
        info = ix.info(func.file_id, line)
        if len(info.calls) != 1 or not info.targets:
            break
        child = next((c for c in ix.called_from(frame_id, seq) if c.function_id in ix.functions), None)
        callee = ix.functions.get(child.function_id) if child is not None else None
        call = info.calls[0]
        # the method called, or (``losses = loss_func(batch)``, a name holding a bound method) the one function it ran
        by_value = call.method is None and "." not in call.callee and call.callee not in ix.imported(func.file_id)
        if child is None or callee is None or child.end_seq is None or (callee.name != call.method and not by_value):
            break
        ret = _return_line(ix, child)
        returned = ix.info(callee.file_id, ret.line).returns if ret is not None else []
        if not returned:
            break
        found = ix.last_assignment(child.id, returned[0], child.end_seq)
        if found is None:
            break
        frame_id, line, seq = child.id, found[0], found[1]
    return frame_id, line, seq


def _loss_kept_on_module(ix: RunIndex, frame_id: int, line: int, seq: int) -> Evidence | None:
    """``logits = model(X, Y)`` then ``loss = raw_model.last_loss``: a loss read back from an attribute of a
    module is what the last call of a module in the iteration computed; that call is the forward pass."""
    func = ix.function_of(frame_id)
    if func is None:
        return None
    value = getattr(ix.info(func.file_id, line).stmt, "value", None)
    if not isinstance(value, ast.Attribute) or not torch_module(ix.value(frame_id, seq, dotted(value.value))):
        return None
    for cand_line, cand_seq in reversed(_iteration_lines(ix, frame_id, line, seq)):
        for call in ix.info(func.file_id, cand_line).calls:
            summary = ix.value(frame_id, cand_seq, call.callee)
            if torch_module(summary):
                run = run_in_frame(ix, frame_id, cand_line, cand_seq)
                ev = _evidence(
                    ix, "forward", run, 0.9, f"calls `{call.callee}`, a {type_of(summary)} that keeps the loss it computes"
                )
                ev.facts["model"] = call.callee
                return ev
    return None


def _dotted_reads(info: LineInfo) -> set[str]:
    """Names and dotted attributes a line reads (``self.w`` as well as ``self``)."""
    if info.stmt is None:
        return set(info.reads)
    loaded = {dotted(n) for n in ast.walk(info.stmt) if isinstance(n, ast.Attribute) and isinstance(n.ctx, ast.Load)}
    return info.reads | {d for d in loaded if d}


def _consumes_module_output(ix: RunIndex, frame_id: int, seq: int, call: CallSite, calls: list[CallSite]) -> bool:
    """Does ``call`` take, inside its own arguments, the output of another call on the line to a torch module?"""
    for other in calls:
        if other is call or other.callee.split(".")[0] not in call.names:
            continue
        target = other.receiver if other.method in ("forward", "__call__") else other.callee
        if target and torch_module(ix.value(frame_id, seq, target)):
            return True
    return False


def _callee_self(ix: RunIndex, frame_id: int, seq: int, call: CallSite) -> tuple[str, str] | None:
    """(method name, ``self`` summary) of the recorded repo method a call on a line entered."""
    for child in ix.called_from(frame_id, seq):
        func = ix.functions.get(child.function_id)
        if func is None or "self" not in (child.args or {}):
            continue
        if func.name == "forward" and call.callee.split(".")[-1] != "forward":
            return func.name, (child.args or {})["self"]  # a module called: its forward ran
        if func.name == call.method and call.receiver not in (None, "self"):
            return func.name, (child.args or {})["self"]  # a method of a held object (not a helper of this one)
    return None


def detect_batch(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """Where the inputs of the forward pass come from on each iteration: a loader iterated, a batch function."""
    forward = decided.get("forward")
    if forward is None:
        return _experience_the_update_learns_from(ix, decided)
    info = ix.info(_file(ix, forward.fid), forward.line)
    held = {str(forward.facts.get("model")), str(forward.facts.get("params"))}  # the model and its parameters
    inputs = [a for call in info.calls for a in call.args if a and a not in held]
    # then what the arguments slice (``decoder(inp[:, c], hidden)``: ``inp``), then any other name they read
    inputs += [b for b in _sliced_arguments(info.stmt) if b not in inputs and b not in held]
    inputs += sorted({n for call in info.calls for n in call.names} - set(inputs) - held)
    loop = decided.get("training loop")
    out = []
    for name in inputs:
        src = source_of(ix, forward.frame_id, name, forward.seq)
        if src is not None and src[:2] == (forward.frame_id, forward.line):
            continue  # state the forward pass carries from one step to the next (an RNN's ``hidden``), not data
        if src is None:
            from_call = _handed_from_call(ix, forward.frame_id, name)
            if from_call is not None:
                run, callee, given = from_call
                ev = _evidence(ix, "batch", run, 0.8, f"`{callee}(...)` makes the batch handed in as `{name.split('.')[0]}`")
                ev.facts["value"] = given
                ev.facts["reads"] = sorted(ix.info(_file(ix, run.fid), run.line).reads)
                out.append(ev)
                break
            continue
        again = False
        if loop is not None and src[0] == loop.frame_id and src[2] < loop.seq:
            body: Loop | None = loop.facts.get("loop")  # type: ignore[assignment]
            func = ix.functions[loop.fid]
            again = body is not None and any(
                name in ix.info(func.file_id, ln).targets for ln in range(body.body_first, body.end + 1)
            )
            if not again:
                once = _fetched_once(ix, src, name)
                if once is not None:  # ``x, y = next(iter(loader))`` before the loop: one batch, every step
                    out.append(once)
                    break
                continue  # made before the loop, in its frame: the whole data set, not a batch
        frame_id, line, seq = src
        run = run_in_frame(ix, frame_id, line, seq)
        made = ix.info(_file(ix, run.fid), line)
        taken = _taken_by_loop(ix, run, seq, name)
        if taken is not None:
            out.append(taken)
        else:
            for _ in range(3):
                # ``X, Y = batch`` names nothing new, and ``batch = [t.to(device) for t in batch]`` only moves it:
                # back to where ``batch`` was made
                unpacked = getattr(made.stmt, "value", None)
                keyed = (
                    isinstance(made.stmt, ast.Assign)
                    and isinstance(unpacked, ast.Subscript)
                    and isinstance(unpacked.value, ast.Name)
                    and not made.calls
                )
                if isinstance(made.stmt, ast.Assign) and isinstance(unpacked, ast.Name):
                    source = unpacked.id
                elif isinstance(made.stmt, ast.Assign) and made.targets == [name] and name in made.reads:
                    source = name
                elif keyed and isinstance(unpacked, ast.Subscript) and isinstance(unpacked.value, ast.Name):
                    source = unpacked.value.id  # ``user = interaction[self.USER_ID]``: a field of a batch object
                else:
                    break
                fetched = source_of(ix, frame_id, source, seq)
                while fetched is not None and fetched[0] == frame_id and fetched[1] == run.line and fetched[2] < seq:
                    # an inlined comprehension (3.12+) runs its own line again: look before the statement began
                    seq = fetched[2]
                    fetched = source_of(ix, frame_id, source, seq)
                here = ix.frame(frame_id)
                handed = (here.args or {}).get(source) if here is not None else None
                if handed is not None and (fetched is None or fetched[0] != frame_id):
                    # ``x, y = batch`` where ``batch`` was handed in (a framework calls ``training_step(batch, i)``)
                    func = ix.functions[run.fid]
                    fetching = _handed_from_call(ix, frame_id, source)
                    if fetching is not None:
                        # fetched by a call on a caller's line: ``update(i, state, next(batches))``
                        at, callee, _value = fetching
                        ev = _evidence(ix, "batch", at, 0.85, f"`{callee}(...)` fetches the batch `{func.qualname}` unpacks")
                        ev.facts["reads"] = sorted(made.reads)
                        out.append(ev)
                    elif handed.startswith(("list", "tuple", "dict")):
                        ev = _evidence(ix, "batch", run, 0.8, f"unpacks `{source}`, the batch handed to `{func.qualname}`")
                        ev.facts["reads"] = sorted(made.reads)
                        out.append(ev)
                    elif keyed and fetched is not None and type_of(handed) not in (None, "Tensor", "ndarray"):
                        # a batch object handed down (``calculate_loss(interaction)``): to where the caller got it
                        frame_id = fetched[0]
                        run = run_in_frame(ix, frame_id, fetched[1], fetched[2])
                        name, seq, made = source, fetched[2], ix.info(_file(ix, run.fid), fetched[1])
                        continue
                    break
                if fetched is None or fetched[0] != frame_id or (loop is not None and fetched[2] < loop.seq):
                    break
                run = run_in_frame(ix, frame_id, fetched[1], fetched[2])
                name, seq, made = source, fetched[2], ix.info(_file(ix, run.fid), fetched[1])
            if out:
                break
            taken = _taken_by_loop(ix, run, seq, name)
            if taken is not None:  # ``source = source.to(device)`` back to ``for source, targets in self.train_data``
                out.append(taken)
                break
            value = ix.value(frame_id, seq, name, after=True)
            for _ in range(4):  # arithmetic on this iteration's arrays (masking, scaling): back to what it works on
                earlier = _arithmetic_source(ix, frame_id, run, made, loop=decided.get("training loop"))
                if earlier is None:
                    break
                run, made = earlier, ix.info(_file(ix, earlier.fid), earlier.line)
                name = made.targets[0]
                value = ix.value(frame_id, run.seq, name, after=True)
            value_node = getattr(made.stmt, "value", None)
            subscripts = [n for n in ast.walk(value_node) if isinstance(n, ast.Subscript)] if value_node else []
            sliced = not made.calls and any(
                is_array(v) or type_of(v) in ("tuple", "list", "dict")
                for v in (ix.value(frame_id, run.seq, dotted(n.value)) for n in subscripts)
            )
            if value and (made.calls or sliced) and (is_array(value) or value.startswith(("tuple", "list", "dict"))):
                first = " (the first batch, before the loop; each iteration fetches the next)" if again else ""
                ev = _evidence(ix, "batch", run, 0.8, f"makes `{name}`, the input of the forward pass{first}")
                ev.facts["reads"] = sorted(made.reads)
                out.append(ev)
        if out:
            break
    return out


def _experience_the_update_learns_from(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """No forward pass and no environment stepped (tabular self-play): a call in the main loop's body, other than the
    update's, that fills lists the updating object then reads (``winner = judger.play()``, whose moves append every
    board to ``player.states``, which ``player.backup()`` sweeps) collects the experience each update learns from.
    The object that call is made on, built before the loop, is where that experience comes from (``env``)."""
    update, loop = decided.get("update"), decided.get("training loop")
    if update is None or loop is None or decided.get("rollout") is not None:
        return []
    updating = ix.frame(update.frame_id)
    owner = type_of((updating.args or {}).get("self")) if updating is not None else None
    if owner is None or ix.functions[update.fid].kind != "function":
        return []
    file_id = _file(ix, update.fid)
    read = {
        d.split(".", 1)[1]
        for r in ix.runs
        if r.frame_id == update.frame_id
        for d in _dotted_reads(ix.info(file_id, r.line))
        if d.startswith("self.") and d.count(".") == 1
    }
    chain_of_update = {fr.id for fr in ix.ancestry(update.frame_id)}
    body: Loop | None = loop.facts.get("loop")  # type: ignore[assignment]
    for run in sorted(ix.runs, key=lambda r: r.seq):
        if run.seq < loop.seq or run.frame_id in chain_of_update:
            continue
        filled = [f for f in ix.info(_file(ix, run.fid), run.line).fills if f.startswith("self.") and f[5:] in read]
        here = ix.frame(run.frame_id)
        if not filled or here is None or type_of((here.args or {}).get("self")) != owner:
            continue
        # up to the call the loop's own line made
        chain = ix.ancestry(run.frame_id)
        step = next((i for i, fr in enumerate(chain) if fr.parent_id == loop.frame_id), None)
        line = chain[step].call_line if step is not None else None
        if step is None or line is None:
            continue
        if body is not None and not body.body_first <= line <= body.end:
            continue
        seqs = [s for s in ix.runs_in_frame(loop.frame_id, line) if s < chain[step].start_seq]
        if not seqs:
            continue
        at = run_in_frame(ix, loop.frame_id, line, max(seqs))
        call = next((c for c in ix.info(_file(ix, loop.fid), line).calls if c.receiver and c.method), None)
        if call is None:
            continue
        reason = (
            f"`{call.callee}(...)` fills `{filled[0].split('.')[-1]}`, which `{ix.functions[update.fid].qualname}` "
            "learns from: the experience of each iteration"
        )
        ev = _evidence(ix, "batch", at, 0.6, reason)
        ev.facts["env"] = call.receiver
        ev.facts["title"] = "Collecting experience"
        return [ev]
    return []


def _fetched_once(ix: RunIndex, src: tuple[int, int, int], name: str, hops: int = 8) -> Evidence | None:
    """Back from an input of the forward pass made before the loop: through plain copies (``h = x``), the callers
    that handed it down and calls that transform it (``overlay(x, y)``, ``x.to(device)``), to a line that took one
    batch from an iterator with ``next(...)`` (``x, y = next(iter(loader))``): the batch every step reuses."""
    frame_id, line, seq = src
    used = name
    for _ in range(hops):
        func = ix.function_of(frame_id)
        stmt = ix.info(func.file_id, line).stmt if func is not None else None
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            return None
        target, value = stmt.targets[0], stmt.value
        if any(isinstance(n, ast.Call) and dotted(n.func) == "next" for n in ast.walk(value)):
            run = run_in_frame(ix, frame_id, line, seq)
            ev = _evidence(
                ix, "batch", run, 0.8, f"takes one batch with `next(...)` before the loop; every step reuses it (as `{used}`)"
            )
            ev.facts["reads"] = sorted(ix.info(func.file_id, line).reads)  # type: ignore[union-attr]
            return ev
        part: ast.AST = value
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
            part = next((v for t, v in zip(target.elts, value.elts) if dotted(t) == name), value)
        called = {id(n.func) for n in ast.walk(part) if isinstance(n, ast.Call)}
        names = [n.id for n in ast.walk(part) if isinstance(n, ast.Name) and id(n) not in called]
        data = [n for n in dict.fromkeys(names) if is_array(ix.value(frame_id, seq, n))]
        if not data:
            return None
        found = source_of(ix, frame_id, data[0], seq)
        if found is None or found == (frame_id, line, seq):
            return None
        name = data[0]
        frame_id, line, seq = found
    return None


def _sliced_arguments(stmt: ast.stmt | None) -> list[str]:
    """The names whose slices a statement's calls take as positional arguments (``inp`` of ``model(inp[:, c])``)."""
    out = []
    for node in ast.walk(stmt) if stmt is not None else ():
        if isinstance(node, ast.Call):
            out += [dotted(a.value) for a in node.args if isinstance(a, ast.Subscript) and dotted(a.value)]
    return out


def _taken_by_loop(ix: RunIndex, run: LineRun, seq: int, name: str) -> Evidence | None:
    """Batch evidence when ``run``'s line is a ``for`` loop that takes ``name`` on each iteration."""
    loops = [lp for lp in ix.loops_around(run.fid, run.line) if lp.head == run.line and lp.is_for]
    if not loops:
        return None
    it = ix.value(run.frame_id, seq, loops[0].iter_text.split("(")[0]) or ""
    return _evidence(ix, "batch", run, 0.9, f"each iteration takes `{name}` from {type_of(it) or 'an iterable'}")


def _called_name(node: ast.Call) -> str:
    """The name of the function a call runs: ``f`` for ``f(x)`` and ``self.f(x)``, and for a call of a function
    transform's result, the function transformed (``loss`` for ``grad(loss)(params, batch)``, ``jit(step)(x)``)."""
    func = node.func
    if isinstance(func, ast.Call) and func.args and isinstance(func.args[0], (ast.Name, ast.Attribute)):
        return dotted(func.args[0]).split(".")[-1]
    return dotted(func).split(".")[-1]


def _handed_from_call(ix: RunIndex, frame_id: int, name: str) -> tuple[LineRun, str, str] | None:
    """``param.update(buf.sample(32))``: a parameter whose argument was a call made on the caller's line. (The
    line of that call, the call's text, the value handed in.) Followed through callers that pass it on."""
    head = name.split(".")[0]
    fr = ix.frame(frame_id)
    for _ in range(3):
        if fr is None or fr.parent_id is None or fr.call_line is None or head not in (fr.args or {}):
            return None
        if ix.last_assignment(fr.id, head, fr.end_seq or fr.start_seq + 1) is not None:
            return None
        func, caller = ix.functions.get(fr.function_id), ix.function_of(fr.parent_id)
        if func is None or caller is None:
            return None
        params = list((fr.args or {}).keys())
        pos = params.index(head) - (1 if params[0] in ("self", "cls") else 0)
        stmt = ix.info(caller.file_id, fr.call_line).stmt
        for node in ast.walk(stmt) if stmt is not None else ():
            if not isinstance(node, ast.Call) or _called_name(node) != func.name:
                continue
            arg = next((k.value for k in node.keywords if k.arg == head), None)
            starred = next((a for a in node.args[: pos + 1] if isinstance(a, ast.Starred)), None)
            if arg is None and starred is not None:
                arg = starred.value  # ``train(*random_training_set(...))``: from what that call returned
            elif arg is None and 0 <= pos < len(node.args):
                arg = node.args[pos]
            if isinstance(arg, ast.Call) and dotted(arg.func):
                prev = ix.reader.prev_event(fr.start_seq, frame_id=fr.parent_id, kinds=(LINE,))
                if prev is None:
                    return None
                run = run_in_frame(ix, fr.parent_id, prev.line, prev.seq)
                return run, dotted(arg.func), str((fr.args or {})[head])
            if isinstance(arg, ast.Name):
                parent = ix.frame(fr.parent_id)
                if parent is None:
                    return None
                made = ix.last_assignment(parent.id, arg.id, fr.start_seq) if arg.id not in (parent.args or {}) else None
                value = getattr(ix.info(caller.file_id, made[0]).stmt, "value", None) if made is not None else None
                if made is not None and isinstance(value, ast.Call) and dotted(value.func):
                    # made by a call on an earlier line of the caller (``batch = next(stream)``), then handed in
                    return run_in_frame(ix, parent.id, made[0], made[1]), dotted(value.func), str((fr.args or {})[head])
                head, fr = arg.id, parent  # passed on: where the caller got it
                break
            return None
        else:
            return None
    return None


def _arithmetic_source(ix: RunIndex, frame_id: int, run: LineRun, made: LineInfo, loop: Evidence | None) -> LineRun | None:
    """For a line that only does arithmetic (no call, no indexing) on arrays made earlier in the same frame,
    the line that made the first of them."""
    value_node = getattr(made.stmt, "value", None)
    if value_node is None or made.calls or len(made.targets) != 1:
        return None
    if any(isinstance(n, (ast.Subscript, ast.Call)) for n in ast.walk(value_node)):
        return None
    order = [n.id for n in ast.walk(value_node) if isinstance(n, ast.Name)]
    order.sort(key=lambda n: _position(_first_name(value_node, n)))
    for name in dict.fromkeys(order):  # left to right: the data comes before what is done to it (``x * mask``)
        if not is_array(ix.value(frame_id, run.seq, name)):
            continue
        found = ix.last_assignment(frame_id, name, run.seq)
        if found is None:
            continue
        if loop is not None and loop.frame_id == frame_id and found[1] < loop.seq:
            continue  # made before the loop: the data, not this iteration's batch
        return run_in_frame(ix, frame_id, found[0], found[1])
    return None


def _position(node: ast.AST | None) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _first_name(node: ast.AST, name: str) -> ast.Name | None:
    found = [n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == name]
    return min(found, key=lambda n: (n.lineno, n.col_offset)) if found else None


def detect_rollout(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """Stepping an environment: ``X.step(action)`` returning observation, reward, done..."""
    out = []
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        for call in info.calls:
            if call.method != "step" or not call.receiver:
                continue
            summary = ix.value(run.frame_id, run.seq, call.receiver)
            if env_like(summary, info.targets) and not optimizer_like(summary) and not scheduler_like(summary):
                ev = _evidence(ix, "rollout", run, 0.9, f"`{call.callee}(...)` steps {type_of(summary) or 'the environment'}")
                ev.facts["env"] = call.receiver
                out.append(ev)
    return out


def detect_model(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """Where the object called by the forward pass was built."""
    forward = decided.get("forward")
    update = decided.get("update")
    if (forward is None or not forward.facts.get("model")) and update is not None and update.facts.get("table"):
        # tabular learning: the model is the object that keeps the table the update moves
        owner = str(update.facts["table"]).split(".")[0]
        src = _built_as(ix, type_of(ix.value(update.frame_id, update.seq, owner))) if owner == "self" else None
        if src is None:
            return []
        run = run_in_frame(ix, *src[:2], src[2])
        targets = ix.info(_file(ix, run.fid), run.line).targets
        return [
            _evidence(
                ix, "model", run, 0.8, f"builds `{targets[0] if targets else owner}`, which keeps the table the update moves"
            )
        ]
    if (forward is None or not forward.facts.get("model")) and update is not None and update.facts.get("fit"):
        # an estimator fitted by a library: where it was built
        fitted = str(update.facts["fit"])
        src = source_of(ix, update.frame_id, fitted, update.seq)
        if src is None:
            return []
        run = run_in_frame(ix, *src[:2], src[2])
        return [_evidence(ix, "model", run, 0.85, f"builds `{fitted}`, the estimator `fit` trains")]
    if forward is None or not forward.facts.get("model"):
        return []
    name = str(forward.facts["model"])
    src = source_of(ix, forward.frame_id, name, forward.seq)
    params = forward.facts.get("params")
    if src is None and isinstance(params, str):
        # a model function defined with ``def`` (JAX): the model is its parameters, made before the first step
        src = _first_made(ix, forward.frame_id, params, forward.seq)
        if src is not None:
            run = run_in_frame(ix, *src[:2], src[2])
            return [_evidence(ix, "model", run, 0.8, f"makes `{params}`, the parameters `{name}` is applied to")]
    if src is None and name.startswith("self."):
        src = attribute_source(ix, name.split(".", 1)[1], ix.value(forward.frame_id, forward.seq, name))
    if src is None and name == "self":
        src = _built_as(ix, type_of(ix.value(forward.frame_id, forward.seq, "self")))
    held = _holder_of_item(ix, src) if src is not None else None
    if held is not None:
        # the object the forward pass calls was taken from a container by a loop (``for layer in self.layers``):
        # the model is what holds the container, built where that was built
        src, name, container = held
        run = run_in_frame(ix, *src[:2], src[2])
        targets = ix.info(_file(ix, run.fid), run.line).targets
        shown = targets[0] if name == "self" and targets else name
        ev = _evidence(ix, "model", run, 0.9, f"builds `{shown}`, which holds `{container}`, the layers the forward pass calls")
        ev.facts["item"] = ix.value(forward.frame_id, forward.seq, str(forward.facts["model"])) or ""
        ev.facts["container"] = container
        return [ev]
    for _ in range(3):
        if src is None:
            return []
        # an alias (``model, config = self.model, self.config``): follow it to where the object was built
        stmt = ix.info(_file(ix, ix.frame(src[0]).function_id), src[1]).stmt  # type: ignore[union-attr]
        alias = _alias_of(stmt, name)
        if alias is None:
            break
        name = alias
        if alias.startswith("self."):
            # where a method of the same class assigned that attribute
            owner = ix.functions[ix.frame(src[0]).function_id].qualname.rsplit(".", 1)[0] + "."  # type: ignore[union-attr]
            found = next(
                (
                    (r.frame_id, r.line, r.seq)
                    for r in ix.runs
                    if ix.functions[r.fid].qualname.startswith(owner) and alias in ix.info(_file(ix, r.fid), r.line).targets
                ),
                None,
            )
        else:
            found = source_of(ix, src[0], alias, src[2])
        if found is None or found == src:
            break
        src = found
    if src is None:
        return []
    if name != "self":
        # moved or handed on (``self.model = model.to(device)``, ``Trainer(model)``), made by a factory that returned it
        kind = type_of(ix.value(forward.frame_id, forward.seq, name))
        src, name = origin_of(ix, src, name, kind=kind)
        made = _returned_from(ix, src, name)
        if made is not None:
            src, name = made
    run = run_in_frame(ix, *src[:2], src[2])
    if name == "self":  # found by its type: say the name it was built into
        targets = ix.info(_file(ix, run.fid), run.line).targets
        name = targets[0] if targets else name
    return [_evidence(ix, "model", run, 0.9, f"builds `{name.split('.')[-1]}`, the object the forward pass calls")]


def _holder_of_item(ix: RunIndex, src: tuple[int, int, int]) -> tuple[tuple[int, int, int], str, str] | None:
    """When ``src`` is a ``for`` loop taking items from a container (``for i, layer in enumerate(self.layers)``):
    where the container's owner (``self``) or the container itself was made, that name, and the container's text."""
    fr = ix.frame(src[0])
    func = ix.functions.get(fr.function_id) if fr is not None else None
    stmt = ix.info(func.file_id, src[1]).stmt if func is not None else None
    if not isinstance(stmt, (ast.For, ast.AsyncFor)):
        return None
    it = stmt.iter
    while isinstance(it, ast.Call) and dotted(it.func) in BUILTIN_ITERATORS and it.args:
        it = it.args[0]
    container = dotted(it)
    if not container:
        return None
    head = container.split(".")[0]
    found = source_of(ix, src[0], head, src[2])
    return (found, head, container) if found is not None and found != src else None


def _derived_from(ix: RunIndex, frame_id: int, name: str, seq: int) -> tuple[tuple[int, int, int], str] | None:
    """Where the data behind ``name`` was produced: back through slices and conversions of one other value
    (``x = matrix[:, 2:]``, ``X = df.values``) and through parameters to the caller that made it (``matrix, _ =
    pickle.load(fd)``)."""
    src = source_of(ix, frame_id, name, seq, depth=3)
    for _ in range(6):
        if src is None:
            return None
        func = ix.function_of(src[0])
        stmt = ix.info(func.file_id, src[1]).stmt if func is not None else None
        value = getattr(stmt, "value", None)
        reads = [n.id for n in ast.walk(value) if isinstance(n, ast.Name)] if value is not None else []
        calls = [c for c in ast.walk(value) if isinstance(c, ast.Call)] if value is not None else []
        derived = (
            len(set(reads)) == 1
            and all(isinstance(c.func, ast.Attribute) for c in calls)  # only methods of that value (``.toarray()``)
            and not isinstance(value, ast.Name)
            and data_like(ix.value(src[0], src[2], reads[0]))  # data from data, not from a generator (``rng.normal``)
        )
        if not derived:
            targets = ix.info(func.file_id, src[1]).targets if func is not None else []
            return src, (targets[0] if targets else name)
        name = reads[0]
        earlier = source_of(ix, src[0], name, src[2], depth=3)
        if earlier is None:
            return src, name
        src = earlier
    return None


def _first_made(ix: RunIndex, frame_id: int, name: str, seq: int) -> tuple[int, int, int] | None:
    """Where a value handed down through parameters was made, in the outermost caller that assigned it."""
    src = source_of(ix, frame_id, name, seq, depth=4)
    for _ in range(4):
        if src is None:
            return None
        info = ix.info(_file(ix, ix.frame(src[0]).function_id), src[1])  # type: ignore[union-attr]
        if not info.calls or not any(name in c.args for c in info.calls):
            return src  # made here, not remade from itself (``params = update(params, batch)``)
        earlier = source_of(ix, src[0], name, src[2], depth=0)
        if earlier is None or earlier == src:
            return src
        src = earlier
    return src


def _returned_from(ix: RunIndex, src: tuple[int, int, int], name: str) -> tuple[tuple[int, int, int], str] | None:
    """``dataset, model, opt = load_train_objs()``: where the recorded function the line called made the value
    it returned into ``name`` (``model = torch.nn.Linear(20, 1)`` in the factory), and its name there."""
    fr = ix.frame(src[0])
    func = ix.functions.get(fr.function_id) if fr is not None else None
    if func is None:
        return None
    stmt = ix.info(func.file_id, src[1]).stmt
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(stmt.value, ast.Call):
        return None
    target = stmt.targets[0]
    elts = target.elts if isinstance(target, ast.Tuple) else [target]
    pos = next((i for i, t in enumerate(elts) if dotted(t) == name), None)
    child = _called_by_name(ix, src[0], src[2], dotted(stmt.value.func).split(".")[-1])
    if pos is None or child is None or child.end_seq is None:
        return None
    callee = ix.functions[child.function_id]
    ret = _return_line(ix, child)
    returned = getattr(ix.info(callee.file_id, ret.line).stmt, "value", None) if ret is not None else None
    items = returned.elts if isinstance(returned, ast.Tuple) and isinstance(target, ast.Tuple) else [returned]
    if len(items) != len(elts) or not isinstance(items[pos], ast.Name):
        return None
    inner = items[pos].id  # type: ignore[union-attr]
    found = ix.last_assignment(child.id, inner, child.end_seq)
    return ((child.id, found[0], found[1]), inner) if found is not None else None


def _built_as(ix: RunIndex, kind: str | None) -> tuple[int, int, int] | None:
    """The first line that ran building an object of type ``kind`` into a name (``model = Module(...)``), else the
    first call that returned one into a name (a factory): where a method's object came from when a library,
    not repo code, called the method."""
    if not kind:
        return None
    made = None
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        if len(info.targets) != 1 or not info.calls or type_of(ix.changed_by(run.frame_id, run.seq).get(info.targets[0])) != kind:
            continue
        if any(c.callee.split(".")[-1] == kind for c in info.calls):
            return run.frame_id, run.line, run.seq
        made = made or (run.frame_id, run.line, run.seq)  # a factory made it (``hydra.utils.instantiate(cfg.model)``)
    return made


def model_built_as(ix: RunIndex, kind: str | None) -> Evidence | None:
    """A model stop where an object of type ``kind`` was built into a name, for a model this recording never trains
    (built here and handed to another process that trains it); ``facts["name"]`` is that name."""
    src = _built_as(ix, kind)
    if src is None:
        return None
    run = run_in_frame(ix, *src[:2], src[2])
    targets = ix.info(_file(ix, run.fid), run.line).targets
    ev = _evidence(ix, "model", run, 0.8, f"builds a `{kind}`")
    if targets:
        ev.facts["name"] = targets[0]
    return ev


def _alias_of(stmt: ast.stmt | None, name: str) -> str | None:
    """The dotted name ``name`` is bound to by a plain assignment without calls (``a, b = self.a, self.b``)."""
    if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or any(isinstance(n, ast.Call) for n in ast.walk(stmt.value)):
        return None
    target, value = stmt.targets[0], stmt.value
    if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
        pairs = list(zip(target.elts, value.elts))
    else:
        pairs = [(target, value)]
    for t, v in pairs:
        if dotted(t) == name and isinstance(v, (ast.Name, ast.Attribute)):
            return dotted(v) or None
    return None


def detect_environment(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """Where the stepped environment was built."""
    rollout = decided.get("rollout") or decided.get("batch")
    out = []
    if rollout is not None and rollout.facts.get("env"):
        name = str(rollout.facts["env"])
        src = source_of(ix, rollout.frame_id, name, rollout.seq)
        if src is None and name.startswith("self."):
            owner = type_of((getattr(ix.frame(rollout.frame_id), "args", None) or {}).get("self"))
            src = attribute_source(ix, name.split(".", 1)[1], ix.value(rollout.frame_id, rollout.seq, name), owner)
        if src is not None:
            src, _ = origin_of(ix, src, name)
            run = run_in_frame(ix, *src[:2], src[2])
            out.append(
                _evidence(
                    ix,
                    "environment",
                    run,
                    0.9,
                    f"builds `{name.split('.')[-1]}`, "
                    + (
                        "the environment the rollout steps"
                        if rollout.phase == "rollout"
                        else "where each iteration's experience comes from"
                    ),
                )
            )
    return out


def detect_data(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """A DataLoader or Dataset built, or the arrays the batch function reads."""
    out = []
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        if not info.targets or not info.calls:
            continue
        changed = ix.changed_by(run.frame_id, run.seq)
        if info.stmt is not None and (info.stmt.end_lineno or run.line) > run.line and not set(info.targets) & changed.keys():
            # a call over several lines (``DataLoader(\n datasets.MNIST(...),\n ...)``) runs its first line again at
            # the end: the value is bound after that run
            for seq in ix.runs_in_frame(run.frame_id, run.line)[1:8]:
                changed = ix.changed_by(run.frame_id, seq)
                if set(info.targets) & changed.keys():
                    break
        for target in info.targets:
            t = type_of(changed.get(target)) or ""
            if "DataLoader" in t or t.endswith("Dataset") or "Dataset" in t:
                out.append(_evidence(ix, "data", run, 0.9, f"builds `{target}`, a {t}"))
                break

    def data_kind(t: str) -> bool:
        return "DataLoader" in t or "Dataset" in t

    def called_from_line(inner: Evidence, outer: Evidence) -> bool:
        fr = ix.frame(inner.frame_id)
        return fr is not None and fr.parent_id == outer.frame_id and fr.call_line == outer.line and inner.seq > outer.seq

    def mixed(ev: Evidence) -> bool:
        made = ix.changed_by(ev.frame_id, ev.seq)
        return any(not data_kind(type_of(made.get(t)) or "") for t in ix.info(_file(ix, ev.fid), ev.line).targets)

    # ``dataset, net, opt = build_objects()``: a factory of everything; the data is where it built the data set.
    # (``train_set, val_set = create_datasets(path)`` makes only data: its call is the data step, kept whole.)
    out = [ev for ev in out if not (mixed(ev) and any(called_from_line(other, ev) for other in out))]
    batch = decided.get("batch")
    forward, loop = decided.get("forward"), decided.get("training loop")
    if not out and batch is None and forward is not None and loop is not None:
        # no batches: the forward pass reads the whole data set, made before the loop
        info = ix.info(_file(ix, forward.fid), forward.line)
        for name in sorted(info.reads - {str(forward.facts.get("model"))}):
            if not is_array(ix.value(forward.frame_id, forward.seq, name)):
                continue
            origin = source_of(ix, forward.frame_id, name, forward.seq)
            made_once = origin is not None and not ix.loops_around(ix.frame(origin[0]).function_id, origin[1])  # type: ignore[union-attr]
            if origin is not None and made_once and origin[0] == loop.frame_id and origin[2] < loop.seq:
                run = run_in_frame(ix, *origin[:2], origin[2])
                out.append(_evidence(ix, "data", run, 0.7, f"makes `{name}`, the data every iteration's forward pass reads"))
                break
        if not out:
            # ``self.model.forward(self.data.X)``: the arrays are held by an object built before the loop
            for name in sorted(_dotted_reads(info) - info.reads, key=len):
                holder = name.rsplit(".", 1)[0]
                if holder.startswith(str(forward.facts.get("model"))) or not is_array(
                    ix.value(forward.frame_id, forward.seq, name)
                ):
                    continue
                origin = source_of(ix, forward.frame_id, holder, forward.seq)
                if origin is None:
                    continue
                origin, built = origin_of(ix, origin, holder)
                if origin[2] < loop.seq:
                    run = run_in_frame(ix, *origin[:2], origin[2])
                    out.append(
                        _evidence(ix, "data", run, 0.7, f"builds `{built.split('.')[-1]}`, whose arrays the forward pass reads")
                    )
                    break
    update = decided.get("update")
    if not out and update is not None and update.facts.get("fit"):
        for name in update.facts.get("inputs") or []:  # type: ignore[attr-defined]
            derived = _derived_from(ix, update.frame_id, str(name), update.seq)
            if derived is not None:
                (made_frame, made_line, made_seq), made = derived
                run = run_in_frame(ix, made_frame, made_line, made_seq)
                out.append(_evidence(ix, "data", run, 0.75, f"makes `{made}`, the data `{name}` handed to `fit` comes from"))
                break
    if not out and batch is not None and loop is not None:
        out += _buffer_sampled(ix, batch, loop) or _lists_filled_by_the_loop(ix, batch, loop)
    if not out and batch is not None:
        # the arrays the batch function reads from outside itself (module globals)
        for fid in _callees(ix, batch):
            callee = ix.functions[fid]
            lines = [ix.info(callee.file_id, r.line) for r in ix.runs if r.fid == fid]
            local = {t for info in lines for t in info.targets}
            for name in sorted({n for info in lines for n in info.reads} - local):
                src = _array_origin(ix, callee.file_id, name)
                if src is not None:
                    g = ix.module_globals(callee.file_id).get(src[1], "")
                    chars = _text_length(g)
                    what = f"a text of {chars:,} characters" if chars is not None else g.split(" min")[0]
                    out.append(
                        _evidence(ix, "data", src[0], 0.7, f"makes `{src[1]}` ({what}), the data the batches are drawn from")
                    )
        if not out and not ({"environment", "rollout"} & decided.keys()):
            out += _sliced_in_batch_function(ix, batch)
        loop = decided.get("training loop")
        loops = [lp for lp in ix.loops_around(batch.fid, batch.line) if lp.head == batch.line and lp.is_for]
        if not out and loops:
            # batches drawn by a loop over a function of arrays (``batch_iterator(X, y)``): where those arrays come from
            for call in ix.info(_file(ix, batch.fid), batch.line).calls:
                for arg in call.args:
                    if arg and is_array(ix.value(batch.frame_id, batch.seq, arg)):
                        origin = source_of(ix, batch.frame_id, arg, batch.seq)
                        if origin is not None:
                            run = run_in_frame(ix, *origin[:2], origin[2])
                            out.append(_evidence(ix, "data", run, 0.7, f"makes `{arg}`, the arrays the batches are drawn from"))
                            break
                if out:
                    break
        for name in [str(n) for n in batch.facts.get("reads", [])]:  # type: ignore[attr-defined]
            if not is_array(ix.value(batch.frame_id, batch.seq, name)):
                continue
            origin = source_of(ix, batch.frame_id, name, batch.seq)
            if origin is not None and loop is not None and origin[2] > loop.seq:
                continue  # made on each iteration (an index, a mask): not the data the batches come from
            if origin is not None and (origin[0], origin[1]) != (batch.frame_id, batch.line):
                run = run_in_frame(ix, origin[0], origin[1], origin[2])
                out.append(_evidence(ix, "data", run, 0.7, f"makes `{name}`, the data the batches are sliced from"))
                break
    if not out and batch is not None and loop is not None and not ({"environment", "rollout"} & decided.keys()):
        out += _fetched_from_object(ix, batch, loop, decided)
    if not out and batch is not None and not ({"environment", "rollout"} & decided.keys()):
        out += _drawn_in_batch_function(ix, batch)
    return sorted(out, key=lambda e: e.seq)[:1]


def _fetched_from_object(ix: RunIndex, batch: Evidence, loop: Evidence, decided: dict[str, Evidence]) -> list[Evidence]:
    """Batches fetched by a method of a repo object built before the loop (``self.data.get_batch_pairs(...)`` on a
    vocabulary and corpus reader): the data is where that object was built (``self.data = InputData(path)``)."""
    forward = decided.get("forward")
    held = {str(forward.facts.get("model"))} if forward is not None else set()
    classes = _repo_classes(ix)
    info = ix.info(_file(ix, batch.fid), batch.line)
    sites = [(batch.line, batch.seq)]
    for name in sorted(info.reads):  # and the lines of this iteration that made what the batch line reads
        src = source_of(ix, batch.frame_id, name, batch.seq, depth=0)
        if src is not None and src[0] == batch.frame_id and src[2] > loop.seq:
            sites.append((src[1], src[2]))
    calls = [(c, seq) for line, seq in sites for c in ix.info(_file(ix, batch.fid), line).calls]
    for call, seq in calls:
        if not call.receiver or not call.method or call.receiver in held:
            continue
        value = ix.value(batch.frame_id, seq, call.receiver)
        kind = type_of(value)
        if not kind or kind not in classes or torch_module(value) or optimizer_like(value):
            continue
        origin = source_of(ix, batch.frame_id, call.receiver, seq)
        if origin is None or origin[2] > loop.seq:
            continue
        run = run_in_frame(ix, *origin[:2], origin[2])
        name = call.receiver.split(".")[-1]
        ev = _evidence(ix, "data", run, 0.7, f"builds `{name}`, the `{kind}` whose `{call.method}` fetches the batches")
        return [ev]
    return []


# Draws of new values from a distribution (synthetic data), not picks among existing items (``np.random.choice``,
# ``randint``, ``permutation``: indices and negative samples drawn from a data set).
_RANDOM_DRAW = re.compile(
    r"^(?:torch\.(?:randn|rand|normal)|numpy\.random\.(?:randn|rand|random|normal|uniform|standard_normal|multivariate_normal)"
    r"|jax\.random\.(?:normal|uniform)|random\.(?:gauss|uniform|random|normalvariate))$"
)


def _drawn_in_batch_function(ix: RunIndex, batch: Evidence) -> list[Evidence]:
    """``batch_x, batch_y = get_batch()`` where ``get_batch`` draws random numbers (``torch.randn(32)``,
    ``np.random.normal(mu, sigma, n)``): synthetic data, drawn afresh for every batch. The line of the function
    the batch line calls that draws them is the data."""
    for fid in _callees(ix, batch):
        for run in sorted((r for r in ix.runs if r.fid == fid), key=lambda r: r.seq):
            drawn = [
                c.callee for c in ix.info(_file(ix, fid), run.line).calls if _RANDOM_DRAW.match(_canonical(ix, run, c.callee))
            ]
            if drawn:
                reason = f"`{drawn[0]}(...)` draws synthetic data afresh for every batch (no data set)"
                return [_evidence(ix, "data", run, 0.6, reason)]
    return []


def _callees(ix: RunIndex, ev: Evidence) -> list[int]:
    """The repo functions the calls on ``ev``'s line entered, call by call (the batch function of ``get_batch()``)."""
    return [fid for call in ix.info(_file(ix, ev.fid), ev.line).calls for fid in ix.callee_functions(ev.frame_id, ev.seq, call)]


def _buffer_sampled(ix: RunIndex, batch: Evidence, loop: Evidence) -> list[Evidence]:
    """``buf.sample(32)`` where ``buf`` was built before the main loop and the loop adds to it
    (``buf.push(s, a, r, s2)``): a replay buffer is the data the batches are drawn from. (Not a rollout
    buffer that each update iterates in full, ``for mb in buffer.minibatches(64)``: that is this iteration's
    experience, the environment's data, not a data set.)"""
    out: list[Evidence] = []
    if any(lp.head == batch.line and lp.is_for for lp in ix.loops_around(batch.fid, batch.line)):
        return out
    for call in ix.info(_file(ix, batch.fid), batch.line).calls:
        if not call.receiver or call.receiver == "self" or not call.method:
            continue
        src = source_of(ix, batch.frame_id, call.receiver, batch.seq)
        if src is None or src[2] > loop.seq:
            continue
        src, built = origin_of(ix, src, call.receiver)
        held = built.split(".")[-1]
        filled = [
            r
            for r in ix.runs
            if r.seq > loop.seq and any(f.split(".")[-1] == held for f in ix.info(_file(ix, r.fid), r.line).fills)
        ]
        if not filled or is_array(ix.value(batch.frame_id, batch.seq, call.receiver)):
            continue
        run = run_in_frame(ix, *src[:2], src[2])
        kind = type_of(ix.value(run.frame_id, run.seq, built, after=True)) or "a container"
        first = filled[0]
        where = (
            f"{ix.functions[first.fid].qualname}:{first.line}"
            if ix.functions[first.fid].kind != "module"
            else f"line {first.line}"
        )
        out.append(
            _evidence(
                ix,
                "data",
                run,
                0.85,
                f"builds `{held}` ({kind}): the loop adds to it ({where}) and draws batches from it (`{call.callee}`)",
            )
        )
        break
    return out


def _lists_filled_by_the_loop(ix: RunIndex, batch: Evidence, loop: Evidence) -> list[Evidence]:
    """``old_states = torch.stack(self.buffer.states)``: the batch stacks lists held by an object built before the
    main loop (``self.buffer = RolloutBuffer()``) that the loop adds to while acting
    (``self.buffer.states.append(state)``): that object is the data each update learns from."""
    info = ix.info(_file(ix, batch.fid), batch.line)
    for read in sorted(_dotted_reads(info) - info.reads, key=len):
        if read.count(".") < 1:
            continue
        holder, attr = read.rsplit(".", 1)
        tail = f"{holder.split('.')[-1]}.{attr}"
        filled = [
            r
            for r in ix.runs
            if r.seq > loop.seq and any(f == tail or f.endswith("." + tail) for f in ix.info(_file(ix, r.fid), r.line).fills)
        ]
        if not filled:
            continue
        src = source_of(ix, batch.frame_id, holder, batch.seq)
        if src is None or src[2] > loop.seq:
            continue
        src, built = origin_of(ix, src, holder)
        run = run_in_frame(ix, *src[:2], src[2])
        kind = (
            type_of(ix.value(batch.frame_id, batch.seq, holder))
            or type_of(ix.value(run.frame_id, run.seq, built, after=True))
            or "a container"
        )
        first = filled[0]
        where = f"`{ix.functions[first.fid].qualname}`" if ix.functions[first.fid].kind != "module" else "the loop"
        reason = f"builds `{built.split('.')[-1]}` ({kind}), whose lists {where} fills while acting and each update stacks"
        return [_evidence(ix, "data", run, 0.8, reason)]
    return []


def _sliced_in_batch_function(ix: RunIndex, batch: Evidence) -> list[Evidence]:
    """``get_batch(split)`` opens the data itself (``data = np.memmap(...)``) and slices windows from it:
    the line of its first call that made the array it slices is the data. (Not for a loop over a generator of
    index arrays, ``for idx in buffer.minibatches()``: what that slices is a permutation, not data.)"""
    if any(lp.head == batch.line for lp in ix.loops_around(batch.fid, batch.line)):
        return []
    for fid in _callees(ix, batch):
        callee = ix.functions[fid]
        frames = [f for f in ix.reader.frames_of(fid) if not f.resumed]
        end = frames[0].end_seq if frames else None
        if end is None:
            continue
        fr = frames[0]
        for event in ix.reader.events(fr.start_seq, end + 1, frame_id=fr.id):
            stmt = ix.info(callee.file_id, event.line).stmt if event.kind == LINE else None
            for node in ast.walk(stmt) if stmt is not None else ():
                base = dotted(node.value) if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice) else ""
                if not base or not is_array(ix.value(fr.id, event.seq, base)):
                    continue
                made = ix.last_assignment(fr.id, base, event.seq)
                if made is not None and ix.info(callee.file_id, made[0]).calls:
                    run = run_in_frame(ix, fr.id, made[0], made[1])
                    return [_evidence(ix, "data", run, 0.7, f"makes `{base}`, the array the batches are sliced from")]
    return []


def _array_origin(ix: RunIndex, file_id: int, name: str, depth: int = 3) -> tuple[LineRun, str] | None:
    """The module-level line that made array ``name`` (or a text corpus), followed back through arrays it was
    sliced from."""
    value = ix.module_globals(file_id).get(name)
    if not is_array(value) and (depth < 3 or _text_length(value) is None):  # arrays are followed back, not into text
        return None
    run = _module_assignment(ix, file_id, name)
    if run is None:
        return None
    if depth > 0:
        for read in sorted(ix.info(file_id, run.line).reads - {name}):
            earlier = _array_origin(ix, file_id, read, depth - 1)
            if earlier is not None and earlier[0].seq < run.seq:
                return earlier
    return run, name


_LONG_TEXT = re.compile(r"^['\"].*…\(len (\d+)\)$", re.S)


def _text_length(summary: str | None) -> int | None:
    """The length of a string summarized as long enough to be a corpus (a character model's training text)."""
    m = _LONG_TEXT.match(summary or "")
    return int(m.group(1)) if m and int(m.group(1)) >= 1000 else None


def _module_assignment(ix: RunIndex, file_id: int, name: str) -> LineRun | None:
    for run in ix.runs:
        func = ix.functions[run.fid]
        if func.file_id == file_id and func.kind == "module" and name in ix.info(file_id, run.line).targets:
            return run
    return None


def detect_config(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """An argument parser's namespace, a config object built from it, or module-level hyper-parameters."""
    out = []
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        if not info.targets:
            continue
        changed = _changed_by_statement(ix, run, info)
        value = getattr(info.stmt, "value", None)
        if (
            isinstance(value, (ast.Subscript, ast.Attribute))
            and type_of(ix.value(run.frame_id, run.seq, dotted(value.value))) in CONFIG_TYPES
        ):
            continue  # a part of a config (``group = cfg[field]``) is not the run's configuration
        for target in info.targets:
            t = type_of(changed.get(target))
            if t == "Namespace":
                ev = _evidence(ix, "config", run, 1.0, f"`{target}` is the parsed command line ({t})")
                ev.facts["object"] = target
                out.append(ev)
            elif t in ("DictConfig", "ListConfig", "EasyDict", "SimpleNamespace", "ConfigDict"):
                ev = _evidence(ix, "config", run, 0.9, f"`{target}` is a {t}")
                ev.facts["object"] = target
                out.append(ev)
            elif _settings_tree(changed.get(target)) and "." not in target and _groups_handed_on(ix, run, target):
                ev = _evidence(ix, "config", run, 0.85, f"`{target}` is a tree of settings ({t} of values and nested {t}s)")
                ev.facts["object"] = target
                out.append(ev)
            elif t == "dict" and _loads_settings(ix, run, info, changed.get(target)):
                ev = _evidence(ix, "config", run, 0.9, f"`{target}` holds the settings read from a file")
                ev.facts["object"] = target
                named_by = _path_from_command_line(ix, run, info)
                if named_by is not None:  # the command line only picks the file: the file holds the settings
                    ev.score = 1.05
                    ev.reasons = [f"`{target}` holds the settings read from the file the command line names (`{named_by}`)"]
                    ev.facts["command_line"] = named_by.split(".")[0]
                out.append(ev)
            elif t == "dict" and _settings_in_scope(ix, run, changed.get(target)) >= 4:
                ev = _evidence(ix, "config", run, 0.9, f"`{target}` collects the settings in scope into a dict")
                ev.facts["object"] = target
                out.append(ev)
            elif (
                t
                and "." not in target
                and any(c.callee.split(".")[-1] == t or t in c.names for c in info.calls)  # built here
                and _dataclass_named(ix, t, literal=False)
            ):
                ev = _evidence(ix, "config", run, 0.85, f"`{target}` is a `{t}`, a dataclass of settings with defaults")
                ev.facts["object"] = target
                out.append(ev)
    out += _handed_config(ix)
    out += _framework_config(ix)
    if out:
        return [max(out, key=lambda e: (e.score, -e.seq))]
    # a dataclass instance built from literal defaults: a config object
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        for call in info.calls:
            cls = _dataclass_named(ix, call.callee.split(".")[-1])
            if cls is not None and type_of(ix.value(run.frame_id, run.seq, call.callee)) == "type":
                ev = _evidence(ix, "config", run, 0.8, f"builds a `{cls}` dataclass of settings")
                ev.facts["dataclass"] = cls
                out.append(ev)
    if out:
        return out[:1]
    # hyper-parameters as literal assignments outside loops (``total_reward = 0`` at the top of an episode is a
    # counter, not a setting): in module code, or at the top of the function that runs the main loop (a GAN's
    # ``train()`` starting with its sizes, rates and step counts). The larger group is the run's settings.
    groups = [runs for runs in _literal_groups(ix, decided) if len(runs) >= 3]
    if groups:
        runs = max(groups, key=lambda g: (len(g), ix.functions[g[0].fid].kind == "module"))
        where = "at module level" if ix.functions[runs[0].fid].kind == "module" else "before the main loop"
        ev = _evidence(ix, "config", runs[0], 0.7, f"{len(runs)} hyper-parameters set {where}")
        ev.facts["literal_lines"] = [r.line for r in runs]
        return [ev]
    return (_trainer_arguments(ix, decided) or _defaults_copied(ix, decided))[:1]


def _changed_by_statement(ix: RunIndex, run: LineRun, info: LineInfo) -> dict[str, str]:
    """What an assignment changed in its frame. One written over several lines (``clf = Estimator(\n lr=0.1,\n
    ...)``) steps through its lines and back to the first before it stores: the change shows at the frame's first
    line event outside the statement."""
    changed = ix.changed_by(run.frame_id, run.seq)
    stmt = info.stmt
    if changed or not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or run.line != stmt.lineno:
        return changed
    end = stmt.end_lineno or stmt.lineno
    seq = run.seq
    for _ in range(end - stmt.lineno + 64):
        nxt = ix.reader.next_event(seq, frame_id=run.frame_id, kinds=(LINE,))
        if nxt is None:
            break
        if not stmt.lineno <= nxt.line <= end:
            return dict(nxt.data) if isinstance(nxt.data, dict) else {}
        seq = nxt.seq
    return {}


def _defaults_copied(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """Settings as the literal keyword defaults of the ``__init__`` of the (plain) object that runs the main loop,
    copied onto it (``def __init__(self, path, emb_dimension=100, batch_size=50, ...)`` then ``self.batch_size =
    batch_size``): the stop is the line that builds the object, and its settings are what ``__init__`` received."""
    loop = decided.get("training loop")
    if loop is None:
        return []
    owners = {t for fr in ix.ancestry(loop.frame_id) for t in [type_of((fr.args or {}).get("self"))] if t}
    out = []
    for func in ix.functions.values():
        if func.name != "__init__" or func.qualname.rsplit(".", 1)[0] not in owners:
            continue
        node = ix.info(func.file_id, func.firstlineno).stmt
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        positional = node.args.posonlyargs + node.args.args
        pairs = list(zip(positional[len(positional) - len(node.args.defaults) :], node.args.defaults))
        pairs += [(a, d) for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults) if d is not None]
        literal = [a.arg for a, d in pairs if _is_literal_value(d)]
        copied = set()
        for r in ix.runs:
            stmt = ix.info(func.file_id, r.line).stmt if r.fid == func.id else None
            named = isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name) and stmt.value.id in literal
            if named and any(dotted(t).startswith("self.") for t in stmt.targets):  # type: ignore[union-attr]
                copied.add(stmt.value.id)  # type: ignore[union-attr]
        if len(literal) < 3 or len(copied) < 2:
            continue
        fr = next((f for f in ix.reader.frames_of(func.id) if not f.resumed and f.parent_id is not None), None)
        if fr is None or fr.call_line is None or fr.parent_id is None:
            continue
        caller = ix.frame(fr.parent_id)
        if caller is None or caller.function_id not in ix.functions:
            continue
        runs = [seq for seq in ix.runs_in_frame(caller.id, fr.call_line) if seq < fr.start_seq]
        if not runs:
            continue
        run = run_in_frame(ix, caller.id, fr.call_line, runs[-1])
        kind = func.qualname.rsplit(".", 1)[0]
        ev = _evidence(
            ix,
            "config",
            run,
            0.7,
            f"builds the `{kind}` that runs the main loop: its `__init__`'s keyword defaults are the settings",
        )
        ev.facts["keywords"] = literal
        out.append(ev)
    return out


def _literal_groups(ix: RunIndex, decided: dict[str, Evidence]) -> list[list[LineRun]]:
    """Literal assignments to public names outside loops, grouped by the code they ran in: each module's code
    that holds the run's settings (see ``_settings_module``), and the frame that runs the main loop, above the
    loop's head."""
    loop = decided.get("training loop")
    groups: dict[int, list[LineRun]] = {}
    for r in sorted(ix.runs, key=lambda r: r.seq):
        func = ix.functions[r.fid]
        info = ix.info(func.file_id, r.line)
        in_loop_frame = loop is not None and r.frame_id == loop.frame_id and r.line < loop.line
        if not info.targets or info.targets[0].startswith("_"):
            continue
        if not info.number_literal and not (in_loop_frame and _derived_setting(info, groups.get(r.frame_id, []), ix)):
            continue
        if ix.loops_around(r.fid, r.line):
            continue
        if in_loop_frame and loop is not None and _rebound_later(ix, r, info.targets[0], loop):
            continue  # ``time_step = 0`` that the loop counts up: a counter, not a setting
        if func.kind == "module" or in_loop_frame:
            groups.setdefault(r.frame_id if func.kind != "module" else -r.fid, []).append(r)
    return [runs for runs in groups.values() if ix.functions[runs[0].fid].kind != "module" or _settings_module(ix, runs, decided)]


def _derived_setting(info: LineInfo, group: list[LineRun], ix: RunIndex) -> bool:
    """``update_timestep = max_ep_len * 4``: arithmetic on literals and on settings set above it."""
    value = getattr(info.stmt, "value", None)
    if not isinstance(info.stmt, ast.Assign) or len(info.targets) != 1 or not isinstance(value, ast.BinOp):
        return False
    known = {t for r in group for t in ix.info(_file(ix, r.fid), r.line).targets}
    leaves = [n for n in ast.walk(value) if not isinstance(n, (ast.BinOp, ast.UnaryOp, ast.operator, ast.unaryop))]
    return any(isinstance(n, ast.Name) for n in leaves) and all(
        (isinstance(n, ast.Name) and n.id in known) or (isinstance(n, ast.Constant) and isinstance(n.value, (int, float)))
        for n in leaves
        if not isinstance(n, ast.expr_context)
    )


def _rebound_later(ix: RunIndex, made: LineRun, name: str, loop: Evidence) -> bool:
    """Is ``name`` a counter or a running total, not a setting: started at zero and assigned again in the main
    loop's body (``time_step = 0``, ``time_step += 1``; a rate the loop decays, ``epsilon = 1.0``, stays a
    setting), or rebound before the loop by something other than a literal (``run_num = 0``, then
    ``run_num = len(files)``)?"""
    body: Loop | None = loop.facts.get("loop")  # type: ignore[assignment]
    file_id = _file(ix, made.fid)
    start = getattr(ix.info(file_id, made.line).stmt, "value", None)
    zero = isinstance(start, ast.Constant) and type(start.value) in (int, float) and start.value == 0
    if zero and body is not None and any(name in ix.info(file_id, ln).targets for ln in range(body.head + 1, body.end + 1)):
        return True
    for ev in ix.reader.events(made.seq + 1, loop.seq, frame_id=made.frame_id):
        if ev.kind == LINE and ev.line != made.line:
            info = ix.info(file_id, ev.line)
            if name in info.targets and not info.number_literal:
                return True
    return False


CONFIG_TYPES = ("Namespace", "DictConfig", "ListConfig", "EasyDict", "SimpleNamespace", "ConfigDict")
SIMPLE_STATEMENTS = (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return)


def _handed_config(ix: RunIndex) -> list[Evidence]:
    """``train(parser.parse_args())``: a config made inside a call's arguments and handed straight to a repo
    function, never bound to a name where it was made. The repo function's parameter says what it is."""
    out = []
    for run in ix.runs:
        stmt = ix.info(_file(ix, run.fid), run.line).stmt
        if not isinstance(stmt, SIMPLE_STATEMENTS):
            continue
        made_inline = [
            (node, i)
            for node in ast.walk(stmt)
            if isinstance(node, ast.Call)
            for i, arg in enumerate(node.args)
            if isinstance(arg, ast.Call)
        ]
        if not made_inline:
            continue
        for child in ix.called_from(run.frame_id, run.seq):
            func = ix.functions.get(child.function_id)
            params = [(k, v) for k, v in (child.args or {}).items() if k not in ("self", "cls")]
            for node, i in made_inline:
                callee = dotted(node.func).split(".")[-1]
                if func is None or callee not in (func.name, func.qualname.split(".")[0]) or i >= len(params):
                    continue
                param, summary = params[i]
                kind = type_of(summary)
                if kind in CONFIG_TYPES:
                    reason = f"the {'parsed command line' if kind == 'Namespace' else kind} made here is handed to `{func.name}` as `{param}`"
                    ev = _evidence(ix, "config", run, 0.95 if kind == "Namespace" else 0.85, reason)
                    ev.facts["object"] = param
                    ev.facts["summary"] = summary
                    out.append(ev)
    return out[:1]


_SETTING = re.compile(r"^(?:-?[\d.]+(?:e[-+]?\d+)?|True|False|None|'[^']*'?|\"[^\"]*\"?|…)$")


CONFIG_LOADERS = {"yaml.safe_load", "yaml.load", "yaml.full_load", "json.load", "toml.load", "tomllib.load", "tomli.load"}


def _loads_settings(ix: RunIndex, run: LineRun, info: LineInfo, summary: str | None) -> bool:
    """``params = yaml.safe_load(open("params.yaml"))["train"]``: a file parser's dict whose values are all
    settings (numbers, strings, booleans; not a data file's lists of records)."""
    if not any(_canonical(ix, run, c.callee) in CONFIG_LOADERS for c in info.calls):
        return False
    items = dict_items(summary)
    return len(items) >= 2 and all(_SETTING.match(v) or type_of(v) == "dict" for v in items.values())


def _path_from_command_line(ix: RunIndex, run: LineRun, info: LineInfo, hops: int = 4) -> str | None:
    """The field of a parsed command line (``FLAGS.config``) the settings file's path was made from, following the
    names the loading line reads back through this frame's assignments (``with open(config_path) as f`` <-
    ``config_path = os.path.join("experiments", FLAGS.config)``) and the namespace's ``with``/assignment lines."""
    seen: set[str] = set()
    todo = sorted(_dotted_reads(info))
    seq = run.seq
    for _ in range(hops):
        nxt: list[str] = []
        for name in todo:
            if name in seen:
                continue
            seen.add(name)
            head = name.split(".")[0]
            if "." in name and type_of(ix.value(run.frame_id, seq, head)) == "Namespace":
                return name
            src = source_of(ix, run.frame_id, head, seq, depth=0)
            if src is None or src[0] != run.frame_id:
                continue
            nxt += sorted(_dotted_reads(ix.info(_file(ix, run.fid), src[1])))
        todo = nxt
        if not todo:
            break
    return None


def _settings_tree(summary: str | None) -> bool:
    """An object of a plain class holding only settings: every field a number, string, bool or None, or a
    nested object of the same class (a yacs-style ``CfgNode`` with ``system``, ``model``, ``trainer``
    groups); at least one nested group, and more than one field."""
    kind = type_of(summary)
    fields = fields_of(summary)
    if not kind or kind in CONFIG_TYPES or len(fields) < 2 or torch_module(summary):
        return False
    nested = 0
    for value in fields.values():
        if type_of(value) == kind:
            nested += 1
        elif not _SETTING.match(value):
            return False
    return nested > 0


def _groups_handed_on(ix: RunIndex, made: LineRun, name: str) -> bool:
    """Is a group of ``name`` handed to a call later in the same function (``GPT(config.model)``)?"""
    prefix = name + "."
    return any(
        run.fid == made.fid and run.seq > made.seq and any(a.startswith(prefix) for c in info.calls for a in c.args)
        for run in ix.runs
        for info in [ix.info(_file(ix, run.fid), run.line)]
    )


def _framework_config(ix: RunIndex) -> list[Evidence]:
    """``@hydra.main`` and the like: a repo function receives a config object its call site did not pass (a
    decorator or a framework composed it and called the function with it). The configuration is what
    that function starts with; stop on its first line."""
    out = []
    for fid, func in ix.functions.items():
        if func.kind != "function":
            continue
        frames = ix.reader.frames_of(fid)
        if not frames:
            continue
        fr = frames[0]
        params = [(k, v) for k, v in (fr.args or {}).items() if k not in ("self", "cls")]
        configs = [(i, k, v) for i, (k, v) in enumerate(params) if type_of(v) in CONFIG_TYPES]
        if not configs:
            continue
        i, name, summary = configs[0]
        caller = ix.function_of(fr.parent_id) if fr.parent_id is not None else None
        if caller is not None and fr.call_line is not None:
            calls = [c for c in ix.info(caller.file_id, fr.call_line).calls if c.callee.split(".")[-1] == func.name]
            if not calls or any(i < len(c.args) or name in dict(c.keywords) for c in calls):
                continue  # passed by the repo's own call (or called through another function): not a framework's
        first = ix.reader.next_event(fr.start_seq, frame_id=fr.id)
        if first is None or first.kind != LINE:
            continue
        run = run_in_frame(ix, fr.id, first.line, first.seq)
        ev = _evidence(
            ix, "config", run, 0.95, f"`{name}` is the {type_of(summary)} a framework composed and handed to `{func.name}`"
        )
        ev.facts["object"] = name
        ev.facts["summary"] = summary
        out.append(ev)
    return sorted(out, key=lambda e: e.seq)[:1]


def _settings_module(ix: RunIndex, runs: list[LineRun], decided: dict[str, Evidence]) -> bool:
    """Are a module's literal assignments the run's settings? Only in the program's own script, the module
    whose code runs the main loop, or a module the main loop's function reads them from: constants inside
    library-like modules of the repo (a logger's levels) are not the user's configuration."""
    fr = ix.frame(runs[0].frame_id)
    if fr is not None and fr.parent_id is None:
        return True  # the entry script's module code
    loop = decided.get("training loop")
    if loop is None:
        return False
    if _file(ix, loop.fid) == _file(ix, runs[0].fid):
        return True
    names = {t.split(".")[-1] for r in runs for t in ix.info(_file(ix, r.fid), r.line).targets}
    loop_reads = set()
    for r in ix.runs:
        if r.fid == loop.fid:
            info = ix.info(_file(ix, r.fid), r.line)
            loop_reads |= info.reads | {c.callee.split(".")[-1] for c in info.calls}
            loop_reads |= {n.attr for n in ast.walk(info.stmt) if isinstance(n, ast.Attribute)} if info.stmt else set()
    return len(names & loop_reads) >= 2


def _trainer_arguments(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """Settings handed as literal keyword arguments to the object that runs the main loop
    (``PPO("MlpPolicy", env, n_steps=64, batch_size=32, ...)``, ``Trainer(max_epochs=1, ...)``)."""
    loop = decided.get("training loop")
    if loop is None:
        return []
    owners: set[str] = set()
    for fr in ix.ancestry(loop.frame_id):
        t = type_of((fr.args or {}).get("self"))
        if t:
            owners.add(t)
    for call in ix.info(_file(ix, loop.fid), loop.line).calls:  # a library loop: the object it is handed to
        if call.receiver:
            t = type_of(ix.value(loop.frame_id, loop.seq, call.receiver))
            if t:
                owners.add(t)
    out = []
    for run in ix.runs:
        info = ix.info(_file(ix, run.fid), run.line)
        if len(info.targets) != 1 or not isinstance(info.stmt, ast.Assign) or not isinstance(info.stmt.value, ast.Call):
            continue
        literal = [k.arg for k in info.stmt.value.keywords if k.arg and _is_literal_value(k.value)]
        if len(literal) < 2:
            continue
        target = info.targets[0]
        last = ix.runs_in_frame(run.frame_id, run.line)[-1:] or [run.seq]  # a call over several lines runs its first again
        built = type_of(ix.value(run.frame_id, last[0], target, after=True))
        if built in owners:
            ev = _evidence(ix, "config", run, 0.75, f"hands {len(literal)} settings to `{built}`, which runs the main loop")
            ev.facts["object"] = target
            ev.facts["keywords"] = literal
            out.append(ev)
    return out


def _is_literal_value(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (int, float, str, bool))
    if isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
        return isinstance(node.operand.value, (int, float))
    return False


def _settings_in_scope(ix: RunIndex, run: LineRun, summary: str | None) -> int:
    """How many items of a dict are named after a variable in scope holding the same value (the run's
    settings gathered into one dict: ``config = {k: globals()[k] for k in config_keys}``)."""
    items = dict_items(summary)
    if not items:
        return 0
    scope = ix.before(run.frame_id, run.seq)
    return sum(1 for k, v in items.items() if scope.get(k) == v)


def _dataclass_named(ix: RunIndex, name: str, literal: bool = True) -> str | None:
    """``name`` if a recorded file defines it as a ``@dataclass`` whose fields all have defaults
    (literal ones, when ``literal``): a set of settings, not a record type. A subclass that adds no fields
    (``class TabNetClassifier(TabModel)``, adding methods) is one too: its constructor is the dataclass's."""
    found = _DATACLASSES.get(id(ix))
    if found is None or found[0] is not ix:
        classes: dict[str, bool] = {}  # one pass over the recorded files: name -> all defaults literal
        subclasses: list[tuple[str, list[str]]] = []  # classes without fields of their own, and their bases
        for file_id in ix.reader.files:
            tree = ix.tree(file_id)
            if tree is None:
                continue
            for node in ast.walk(tree):
                if not isinstance(node, ast.ClassDef):
                    continue
                fields = [s for s in node.body if isinstance(s, ast.AnnAssign)]
                if not fields and node.bases:
                    subclasses.append((node.name, [dotted(b).split(".")[-1] for b in node.bases]))
                dataclass = any(dotted(d).split(".")[-1] == "dataclass" for d in node.decorator_list)
                if dataclass and fields and all(s.value is not None for s in fields):
                    lit = all(isinstance(s.value, ast.Constant) for s in fields)
                    classes[node.name] = classes.get(node.name, False) or lit
        for _ in range(len(subclasses)):  # through chains of subclasses, to a fixed point
            inherited = {
                name: any(classes[b] for b in bases if b in classes)
                for name, bases in subclasses
                if name not in classes and any(b in classes for b in bases)
            }
            if not inherited:
                break
            classes.update(inherited)
        _DATACLASSES.clear()
        found = _DATACLASSES[id(ix)] = (ix, classes)
    all_literal = found[1].get(name)
    if all_literal is None or (literal and not all_literal):
        return None
    return name


_DATACLASSES: dict[int, tuple[RunIndex, dict[str, bool]]] = {}


def detect_evaluation(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """Running the model without learning: a ``no_grad``/``inference_mode`` region or function, or
    ``.eval()`` mode, away from the update; for plain numpy, a function that calls the forward pass
    but reaches no update, rollout or loss."""
    out: list[Evidence] = []
    training_fids = _training_functions(ix, decided)
    # functions that step an optimizer of their own (a student distilled after its teacher trained): a no_grad block
    # there (the frozen teacher's outputs) feeds that training
    others = decided["update"].facts.get("other_updates") if "update" in decided else None
    stepping = {o.fid for o in others if isinstance(o, Evidence)} if isinstance(others, list) else set()
    for run in ix.runs:
        func = ix.functions[run.fid]
        if run.fid in training_fids and func.kind == "function":
            continue
        if run.fid in stepping and func.kind == "function":
            continue
        info = ix.info(func.file_id, run.line)
        stmt = info.stmt
        no_grad = any(c.callee.split(".")[-1] in NO_GRAD for c in info.calls)
        is_def = stmt is not None and stmt.__class__.__name__ in ("FunctionDef", "AsyncFunctionDef")
        if no_grad and not is_def and any(c.callee.split(".")[-1] == "enable_grad" for c in info.calls):
            continue
        if no_grad and not is_def and (decided.get("update") is None or decided["update"].frame_id != run.frame_id):
            ev = _evidence(ix, "evaluation", run, 0.9, "runs under `torch.no_grad()`: no gradients, no learning")
            if _returns_outputs_only(ix, run):
                ev.score = 0.88  # samples or reconstructions to look at: a function that scores the model comes first
            out.append(_looping_caller(ix, ev, training_fids))
        elif no_grad and not is_def and _scores_without_learning(ix, run, stmt, decided):
            out.append(
                _evidence(ix, "evaluation", run, 0.85, "computes the loss again under `torch.no_grad()`: a score, not a step")
            )
        for call in info.calls:
            if call.method == "eval" and call.receiver and model_like(ix.value(run.frame_id, run.seq, call.receiver)):
                out.append(_eval_call_site(ix, run, f"puts `{call.receiver}` in evaluation mode (`.eval()`)"))
    for fid in _no_grad_functions(ix):
        # a function decorated ``@torch.no_grad()`` / ``@torch.inference_mode()``: its ``def`` line ran when it was
        # defined, so the loop above never sees it; it runs without learning wherever it is called
        if fid in training_fids or fid in stepping:
            continue
        first = min((r for r in ix.runs if r.fid == fid), key=lambda r: r.seq, default=None)
        if first is not None:
            reason = "a function that runs under `@torch.no_grad()`: no gradients, no learning"
            ev = _evidence(ix, "evaluation", first, 0.8, reason)
            if _returns_outputs_only(ix, first):
                ev.score = 0.78
            out.append(_to_call_site(ix, ev))  # where it is called, as for a `.eval()` inside a function
    rollout = decided.get("rollout")
    if rollout is not None:
        # an environment stepped by a function off the training path: episodes played to score the policy
        for ev in detect_rollout(ix, decided):
            func = ix.functions[ev.fid]
            if ev.fid != rollout.fid and ev.fid not in training_fids and func.kind == "function":
                score = Evidence(
                    "evaluation",
                    ev.fid,
                    ev.line,
                    ev.seq,
                    ev.frame_id,
                    0.8,
                    [f"plays episodes in its own environment ({ev.reasons[0]}) and learns nothing"],
                )
                out.append(_to_call_site(ix, score))
    if not out:
        out += _evaluation_mode_calls(ix, training_fids)
    if not out:
        out += _runs_what_training_saved(ix, training_fids)
    if not out:
        out += _scores_detached_outputs(ix, decided, training_fids)
    forward = decided.get("forward")
    if not out and forward is not None:
        # plain numpy: callers of the model outside the training path
        finfo = ix.info(_file(ix, forward.fid), forward.line)
        model_fids = {fid for c in finfo.calls for fid in ix.callee_functions(forward.frame_id, forward.seq, c)}
        # the repo functions that run the model, directly or through a helper the training step shares
        # (a framework's validation_step -> model_step -> forward); off the training path, the outermost
        edges = [e for e in ix.reader.edges() if e.caller_id in ix.functions]
        reach = set(model_fids)
        applied = forward.facts.get("function")
        if not model_fids and isinstance(applied, str):
            # the model is a library function applied to parameters (JAX's ``predict(params, x)``): the repo
            # functions whose own lines apply it too
            reach = {
                r.fid
                for r in ix.runs
                if r.fid != forward.fid
                and ix.functions[r.fid].kind == "function"
                and any(c.callee == applied for c in ix.info(_file(ix, r.fid), r.line).calls)
            }
        grown = True
        while grown:
            more = {e.caller_id for e in edges if e.callee_id in reach and e.caller_id is not None} - reach
            reach |= more
            grown = bool(more)
        off_path = {fid for fid in reach - model_fids - training_fids if ix.functions[fid].kind == "function"}
        for fid in sorted(off_path):
            if any(e.callee_id == fid and e.caller_id in off_path for e in edges):
                continue  # a helper of another evaluation function
            frames = [f for f in ix.reader.frames_of(fid) if not f.resumed]
            if frames:
                fr = frames[0]
                runs = ix.runs_in_frame(fr.id, ix.functions[fid].firstlineno)
                seq = runs[0] if runs else fr.start_seq
                ev = Evidence(
                    "evaluation",
                    fid,
                    ix.functions[fid].firstlineno,
                    seq,
                    fr.id,
                    0.5,
                    ["runs the model but reaches no loss, gradient or update"],
                )
                out.append(_to_call_site(ix, ev).tie(ix, ix.functions[fid].qualname))
    update = decided.get("update")
    if update is not None and len(out) > 1:
        # a pass made only before training began (profiling the model's FLOPs, initialising its parameters) is not
        # the evaluation when another candidate also ran once the model had learned something
        later = [e for e in out if _ran_after(ix, e, update.seq)]
        if later:
            for e in out:
                if e not in later:
                    e.score -= 0.2
    return out


REDUCTIONS = {"mean", "sum", "item", "detach", "view", "reshape", "float", "flatten", "squeeze", "backward"}


def _no_grad_functions(ix: RunIndex) -> list[int]:
    """Functions that ran and are decorated with ``no_grad`` / ``inference_mode`` (called or not: ``@torch.no_grad``)."""
    by_file: dict[int, set[tuple[str, int]]] = {}  # file -> (name, first line) of its no_grad-decorated functions
    found = []
    for fid, func in ix.functions.items():
        if func.kind != "function":
            continue
        if func.file_id not in by_file:
            marked: set[tuple[str, int]] = set()
            tree = ix.tree(func.file_id)
            for node in ast.walk(tree) if tree is not None else ():
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
                    names = [dotted(d.func if isinstance(d, ast.Call) else d).split(".")[-1] for d in node.decorator_list]
                    if any(n in NO_GRAD and n != "enable_grad" for n in names):
                        # a decorated function's code starts at its first decorator (the def line on Python 3.10)
                        marked.add((node.name, min(d.lineno for d in node.decorator_list)))
                        marked.add((node.name, node.lineno))
            by_file[func.file_id] = marked
        if (func.name, func.firstlineno) in by_file[func.file_id]:
            found.append(fid)
    return found


def _ran_after(ix: RunIndex, ev: Evidence, seq: int) -> bool:
    """Did ``ev``'s line run (in any call) after step ``seq``?"""
    return ix.reader.line_events_at(_file(ix, ev.fid), ev.line, after=seq) is not None


def _returns_outputs_only(ix: RunIndex, run: LineRun) -> bool:
    """A function that runs under ``no_grad`` and hands back nothing but a tensor of many numbers every time it is
    called (``generate_samples(images, model)`` returning the reconstructions to draw): it makes outputs to look at
    and measures nothing. A function returning numbers (a loss, an accuracy), or nothing, may be scoring the model."""
    func = ix.functions[run.fid]
    if func.kind != "function":
        return False
    frames = [fr for fr in ix.reader.frames_of(run.fid) if not fr.resumed]
    return bool(frames) and all(is_array(fr.ret) and not is_scalar(fr.ret) for fr in frames)


def _scores_without_learning(ix: RunIndex, run: LineRun, stmt: ast.stmt | None, decided: dict[str, Evidence]) -> bool:
    """A ``no_grad`` block in the frame that also updates (module-level code, one loop function) is
    still an evaluation when it calls the loss function again and holds no update: the test loss
    computed after each step. Blocks that feed the step (a rollout's actions, GAE targets) call no
    loss function."""
    update, loss = decided.get("update"), decided.get("loss")
    if update is None or loss is None or not isinstance(stmt, (ast.With, ast.AsyncWith)):
        return False
    end = stmt.end_lineno or stmt.lineno
    if stmt.lineno <= update.line <= end:
        return False
    forward = decided.get("forward")
    model = forward.facts.get("model") if forward is not None else None
    scorers = {
        c.callee for c in ix.info(_file(ix, loss.fid), loss.line).calls if c.method not in REDUCTIONS and c.callee != model
    }
    file_id = _file(ix, run.fid)
    return any(c.callee in scorers for line in range(stmt.lineno + 1, end + 1) for c in ix.info(file_id, line).calls)


def _looping_caller(ix: RunIndex, ev: Evidence, training_fids: set[int]) -> Evidence:
    """One prediction is not an evaluation: when the function running without gradients is called again and
    again from a loop of a repo function off the training path (``evaluate_policy`` looping over
    ``model.predict``), that function is the evaluation; stop where it is called."""
    fr = ix.frame(ev.frame_id)
    while fr is not None and fr.parent_id is not None and fr.call_line is not None:
        parent = ix.frame(fr.parent_id)
        if parent is None or parent.function_id not in ix.functions or parent.function_id in training_fids:
            break
        func = ix.functions[parent.function_id]
        if func.kind != "function":
            break
        again = sum(1 for c in ix.children(parent.id) if c.function_id == fr.function_id) >= 2
        if again and any(lp.head != fr.call_line for lp in ix.loops_around(func.id, fr.call_line)):
            runs = ix.runs_in_frame(parent.id, fr.call_line)
            seq = max((s for s in runs if s < fr.start_seq), default=parent.start_seq)
            caller = Evidence(
                "evaluation",
                func.id,
                fr.call_line,
                seq,
                parent.id,
                ev.score,
                [f"calls `{ix.functions[fr.function_id].qualname}` in a loop, which {ev.reasons[0]}"],
            )
            return _to_call_site(ix, caller)
        fr = parent
    return ev


# Keywords that put a repo's own acting or predicting function in evaluation mode, with the value that does.
EVAL_MODE_KEYWORDS = {
    "evaluate": True,
    "eval": True,
    "evaluation": True,
    "eval_mode": True,
    "deterministic": True,
    "greedy": True,
    "test": True,
    "train": False,
    "training": False,
    "is_training": False,
    "explore": False,
}


def _evaluation_mode_calls(ix: RunIndex, training_fids: set[int]) -> list[Evidence]:
    """``agent.select_action(state, evaluate=True)`` in a block of its own (SAC's every-10-episodes test): a repo
    function told by a keyword to run without exploring or learning, on a line off the training step's path."""
    out = []
    for run in ix.runs:
        func = ix.functions[run.fid]
        if run.fid in training_fids and func.kind == "function":
            continue
        stmt = ix.info(func.file_id, run.line).stmt
        if not isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)):
            continue  # a simple statement (a class or loop statement holds its whole body)
        for node in ast.walk(stmt):
            if not isinstance(node, ast.Call):
                continue
            mode = [
                k.arg
                for k in node.keywords
                if k.arg in EVAL_MODE_KEYWORDS
                and isinstance(k.value, ast.Constant)
                and k.value.value is EVAL_MODE_KEYWORDS[k.arg]
            ]
            callee = _called_name(node)
            if mode and any(f.name == callee for f in ix.functions.values()):
                setting = f"{mode[0]}={EVAL_MODE_KEYWORDS[mode[0]]}"
                out.append(
                    _eval_call_site(
                        ix, run, f"calls `{dotted(node.func)}(..., {setting})`: the model run to be scored, not trained"
                    )
                )
                return out
    return out


LOAD_CALLS = {"torch.load", "numpy.load", "pickle.load", "joblib.load", "safetensors.torch.load_file"}


def _runs_what_training_saved(ix: RunIndex, training_fids: set[int]) -> list[Evidence]:
    """After training saved something, a function off the training path loads a saved file
    (``player.load_policy()`` → ``pickle.load``) and runs it: the saved model scored (``compete(50)``: greedy
    games with the saved value tables). The stop is where the outermost such function is called."""
    saved = min(
        (
            r.seq
            for r in ix.runs
            if any(_canonical(ix, r, c.callee) in SAVE_CALLS for c in ix.info(_file(ix, r.fid), r.line).calls)
        ),
        default=None,
    )
    if saved is None:
        return []
    for run in sorted((r for r in ix.runs if r.seq > saved), key=lambda r: r.seq):
        calls = ix.info(_file(ix, run.fid), run.line).calls
        loaded = next((c.callee for c in calls if _canonical(ix, run, c.callee) in LOAD_CALLS), None)
        if loaded is None:
            continue
        outer = [
            fr
            for fr in ix.ancestry(run.frame_id)
            if fr.function_id in ix.functions and ix.functions[fr.function_id].kind == "function"
        ]
        if not outer or any(fr.function_id in training_fids for fr in outer):
            continue
        top = outer[-1]
        runs = ix.runs_in_frame(top.id, ix.functions[top.function_id].firstlineno)
        where = ix.functions[run.fid].qualname
        ev = Evidence(
            "evaluation",
            top.function_id,
            ix.functions[top.function_id].firstlineno,
            runs[0] if runs else top.start_seq,
            top.id,
            0.7,
            [f"loads what training saved (`{loaded}` in `{where}`) and runs it without learning"],
        )
        return [_to_call_site(ix, ev)]
    return []


_NUMBERS = re.compile(r"^tuple\[\d+\] \((?:-?[\d.]+(?:e[-+]?\d+)?(?:, )?)+\)$")
DETACHING = {"data", "detach", "numpy", "cpu", "tolist", "item"}


def _scores_detached_outputs(ix: RunIndex, decided: dict[str, Evidence], training_fids: set[int]) -> list[Evidence]:
    """``hidden_emb = mu.data.numpy()`` then ``roc, ap = get_roc_score(hidden_emb, ...)``: a repo function off the
    training path, handed a copy of the forward pass's outputs taken out of autograd, that returns numbers scores
    them without running the model again (held-out edges ranked by the step's own embeddings)."""
    forward = decided.get("forward")
    if forward is None:
        return []
    func = ix.functions[forward.fid]
    outputs = set(ix.info(func.file_id, forward.line).targets)
    later = sorted((r for r in ix.runs if r.frame_id == forward.frame_id and r.seq > forward.seq), key=lambda r: r.seq)
    detached: set[str] = set()
    for run in later:
        info = ix.info(func.file_id, run.line)
        value = getattr(info.stmt, "value", None)
        taken_out = value is not None and any(isinstance(n, ast.Attribute) and n.attr in DETACHING for n in ast.walk(value))
        if taken_out and info.targets and info.reads & outputs:
            detached.update(info.targets)
            continue
        for call in info.calls:
            if not detached & set(call.args):
                continue
            for child in ix.called_from(run.frame_id, run.seq):
                callee = ix.functions.get(child.function_id)
                if callee is None or child.function_id in training_fids or callee.kind != "function":
                    continue
                if is_scalar(child.ret) or _NUMBERS.match(child.ret or ""):
                    handed = sorted(detached & set(call.args))[0]
                    reason = f"scores `{handed}`, the step's outputs taken out of autograd, with `{callee.qualname}`"
                    ev = _evidence(ix, "evaluation", run, 0.6, reason).tie(ix, callee.qualname)
                    ev.facts["function"] = callee.qualname
                    return [ev]
    return []


def _eval_call_site(ix: RunIndex, run: LineRun, reason: str) -> Evidence:
    ev = _evidence(ix, "evaluation", run, 0.8, reason)
    return _to_call_site(ix, ev)


def _to_call_site(ix: RunIndex, ev: Evidence) -> Evidence:
    """An evaluation inside a function: stop where that function is called (the run's view of it)."""
    fr = ix.frame(ev.frame_id)
    func = ix.functions.get(ev.fid)
    if fr is None or func is None or func.kind != "function" or fr.parent_id is None or fr.call_line is None:
        return ev
    parent = ix.frame(fr.parent_id)
    if parent is None or parent.function_id not in ix.functions:
        return ev
    if not any(c.callee.split(".")[-1] == func.name for c in ix.info(_file(ix, parent.function_id), fr.call_line).calls):
        # a hook library code calls (``trainer.fit`` -> ``validation_step``): stay in it, on its first line
        first = ix.reader.next_event(fr.start_seq, frame_id=fr.id)
        if first is not None and first.kind == LINE and ev.line == func.firstlineno:
            out = Evidence(ev.phase, ev.fid, first.line, first.seq, fr.id, ev.score, ev.reasons)
            out.facts.update(ev.facts)
            return out
        return ev
    runs = [s for s in ix.runs_in_frame(parent.id, fr.call_line) if s < fr.start_seq]
    if not runs:
        return ev
    out = Evidence(
        ev.phase, parent.function_id, fr.call_line, runs[-1], parent.id, ev.score, [*ev.reasons, f"calls `{func.qualname}`"]
    )
    out.facts["function"] = func.qualname
    return out


def _training_functions(ix: RunIndex, decided: dict[str, Evidence]) -> set[int]:
    """Functions on the path of a training step (they run the model to learn, not to evaluate)."""
    fids: set[int] = set()
    for phase in ("update", "backward", "loss", "rollout", "batch", "forward"):
        ev = decided.get(phase)
        if ev is None:
            continue
        for fr in ix.ancestry(ev.frame_id):
            fids.add(fr.function_id)
    fids |= _called_every_step(ix, decided.get("update"))
    rollout = decided.get("rollout")
    if rollout is not None:
        # everything the rollout's function calls while collecting; when that function is the one that
        # loops (module-level code, a main()), only what the stepping line itself calls
        loop = decided.get("training loop")
        if ix.functions[rollout.fid].kind == "module" or (loop is not None and loop.fid == rollout.fid):
            stack = [c.function_id for c in ix.called_from(rollout.frame_id, rollout.seq)]
            # and what chose the action it steps with (``action = agent.select_action(state)`` on the line
            # before, under ``no_grad``): acting, not an evaluation
            info = ix.info(_file(ix, rollout.fid), rollout.line)
            handed = {n for c in info.calls if c.method == "step" for n in c.names}
            for name in sorted(handed):
                for _line, seq in ix.makers(rollout.frame_id, name, rollout.seq):
                    stack += [c.function_id for c in ix.called_from(rollout.frame_id, seq)]
            fids.update(stack)
        else:
            stack = [rollout.fid]
        _add_callees(ix, stack, fids)
    return fids


def _add_callees(ix: RunIndex, roots: list[int] | set[int], into: set[int]) -> None:
    """Add to ``into`` every function the recorded call edges reach from ``roots`` (not expanding past a
    function already in ``into``)."""
    graph: dict[int | None, set[int]] = {}
    for e in ix.reader.edges():
        graph.setdefault(e.caller_id, set()).add(e.callee_id)
    stack = list(roots)
    while stack:
        for callee in graph.get(stack.pop(), ()):
            if callee not in into:
                into.add(callee)
                stack.append(callee)


def _called_every_step(ix: RunIndex, update: Evidence | None) -> set[int]:
    """When each call of the update's function makes one update (a DQN's ``improve(batch)``, no loop around the
    step in it), what its callers also call at least half as often acts or makes targets on every step (a greedy
    action under ``no_grad``): part of the step, not an evaluation. (An update inside its function's own batch
    loop, ``for epoch: train(); test()``, says nothing about how often ``test`` runs per update.)"""
    if update is None or ix.functions[update.fid].kind != "function" or ix.loops_around(update.fid, update.line):
        return set()
    if ix.traced_for_compilation(update.fid):
        return set()  # compiled once: its recorded calls are not the steps
    edges = ix.reader.edges()
    callers = {e.caller_id for e in edges if e.callee_id == update.fid}
    updates = sum(e.calls for e in edges if e.callee_id == update.fid)
    often = [e for e in edges if 2 * e.calls >= updates]  # calls made at least every other step
    every = {e.callee_id for e in often if e.caller_id in callers and e.callee_id != update.fid}
    parents = {f.parent_id for f in ix.reader.frames_of(update.fid) if f.parent_id is not None}
    if parents:
        # called by the calls that made the updates, not only by other calls of their function: an engine's loop
        # code shared by a second engine (an evaluator) calls that one's step as often, but in its own calls
        every = {fid for fid in every if any(f.parent_id in parents for f in ix.reader.frames_of(fid))}
    # and what those call as often (not what an event dispatcher called every step reaches now and then: a
    # handler fired once per epoch that runs an evaluation)
    stack = list(every)
    while stack:
        fid = stack.pop()
        for e in often:
            if e.caller_id == fid and e.callee_id not in every:
                every.add(e.callee_id)
                stack.append(e.callee_id)
    return every


def detect_checkpoint(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """``torch.save``, ``np.save``/``savez``, ``pickle.dump``, ``save_pretrained``..."""
    out = []
    for run in ix.runs:
        for call in ix.info(_file(ix, run.fid), run.line).calls:
            name = _canonical(ix, run, call.callee)
            if name in SAVE_CALLS or (call.method in SAVE_METHODS):
                if name in GENERIC_DUMPS and call.args and _collected_numbers(ix, run, call.args[0]):
                    continue  # scores the run collected (a list of accuracies), written out: results, not the model's state
                ev = _evidence(ix, "checkpoint", run, 1.0, f"`{call.callee}(...)` writes to disk")
                ev.facts["call"] = call
                out.append(ev)
                continue
            writer = _save_function_handed(ix, run, call)
            if writer is not None:
                reason = f"hands `{writer[0]}` to `{call.callee}`, which writes with it (`{writer[1]}(...)`)"
                ev = _evidence(ix, "checkpoint", run, 0.9, reason)
                ev.facts["call"] = call
                out.append(ev)
    loop = decided.get("training loop")
    if not out and loop is not None and loop.facts.get("library"):
        # no save in repo code, but the library the repo handed the loop to wrote checkpoint files (a callback)
        written = files_written_during(ix.reader.meta)
        if written:
            built = _checkpoint_callback_built(ix, loop)
            if built is not None:  # the repo configured the writing: a checkpoint callback it handed to the library
                run, name, kind = built
                reason = f"builds `{name}`, holding the `{kind}` the library calls to write checkpoint files while it trains"
            else:
                run = run_in_frame(ix, loop.frame_id, loop.line, loop.seq)
                reason = "library code called from here wrote checkpoint files while the run went on"
            ev = _evidence(ix, "checkpoint", run, 0.5, reason)
            ev.facts["files"] = written
            out.append(ev)
    forward = decided.get("forward")
    if not out and loop is not None and forward is not None and forward.facts.get("model"):
        out += _written_by_hand(ix, loop, str(forward.facts["model"]))
    return out


_CHECKPOINT_CALLBACK = re.compile(r"<(\w*Checkpoint\w*)[ >]")
# Serializers of any object: what they write is a checkpoint only if it holds more than plain numbers.
GENERIC_DUMPS = frozenset({"pickle.dump", "joblib.dump", "json.dump"})
_NUMBER = r"-?(?:\d[\d_]*(?:\.\d*)?(?:e[-+]?\d+)?|nan|inf)"
_NUMBERS = re.compile(
    rf"(?:{_NUMBER}|(?:list|tuple)\[\d+\](?: \((?:{_NUMBER}(?:, (?:{_NUMBER}|…))*)\))?"
    rf"|dict\[\d+\](?: \{{\w+: {_NUMBER}(?:, (?:\w+: {_NUMBER}|…))*\}})?)"
)


def _collected_numbers(ix: RunIndex, run: LineRun, expr: str) -> bool:
    """``expr`` holds plain numbers that its frame collected by appending (``history.append(accuracy)``): a record of
    scores. A table the update writes into (a value table, ``values[state] += ...``) is the model's state."""
    if not _only_numbers(ix.value(run.frame_id, run.seq, expr)):
        return False
    return any(expr in ix.info(_file(ix, r.fid), r.line).fills for r in ix.runs if r.frame_id == run.frame_id)


def _only_numbers(summary: str | None) -> bool:
    """A recorded summary of a number, or of a list, tuple or dict whose items shown are all plain numbers (a
    history of scores): nothing of a model's state is in it."""
    return summary is not None and _NUMBERS.fullmatch(summary) is not None


def _checkpoint_callback_built(ix: RunIndex, loop: Evidence) -> tuple[LineRun, str, str] | None:
    """The line of the loop's frame, before the loop, that made a checkpointing callback object (a library type named
    for it, ``ModelCheckpoint``, alone or in a list) which a later line before the loop hands on (``Trainer(...,
    callbacks=callbacks)``): where the repo says how the library is to write its checkpoints. (The run, the name,
    the type.)"""
    file_id = _file(ix, loop.fid)
    runs = sorted((r for r in ix.runs if r.frame_id == loop.frame_id and r.seq < loop.seq), key=lambda r: r.seq)
    for i, run in enumerate(runs):
        for name, value in _changed_by_statement(ix, run, ix.info(file_id, run.line)).items():
            m = _CHECKPOINT_CALLBACK.search(value)
            if m and any(name in ix.info(file_id, later.line).reads for later in runs[i + 1 :]):
                return run, name, m.group(1)
    return None


def _save_function_handed(ix: RunIndex, run: LineRun, call: CallSite) -> tuple[str, str] | None:
    """``self._save_func(checkpoint, path, torch.save)``: a save function passed as a value to a repo function
    that calls it (``func(checkpoint, tmp_file)``). (The save function's text, the parameter it is called as.)"""
    handed = [a for a in call.args if a and "." in a and _canonical(ix, run, a) in SAVE_CALLS]
    handed += [v for _, v in call.keywords if v and "." in v and _canonical(ix, run, v) in SAVE_CALLS]
    if not handed:
        return None
    shown = f"<function {handed[0].split('.')[-1]}>"
    for child in ix.called_from(run.frame_id, run.seq):
        func = ix.functions.get(child.function_id)
        if func is None:
            continue
        params = [k for k, v in (child.args or {}).items() if v == shown]
        for r in ix.runs:
            if r.fid == child.function_id and params:
                called = next((c.callee for c in ix.info(func.file_id, r.line).calls if c.callee in params), None)
                if called is not None:
                    return handed[0], called
    return None


def _written_by_hand(ix: RunIndex, loop: Evidence, model: str) -> list[Evidence]:
    """After the main loop, a call on the model (or handing it on) into a repo function that opens a file for
    writing and writes it itself (``self.model.save_embedding(names, path)``: ``open(path, 'w')``, one line of
    numbers per row of the weights): a checkpoint written by hand."""
    lp = loop.facts.get("loop")
    if not isinstance(lp, Loop):
        return []
    for child in ix.children(loop.frame_id):
        func = ix.functions.get(child.function_id)
        if func is None or child.call_line is None or lp.head <= child.call_line <= lp.end or child.start_seq < loop.seq:
            continue
        calls = ix.info(_file(ix, loop.fid), child.call_line).calls
        if not any(c.receiver == model or model in c.args for c in calls if (c.method or c.callee.split(".")[-1]) == func.name):
            continue
        opened = next(
            (
                r
                for r in ix.runs
                if r.fid == func.id
                and any(c.callee == "open" for c in ix.info(func.file_id, r.line).calls)
                and _writes(ix.info(func.file_id, r.line).stmt)
            ),
            None,
        )
        runs = [seq for seq in ix.runs_in_frame(loop.frame_id, child.call_line) if seq < child.start_seq]
        if opened is None or not runs:
            continue
        run = LineRun(loop.fid, child.call_line, runs[-1], loop.frame_id, 1)
        ev = _evidence(
            ix,
            "checkpoint",
            run,
            0.7,
            f"`{func.qualname}`, called on `{model}` after the loop, opens a file for writing and writes it itself",
        )
        ev.facts["idea"] = "What the run learned is written to disk, by the repo's own code."
        stmt = ix.info(func.file_id, opened.line).stmt
        call = next((n for n in ast.walk(stmt) if isinstance(n, ast.Call) and dotted(n.func) == "open"), None) if stmt else None
        if call is not None and call.args and isinstance(call.args[0], ast.Name):
            path = ix.value(opened.frame_id, opened.seq, call.args[0].id)
            if path:
                ev.facts["opened"] = path
        return [ev]
    return []


def detect_clipping(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """Gradient clipping: ``clip_grad_norm_`` and friends, called between the backward pass and the update."""
    out = []
    update = decided.get("update")
    for run in ix.runs:
        for call in ix.info(_file(ix, run.fid), run.line).calls:
            if call.callee.split(".")[-1] in CLIP_CALLS:
                same_frame = update is not None and update.frame_id == run.frame_id and run.seq < update.seq
                if call.callee.endswith("_") or same_frame:
                    out.append(
                        _evidence(ix, "clipping", run, 0.9, f"`{call.callee}(...)` limits the gradients' size").tie(
                            ix, call.callee
                        )
                    )
    return out


def finished_normally(meta: dict) -> bool:
    """The run ended at its end, or by ``sys.exit(0)`` (``sys.exit(main())`` returning 0): not a crash."""
    status = meta.get("status")
    return status in (None, "ok") or (status == "exit" and meta.get("exit_code") == 0)


def detect_crash(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """The line that raised the exception the run ended with."""
    if finished_normally(ix.reader.meta):
        return []
    events = [e for e in ix.reader.exception_events() if isinstance(e.data, dict)]
    if not events:
        return []
    last = events[-1]
    # walk back over the same exception passing up through callers: the first is where it was raised
    first = last
    for event in reversed(events[:-1]):
        if event.data.get("type") == last.data.get("type") and event.data.get("message") == last.data.get("message"):
            first = event
        else:
            break
    fr = ix.frame(first.frame_id)
    if fr is None or fr.function_id not in ix.functions:
        return []
    run = LineRun(fr.function_id, first.line, first.seq, fr.id, 1)
    line_seq = ix.reader.prev_event(first.seq + 1, frame_id=fr.id, kinds=(LINE,))
    ev = _evidence(ix, "crash", run, 1.0, f"raised `{first.data.get('type')}`", seq=line_seq.seq if line_seq else first.seq)
    ev.facts["exception"] = first.data
    folded = [f for f in ix.reader.folds(fr.id) if f.after_seq < first.seq and (line_seq is None or line_seq.seq < f.after_seq)]
    if folded:
        ev.facts["folded"] = True  # it raised inside an iteration the recorder only counted
    return [ev]


# ----------------------------------------------------------------------------- the main loop
def find_main_loop(ix: RunIndex, decided: dict[str, Evidence]) -> list[Evidence]:
    """The outermost loop around the first update (or backward, loss...) that iterated more than once;
    the innermost one if none did."""
    anchor = next((decided[p] for p in ("update", "backward", "loss", "rollout") if p in decided), None)
    if anchor is None:
        return []
    chain: list[tuple[Frame, int]] = []
    line = anchor.line
    for fr in ix.ancestry(anchor.frame_id):
        if fr.function_id not in ix.functions:
            break
        chain.append((fr, line))
        if fr.call_line is None:
            break
        line = fr.call_line
    found: list[tuple[Frame, Loop, int]] = []
    for fr, at in reversed(chain):  # outermost frame first
        for loop in ix.loops_around(fr.function_id, at):
            found.append((fr, loop, ix.iterations(fr.id, loop)))
    if not found and anchor.facts.get("fit"):
        # ``clf.fit(X, y)``: the library's loop runs inside this call
        run = run_in_frame(ix, anchor.frame_id, anchor.line, anchor.seq)
        ev = _evidence(
            ix, "training loop", run, 0.8, f"the training loop runs inside `{anchor.facts['fit']}.fit`, in library code"
        )
        ev.facts["library"] = f"{anchor.facts['fit']}.fit"
        ev.facts["idea"] = "No loop in the repo: the library loops inside this call."
        return [ev]
    if not found:
        return _library_loop(ix, anchor, chain)
    pick = next(((fr, lp, n) for fr, lp, n in found if n >= 2), found[-1])
    fr, loop, n = pick
    runs = ix.runs_in_frame(fr.id, loop.head)
    if not runs:
        return []
    run = LineRun(fr.function_id, loop.head, runs[0], fr.id, len(runs))
    ev = _evidence(ix, "training loop", run, 1.0, f"the loop around the {anchor.phase}; {n:,} iteration{'s' if n != 1 else ''}")
    ev.facts["iterations"] = n
    ev.facts["loop"] = loop
    return [ev]


def _library_loop(ix: RunIndex, anchor: Evidence, chain: list[tuple[Frame, int]]) -> list[Evidence]:
    """No repo loop around the step: library code loops, calling a repo function again and again.
    Stop where the repo hands control to it."""
    for i, (fr, _line) in enumerate(chain):
        func = ix.functions[fr.function_id]
        if func.calls < 2 or i + 1 >= len(chain) or fr.call_line is None:
            continue
        parent, _ = chain[i + 1]
        caller = ix.functions[parent.function_id]
        info = ix.info(caller.file_id, fr.call_line)
        if any(c.method == func.name or c.callee.split(".")[-1] == func.name for c in info.calls):
            continue  # called directly from repo code: not a library loop
        prev = ix.reader.prev_event(fr.start_seq, frame_id=parent.id, kinds=(LINE,))
        if prev is None:
            continue
        run = LineRun(parent.function_id, prev.line, prev.seq, parent.id, 1)
        ev = _evidence(
            ix, "training loop", run, 0.8, f"library code called from here loops over `{func.qualname}` ({func.calls:,} calls)"
        )
        ev.facts["iterations"] = func.calls
        ev.facts["library"] = func.qualname
        return [ev]
    return []


# ----------------------------------------------------------------------------- the fold
PER_ITERATION = {"rollout", "batch", "forward", "loss", "backward", "update", "clipping", "lr schedule"}
DETECTORS: list[tuple[str, Detector]] = [
    ("update", detect_update),
    ("lr schedule", detect_schedule),
    ("backward", detect_backward),
    ("loss", detect_loss),
    ("rollout", detect_rollout),
    ("training loop", find_main_loop),
    ("forward", detect_forward),
    ("batch", detect_batch),
    ("model", detect_model),
    ("environment", detect_environment),
    ("data", detect_data),
    ("config", detect_config),
    ("evaluation", detect_evaluation),
    ("checkpoint", detect_checkpoint),
    ("clipping", detect_clipping),
    ("crash", detect_crash),
]


# ----------------------------------------------------------------------------- not a training run
def detect_generic(ix: RunIndex, decided: dict[str, Evidence]) -> dict[str, Evidence]:
    """A run with no learning step: where it starts, its hottest repo function and the loop that drives it.
    When that loop builds up state an object keeps (``merges[pair] = idx`` then ``self.merges = merges``),
    the object, its input, that update and a save of the object are stops too (a tokenizer's training)."""
    out: dict[str, Evidence] = {}
    entry = next((f for f in ix.functions.values() if f.kind == "module" and _is_entry(ix, f.id)), None)
    if entry is not None:
        runs = sorted((r for r in ix.runs if r.fid == entry.id), key=lambda r: r.seq)
        setup = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        doing = [
            r
            for r in runs
            if not isinstance(ix.info(entry.file_id, r.line).stmt, setup)
            and not (isinstance(ix.info(entry.file_id, r.line).stmt, ast.Expr) and not ix.info(entry.file_id, r.line).calls)
        ]  # past the imports, definitions and docstring: the first line that does something
        first = doing[0] if doing else (runs[0] if runs else None)
        if first is not None:
            ev = _evidence(ix, "entry", first, 1.0, "the first line of the program's own script that does something")
            out["entry"] = ev
    hot = max(
        (f for f in ix.functions.values() if f.kind == "function" and ix.reader.frames_of(f.id)),
        key=lambda f: f.self_ns,
        default=None,
    )
    if hot is None:
        return out
    fr = next((f for f in ix.reader.frames_of(hot.id) if not f.resumed), None)
    if fr is None:
        return out
    first_line = ix.reader.next_event(fr.start_seq, frame_id=fr.id, kinds=(LINE,))
    if first_line is None:
        return out
    total = sum(f.self_ns for f in ix.functions.values()) or 1
    run = LineRun(hot.id, first_line.line, first_line.seq, fr.id, 1)
    ev = _evidence(
        ix, "hot function", run, 1.0, f"`{hot.qualname}` takes the most time of the repo's functions ({hot.self_ns / total:.0%})"
    )
    ev.facts["function"] = hot.qualname
    out["hot function"] = ev
    loop = _driving_loop(ix, fr)
    if loop is None:
        return out
    out["training loop"] = loop
    out.update(_learned_state(ix, loop))
    return out


def _is_entry(ix: RunIndex, fid: int) -> bool:
    frames = ix.reader.frames_of(fid)
    return bool(frames) and frames[0].parent_id is None


def _driving_loop(ix: RunIndex, hot: Frame) -> Evidence | None:
    """The innermost loop that iterated more than once around the call chain into ``hot`` (not inside it)."""
    fr, line = ix.frame(hot.parent_id), hot.call_line
    while fr is not None and line is not None and fr.function_id in ix.functions:
        for loop in reversed(ix.loops_around(fr.function_id, line)):
            n = ix.iterations(fr.id, loop)
            runs = ix.runs_in_frame(fr.id, loop.head)
            if n >= 2 and runs:
                run = LineRun(fr.function_id, loop.head, runs[0], fr.id, len(runs))
                what = ix.functions[hot.function_id].qualname
                ev = _evidence(ix, "training loop", run, 0.8, f"the loop that calls `{what}` again and again; {n:,} iterations")
                ev.facts["iterations"] = n
                ev.facts["loop"] = loop
                ev.facts["idea"] = "The loop that drives the run; shown on its first iteration."
                return ev
        line = fr.call_line
        fr = ix.frame(fr.parent_id)
    return None


def _learned_state(ix: RunIndex, loop: Evidence) -> dict[str, Evidence]:
    """The state the loop builds for its object: a container filled by subscript assignment in the loop body
    and then stored on ``self`` (or returned); the object it is stored on, the input handed to the loop's
    function, and a call on that object after the loop that writes a file."""
    out: dict[str, Evidence] = {}
    func = ix.functions[loop.fid]
    lp = loop.facts["loop"]
    assert isinstance(lp, Loop)
    fr = ix.frame(loop.frame_id)
    if fr is None or "self" not in (fr.args or {}):
        return out
    kept = set()
    for r in ix.runs:
        if r.fid == loop.fid and r.line > lp.end:
            stmt = ix.info(func.file_id, r.line).stmt
            named = isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name)
            if named and any(dotted(t).startswith("self.") for t in stmt.targets):  # type: ignore[union-attr]
                kept.add(stmt.value.id)  # type: ignore[union-attr]
    for line in range(lp.body_first, lp.end + 1):
        runs = ix.runs_in_frame(loop.frame_id, line)
        info = ix.info(func.file_id, line)
        hit = [c for c, _ in info.subscript_keys] + [
            dotted(t.value) for t in getattr(info.stmt, "targets", []) if isinstance(t, ast.Subscript)
        ]
        if runs and any(c in kept for c in hit):
            name = next(c for c in hit if c in kept)
            run = LineRun(loop.fid, line, runs[0], loop.frame_id, len(runs))
            ev = _evidence(ix, "update", run, 0.6, f"adds to `{name}`, which the object keeps after the loop")
            ev.facts["idea"] = "What each iteration learns is stored here: the state the object keeps when the loop ends."
            ev.facts["title"] = "What the loop learns"
            out["update"] = ev
            break
    if "update" not in out:
        return out
    src = source_of(ix, loop.frame_id, "self", loop.seq)
    if src is not None:
        run = run_in_frame(ix, *src[:2], src[2])
        ev = _evidence(ix, "model", run, 0.6, f"builds the `{type_of((fr.args or {}).get('self'))}` whose state the loop learns")
        ev.facts["idea"] = "The object being trained is built here; the loop fills in what it learns."
        ev.facts["title"] = "Building the object that learns"
        out["model"] = ev
        obj = ix.info(_file(ix, run.fid), run.line).targets
        _object_saved(ix, out, run, obj[0] if len(obj) == 1 else None, fr)
    params = [k for k in (fr.args or {}) if k != "self"]
    reads = {n for r in ix.runs if r.fid == loop.fid for n in ix.info(func.file_id, r.line).reads}
    for name in params:
        if name in reads and type_of((fr.args or {})[name]) in ("str", "bytes", "list", "ndarray", "Tensor", "dict"):
            found = source_of(ix, loop.frame_id, name, loop.seq)
            if found is not None and found[0] != loop.frame_id:
                run = run_in_frame(ix, *found[:2], found[2])
                ev = _evidence(ix, "data", run, 0.6, f"makes `{name}`, the input the loop learns from")
                ev.facts["idea"] = "The input the run learns from."
                out["data"] = ev
                break
    return out


def _object_saved(ix: RunIndex, out: dict[str, Evidence], built: LineRun, name: str | None, loop_frame: Frame) -> None:
    """A call on the trained object, after its loop, into a repo function that opened a file for writing."""
    if name is None:
        return
    for child in ix.children(built.frame_id):
        if child.start_seq < (loop_frame.end_seq or 0) or child.call_line is None:
            continue
        calls = ix.info(_file(ix, built.fid), child.call_line).calls
        if not any(c.receiver == name for c in calls):
            continue
        func = ix.functions.get(child.function_id)
        if func is None:
            continue
        for r in ix.runs:
            if r.fid != func.id:
                continue
            for c in ix.info(func.file_id, r.line).calls:
                if c.callee == "open" and _writes(ix.info(func.file_id, r.line).stmt):
                    runs = [s for s in ix.runs_in_frame(built.frame_id, child.call_line) if s < child.start_seq]
                    if runs:
                        run = LineRun(built.fid, child.call_line, runs[-1], built.frame_id, 1)
                        ev = _evidence(ix, "checkpoint", run, 0.7, f"`{func.qualname}` writes the trained object to a file")
                        ev.facts["idea"] = "What the run learned is written to disk."
                        ev.facts["title"] = "Saving what was learned"
                        out["checkpoint"] = ev
                        return


def _writes(stmt: ast.stmt | None) -> bool:
    """Does the statement call ``open(path, mode)`` with a mode that writes?"""
    for node in ast.walk(stmt) if stmt is not None else []:
        if isinstance(node, ast.Call) and dotted(node.func) == "open":
            modes = [a for a in node.args[1:2]] + [k.value for k in node.keywords if k.arg == "mode"]
            for m in modes:
                if isinstance(m, ast.Constant) and isinstance(m.value, str) and set(m.value) & set("wax"):
                    return True
    return False


def detect_phases(ix: RunIndex) -> tuple[dict[str, Evidence], dict[str, list[Evidence]]]:
    """Run every detector in order; for each phase keep the strongest evidence (earliest on a tie),
    preferring evidence inside the main loop for the per-iteration phases."""
    decided: dict[str, Evidence] = {}
    everything: dict[str, list[Evidence]] = {}

    def choose(phase: str, found: list[Evidence]) -> None:
        loop = decided.get("training loop")
        if phase in PER_ITERATION and loop:
            inside = [e for e in found if in_loop_scope(ix, e, loop)]
            found = inside or found
        decided[phase] = max(found, key=lambda e: (e.score, -e.seq))

    for phase, detector in DETECTORS:
        found = detector(ix, decided)
        everything[phase] = found
        if found:
            choose(phase, found)
        if phase == "training loop" and found:
            # phases decided before the loop was known: prefer what ran inside it (an environment stepped
            # by an evaluation that ran before training is not the rollout)
            for earlier in PER_ITERATION & decided.keys():
                if earlier != phase and everything.get(earlier):
                    choose(earlier, everything[earlier])
    if not any(p in decided for p in ("update", "backward", "loss", "rollout", "training loop")):
        for phase, ev in detect_generic(ix, decided).items():
            decided.setdefault(phase, ev)
            everything.setdefault(phase, []).append(ev)
        entry = decided.get("entry")
        if entry is not None and any((e.fid, e.line) == (entry.fid, entry.line) for e in decided.values() if e is not entry):
            del decided["entry"]  # a stop of its own starts there
    return decided, everything
