"""Item 8: rich markup in names and values is printed as text, never interpreted, never a crash."""

from __future__ import annotations

from _helpers import script, trace
from conftest import run_cli

# Function names cannot hold brackets, but code objects can be renamed; file names can hold them.
TARGET = """
def work(x):
    return x + 1

names = {"co_name": "[bold red]x[/]"}
if hasattr(work.__code__, "co_qualname"):  # Python 3.11+
    names["co_qualname"] = "[bold red]x[/]"
work.__code__ = work.__code__.replace(**names)
for i in range(3):
    work(i)
value = "[/] [link=file:///etc/passwd]click[/link] <script>alert(1)</script>"
print("ok")
"""


def test_markup_in_function_names_is_shown_as_text(tmp_path, backend):
    target = script(tmp_path / "repo", "[red]odd.py", TARGET)
    proc, out = trace(target)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ok\n"
    if backend == "monitoring":
        # A code object made by code.replace() is not recorded by the monitoring backend: no loader
        # or compile() made it, so it never gets codetour's events (codetour.trace.monitoring).
        assert "[bold red]x[/]" not in proc.stderr and "work" not in proc.stderr
    else:
        assert "[bold red]x[/]" in proc.stderr  # the summary table names it literally
    assert "[red]odd.py" in proc.stderr
    assert "Traceback" not in proc.stderr
    for command in (
        ("tour", "print", str(out)),
        ("tour", "print", str(out), "--markdown"),
        ("tour", "build", str(out), "-o", "-"),
    ):
        printed = run_cli(*command)
        assert printed.returncode == 0, printed.stderr
        assert "Traceback" not in printed.stderr


def test_markup_in_an_error_message_is_shown_as_text(tmp_path):
    proc = run_cli("trace", str(tmp_path / "[/oops].py"))
    assert proc.returncode == 3
    assert proc.stderr.strip() == f"codetour: no such file: {tmp_path / '[/oops].py'}"


def test_html_export_escapes_names_and_values(tmp_path):
    target = script(tmp_path / "repo", "xss.py", TARGET.replace("[/oops]", "<img src=x onerror=alert(1)>"))
    proc, out = trace(target, extra=("-q",))
    assert proc.returncode == 0, proc.stderr
    page = tmp_path / "map.html"
    assert run_cli("export", str(out), "-f", "html", "-o", str(page)).returncode == 0
    html = page.read_text()
    assert "<img src=x onerror" not in html and "<script>alert(1)</script>" not in html
