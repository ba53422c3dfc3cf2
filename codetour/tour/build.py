"""Generate a tour from a recording, with no hand-written input.

Phases are decided from what ran (:mod:`codetour.tour.phases`): the executed lines, the
calls on them and the runtime types of the values involved, in any code shape (module-level
scripts, functions, methods, loops driven by library code). Each phase that ran gets one
stop at the line that does it, on its first run, which for the per-iteration phases is
the first iteration of the main loop. Narration is built only from facts in the trace
(:mod:`codetour.tour.facts`): values at that moment, run counts, the resolved
configuration, every evaluation's result, the files written. The tour says which of the
expected phases did not run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codetour.store.processes import Process, Run, process_stops, run_around
from codetour.store.reader import Function, TraceReader
from codetour.tour import facts
from codetour.tour.model import Stop, Tour
from codetour.tour.phases import PER_ITERATION, Evidence, detect_phases, finished_normally, frame_index, model_built_as, words
from codetour.tour.runs import RunIndex, array_shape, dict_items, fields_of, is_array, is_scalar, type_of
from codetour.units import duration

PHASE_TITLES = {
    "entry": "Where the run starts",
    "config": "Configuration",
    "data": "Data",
    "environment": "The environment",
    "model": "Building the model",
    "training loop": "The main loop",
    "rollout": "Collecting experience",
    "batch": "Fetching a batch",
    "forward": "Forward pass",
    "loss": "The loss",
    "backward": "Backward pass",
    "clipping": "Gradient clipping",
    "update": "The update",
    "lr schedule": "Learning-rate schedule",
    "evaluation": "Evaluation",
    "checkpoint": "Saving a checkpoint",
    "crash": "Where the run crashed",
    "hot function": "Where the time goes",
}
PHASE_IDEAS = {
    "entry": "The program's own script starts running here.",
    "hot function": "The repo function the run spends the most time in.",
    "config": "Where the run's settings come from.",
    "data": "Where the inputs of learning are produced.",
    "environment": "The simulated world the agent learns in.",
    "model": "The network is built here: its layers and their initial parameters.",
    "training loop": "The loop that drives training; shown on its first iteration.",
    "rollout": "The current policy acts in the environment; what happens is kept to learn from.",
    "batch": "The inputs of one learning step.",
    "forward": "Inputs go through the network to produce predictions.",
    "loss": "How wrong the predictions are, as one number to minimise.",
    "backward": "Gradients of the loss flow back to every parameter.",
    "clipping": "Gradients too large are scaled down, so one step cannot go too far.",
    "update": "The optimizer moves the parameters against their gradients.",
    "lr schedule": "The learning rate changes as training goes on.",
    "evaluation": "Measuring how good the model is, without learning.",
    "checkpoint": "The trained parameters are written to disk.",
    "crash": "The run stopped here with an exception.",
}
EXPECTED = ("config", "data", "model", "training loop", "forward", "loss", "backward", "update", "evaluation", "checkpoint")
MISSING_TEXT = {
    "config": "no configuration object or hyper-parameter block was seen",
    "data": "no dataset, loader or environment construction was seen",
    "model": "no model construction was seen",
    "training loop": "no loop around a training step ran",
    "forward": "no forward pass feeding a loss was seen",
    "loss": "no loss was computed",
    "backward": "no backward pass ran in repo code",
    "update": "no optimizer step ran in repo code",
    "evaluation": "no evaluation ran",
    "checkpoint": "no checkpoint was written in this run",
}


def build_tour(reader: TraceReader, title: str | None = None) -> Tour:
    ix = RunIndex(reader)
    decided, _ = detect_phases(ix)
    away = _training_away(reader) if "hot function" in decided else None
    try:
        return _build(reader, ix, decided, away, title)
    finally:
        if away is not None:
            away.run.close()


# what a process that trained gives the tour of a process that did not: the training itself, and where its data and
# model were made when it made them; the parent's own settings, evaluation and checkpoint stay the parent's
TRAINING_PHASES = PER_ITERATION | {"training loop"}
MADE_WHERE_TRAINED = ("data", "environment", "model")


@dataclass
class Away:
    """The traced process of the run that trained, when the process toured did not (Hogwild!-style children)."""

    run: Run
    origin: Process
    process: Process
    ix: RunIndex
    decided: dict[str, Evidence]

    def others(self) -> list[Process]:
        return [p for p in self.run.processes if p is not self.origin and p is not self.process and p.info.traced]

    def said(self) -> str:
        p = self.process
        return f"{p.label} (pid {p.pid}, started by {p.info.how})"


def _training_away(reader: TraceReader) -> Away | None:
    """The first traced process of the run, other than this trace's, whose recording has an update step
    (``mp.Process(target=train)`` children, Hogwild!): its index and phases. The caller closes the run."""
    found = run_around(reader)
    if found is None:
        return None
    run, origin = found
    for process in run.processes:
        if process is origin or not process.info.traced or not process.reader.event_count:
            continue
        ix = RunIndex(process.reader)  # type: ignore[arg-type]
        decided = detect_phases(ix)[0]
        if "update" in decided:
            return Away(run, origin, process, ix, decided)
    run.close()
    return None


def _merged_phases(ix: RunIndex, decided: dict[str, Evidence], away: Away) -> tuple[dict[str, Evidence], dict[str, Evidence]]:
    """This process's phases and the training process's, one source per phase: the training phases from where they
    ran; data, environment and model from there too when it made them, else from here (a model built here and handed
    to the process: found here by its type); settings, evaluation and checkpoint from here when they ran here."""
    here = {p: ev for p, ev in decided.items() if p not in TRAINING_PHASES and p not in ("entry", "hot function")}
    there: dict[str, Evidence] = {}
    for phase, ev in away.decided.items():
        if phase in TRAINING_PHASES or phase in MADE_WHERE_TRAINED or phase not in here:
            there[phase] = ev
            here.pop(phase, None)
    forward = away.decided.get("forward")
    if "model" not in here and "model" not in there and forward is not None and forward.facts.get("model"):
        name = str(forward.facts["model"])
        kind = type_of(away.ix.value(forward.frame_id, forward.seq, name))
        built = model_built_as(ix, kind)
        if built is not None:
            built.reasons = [f"builds `{built.facts.get('name') or name}`, the object the forward pass in {away.said()} calls"]
            here["model"] = built
    return here, there


def _build(reader: TraceReader, ix: RunIndex, decided: dict[str, Evidence], away: Away | None, title: str | None) -> Tour:
    # each stop with the recording it was found in: this process's, or (Hogwild!) the process that trained
    placed: list[tuple[RunIndex, dict[str, Evidence], Evidence, list[Evidence]]]
    if away is not None:
        here, there = _merged_phases(ix, decided, away)
        placed = [(ix, here, ev, also) for ev, also in _merge(here)]
        placed += [(away.ix, there, ev, also) for ev, also in _merge(there)]
        origin, trained = away.origin, away.process
        placed.sort(key=lambda t: _wall_ns(origin if t[0] is ix else trained, t[2].seq))  # the processes' moments, in order
        decided = {**here, **there}
    else:
        placed = [(ix, decided, ev, also) for ev, also in _merge(decided)]

    meta = reader.meta
    entry = meta.get("entry") or meta.get("module") or "the program"
    functions = [f for f in ix.functions.values() if f.calls]
    missing = [p for p in EXPECTED if p not in decided and not (p == "data" and ("environment" in decided or "batch" in decided))]
    description = (
        f"Generated by codetour from a recording of `{' '.join(meta.get('argv') or [])}` "
        f"({reader.event_count:,} events, {sum(f.calls for f in functions):,} calls). "
        "Each stop is the line that does that part of the run, the first time it ran; "
        "the per-iteration stops show the first iteration of the main loop."
    )
    if away is not None:  # Hogwild!-style: the parent only starts the processes that train
        others = away.others()
        beside = f" ({len(others)} more traced process{'es' if len(others) != 1 else ''} ran beside it)" if others else ""
        update = away.decided["update"]
        made = f"{away.process.reader.files[away.ix.functions[update.fid].file_id].relpath}:{update.line}"
        description += (
            f"\n\nThe training ran in another process: this process trained nothing itself. The training stops below "
            f"are from {away.said()}, which made its updates at {made}{beside}; each says which process it ran in, and "
            f"`codetour tour {away.process.path}` tours that process alone."
        )
    if "hot function" in decided:  # no learning step: the tour follows the run's own structure
        description += (
            "\n\nNo training step ran (no loss, no gradients, no optimizer update): this tour follows where the run "
            "starts, the loop that drives it and where its time goes."
        )
        rest = [p for p in missing if p in ("evaluation", "checkpoint")]
        if rest:
            description += " Not in this run: " + "; ".join(MISSING_TEXT[p] for p in rest) + "."
    elif missing:
        texts = [MISSING_TEXT[p] for p in missing]
        fitted = decided["update"].facts.get("fit") if "update" in decided else None
        inside = [p for p in missing if p in ("forward", "loss", "backward")]
        if fitted and inside:
            # ``clf.fit(X, y)``: whatever the model computes while learning happens inside the library
            texts = [MISSING_TEXT[p] for p in missing if p not in inside]
            named = [{"forward": "forward pass", "backward": "backward pass"}.get(p, p) for p in inside]
            listed = ", ".join(named[:-1]) + (" or " if len(named) > 1 else "") + named[-1]
            texts.insert(0, f"no {listed} in repo code: they happen inside `{fitted}.fit`, if the model has them")
        description += "\n\nNot in this run: " + "; ".join(texts) + "."
    if not finished_normally(meta):
        exc = meta.get("exception") or {}
        what = exc.get("type") if isinstance(exc, dict) else exc
        description += f"\n\nThe run did not finish normally ({meta.get('status')}{': ' + str(what) if what else ''})."
    tour = Tour(title=title or f"A tour of {_short(entry)}", description=description)
    first_away = None
    for i, (where, found, ev, also) in enumerate(placed):
        func = where.functions[ev.fid]
        nxt = placed[i + 1][2] if i + 1 < len(placed) else None
        phases = [ev.phase, *(a.phase for a in also)]
        title_text = str(ev.facts.get("title") or PHASE_TITLES.get(ev.phase, ev.phase)) + "".join(
            f" + {PHASE_TITLES.get(p, p).lower()}" for p in phases[1:]
        )
        narration = _narrate(where, found, ev, also, nxt)
        if where is not ix and away is not None:
            first_away = len(tour.stops) if first_away is None else first_away
            narration = narration.replace(" in the whole run.", " in that process.").replace(" in this run.", " in that process.")
            narration = f"*This ran in another process: {away.said()}, whose recording this stop is from.*\n\n{narration}"
        text = where.info(func.file_id, ev.line).text
        tour.stops.append(
            Stop(
                title=f"{title_text}: {func.qualname}",
                at=func.qualname,
                file=where.reader.files[func.file_id].relpath,
                match=text or None,
                call=frame_index(where, ev.frame_id),
                hit=_hit(where, ev),
                phase=_stop_phase(ev.phase),
                line=ev.line,
                narration=narration,
                process=away.process.label if where is not ix and away is not None else None,
            )
        )
    # Runs with traced child processes (#18): a stop in a worker, what differs per rank (store/processes.py).
    for position, fields in reversed(process_stops(reader, [s.phase for s in tour.stops])):
        if first_away is not None and away is not None and _ran_in(away.process, fields):
            position = first_away  # the worker's call that the training stops after it come from
        tour.stops.insert(position, Stop(**fields))
    return tour


def _wall_ns(process: Process, seq: int) -> int:
    """When a step of a process's recording happened, on the wall clock (to order two processes' stops)."""
    event = process.reader.event(seq) or process.reader.next_event(seq)
    return process.wall_ns(event.ts_ns if event is not None else 0)


def _ran_in(process: Process, fields: dict) -> bool:
    """Does a stop's function (``at`` in ``file``) belong to that process's recording?"""
    reader = process.reader
    return any(
        f.qualname == fields.get("at") and reader.files[f.file_id].relpath == fields.get("file")
        for f in reader.functions.values()
    )


def _stop_phase(phase: str) -> str:
    return "other" if phase in ("entry", "hot function") else phase  # not phases of training


def _hit(ix: RunIndex, ev: Evidence) -> int:
    runs = ix.runs_in_frame(ev.frame_id, ev.line)
    return runs.index(ev.seq) + 1 if ev.seq in runs else 1


def _merge(decided: dict[str, Evidence]) -> list[tuple[Evidence, list[Evidence]]]:
    """One stop per line: phases found on the same line share it (in execution order)."""
    by_line: dict[tuple[int, int], list[Evidence]] = {}
    order = list(PHASE_TITLES)
    for ev in sorted(decided.values(), key=lambda e: (e.seq, order.index(e.phase) if e.phase in order else 99)):
        by_line.setdefault((ev.fid, ev.line), []).append(ev)
    out = [(evs[0], evs[1:]) for evs in by_line.values()]
    return sorted(out, key=lambda t: t[0].seq)


def _short(path: str) -> str:
    parts = path.replace("\\", "/").split("/")
    return "/".join(parts[-2:])


def _fmt(values: dict[str, str], limit: int = 6) -> str:
    return ", ".join(f"`{k}` = `{v}`" for k, v in list(values.items())[:limit])


def _narrate(ix: RunIndex, decided: dict[str, Evidence], ev: Evidence, also: list[Evidence], nxt: Evidence | None) -> str:
    func = ix.functions[ev.fid]
    parts = [f"*{p.facts.get('idea') or PHASE_IDEAS[p.phase]}*" for p in [ev, *also] if p.phase in PHASE_IDEAS]
    reasons = "; ".join(r for p in [ev, *also] for r in p.reasons)
    where = "module-level code" if func.kind == "module" else f"`{func.qualname}`"
    parts.append(f"Why this line: {reasons} (in {where}).")
    for p in [ev, *also]:
        parts += [fact for fact in _phase_facts(ix, decided, p) if fact not in parts]  # phases sharing a line say it once
    count = facts.run_count(ix, ev)
    head = any(lp.head == ev.line for lp in ix.loops_around(ev.fid, ev.line))
    if count is not None and ev.phase not in ("config", "crash", "training loop", "entry") and not head:
        parts.append(f"This line ran {facts.times(*count)} in the whole run.{_per_item(ix, decided, ev, count[0])}")
    compiled = facts.compiled_by_jit(ix, ev)
    if compiled:
        parts.append(compiled)
    if nxt is not None:
        parts.append(f"Next: {PHASE_TITLES.get(nxt.phase, nxt.phase).lower()}.")
    return "\n\n".join(parts)


def _per_item(ix: RunIndex, decided: dict[str, Evidence], ev: Evidence, count: int) -> str:
    """An update written as a loop over the parameters runs once per parameter: say how many per iteration of the
    main loop, so the count is not taken for the number of updates."""
    loop = decided.get("training loop")
    body = loop.facts.get("loop") if loop is not None else None
    iterations = loop.facts.get("iterations") if loop is not None else None
    if ev.phase != "update" or loop is None or loop.fid != ev.fid or body is None or not isinstance(iterations, int):
        return ""
    if ev.facts.get("optimizer"):
        return ""  # an optimizer's step inside an inner loop (``for _ in range(d_steps)``) is a whole update each time
    inner = [lp for lp in ix.loops_around(ev.fid, ev.line) if lp.head != ev.line and lp.head > body.head]  # type: ignore[attr-defined]
    if len(inner) != 1 or not inner[0].is_for or not iterations or not ix.direct_in_loop(ev.fid, inner[0].head, body):  # type: ignore[arg-type]
        return ""
    each = round(count / iterations)
    if each < 2:
        return ""
    return (
        f" That is {each} times per iteration of the main loop, once per item of `{inner[0].iter_text}`: {iterations:,} updates."
    )


def _flattened(fields: dict[str, str], prefix: str = "", depth: int = 0) -> dict[str, str]:
    """A composed config's groups as dotted keys (``model.optimizer.lr``), leaves only."""
    out: dict[str, str] = {}
    for key, value in fields.items():
        inner = fields_of(value) if depth < 6 and value.startswith("<DictConfig ") else {}
        if inner:
            out.update(_flattened(inner, f"{prefix}{key}.", depth + 1))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _phase_facts(ix: RunIndex, decided: dict[str, Evidence], ev: Evidence) -> list[str]:
    info = ix.info(ix.functions[ev.fid].file_id, ev.line)
    out: list[str] = []
    after = facts.values_named(ix, ev, info.targets, after=True)
    if ev.phase == "config":
        resolved: dict[str, str] = {}
        how = "defaults, then the command line"
        if ev.facts.get("keywords"):
            resolved = facts.constructor_arguments(ix, ev)
            how = "the arguments the constructor received, defaults included"
        elif ev.facts.get("object"):
            resolved = facts.argparse_config(ix, ev)
            obj = ix.value(ev.frame_id, ev.seq, str(ev.facts["object"]), after=True) or str(ev.facts.get("summary") or "") or None
            used: dict[str, str] = {}
            if not resolved:
                resolved = _flattened(fields_of(obj)) or dict_items(obj)  # every field: configs are summarized in full
                how = "every field of the object"
                used = facts.groups_as_used(ix, ev, str(ev.facts["object"]), resolved)
                if used:
                    resolved.update(used)
                    how += f"; {', '.join(f'`{k}`' for k in used)} as the code they were handed to received them"
            elif obj:
                out.append(f"`{ev.facts['object']}` = `{obj}`.")
            loop = decided.get("training loop")
            changed = facts.set_after_parsing(
                ix,
                ev,
                str(ev.facts["object"]),
                loop.seq if loop is not None else None,
                loop.frame_id if loop is not None else None,
            )
            changed = {k: v for k, v in changed.items() if k not in used}  # groups shown as received are in force already
            for key, (was, now) in changed.items():
                resolved[key] = (
                    f"{now} (set by the program afterwards; was {was})" if was is not None else f"{now} (added by the program)"
                )
            if changed:
                how += "; then what the program set before the main loop started"
        elif ev.facts.get("dataclass"):
            resolved = _dataclass_fields(ix, ev, str(ev.facts["dataclass"]))
            how = "every field of the object"
        elif ev.facts.get("literal_lines"):
            loop = decided.get("training loop")
            at = loop.seq if loop is not None and loop.frame_id == ev.frame_id else None
            resolved = facts.literal_config(ix, ev, at)
        if resolved:
            when = "when the main loop started" if ev.facts.get("literal_lines") else how
            rows = "\n".join(f"- `{k}` = `{v}`" for k, v in resolved.items())
            out.append(f"Resolved configuration ({len(resolved)} settings; {when}):\n\n{rows}")
        options = facts.command_line_options(ix, ev)
        if options:
            rows = "\n".join(f"- `{k}` = `{v}`" for k, v in options.items())
            out.append(f"The command line names that file; its options ({len(options)}, defaults included):\n\n{rows}")
        kind, kept = facts.learner_settings(ix, decided.get("update"))
        kept = {k: v for k, v in kept.items() if k not in resolved}
        if kept:
            rows = "\n".join(f"- `{k}` = `{v}`" for k, v in kept.items())
            out.append(
                f"Settings the learner was built with (`{kind}`, whose method makes the update; defaults included):\n\n{rows}"
            )
    elif ev.phase == "training loop":
        n = ev.facts.get("iterations")
        out.append(f"The loop ran {n:,} iteration{'s' if n != 1 else ''} in this run." if isinstance(n, int) else "")
        targets = getattr(ev.facts.get("loop"), "targets", ())
        first = facts.values_named(ix, ev, list(targets), after=True)
        if first:
            out.append(f"First iteration: {_fmt(first)}.")
    elif ev.phase in ("batch", "rollout", "data", "environment", "model"):
        if after:
            out.append(f"After this line: {_fmt(after)}.")
        if ev.phase == "batch":
            shapes = {k: v for k, v in after.items() if is_array(v)}
            handed = ev.facts.get("value")
            if isinstance(handed, str) and not shapes:
                out.append(f"Handed in: `{handed}`.")
                shapes = {k: v for k, v in fields_of(handed).items() if is_array(v)}
            if shapes:
                out.append("Batch shapes: " + ", ".join(f"`{k}` {array_shape(v)}" for k, v in shapes.items()) + ".")
        if ev.phase == "model":
            out += _model_size(after)
            item = ev.facts.get("item")
            if item:
                out.append(f"The forward pass calls an item of `{ev.facts.get('container')}`, such as `{item}`.")
            out += _model_structure(ix, ev)
            out += _other_networks(ix, ev, set(after))
    elif ev.phase in ("forward", "loss"):
        ins = facts.values_named(ix, ev, sorted(info.reads - set(info.targets)), after=False)
        tensors_in = {k: v for k, v in ins.items() if is_array(v) or type_of(v) in ("tuple", "list", "dict", "float")}
        if tensors_in:
            out.append(f"Going in: {_fmt(tensors_in)}.")
        if ev.phase == "forward":
            received = facts.received_by(ix, ev)
            if received is not None:
                out.append(f"`{received[0]}` received: {_fmt(received[1])}.")
            else:
                picked = facts.indexed_shapes(ix, ev)
                if picked:
                    out.append("Selected on this line: " + ", ".join(f"`{k}` {v}" for k, v in picked.items()) + ".")
        if after:
            out.append(f"Coming out: {_fmt(after)}.")
        if ev.phase == "loss":
            for name in info.targets:
                whole = facts.value_series(ix, ev, name)
                if whole is not None and whole.count >= 2:
                    out.append(f"Over the whole run, {whole.text()}.")
                    continue
                values = facts.series(ix, ev, name)
                last = facts.final_value(ix, ev, name)
                if len(values) >= 2:
                    out.append(
                        f"`{name}` over the recorded runs: {' → '.join(f'{v:.4g}' for v in values[:6])}"
                        + (f"; {last[1]}: `{last[0]}`." if last else ".")
                    )
    elif ev.phase == "evaluation":
        out += _evaluations(ix, ev)
    elif ev.phase == "hot function":
        func = ix.functions[ev.fid]
        out.append(
            f"`{func.qualname}` ran {facts.times(func.calls)}: {duration(func.total_ns)} in total, "
            f"{duration(func.self_ns)} in its own lines."
        )
    elif ev.phase in ("update", "lr schedule"):
        lr = _learning_rate(ix, decided, ev)
        if lr is not None:
            out.append(f"The learning rate over the run: {lr.text(f'`{lr.name}`')}.")
        others = ev.facts.get("other_updates") or []
        if isinstance(others, list) and others:
            shown = []
            for o in others[:4]:
                count = facts.run_count(ix, o)
                ran = f", {facts.times(*count)}" if count is not None else ""
                where = ix.functions[o.fid]
                # in another function: a training procedure of its own (a student distilled after its teacher trained)
                inside = f" in `{where.qualname}`" if o.fid != ev.fid and where.kind == "function" else ""
                shown.append(f"{o.reasons[0]} at {ix.reader.files[where.file_id].relpath}:{o.line}{inside}{ran}")
            out.append(
                f"{'Another optimizer is' if len(others) == 1 else 'Other optimizers are'} stepped too: {'; '.join(shown)}."
            )
    elif ev.phase == "checkpoint":
        written = ev.facts.get("files")
        if isinstance(written, list):
            shown = [f"`{path}` ({size:,} bytes)" for path, size in written[:5]]
            more = f" and {len(written) - 5} more" if len(written) > 5 else ""
            out.append(f"No repo line saves; while the run went on, library code wrote {', '.join(shown)}{more}.")
        opened = ev.facts.get("opened")
        if opened:
            out.append(f"Opens `{opened}` for writing; no save library is involved.")
        paths = facts.saved_paths(ix, ev) if ev.facts.get("call") else []
        if paths:
            out.append("Writes " + ", ".join(paths) + ".")
    elif ev.phase == "crash":
        exc = ev.facts.get("exception") or {}
        if isinstance(exc, dict):
            out.append(f"Raised `{exc.get('type')}`: {exc.get('message')}.")
        before = ix.before(ev.frame_id, ev.seq)
        if before and ev.facts.get("folded"):
            out.append(
                "It raised in a loop iteration past the recording budget, so the last locals recorded there are from an "
                f"earlier iteration: {_fmt(dict(list(before.items())[-8:]), 8)}."
            )
        elif before:
            out.append(f"Locals there: {_fmt(dict(list(before.items())[-8:]), 8)}.")
    return [p for p in out if p]


