"""Chrome Trace Event JSON of the recorded timeline (opens in Perfetto and speedscope).

Every recorded frame becomes a complete ("X") event with its arguments and return
value; calls past the detail budget were counted but not timed one by one, so they
are not on the timeline (``otherData`` says how many). Thread names come as
metadata ("M") events. Format: the Trace Event Format's JSON Object Format.

A run of several processes (traced children: DataLoader workers, pool workers, ranks) gets
one lane per process: its real pid, a ``process_name`` event with its role (``main``,
``DataLoader worker 0``, ``rank 1``) and a ``process_sort_index`` (main first). Each
process's event times count from its own recorder's start; its wall-clock start puts them all
on one clock (:meth:`~codetour.store.processes.Process.wall_ns`), so the lanes line up (``ts`` is microseconds from the earliest process's start).
"""

from __future__ import annotations

import json
from typing import IO

from codetour.export import ExportContext
from codetour.store.source import TraceSource


def to_chrome(ctx: ExportContext) -> dict:
    reader = ctx.reader
    meta = reader.meta
    lanes = ctx.lanes
    if lanes is None:
        pid = int(meta.get("pid") or 1)
        events = _lane(reader, pid, ctx.title, 0)
        unrecorded = _unrecorded(reader)
    else:
        base = min(p.zero_ns for p in lanes)
        events = []
        for index, process in enumerate(lanes):
            events += _lane(process.reader, process.pid, process.label, process.zero_ns - base)
            events.append({"name": "process_sort_index", "ph": "M", "pid": process.pid, "tid": 0, "args": {"sort_index": index}})
            events.append(
                {
                    "name": "process_labels",
                    "ph": "M",
                    "pid": process.pid,
                    "tid": 0,
                    "args": {"labels": f"{process.info.how}, {process.info.ended()}" if not process.is_main else "main"},
                }
            )
        unrecorded = sum(_unrecorded(p.reader) for p in lanes)
    other = {
        "producer": "codetour",
        "argv": " ".join(meta.get("argv") or []),
        "calls_not_on_timeline": unrecorded,
        "note": "calls past the detail budget are counted and timed in total, not one by one",
    }
    if lanes is not None:
        other["processes"] = [
            {
                "pid": p.pid,
                "ppid": p.info.ppid,
                "role": p.info.role,
                "how": p.info.how,
                "rank": p.info.rank,
                "exit_code": p.info.exit_code,
                "trace": p.info.shard or str(p.path.name),
            }
            for p in lanes
        ]
    return {"traceEvents": events, "displayTimeUnit": "ms", "otherData": other}


def _unrecorded(reader: TraceSource) -> int:
    return sum(f.calls - f.recorded_calls for f in reader.functions.values())


def _lane(reader: TraceSource, pid: int, name: str, offset_ns: int) -> list[dict]:
    """One process's metadata and complete events; its times shifted by ``offset_ns``."""
    functions = reader.functions
    events: list[dict] = []
    for index, thread in reader.threads().items():
        events.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": index, "args": {"name": thread}})
    events.append({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": name}})
    last_ns = 0
    frames = list(reader.frames())
    for fr in frames:
        if fr.end_ns is not None:
            last_ns = max(last_ns, fr.end_ns)
    for fr in frames:
        f = functions[fr.function_id]
        info = reader.files.get(f.file_id)
        end = fr.end_ns if fr.end_ns is not None else last_ns
        args = {"file": f"{info.relpath if info else '?'}:{f.firstlineno}", "status": fr.status}
        if fr.args:
            args.update({f"arg {k}": v for k, v in fr.args.items()})
        if fr.ret is not None:
            args["return"] = fr.ret
        if fr.exc:
            args["raised"] = f"{fr.exc.get('type')}: {fr.exc.get('message')}"
        events.append(
            {
                "name": f.qualname,
                "cat": "library" if f.library else "repo",
                "ph": "X",
                "ts": (fr.start_ns + offset_ns) / 1000,
                "dur": max(end - fr.start_ns, 0) / 1000,
                "pid": pid,
                "tid": fr.thread,
                "args": args,
            }
        )
    return events


def write_chrome(ctx: ExportContext, stream: IO) -> None:
    # json.dumps, not json.dump: dump streams through the pure-Python encoder, 5x slower here
    stream.write(json.dumps(to_chrome(ctx), ensure_ascii=False))
    stream.write("\n")
