"""Item 1: -o never destroys a user's file; exports never replace the wrong thing."""

from __future__ import annotations

import os
import subprocess
import time

import pytest
from _helpers import one_line, script, start_trace, status, trace
from conftest import run_cli

from codetour.store.reader import TraceReader

LOOP = """
import time
total = 0
for i in range(3):
    total += i
print("done", total)
"""

SLOW = """
import time
for i in range(200):  # long enough to outlast a second codetour's start-up on a loaded machine
    time.sleep(0.05)
print("slow done")
"""


def test_refuses_to_replace_a_users_file(tmp_path):
    target = script(tmp_path / "repo", "target.py", LOOP)
    notes = tmp_path / "repo" / "notes.txt"
    notes.write_text("my notes\n")
    proc, _ = trace(target, out=notes, extra=("-q",))
    assert proc.returncode == 6
    assert "notes.txt already exists and is not a codetour trace" in one_line(proc.stderr)
    assert notes.read_text() == "my notes\n"
    assert proc.stdout == ""  # the target never ran


def test_force_replaces_it_and_an_earlier_trace_is_replaced_without_it(tmp_path):
    target = script(tmp_path / "repo", "target.py", LOOP)
    notes = tmp_path / "repo" / "notes.txt"
    notes.write_text("my notes\n")
    proc, _ = trace(target, out=notes, extra=("-q", "--force"))
    assert proc.returncode == 0 and status(notes) == "ok"
    proc, _ = trace(target, out=notes, extra=("-q",))  # now an earlier trace: replaced
    assert proc.returncode == 0 and status(notes) == "ok"


def test_never_writes_over_the_script_it_traces(tmp_path):
    target = script(tmp_path / "repo", "self.py", LOOP)
    before = target.read_text()
    for extra in (("-q",), ("-q", "--force")):
        proc, _ = trace(target, out=target, extra=extra)
        assert proc.returncode == 6, proc.stderr
        line = one_line(proc.stderr)
        assert "self.py" in line
        assert target.read_text() == before


@pytest.mark.parametrize("kind", ["directory", "fifo", "device"])
def test_refuses_directories_fifos_and_devices(tmp_path, kind):
    target = script(tmp_path / "repo", "target.py", LOOP)
    if kind == "directory":
        out = tmp_path / "adir"
        out.mkdir()
        expected = "is a directory"
    elif kind == "fifo":
        out = tmp_path / "pipe"
        os.mkfifo(out)
        expected = "is a FIFO"
    else:
        out = tmp_path / "null"
        out.symlink_to("/dev/null")  # a device behind a link: the link is followed, the device refused
        expected = "is a device"
    proc, _ = trace(target, out=out, extra=("-q", "--force"))
    assert proc.returncode == 6
    assert expected in one_line(proc.stderr)
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


def test_a_second_run_on_the_same_path_fails_cleanly_and_the_first_is_intact(tmp_path):
    target = script(tmp_path / "repo", "slow.py", SLOW)
    out = tmp_path / "repo" / "shared.ctrace"
    first = start_trace(target, out, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    second, _ = trace(target, out=out, extra=("-q",))
    first_out, first_err = first.communicate(timeout=60)
    assert second.returncode == 6
    assert "another codetour run is still writing" in one_line(second.stderr)
    assert "slow done" not in second.stdout
    assert first.returncode == 0, first_err
    assert "slow done" in first_out
    assert status(out) == "ok"
    with TraceReader(out) as reader:
        assert reader.event_count == reader.meta["events"] > 0
        assert sum(f.iterations for f in reader.folds()) >= 197  # 200 iterations, 3 in full detail


@pytest.fixture
def small_trace(tmp_path):
    target = script(tmp_path / "repo", "target.py", LOOP)
    proc, out = trace(target, extra=("-q",))
    assert proc.returncode == 0, proc.stderr
    return out


def test_export_refuses_a_file_that_is_not_an_earlier_export(small_trace, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html>my page</html>")
    proc = run_cli("export", str(small_trace), "-f", "html", "-o", str(page))
    assert proc.returncode == 6
    assert "page.html already exists and is not a codetour html export" in one_line(proc.stderr)
    assert page.read_text() == "<html>my page</html>"
    assert run_cli("export", str(small_trace), "-f", "html", "-o", str(page), "--force").returncode == 0
    assert "codetour" in page.read_text()
    # now it is an earlier export: replaced without --force
    proc = run_cli("export", str(small_trace), "-f", "html", "-o", str(page))
    assert proc.returncode == 0, proc.stderr


def test_export_to_dev_stdout_is_refused_and_dash_means_stdout(small_trace):
    proc = run_cli("export", str(small_trace), "-f", "json", "-o", "/dev/stdout")
    assert proc.returncode == 6
    assert "use -o - to write to standard output" in one_line(proc.stderr)
    assert os.path.islink("/dev/stdout")
    proc = run_cli("export", str(small_trace), "-f", "json", "-o", "-")
    assert proc.returncode == 0 and '"codetour-graph"' in proc.stdout


def test_export_through_a_symlink_keeps_the_link(small_trace, tmp_path):
    real = tmp_path / "real.dot"
    assert run_cli("export", str(small_trace), "-f", "dot", "-o", str(real)).returncode == 0
    link = tmp_path / "link.dot"
    link.symlink_to(real)
    proc = run_cli("export", str(small_trace), "-f", "dot", "-o", str(link), "--min-calls", "1")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and "digraph" in real.read_text()


def test_unwritable_output_is_one_line_and_exit_6(tmp_path):
    target = script(tmp_path / "repo", "target.py", LOOP)
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    proc, _ = trace(target, out=a_file / "t.ctrace", extra=("-q",))
    assert proc.returncode == 6 and "cannot write" in one_line(proc.stderr)
    assert proc.stdout == ""
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        proc, _ = trace(target, out=locked / "t.ctrace", extra=("-q",))
        assert proc.returncode == 6 and "cannot write" in one_line(proc.stderr)


def test_reader_sees_the_finished_trace(small_trace):
    with TraceReader(small_trace) as reader:
        assert reader.incomplete is None


def test_tour_build_never_replaces_a_readme(small_trace, tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# My project\n\n## Usage\n\nat: home\n")
    proc = run_cli("tour", "build", str(small_trace), "-o", str(readme))
    assert proc.returncode == 6
    assert "README.md already exists and is not a codetour tour" in one_line(proc.stderr)
    assert readme.read_text().startswith("# My project")
    tour = tmp_path / "tour.md"
    assert run_cli("tour", "build", str(small_trace), "-o", str(tour)).returncode == 0
    assert run_cli("tour", "build", str(small_trace), "-o", str(tour)).returncode == 0  # an earlier tour: replaced