_TORCH_SIZE = re.compile(r"\(torch module: ((?:at least )?[\d,]+) parameters(?:; (\d+) child(?:ren)?: ([^)]*))?\)")
_ARRAY_IN = re.compile(r"(?:^|[{,] ?)(\w+): \w+ \w+\[([\d, ]*)\]")


def _other_networks(ix: RunIndex, ev: Evidence, shown: set[str]) -> list[str]:
    """Other networks the same code built (a GAN's generator beside its discriminator, an actor beside a
    critic, a target network): torch modules assigned in the model's frame, loss modules aside."""
    fr = ix.frame(ev.frame_id)
    if fr is None:
        return []
    scope = ix.reader.locals_at(fr.id, fr.end_seq if fr.end_seq is not None else (ix.reader.last_seq or 0))
    others = []
    for name, value in scope.items():
        kind = type_of(value) or ""
        if name in shown or "(torch module" not in value or kind.endswith("Loss"):
            continue
        made = ix.last_assignment(fr.id, name, fr.end_seq if fr.end_seq is not None else (1 << 62))
        if made is not None and ix.info(ix.functions[ev.fid].file_id, made[0]).reads & shown:
            continue  # the same network under another name (``raw_model = model.module if ddp else model``)
        size = _TORCH_SIZE.search(value)
        others.append(f"`{name}` ({kind}{', ' + size.group(1) + ' parameters' if size else ''})")
    if not others:
        return []
    func = ix.functions[ev.fid]
    where = "module-level code" if func.kind == "module" else f"`{func.qualname}`"
    return [f"Other networks {where} built: {', '.join(others[:4])}{' and more' if len(others) > 4 else ''}."]


