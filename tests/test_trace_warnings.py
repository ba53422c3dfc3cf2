"""codetour's warnings and errors on stderr: plain text without rich when rich would print plain text.

``codetour trace`` prints its warnings (code outside the root, a failed recording) in the traced
process after the target ends; importing rich there cost every such run ~15 ms, even with -q.
When stderr is no terminal rich writes the bare text, so codetour writes it itself then.
"""

from __future__ import annotations

import io
import sys
import textwrap

import pytest
from conftest import run_cli

from codetour import console

MESSAGES = [
    "code outside /repo ran and was not recorded: lib/helper.py (add --root / to include it)",
    "[bold]not markup[/bold] :smile: emoji codes and ~/paths stay as they are",
    "  leading and trailing spaces  ",
    "ünïcödé, 全角, emoji 🐍, a very long line " + "x" * 300,
    "",
]


@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize(
    ("show", "prefix", "style", "options"),
    [
        (console.warn, "codetour: warning:", "yellow", {"soft_wrap": True}),
        (console.fail, "codetour:", "bold red", {"highlight": False, "soft_wrap": True}),
    ],
)
def test_plain_output_is_what_rich_prints_to_a_pipe(monkeypatch, message, show, prefix, style, options):
    from rich.console import Console
    from rich.text import Text

    for var in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(var, raising=False)
    rich_out = io.StringIO()
    shown = " ".join(message.split()) if show is console.fail else message  # an error is one line
    Console(file=rich_out, highlight=False, soft_wrap=True).print(Text.assemble((prefix, style), " ", shown), **options)
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    monkeypatch.setattr(console, "err", None)  # rich is not used at all: using it would fail here
    show(message)
    assert plain.getvalue() == rich_out.getvalue()


@pytest.mark.parametrize(
    "message", ["a tab\there", "a carriage return\rhere", "an escape \x1b[31m here", "two\nlines", "a bell \x07"]
)
def test_text_rich_would_change_still_goes_through_rich(monkeypatch, message):
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    assert not console._printed_plainly("codetour: warning:", message)
    assert plain.getvalue() == ""


def test_forced_colours_still_go_through_rich(monkeypatch):
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not console._printed_plainly("codetour: warning:", "styled")
    monkeypatch.setenv("TTY_COMPATIBLE", "0")  # rich's own order: this one wins
    assert console._printed_plainly("codetour: warning:", "plain")
    assert plain.getvalue() == "codetour: warning: plain\n"


def _outside_root(tmp_path):
    """A script under repo/ that runs a helper from lib/, outside --root: codetour warns about it."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helper.py").write_text("def helper():\n    return 1\n")
    repo = tmp_path / "repo"
    repo.mkdir()
    script = repo / "main.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {str(tmp_path / "lib")!r})
            import helper
            print(helper.helper())
            """
        )
    )
    return repo, script


def test_a_warning_printed_to_a_pipe_does_not_import_rich_in_the_traced_process(tmp_path):
    repo, script = _outside_root(tmp_path)
    out = tmp_path / "t.ctrace"
    proc = run_cli(
        "trace", "-q", "--root", str(repo), "-o", str(out), str(script), cwd=tmp_path, env={"PYTHONPROFILEIMPORTTIME": "1"}
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "1\n"
    lines = proc.stderr.splitlines()
    assert (
        f"codetour: warning: code outside {repo} ran and was not recorded: lib/helper.py (add --root {tmp_path} to include it)"
        in lines
    )
    imported = [line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")]
    assert "codetour.trace.recorder" in imported  # the import log is complete
    assert not [m for m in imported if m.split(".")[0] == "rich"]


def test_a_warning_to_a_pipe_with_forced_colours_is_styled_by_rich(tmp_path):
    repo, script = _outside_root(tmp_path)
    proc = run_cli(
        "trace",
        "-q",
        "--root",
        str(repo),
        "-o",
        str(tmp_path / "t.ctrace"),
        str(script),
        cwd=tmp_path,
        env={"FORCE_COLOR": "1", "NO_COLOR": ""},
    )
    assert proc.returncode == 0, proc.stderr
    assert "\x1b[33mcodetour: warning:\x1b[0m code outside" in proc.stderr
