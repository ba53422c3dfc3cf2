"""Score generated tours against hand-written labels on a corpus of real ML repos.

Each ``benchmarks/corpus/<name>.toml`` names a public repo at a pinned commit, how to fetch it, how
to make its run small (prepare steps, one-line replacements), the run command, and labels: for each
essential phase of the run (configuration, data, model, loop, batch, forward, loss, backward, update,
LR schedule, clipping, evaluation, checkpoint) the ``file:line`` an expert would point a newcomer
to, written from the source before looking at any generated tour. See benchmarks/corpus/README.md.

For every manifest this script

1. checks the repo is extracted under ``$CODETOUR_CORPUS/<dir>`` (default /work/scratch/corpus) and
   prints the exact fetch instructions if not (then skips it);
2. applies the prepare steps and replacements (idempotent);
3. runs the command untraced, then under ``codetour trace``, and prints the overhead ratio;
4. builds the generated tour with codetour's Python API (see ``generated_stops``, the one adapter)
   and scores it against the labels; prints ``codetour tour print TRACE`` to check stated facts.

Columns: ``exec`` labelled phases that ran; ``found`` of those, how many have a stop of that phase
anywhere; ``@line`` how many have a stop of that phase at a labelled line (+-2); ``order`` whether the
stops are in execution order; ``wrong`` stops whose phase the labels place elsewhere or that the
repo does not have; ``counts``/``config``/``shape`` whether the printed tour states the number of
updates, the resolved config fields, and the batch shape; ``false-no`` clauses of the printed tour
saying a phase did not run ("no evaluation ran", "No training step ran") that the labels say ran;
``bad#`` run counts stated at the primary update / loop line that differ from the manifest's
``updates`` / ``iterations``. A stop whose title names two phases ("Forward pass + the loss") is scored
for each: found at the line for both, and a wrong stop if either is not at its label. A run with traced
child processes (shards in ``<trace>.d/``): a stop in another process is resolved there, as ``codetour
tour`` renders it, and a labelled line counts as run when it ran in any traced process of the run.

``--manifests heldout`` runs ``benchmarks/corpus_heldout/`` instead: repos of other shapes, labelled
before any tour of them was seen and never developed against, scored the same way (give
``--manifests`` twice for both sets, one table each).

Usage::

    python benchmarks/bench_tours.py [--only NAME[,NAME]] [--python PY] [--json] [-v]
    python benchmarks/bench_tours.py --manifests corpus --manifests heldout --codetour-rev HEAD
    python benchmarks/bench_tours.py --list
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    tomllib = None  # type: ignore[assignment]

HERE = Path(__file__).resolve().parent
MANIFEST_DIR = HERE / "corpus"
# Sets of manifests by name (--manifests NAME); any other --manifests value is a directory of them.
# "heldout" holds repos labelled before any tour of them was seen and never used while developing the
# tour engine: the same measure on code the engine was not tuned on (see corpus_heldout/README.md).
MANIFEST_SETS = {"corpus": MANIFEST_DIR, "main": MANIFEST_DIR, "heldout": HERE / "corpus_heldout"}
DEFAULT_CORPUS = "/work/scratch/corpus"
DEFAULT_PYTHON = "/work/scratch/corpus-venv/bin/python"
TOLERANCE = 2  # a stop within this many lines of a labelled line is at that line

# The labels' phases, in the order a run usually first reaches them.
PHASES = (
    "config",
    "data",
    "environment",
    "model",
    "loop",
    "lr_schedule",
    "evaluation",
    "checkpoint",
    "batch",
    "forward",
    "loss",
    "backward",
    "clip",
    "update",
)
# A generated stop's phase name -> the label phases it may stand for. Generous on purpose: a stop
# called "backward/update" is right at the backward line and at the step line.
PHASE_SYNONYMS: dict[str, set[str]] = {
    "config": {"config"},
    "configuration": {"config"},
    "data": {"data", "batch"},
    "environment": {"environment", "batch"},
    "env": {"environment", "batch"},
    "model": {"model"},
    "model construction": {"model"},
    "training loop": {"loop"},
    "main loop": {"loop"},
    "loop": {"loop"},
    "rollout": {"batch", "environment"},
    "batch": {"batch", "data"},
    "batch fetch": {"batch", "data"},
    "rollout or batch fetch": {"batch", "data", "environment"},
    "forward": {"forward"},
    "loss": {"loss"},
    "backward/update": {"backward", "update", "clip"},
    "backward": {"backward"},
    "update": {"update", "clip", "lr_schedule"},
    "optimizer step": {"update"},
    "lr schedule": {"lr_schedule"},
    "learning rate": {"lr_schedule"},
    "lr_schedule": {"lr_schedule"},
    "clip": {"clip"},
    "clipping": {"clip"},
    "gradient clipping": {"clip"},
    "evaluation": {"evaluation"},
    "eval": {"evaluation"},
    "checkpoint": {"checkpoint"},
    "save": {"checkpoint"},
}
IGNORED_PHASES = {"", "other", "none", "crash", "error", "exception"}


# ----------------------------------------------------------------------------- the adapter
def generated_stops(trace: str) -> list[dict[str, Any]]:
    """The one place that knows codetour's tour API: the generated tour's stops, resolved.

    Runs inside the corpus interpreter (``--_inspect``). Returns, per stop in tour order: its
    title, phase, anchor, and the file/line/trace step it resolves to in the recording.
    """
    from codetour.store.reader import TraceReader
    from codetour.tour.build import build_tour
    from codetour.tour.resolve import resolve_tour

    try:  # a stop in another process of the run (a worker, a spawned trainer) resolves there, as the renderer does
        from codetour.tour.render import resolve_in_other_processes
    except ImportError:  # a codetour from before traced child processes (#18)

        def resolve_in_other_processes(resolved: Any, reader: Any) -> Any:
            return resolved

    out: list[dict[str, Any]] = []
    with TraceReader(trace) as reader:
        tour = build_tour(reader)
        for stop, resolved in zip(tour.stops, resolve_in_other_processes(resolve_tour(tour, reader), reader)):
            out.append(
                {
                    "title": stop.title,
                    "phase": stop.phase or "",
                    "at": stop.at,
                    "match": stop.match,
                    "file": resolved.file or stop.file,
                    "line": resolved.line or stop.line,
                    "seq": resolved.seq,
                    "status": resolved.status,
                    "built_line": stop.line,  # the line the builder meant, if it says
                }
            )
    return out


def first_runs(trace: str, spans: list[tuple[str, int, int]]) -> list[int | None]:
    """For each (file, first, last) span, the first recorded trace step at a line in it (or None); a span that ran
    only in another traced process of the run (its shard, ``run.ctrace.d/<pid>.ctrace``) gets that process's step."""
    result = _first_runs_in(trace, spans)
    shards = sorted(Path(trace + ".d").glob("*.ctrace")) if Path(trace + ".d").is_dir() else []
    for shard in shards:
        if all(seq is not None for seq in result):
            break
        there = _first_runs_in(str(shard), spans)
        result = [seq if seq is not None else other for seq, other in zip(result, there)]
    return result


