"""A recorded run as a set of processes: the main trace plus one shard per child process.

A run traced at ``run.ctrace`` keeps one trace file per *other* process under
``run.ctrace.d/<pid>.ctrace``. Every shard is an ordinary trace (readable alone by
:class:`~codetour.store.reader.TraceReader`) whose ``meta`` has a ``process`` key: pid, parent
pid, how it was started (``main``, ``fork``, ``spawn``, ``forkserver``, ``subprocess``,
``torchrun``), rank, local rank and world size (distributed runs), a short role
(``"DataLoader worker 0"``, ``"rank 1"``), its wall-clock start and end (``time.time_ns``) and
exit code. The main trace's ``meta`` may also list its ``children`` (the same objects plus the
shard's relative path); the shards are the truth, the list is a summary that fills in what a
child could not write itself (its exit code).

:func:`open_run` gives a :class:`Run`: the main process first, then the others in a stable
order (by rank, then start time, then pid). A trace with no shards is a run of one. A shard
that cannot be read is skipped and reported in one line (:attr:`Run.problems`), never raised.

Event times (``ts_ns``) count from each process's recorder start, whose wall-clock time is the
trace's ``start_time`` (else the process's ``started_ns``); adding it puts an event of any
process on one wall clock (:meth:`Process.wall_ns`), which is how "the same moment in another process" and
"the worker's call for this batch" are found (:func:`seq_near_wall`, :func:`worker_calls_near`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from codetour.errors import CodetourError, UsageError
from codetour.store.reader import Event, Frame, TraceReader
from codetour.store.schema import FILE_SUFFIX, LINE
from codetour.store.source import TraceSource

PROCESS_KEY = "process"
CHILDREN_KEY = "children"
SHARDS_SUFFIX = ".d"


def shard_dir(path: str | Path) -> Path:
    """Where a trace's child-process shards live: ``run.ctrace`` -> ``run.ctrace.d``."""
    path = Path(path)
    return path.with_name(path.name + SHARDS_SUFFIX)


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


@dataclass(frozen=True)
class ProcessInfo:
    """Who a process was: the ``process`` metadata of its trace (see the module docstring)."""

    pid: int
    ppid: int | None = None
    how: str = "main"
    role: str = "main"
    rank: int | None = None
    local_rank: int | None = None
    world_size: int | None = None
    started_ns: int | None = None
    ended_ns: int | None = None
    exit_code: int | None = None
    shard: str | None = None  # path relative to the main trace's folder; None for the main trace
    traced: bool = True  # False: one of many identical workers, counted (a shard with no events) but not traced

    @classmethod
    def from_dict(cls, data: Any, pid: int | None = None) -> ProcessInfo | None:
        """Tolerant of missing or mistyped fields (a killed process may have written half of it);
        None if there is no usable pid at all."""
        if not isinstance(data, dict):
            data = {}
        got = _int(data.get("pid"))
        pid = got if got is not None else pid
        if pid is None:
            return None
        how = data.get("how")
        role = data.get("role")
        shard = data.get("shard")
        return cls(
            pid=pid,
            ppid=_int(data.get("ppid")),
            how=how if isinstance(how, str) and how else "?",
            role=role if isinstance(role, str) and role else f"process {pid}",
            rank=_int(data.get("rank")),
            local_rank=_int(data.get("local_rank")),
            world_size=_int(data.get("world_size")),
            started_ns=_int(data.get("started_ns")),
            ended_ns=_int(data.get("ended_ns")),
            exit_code=_int(data.get("exit_code")),
            shard=shard if isinstance(shard, str) else None,
            traced=data.get("traced") is not False,
        )

    def filled_from(self, other: ProcessInfo | None) -> ProcessInfo:
        """This info with the fields it lacks taken from ``other`` (the parent's ``children`` entry);
        the exit code the parent saw (waiting for the child) wins over the child's own."""
        if other is None:
            return self
        changes: dict[str, Any] = {
            name: getattr(other, name)
            for name in ("ppid", "rank", "local_rank", "world_size", "started_ns", "ended_ns", "exit_code", "shard")
            if getattr(self, name) is None and getattr(other, name) is not None
        }
        if other.exit_code is not None:
            changes["exit_code"] = other.exit_code
        if self.how == "?" and other.how != "?":
            changes["how"] = other.how
        if self.role == f"process {self.pid}" and other.role != f"process {other.pid}":
            changes["role"] = other.role
        return replace(self, **changes) if changes else self

    @property
    def label(self) -> str:
        """The role, with the rank when the role does not already say it: ``DataLoader worker 0 (rank 1)``."""
        if self.rank is not None and "rank" not in self.role:
            return f"{self.role} (rank {self.rank})"
        return self.role

    @property
    def failed(self) -> bool:
        """Ended with an error: a non-zero exit code, or killed by a signal other than SIGTERM
        (how a ``Pool`` or a DataLoader stops its workers when it is done with them)."""
        return self.exit_code is not None and self.exit_code not in (0, -15)

    def ended(self) -> str:
        """How it ended, in words: ``exit 0``, ``exit 3``, ``killed by signal 9``, ``still running or killed``."""
        if self.exit_code is None:
            return "exit code unknown"
        if self.exit_code < 0:
            return f"killed by signal {-self.exit_code}"
        return f"exit {self.exit_code}"


