"""The command line: help that teaches, honest failures, one-line errors."""

from __future__ import annotations

import pytest
from conftest import run_cli

from codetour.cli.common import split_command_line
from codetour.cli.trace import make_parser


def test_top_level_help_lists_every_command():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for command in ("discover", "trace", "tour", "export", "debug"):
        assert command in proc.stdout
    assert "Start here" in proc.stdout


@pytest.mark.parametrize("command", ["discover", "trace", "tour", "export", "debug"])
def test_every_subcommand_has_help(command):
    proc = run_cli(command, "--help")
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: codetour " + command)
    assert len(proc.stdout.splitlines()) > 3


def test_python_dash_m_and_version():
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("codetour ")


def test_unknown_command_and_bad_flags_are_one_line():
    proc = run_cli("frobnicate")
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = run_cli("discover")
    assert proc.returncode == 2 and "required" in proc.stderr


@pytest.mark.parametrize(("word", "command"), [("replay", "tour"), ("record", "trace"), ("run", "trace")])
def test_a_command_people_guess_names_the_real_one(word, command):
    proc = run_cli(word, "sample_repos/minimal_ppo")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and f"there is no `{word}` command" in proc.stderr
    assert f"codetour {command}" in proc.stderr


@pytest.mark.parametrize(
    ("argv", "own", "target"),
    [
        (["train.py", "--lr", "3"], [], ["train.py", "--lr", "3"]),
        (["-o", "x.ctrace", "--full", "train.py", "-o", "y"], ["-o", "x.ctrace", "--full"], ["train.py", "-o", "y"]),
        (["-m", "pkg.train", "--epochs", "1"], [], ["pkg.train", "--epochs", "1"]),
        (["--root", "src", "--", "run.py", "--", "z"], ["--root", "src"], ["run.py", "--", "z"]),
        (["--include", "lib/*", "run.py"], ["--include", "lib/*"], ["run.py"]),
    ],
)
def test_trace_passes_everything_after_the_target_untouched(argv, own, target):
    line = split_command_line(make_parser(), argv, module_option="-m")
    assert (line.own, [line.target, *line.args]) == (own, target)


def test_options_after_a_tour_and_a_trace_are_codetours(ppo_trace):
    from conftest import ROOT

    proc = run_cli("tour", str(ROOT / "tours" / "minimal_ppo.md"), str(ppo_trace), "--print")
    assert proc.returncode == 0, proc.stderr
    assert "Minimal PPO" in proc.stdout
    proc = run_cli("tour", str(ppo_trace), "--frobnicate")
    assert proc.returncode == 2 and "a trace takes no arguments: --frobnicate" in proc.stderr


def test_an_unknown_option_before_the_target_is_named():
    proc = run_cli("trace", "--frob", "x.py")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "codetour: unknown option --frob for `codetour trace` (codetour's options go before the target)"