def _model_size(after: dict[str, str]) -> list[str]:
    """Parameter count and top-level structure of the model the line built, from its recorded summary:
    a torch module's (counted by the recorder from its parameter dicts), or the arrays a plain object holds."""
    for name, summary in after.items():
        m = _TORCH_SIZE.search(summary)
        if m:
            text = f"`{name}` has {m.group(1)} parameters"
            if m.group(3):
                text += f"; top level ({m.group(2)}): " + ", ".join(f"`{c.strip()}`" for c in m.group(3).split(","))
            return [text + "."]
        total, parts, partial = 0, [], False
        for field, value in fields_of(summary).items():
            shapes: list[tuple[str, str]] = []
            if is_array(value):
                shapes.append((field, (array_shape(value) or "").split("[", 1)[-1].rstrip("]")))
            head = re.match(r"^dict\[(\d+)\] \{", value)
            if head:
                found = _ARRAY_IN.findall(value)
                shapes += [(f"{field}[{k!r}]", dims) for k, dims in found]
                partial = partial or len(found) < int(head.group(1))
            for label, dims in shapes:
                n = 1
                for d in dims.split(","):
                    if d.strip().isdigit():
                        n *= int(d)
                total += n
                parts.append(f"`{label}` [{dims}]")
        if parts:
            return [f"`{name}` holds {'at least ' if partial else ''}{total:,} parameters in arrays: {', '.join(parts)}."]
    return []