@dataclass
class Process:
    """One process of a run: who it was and its trace."""

    info: ProcessInfo
    path: Path
    reader: TraceSource
    is_main: bool = False
    owned: bool = True  # opened by open_run (closed with the run), not handed to it

    @property
    def pid(self) -> int:
        return self.info.pid

    @property
    def label(self) -> str:
        return self.info.label

    @property
    def started_ns(self) -> int:
        return self.info.started_ns or 0

    @cached_property
    def zero_ns(self) -> int:
        """The wall-clock time (``time.time_ns``) at which this process's event times are 0: the
        recorder's own start (``start_time`` in the metadata, taken with its clock), else the
        process's start."""
        start = self.reader.meta.get("start_time")
        if isinstance(start, int | float) and not isinstance(start, bool) and start > 0:
            zero = int(start * 1e9)
            # the same moment as started_ns, within a float's precision: keep the exact one
            return self.started_ns if abs(zero - self.started_ns) < 1000 else zero
        return self.started_ns

    def wall_ns(self, ts_ns: int) -> int:
        """An event time of this process (``ts_ns``, from its recorder's start) on the wall clock."""
        return self.zero_ns + ts_ns

    def describe(self) -> str:
        """One line: ``DataLoader worker 0 · pid 4242 · fork · exit 0 · 1,234 events``."""
        parts = [self.label, f"pid {self.pid}"]
        if not self.is_main:
            parts.append(self.info.how)
            parts.append(self.info.ended())
        if not self.info.traced:
            parts.append("counted, not traced (identical workers are sampled)")
        else:
            parts.append(f"{self.reader.event_count:,} events")
        return " · ".join(parts)