def _first_runs_in(trace: str, spans: list[tuple[str, int, int]]) -> list[int | None]:
    from codetour.store.reader import TraceReader

    result: list[int | None] = []
    with TraceReader(trace) as reader:
        by_path = {f.relpath: fid for fid, f in reader.files.items()}
        covered: dict[int, set[int]] = {}
        for file, first, last in spans:
            fid = by_path.get(file)
            if fid is None:
                result.append(None)
                continue
            lines = covered.setdefault(fid, reader.covered_lines(fid))
            seqs = []
            for line in range(first, last + 1):
                if line in lines:
                    event = reader.line_events_at(fid, line, after=-1)
                    if event is not None:
                        seqs.append(event.seq)
            result.append(min(seqs) if seqs else None)
    return result


def _inspect_main(trace: str, spans_json: str, build: bool = True) -> int:
    spans = [tuple(s) for s in json.loads(spans_json)]
    payload: dict[str, Any] = {"stops": []}
    start = time.perf_counter()
    try:
        if build:  # --check-labels needs only the labelled lines' first runs, not a tour of a --full trace
            payload["stops"] = generated_stops(trace)
    except Exception as exc:  # a builder crash is a result to report, not ours to raise
        payload["error"] = f"{type(exc).__name__}: {exc}"
    payload["build_s"] = time.perf_counter() - start
    try:
        payload["label_runs"] = first_runs(trace, spans)  # type: ignore[arg-type]
    except Exception as exc:
        payload["label_runs_error"] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(payload))
    return 0


# ----------------------------------------------------------------------------- manifests
class ManifestError(Exception):
    pass


@dataclass
class Span:
    file: str
    first: int
    last: int

    def contains(self, file: str | None, line: int | None, tolerance: int = TOLERANCE) -> bool:
        return file == self.file and line is not None and self.first - tolerance <= line <= self.last + tolerance

    def __str__(self) -> str:
        return f"{self.file}:{self.first}" + (f"-{self.last}" if self.last != self.first else "")


@dataclass
class Label:
    phase: str
    spans: list[Span]
    why: str
    runs: bool = True
    optional: bool = False
    absent: bool = False


@dataclass
class Manifest:
    path: Path
    name: str
    repo: str
    commit: str
    dir: str
    shape: str
    holdout: bool
    fetch_source: str
    fetch_paths: list[str]
    cwd: str
    script: str
    args: list[str]
    env: dict[str, str]
    pip: list[str]
    timeout: float
    prepare: list[dict[str, Any]]
    replace: list[dict[str, Any]]
    labels: dict[str, Label]
    facts: dict[str, Any]
    set_name: str = "corpus"  # the manifest set it belongs to (the directory's name)

    @property
    def prepare_dir(self) -> Path:
        """Where this manifest's prepare scripts live: ``prepare/`` beside the manifest."""
        return self.path.parent / "prepare"


_SPAN = re.compile(r"^(?P<file>[^:]+):(?P<first>\d+)(?:-(?P<last>\d+))?$")


def parse_span(text: str, where: str) -> Span:
    m = _SPAN.match(text)
    if not m:
        raise ManifestError(f"{where}: {text!r} is not 'file:line' or 'file:first-last'")
    first = int(m.group("first"))
    last = int(m.group("last") or first)
    if last < first:
        raise ManifestError(f"{where}: {text!r} ends before it starts")
    return Span(m.group("file"), first, last)


def load_manifest(path: Path) -> Manifest:
    if tomllib is None:
        raise ManifestError("reading manifests needs Python 3.11+ (tomllib)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path.name}: {exc}") from None
    try:
        run = data["run"]
        labels: dict[str, Label] = {}
        for phase, spec in data.get("labels", {}).items():
            where = f"{path.name}: labels.{phase}"
            if phase not in PHASES:
                raise ManifestError(f"{where}: unknown phase (one of: {', '.join(PHASES)})")
            spans = [parse_span(s, where) for s in spec.get("at", [])]
            absent = bool(spec.get("absent", False))
            if not spans and not absent:
                raise ManifestError(f"{where}: needs 'at' (or absent = true)")
            labels[phase] = Label(
                phase,
                spans,
                spec.get("why", ""),
                runs=bool(spec.get("runs", True)),
                optional=bool(spec.get("optional", False)),
                absent=absent,
            )
        return Manifest(
            path=path,
            name=data["name"],
            repo=data["repo"],
            commit=data["commit"],
            dir=data.get("dir", data["name"]),
            shape=data.get("shape", ""),
            holdout=bool(data.get("holdout", False)),
            fetch_source=data["fetch"]["source"],
            fetch_paths=list(data["fetch"].get("paths", [])),
            cwd=run.get("cwd", "."),
            script=run["script"],
            args=[str(a) for a in run.get("args", [])],
            env={k: str(v) for k, v in run.get("env", {}).items()},
            pip=list(run.get("pip", [])),
            timeout=float(run.get("timeout", 600)),
            prepare=list(data.get("prepare", [])),
            replace=list(data.get("replace", [])),
            labels=labels,
            facts=dict(data.get("facts", {})),
            set_name=path.parent.name,
        )
    except KeyError as exc:
        raise ManifestError(f"{path.name}: missing key {exc}") from None


def fetch_instructions(m: Manifest, corpus: Path) -> str:
    dest = corpus / m.dir
    paths = " ".join(m.fetch_paths)
    return (
        f"  1. search tool: fetch {m.fetch_source}   (prints its git directory, GITDIR)\n"
        f"  2. mkdir -p {dest} && git --git-dir=GITDIR archive {m.commit} {paths}".rstrip()
        + f" | tar -x -C {dest}\n"
        f"     (pinned commit {m.commit}; check with git --git-dir=GITDIR rev-parse HEAD)"
    )


def missing_files(m: Manifest, repo: Path) -> list[str]:
    """Files the manifest needs from the repo (the script and every labelled file) that are not there."""
    made = {str(Path(step["to"])) for step in m.prepare if "to" in step}
    needed = [str(Path(m.cwd) / m.script), *sorted({s.file for lab in m.labels.values() for s in lab.spans})]
    return [f for f in needed if str(Path(f)) not in made and not (repo / f).is_file()]


