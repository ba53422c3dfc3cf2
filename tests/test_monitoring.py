"""The sys.monitoring backend (Python 3.12+): the same trace as settrace, a proper tool id, and a
clear fallback when it cannot be used."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from conftest import run_cli

from codetour.store.reader import TraceReader
from codetour.trace.scope import IGNORE, LIBRARY, REPO, Scope

needs_monitoring = pytest.mark.skipif(sys.version_info < (3, 12), reason="sys.monitoring needs Python 3.12+")

# A deterministic, single-threaded program that goes through every kind of event the recorder
# handles: folded loops (for, while, one-line, comprehensions, nested loops with multi-line
# statements), scalar series, recursion past the call budget, calls past the budget from new
# callers, generators (send, throw, close, exhaustion), coroutines, exceptions handled, propagated,
# re-raised and unwound, StopIteration from next(), repo code called back from library frames,
# classes, closures, lambdas and secret names; and a generator-driven for loop ended in several
# epochs whose body is long (its FOR_ITER needs EXTENDED_ARG, so 3.13 can specialise it for the
# generator, and settrace then reports each loop end as a StopIteration at END_FOR).
PROGRAM = """\
import asyncio
import functools


class Counter:
    def __init__(self, start):
        self.value = start

    def bump(self, by=1):
        self.value += by
        return self.value

    @property
    def double(self):
        return self.value * 2


def square(x):
    return x * x


def total(values):
    acc = 0
    for v in values:
        acc += square(v)
    return acc


def shrink(n):
    loss = 1.0
    while n > 0:
        n -= 1
        loss = loss * 0.9
    return loss


def one_liners(n):
    s = 0
    for i in range(n): s += i
    squares = [i * i for i in range(n)]
    evens = {i for i in range(n) if i % 2 == 0}
    return s, sum(squares), len(evens)


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def batches(n, size):
    order = list(range(n))
    for start in range(0, n, size):
        yield order[start : start + size]


def nested(epochs):
    seen = 0
    for _epoch in range(epochs):
        for idx in batches(40, 8):
            seen += square(
                len(idx),
            )
    return seen


def countdown(n):
    while n > 0:
        got = yield n
        if got:
            n -= got
        n -= 1
    return "done"


def use_generators():
    out = list(countdown(4))
    gen = countdown(10)
    out.append(next(gen))
    out.append(gen.send(2))
    try:
        gen.throw(KeyError("stop"))
    except KeyError as exc:
        out.append(str(exc))
    gen2 = countdown(3)
    next(gen2)
    gen2.close()
    it = iter([1])
    next(it)
    try:
        next(it)
    except StopIteration:
        out.append("empty")
    return out


class Rollout:
    def __init__(self, n):
        self.size = n
        self.scale = 0.5
        self.advantages = list(range(n))

    def minibatches(self, batch_size):
        order = list(range(self.size))
        for start in range(0, self.size, batch_size):
            yield order[start : start + batch_size]


def report(*values):
    return len(values)


def epochs(buffer, n_epochs, verbose=False):
    seen = 0
    for _epoch in range(n_epochs):
        for idx in buffer.minibatches(4):
            seen += buffer.advantages[idx[0]]
            if verbose:  # never taken: a loop body as long as a real training step's
                report(buffer.size, buffer.scale, buffer.size, buffer.scale, buffer.size, buffer.scale)
                report(buffer.size, buffer.scale, buffer.size, buffer.scale, buffer.size, buffer.scale)
                report(buffer.size, buffer.scale, buffer.size, buffer.scale, buffer.size, buffer.scale)
                report(buffer.size, buffer.scale, buffer.size, buffer.scale, buffer.size, buffer.scale)
    return seen


async def fetch(x):
    await asyncio.sleep(0)
    return x + 1


async def gather():
    return await asyncio.gather(fetch(1), fetch(2))


KEPT = []


def inner(x):
    if x > 2:
        raise ValueError(f"too big: {x}")
    return x


def middle(x):
    try:
        return inner(x)
    finally:
        pass


def outer():
    got = []
    for x in range(5):
        try:
            got.append(middle(x))
        except ValueError as exc:
            got.append(str(exc))
            KEPT.append(exc)  # kept alive, so the next one cannot reuse its address (locals are compared by id)
    try:
        try:
            inner(9)
        except ValueError:
            raise
    except ValueError:
        got.append("reraised")
    return got