@dataclass
class Run:
    """A recorded run: its processes (the main trace first) and what could not be read."""

    path: Path
    processes: list[Process]
    problems: list[str] = field(default_factory=list)  # one line per shard skipped
    unrecorded: list[ProcessInfo] = field(default_factory=list)  # children the main trace lists, with no shard

    @classmethod
    def of_one(cls, reader: TraceSource) -> Run:
        """A run of one process around a source that is already open (no file is opened)."""
        return cls(reader.path, [Process(main_info(reader.meta), reader.path, reader, is_main=True, owned=False)])

    @property
    def main(self) -> Process:
        return self.processes[0]

    def __len__(self) -> int:
        return len(self.processes)

    def __iter__(self) -> Iterator[Process]:
        return iter(self.processes)

    @property
    def multi(self) -> bool:
        return len(self.processes) > 1

    def by_pid(self, pid: int) -> Process | None:
        return next((p for p in self.processes if p.pid == pid), None)

    def select(self, spec: str | None) -> list[Process]:
        """The processes ``--process`` names: ``all`` (or None), ``main``, a pid, or ``rank N``.

        Raises :class:`UsageError` naming the choices when nothing matches."""
        if spec is None or spec.strip().lower() in ("", "all"):
            return list(self.processes)
        text = spec.strip().lower()
        if text == "main":
            return [self.main]
        found: list[Process] = []
        if text.isdigit():
            found = [p for p in self.processes if p.pid == int(text)]
        elif text.startswith("rank") and text[4:].strip().isdigit():
            rank = int(text[4:].strip())
            found = [p for p in self.processes if p.info.rank == rank and "worker" not in p.info.role.lower()]
            found = found or [p for p in self.processes if p.info.rank == rank]
            found = found[:1]
        if not found:
            choices = ", ".join(f"{p.pid} ({p.label})" for p in self.processes)
            raise UsageError(f"no process {spec!r} in {self.path.name}: choose all, main or a pid: {choices}")
        return found

    def children_of(self, pid: int) -> list[Process]:
        return [p for p in self.processes if p.info.ppid == pid and p.pid != pid]

    def summary(self) -> str | None:
        """One line naming the processes, or None for a run of one:
        ``3 processes: main, DataLoader worker 0, DataLoader worker 1 (shards in run.ctrace.d/)``."""
        if not self.multi and not self.unrecorded and not self.problems:
            return None
        labels = [p.label for p in self.processes]
        shown = ", ".join(labels[:6]) + (f" and {len(labels) - 6} more" if len(labels) > 6 else "")
        text = f"{len(labels)} process{'es' if len(labels) != 1 else ''}: {shown}"
        if self.multi:
            text += f" (shards in {shard_dir(self.path).name}/)"
        crashed = [p for p in self.processes if not p.is_main and p.info.failed]
        if crashed:
            text += "; " + ", ".join(f"{p.label} ended with {p.info.ended()}" for p in crashed)
        if self.unrecorded:
            text += f"; {len(self.unrecorded)} more not recorded ({', '.join(i.label for i in self.unrecorded[:3])})"
        return text

    def close(self) -> None:
        for p in self.processes:
            close = getattr(p.reader, "close", None) if p.owned else None
            if close is not None:
                close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main_info(meta: dict[str, Any]) -> ProcessInfo:
    """The main process's info: its ``process`` metadata, or (traces written before processes were
    recorded) what the ordinary metadata says: pid and start time."""
    pid = _int(meta.get("pid")) or 0
    info = ProcessInfo.from_dict(meta.get(PROCESS_KEY), pid) or ProcessInfo(pid)
    if info.how == "?":
        info = replace(info, how="main")
    if info.role == f"process {info.pid}":
        info = replace(info, role="main")
    if info.started_ns is None:
        start = meta.get("start_time")
        if isinstance(start, int | float) and not isinstance(start, bool):
            info = replace(info, started_ns=int(start * 1e9))
    return info


def _order(p: Process) -> tuple:
    rank = p.info.rank
    return (rank is None, rank if rank is not None else 0, p.info.started_ns is None, p.info.started_ns or 0, p.pid)


def open_run(path: str | Path, main_reader: TraceSource | None = None) -> Run:
    """The run recorded at ``path``: its main trace (errors about it are raised, as
    :class:`TraceReader` raises them) and every readable shard in ``path.d/``. Given
    ``main_reader`` (the main trace, already open), only the shards are opened (and closed
    with the run)."""
    path = Path(path)
    owned = main_reader is None
    main_reader = main_reader if main_reader is not None else TraceReader(path)
    try:
        meta = main_reader.meta
        main = Process(main_info(meta), path, main_reader, is_main=True, owned=owned)
        listed: dict[int, ProcessInfo] = {}
        for entry in meta.get(CHILDREN_KEY) or []:
            info = ProcessInfo.from_dict(entry)
            if info is not None:
                listed[info.pid] = info
        others: list[Process] = []
        problems: list[str] = []
        folder = shard_dir(path)
        shards = sorted(folder.glob(f"*{FILE_SUFFIX}")) if folder.is_dir() else []
        for shard in shards:
            process = _open_shard(shard, path, listed, problems)
            if process is None:
                continue
            if process.pid == main.pid or any(o.pid == process.pid for o in others):
                problems.append(f"skipped {_shown(shard, path)}: pid {process.pid} has another trace in this run")
                process.reader.close()  # type: ignore[attr-defined]
                continue
            others.append(process)
        others.sort(key=_order)
        seen = {main.pid, *(o.pid for o in others)}
        unrecorded = [info for pid, info in listed.items() if pid not in seen]
        return Run(path, [main, *others], problems, unrecorded)
    except BaseException:
        if owned:
            main_reader.close()  # type: ignore[attr-defined]
        raise