def _expand(text: str, python: str, repo: Path, prepare: Path) -> str:
    return text.replace("{python}", python).replace("{prepare}", str(prepare)).replace("{repo}", str(repo))


def apply_replacements(m: Manifest, repo: Path) -> list[str]:
    """Apply the manifest's one-line replacements; returns what changed. Idempotent."""
    changed = []
    for r in m.replace:
        path = repo / r["file"]
        where = f"{m.name}: replace {r['file']}:{r['line']}"
        if not path.is_file():
            raise ManifestError(f"{where}: no such file in the extracted repo")
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        i = int(r["line"]) - 1
        if not 0 <= i < len(lines):
            raise ManifestError(f"{where}: the file has {len(lines)} lines")
        body = lines[i].rstrip("\r\n")
        ending = lines[i][len(body) :]
        if body == r["new"]:
            continue
        if body != r["old"]:
            raise ManifestError(f"{where}: line is {body!r}, expected {r['old']!r} (wrong commit?)")
        lines[i] = r["new"] + ending
        path.write_text("".join(lines), encoding="utf-8")
        changed.append(f"{r['file']}:{r['line']}")
    return changed


def run_prepare(m: Manifest, repo: Path, python: str) -> None:
    run_prepare_copies(m, repo)
    for step in m.prepare:
        if "copy" in step:
            continue
        creates = step.get("creates")
        if creates and (repo / creates).exists():
            continue
        argv = [_expand(a, python, repo, m.prepare_dir) for a in step["argv"]]
        proc = subprocess.run(argv, cwd=repo / step.get("cwd", "."), capture_output=True, text=True)
        if proc.returncode != 0:
            raise ManifestError(f"{m.name}: prepare step {argv} failed: {proc.stderr.strip()[-300:]}")


# ----------------------------------------------------------------------------- running
@dataclass
class Timed:
    seconds: float
    returncode: int | None  # None: timed out
    tail: str = ""
    cpu: float = 0.0  # user + system seconds of the run and its children: steadier than wall time on a shared machine


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Timed:
    start, cpu0 = time.perf_counter(), _children_cpu()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the process group this call started, nothing else
        out, _ = proc.communicate()
        return Timed(time.perf_counter() - start, None, (out or "")[-2000:], _children_cpu() - cpu0)
    return Timed(time.perf_counter() - start, proc.returncode, (out or "")[-2000:], _children_cpu() - cpu0)


BUILD_TIMEOUT = 900.0  # seconds for building (or printing) one tour


@dataclass
class Captured:
    returncode: int | None  # None: timed out
    stdout: str
    stderr: str


