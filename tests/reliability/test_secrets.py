"""Item 4: secrets never reach the trace file, any export, or the printed tour, wherever they sit."""

from __future__ import annotations

import pytest
from _helpers import script, trace
from conftest import run_cli

ENV_SECRET = "svc-secret-value-12345"
ARG_SECRET = "tok-value-987654"
SK = "sk-" + "A" * 24
GHP = "ghp_" + "b" * 36

TARGET = f"""
import os
import sys


def load_api_key():
    return os.environ["SERVICE_API_KEY"]


def call_service(header):
    raise RuntimeError("401 Unauthorized for " + header)


def main():
    env_val = os.environ["SERVICE_API_KEY"]  # a neutral name: found by its value
    key = load_api_key()
    header = "Bearer {SK}"
    arg = sys.argv[2]  # the value after --token
    text = "github token {GHP} end"
    try:
        call_service(header)
    except RuntimeError as exc:
        message = str(exc)
    return len(env_val) + len(key) + len(arg) + len(text) + len(message)


print(main())
raise RuntimeError("giving up with " + "Bearer {SK}")
"""

SECRETS = [ENV_SECRET, ARG_SECRET, SK, GHP]
FORMATS = ["dot", "graphml", "json", "mermaid", "html", "codetour", "chrome"]


def leaks(data: bytes | str) -> list[str]:
    raw = data if isinstance(data, bytes) else data.encode()
    return [s for s in SECRETS if s.encode() in raw]


@pytest.fixture(scope="module")
def traced(tmp_path_factory):
    folder = tmp_path_factory.mktemp("secrets")
    target = script(folder / "repo", "svc.py", TARGET)
    proc, out = trace(target, "--token", ARG_SECRET, extra=("-q",), env={"SERVICE_API_KEY": ENV_SECRET})
    assert proc.returncode == 1, proc.stderr  # the target's own crash
    return out


def test_the_raw_trace_file_holds_no_secret(traced):
    assert leaks(traced.read_bytes()) == []  # source snapshots included: tokens written in the code


def test_the_values_are_still_recorded_redacted(traced):
    from codetour.store.reader import TraceReader

    with TraceReader(traced) as reader:
        assert reader.meta["argv"][1:] == ["--token", "<redacted>"]
        assert "<redacted>" in reader.meta["exception"]["message"]
        main = reader.function_by_name("main")
        frame = reader.frames_of(main.id)[0]
        values = reader.locals_at(frame.id, frame.end_seq)
        assert values["env_val"] == values["key"] == "<redacted>"
        assert values["header"] == "<redacted>"  # the whole string is a bearer token
        assert values["text"] == "'github token <redacted> end'"
        assert "<redacted>" in values["message"]
        loader = reader.frames_of(reader.function_by_name("load_api_key").id)[0]
        assert loader.ret == "<redacted>"


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_export_holds_a_secret(traced, tmp_path, fmt):
    out = tmp_path / f"export.{fmt}"
    proc = run_cli("export", str(traced), "-f", fmt, "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert leaks(out.read_bytes()) == []


def test_the_printed_tour_holds_no_secret(traced):
    for extra in ((), ("--markdown",)):
        proc = run_cli("tour", "print", str(traced), *extra)
        assert proc.returncode == 0, proc.stderr
        assert leaks(proc.stdout + proc.stderr) == []


def test_no_redact_keeps_them(tmp_path):
    """The check above can fail: with --no-redact the same run stores every secret."""
    target = script(tmp_path / "repo", "svc.py", TARGET)
    proc, out = trace(target, "--token", ARG_SECRET, extra=("-q", "--no-redact"), env={"SERVICE_API_KEY": ENV_SECRET})
    assert proc.returncode == 1
    assert sorted(leaks(out.read_bytes())) == sorted(SECRETS)