def _open_shard(shard: Path, main_path: Path, listed: dict[int, ProcessInfo], problems: list[str]) -> Process | None:
    shown = _shown(shard, main_path)
    try:
        reader = TraceReader(shard)
    except CodetourError as exc:
        problems.append(f"skipped {shown}: {exc.message}")
        return None
    except OSError as exc:
        problems.append(f"skipped {shown}: {exc.strerror or exc}")
        return None
    try:
        meta = reader.meta
        stem_pid = int(shard.stem) if shard.stem.isdigit() else None
        info = ProcessInfo.from_dict(meta.get(PROCESS_KEY), stem_pid if stem_pid is not None else _int(meta.get("pid")))
        if info is None:
            reader.close()
            problems.append(f"skipped {shown}: it does not say which process it recorded (no pid)")
            return None
        info = info.filled_from(listed.get(info.pid))
        if info.shard is None:
            info = replace(info, shard=os.path.relpath(shard, main_path.parent))
        if info.started_ns is None:
            start = meta.get("start_time")
            if isinstance(start, int | float) and not isinstance(start, bool):
                info = replace(info, started_ns=int(start * 1e9))
        return Process(info, shard, reader)
    except CodetourError as exc:
        reader.close()
        problems.append(f"skipped {shown}: {exc.message}")
        return None


def _shown(shard: Path, main_path: Path) -> str:
    try:
        return os.path.relpath(shard, main_path.parent)
    except ValueError:
        return str(shard)


# --------------------------------------------------------------------------- moments across processes
def event_near_ts(reader: TraceSource, ts_ns: int) -> Event | None:
    """The last event at or before ``ts_ns`` (this process's clock), else the first event:
    a binary search over the events by seq (times only grow with seq in one process)."""
    first, last = reader.first_seq, reader.last_seq
    if first is None or last is None:
        return None
    lo, hi = first, last
    best: Event | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        event = reader.event(mid) or reader.next_event(mid)
        if event is None or event.seq > hi:
            hi = mid - 1
            continue
        if event.ts_ns <= ts_ns:
            best = event
            lo = event.seq + 1
        else:
            hi = mid - 1
    if best is None:
        best = reader.event(first) or reader.next_event(first - 1)
    return best


def seq_near_wall(process: Process, wall_ns: int) -> int | None:
    """The event of ``process`` nearest (at or before) a wall-clock moment: the same moment in another process."""
    event = event_near_ts(process.reader, wall_ns - process.zero_ns)
    return event.seq if event is not None else None


@dataclass(frozen=True)
class WorkerCall:
    """A call made in another process near a moment of this one: where a parent's batch was made."""

    process: Process
    frame: Frame
    qualname: str
    wall_ns: int  # when the call started, on the wall clock


def worker_calls(run: Run, origin: Process) -> list[WorkerCall]:
    """The calls where work handed to other processes starts: the top-level recorded calls of
    ``origin``'s descendants (any other process, when it has none), in wall-clock order.

    A worker's ``__getitem__``, collate function or pool task is called from library code (the
    worker loop), so it has no recorded caller in the worker's trace: a top-level frame there.
    Module code (the child importing the script again) is not work and is left out.
    """
    descendants = _descendants(run, origin)
    others = descendants or [p for p in run.processes if p is not origin]
    calls: list[WorkerCall] = []
    for process in others:
        functions = process.reader.functions
        for frame in process.reader.children(None):
            func = functions.get(frame.function_id)
            if func is None or func.kind != "function" or frame.resumed:
                continue
            calls.append(WorkerCall(process, frame, func.qualname, process.wall_ns(frame.start_ns)))
    calls.sort(key=lambda c: (c.wall_ns, c.process.pid, c.frame.start_seq))
    return calls


