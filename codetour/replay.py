"""A cursor over a recorded run: step into / over / out, forward and backward.

Pure logic over a :class:`~codetour.store.source.TraceSource` (no UI), so the replay's
semantics are tested without a terminal and the TUI only renders :class:`Step`.

A *step* is one event: a call, a line about to run, a return, an exception, or a
fold (loop iterations counted but not stored). Moving:

- ``step_into`` / ``step_back``: the next / previous event anywhere (enters calls).
- ``step_over`` / ``step_over_back``: the next / previous event of the same frame
  (calls made from here are skipped); at a frame's end, into the caller.
- ``step_out`` / ``step_out_back``: the caller's next event after this frame returns /
  the caller's line that made this call.
- ``goto``, ``run_to_line`` (replay breakpoints), ``next_call`` (search), tour stops.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from dataclasses import dataclass, field

from codetour.store.reader import Event, Frame, Function
from codetour.store.schema import CALL, EXCEPTION, FOLD, LINE, RETURN
from codetour.store.source import TraceSource
from codetour.tour.model import Tour
from codetour.tour.resolve import Resolved, resolve_tour


@dataclass(frozen=True)
class Step:
    """Everything the UI shows about one position in the recording."""

    event: Event
    frame: Frame
    function: Function
    file_id: int
    relpath: str
    stack: list[Frame]
    locals: dict[str, str]
    changed: dict[str, str]
    index: int  # 1-based position among all events
    total: int
    thread: str
    stop_index: int | None = None  # the tour stop at or before this step
    folded: dict | None = None  # for fold events: {"iterations", "lines", "end_line"}


class Cursor:
    """A position in a recording (an event) and the debugger moves over it, forwards and backwards:
    step into / over / out, run to a line or a breakpoint, next tour stop. Pure logic over a
    trace reader, so tests drive it without a UI and the TUI only renders its state."""

    def __init__(self, reader: TraceSource, tour: Tour | None = None, elsewhere: frozenset[str] = frozenset()) -> None:
        self.reader = reader
        self.tour = tour
        self.stops: list[Resolved] = resolve_tour(tour, reader) if tour else []
        # A stop that names another process of the run (``elsewhere``: their roles) is not here,
        # even where the same function ran here too (a forward pass in the parent and in a worker).
        self.stop_seqs = [None if r.stop.process in elsewhere else r.seq for r in self.stops]
        self.first = reader.first_seq or 0
        self.last = reader.last_seq or 0
        self.total = reader.event_count
        self.threads = reader.threads()
        self.seq = self.first
        self.stop_index: int | None = None  # position in the tour (tour order, not time order)
        self.breakpoints: set[tuple[int, int]] = set()  # (file_id, line)
        self._frames: OrderedDict[int, Frame] = OrderedDict()
        self._values: OrderedDict[int, _FrameValues] = OrderedDict()
        if self.total == 0:
            raise ValueError("the trace has no events")

    # ------------------------------------------------------------------ state
    def frame(self, frame_id: int) -> Frame:
        fr = self._frames.get(frame_id)
        if fr is None:
            fr = self.reader.frame(frame_id)
            if fr is None:
                raise KeyError(frame_id)
            self._frames[frame_id] = fr
            if len(self._frames) > 4096:
                self._frames.popitem(last=False)
        return fr

    def stack(self, frame: Frame) -> list[Frame]:
        """The recorded call stack ending at ``frame``, outermost first, through the frame cache
        (stepping inside one call asks for the same ancestors again and again)."""
        out = [frame]
        while out[-1].parent_id is not None:
            out.append(self.frame(out[-1].parent_id))
        return out[::-1]

    SNAPSHOT_EVERY = 256
    PAGE = 512  # value events read at a time: a step into a huge frame reads only what it needs

    def _frame_values(self, frame_id: int, until: int | None = None) -> _FrameValues:
        """A window on a frame's value events, read in pages only as far as ``until`` (a seq; None:
        all of them), with a snapshot of all locals every ``SNAPSHOT_EVERY`` events: the locals at
        any step cost at most that many merges.

        The window starts at the frame's start or, in a trace that keeps snapshots of large frames
        (``TraceSource.snapshot_before``), at the latest stored snapshot at or before ``until`` when
        that saves reading: landing deep in a frame with a hundred thousand recorded values reads one
        snapshot and a page, not every earlier value change of the frame."""
        values = self._values.get(frame_id)
        if values is not None:
            self._values.move_to_end(frame_id)
        if until is None:
            if values is None or values.origin:
                values = self._keep(frame_id, _FrameValues())
        elif values is None or until < values.origin or (not values.complete and until > values.last_seq):
            stored = self.reader.snapshot_before(frame_id, until)
            if stored is not None and (values is None or until < values.origin or stored[0] > values.last_seq):
                values = self._keep(frame_id, _FrameValues.starting_at(*stored))
            elif values is None or until < values.origin:
                values = self._keep(frame_id, _FrameValues())
        while not values.complete and (until is None or values.last_seq < until):
            page = list(self.reader.value_events(frame_id, after=values.last_seq, limit=self.PAGE))
            for seq, changed in page:
                if len(values.datas) % self.SNAPSHOT_EVERY == 0:
                    values.snapshots.append(dict(values.current))  # the locals before datas[len(datas)]
                values.seqs.append(seq)
                values.datas.append(changed)
                _merge(values.current, changed)
            if page:
                values.last_seq = page[-1][0]
            if len(page) < self.PAGE:
                values.complete = True
        return values

    def _keep(self, frame_id: int, values: _FrameValues) -> _FrameValues:
        self._values[frame_id] = values
        self._values.move_to_end(frame_id)
        if len(self._values) > 256:
            self._values.popitem(last=False)
        return values

    def locals_at(self, frame_id: int, seq: int) -> dict[str, str]:
        """The frame's locals as of ``seq``, the most recently changed last."""
        values = self._frame_values(frame_id, until=seq)
        count = bisect_right(values.seqs, seq)
        if count == 0:
            return dict(values.snapshots[0] if values.snapshots else values.current)  # the window's start
        block = (count - 1) // self.SNAPSHOT_EVERY
        result = dict(values.snapshots[block])
        for data in values.datas[block * self.SNAPSHOT_EVERY : count]:
            _merge(result, data)
        return result

    def history(self, frame_id: int, name: str) -> list[tuple[int, str]]:
        """(seq, value) each time ``name`` changed in this frame (reads the whole frame)."""
        values = self._frame_values(frame_id)
        return [(s, d[name]) for s, d in zip(values.seqs, values.datas) if name in d]

    def recent_history(self, frame_id: int, name: str, limit: int = 6) -> tuple[int, list[tuple[int, str]]]:
        """How many times ``name`` changed in this frame, and its last ``limit`` changes (seq, value).

        With stored snapshots (each knows every name's change count and last change) this reads at
        most ``limit`` stretches between two snapshots, however long the frame; without them, the
        whole frame (:meth:`history`)."""
        frame = self.frame(frame_id)
        end = frame.end_seq if frame.end_seq is not None else self.last
        stored = self.reader.snapshot_before(frame_id, end)
        if stored is None:
            changes = self.history(frame_id, name)
            return len(changes), changes[-limit:] if limit else []
        at, state = stored
        changes = [(s, d[name]) for s, d in self.reader.value_events(frame_id, after=at, until=end) if name in d]
        known = state.get(name)  # [value, seq of its last change up to the snapshot, changes up to it]
        count = len(changes) + (known[2] if known else 0)
        while len(changes) < limit and known is not None:
            last = known[1]
            stored = self.reader.snapshot_before(frame_id, last - 1)
            after = stored[0] if stored is not None else 0
            earlier = self.reader.value_events(frame_id, after=after, until=last)
            changes = [(s, d[name]) for s, d in earlier if name in d] + changes
            known = stored[1].get(name) if stored is not None else None
        return count, changes[-limit:] if limit else []

    def step(self) -> Step:
        reader = self.reader
        event = reader.event(self.seq)
        if event is None:  # a gap (should not happen): snap to the nearest event
            event = reader.next_event(self.seq) or reader.prev_event(self.seq)
            assert event is not None
            self.seq = event.seq
        frame = self.frame(event.frame_id)
        function = reader.functions[frame.function_id]
        info = reader.files[function.file_id]
        stack = self.stack(frame)
        changed = dict(event.data) if event.kind == LINE and event.data else {}
        index = self._index(event.seq)
        return Step(
            event=event,
            frame=frame,
            function=function,
            file_id=function.file_id,
            relpath=info.relpath,
            stack=stack,
            locals=self.locals_at(frame.id, event.seq),
            changed=changed,
            index=index,
            total=self.total,
            thread=self.threads.get(frame.thread, str(frame.thread)),
            stop_index=self.current_stop(),
            folded=event.data if event.kind == FOLD else None,
        )

    def _index(self, seq: int) -> int:
        if self.last - self.first + 1 == self.total:
            return seq - self.first + 1  # contiguous numbering: no query needed
        return self.reader.step_number(seq)

    def current_stop(self) -> int | None:
        """The tour position: the stop last navigated to, or the stop whose step this is."""
        if self.stop_index is not None and self.stop_seqs[self.stop_index] == self.seq:
            return self.stop_index
        for i, s in enumerate(self.stop_seqs):
            if s == self.seq:
                self.stop_index = i
                return i
        return self.stop_index

    # ------------------------------------------------------------------ moves
    def _go(self, event: Event | None) -> bool:
        if event is None:
            return False
        self.seq = event.seq
        return True

    def goto(self, seq: int) -> bool:
        seq = max(self.first, min(self.last, seq))
        event = self.reader.event(seq) or self.reader.next_event(seq) or self.reader.prev_event(seq)
        return self._go(event)

    def goto_index(self, index: int) -> bool:
        """Go to the step numbered ``index`` (1-based), as shown in the status bar."""
        if self.last - self.first + 1 == self.total:
            return self.goto(self.first + index - 1)
        seq = self.reader.seq_at_step(index)
        return self.goto(seq) if seq is not None else False

    def step_into(self) -> bool:
        return self._go(self.reader.next_event(self.seq))

    def step_back(self) -> bool:
        return self._go(self.reader.prev_event(self.seq))

    def step_over(self) -> bool:
        event = self.reader.event(self.seq)
        if event is None:
            return False
        if event.kind != RETURN:
            nxt = self.reader.next_event(self.seq, frame_id=event.frame_id)
            if nxt is not None:
                return self._go(nxt)
        return self.step_out()

    def step_over_back(self) -> bool:
        event = self.reader.event(self.seq)
        if event is None:
            return False
        if event.kind != CALL:
            prev = self.reader.prev_event(self.seq, frame_id=event.frame_id)
            if prev is not None:
                return self._go(prev)
        return self.step_out_back()

    def step_out(self) -> bool:
        """To the caller, right after this frame returns."""
        frame = self.frame(self.reader.event(self.seq).frame_id)  # type: ignore[union-attr]
        end = frame.end_seq if frame.end_seq is not None else self.seq
        if frame.parent_id is not None:
            nxt = self.reader.next_event(end, frame_id=frame.parent_id)
            if nxt is not None:
                return self._go(nxt)
        return self._go(self.reader.next_event(end))

    def step_out_back(self) -> bool:
        """To the caller's line that made this call."""
        frame = self.frame(self.reader.event(self.seq).frame_id)  # type: ignore[union-attr]
        if frame.parent_id is not None:
            prev = self.reader.prev_event(frame.start_seq, frame_id=frame.parent_id)
            if prev is not None:
                return self._go(prev)
        return self._go(self.reader.prev_event(frame.start_seq))

    def run_to_line(self, file_id: int, line: int, forward: bool = True) -> bool:
        return self._go(self.reader.line_events_at(file_id, line, after=self.seq, forward=forward))

    def toggle_breakpoint(self, file_id: int, line: int) -> bool:
        key = (file_id, line)
        if key in self.breakpoints:
            self.breakpoints.discard(key)
            return False
        self.breakpoints.add(key)
        return True

    def continue_(self, forward: bool = True) -> bool:
        """To the nearest breakpoint hit in that direction."""
        found = [self.reader.line_events_at(f, ln, after=self.seq, forward=forward) for f, ln in self.breakpoints]
        hits = [h for h in found if h is not None]
        if not hits:
            return False
        return self._go(min(hits, key=lambda e: e.seq) if forward else max(hits, key=lambda e: e.seq))

    def next_stop(self) -> bool:
        """The tour's next stop (in the tour's order, which may go back in time)."""
        start = -1 if self.stop_index is None else self.stop_index
        return any(self.goto_stop(i) for i in range(start + 1, len(self.stop_seqs)))

    def prev_stop(self) -> bool:
        start = len(self.stop_seqs) if self.stop_index is None else self.stop_index
        return any(self.goto_stop(i) for i in range(start - 1, -1, -1))

    def goto_stop(self, index: int) -> bool:
        if 0 <= index < len(self.stop_seqs) and self.stop_seqs[index] is not None:
            self.stop_index = index
            return self.goto(self.stop_seqs[index])  # type: ignore[arg-type]
        return False

    def next_call(self, function_id: int, forward: bool = True) -> bool:
        """The next (or previous) recorded call of a function, from here."""
        seq = self.reader.next_call_of(function_id, self.seq, forward)
        if seq is None and forward:
            seq = self.reader.first_call_of(function_id)  # wrap around to the first call
        return self.goto(seq) if seq is not None else False

    def skip_fold(self) -> bool:
        """Past the folded iterations: the frame's next event after the fold."""
        event = self.reader.event(self.seq)
        if event is None:
            return False
        if event.kind == FOLD:
            return self.step_over()
        nxt = self.reader.next_event(self.seq, frame_id=event.frame_id, kinds=(FOLD,))
        if nxt is not None:
            self.seq = nxt.seq
            return self.step_over()
        return False


@dataclass
class _FrameValues:
    """What the cursor has read of one frame's values so far."""

    seqs: list[int] = field(default_factory=list)
    datas: list[dict[str, str]] = field(default_factory=list)
    snapshots: list[dict[str, str]] = field(default_factory=list)
    current: dict[str, str] = field(default_factory=dict)  # the locals after the last event read
    last_seq: int = 0
    complete: bool = False
    origin: int = 0  # the window starts after this seq: a stored snapshot's (0: the frame's start)

    @classmethod
    def starting_at(cls, seq: int, state: dict[str, list]) -> _FrameValues:
        """A window starting at a stored snapshot: ``state`` is ``{name: [value, ...]}``, in order."""
        return cls(current={name: v[0] for name, v in state.items()}, last_seq=seq, origin=seq)


def _merge(values: dict[str, str], changed: dict[str, str]) -> None:
    """Apply changes keeping recency order: a changed name moves to the end."""
    for name, value in changed.items():
        values.pop(name, None)
        values[name] = value


KIND_LABELS = {CALL: "call", LINE: "line", RETURN: "return", EXCEPTION: "exception", FOLD: "folded"}
