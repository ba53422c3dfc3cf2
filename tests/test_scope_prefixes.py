"""Scope's environment prefixes without ``sysconfig``: the same answers as ``sysconfig.get_paths()``
on every Python this machine has (pyenv builds, virtualenvs, a distribution's own Python), and the
same classification of real files."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from codetour.trace import scope
from codetour.trace.scope import Scope

REPO = Path(__file__).resolve().parents[1]

# Run by another interpreter: its answer without sysconfig, sysconfig's, and whether the fast path
# answered (it must not be sysconfig that was imported for it).
COMPARE = """\
import json, sys
from codetour.trace import scope
fast = scope._standard_install_paths()
imported = "sysconfig" in sys.modules
mine = scope.install_paths()
import sysconfig
theirs = {key: sysconfig.get_paths()[key] for key in scope._PATH_KEYS if sysconfig.get_paths().get(key)}
print(json.dumps({"fast": fast is not None, "imported": imported, "same": mine == theirs, "mine": mine, "theirs": theirs}))
"""


def _sysconfig_prefixes() -> tuple[tuple[str, ...], tuple[str, ...], frozenset[str]]:
    """The prefixes as Scope computed them before, with sysconfig; the install paths among them;
    and the site-packages among those."""
    real = {key: os.path.realpath(p) + os.sep for key, p in sysconfig.get_paths().items() if key in scope._PATH_KEYS and p}
    paths = set(real.values())
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix):
        paths.add(os.path.realpath(p) + os.sep)
    site = frozenset(real[key] for key in ("purelib", "platlib") if key in real)
    return tuple(sorted(paths)), tuple(sorted(set(real.values()))), site


def _compare(python: str, *flags: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([python, *flags, "-c", COMPARE], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_prefixes_are_sysconfigs_in_this_python(tmp_path):
    assert scope.install_paths() == {key: sysconfig.get_paths()[key] for key in scope._PATH_KEYS}
    assert scope._stdlib_prefixes() == _sysconfig_prefixes()
    root = tmp_path / "repo"
    root.mkdir()
    made = Scope(root)
    assert (made._env_prefixes, made._install_dirs, made._site_dirs) == _sysconfig_prefixes()


def test_a_plain_trace_start_does_not_import_sysconfig():
    """The point of the change: on a standard CPython (a pyenv build, a virtualenv of one) the fast
    path answers, so a traced run does not import sysconfig; elsewhere it falls back and still agrees."""
    got = _compare(sys.executable)
    assert got["same"], got
    if got["fast"]:
        assert not got["imported"]


def test_a_fresh_virtualenv_answers_without_sysconfig(tmp_path):
    """A virtualenv of this Python (the ``venv`` scheme on 3.11+, ``posix_prefix`` on 3.10): the same
    paths as sysconfig's, found without it when this Python itself is a standard build."""
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True, timeout=120)
    got = _compare(str(env_dir / "bin" / "python"))
    assert got["same"], got
    assert got["fast"] == (scope._standard_install_paths() is not None)
    assert got["theirs"]["purelib"].startswith(str(env_dir))


def test_without_site_it_asks_sysconfig():
    """``python -S``: no site-packages on sys.path to check the templates by, so sysconfig answers."""
    got = _compare(sys.executable, "-S")
    assert got["same"] and not got["fast"], got


def _other_pythons() -> list[str]:
    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[0-9]*/bin/python3")))
    found += sorted(glob.glob("/usr/bin/python3.1[0-9]"))  # a distribution's own (Debian's has dist-packages)
    return [p for p in found if os.path.realpath(p) != os.path.realpath(sys.executable)]


@pytest.mark.parametrize(
    "python", _other_pythons() or [pytest.param(None, marks=pytest.mark.skip(reason="no other Python here"))]
)
def test_every_python_on_this_machine_agrees_with_sysconfig(python):
    got = _compare(python)
    assert got["same"], got
    if "dist-packages" in json.dumps(got["theirs"]):
        assert not got["fast"]  # a patched scheme (Debian's) is never guessed


def test_classification_of_real_files_is_unchanged(tmp_path, monkeypatch):
    """Every loaded module's file, and files of a repo with a virtualenv inside it, classified with
    the prefixes read off sys and with sysconfig's: the same kinds and the same outside report."""
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("pass\n")
    files = [str(root / "pkg" / "a.py")]
    files += sorted({m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)})
    for options in ({}, {"library_calls": True}):
        fast = Scope(root, **options)
        monkeypatch.setattr(scope, "_stdlib_prefixes", _sysconfig_prefixes)
        slow = Scope(root, **options)
        monkeypatch.undo()
        assert [fast.classify(f) for f in files] == [slow.classify(f) for f in files]
        assert fast.outside == slow.outside
