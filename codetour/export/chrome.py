"""Chrome Trace Event JSON of the recorded timeline (opens in Perfetto and speedscope).

Every recorded frame becomes a complete ("X") event with its arguments and return
value; calls past the detail budget were counted but not timed one by one, so they
are not on the timeline (``otherData`` says how many). Thread names come as
metadata ("M") events. Format: the Trace Event Format's JSON Object Format.
"""

from __future__ import annotations

import json
from typing import IO

from codetour.export import ExportContext


def to_chrome(ctx: ExportContext) -> dict:
    reader = ctx.reader
    meta = reader.meta
    pid = int(meta.get("pid") or 1)
    functions = reader.functions
    events: list[dict] = []
    for index, name in reader.threads().items():
        events.append({"name": "thread_name", "ph": "M", "pid": pid, "tid": index, "args": {"name": name}})
    events.append({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": ctx.title}})
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
                "ts": fr.start_ns / 1000,
                "dur": max(end - fr.start_ns, 0) / 1000,
                "pid": pid,
                "tid": fr.thread,
                "args": args,
            }
        )
    unrecorded = sum(f.calls - f.recorded_calls for f in functions.values())
    return {
        "traceEvents": events,
        "displayTimeUnit": "ms",
        "otherData": {
            "producer": "codetour",
            "argv": " ".join(meta.get("argv") or []),
            "calls_not_on_timeline": unrecorded,
            "note": "calls past the detail budget are counted and timed in total, not one by one",
        },
    }


def write_chrome(ctx: ExportContext, stream: IO) -> None:
    # json.dumps, not json.dump: dump streams through the pure-Python encoder, 5x slower here
    stream.write(json.dumps(to_chrome(ctx), ensure_ascii=False))
    stream.write("\n")