def _model_structure(ix: RunIndex, ev: Evidence) -> list[str]:
    """The attributes the model's own ``__init__`` set (its layers), when that ran in repo code."""
    out = []
    for c in ix.called_from(ev.frame_id, ev.seq):
        func = ix.functions.get(c.function_id)
        if func is None or func.name != "__init__":
            continue
        end = c.end_seq or ix.reader.last_seq or 0
        scope = ix.reader.locals_at(c.id, end)
        self_summary = scope.get("self")
        layers = []
        for run in ix.runs:
            if run.fid != func.id:
                continue
            for target in ix.info(func.file_id, run.line).targets:
                if target.startswith("self.") and target.count(".") == 1:
                    layers.append(target[5:])
        if layers:
            out.append(f"`{func.qualname}` sets: " + ", ".join(f"`{n}`" for n in dict.fromkeys(layers)) + ".")
        elif self_summary:
            out.append(f"The model: `{self_summary}`.")
        took = duration(c.end_ns - c.start_ns) if c.end_ns is not None else None
        if took:
            out.append(f"Building it took {took}.")
    return out


def _dataclass_fields(ix: RunIndex, ev: Evidence, cls: str) -> dict[str, str]:
    """The fields of the ``cls`` instance the line built: assigned, or passed to a recorded call."""
    for name in ix.info(ix.functions[ev.fid].file_id, ev.line).targets:
        value = ix.value(ev.frame_id, ev.seq, name, after=True)
        if type_of(value) == cls:
            return fields_of(value)
    for child in ix.called_from(ev.frame_id, ev.seq):
        for value in (child.args or {}).values():
            if type_of(value) == cls:
                return fields_of(value)
    return {}


