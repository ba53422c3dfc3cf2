"""An in-memory trace: a test double for :class:`codetour.store.source.TraceSource`.

It holds plain lists of the reader's own records and answers every question by scanning them:
no SQLite, no file. ``InMemoryTrace.copy_of(reader)`` snapshots a real trace through its public
API only; the constructor builds one by hand. Tests run the replay cursor and the tour builder on
both and compare, which proves those stages need nothing but the protocol.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codetour.store.reader import Edge, Event, FileInfo, Fold, Frame, Function
from codetour.store.schema import CALL, EXCEPTION, LINE, RETURN


@dataclass
class InMemoryTrace:
    meta: dict[str, Any]
    files: dict[int, FileInfo]
    sources: dict[int, str]
    functions: dict[int, Function]
    frame_list: list[Frame]
    event_list: list[Event]
    fold_list: list[Fold] = field(default_factory=list)
    edge_list: list[Edge] = field(default_factory=list)
    thread_names: dict[int, str] = field(default_factory=dict)
    series: list[tuple[int, int | None, int | None, str, int, int, dict]] = field(default_factory=list)
    path: Path = Path("<memory>")

    def __post_init__(self) -> None:
        self.event_list.sort(key=lambda e: e.seq)
        self._seqs = [e.seq for e in self.event_list]
        self._frames = {f.id: f for f in self.frame_list}

    @classmethod
    def copy_of(cls, reader: Any) -> InMemoryTrace:
        """Everything a real trace holds, read through the public reader API."""
        return cls(
            meta=dict(reader.meta),
            files=dict(reader.files),
            sources={fid: reader.source(fid) or "" for fid in reader.files},
            functions=dict(reader.functions),
            frame_list=list(reader.frames()),
            event_list=list(reader.events()),
            fold_list=reader.folds(),
            edge_list=reader.edges(),
            thread_names=reader.threads(),
            series=reader.scalar_series(),
            path=Path(reader.path),
        )

    # ------------------------------------------------------------------ whole-trace facts
    @property
    def incomplete(self) -> str | None:
        status = self.meta.get("status")
        if status == "running":
            return "the recording did not finish"
        if isinstance(status, str) and status.startswith("recording failed"):
            return status
        return None

    @property
    def event_count(self) -> int:
        return len(self.event_list)

    @property
    def first_seq(self) -> int | None:
        return self._seqs[0] if self._seqs else None

    @property
    def last_seq(self) -> int | None:
        return self._seqs[-1] if self._seqs else None

    def source(self, file_id: int) -> str | None:
        return self.sources.get(file_id)

    def source_lines(self, file_id: int) -> list[str]:
        return (self.source(file_id) or "").splitlines()

    def stale_files(self) -> list[FileInfo]:
        return [f for f in self.files.values() if f.changed_on_disk() is not False]

    def edges(self) -> list[Edge]:
        return list(self.edge_list)

    def threads(self) -> dict[int, str]:
        return dict(self.thread_names)

    def function_by_name(self, qualname: str) -> Function | None:
        return next((f for f in self.functions.values() if f.qualname == qualname), None)

    def frame_count(self) -> int:
        return len(self.frame_list)

    # ------------------------------------------------------------------ frames and events
    def frame(self, frame_id: int) -> Frame | None:
        return self._frames.get(frame_id)

    def children(self, frame_id: int | None) -> list[Frame]:
        return sorted((f for f in self.frame_list if f.parent_id == frame_id), key=lambda f: f.start_seq)

    def frames_of(self, function_id: int) -> list[Frame]:
        return sorted((f for f in self.frame_list if f.function_id == function_id), key=lambda f: f.start_seq)

    def frames(self) -> Iterator[Frame]:
        return iter(sorted(self.frame_list, key=lambda f: f.start_seq))

    def event(self, seq: int) -> Event | None:
        i = bisect.bisect_left(self._seqs, seq)
        return self.event_list[i] if i < len(self._seqs) and self._seqs[i] == seq else None

    def events(self, start: int = 0, stop: int | None = None, frame_id: int | None = None) -> Iterator[Event]:
        for e in self.event_list[bisect.bisect_left(self._seqs, start) :]:
            if stop is not None and e.seq >= stop:
                return
            if frame_id is None or e.frame_id == frame_id:
                yield e

    def _scan(self, seq: int, forward: bool, frame_id: int | None, kinds: tuple[int, ...] | None) -> Event | None:
        if forward:
            candidates: Any = self.event_list[bisect.bisect_right(self._seqs, seq) :]
        else:
            candidates = reversed(self.event_list[: bisect.bisect_left(self._seqs, seq)])
        for e in candidates:
            if (frame_id is None or e.frame_id == frame_id) and (kinds is None or e.kind in kinds):
                return e
        return None

    def next_event(self, seq: int, *, frame_id: int | None = None, kinds: tuple[int, ...] | None = None) -> Event | None:
        return self._scan(seq, True, frame_id, kinds)

    def prev_event(self, seq: int, *, frame_id: int | None = None, kinds: tuple[int, ...] | None = None) -> Event | None:
        return self._scan(seq, False, frame_id, kinds)

    def _file_of(self, event: Event) -> int:
        return self.functions[self._frames[event.frame_id].function_id].file_id

    def line_events_at(self, file_id: int, line: int, after: int = 0, forward: bool = True) -> Event | None:
        events = self.event_list if forward else list(reversed(self.event_list))
        for e in events:
            if (
                e.kind == LINE
                and e.line == line
                and (e.seq > after if forward else e.seq < after)
                and self._file_of(e) == file_id
            ):
                return e
        return None

    def locals_at(self, frame_id: int, seq: int) -> dict[str, str]:
        values: dict[str, str] = {}
        for e in self.events(frame_id=frame_id):
            if e.seq > seq:
                break
            if e.kind in (CALL, LINE) and e.data:
                values.update(e.data)
        return values

    def covered_lines(self, file_id: int) -> set[int]:
        return {e.line for e in self.event_list if e.kind == LINE and self._file_of(e) == file_id and e.line is not None}

    def folds(self, frame_id: int | None = None) -> list[Fold]:
        return sorted((f for f in self.fold_list if frame_id is None or f.frame_id == frame_id), key=lambda f: f.after_seq)

    # ------------------------------------------------------------------ replay and live
    def value_events(
        self, frame_id: int, after: int = 0, limit: int = -1, until: int | None = None
    ) -> Iterator[tuple[int, dict[str, str]]]:
        found = 0
        for e in self.events(start=after + 1, stop=None if until is None else until + 1, frame_id=frame_id):
            if e.kind in (CALL, LINE) and e.data is not None:
                if found == limit:
                    return
                found += 1
                yield e.seq, e.data

    def snapshot_before(self, frame_id: int, seq: int) -> tuple[int, dict[str, list]] | None:
        return None  # like a trace written before snapshots existed: the cursor reads every value event

    def step_number(self, seq: int) -> int:
        return bisect.bisect_right(self._seqs, seq)

    def seq_at_step(self, index: int) -> int | None:
        i = max(index - 1, 0)
        return self._seqs[i] if i < len(self._seqs) else None

    def next_call_of(self, function_id: int, seq: int, forward: bool = True) -> int | None:
        starts = [f.start_seq for f in self.frames_of(function_id)]
        found = [s for s in starts if (s > seq if forward else s < seq)]
        return (found[0] if forward else found[-1]) if found else None

    def first_call_of(self, function_id: int) -> int | None:
        starts = [f.start_seq for f in self.frames_of(function_id)]
        return starts[0] if starts else None

    def line_hits_until(self, file_id: int, line: int, seq: int) -> int:
        return sum(
            1 for e in self.event_list if e.seq <= seq and e.kind == LINE and e.line == line and self._file_of(e) == file_id
        )

    def folds_covering_line_before(self, file_id: int, line: int, seq: int) -> int:
        return sum(
            1
            for f in self.fold_list
            if f.head_line <= line <= f.end_line
            and f.after_seq < seq
            and self.functions[self._frames[f.frame_id].function_id].file_id == file_id
        )

    # ------------------------------------------------------------------ tours and concepts
    def line_runs(self, frame_id: int) -> list[tuple[int, int, dict[str, str]]]:
        rows = list(self.events(frame_id=frame_id))
        out = []
        for i, e in enumerate(rows):
            if e.kind != LINE:
                continue
            nxt = rows[i + 1] if i + 1 < len(rows) else None
            returns = nxt is not None and nxt.kind == RETURN
            changed = dict(nxt.data) if nxt is not None and (nxt.kind == LINE or returns) and nxt.data else {}
            if returns:
                changed = {"<return>": changed["value"]} if "value" in changed else {}
            out.append((e.seq, e.line, changed))  # type: ignore[arg-type]
        return out

    def module_globals(self, file_id: int) -> dict[str, str]:
        for func in self.functions.values():
            if func.file_id == file_id and func.kind == "module":
                frames = self.frames_of(func.id)
                if frames:
                    fr = frames[0]
                    return self.locals_at(fr.id, fr.end_seq if fr.end_seq is not None else (self.last_seq or 0))
        return {}

    def lines_that_ran(self) -> list[tuple[int, int, int, int, int]]:
        first: dict[tuple[int, int], list[int]] = {}
        for e in self.event_list:
            if e.kind == LINE:
                key = (self._frames[e.frame_id].function_id, e.line)  # type: ignore[assignment]
                if key not in first:
                    first[key] = [e.seq, e.frame_id, 0]
                first[key][2] += 1
        rows = [(fid, line, s, fr, n) for (fid, line), (s, fr, n) in first.items()]
        return sorted(rows, key=lambda r: r[2])

    def line_runs_in_frame(self, frame_id: int, line: int) -> list[int]:
        return [e.seq for e in self.events(frame_id=frame_id) if e.kind == LINE and e.line == line]

    def exception_events(self) -> list[Event]:
        return [e for e in self.event_list if e.kind == EXCEPTION]

    def scalar_series(self, function_id: int | None = None) -> list[tuple[int, int | None, int | None, str, int, int, dict]]:
        return [s for s in self.series if function_id is None or s[0] == function_id]