def key(item):
    return -item


def callbacks():
    ordered = sorted([3, 1, 2], key=key)
    mapped = list(map(lambda v: v + 1, ordered))
    reduced = functools.reduce(lambda a, b: a + b, mapped)
    return ordered, mapped, reduced


def helper(v):
    return v + 1


def first_caller():
    return [helper(i) for i in range(7)]


def second_caller():
    return helper(100)


def configure(api_key, rate=0.1):
    password = "hunter2"
    return rate * 2


def main():
    c = Counter(3)
    c.bump()
    c.bump(by=2)
    print(c.double, total(range(6)), shrink(8), one_liners(7), fib(9), nested(6))
    print(use_generators())
    print(asyncio.run(gather()))
    print(outer(), callbacks(), first_caller(), second_caller())
    print(configure("sk-abcdefghijklmnopqrstuvwx"))
    rollout = Rollout(8)
    print([epochs(rollout, 6) for _ in range(3)])


main()
"""


def contents(path: Path) -> dict[str, list]:
    """Everything a trace holds, with the times left out (they differ between any two runs)."""
    db = sqlite3.connect(path)
    try:
        return {
            "functions": db.execute(
                "SELECT id, file_id, name, qualname, firstlineno, lastlineno, docstring, library, kind, calls, recorded_calls"
                " FROM functions ORDER BY id"
            ).fetchall(),
            # MAX: the writer re-inserts an edge from no caller (a NULL key) at every flush.
            "edges": db.execute(
                "SELECT caller_id, callee_id, MAX(calls) FROM edges GROUP BY caller_id, callee_id ORDER BY caller_id, callee_id"
            ).fetchall(),
            "frames": db.execute(
                "SELECT id, function_id, parent_id, call_line, thread, depth, start_seq, end_seq, args, ret, exc, status, resumed"
                " FROM frames ORDER BY id"
            ).fetchall(),
            "events": db.execute("SELECT seq, frame_id, kind, line, data FROM events ORDER BY seq").fetchall(),
            "folds": db.execute("SELECT * FROM folds ORDER BY frame_id, after_seq").fetchall(),
            "series": db.execute("SELECT * FROM series ORDER BY function_id, frame_id, line, name").fetchall(),
            "threads": db.execute("SELECT id, name FROM threads ORDER BY id").fetchall(),
            "files": db.execute("SELECT id, relpath, sha256 FROM files ORDER BY id").fetchall(),
        }
    finally:
        db.close()


@needs_monitoring
@pytest.mark.parametrize("budget", [(), ("--full",), ("--calls", "1", "--iterations", "1")])
def test_both_backends_write_the_same_trace(tmp_path, budget):
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    traces = {}
    for backend in ("settrace", "monitoring"):
        out = tmp_path / f"{backend}.ctrace"
        proc = run_cli("trace", "--backend", backend, "--root", str(tmp_path), "-o", str(out), *budget, str(script), cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        traces[backend] = proc.stdout, contents(out)
        with TraceReader(out) as reader:
            assert reader.meta["backend"] == backend
    (plain_out, settrace), (mon_out, monitoring) = traces["settrace"], traces["monitoring"]
    assert plain_out == mon_out
    assert settrace["events"], "nothing recorded"
    kinds = {event[2] for event in settrace["events"]}
    assert len(kinds) == (4 if "--full" in budget else 5)  # call, line, return, exception (and fold) events
    if not budget:
        assert settrace["folds"] and settrace["series"]
    for table, rows in settrace.items():
        if rows != monitoring[table]:
            # The first differing row says what went wrong better than the whole table.
            first = next(
                (i for i, (a, b) in enumerate(zip(rows, monitoring[table])) if a != b), min(len(rows), len(monitoring[table]))
            )
            pytest.fail(
                f"{table} differ at row {first} ({len(rows)} vs {len(monitoring[table])} rows):\n"
                f"  settrace:   {rows[first : first + 3]}\n  monitoring: {monitoring[table][first : first + 3]}"
            )


@needs_monitoring
def test_the_tool_id_is_registered_and_freed(tmp_path):
    script = tmp_path / "probe.py"
    script.write_text(
        textwrap.dedent(
            """\
            import sys

            def holder():
                return [t for t in range(6) if sys.monitoring.get_tool(t) == "codetour"]

            print(holder())
            """
        )
    )
    code = textwrap.dedent(
        f"""\
        import sys
        from codetour.cli import main
        rc = main(["trace", "-q", "--backend", "monitoring", "-o", {str(tmp_path / "t.ctrace")!r}, {str(script)!r}])
        print("after", [sys.monitoring.get_tool(t) for t in range(6)], sys.monitoring.get_events(2))
        raise SystemExit(rc)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    during, after = proc.stdout.splitlines()
    assert during == "[2]"  # the profiler's id, while the target runs
    assert after == "after [None, None, None, None, None, None] 0"  # freed, with its events off


