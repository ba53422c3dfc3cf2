"""The tour model and its file format.

A tour file is Markdown, so narration is pleasant to write and diffs review well::

    # A tour of minimal PPO
    repo: ../sample_repos/minimal_ppo
    entry: train.py
    args: --updates 2 --num-steps 256

    Optional description of the whole tour.

    ## The environment step
    at: CartPole.step
    file: ppo/env.py
    match: thetaacc =
    phase: environment

    Narration in Markdown, as long as you like.

Schema. Tour header lines (right under the ``#`` title, before a blank line):
``repo`` (path to the repo root, relative to the tour file), ``entry`` (script to record,
relative to the repo), ``args`` (its arguments, shell-quoted), ``module`` (instead of
entry: ``python -m``). Stop lines (right under a ``##`` heading): ``at`` (required: the
function's qualified name, ``Class.method``, ``<module>`` for module-level code),
``file`` (path relative to the repo, to disambiguate), ``match`` (text on the line to
stop at, inside that function; ``/regex/`` for a regular expression), ``call`` (stop in
the n-th recorded call, default 1), ``hit`` (the n-th time that line runs in that call,
default 1), ``phase`` (config, data, environment, model, training loop, rollout, batch, forward,
loss, backward, clipping, update, lr schedule, backward/update, evaluation, checkpoint,
crash, other), ``process`` (in a run of several processes: the role of the process the stop
is in, as ``codetour trace`` lists them, ``rank 1``, ``DataLoader worker 0``, ``Process-1``;
without it, the process the tour is opened on, else the first that ran the function),
``line`` (the line it was last seen at: written by codetour, used by ``tour check`` to
report moves). Everything after those lines is the stop's narration.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path

from codetour.errors import InputError, TourFormatError

PHASES = (
    "config",
    "data",
    "environment",
    "model",
    "training loop",
    "rollout",
    "batch",
    "forward",
    "loss",
    "backward",
    "clipping",
    "update",
    "lr schedule",
    "backward/update",
    "evaluation",
    "checkpoint",
    "crash",
    "other",
)
STOP_KEYS = ("at", "file", "match", "call", "hit", "phase", "process", "line")
TOUR_KEYS = ("repo", "entry", "module", "args")
_KEY_LINE = re.compile(r"^([a-z]+):\s*(.*)$")


@dataclass
class Stop:
    """One stop of a tour: a title, an anchor (a function's qualified name plus an optional line
    pattern, so it survives edits), the phase it shows, and its narration."""

    title: str
    at: str
    narration: str = ""
    file: str | None = None
    match: str | None = None
    call: int = 1
    hit: int = 1
    phase: str | None = None
    line: int | None = None  # last known line (a hint for `tour check`)
    process: str | None = None  # the role of the process the stop is in (a run of several processes)


@dataclass
class Tour:
    """An ordered list of stops through a recorded run, with what to record (repo, entry, args);
    read from and written to Markdown files."""

    title: str
    stops: list[Stop] = field(default_factory=list)
    description: str = ""
    repo: str | None = None
    entry: str | None = None
    module: str | None = None
    args: list[str] = field(default_factory=list)
    path: Path | None = None  # where it was loaded from

    def repo_root(self) -> Path | None:
        if self.repo is None:
            return None
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.repo).resolve()


def parse_tour(text: str, source: str = "<tour>") -> Tour:
    lines = text.splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not lines[i].startswith("# "):
        raise TourFormatError(f"{source}: a tour starts with a '# Title' line")
    tour = Tour(title=lines[i][2:].strip())
    i += 1
    tour_fields: dict[str, str] = {}
    i = _read_keys(lines, i, TOUR_KEYS, tour_fields, f"{source}: tour header")
    for key, value in tour_fields.items():
        if key == "args":
            try:
                tour.args = shlex.split(value)
            except ValueError as exc:
                raise TourFormatError(f"{source}: tour header: args: {exc}") from None
        else:
            setattr(tour, key, value)
    description: list[str] = []
    while i < len(lines) and not lines[i].startswith("## "):
        description.append(lines[i])
        i += 1
    tour.description = "\n".join(description).strip()
    number = 0
    while i < len(lines):
        number += 1
        title = lines[i][3:].strip()
        where = f"{source}: stop {number} ({title!r})"
        if not title:
            raise TourFormatError(f"{source}: stop {number} has an empty title")
        i += 1
        values: dict[str, str] = {}
        i = _read_keys(lines, i, STOP_KEYS, values, where)
        body: list[str] = []
        while i < len(lines) and not lines[i].startswith("## "):
            body.append(lines[i])
            i += 1
        if "at" not in values or not values["at"]:
            raise TourFormatError(f"{where}: missing 'at:' (the qualified name of the function to stop in)")
        stop = Stop(title=title, at=values["at"], narration="\n".join(body).strip())
        for key in ("file", "match", "process"):
            if values.get(key):
                setattr(stop, key, values[key])
        for key in ("call", "hit", "line"):
            if key in values:
                try:
                    number_value = int(values[key])
                except ValueError:
                    raise TourFormatError(f"{where}: '{key}:' must be a whole number, not {values[key]!r}") from None
                if number_value < 1:
                    raise TourFormatError(f"{where}: '{key}:' must be at least 1")
                setattr(stop, key, number_value)
        if values.get("phase"):
            if values["phase"] not in PHASES:
                raise TourFormatError(f"{where}: unknown phase {values['phase']!r} (one of: {', '.join(PHASES)})")
            stop.phase = values["phase"]
        if stop.match and stop.match.startswith("/") and stop.match.endswith("/") and len(stop.match) > 1:
            try:
                re.compile(stop.match[1:-1])
            except re.error as exc:
                raise TourFormatError(f"{where}: 'match:' is not a valid regular expression ({exc})") from None
        tour.stops.append(stop)
    if not tour.stops:
        raise TourFormatError(f"{source}: the tour has no stops ('## Title' sections)")
    return tour


def _read_keys(lines: list[str], i: int, allowed: tuple[str, ...], out: dict, where: str) -> int:
    while i < len(lines):
        m = _KEY_LINE.match(lines[i])
        if not m:
            break
        key, value = m.group(1), m.group(2).strip()
        if key not in allowed:
            if out:  # a key-looking line after real keys is a typo, not narration
                raise TourFormatError(f"{where}: unknown key {key!r} (expected one of: {', '.join(allowed)})")
            break
        out[key] = value
        i += 1
    return i


def load_tour(path: str | Path) -> Tour:
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such tour file: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read tour file {path}: {exc}") from None
    tour = parse_tour(text, str(path))
    tour.path = path.resolve()
    return tour


def format_tour(tour: Tour) -> str:
    out = [f"# {tour.title}"]
    if tour.repo:
        out.append(f"repo: {tour.repo}")
    if tour.module:
        out.append(f"module: {tour.module}")
    elif tour.entry:
        out.append(f"entry: {tour.entry}")
    if tour.args:
        out.append(f"args: {shlex.join(tour.args)}")
    out.append("")
    if tour.description:
        out += [tour.description, ""]
    for stop in tour.stops:
        out.append(f"## {stop.title}")
        out.append(f"at: {stop.at}")
        if stop.file:
            out.append(f"file: {stop.file}")
        if stop.match:
            out.append(f"match: {stop.match}")
        if stop.call != 1:
            out.append(f"call: {stop.call}")
        if stop.hit != 1:
            out.append(f"hit: {stop.hit}")
        if stop.phase:
            out.append(f"phase: {stop.phase}")
        if stop.process:
            out.append(f"process: {stop.process}")
        if stop.line:
            out.append(f"line: {stop.line}")
        out.append("")
        if stop.narration:
            out += [stop.narration, ""]
    return "\n".join(out).rstrip() + "\n"


def save_tour(tour: Tour, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(format_tour(tour), encoding="utf-8")
    return path


def with_lines(tour: Tour, lines: list[int | None]) -> Tour:
    return replace(tour, stops=[replace(s, line=ln or s.line) for s, ln in zip(tour.stops, lines)])