def capture_run(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> Captured:
    """Run to completion with the whole output, or kill its process group after ``timeout``."""
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, errs = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the process group this call started, nothing else
        out, errs = proc.communicate()
        return Captured(None, out or "", errs or "")
    return Captured(proc.returncode, out or "", errs or "")


def run_env(m: Manifest, repo: Path, python: str, codetour_src: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    for k in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
        env.pop(k, None)
    # One thread for torch/BLAS: steadier timings on a shared machine, the same for both runs.
    env.update(
        {"PYTHONHASHSEED": "0", "COLUMNS": "160", "NO_COLOR": "1", "TERM": "dumb", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1"}
    )
    env.update({k: _expand(v, python, repo, m.prepare_dir) for k, v in m.env.items()})
    if codetour_src is not None:  # this codetour shadows the installed one (editable installs included)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(codetour_src), env.get("PYTHONPATH", "")) if p)
    return env


def remove_trace(trace: Path) -> None:
    """Remove a trace and what lies beside it: its SQLite side files and the directory of the
    other processes' traces (``<trace>.d/``, which codetour makes for child processes)."""
    for old in trace.parent.glob(trace.name + "*"):
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old)
        else:
            old.unlink()


def export_codetour(rev: str, corpus: Path) -> tuple[Path, str]:
    """A clean copy of codetour at git revision ``rev`` of this checkout (committed code only)."""
    checkout = HERE.parent
    sha = subprocess.run(["git", "-C", str(checkout), "rev-parse", rev], capture_output=True, text=True)
    if sha.returncode != 0:
        raise ManifestError(f"--codetour-rev {rev}: {sha.stderr.strip()}")
    commit = sha.stdout.strip()
    dest = corpus / ".codetour" / commit[:12]
    if not (dest / "codetour" / "__init__.py").exists():
        dest.mkdir(parents=True, exist_ok=True)
        archive = subprocess.Popen(["git", "-C", str(checkout), "archive", commit, "codetour"], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, check=True)
        archive.wait()
    return dest, commit


# ----------------------------------------------------------------------------- scoring
@dataclass
class Result:
    name: str
    shape: str
    holdout: bool
    set_name: str = "corpus"
    status: str = "ok"
    base_s: float | None = None
    traced_s: float | None = None
    base_cpu: float | None = None
    traced_cpu: float | None = None
    build_s: float | None = None  # build_tour's own time on the recorded trace
    executed: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)
    at_line: list[str] = field(default_factory=list)
    order_ok: bool | None = None
    inversions: int = 0
    wrong: list[str] = field(default_factory=list)
    stops: list[dict[str, Any]] = field(default_factory=list)
    phases: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.base_s and self.traced_s:
            return self.traced_s / self.base_s
        return None

    @property
    def cpu_ratio(self) -> float | None:
        if self.base_cpu and self.traced_cpu:
            return self.traced_cpu / self.base_cpu
        return None


def phase_set(name: str) -> set[str]:
    key = name.strip().lower()
    if key in PHASE_SYNONYMS:
        return PHASE_SYNONYMS[key]
    found: set[str] = set()
    for part in re.split(r"[/,&+]| and ", key):
        found |= PHASE_SYNONYMS.get(part.strip(), set())
    return found


# A stop whose line does two phases is one stop with the first phase in its ``phase`` field and the
# others in its title: "Forward pass + the loss: <module>". The titles the tour gives each phase
# (lower-cased after the "+"), mapped to the phase names above. Each named phase is a claim of its own.
TITLE_PHASES = {
    "configuration": "config",
    "data": "data",
    "the environment": "environment",
    "building the model": "model",
    "the main loop": "main loop",
    "collecting experience": "rollout",
    "fetching a batch": "batch",
    "forward pass": "forward",
    "the loss": "loss",
    "backward pass": "backward",
    "gradient clipping": "clipping",
    "the update": "update",
    "learning-rate schedule": "lr schedule",
    "evaluation": "evaluation",
    "saving a checkpoint": "checkpoint",
}


def also_phases(title: str) -> list[str]:
    """The phases a stop's title names after its own: "Forward pass + the loss: f" -> ["loss"]."""
    head = title.rsplit(": ", 1)[0] if ": " in title else title
    return [TITLE_PHASES[part.strip().lower()] for part in head.split(" + ")[1:] if part.strip().lower() in TITLE_PHASES]


def claimed_groups(stop: dict[str, Any]) -> list[set[str]]:
    """Each phase claim a stop makes, as the set of label phases that claim may stand for: its phase
    field (unless ignored), then every phase its title adds with " + "."""
    groups = [] if stop["phase"].strip().lower() in IGNORED_PHASES else [phase_set(stop["phase"])]
    return groups + [phase_set(p) for p in also_phases(stop.get("title") or "")]


def score(m: Manifest, stops: list[dict[str, Any]], label_runs: dict[str, int | None], r: Result) -> None:
    r.stops = stops
    # Which labelled phases ran: the labeller says so (runs = false for phases the small run skips);
    # the trace is used to warn about labels that disagree with it.
    for phase, label in m.labels.items():
        if label.absent:
            continue
        seen = label_runs.get(phase)
        if label.runs and seen is None:
            r.notes.append(f"label {phase}: no labelled line was recorded in the trace (folded, or a wrong label?)")
        if not label.runs and seen is not None:
            r.notes.append(f"label {phase}: marked as not running, but a labelled line ran")
    expected = [p for p in PHASES if p in m.labels and m.labels[p].runs and not m.labels[p].absent and not m.labels[p].optional]
    r.executed = expected

    verdicts: list[str] = []
    for stop in stops:
        groups = claimed_groups(stop)
        if not groups:
            verdicts.append("ignored")
            continue
        if not any(groups):
            verdicts.append("unknown phase")
            r.notes.append(f"stop {stop['title']!r}: phase {stop['phase']!r} is not one the bench knows")
            continue

        def at_label(names: set[str], stop: dict[str, Any] = stop) -> list[str]:
            return [
                p
                for p in names
                if p in m.labels
                and not m.labels[p].absent
                and any(s.contains(stop["file"], stop["line"]) for s in m.labels[p].spans)
            ]

        # A stop naming two phases ("Forward pass + the loss") is right for each it names at that phase's
        # label; it is a wrong stop if any phase it names is not there (the reader is told it is).
        right = sorted({p for names in groups for p in at_label(names)})
        if right:
            verdicts.append("ok:" + ",".join(right))
        else:
            verdicts.append("wrong")
            r.wrong.append(f"{stop['phase']} at {stop['file']}:{stop['line']}")
        misnamed = [names for names in groups if names and not at_label(names)]
        if right and misnamed:
            said = "/".join(sorted(set().union(*misnamed)))
            r.wrong.append(f"{said} (named beside {','.join(right)}) at {stop['file']}:{stop['line']}")
    for stop, verdict in zip(stops, verdicts):
        stop["verdict"] = verdict
        built = stop.get("built_line")
        if built and stop.get("line") and built != stop["line"]:
            r.notes.append(f"stop {stop['title']!r} was built for line {built} but resolves to line {stop['line']}")
        if stop.get("status") not in (None, "ok"):
            r.notes.append(f"stop {stop['title']!r} does not resolve in its own trace: {stop['status']}")

    for phase in expected:
        of_phase = [s for s in stops if any(phase in names for names in claimed_groups(s))]
        at = [s for s in of_phase if s.get("verdict", "").startswith("ok:") and phase in s["verdict"][3:].split(",")]
        if at:
            r.found.append(phase)
            r.at_line.append(phase)
            r.phases[phase] = f"at {at[0]['file']}:{at[0]['line']}"
        elif of_phase:
            r.found.append(phase)
            r.phases[phase] = f"elsewhere: {of_phase[0]['file']}:{of_phase[0]['line']}"
        else:
            r.phases[phase] = "missing"
    for phase, label in m.labels.items():
        if label.optional and any(s.get("verdict", "").startswith("ok:") and phase in s["verdict"][3:].split(",") for s in stops):
            r.phases[phase] = "optional, found"

    seqs = [s["seq"] for s in stops if s.get("seq") is not None and s.get("verdict") != "ignored"]
    r.inversions = sum(1 for a, b in itertools.pairwise(seqs) if b < a)
    r.order_ok = r.inversions == 0 if seqs else None


_COUNT_WORDS = re.compile(
    r"\b(times?|iterations?|updates?|steps?|calls?|called|ran|runs?|epochs?|evaluations?|checkpoints?|saves?|x)\b|×", re.I
)


def _value_forms(value: Any) -> list[str]:
    if isinstance(value, bool):
        return [str(value)]
    if isinstance(value, float):
        forms = {repr(value), f"{value:g}", f"{value:.0e}", f"{value:e}", str(value)}
        if value.is_integer():
            forms.add(str(int(value)))
        return sorted(forms)
    if isinstance(value, int):
        return [str(value), f"{value:,}"]
    return [str(value)]


def _mentions(line: str, value: Any) -> bool:
    return any(re.search(r"(?<![\w.])" + re.escape(form) + r"(?![\w])", line, re.I) for form in _value_forms(value))


def stops_text(printed: str) -> str:
    """The printed tour from its first stop on: the header echoes the command line, which says
    nothing about the *resolved* configuration or the run's counts."""
    lines = printed.splitlines()
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("╭", "## ")):
            return "\n".join(lines[i:])
    return printed


SAID_ABSENT = {"evaluation": "evaluat", "checkpoint": "checkpoint"}


