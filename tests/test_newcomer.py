"""What a new user trips over (issue 16): each test failed before its fix."""

from __future__ import annotations

import os
import shutil
import time

import pytest
from conftest import run_cli

from codetour.store.reader import TraceReader

MAIN = """
import argparse


def train(epochs):
    total = 0
    for epoch in range(epochs):
        total += epoch
    print("trained", epochs)
    return total


def evaluate():
    print("evaluated")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True, choices=["train", "eval"])
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    if args.mode == "train":
        train(args.epochs)
    else:
        evaluate()
"""


@pytest.fixture
def repo(tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "pyproject.toml").write_text("[project]\\nname = 'r'\\n")
    (folder / "main.py").write_text(MAIN)
    return folder


def test_a_folder_trace_with_arguments_keeps_the_mode_flag(repo, tmp_path):
    out = tmp_path / "t.ctrace"
    proc = run_cli("trace", "-o", str(out), str(repo), "--epochs", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "trained 1" in proc.stdout
    with TraceReader(out) as reader:
        assert reader.meta["argv"][1:] == ["--mode", "train", "--epochs", "1"]
    # an explicit mode is the user's choice
    proc = run_cli("trace", "-q", "--force", "-o", str(out), str(repo), "--mode", "eval", cwd=tmp_path)
    assert proc.returncode == 0 and "evaluated" in proc.stdout, proc.stderr


def test_trace_quiet_on_a_folder_prints_only_the_path(repo, tmp_path):
    out = tmp_path / "t.ctrace"
    proc = run_cli("trace", "-q", "-o", str(out), str(repo), cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stderr.strip() == str(out)


def test_a_piped_tour_keeps_the_programs_output_apart(repo):
    proc = run_cli("tour", str(repo / "main.py"), "--mode", "train", "--epochs", "2", cwd=repo)
    assert proc.returncode == 0, proc.stderr
    assert "trained 2" not in proc.stdout and "trained 2" in proc.stderr
    assert "A tour of" in proc.stdout


def traces(repo):
    return sorted((repo / ".codetour").glob("main.*.ctrace"))


def test_a_recent_recording_of_the_same_run_is_reused(repo):
    first = run_cli("tour", str(repo), cwd=repo)
    assert first.returncode == 0, first.stderr
    assert len(traces(repo)) == 1
    again = run_cli("tour", str(repo), cwd=repo)
    assert again.returncode == 0 and "reusing" in again.stderr and "trained" not in again.stderr
    assert len(traces(repo)) == 1
    time.sleep(1.1)  # trace names carry the second
    fresh = run_cli("tour", "--fresh", str(repo), cwd=repo)
    assert fresh.returncode == 0 and "reusing" not in fresh.stderr and "trained" in fresh.stderr
    assert len(traces(repo)) == 2
    (repo / "main.py").write_text(MAIN.replace("total += epoch", "total += 2 * epoch"))
    changed = run_cli("tour", str(repo), cwd=repo)
    assert "reusing" not in changed.stderr  # the source changed: recorded again


def test_old_traces_do_not_pile_up(repo):
    assert run_cli("tour", str(repo), cwd=repo).returncode == 0
    (only,) = traces(repo)
    for i in range(12):
        old = repo / ".codetour" / f"main.20200101-0000{i:02d}.ctrace"
        shutil.copy(only, old)
        os.utime(old, (1_600_000_000 + i, 1_600_000_000 + i))
    notes = repo / ".codetour" / "notes.txt"
    notes.write_text("mine")
    proc = run_cli("tour", "--fresh", str(repo), cwd=repo)
    assert proc.returncode == 0 and "removed" in proc.stderr
    assert len(traces(repo)) == 10
    assert notes.read_text() == "mine"
    assert (repo / ".codetour" / "main.20200101-000011.ctrace").exists()  # the newest old ones stay


def test_discover_on_a_file_suggests_tracing_only_python_scripts(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# hi\n")
    proc = run_cli("discover", str(readme))
    assert proc.returncode == 3 and "codetour trace" not in proc.stderr and "name the repository's folder" in proc.stderr
    script = tmp_path / "train.py"
    script.write_text("print(1)\n")
    proc = run_cli("discover", str(script))
    assert proc.returncode == 3 and f"codetour trace {script}" in proc.stderr


def test_a_folder_whose_primary_runs_with_python_dash_m(tmp_path):
    repo = tmp_path / "mrepo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("[project]\nname = 'pkg'\n")
    (repo / "README.md").write_text("# pkg\n\n## Training\n\n```bash\npython -m pkg.train --epochs 2\n```\n")
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "pkg" / "model.py").write_text("def step(w, lr):\n    return w - lr * 2 * w\n")
    (repo / "pkg" / "train.py").write_text(
        "import argparse\n\nfrom pkg.model import step\n\n\n"
        "def main():\n    parser = argparse.ArgumentParser()\n    parser.add_argument('--epochs', type=int, default=5)\n"
        "    args = parser.parse_args()\n    w = 1.0\n    for epoch in range(args.epochs):\n        w = step(w, 0.1)\n"
        "    print('trained', args.epochs)\n\n\nif __name__ == '__main__':\n    main()\n"
    )
    out = tmp_path / "m.ctrace"
    proc = run_cli("trace", "-o", str(out), str(repo), cwd=tmp_path)  # run from elsewhere: the module is found from the root
    assert proc.returncode == 0, proc.stderr
    assert "trained 2" in proc.stdout and "-m pkg.train" in proc.stderr
    with TraceReader(out) as reader:
        assert reader.meta["module"] == "pkg.train"
        assert reader.function_by_name("step").calls == 2