LR_WORDS = {"lr", "learning"}


def _learning_rate(ix: RunIndex, decided: dict[str, Evidence], ev: Evidence) -> facts.SeriesFact | None:
    """The learning rate as a scalar local over the run: what the schedule line writes into the
    optimizer, else a scalar the update's loop assigns whose name says learning rate."""
    sched = decided.get("lr schedule")
    candidates: list[tuple[Evidence, str]] = []
    if sched is not None:
        info = ix.info(ix.functions[sched.fid].file_id, sched.line)
        candidates += [(sched, n) for n in sorted(info.reads | set(info.targets))]
    names = {r[3] for r in ix.series_rows() if r[0] == ev.fid and r[1] is not None}
    candidates += [(ev, n) for n in sorted(names) if words(n) & LR_WORDS]
    for where, name in candidates:
        fact = facts.loop_series(ix, where.fid, where.line, name)
        if fact is not None and fact.count >= 2 and type(fact.first) is float:
            return fact
    update = decided.get("update")
    kind = update.facts.get("optimizer") if update is not None else None
    return facts.optimizer_rates(ix, kind) if isinstance(kind, str) else None


def _series_per_call_site(ix: RunIndex, ev: Evidence, func: Function) -> list[tuple[int, facts.SeriesFact]]:
    """For each line of the caller that assigns what ``func`` returned, that name over the caller's loop."""
    caller_id: int | None = ev.fid
    if ev.fid == func.id:  # the stop is inside the evaluation function: its caller's lines
        first = next((fr for fr in ix.reader.frames_of(func.id) if fr.parent_id is not None), None)
        parent = ix.frame(first.parent_id) if first is not None and first.parent_id is not None else None
        caller_id = parent.function_id if parent is not None and parent.function_id in ix.functions else None
    if caller_id is None:
        return []
    file_id = ix.functions[caller_id].file_id
    sites = set()
    for run in ix.runs:
        info = ix.info(file_id, run.line) if run.fid == caller_id else None
        if (
            info is not None
            and len(info.targets) == 1
            and any((c.method or c.callee.split(".")[-1]) == func.name for c in info.calls)
        ):
            sites.add((run.line, info.targets[0]))
    out = []
    for line, target in sorted(sites):
        loops = [lp for lp in ix.loops_around(caller_id, line) if lp.head != line]
        if not loops or not ix.direct_in_loop(caller_id, line, loops[-1]):
            return []  # under an ``if step % 10 == 0``: a per-iteration sample would repeat old results
        fact = facts.loop_series(ix, caller_id, line, target)
        if fact is not None:
            out.append((line, fact))
    return out if len(out) == len(sites) else []