def check_facts(m: Manifest, printed: str, r: Result) -> None:
    full_text = printed
    printed = stops_text(printed)
    lines = printed.splitlines()
    facts: dict[str, Any] = {}
    counts = [k for k in ("updates", "evaluations", "checkpoints") if k in m.facts]
    stated = []
    for key in counts:
        n = int(m.facts[key])
        ok = any(_mentions(line, n) and _COUNT_WORDS.search(line) for line in lines)
        if ok:
            stated.append(key)
    facts["counts"] = {"stated": stated, "expected": counts}
    config = m.facts.get("config", {})
    if config:
        keys = [k for k, v in config.items() if any(re.search(rf"\b{re.escape(k)}\b", ln) and _mentions(ln, v) for ln in lines)]
        facts["config"] = {"stated": keys, "expected": list(config)}
    shape = m.facts.get("batch_shape")
    if shape:
        pattern = r"\D" + r"\s*[,x×]\s*".join(str(int(d)) for d in shape) + r"\D"
        facts["batch_shape"] = bool(re.search(pattern, printed))
    # Phases the run does not have (or skips) should be said plainly, e.g. "no checkpoint was written".
    unsaid = []
    expected_absent = [p for p in SAID_ABSENT if p in m.labels and (m.labels[p].absent or not m.labels[p].runs)]
    for phase in expected_absent:
        word = SAID_ABSENT[phase]
        said = re.search(
            rf"\bno\s+(\w+\s+)?{word}|{word}\w*\b[^.\n]{{0,60}}\b(did not|didn't|never|not)\b", full_text, re.I | re.S
        )
        if not said:
            unsaid.append(phase)
    facts["absent"] = {"stated": [p for p in expected_absent if p not in unsaid], "expected": expected_absent}
    facts["false_absent"] = false_absence_claims(m, full_text)
    facts["bad_counts"] = wrong_counts(m, printed)
    for claim in facts["false_absent"]:
        r.notes.append(f"the tour says {claim!r}, but the labels say that phase ran")
    for wrong in facts["bad_counts"]:
        r.notes.append(f"wrong count: {wrong}")
    r.facts = facts


# A tour that says a phase did not happen when it did misleads a newcomer as much as a wrong stop.
# (phase, pattern) looked for in the subject of a clause like "no evaluation ran" or "no model
# construction was seen"; the earliest match in the subject names the phase (data and environment
# go together: "no dataset, loader or environment construction").
_CLAIM_PHASES = (
    ("config", r"config|hyper-?parameter|settings"),
    ("data", r"data|loader"),
    ("environment", r"environment|\benv\b"),
    ("model", r"model|network"),
    ("loop", r"loop"),
    ("batch", r"batch|rollout"),
    ("forward", r"forward"),
    ("loss", r"loss"),
    ("backward", r"backward|gradient"),
    ("update", r"optimi[sz]er|update"),
    # "No training step ran (no loss, no gradients, no optimizer update)": the engine's phrase when it
    # saw no step at all. False where a loss or a backward pass ran; a labelled update alone does not
    # make it false (minbpe's BPE merges are an update with no loss, no gradient, no optimizer).
    ("loss,backward", r"training step"),
    ("lr_schedule", r"learning[- ]rate|schedul"),
    ("clip", r"clip"),
    ("evaluation", r"evaluat|validat"),
    ("checkpoint", r"checkpoint"),
)
_NEGATIVE_CLAIM = re.compile(
    r"\b[Nn]o\s+(?P<subject>[^.;:]{1,90}?)\s+(?:(?:was|were) \w+|ran|has run|happened)\b"
    r"|(?P<subject2>\b[\w][^.;:]{0,60}?)\s+(?:did not|didn't|never)\s+(?:run|ran|happen)",
)


def _claimed_phases(subject: str) -> list[str]:
    hits = sorted((m.start(), phase) for phase, pattern in _CLAIM_PHASES for m in [re.search(pattern, subject, re.I)] if m)
    if not hits:
        return []
    first = hits[0][1]
    if first in ("data", "environment"):
        return [p for _, p in hits if p in ("data", "environment")]
    return first.split(",")


def false_absence_claims(m: Manifest, printed: str) -> list[str]:
    """Clauses of the printed tour saying a phase did not run, for phases the labels say ran."""
    text = re.sub(r"\s+", " ", re.sub(r"[│╭╮╰╯─]", " ", printed))
    claims = []
    for match in _NEGATIVE_CLAIM.finditer(text):
        subject = match.group("subject") or match.group("subject2") or ""
        # An optional label is a phase the library does for the repo, or one the labeller found
        # debatable: "no backward pass ran in repo code", "no loss was computed" or "no evaluation ran"
        # may then be fair; a checkpoint file was written or not ("no checkpoint was written" is false
        # when the library wrote one).
        qualified = re.match(r"\s*(?:\w+\s+)?in (?:the )?repo", text[match.end() :], re.I) is not None
        ran = [
            p
            for p in _claimed_phases(subject)
            if p in m.labels
            and m.labels[p].runs
            and not m.labels[p].absent
            and not (m.labels[p].optional and (qualified or p != "checkpoint"))
        ]
        if ran and match.group(0).strip() not in claims:
            claims.append(match.group(0).strip())
    return claims


_BOX_FOOTER = re.compile(r"·\s*(?P<file>[^\s·]+?):(?P<line>\d+)\s*·\s*(?P<phase>[^·─]+?)\s*─+╯")


def wrong_counts(m: Manifest, printed: str) -> list[str]:
    """Run counts the tour states at the primary update / loop line that differ from the manifest's facts.

    Checked only where the count of that one line *is* the fact: the update's primary label when it
    is a single line (``facts.updates``), and the loop's (``facts.iterations``, if given).
    """
    checks = [
        ("update", "updates", r"\bran (?:about )?(?P<n>[\d,]+) times\b"),
        ("loop", "iterations", r"\bran (?:about )?(?P<n>[\d,]+) iterations\b"),
    ]
    out = []
    box: list[str] = []
    for line in printed.splitlines():
        box.append(line)
        footer = _BOX_FOOTER.search(line)
        if not footer:
            continue
        body, box = "\n".join(box), []
        where, at = footer.group("file"), int(footer.group("line"))
        for phase, key, said_count in checks:
            label = m.labels.get(phase)
            if label is None or key not in m.facts or not label.spans or phase not in phase_set(footer.group("phase")):
                continue
            primary = label.spans[0]
            if primary.first != primary.last or not primary.contains(where, at, tolerance=0):
                continue
            for said in re.finditer(said_count, body):
                n = int(said.group("n").replace(",", ""))
                if n != int(m.facts[key]):
                    out.append(f"{phase} stop at {where}:{at} says {said.group(0)!r}; the run had {m.facts[key]} {key}")
    return out


