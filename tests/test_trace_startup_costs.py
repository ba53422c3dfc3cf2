"""What every traced run pays before and after its target, kept out without changing what is written:
the token-shape pattern of redaction is compiled only when a string could hold a token, source files
are hashed by CPython's own SHA-256 (hashlib and OpenSSL are not started for it), and the trace's
JSON comes from json's own C encoder without importing the json package."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import sqlite3
import subprocess
import sys

import pytest

from codetour.store import writer
from codetour.trace import redact

TOKENS = [
    "Bearer abcdefgh12345678",
    "Basic dXNlcjpwYXNzd29yZA==",
    "Token 0123456789abcdef",
    "sk-" + "x" * 30,
    "sk-proj-" + "a1" * 10,
    "ghp_" + "a" * 36,
    "gho_" + "B" * 24,
    "github_pat_" + "c" * 30,
    "glpat-" + "d" * 24,
    "xoxb-" + "1" * 12,
    "AKIA" + "A" * 16,
    "ASIA" + "7" * 16,
    "hf_" + "e" * 30,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig",
    "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
    "-----BEGIN PRIVATE KEY-----\ncut off",
]
PLAIN = ["", "loss 0.25", "weights/model.pt", "learning_rate", "Tokenizer", "a sketch", "hf_hub", "ASIAN"]


def _fresh_pattern_state(monkeypatch) -> None:
    monkeypatch.setattr(redact, "_token_shapes", None)
    monkeypatch.setattr(redact, "_marker_checks", 0)


@pytest.mark.parametrize("value", [f"{t}" for t in TOKENS] + [f"key: {t} (end)" for t in TOKENS] + PLAIN)
def test_the_marker_check_redacts_exactly_what_the_pattern_does(monkeypatch, value):
    expected = re.compile(redact._TOKEN_SHAPES_PATTERN, re.S).sub(redact.REDACTED, value)
    _fresh_pattern_state(monkeypatch)
    assert redact.Redactor().text(value) == expected  # before the pattern is compiled
    monkeypatch.setattr(redact, "_marker_checks", redact._MARKER_CHECKS)
    assert redact.Redactor().text(value) == expected  # after


def test_every_token_shape_holds_a_marker():
    """The marker check is exact only if no match of the pattern lacks every marker."""
    pattern = re.compile(redact._TOKEN_SHAPES_PATTERN, re.S)
    for token in TOKENS:
        found = pattern.search(token)
        assert found is not None, token
        assert any(marker in found.group() for marker in redact._TOKEN_MARKERS), token
    # and every branch of the pattern starts with a marker (read from the pattern's text)
    for branch in _top_level(redact._TOKEN_SHAPES_PATTERN):
        for start in _expanded(branch):
            literal = re.match(r"[^[\\(.*+?{]*", start).group()
            assert any(marker in literal for marker in redact._TOKEN_MARKERS), branch


def _top_level(pattern: str) -> list[str]:
    """``pattern`` split at the ``|`` that are outside any group or character class."""
    parts, depth, in_class, escaped, current = [], 0, False, False, ""
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(current)
            current = ""
            continue
        current += ch
    return [*parts, current]


def _expanded(branch: str) -> list[str]:
    """A branch that starts with a non-capturing group, once per alternative of that group."""
    if not branch.startswith("(?:"):
        return [branch]
    depth = 0
    for i, ch in enumerate(branch):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return [alt + branch[i + 1 :] for alt in _top_level(branch[3:i])]
    raise AssertionError(branch)


def test_the_pattern_is_compiled_only_for_a_string_that_could_hold_a_token(monkeypatch):
    _fresh_pattern_state(monkeypatch)
    redactor = redact.Redactor(["hunter2-secret"])
    assert redactor.argv(["train.py", "--lr", "0.1", "--password", "x"]) == [
        "train.py",
        "--lr",
        "0.1",
        "--password",
        "<redacted>",
    ]
    assert redactor.text("uses hunter2-secret here") == "uses <redacted> here"
    assert redact._token_shapes is None
    assert redactor.text("auth: Bearer abcdefgh12345678") == "auth: <redacted>"
    assert redact._token_shapes is not None


def test_a_long_run_compiles_the_pattern_after_a_bounded_number_of_checks(monkeypatch):
    _fresh_pattern_state(monkeypatch)
    redactor = redact.Redactor()
    for i in range(redact._MARKER_CHECKS):
        assert redactor.text(f"value {i}") == f"value {i}"
    assert redact._token_shapes is None
    assert redactor.text("one more") == "one more"
    assert redact._token_shapes is not None


def test_a_traced_run_with_no_token_never_compiles_the_pattern(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(
        "import sys\n"
        "def f(name):\n"
        "    return name.upper()\n"
        "f('plain text')\n"
        "redact = sys.modules['codetour.trace.redact']\n"
        "print(redact._token_shapes is None, 'hashlib' in sys.modules, '_hashlib' in sys.modules, 'json' in sys.modules)\n"
    )
    out = tmp_path / "t.ctrace"
    proc = subprocess.run(
        [sys.executable, "-m", "codetour", "trace", "-q", "--root", str(tmp_path), "-o", str(out), str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "True False False False\n"


@pytest.mark.parametrize("data", [b"", b"abc", bytes(range(256)) * 1000, "ünïcödé\n".encode()])
def test_the_builtin_sha256_gives_hashlibs_digest(monkeypatch, data):
    assert writer.sha256_hex(data) == hashlib.sha256(data).hexdigest()
    monkeypatch.setattr(writer, "_sha256", None)  # a build without CPython's own: hashlib then
    assert writer.sha256_hex(data) == hashlib.sha256(data).hexdigest()


def test_a_file_snapshot_has_the_files_sha256(tmp_path):
    path = tmp_path / "train.py"
    path.write_bytes(b"print('hi')\n" * 100)
    row = writer.snapshot_file(1, str(path), "train.py")
    assert row[3] == hashlib.sha256(path.read_bytes()).hexdigest()


class _Odd:
    def __str__(self) -> str:
        return "odd"


JSON_VALUES = [
    None,
    True,
    0,
    -7,
    10**30,
    1.5,
    float("nan"),
    float("inf"),
    -float("inf"),
    1e-300,
    "plain",
    'ünïcödé \u2028 \x00 "quoted" \\ 🐍',
    [],
    {},
    [1, "a", None, [2.5, {"k": (1, 2)}]],
    {"argv": ["train.py", "--lr", "0.1"], "budgets": {"calls": 5, "iterations": 3}, "pid": 123},
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
    ("a", "tuple"),
]


@pytest.mark.parametrize("value", JSON_VALUES, ids=range(len(JSON_VALUES)))
@pytest.mark.parametrize(
    "options",
    [{}, {"default": str}, {"ensure_ascii": False, "separators": (",", ":")}, {"separators": (",", ":")}],
    ids=["plain", "default", "payload", "compact"],
)
def test_the_writers_json_is_jsons(value, options):
    import json

    assert writer.json_dumps(value, **options) == json.dumps(value, **options)


def test_the_writers_json_fails_like_jsons():
    import json

    for options in ({}, {"separators": (",", ":")}):
        with pytest.raises(TypeError) as ours:
            writer.json_dumps({"x": _Odd()}, **options)
        with pytest.raises(TypeError) as theirs:
            json.dumps({"x": _Odd()}, **options)
        assert str(ours.value) == str(theirs.value)
    assert writer.json_dumps({"x": _Odd()}, default=str) == json.dumps({"x": _Odd()}, default=str) == '{"x": "odd"}'
    loop: list = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        writer.json_dumps(loop)


def test_the_writers_json_without_the_c_encoder(monkeypatch):
    import json

    monkeypatch.setattr(writer, "_c_json", None)
    assert writer.json_dumps({"a": [1, 2.5]}, separators=(",", ":")) == json.dumps({"a": [1, 2.5]}, separators=(",", ":"))


def _secret_by_the_full_rule(name: str) -> bool:
    parts = [p.lower() for p in redact._PARTS.findall(name)]
    return not (redact._NOT_SECRET & set(parts)) and (
        any(p in redact._SECRET_WORDS for p in parts) or any(pair in redact._SECRET_PAIRS for pair in itertools.pairwise(parts))
    )


def test_the_hint_check_before_the_secret_name_rule_changes_no_answer(monkeypatch):
    monkeypatch.setattr(redact, "_name_cache", {})
    names = [
        *os.environ,
        "api_key",
        "apiKey",
        "HF_TOKEN",
        "max_token",
        "token_id",
        "clientSecret",
        "PRIVATE_KEY",
        "passwd",
        "DB_PASSPHRASE",
        "x_auth",
        "credentials",
        "accessKey",
        "lr",
        "learning_rate",
        "keyboard",
        "Passenger",
        "ÄPI_KEY",
    ]
    for name in names:
        assert redact.is_secret_name(name) == _secret_by_the_full_rule(name), name
    for word in redact._SECRET_WORDS:  # each word holds a hint
        assert redact._has_hint(word), word
    for pair in redact._SECRET_PAIRS:  # and each pair
        assert redact._has_hint("".join(pair)), pair


def _run_probe(tmp_path, out, *extra):
    script = tmp_path / "probe.py"
    script.write_text("import sys\nprint('codetour.store.reader' in sys.modules, 'dataclasses' in sys.modules)\n")
    return subprocess.run(
        [sys.executable, "-m", "codetour", "trace", "-q", *extra, "--root", str(tmp_path), "-o", str(out), str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        timeout=120,
    )


def test_recording_over_an_earlier_trace_and_its_shards_imports_no_reader(tmp_path):
    # Replacing an earlier trace (and clearing its children's shards) asks whether each file is a
    # trace: that must not import the reader (dataclasses, inspect) before the target starts.
    out = tmp_path / "t.ctrace"
    first = _run_probe(tmp_path, out)
    assert first.returncode == 0, first.stderr
    shards = tmp_path / "t.ctrace.d"
    shards.mkdir()
    (shards / "123.ctrace").write_bytes(out.read_bytes())  # an earlier child's shard
    (shards / "notes.txt").write_text("mine")  # not a trace: never removed
    again = _run_probe(tmp_path, out)
    assert again.returncode == 0, again.stderr
    assert again.stdout == "False False\n"
    assert not (shards / "123.ctrace").exists()
    assert (shards / "notes.txt").read_text() == "mine"
    from codetour.store.reader import TraceReader

    with TraceReader(out) as reader:
        assert reader.meta["status"] == "ok"


def test_what_counts_as_a_trace_file(tmp_path):
    from codetour.store.reader import is_trace_file

    out = tmp_path / "t.ctrace"
    assert _run_probe(tmp_path, out).returncode == 0
    assert is_trace_file(out) and is_trace_file(str(out))
    text = tmp_path / "notes.ctrace"
    text.write_text("not a database")
    other = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('format', '\"something-else\"')")
        conn.commit()
    spaced = tmp_path / "spaced.db"  # the same format name, in another JSON spelling
    with contextlib.closing(sqlite3.connect(spaced)) as conn:
        conn.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('format', ?)", ('"codetour\\u002dtrace"',))
        conn.commit()
    no_meta = tmp_path / "plain.db"
    with contextlib.closing(sqlite3.connect(no_meta)) as conn:
        conn.execute("CREATE TABLE t(x)")
        conn.commit()
    assert not is_trace_file(text)
    assert not is_trace_file(other)
    assert is_trace_file(spaced)
    assert not is_trace_file(no_meta)
    assert not is_trace_file(tmp_path / "missing.ctrace")
    assert not is_trace_file(tmp_path)