def worker_call_near(run: Run, origin: Process, wall_ns: int) -> WorkerCall | None:
    """The first worker call (see :func:`worker_calls`) that starts at or after ``wall_ns``; the
    last one before it if none does (a prefetching worker made the batch earlier)."""
    calls = worker_calls(run, origin)
    later = [c for c in calls if c.wall_ns >= wall_ns]
    if later:
        return later[0]
    return calls[-1] if calls else None


def _descendants(run: Run, origin: Process) -> list[Process]:
    found: list[Process] = []
    frontier = [origin.pid]
    while frontier:
        pid = frontier.pop()
        for child in run.children_of(pid):
            if child not in found and child is not origin:
                found.append(child)
                frontier.append(child.pid)
    return found


def caller_moment(run: Run, worker: Process, frame: Frame) -> tuple[Process, int] | None:
    """Back from a worker's call to its parent: the parent's first event after the call ended
    (when its result could reach the parent), or the last one before that moment."""
    parent = run.by_pid(worker.info.ppid) if worker.info.ppid is not None else None
    if parent is None:
        parent = run.main if worker is not run.main else None
    if parent is None:
        return None
    end = frame.end_ns if frame.end_ns is not None else frame.start_ns
    ts = worker.wall_ns(end) - parent.zero_ns
    before = event_near_ts(parent.reader, ts)
    if before is None:
        return None
    after = parent.reader.next_event(before.seq) if before.ts_ns < ts else None
    return parent, (after or before).seq


# --------------------------------------------------------------------------- tour stops from other processes
def main_trace_of(path: str | Path) -> Path | None:
    """The main trace of a run, given one of its shards (``run.ctrace.d/42.ctrace`` -> ``run.ctrace``)."""
    path = Path(path)
    folder = path.parent
    if not folder.name.endswith(FILE_SUFFIX + SHARDS_SUFFIX):
        return None
    main = folder.with_name(folder.name[: -len(SHARDS_SUFFIX)])
    return main if main.is_file() else None


def run_around(reader: TraceSource) -> tuple[Run, Process] | None:
    """The run a trace belongs to, and its process in it: ``reader`` is the main trace (its
    shards are opened) or one of the shards (the whole run is opened); None for a run of one
    or when the run cannot be read. Close the run after use."""
    try:
        if shard_dir(reader.path).is_dir():
            run = open_run(reader.path, main_reader=reader)
            return run, run.main
        main = main_trace_of(reader.path)
        if main is None:
            return None
        run = open_run(main)
    except CodetourError:
        return None
    pid = _int(reader.meta.get("pid"))
    origin = next((p for p in run.processes if p.pid == pid), None)
    if origin is None:
        run.close()
        return None
    return run, origin


def primary_trace(path: str | Path) -> Path:
    """The trace a tour of the run at ``path`` is built from: the main trace, unless it recorded no
    events (a launcher such as ``torchrun`` runs no repo code) and a child did: then the first such
    child (rank 0). Never raises: a bad trace is reported by whoever opens it."""
    path = Path(path)
    if not shard_dir(path).is_dir():
        return path
    try:
        with open_run(path) as run:
            if run.main.reader.event_count:
                return path
            busy = next((p for p in run.processes if p.reader.event_count), None)
            return busy.path if busy is not None else path
    except CodetourError:
        return path


WORK_PHASES = ("batch", "data")  # a worker's stop goes after the last of these in the tour


def process_stops(reader: TraceSource, phases: Sequence[str | None]) -> list[tuple[int, dict[str, Any]]]:
    """Stops a generated tour gets from the run's other processes, as (position in the tour,
    :class:`~codetour.tour.model.Stop` fields), for the tour builder to insert (last first).

    - a stop in a worker (DataLoader worker, pool worker: the first call of the work it was
      handed, ``__getitem__`` or the pool's task), after the tour's batch/data stop;
    - for a distributed run, what differs per rank: lines that ran in rank 0 but not in rank 1
      (rank-0-only logging and checkpointing) and the different items each rank was given.

    ``phases`` are the tour's stops' phases so far. A trace without shards gives none. The stops
    anchor in the process where they ran; the replay follows them there.
    """
    found = run_around(reader)
    if found is None:
        return []
    run, origin = found
    try:
        out: list[tuple[int, dict[str, Any]]] = []
        worker = _worker_stop(run, origin)
        if worker is not None:
            after = [i for i, phase in enumerate(phases) if phase in WORK_PHASES]
            out.append((after[-1] + 1 if after else len(phases), worker))
        ranks = _rank_stop(run)
        if ranks is not None:
            out.append((len(phases), ranks))
        return out
    finally:
        run.close()