# ----------------------------------------------------------------------------- one manifest
def bench_one(
    m: Manifest,
    corpus: Path,
    python: str,
    traces: Path,
    reuse: bool,
    verbose: bool,
    codetour_src: Path | None,
    repeat: int = 1,
) -> Result:
    r = Result(m.name, m.shape, m.holdout, m.set_name)
    repo = corpus / m.dir
    missing = missing_files(m, repo)
    if missing:
        r.status = "not fetched"
        print(f"[{m.name}] {repo} lacks {missing[0]}: fetch it first:\n{fetch_instructions(m, corpus)}", file=sys.stderr)
        return r
    try:
        run_prepare(m, repo, python)
        changed = apply_replacements(m, repo)
    except ManifestError as exc:
        r.status = "prepare failed"
        r.notes.append(str(exc))
        return r
    if changed and verbose:
        print(f"[{m.name}] replaced lines {', '.join(changed)}", file=sys.stderr)
    env = run_env(m, repo, python, codetour_src)
    cwd = repo / m.cwd
    trace = traces / f"{m.name}.ctrace"
    timing = traces / f"{m.name}.timing.json"
    if reuse and trace.exists():
        if timing.exists():
            saved = json.loads(timing.read_text(encoding="utf-8"))
            r.base_s, r.traced_s = saved.get("base_s"), saved.get("traced_s")
            r.base_cpu, r.traced_cpu = saved.get("base_cpu"), saved.get("traced_cpu")
    else:
        # Untraced and traced runs alternate; the fastest of each counts (the machine is shared).
        for _ in range(max(repeat, 1)):
            base = timed_run([python, m.script, *m.args], cwd, env, m.timeout)
            if base.returncode != 0:
                r.status = "run failed" if base.returncode is not None else "run timed out"
                r.notes.append(base.tail.strip().splitlines()[-1] if base.tail.strip() else "no output")
                return r
            r.base_s = min(r.base_s or base.seconds, base.seconds)
            r.base_cpu = min(r.base_cpu or base.cpu, base.cpu)
            remove_trace(traces / f"{m.name}.ctrace")
            traced = timed_run(
                [python, "-m", "codetour", "trace", "-q", "-o", str(trace), "--root", str(repo), m.script, *m.args],
                cwd,
                env,
                m.timeout * 20,
            )
            if traced.returncode is None:
                r.status = "trace timed out"
                return r
            r.traced_s = min(r.traced_s or traced.seconds, traced.seconds)
            r.traced_cpu = min(r.traced_cpu or traced.cpu, traced.cpu)
            if traced.returncode != 0 or not trace.exists():
                r.status = "trace failed"
                r.notes.append(traced.tail.strip().splitlines()[-1] if traced.tail.strip() else "no output")
                if not trace.exists():
                    return r
                break
        timing.write_text(
            json.dumps({"base_s": r.base_s, "traced_s": r.traced_s, "base_cpu": r.base_cpu, "traced_cpu": r.traced_cpu}),
            encoding="utf-8",
        )
    spans: list[tuple[str, int, int]] = []
    owners: list[str] = []
    for phase, label in m.labels.items():
        for s in label.spans:
            spans.append((s.file, s.first, s.last))
            owners.append(phase)
    inspect = capture_run(
        [python, str(Path(__file__).resolve()), "--_inspect", str(trace), json.dumps(spans)], cwd, env, BUILD_TIMEOUT
    )
    if inspect.returncode is None:
        r.status = "build timed out"
        r.notes.append(f"building the tour took more than {BUILD_TIMEOUT:.0f} s")
        return r
    try:
        payload = json.loads(inspect.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        r.status = "inspect failed"
        r.notes.append((inspect.stderr.strip().splitlines() or ["no output"])[-1])
        return r
    r.build_s = payload.get("build_s")
    if payload.get("error"):
        r.status = "build crashed"
        r.notes.append(payload["error"])
    runs: dict[str, int | None] = {}
    for phase, seq in zip(owners, payload.get("label_runs") or [None] * len(owners)):
        if seq is not None and (runs.get(phase) is None or seq < runs[phase]):  # type: ignore[operator]
            runs[phase] = seq
        runs.setdefault(phase, None)
    score(m, payload.get("stops", []), runs, r)
    printed = capture_run([python, "-m", "codetour", "tour", "print", str(trace)], cwd, env, BUILD_TIMEOUT)
    if printed.returncode is None:
        r.notes.append(f"tour print took more than {BUILD_TIMEOUT:.0f} s")
    elif printed.returncode != 0:
        r.notes.append(f"tour print exited {printed.returncode}: {(printed.stderr.strip().splitlines() or [''])[-1]}")
    (traces / f"{m.name}.tour.txt").write_text(printed.stdout, encoding="utf-8")
    check_facts(m, printed.stdout, r)
    return r


# ----------------------------------------------------------------------------- output
def _frac(stated: list[str], expected: list[str]) -> str:
    return f"{len(stated)}/{len(expected)}" if expected else "-"


def row(r: Result) -> list[str]:
    def secs(x: float | None) -> str:
        return f"{x:.1f}" if x is not None else "-"

    facts = r.facts
    return [
        r.name + (" (h)" if r.holdout else ""),
        r.status,
        secs(r.base_s),
        secs(r.traced_s),
        f"{r.ratio:.1f}x" if r.ratio else "-",
        f"{r.cpu_ratio:.1f}x" if r.cpu_ratio else "-",
        secs(r.build_s),
        str(len(r.executed)),
        str(len(r.found)),
        str(len(r.at_line)),
        "-" if r.order_ok is None else ("ok" if r.order_ok else f"{r.inversions} inv"),
        str(len(r.wrong)),
        str(len(r.stops)),
        _frac(facts.get("counts", {}).get("stated", []), facts.get("counts", {}).get("expected", [])),
        _frac(facts.get("config", {}).get("stated", []), facts.get("config", {}).get("expected", [])),
        "-" if "batch_shape" not in facts else ("yes" if facts["batch_shape"] else "no"),
        _frac(facts.get("absent", {}).get("stated", []), facts.get("absent", {}).get("expected", [])),
        str(len(facts.get("false_absent", []))) if "false_absent" in facts else "-",
        str(len(facts.get("bad_counts", []))) if "bad_counts" in facts else "-",
    ]


HEADER = [
    "run",
    "status",
    "base s",
    "traced s",
    "ratio",
    "cpu ratio",
    "build s",
    "exec",
    "found",
    "@line",
    "order",
    "wrong",
    "stops",
    "counts",
    "config",
    "shape",
    "no-run",
    "false-no",
    "bad#",
]


def table(results: list[Result]) -> str:
    rows = [HEADER] + [row(r) for r in results]
    ran = [r for r in results if r.status in ("ok", "build crashed")]
    total = [
        f"TOTAL ({len(ran)} runs)",
        "",
        "",
        "",
        _geomean([r.ratio for r in results]),
        _geomean([r.cpu_ratio for r in results]),
        f"{sum(r.build_s or 0 for r in results):.1f}",
        str(sum(len(r.executed) for r in ran)),
        str(sum(len(r.found) for r in ran)),
        str(sum(len(r.at_line) for r in ran)),
        f"{sum(1 for r in ran if r.order_ok)}/{sum(1 for r in ran if r.order_ok is not None)} ok",
        str(sum(len(r.wrong) for r in ran)),
        str(sum(len(r.stops) for r in ran)),
        f"{sum(len(r.facts.get('counts', {}).get('stated', [])) for r in ran)}/"
        f"{sum(len(r.facts.get('counts', {}).get('expected', [])) for r in ran)}",
        f"{sum(len(r.facts.get('config', {}).get('stated', [])) for r in ran)}/"
        f"{sum(len(r.facts.get('config', {}).get('expected', [])) for r in ran)}",
        f"{sum(1 for r in ran if r.facts.get('batch_shape'))}/{sum(1 for r in ran if 'batch_shape' in r.facts)}",
        f"{sum(len(r.facts.get('absent', {}).get('stated', [])) for r in ran)}/"
        f"{sum(len(r.facts.get('absent', {}).get('expected', [])) for r in ran)}",
        str(sum(len(r.facts.get("false_absent", [])) for r in ran)),
        str(sum(len(r.facts.get("bad_counts", [])) for r in ran)),
    ]
    rows.append(total)
    widths = [max(len(x[i]) for x in rows) for i in range(len(HEADER))]
    out = []
    for i, cells in enumerate(rows):
        out.append("  ".join(c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(cells, widths))).rstrip())
        if i == 0 or i == len(rows) - 2:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _geomean(values: list[float | None]) -> str:
    xs = [x for x in values if x]
    if not xs:
        return "-"
    product = 1.0
    for x in xs:
        product *= x
    return f"{product ** (1 / len(xs)):.2f}x gm"