@needs_monitoring
def test_tool_ids_in_use_are_reported_and_settrace_takes_over(tmp_path):
    script = tmp_path / "go.py"
    script.write_text("def f():\n    return 1\n\n\nprint(f())\n")

    def run(taken: tuple[int, ...]) -> tuple[subprocess.CompletedProcess, Path]:
        out = tmp_path / f"t{len(taken)}.ctrace"
        code = textwrap.dedent(
            f"""\
            import sys
            for tool in {taken!r}:
                sys.monitoring.use_tool_id(tool, f"other-{{tool}}")
            from codetour.cli import main
            raise SystemExit(main(["trace", "--backend", "monitoring", "-o", {str(out)!r}, {str(script)!r}]))
            """
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == "1\n"
        return proc, out

    proc, out = run((2,))  # the profiler's id is taken (by cProfile, say): another free id serves
    assert "tool ids in use: 2 by 'other-2'; codetour uses tool id 3" in proc.stderr
    with TraceReader(out) as reader:
        assert reader.meta["backend"] == "monitoring" and reader.function_by_name("f").calls == 1
    proc, out = run((2, 3, 4))  # all taken: settrace records instead, and says so
    assert "recording with sys.settrace instead" in proc.stderr
    assert "3 by 'other-3'" in proc.stderr
    with TraceReader(out) as reader:
        assert reader.meta["backend"] == "settrace" and reader.function_by_name("f").calls == 1


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="sys.monitoring exists from Python 3.12")
def test_monitoring_below_3_12_is_a_one_line_error(tmp_path):
    script = tmp_path / "go.py"
    script.write_text("print(1)\n")
    proc = run_cli("trace", "--backend", "monitoring", "-o", str(tmp_path / "t.ctrace"), str(script), cwd=tmp_path)
    assert proc.returncode == 2
    assert "needs Python 3.12 or later" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""


# What ``codetour trace`` has imported when the target starts: every traced run pays for it.
PROBE = """\
import sys
import sysconfig

heavy = ("rich", "textual", "networkx", "debugpy")
ours = ("codetour.live", "codetour.tui", "codetour.graph", "codetour.export", "codetour.tour", "codetour.cli.debug")
print(sorted(m for m in sys.modules if m.split(".")[0] in heavy or m.startswith(ours)))
"""