def _where(process: Process, function_id: int) -> tuple[str, str, Any]:
    reader = process.reader
    func = reader.functions[function_id]
    return func.qualname, reader.files[func.file_id].relpath, func


def _first_line(process: Process, frame: Frame) -> tuple[int | None, str | None]:
    """The first line that ran in a frame and its text."""
    reader = process.reader
    event = reader.next_event(frame.start_seq - 1, frame_id=frame.id, kinds=(LINE,))
    if event is None:
        return None, None
    func = reader.functions[frame.function_id]
    lines = reader.source_lines(func.file_id)
    text = lines[event.line - 1].strip() if 0 < event.line <= len(lines) else None
    return event.line, text or None


def _args_text(frame: Frame) -> str:
    return ", ".join(f"{k}={v}" for k, v in (frame.args or {}).items() if k != "self")


def _worker_stop(run: Run, origin: Process) -> dict[str, Any] | None:
    workers = [
        p
        for p in run.processes
        if p is not origin and not p.is_main and p.info.how not in ("torchrun", "subprocess") and p.reader.event_count
    ]
    if not workers:
        return None
    calls = [c for c in worker_calls(run, origin) if c.process in workers]
    if not calls:
        return None
    first = calls[0]
    qualname, relpath, _func = _where(first.process, first.frame.function_id)
    line, text = _first_line(first.process, first.frame)
    totals: dict[str, int] = {}
    for process in workers:
        for func in process.reader.functions.values():
            if func.kind == "function" and any(c.process is process and c.frame.function_id == func.id for c in calls):
                totals[func.qualname] = totals.get(func.qualname, 0) + func.calls
    counted = [p for p in run.processes if not p.is_main and not p.info.traced]
    loader = any(p.info.role.startswith("DataLoader") for p in workers)
    parts = [
        f"*This ran in another process: {first.process.label} (pid {first.process.pid}, started by {first.process.info.how}),"
        f" one of {len(workers)} traced worker process{'es' if len(workers) != 1 else ''}"
        + (f" ({len(counted)} more identical ones were counted, not traced)" if counted else "")
        + ".* The parent hands work to its workers and receives the results; stepping through the parent alone,"
        " this code never seems to run.",
        "What the workers ran (calls summed over the traced workers): "
        + ", ".join(f"`{name}` ×{n:,}" for name, n in sorted(totals.items(), key=lambda kv: -kv[1]))
        + ".",
    ]
    per_worker = []
    for process in workers:
        mine = [c for c in calls if c.process is process and c.qualname == qualname][:6]
        if mine:
            per_worker.append(f"{process.label}: " + "; ".join(f"`{_args_text(c.frame)}`" for c in mine))
    if per_worker:
        parts.append(f"The first calls of `{qualname}` in each worker:\n\n" + "\n".join(f"- {w}" for w in per_worker))
    parts.append("In the replay, `w` goes from the parent's loop to the worker's call and back; `p` lists the processes.")
    return {
        "title": f"{'Data in a worker' if loader else 'Work in a worker'}: {qualname}",
        "at": qualname,
        "file": relpath,
        "match": text,
        "line": line,
        "phase": "data" if loader else "other",
        "process": first.process.label,
        "narration": "\n\n".join(parts),
    }