def overhead_comparison(before: tuple[str, list[Result]], after: tuple[str, list[Result]]) -> str:
    """Traced/untraced ratios (wall clock, and CPU time) of two codetour revisions, run by run."""
    out = [f"overhead: {before[0]} -> {after[0]}   (wall ratio; cpu ratio)"]
    changes: dict[str, list[float]] = {"wall": [], "cpu": []}
    for a, b in zip(before[1], after[1]):
        cells = []
        for kind, x, y in (("wall", a.ratio, b.ratio), ("cpu", a.cpu_ratio, b.cpu_ratio)):
            if x and y:
                changes[kind].append(y / x)
                cells.append(f"{x:5.2f}x -> {y:5.2f}x ({(y / x - 1) * 100:+4.0f}%)")
            else:
                cells.append(f"{'-':>27}")
        out.append(f"   {a.name:<24} " + ";  ".join(cells))
    summary = []
    for kind, xs in changes.items():
        if xs:
            product = 1.0
            for x in xs:
                product *= x
            summary.append(f"{kind} {(product ** (1 / len(xs)) - 1) * 100:+.0f}%")
    out.append(f"   {'geometric mean change':<24} " + ", ".join(summary))
    return "\n".join(out)


def details(r: Result) -> str:
    out = [f"== {r.name}: {r.shape}"]
    for phase in PHASES:
        if phase in r.phases:
            out.append(f"   {phase:<12} {r.phases[phase]}")
    for s in r.stops:
        out.append(f"   stop  {s['phase']:<16} {s['file']}:{s['line']}  [{s.get('verdict', '')}]  {s['title']}")
    for n in r.notes:
        out.append(f"   note  {n}")
    return "\n".join(out)


def show_labels(m: Manifest, repo: Path) -> str:
    """Every labelled span with the source at its first line, to review labels against the code."""
    out = [f"== {m.name} ({m.repo} @ {m.commit[:10]})"]
    if missing_files(m, repo):
        return out[0] + ": not fetched"
    run_prepare_copies(m, repo)
    for phase in PHASES:
        label = m.labels.get(phase)
        if label is None:
            continue
        if label.absent:
            out.append(f"   {phase:<12} absent: {label.why}")
            continue
        flags = ("optional " if label.optional else "") + ("(does not run) " if not label.runs else "")
        out.append(f"   {phase:<12} {flags}{label.why}")
        for span in label.spans:
            lines = (repo / span.file).read_text(encoding="utf-8", errors="replace").splitlines()
            text = lines[span.first - 1].strip() if span.first <= len(lines) else "<past the end of the file>"
            out.append(f"      {span!s:<48} {text[:90]}")
    return "\n".join(out)


def run_prepare_copies(m: Manifest, repo: Path) -> None:
    for step in m.prepare:
        if "copy" in step:
            src, dst = m.prepare_dir / step["copy"], repo / step["to"]
            if not dst.exists() or dst.read_bytes() != src.read_bytes():
                shutil.copyfile(src, dst)


