"""Item 2: a failure to write the trace never reaches the target's code or changes its exit code."""

from __future__ import annotations

import os
import subprocess
import sys

from _helpers import script

from codetour.store.reader import TraceReader

# The target swallows every exception: a write error raised into it would change what it prints.
TARGET = """
import sys

def work(n):
    acc = 0
    for i in range(n):
        acc += i * i
    return acc

errors = []
total = 0
for round_ in range(40):
    try:
        total += work(5000)
    except Exception as exc:
        errors.append(type(exc).__name__)
print("total", total, "errors", errors)
sys.exit(3)
"""

# codetour with the file-size limit of a nearly full disk: writes past 3 MB fail (EFBIG).
LIMITED = (
    "import resource, signal, sys\n"
    "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
    "resource.setrlimit(resource.RLIMIT_FSIZE, (3_000_000, 3_000_000))\n"
    "from codetour.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def test_disk_full_stops_recording_not_the_target(tmp_path):
    target = script(tmp_path / "repo", "target.py", TARGET)
    plain = subprocess.run([sys.executable, str(target)], capture_output=True, text=True, cwd=target.parent)
    out = tmp_path / "repo" / "full.ctrace"
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-c", LIMITED, "trace", "-q", "--full", "-o", str(out), str(target)],
        capture_output=True,
        text=True,
        cwd=target.parent,
        env=env,
        timeout=300,
    )
    assert plain.stdout.startswith("total ") and "errors []" in plain.stdout
    assert proc.stdout == plain.stdout  # the target saw no exception
    assert proc.returncode == plain.returncode == 3  # and exits with its own code
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines[0] == str(out)  # -q: the path
    assert len(lines) == 2 and lines[1].startswith("codetour: warning: recording failed (")
    assert "the program ran on untraced" in lines[1]
    assert "replaced codetour's trace function" not in proc.stderr  # the target is not blamed
    with TraceReader(out) as reader:
        assert reader.meta["status"].startswith("recording failed: ")
        assert reader.meta["exit_code"] == 3
        assert 0 < reader.event_count == reader.meta["events"]  # what is claimed is what is there
        assert "recording failed" in (reader.incomplete or "")