def _rank_stop(run: Run) -> dict[str, Any] | None:
    by_rank: dict[int, Process] = {}
    for p in run.processes:
        rank = p.info.rank
        if rank is None or not p.reader.event_count or "worker" in p.info.role.lower():
            continue
        by_rank.setdefault(rank, p)
    if len(by_rank) < 2:
        return None
    r0, r1 = (by_rank[r] for r in sorted(by_rank)[:2])

    def lines_of(process: Process) -> dict[tuple[str, int], tuple[int, int]]:
        found: dict[tuple[str, int], tuple[int, int]] = {}
        reader = process.reader
        for function_id, line, _seq, frame_id, _n in reader.lines_that_ran():
            func = reader.functions[function_id]
            found.setdefault((reader.files[func.file_id].relpath, line), (function_id, frame_id))
        return found

    lines0, lines1 = lines_of(r0), lines_of(r1)
    only0 = [key for key in lines0 if key not in lines1]
    shown: list[str] = []
    for path, number in only0[:6]:
        function_id, _frame = lines0[(path, number)]
        source = r0.reader.source_lines(r0.reader.functions[function_id].file_id)
        code = source[number - 1].strip() if 0 < number <= len(source) else ""
        shown.append(f"- `{path}:{number}` `{code}`")
    data = _different_items(r0, r1)
    world = r0.info.world_size or len(by_rank)
    parts = [
        f"*This run had {world} ranks: processes of one distributed job, each recorded in its own shard. They run the"
        " same code; what differs is the data each one is given and the work only one of them does.*"
    ]
    if shown:
        more = f" (and {len(only0) - len(shown)} more)" if len(only0) > len(shown) else ""
        parts.append(
            f"Lines that ran in {r0.label} but not in {r1.label}{more}: work done once for the whole job,"
            " such as logging and checkpointing:\n\n" + "\n".join(shown)
        )
    else:
        parts.append(f"{r0.label} and {r1.label} ran the same lines.")
    if data is not None:
        name, values0, values1 = data
        parts.append(
            f"Each rank got different items: `{name}` was called with {values0} in {r0.label}"
            f" and with {values1} in {r1.label} (no value in common: each rank reads its own shard of the data)."
        )
    parts.append("In the replay, `p` lists the ranks and `m` shows what another rank was doing at the same moment.")
    line: int | None
    text: str | None
    if only0:
        function_id, frame_id = lines0[only0[0]]
        qualname, relpath, _func = _where(r0, function_id)
        line = only0[0][1]
        source = r0.reader.source_lines(r0.reader.functions[function_id].file_id)
        text = source[line - 1].strip() if 0 < line <= len(source) else None
        frame = r0.reader.frame(frame_id)
        frames = [f for f in r0.reader.frames_of(function_id) if not f.resumed]
        call = next((i for i, f in enumerate(frames, 1) if frame is not None and f.id == frame.id), 1)
    elif data is not None:
        func0 = r0.reader.function_by_name(data[0])
        if func0 is None:
            return None
        qualname, relpath, _func = _where(r0, func0.id)
        frames = [f for f in r0.reader.frames_of(func0.id) if not f.resumed]
        line, text = _first_line(r0, frames[0]) if frames else (None, None)
        call = 1
    else:
        return None
    return {
        "title": f"What differs per rank: {qualname}",
        "at": qualname,
        "file": relpath,
        "match": text or None,
        "line": line,
        "call": call,
        "phase": "other",
        "process": r0.label,
        "narration": "\n\n".join(parts),
    }


def _different_items(r0: Process, r1: Process) -> tuple[str, str, str] | None:
    """A function both ranks called with arguments that never coincide (the items of a data
    shard): its name and the first arguments each rank gave it. The most called one wins."""
    best: tuple[int, str, str, str] | None = None
    names1 = {f.qualname: f for f in r1.reader.functions.values() if f.kind == "function" and f.recorded_calls}
    for func in r0.reader.functions.values():
        other = names1.get(func.qualname)
        if other is None or func.kind != "function" or not func.recorded_calls:
            continue
        args0 = [_args_text(f) for f in r0.reader.frames_of(func.id) if not f.resumed]
        args1 = [_args_text(f) for f in r1.reader.frames_of(other.id) if not f.resumed]
        if not args0 or not args1 or not all(args0) or set(args0) & set(args1):
            continue
        if best is None or func.calls > best[0]:
            best = (func.calls, func.qualname, _listing(args0), _listing(args1))
    return best[1:] if best is not None else None


def _listing(values: list[str], limit: int = 6) -> str:
    shown = ", ".join(f"`{v}`" for v in values[:limit])
    return shown + (", …" if len(values) > limit else "")
