"""Item 9 and the target's own failures: codetour reports them in Python's terms, in one line
where it is codetour speaking, and exits with the code Python would."""

from __future__ import annotations

import subprocess
import sys

from _helpers import one_line, script, trace


def test_a_syntax_error_is_one_line(tmp_path):
    target = script(tmp_path / "repo", "broken.py", "x = 1\ndef f(:\n    pass\n")
    proc, out = trace(target)
    assert proc.returncode == 1
    line = one_line(proc.stderr)
    assert line == f"codetour: {target}:2: SyntaxError: invalid syntax"
    assert not out.exists()  # nothing was created


def test_a_crash_keeps_python_s_traceback_and_exit_code(tmp_path):
    target = script(tmp_path / "repo", "crash.py", "def f():\n    raise ValueError('bad value')\n\nf()\n")
    plain = subprocess.run([sys.executable, str(target)], capture_output=True, text=True)
    proc, out = trace(target, extra=("-q",))
    assert proc.returncode == plain.returncode == 1
    assert "ValueError: bad value" in proc.stderr and 'File "' in proc.stderr
    assert "codetour/" not in proc.stderr.replace(str(out), "")  # codetour's own frames are hidden
    from codetour.store.reader import TraceReader

    with TraceReader(out) as reader:
        assert reader.meta["status"] == "exception"
        assert reader.meta["exception"] == {"type": "ValueError", "message": "bad value"}
