"""The C dispatcher of the settrace recorder (``codetour/trace/_speedups.c``, CPython 3.10 and 3.11):
built where a compiler is, the same trace as the pure-Python recorder, and sys.settrace's own rules
for what the trace functions return and raise."""

from __future__ import annotations

import shutil
import sys
import sysconfig
import threading

import pytest
from conftest import run_cli
from test_monitoring import record_with_and_without_speedups

from codetour.store.reader import TraceReader
from codetour.trace import recorder

BUILT_HERE = sys.implementation.name == "cpython" and (3, 10) <= sys.version_info[:2] <= (3, 11)
needs_dispatcher = pytest.mark.skipif(recorder.c_dispatcher() is None, reason="the C dispatcher is not built here")


def test_the_dispatcher_is_built_wherever_it_can_be():
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if not BUILT_HERE:
        assert recorder.c_dispatcher() is None  # 3.12+ records with sys.monitoring; settrace stays Python
    elif shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}) here: the install goes on without the dispatcher")
    else:
        assert recorder.c_dispatcher() is not None, "pip install -e . should have built codetour/trace/_speedups.c"


@pytest.mark.parametrize("budget", [(), ("--full",), ("--calls", "1", "--iterations", "1")])
def test_the_same_trace_with_and_without_the_c_dispatcher(tmp_path, budget):
    traces = record_with_and_without_speedups(tmp_path, "settrace", budget)
    (c_out, c_dispatch, in_c), (py_out, py_dispatch, in_python) = traces["1"], traces["0"]
    assert py_dispatch == "python"
    assert c_dispatch == ("c" if recorder.c_dispatcher() is not None else "python")
    assert c_out == py_out
    assert in_c["events"], "nothing recorded"
    for table, rows in in_python.items():
        assert in_c[table] == rows, f"{table} differ"


def test_layout_check_refuses_a_dispatcher_that_misreads_frames():
    assert not recorder._reads_frames_right(lambda frame: (None, True))  # never sees f_trace set
    assert not recorder._reads_frames_right(lambda frame: (frame.f_trace, True))  # misreads f_trace_lines
    assert recorder._reads_frames_right(lambda frame: (frame.f_trace, frame.f_trace_lines))


# In-process: the dispatcher against sys.settrace's documented rules, with real frames.


def leaf(x):
    y = x + 1
    return y


def library_like(x):
    a = leaf(x)
    b = a * 2
    return b


def repo_like(x):
    total = 0
    total += library_like(x)
    return total


def run_with(hook, ignore=()):
    """Run repo_like(1) with `hook` installed as the C dispatcher; returns what was seen."""
    dispatcher = recorder.c_dispatcher()(hook)
    for code in ignore:
        dispatcher.ignore(code)
    previous = sys.gettrace()
    dispatcher.install()
    try:
        assert sys.gettrace() is dispatcher
        result = repo_like(1)
    finally:
        sys.settrace(previous)
    return result, dispatcher


@needs_dispatcher
def test_ignored_code_never_reaches_python_and_sends_no_lines():
    seen = []

    def local(frame, event, arg):
        seen.append((frame.f_code.co_name, event, frame.f_lineno))
        return local

    def hook(frame, event, arg):
        seen.append((frame.f_code.co_name, event, frame.f_lineno))
        return local

    result, dispatcher = run_with(hook, ignore=[library_like.__code__])
    assert result == 4
    assert dispatcher.ignored_count() == 1
    names = {name for name, _, _ in seen}
    assert "library_like" not in names
    # Repo code called back from ignored code is still seen: the ignore is per code object, not per stack.
    assert ("leaf", "call", leaf.__code__.co_firstlineno) in seen
    first = repo_like.__code__.co_firstlineno
    assert [e for e in seen if e[0] == "repo_like"] == [
        ("repo_like", "call", first),
        ("repo_like", "line", first + 1),
        ("repo_like", "line", first + 2),
        ("repo_like", "line", first + 3),
        ("repo_like", "return", first + 3),
    ]


@needs_dispatcher
def test_the_same_events_as_sys_settrace_when_nothing_is_ignored():
    def recording(into):
        def local(frame, event, arg):
            into.append((frame.f_code.co_name, event, frame.f_lineno, arg if event == "return" else None))
            return local

        def hook(frame, event, arg):
            into.append((frame.f_code.co_name, event, frame.f_lineno, None))
            return local if frame.f_code.co_name != "leaf" else None  # leaf: calls only

        return hook

    with_c, plain = [], []
    run_with(recording(with_c))
    previous = sys.gettrace()
    sys.settrace(recording(plain))
    try:
        repo_like(1)
    finally:
        sys.settrace(previous)
    assert with_c == plain
    assert ("leaf", "call", leaf.__code__.co_firstlineno, None) in with_c
    assert not [e for e in with_c if e[0] == "leaf" and e[1] != "call"]


@needs_dispatcher
def test_a_local_trace_function_is_replaced_by_what_it_returns():
    events = []

    def second(frame, event, arg):
        events.append(("second", event))
        return second

    def first(frame, event, arg):
        events.append(("first", event))
        return second  # from the next event on, `second` is the frame's trace function

    def hook(frame, event, arg):
        return first if frame.f_code is leaf.__code__ else None

    run_with(hook)
    assert events == [("first", "line"), ("second", "line"), ("second", "return")]


@needs_dispatcher
def test_an_error_in_a_trace_function_propagates_and_stops_tracing_as_settrace_does():
    def hook(frame, event, arg):
        if frame.f_code is leaf.__code__:
            raise KeyError("from the tracer")
        return None

    dispatcher = recorder.c_dispatcher()(hook)
    previous = sys.gettrace()
    dispatcher.install()
    try:
        with pytest.raises(KeyError, match="from the tracer"):
            repo_like(1)
        assert sys.gettrace() is None  # tracing stopped in this thread
    finally:
        sys.settrace(previous)


@needs_dispatcher
def test_new_threads_are_traced_through_the_dispatcher():
    seen = []
    installed = []

    def hook(frame, event, arg):
        if frame.f_code is leaf.__code__:
            seen.append(threading.current_thread().name)
            installed.append(sys.gettrace())
        return None

    dispatcher = recorder.c_dispatcher()(hook)
    dispatcher.ignore(library_like.__code__)
    previous = threading.gettrace()
    threading.settrace(dispatcher)  # what the recorder does: the thread calls sys.settrace(dispatcher)
    try:
        worker = threading.Thread(target=repo_like, args=(1,), name="worker")
        worker.start()
        worker.join()
    finally:
        threading.settrace(previous)
    assert seen == ["worker"]
    assert installed == [dispatcher]


def test_child_shards_say_which_dispatch_recorded_them(tmp_path):
    script = tmp_path / "forks.py"
    script.write_text(
        "import multiprocessing as mp\n\n"
        "def work(n):\n    return sum(i * i for i in range(n))\n\n"
        "if __name__ == '__main__':\n"
        "    p = mp.get_context('spawn').Process(target=work, args=(1000,))\n"
        "    p.start()\n    p.join()\n"
    )
    out = tmp_path / "run.ctrace"
    proc = run_cli("trace", "--backend", "settrace", "--root", str(tmp_path), "-o", str(out), str(script), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    shards = list((tmp_path / "run.ctrace.d").glob("*.ctrace"))
    assert len(shards) == 1
    expected = "c" if recorder.c_dispatcher() is not None else "python"
    for path in (out, shards[0]):
        with TraceReader(path) as reader:
            assert reader.meta["dispatch"] == expected, path
