"""What a newcomer types by mistake gets one clear line and the documented exit code, never a
traceback or an "internal error": a tour file naming a repo or entry that is not there, `debug`
given a folder, `tour print` given a tour and a trace side by side, stray words after a sub-command."""

from __future__ import annotations

from _helpers import one_line
from conftest import run_cli


def write_tour(path, repo: str, entry: str) -> None:
    path.write_text(f"# A tour\nrepo: {repo}\nentry: {entry}\nargs: --steps 1\n\n## The step\nat: step\n")


def test_a_tour_whose_repo_folder_is_gone_is_exit_3_not_an_internal_error(tmp_path):
    tour = tmp_path / "tour.md"
    write_tour(tour, "../moved-away", "train.py")
    proc = run_cli("tour", str(tour), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    line = one_line(proc.stderr)
    assert line == f"codetour: {tour}: its repo folder {tmp_path.parent / 'moved-away'} does not exist (fix the 'repo:' line)"


def test_a_tour_whose_entry_is_not_in_its_repo_is_exit_3_before_anything_runs(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.py").write_text("open('ran', 'w').close()\n")
    tour = tmp_path / "tour.md"
    write_tour(tour, "repo", "train.py")
    proc = run_cli("tour", str(tour), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert one_line(proc.stderr) == f"codetour: {tour}: its entry train.py is not in {repo} (fix the 'entry:' line)"
    assert not (repo / ".codetour").exists() and not (repo / "ran").exists()  # nothing was recorded


def test_debug_given_a_folder_says_what_it_takes(tmp_path):
    proc = run_cli("debug", str(tmp_path), "--stop", "1", cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert one_line(proc.stderr) == f"codetour: {tmp_path} is a folder: name a trace (or a script with --at FILE:LINE[:HIT])"


def test_tour_print_with_a_trace_after_the_tour_points_at_trace_option(tmp_path):
    tour = tmp_path / "tour.md"
    write_tour(tour, ".", "train.py")
    proc = run_cli("tour", "print", str(tour), "run.ctrace", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert one_line(proc.stderr) == "codetour: `tour print` takes one TOUR|TRACE: give the trace with --trace run.ctrace"
    proc = run_cli("tour", "check", str(tour), "--nope", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert one_line(proc.stderr) == "codetour: unrecognized arguments: --nope (see `codetour tour check --help`)"


def test_tour_given_some_other_file_says_what_it_takes(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    proc = run_cli("tour", str(notes), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert one_line(proc.stderr) == (
        f"codetour: {notes} is neither a codetour trace, a tour file (.md) nor a Python script"
        " (name a repo folder, a .py script, a .ctrace trace or a .md tour)"
    )