def check_labels(m: Manifest, corpus: Path, python: str, traces: Path, codetour_src: Path | None) -> list[str]:
    """Trace the run with no budgets (--full) and list labels that disagree with what ran."""
    repo = corpus / m.dir
    missing = missing_files(m, repo)
    if missing:
        return [f"not fetched ({missing[0]} missing)"]
    run_prepare(m, repo, python)
    apply_replacements(m, repo)
    env = run_env(m, repo, python, codetour_src)
    cwd = repo / m.cwd
    trace = traces / f"{m.name}.full.ctrace"
    remove_trace(trace)
    argv = [python, "-m", "codetour", "trace", "-q", "--full", "-o", str(trace), "--root", str(repo), m.script, *m.args]
    done = timed_run(argv, cwd, env, m.timeout * 40)
    if done.returncode is None or not trace.exists():
        return [f"full trace failed: {done.tail.strip()[-200:]}"]
    spans = [(s.file, s.first, s.last) for lab in m.labels.values() for s in lab.spans]
    owners = [(lab, s) for lab in m.labels.values() for s in lab.spans]
    inspect = capture_run(
        [python, str(Path(__file__).resolve()), "--_inspect", str(trace), json.dumps(spans), "--_no-build"],
        cwd,
        env,
        BUILD_TIMEOUT * 4,
    )
    if inspect.returncode is None:
        return ["looking up the labelled lines timed out"]
    try:
        payload = json.loads(inspect.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return [f"looking up the labelled lines failed: {(inspect.stderr.strip().splitlines() or ['no output'])[-1]}"]
    if payload.get("label_runs_error") or payload.get("label_runs") is None:
        return [f"looking up the labelled lines failed: {payload.get('label_runs_error', 'no answer')}"]
    runs = payload["label_runs"]
    problems = []
    for (label, span), seq in zip(owners, runs):
        if label.runs and seq is None and span is label.spans[0]:
            problems.append(f"{label.phase}: primary {span} never ran")
        if not label.runs and seq is not None:
            problems.append(f"{label.phase}: marked runs = false, but {span} ran")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="run only these manifests (repeatable, or comma-separated)"
    )
    parser.add_argument(
        "--manifests",
        action="append",
        default=[],
        metavar="SET|DIR",
        help="which manifests: a set by name (corpus, heldout) or a directory of *.toml; repeatable; "
        "each set gets its own table and totals (default: corpus)",
    )
    parser.add_argument(
        "--holdout", choices=("only", "skip", "include"), default="include", help="holdout manifests (default: include)"
    )
    parser.add_argument("--python", metavar="PATH", help=f"interpreter for the runs (default: {DEFAULT_PYTHON} if present)")
    parser.add_argument(
        "--corpus", metavar="DIR", help="where repos are extracted (default: $CODETOUR_CORPUS or /work/scratch/corpus)"
    )
    parser.add_argument(
        "--codetour-rev",
        action="append",
        default=[],
        metavar="REV",
        help="measure codetour as committed at git revision REV of this checkout (exported to CORPUS/.codetour/), "
        "not the work tree; give it twice to compare two revisions run by run (before/after)",
    )
    parser.add_argument("--repeat", type=int, default=1, metavar="N", help="time each run N times, keep the fastest (default: 1)")
    parser.add_argument("--reuse-traces", action="store_true", help="score existing traces again without re-running")
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    parser.add_argument("-v", "--verbose", action="store_true", help="per-phase and per-stop details")
    parser.add_argument("--list", action="store_true", help="list the manifests and exit")
    parser.add_argument("--show-labels", action="store_true", help="print every labelled span with its source line, and exit")
    parser.add_argument(
        "--check-labels", action="store_true", help="trace each run with no budgets and report labels whose lines never ran"
    )
    parser.add_argument("--_inspect", nargs=2, metavar=("TRACE", "SPANS"), help=argparse.SUPPRESS)
    parser.add_argument("--_no-build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._inspect:
        return _inspect_main(*args._inspect, build=not args._no_build)

    manifests: list[Manifest] = []
    try:
        for where in args.manifests or ["corpus"]:
            folder = MANIFEST_SETS.get(where, Path(where))
            found = sorted(folder.glob("*.toml"))
            if not found:
                raise ManifestError(f"--manifests {where}: no *.toml manifests in {folder}")
            manifests += [load_manifest(p) for p in found]
    except ManifestError as exc:
        print(f"bench_tours: {exc}", file=sys.stderr)
        return 2
    names = [m.name for m in manifests]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:  # traces and printed tours are kept by name
        print(f"bench_tours: more than one manifest named {', '.join(twice)}", file=sys.stderr)
        return 2
    wanted = {n for item in args.only for n in item.split(",") if n}
    unknown = wanted - {m.name for m in manifests}
    if unknown:
        print(f"bench_tours: no manifest named {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    if wanted:
        manifests = [m for m in manifests if m.name in wanted]
    if args.holdout == "only":
        manifests = [m for m in manifests if m.holdout]
    elif args.holdout == "skip":
        manifests = [m for m in manifests if not m.holdout]
    if args.list:
        for m in manifests:
            labelled = sum(1 for lab in m.labels.values() if not lab.absent)
            print(
                f"{m.name:<24} {m.set_name + ' ' if m.set_name != 'corpus' else ''}{'holdout ' if m.holdout else ''}"
                f"{m.repo}@{m.commit[:10]}  {labelled} phases  {m.shape}"
            )
        return 0

    corpus = Path(args.corpus or os.environ.get("CODETOUR_CORPUS") or DEFAULT_CORPUS)
    if args.show_labels:
        for m in manifests:
            print(show_labels(m, corpus / m.dir))
        return 0
    python = args.python or (DEFAULT_PYTHON if Path(DEFAULT_PYTHON).exists() else sys.executable)
    if not shutil.which(python) and not Path(python).is_file():
        print(f"bench_tours: no interpreter at {python}", file=sys.stderr)
        return 2
    versions: list[tuple[str, Path | None]] = []  # (what is measured, codetour source to put first)
    for rev in args.codetour_rev or [None]:
        if rev is None:
            versions.append(("the installed codetour", None))
            continue
        try:
            src, commit = export_codetour(rev, corpus)
        except (ManifestError, subprocess.CalledProcessError) as exc:
            print(f"bench_tours: {exc}", file=sys.stderr)
            return 2
        # Compile it now: the first traced run would otherwise pay for writing its .pyc files.
        subprocess.run([python, "-m", "compileall", "-q", str(src / "codetour")], capture_output=True)
        versions.append((f"codetour at {commit[:12]}", src))
    for measured, _ in versions:
        print(f"bench_tours: measuring {measured} with {python}", file=sys.stderr)
    if args.check_labels:
        src = versions[0][1]
        traces = corpus / ".traces" / (src.name if src else "installed")
        traces.mkdir(parents=True, exist_ok=True)
        bad = 0
        for m in manifests:
            try:
                problems = check_labels(m, corpus, python, traces, src)
            except ManifestError as exc:  # a bad prepare step or replacement: say so, check the others
                problems = [str(exc)]
            bad += len(problems)
            print(f"{m.name}: " + ("labels agree with the run" if not problems else "; ".join(problems)), flush=True)
        return 1 if bad else 0
    results: dict[str, list[Result]] = {measured: [] for measured, _ in versions}
    for m in manifests:  # revisions alternate run by run, so they share the machine's load
        for measured, src in versions:
            traces = corpus / ".traces" / (src.name if src else "installed")
            traces.mkdir(parents=True, exist_ok=True)
            print(f"[{m.name}] running with {measured} ...", file=sys.stderr, flush=True)
            r = bench_one(m, corpus, python, traces, args.reuse_traces, args.verbose, src, args.repeat)
            results[measured].append(r)
            if not args.json:
                print(f"[{m.name}] {r.status}" + (f", overhead {r.ratio:.1f}x" if r.ratio else ""), file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps({k: [r.__dict__ | {"ratio": r.ratio} for r in v] for k, v in results.items()}, indent=2, default=str))
        return 0
    sets = list(dict.fromkeys(m.set_name for m in manifests))
    for measured, rows in results.items():
        if len(results) > 1:
            print(f"\n## {measured}")
        for set_name in sets:  # each set has its own totals: a held-out set is not averaged into the corpus
            if len(sets) > 1:
                print(f"\n### manifests in {set_name}/")
            print(table([r for r in rows if r.set_name == set_name]))
        if args.verbose:
            for r in rows:
                print()
                print(details(r))
    if len(results) == 2:
        print()
        print(overhead_comparison(*results.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
