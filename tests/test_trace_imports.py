"""Libraries' module code runs untraced under settrace on CPython 3.10/3.11 (``codetour/trace/imports.py``):
the same trace as tracing it, with the trace function really off while a library is imported, back on for
repo modules a library imports, and the import system's objects left as they were."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import run_cli
from test_monitoring import contents

from codetour.store.reader import TraceReader

GATED_HERE = sys.version_info < (3, 12)

# A library outside the repo (on PYTHONPATH, like an installed package). At import it notes whether a
# trace function was installed, imports a repo module (a plugin, as registries do), and defines a
# function that calls repo code back later.
LIBRARY = {
    "vendorlib/__init__.py": """\
        import sys

        TRACED_AT_IMPORT = sys.gettrace() is not None
        import plugin_here  # a repo module a library imports
        from vendorlib import helpers

        def apply(fn, value):
            return helpers.twice(fn, value)
        """,
    "vendorlib/helpers.py": """\
        import sys

        TRACED_AT_IMPORT = sys.gettrace() is not None

        def twice(fn, value):
            return fn(fn(value))
        """,
    "brokenlib/__init__.py": """\
        raise ImportError("brokenlib needs a GPU")
        """,
    "takeover/__init__.py": """\
        import sys

        def mine(frame, event, arg):
            return None

        sys.settrace(mine)  # a library that installs a trace function of its own (a debugger) at import
        """,
}

REPO = {
    "plugin_here.py": """\
        import sys

        TRACED_AT_IMPORT = sys.gettrace() is not None
        registered = []
        for name in ("a", "b"):
            registered.append(name.upper())
        """,
    "program.py": """\
        import json
        import sys

        import vendorlib
        import plugin_here

        try:
            import brokenlib
        except ImportError as exc:
            reason = str(exc)

        def step(x):
            return x + 1

        def main():
            total = vendorlib.apply(step, 1)
            loader = type(vendorlib.__spec__.loader)
            # Printed, never bound to a name: the recorded locals are the same with the gate and without.
            print(json.dumps({
                "library": vendorlib.TRACED_AT_IMPORT,
                "library_submodule": vendorlib.helpers.TRACED_AT_IMPORT,
                "repo_module_imported_by_library": plugin_here.TRACED_AT_IMPORT,
                "traced_after_import": sys.gettrace() is not None,
                "loader": loader.__module__ + "." + loader.__qualname__,
                "loader_untouched": "exec_module" not in vars(vendorlib.__loader__),
                "total": total,
                "reason": reason,
            }, sort_keys=True))

        main()
        """,
}


def _write(base: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = base / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


@pytest.fixture
def project(tmp_path):
    repo, site = tmp_path / "repo", tmp_path / "site"
    _write(repo, REPO)
    _write(site, LIBRARY)
    return repo, site


def _trace(repo: Path, site: Path, out: Path, gate: str, *extra: str, script: str = "program.py"):
    proc = run_cli(
        "trace", "--backend", "settrace", "--root", str(repo), "-o", str(out), *extra, str(repo / script),
        cwd=repo, env={"PYTHONPATH": str(site), "CODETOUR_UNTRACED_IMPORTS": gate},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.mark.parametrize("budget", [(), ("--full",)])
def test_the_same_trace_with_library_imports_untraced(project, tmp_path, budget):
    repo, site = project
    traces = {}
    for gate in ("1", "0"):
        out = tmp_path / f"gate{gate}.ctrace"
        proc = _trace(repo, site, out, gate, *budget)
        report = json.loads(proc.stdout.strip().splitlines()[-1])
        with TraceReader(out) as reader:
            meta = reader.meta
        traces[gate] = report, meta, contents(out)
    (gated, gated_meta, with_gate), (plain, plain_meta, without) = traces["1"], traces["0"]
    assert plain_meta["library_imports"] == "traced"
    assert gated_meta["library_imports"] == ("untraced" if GATED_HERE else "traced")
    # What the program computes and sees of the import system does not change.
    for key in ("total", "reason", "loader", "loader_untouched", "traced_after_import", "repo_module_imported_by_library"):
        assert gated[key] == plain[key], key
    assert gated["loader"].endswith("SourceFileLoader")
    assert gated["loader_untouched"] and gated["traced_after_import"] and gated["repo_module_imported_by_library"]
    assert gated["total"] == 3 and gated["reason"] == "brokenlib needs a GPU"
    # Only the library's own module code ran untraced, and only where the gate is used.
    assert plain["library"] and plain["library_submodule"]
    assert gated["library"] is not GATED_HERE and gated["library_submodule"] is not GATED_HERE
    # And the trace is the same, event by event: the repo module a library imported, the repo function
    # the library called back through two library frames, the ImportError seen by the repo frame.
    for table, rows in without.items():
        assert with_gate[table] == rows, f"{table} differ"
    functions = {row[3]: row for row in with_gate["functions"]}
    assert {"<module>", "step", "main"} <= set(functions)
    files = {row[1] for row in with_gate["files"]}
    assert files == {"program.py", "plugin_here.py"}
    step_id = functions["step"][0]
    assert [row for row in with_gate["edges"] if row[1] == step_id] == [(functions["main"][0], step_id, 2)]


def test_a_trace_function_a_library_installs_at_import_is_left_in_place(project, tmp_path):
    repo, site = project
    (repo / "debugged.py").write_text(
        textwrap.dedent(
            """\
            import sys
            import takeover
            print(sys.gettrace() is not None and sys.gettrace().__name__)
            """
        )
    )
    printed = {}
    for gate in ("1", "0"):
        proc = _trace(repo, site, tmp_path / f"d{gate}.ctrace", gate, script="debugged.py")
        printed[gate] = proc.stdout.strip().splitlines()[-1], proc.stderr
    assert printed["1"][0] == printed["0"][0] == "mine"
    for _, stderr in printed.values():
        assert "replaced codetour's trace function (takeover.mine)" in " ".join(stderr.split())


@pytest.mark.skipif(not GATED_HERE, reason="3.12+ records with sys.monitoring; settrace keeps tracing imports there")
def test_the_gate_is_gone_from_the_import_system_after_the_run(tmp_path):
    from codetour.store.writer import TraceWriter
    from codetour.trace.recorder import Recorder
    from codetour.trace.scope import Scope

    writer = TraceWriter(tmp_path / "t.ctrace")
    before = list(sys.meta_path)
    rec = Recorder(writer, Scope(tmp_path))
    rec.start()
    try:
        during = list(sys.meta_path)
    finally:
        rec.stop()
        writer.close()
    assert len(during) == len(before) + 1 and type(during[0]).__name__ == "ImportGate"
    assert sys.meta_path == before
