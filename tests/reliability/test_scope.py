"""Item 10: code the target runs from outside the root is reported, and `trace .` and
`discover .` agree on what the root is."""

from __future__ import annotations

import json

from conftest import run_cli

from codetour.store.reader import TraceReader


def make_layout(tmp_path):
    """A folder with no project marker: scripts/train.py imports ../mylib."""
    top = tmp_path / "project"
    (top / "scripts").mkdir(parents=True)
    (top / "mylib").mkdir()
    (top / "mylib" / "__init__.py").write_text("def helper(x):\n    return x * 2\n")
    (top / "scripts" / "train.py").write_text(
        "import os, sys\n"
        "sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))\n"
        "from mylib import helper\n\n"
        "def train():\n    for epoch in range(2):\n        helper(epoch)\n    print('trained')\n\n\n"
        "if __name__ == '__main__':\n    train()\n"
    )
    return top


def test_code_outside_the_root_is_reported_with_the_root_to_use(tmp_path):
    top = make_layout(tmp_path)
    out = tmp_path / "t.ctrace"
    proc = run_cli("trace", "-o", str(out), "scripts/train.py", cwd=top)
    assert proc.returncode == 0, proc.stderr
    warning = [ln for ln in proc.stderr.splitlines() if "was not recorded" in ln]
    assert len(warning) == 1
    assert "mylib/__init__.py" in warning[0] and f"--root {top}" in warning[0]
    with TraceReader(out) as reader:
        assert reader.function_by_name("helper") is None
    proc = run_cli("trace", "-q", "--force", "-o", str(out), "--root", str(top), "scripts/train.py", cwd=top)
    assert proc.returncode == 0 and "was not recorded" not in proc.stderr
    with TraceReader(out) as reader:
        assert reader.function_by_name("helper").calls == 2


def test_trace_dot_and_discover_dot_agree_on_the_root(tmp_path):
    top = make_layout(tmp_path)
    found = json.loads(run_cli("discover", ".", "--json", cwd=top).stdout)
    assert found["root"] == str(top)
    out = tmp_path / "t.ctrace"
    proc = run_cli("trace", "-o", str(out), ".", cwd=top)
    assert proc.returncode == 0, proc.stderr
    assert "was not recorded" not in proc.stderr
    with TraceReader(out) as reader:
        assert reader.meta["root"] == str(top)
        assert reader.function_by_name("helper").calls == 2