def _evaluations(ix: RunIndex, ev: Evidence) -> list[str]:
    name = ev.facts.get("function")
    func = next((f for f in ix.functions.values() if f.qualname == name), None) if name else None
    if func is None and ix.functions[ev.fid].kind == "function":
        func = ix.functions[ev.fid]  # the stop is inside the evaluation function
    if func is None:
        return []
    results = [fr.ret for fr in ix.reader.frames_of(func.id) if not fr.resumed and fr.ret is not None]
    out = [f"`{func.qualname}` ran {facts.times(func.calls)} ({duration(func.total_ns)} in total)."]
    # called from several lines of a loop (``vali_loss = self.vali(val_loader)``, ``test_loss =
    # self.vali(test_loader)``): each line's results apart, not one merged series
    per_site = _series_per_call_site(ix, ev, func)
    if len(per_site) >= 2 and all(fact.count >= 2 for _, fact in per_site):
        out += [f"At line {line}, {fact.text()}." for line, fact in per_site]
        return out
    every = facts.return_series(ix, func.id)
    if every is not None and every.count == func.calls and every.count == len(every.points):
        shown = ", ".join(facts.num(x) for x in every.points)
        out.append(f"Every result ({every.count}): {shown} {facts.sparkline(every.points)}".rstrip() + ".")
        return out
    if every is not None and every.count >= 2:
        out.append(f"Results over the run: {every.text('its result')}.")
    if results and all(r == "None" for r in results):
        # it returns nothing and prints or logs what it measured: the numbers it computed, as each call ended
        frames = [fr for fr in ix.reader.frames_of(func.id) if not fr.resumed and fr.end_seq is not None][:5]
        measured = []
        for i, fr in enumerate(frames, 1):
            scope = ix.reader.locals_at(fr.id, fr.end_seq or fr.start_seq)
            numbers = {k: v for k, v in scope.items() if k not in (fr.args or {}) and is_scalar(v)}
            if numbers:
                measured.append(f"- {i}: {_fmt(numbers, 4)}")
        if measured:
            more = f" (the first {len(frames)} recorded)" if len(frames) < func.calls else ""
            out.append(f"It returns nothing; the numbers it computed, as each call ended{more}:\n\n" + "\n".join(measured))
        return out  # a list of None results says nothing
    if results:
        rows = "\n".join(f"- {i}: `{r}`" for i, r in enumerate(results, 1))
        more = f" (the first {len(results)} recorded)" if len(results) < func.calls else ""
        out.append(f"Results{more}:\n\n{rows}")
    return out