@pytest.mark.parametrize("quiet", [(), ("-q",)])
def test_tracing_loads_no_ui_graph_or_debugger_code_before_the_target(tmp_path, quiet):
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    out = tmp_path / "t.ctrace"
    proc = run_cli("trace", *quiet, "--root", str(tmp_path), "-o", str(out), str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[]\n"
    if quiet:
        assert proc.stderr == f"{out}\n"  # -q: the trace's path alone
    else:
        assert "trace written to" in proc.stderr  # the rich summary still comes after the run
    with TraceReader(out) as reader:
        assert reader.meta["backend"] == ("monitoring" if sys.version_info >= (3, 12) else "settrace")


def test_other_commands_still_load_their_modules(tmp_path):
    proc = run_cli("--help", cwd=tmp_path)
    assert proc.returncode == 0 and all(f"codetour {c}" in proc.stdout for c in ("discover", "tour", "export", "debug"))
    proc = run_cli("debug", "--listen", "1", cwd=tmp_path)  # debug's own errors come from its lazily imported code
    assert proc.returncode == 2 and "name a trace" in proc.stderr


# Records a small repo module in-process with a MonitoringRecorder whose PY_START callback counts
# its calls, and reads back what sys.monitoring has enabled, while the recording runs.
EVENTS_PROBE = """\
import importlib, json, sys, textwrap
from pathlib import Path

from codetour.store.writer import TraceWriter
from codetour.trace.monitoring import MonitoringRecorder
from codetour.trace.recorder import Budgets
from codetour.trace.scope import Scope

mon = sys.monitoring
E = mon.events
restarts = []
real_restart = mon.restart_events
mon.restart_events = lambda: (restarts.append(len(restarts)), real_restart())[1]
starts = {}


class Counting(MonitoringRecorder):
    def _callbacks(self):
        callbacks = super()._callbacks()
        on_start = callbacks[E.PY_START]

        def counted(code, offset):
            key = f"{code.co_qualname} {code.co_filename}:{code.co_firstlineno}"  # one per code object
            starts[key] = starts.get(key, 0) + 1
            return on_start(code, offset, False, 2)  # the target's frame is one further up

        callbacks[E.PY_START] = counted
        return callbacks


root = Path(sys.argv[1])
sys.path.insert(0, str(root))
report = {}
for run in range(2):
    writer = TraceWriter(root / f"run{run}.ctrace", force=True)
    rec = Counting(writer, Scope(root), Budgets(calls=5, iterations=3, flush_seconds=0))
    rec.start()
    try:
        repo = importlib.import_module("repo") if run == 0 else importlib.reload(sys.modules["repo"])
        repo.main()
        tool = rec.tool_id
        local = {name: mon.get_local_events(tool, getattr(repo, name).__code__) for name in ("hot", "warm")}
        local["dedent"] = mon.get_local_events(tool, textwrap.dedent.__code__)
        report[run] = {"starts": dict(starts), "local": local, "global": mon.get_events(tool), "restarts": len(restarts)}
    finally:
        rec.stop()
        writer.close()
    starts.clear()
print(json.dumps(report))
"""

REPO_MODULE = """\
import textwrap


def hot(x):
    y = x + 1
    return y


def warm(x):
    y = x * 2
    return y


def main():
    total = 0
    for i in range(20):
        total += hot(i) + len(textwrap.dedent("  a"))
    return total + warm(1) + warm(2)
"""


@needs_monitoring
def test_only_code_in_scope_is_instrumented_and_lines_only_where_recorded(tmp_path):
    (tmp_path / "repo.py").write_text(REPO_MODULE)
    (tmp_path / "probe.py").write_text(EVENTS_PROBE)
    proc = subprocess.run(
        [sys.executable, str(tmp_path / "probe.py"), str(tmp_path)], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    E = sys.monitoring.events
    start = E.PY_START | E.PY_RESUME
    call_level = start | E.PY_RETURN | E.PY_YIELD | E.STOP_ITERATION
    # Run 0 imports the module, run 1 reloads it: a loader makes its code both times.
    for run in ("0", "1"):
        got = report[run]
        starts = got["starts"]
        repo = {key.split()[0]: n for key, n in starts.items() if key.endswith(tuple(f"repo.py:{line}" for line in (4, 9, 14)))}
        # Library code (textwrap, and re under it) is never instrumented for codetour: not one
        # PY_START reaches the recorder for it.
        assert set(starts) == {key for key in starts if "repo.py:" in key}, starts
        assert repo == {"hot": 20, "warm": 2, "main": 1}  # repo code keeps its calls (counted past the budget)
        # Line events only on repo code that still has detail to record: hot is past its budget
        # of 5 and not running, warm has budget left; library code has no local events at all.
        assert got["local"] == {"hot": call_level, "warm": call_level | E.LINE | E.JUMP, "dedent": 0}
        # Global events are the exception events PEP 669 has no local form of.
        assert got["global"] == E.PY_THROW | E.RAISE | E.PY_UNWIND
    # restart_events() only when a second recording reuses the tool id, once, at its start.
    assert report["0"]["restarts"] == 0 and report["1"]["restarts"] == 1


def test_scope_resolved_once_per_folder_gives_the_same_answers(tmp_path):
    """Scope.classify resolves and classifies each folder once (every library file of a big import
    used to pay a full os.path.realpath): the answers and the outside-the-root report are the same
    as classifying each file on its own, links included."""
    root, other = tmp_path / "repo", tmp_path / "other"
    for folder in (root / "pkg", root / "build", other / "lib"):
        folder.mkdir(parents=True)
    (root / "pyproject.toml").touch()
    for path in (root / "train.py", root / "pkg" / "a.py", root / "build" / "gen.py", other / "x.py", other / "lib" / "y.py"):
        path.write_text("pass\n")
    (root / "pkg" / "link.py").symlink_to(other / "x.py")  # a file linked in from outside is outside's
    (root / "linked").symlink_to(other / "lib", target_is_directory=True)  # so is a linked folder's
    (root / "..odd.py").write_text("pass\n")
    # Links the other way and through several levels: a library folder's file linked into the repo, a
    # linked folder inside a linked folder, a link to a link, a link with ".." in its target.
    (other / "lib" / "mine.py").symlink_to(root / "pkg" / "a.py")
    (other / "lib" / "deeper").symlink_to(root / "pkg", target_is_directory=True)
    (root / "pkg" / "again.py").symlink_to(root / "pkg" / "link.py")
    (root / "up").symlink_to(Path("pkg") / ".." / "build", target_is_directory=True)
    mine = [root / "train.py", root / "pkg" / "a.py", root / "pkg" / "link.py", root / "pkg" / "b.py", root / "build" / "gen.py"]
    mine += [root / "linked" / "y.py", other / "x.py", root / "..odd.py", other / "lib" / "mine.py"]
    mine += [root / "linked" / "deeper" / "a.py", root / "linked" / "mine.py", root / "pkg" / "again.py", root / "up" / "gen.py"]
    mine += [root / "pkg" / "." / "a.py", root / "linked" / ".." / "train.py"]
    loaded = sorted({m.__file__ for m in list(sys.modules.values()) if getattr(m, "__file__", None)})
    files = [str(p) for p in mine] + loaded[:: max(1, len(loaded) // 40)]  # stdlib, site-packages, codetour
    for options in ({}, {"library_calls": True}, {"include": [str(other / "lib" / "*.py")], "exclude": ["pkg/a.py"]}):
        shared = Scope(root, **options)
        fresh_outside = set()
        for name in files:
            alone = Scope(root, **options)
            assert shared.classify(name) == alone.classify(name), name
            assert shared.realpath(name) == alone.realpath(name) == os.path.realpath(name)
            # The same answer as classifying the fully resolved path itself.
            assert shared.classify(name) == Scope(root, **options)._classify(os.path.realpath(name))[0], name
            fresh_outside |= alone.outside
        assert shared.outside == fresh_outside
    scope = Scope(root, library_calls=True)
    assert [scope.classify(str(p)) for p in mine[:6]] == [REPO, REPO, LIBRARY, REPO, LIBRARY, LIBRARY]
    # Linked into the repo from outside: the repo's own code, whichever path names it (build/ is not).
    assert [scope.classify(str(p)) for p in mine[8:13]] == [REPO, REPO, REPO, LIBRARY, LIBRARY]
    assert scope.classify(os.__file__) == LIBRARY and Scope(root).classify(os.__file__) == IGNORE
    assert scope.outside == {os.path.realpath(other / "x.py"), os.path.realpath(other / "lib" / "y.py")}
    included = Scope(root, include=[str(other / "lib" / "*.py")])
    assert included.classify(str(root / "linked" / "y.py")) == REPO and included.classify(str(other / "x.py")) == IGNORE


def test_scope_classifies_without_relpath_or_posixpath_split(tmp_path, monkeypatch):
    """Every code object's file goes through Scope.classify: os.path.relpath and posixpath.split
    (Python functions, together about a third of classifying a big import) are no longer used, and
    the answers stay those of the rules (inside the root, skipped folders, names starting with ..)."""
    root, other = tmp_path / "repo", tmp_path / "other"
    for folder in (root / "pkg", root / "build", other):
        folder.mkdir(parents=True)
    files = {
        root / "train.py": REPO,
        root / "pkg" / "a.py": REPO,
        root / "build" / "gen.py": LIBRARY,  # a skipped folder inside the root
        root / "..odd.py": LIBRARY,  # relpath says "..odd.py": taken for outside, as before
        other / "x.py": LIBRARY,
    }
    for path in files:
        path.write_text("pass\n")

    def banned(*args: object) -> None:
        raise AssertionError("not on the classification path")

    scope = Scope(root, library_calls=True)
    monkeypatch.setattr(os.path, "relpath", banned)
    monkeypatch.setattr(os.path, "split", banned)
    assert {path: scope.classify(str(path)) for path in files} == files
    assert scope.classify(os.__file__) == LIBRARY and scope.classify("<frozen os>") == IGNORE
    assert scope.outside == {os.path.realpath(other / "x.py"), os.path.realpath(root / "..odd.py")}


@pytest.mark.parametrize("path", ["/", "/a", "/a/", "/a/b.py", "/a//b.py", "//b.py", "a/b.py", "b.py", "", "/a/b//"])
def test_scope_split_is_posixpaths(path):
    from codetour.trace import scope

    assert scope._split(path) == os.path.split(path)


# Every way a target makes code of the repo's: an import, a reload, a module loaded by path,
# runpy.run_path, and compile() of a file's source (inheriting the caller's __future__ flags, as the
# builtin does: without them, the annotation below would be evaluated and fail).
MAKERS = {
    "main.py": """\
from __future__ import annotations

import importlib
import importlib.util
import runpy
from pathlib import Path

import pkg.imported

here = Path(__file__).parent


def load(name):
    spec = importlib.util.spec_from_file_location(name, here / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pkg.imported.work(1)
importlib.reload(pkg.imported).work(2)
load("by_path").work(3)
runpy.run_path(str(here / "run_path.py"), run_name="not_main")["work"](4)
namespace = {}
exec(compile((here / "compiled.py").read_text(), str(here / "compiled.py"), "exec"), namespace)
namespace["work"](5)
""",
    "pkg/__init__.py": "",
    "pkg/imported.py": "def work(x):\n    return x + 1\n",
    "by_path.py": "def work(x):\n    return x * 2\n",
    "run_path.py": "def work(x):\n    return x - 1\n",
    "compiled.py": "def work(x: NotDefinedAnywhere) -> None:\n    return x\n",
}


@needs_monitoring
def test_code_made_every_way_is_recorded_by_both_backends(tmp_path):
    for name, text in MAKERS.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    traces = {}
    for backend in ("settrace", "monitoring"):
        out = tmp_path / f"{backend}.ctrace"
        proc = run_cli(
            "trace", "-q", "--backend", backend, "--root", str(tmp_path), "-o", str(out), str(tmp_path / "main.py"), cwd=tmp_path
        )
        assert proc.returncode == 0, proc.stderr
        traces[backend] = contents(out)
    files = {relpath for _, relpath, _ in traces["monitoring"]["files"]}
    assert files == {"main.py", "pkg/__init__.py", "pkg/imported.py", "by_path.py", "run_path.py", "compiled.py"}
    work_calls = [row[9] for row in traces["monitoring"]["functions"] if row[2] == "work"]
    assert work_calls == [1, 1, 1, 1, 1]  # the reload's code is a function of its own
    assert traces["settrace"] == traces["monitoring"]


# A module of the repo's imported before the recording starts (an earlier recording in the same
# process, here): no loader makes its code again, and its calls are still recorded.
IMPORTED_BEFORE = """\
import sys
import sysconfig
from pathlib import Path

from codetour.store.reader import TraceReader
from codetour.store.writer import TraceWriter
from codetour.trace.monitoring import MonitoringRecorder
from codetour.trace.scope import Scope

root = Path(sys.argv[1])
sys.path.insert(0, str(root))
import helper  # before any recording

counts = []
for run in range(2):
    path = root / f"run{run}.ctrace"
    writer = TraceWriter(path, force=True)
    rec = MonitoringRecorder(writer, Scope(root))
    rec.start()
    try:
        helper.outer(3)
    finally:
        rec.stop()
        writer.close()
    with TraceReader(path) as reader:
        counts.append(sorted((f.qualname, f.calls) for f in reader.functions.values()))
print(counts)
"""


@needs_monitoring
def test_code_imported_before_the_recording_is_recorded(tmp_path):
    (tmp_path / "helper.py").write_text(
        "def outer(n):\n    def inner(i):\n        return i * i\n    return sum(inner(i) for i in range(n))\n"
    )
    (tmp_path / "probe.py").write_text(IMPORTED_BEFORE)
    proc = subprocess.run(
        [sys.executable, str(tmp_path / "probe.py"), str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    expected = [("outer", 1), ("outer.<locals>.<genexpr>", 1), ("outer.<locals>.inner", 3)]
    assert proc.stdout.strip() == repr([expected, expected])


def test_an_installed_packages_files_are_taken_as_their_folders_without_an_lstat_each(tmp_path, monkeypatch):
    """Below site-packages, and in the standard library, a file is its folder's: no lstat per file.
    A file straight in site-packages is still asked (``flit install --symlink`` links a single-module
    project there)."""
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pyproject.toml").touch()
    (root / "pkg" / "mine.py").write_text("pass\n")
    site = tmp_path / "env" / "lib" / "site-packages"
    (site / "lib" / "sub").mkdir(parents=True)
    for path in (site / "lib" / "a.py", site / "lib" / "sub" / "b.py"):
        path.write_text("pass\n")
    (site / "single.py").symlink_to(root / "pkg" / "mine.py")
    (site / "lib" / "linked.py").symlink_to(root / "pkg" / "mine.py")
    scope = Scope(root)
    scope._env_prefixes = (str(tmp_path / "env") + os.sep, str(site) + os.sep)
    scope._install_dirs = (str(site) + os.sep,)
    scope._site_dirs = frozenset(scope._install_dirs)
    asked: list[str] = []
    real_lstat = os.lstat
    monkeypatch.setattr(os, "lstat", lambda path, *a, **k: (asked.append(str(path)), real_lstat(path, *a, **k))[1])
    assert scope.classify(str(site / "lib" / "a.py")) == IGNORE  # the folder's first file is asked
    assert str(site / "lib" / "a.py") in asked
    assert scope.classify(str(site / "lib" / "linked.py")) == IGNORE  # then the package folder answers
    assert scope.classify(str(site / "lib" / "sub" / "b.py")) == IGNORE
    assert str(site / "lib" / "linked.py") not in asked
    assert scope.classify(str(site / "single.py")) == REPO  # straight in site-packages: still a link to the repo
    assert scope.outside == set()


def test_the_c_line_callback_is_built_wherever_it_can_be():
    from codetour.trace import monitoring

    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if sys.implementation.name != "cpython" or sys.version_info < (3, 12):
        assert monitoring._c_lines() is None  # below 3.12 the recorder is settrace's
    elif shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) here: the install goes on without it")
    else:
        assert monitoring._c_lines() is not None, "pip install -e . should have built codetour/trace/_lines.c"


def record_with_and_without_speedups(tmp_path: Path, backend: str, budget: tuple[str, ...]) -> dict[str, tuple]:
    """PROGRAM recorded with CODETOUR_SPEEDUPS=1 and =0 on ``backend``: speedups -> (stdout, the
    trace's dispatch meta, its contents)."""
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    traces = {}
    for speedups in ("1", "0"):
        out = tmp_path / f"speedups{speedups}.ctrace"
        proc = run_cli(
            "trace", "--backend", backend, "--root", str(tmp_path), "-o", str(out), *budget, str(script),
            cwd=tmp_path, env={"CODETOUR_SPEEDUPS": speedups},
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        with TraceReader(out) as reader:
            traces[speedups] = proc.stdout, reader.meta["dispatch"], contents(out)
    return traces


@needs_monitoring
@pytest.mark.parametrize("budget", [(), ("--full",), ("--calls", "1", "--iterations", "1")])
def test_the_same_trace_with_and_without_the_c_line_callback(tmp_path, budget):
    from codetour.trace import monitoring

    traces = record_with_and_without_speedups(tmp_path, "monitoring", budget)
    (c_out, c_dispatch, in_c), (py_out, py_dispatch, in_python) = traces["1"], traces["0"]
    assert py_dispatch == "python"
    assert c_dispatch == ("c" if monitoring._c_lines() is not None else "python")
    assert c_out == py_out
    assert in_c["events"], "nothing recorded"
    if not budget:
        assert in_c["folds"] and in_c["series"]  # the folded path ran: iterations counted, scalars sampled
    for table, rows in in_python.items():
        assert in_c[table] == rows, f"{table} differ"
