"""A small trace, normalised and compared with a golden file (in the style of snoop's tests).

Times, absolute paths and versions are removed; what stays is what the recorder decided: which
functions ran, every event with its line and values, every frame with its parent, call line,
arguments and return value, the folds and the edges. Any change to that is visible in a diff.
Regenerate after an intended change with ``CODETOUR_UPDATE_GOLDEN=1 python -m pytest tests/test_trace_golden.py``
and review the diff. The golden file is per Python minor version: line events differ between them.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import ROOT, SCRIPTS, trace_script

from codetour.store.reader import TraceReader
from codetour.store.schema import KIND_NAMES

GOLDEN = Path(__file__).parent / "golden" / f"trace_basic.py{sys.version_info.major}{sys.version_info.minor}.txt"


def normalised(path: Path) -> str:
    out: list[str] = []
    with TraceReader(path) as reader:
        meta = reader.meta
        out.append(f"status {meta['status']} exit {meta['exit_code']} argv {meta['argv'][1:]}")
        names = {f.id: f.qualname for f in reader.functions.values()}
        out.append("# functions: qualname kind calls recorded")
        for f in sorted(reader.functions.values(), key=lambda f: f.id):
            out.append(
                f"{f.qualname} {f.kind} {reader.files[f.file_id].relpath}:{f.firstlineno} calls={f.calls} recorded={f.recorded_calls}"
            )
        out.append("# edges")
        for e in sorted(reader.edges(), key=lambda e: (e.caller_id or 0, e.callee_id)):
            out.append(f"{names.get(e.caller_id, '<entry>') if e.caller_id else '<entry>'} -> {names[e.callee_id]} x{e.calls}")
        out.append("# frames")
        frames = {fr.id: fr for fr in reader.frames()}
        for fr in frames.values():
            parent = names[frames[fr.parent_id].function_id] if fr.parent_id in frames else "-"
            out.append(
                f"{fr.id} {names[fr.function_id]} parent={parent} line={fr.call_line} depth={fr.depth} "
                f"args={fr.args} ret={fr.ret} status={fr.status}"
            )
        out.append("# events")
        for ev in reader.events():
            data = dict(ev.data) if isinstance(ev.data, dict) else ev.data
            if isinstance(data, dict) and "__builtins__" in data:
                data["__builtins__"] = "<builtins>"  # its size varies between patch releases
            if isinstance(data, dict) and "__file__" in data:
                data["__file__"] = "<file>"  # a path, cut at a length that depends on where the clone is
            out.append(f"{ev.seq} f{ev.frame_id} {KIND_NAMES[ev.kind]} {ev.line} {data if data else ''}".rstrip())
        out.append("# folds")
        for fold in reader.folds():
            out.append(f"f{fold.frame_id} {fold.head_line}-{fold.end_line} after {fold.after_seq} x{fold.iterations}")
    return "\n".join(out).replace(str(ROOT), "<ROOT>") + "\n"


def test_trace_matches_the_golden_file(tmp_path):
    proc, out = trace_script(tmp_path, SCRIPTS / "basic.py", "--flag", "x", extra=("--iterations", "2"))
    assert proc.returncode == 0, proc.stderr
    text = normalised(out)
    if os.environ.get("CODETOUR_UPDATE_GOLDEN"):
        GOLDEN.write_text(text)
    if not GOLDEN.exists():
        pytest.skip(
            f"no golden file for Python {sys.version_info.major}.{sys.version_info.minor} (CODETOUR_UPDATE_GOLDEN=1 writes it)"
        )
    assert text == GOLDEN.read_text()
