"""Generate a tour from a recording, with no hand-written input.

Phases are detected from what happened, then from names:

- **training loop**: the recorded function whose loop did the most work and whose calls
  reach the backward pass or the optimizer step (by call graph), shown at its loop head
  on the first iteration;
- **backward/update**, **loss**, **checkpoint**: source lines that *ran* inside the loop
  function or the functions it calls (``loss.backward()``, ``optimizer.step()``, a
  ``loss``/``criterion`` call, ``save``), or functions named so;
- **config**, **data**, **environment**, **model**, **forward**, **evaluation**: functions
  whose names, classes, arguments or return values say so (an ``argparse.Namespace`` or a
  ``*Config`` returned, a ``Dataset`` or loader, a ``*Model``/``*Net`` constructor,
  ``forward``, ``no_grad`` evaluation...).

One stop per phase, the first to run, in execution order. Narration is built only
from facts in the trace: docstrings, arguments and return values, call counts, times.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import networkx as nx

from codetour.store.reader import Function, TraceReader
from codetour.store.schema import LINE
from codetour.tour.model import Stop, Tour
from codetour.units import duration

_WORDS = re.compile(r"[A-Za-z][a-z0-9]*|[A-Z]+(?![a-z])")


def _words(qualname: str) -> set[str]:
    return {w.lower() for w in _WORDS.findall(qualname.replace("<locals>", ""))}


NAME_RULES: list[tuple[str, set[str]]] = [
    (
        "evaluation",
        {"eval", "evaluate", "evaluation", "validate", "validation", "test", "accuracy", "metric", "metrics", "score"},
    ),
    ("config", {"config", "cfg", "args", "argparse", "options", "hparams", "settings", "parse"}),
    ("checkpoint", {"save", "checkpoint", "load", "ckpt"}),
    ("loss", {"loss", "criterion", "objective", "nll", "entropy"}),
    ("backward/update", {"backward", "optimizer", "adam", "sgd", "grad", "gradient", "gradients", "zero", "update"}),
    ("environment", {"env", "environment", "cart", "pole", "gym", "reset"}),
    (
        "data",
        {
            "data",
            "dataset",
            "loader",
            "dataloader",
            "batch",
            "batches",
            "rollout",
            "collate",
            "getitem",
            "buffer",
            "storage",
            "sample",
            "minibatches",
            "gae",
            "advantage",
            "advantages",
        },
    ),
    (
        "model",
        {
            "model",
            "net",
            "network",
            "module",
            "classifier",
            "actor",
            "critic",
            "policy",
            "transformer",
            "encoder",
            "decoder",
            "mlp",
            "layer",
        },
    ),
    ("forward", {"forward", "call", "act", "predict", "logits", "infer"}),
]
LINE_RULES: list[tuple[str, re.Pattern]] = [
    ("backward/update", re.compile(r"\.backward\(|\boptim\w*\.step\(|optimizer\w*\.step\(|\.apply_gradients\(")),
    ("loss", re.compile(r"\b\w*(loss|criterion)\w*\s*=\s*\w")),
    ("checkpoint", re.compile(r"torch\.save\(|np\.savez|save_checkpoint\(|\.save_pretrained\(")),
]
PHASE_TITLES = {
    "config": "Configuration",
    "data": "Data",
    "environment": "Environment step",
    "model": "Building the model",
    "training loop": "The training loop",
    "forward": "Forward pass",
    "loss": "The loss",
    "backward/update": "Backward pass and update",
    "evaluation": "Evaluation",
    "checkpoint": "Saving a checkpoint",
}
PHASE_IDEAS = {
    "config": "Where the run's settings come from.",
    "data": "Where the inputs of learning are produced.",
    "environment": "One step of the simulated world the agent learns in.",
    "model": "The network is built here: its layers and their initial parameters.",
    "training loop": "The loop that does most of the run's work; shown on its first iteration.",
    "forward": "Inputs go through the network to produce predictions.",
    "loss": "How wrong the predictions are, as one number to minimise.",
    "backward/update": "Gradients of the loss flow back, and the parameters move.",
    "evaluation": "Measuring how good the model is, without learning.",
    "checkpoint": "The trained parameters are written to disk.",
}


@dataclass
class Candidate:
    phase: str
    function: Function
    first_seq: int
    match: str | None = None
    reason: str = ""


def name_phase(func: Function, args: dict[str, str] | None, ret: str | None) -> str | None:
    words = _words(func.qualname)
    if ret and ("Namespace" in ret or re.search(r"<\w*Config\b", ret)):
        return "config"
    if func.kind != "function":
        return None  # module code and class bodies run at import: not a phase of the run
    if func.name == "__init__" and words & MODEL_WORDS:
        return "model"
    if ret and "DataLoader" in ret:
        return "data"
    for candidate_words in (_words(func.name), words):  # the function's own name first, then its class
        for phase, vocab in NAME_RULES:
            if candidate_words & vocab:
                return phase
    return None


MODEL_WORDS = next(vocab for phase, vocab in NAME_RULES if phase == "model")


def _preference(phase: str, func: Function) -> int:
    """Within a phase, which function a newcomer should see first (lower is better)."""
    words = _words(func.qualname)
    if phase == "forward":
        return 0 if func.name == "forward" else 1
    if phase == "environment":
        return 0 if "step" in words else 1
    if phase in ("data", "evaluation", "config", "loss", "backward/update") and func.name == "__init__":
        return 1
    return 0


def build_tour(reader: TraceReader, title: str | None = None) -> Tour:
    functions = {fid: f for fid, f in reader.functions.items() if not f.library and f.calls}
    first_frames = {}
    for fr in reader.frames():
        if fr.function_id in functions and fr.function_id not in first_frames and not fr.resumed:
            first_frames[fr.function_id] = fr
    graph = nx.DiGraph()
    for e in reader.edges():
        if e.caller_id is not None:
            graph.add_edge(e.caller_id, e.callee_id, calls=e.calls)

    candidates: list[Candidate] = []
    # 1. The training loop: a function with a loop that ran, reaching backward/update, with most time.
    update_fids = {fid for fid, f in functions.items() if name_phase(f, None, None) in ("backward/update", "loss")}
    update_lines = _lines_matching(reader, functions, LINE_RULES[0][1])
    best = None
    for fid, func in functions.items():
        if func.kind != "function" or fid not in first_frames:
            continue
        # The loop must hold the update itself: a backward/step line, or a direct call to an update function.
        direct = set(graph.successors(fid)) if fid in graph else set()
        if not (fid in update_lines or direct & update_fids):
            continue
        head = _first_loop_that_ran(reader, func)
        if head is not None and (best is None or func.total_ns > best[0]):
            best = (func.total_ns, fid, head)
    loop_fid = None
    if best is not None:
        _, loop_fid, (head_line, head_seq) = best
        line_text = reader.source_lines(functions[loop_fid].file_id)[head_line - 1].strip()
        iterations = _iterations(reader, loop_fid, head_line)
        candidates.append(
            Candidate(
                "training loop",
                functions[loop_fid],
                head_seq,
                line_text,
                f"the loop that does the most work; {iterations} in its first call",
            )
        )
    # 2. Lines that ran: backward/update, loss, checkpoint.
    loop_scope = (
        ({loop_fid} | (nx.descendants(graph, loop_fid) if loop_fid in graph else set())) if loop_fid is not None else set()
    )
    for phase, pattern in LINE_RULES:
        # The backward/update lines were already found for the loop above: scanning is per line of source.
        hits = update_lines if pattern is LINE_RULES[0][1] else _lines_matching(reader, functions, pattern)
        ran = [(seq, fid, line, text) for fid, (line, text, seq) in hits.items()]
        if phase != "checkpoint" and any(fid in loop_scope for _, fid, _, _ in ran):
            ran = [r for r in ran if r[1] in loop_scope]  # the loss computed in the loop, not its construction
        if ran:
            seq, fid, _line, text = min(ran)
            candidates.append(Candidate(phase, functions[fid], seq, text, "the line ran"))
    # 3. Names, arguments and return values.
    named: list[tuple[int, int, Candidate]] = []
    for fid, fr in first_frames.items():
        if fid == loop_fid:
            continue
        named_phase = name_phase(functions[fid], fr.args, fr.ret)
        if named_phase:
            named.append(
                (_preference(named_phase, functions[fid]), fr.start_seq, Candidate(named_phase, functions[fid], fr.start_seq))
            )
    candidates += [c for _, _, c in sorted(named, key=lambda t: (t[0], t[1]))]

    chosen: dict[str, Candidate] = {}
    for c in candidates:
        if c.phase not in chosen:
            chosen[c.phase] = c
    used: set[tuple[int, str | None]] = set()
    ordered = []
    for c in sorted(chosen.values(), key=lambda c: c.first_seq):
        key = (c.function.id, c.match)
        if key in used:
            continue
        used.add(key)
        ordered.append(c)

    meta = reader.meta
    entry = meta.get("entry") or meta.get("module") or "the program"
    tour = Tour(
        title=title or f"A tour of {_short(entry)}",
        description=(
            f"Generated by codetour from a recording of `{' '.join(meta.get('argv') or [])}` "
            f"({reader.event_count:,} events, {sum(f.calls for f in functions.values()):,} calls). "
            "Each stop is the first time that part of the run happened."
        ),
    )
    for i, c in enumerate(ordered):
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        tour.stops.append(
            Stop(
                title=f"{PHASE_TITLES.get(c.phase, c.phase.title())}: {c.function.qualname}",
                at=c.function.qualname,
                file=reader.files[c.function.file_id].relpath,
                match=c.match,
                phase=c.phase,
                narration=_narrate(reader, c, first_frames.get(c.function.id), nxt),
            )
        )
    return tour


def _first_loop_that_ran(reader: TraceReader, func: Function) -> tuple[int, int] | None:
    """(line, first seq) of the first ``for``/``while`` of ``func`` whose head line ran."""
    source = reader.source(func.file_id) or ""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    heads = sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, (ast.For, ast.While, ast.AsyncFor)) and func.firstlineno < node.lineno <= func.lastlineno
    )
    for line in heads:
        seq = _first_run(reader, func.id, line)
        if seq is not None:
            return line, seq
    return None


def _iterations(reader: TraceReader, fid: int, line: int) -> str:
    """How many iterations the first recorded call of ``fid`` made at loop head ``line``."""
    frames = [f for f in reader.frames_of(fid) if not f.resumed]
    if not frames:
        return "?"
    (count,) = reader.db.execute(
        "SELECT COUNT(*) FROM events WHERE frame_id = ? AND kind = ? AND line = ?", (frames[0].id, LINE, line)
    ).fetchone()
    folded = sum(f.iterations for f in reader.folds(frames[0].id) if f.head_line == line)
    total = max(count - 1, 1) + folded  # the head line runs once more to end a `for` loop
    return f"{total:,} iteration{'s' if total != 1 else ''}"


def _short(path: str) -> str:
    parts = path.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


def _lines_matching(reader: TraceReader, functions: dict[int, Function], pattern: re.Pattern) -> dict[int, tuple[int, str, int]]:
    """Functions with a line matching ``pattern`` that actually ran: fid -> (line, text, first seq)."""
    found: dict[int, tuple[int, str, int]] = {}
    for fid, func in functions.items():
        if func.kind != "function":
            continue
        source = reader.source_lines(func.file_id)
        for n in range(func.firstlineno, min(func.lastlineno, len(source)) + 1):
            text = source[n - 1]
            if pattern.search(text) and not text.lstrip().startswith("#"):
                seq = _first_run(reader, fid, n)
                if seq is not None:
                    found[fid] = (n, text.strip(), seq)
                    break
    return found


def _first_run(reader: TraceReader, fid: int, line: int) -> int | None:
    row = reader.db.execute(
        "SELECT MIN(e.seq) FROM events e JOIN frames f ON f.id = e.frame_id WHERE f.function_id = ? AND e.kind = ? AND e.line = ?",
        (fid, LINE, line),
    ).fetchone()
    return row[0] if row else None


def _narrate(reader: TraceReader, c: Candidate, frame, nxt: Candidate | None) -> str:  # type: ignore[no-untyped-def]
    f = c.function
    parts = [f"*{PHASE_IDEAS[c.phase]}*"] if c.phase in PHASE_IDEAS else []
    if f.docstring:
        parts.append(f.docstring.strip().split("\n\n")[0].replace("\n", " "))
    if c.match:
        parts.append(f"Stops at `{c.match}` ({c.reason}).")
    calls = f"Called {f.calls:,} time{'s' if f.calls != 1 else ''}"
    if f.recorded_calls < f.calls:
        calls += f" ({f.recorded_calls} recorded in full detail)"
    parts.append(f"{calls}; {duration(f.total_ns)} in total, {duration(f.self_ns)} in its own code.")
    if frame is not None:
        if frame.args:
            shown = ", ".join(f"`{k}` = `{v}`" for k, v in list(frame.args.items())[:5])
            parts.append(f"First call's arguments: {shown}.")
        if frame.ret is not None and frame.ret != "None":
            parts.append(f"It returned `{frame.ret}`.")
        elif frame.exc:
            parts.append(f"It raised `{frame.exc.get('type')}`.")
    callees = [reader.functions[e.callee_id] for e in reader.edges() if e.caller_id == f.id and e.callee_id in reader.functions]
    if callees:
        top = sorted(callees, key=lambda g: -g.total_ns)[:3]
        parts.append("It spends its time in " + ", ".join(f"`{g.qualname}`" for g in top) + ".")
    if nxt is not None:
        parts.append(f"Next: {PHASE_TITLES.get(nxt.phase, nxt.phase).lower()} (`{nxt.function.qualname}`).")
    return "\n\n".join(parts)
