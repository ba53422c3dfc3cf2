"""The real tracer, run through the real CLI on purpose-built scripts."""

from __future__ import annotations

import dis
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SCRIPTS, ctrl_c_reaches_child, run_cli, trace_script

from codetour.store.reader import TraceReader
from codetour.store.schema import CALL, EXCEPTION, FOLD, LINE, RETURN
from codetour.trace.recorder import loop_ranges


def python(script, *args, cwd=None):
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def fn(reader: TraceReader, qualname: str):
    f = reader.function_by_name(qualname)
    assert f is not None, f"{qualname} not recorded; have {[x.qualname for x in reader.functions.values()]}"
    return f


def test_behaves_like_python(tmp_path):
    plain = python(SCRIPTS / "basic.py", "--flag", "x y")
    proc, _out = trace_script(tmp_path, SCRIPTS / "basic.py", "--flag", "x y")
    assert proc.returncode == plain.returncode == 0
    assert proc.stdout == plain.stdout
    assert "name __main__" in proc.stdout
    assert "argv ['--flag', 'x y']" in proc.stdout


def test_records_calls_lines_values_and_returns(tmp_path):
    proc, out = trace_script(tmp_path, SCRIPTS / "basic.py")
    assert proc.returncode == 0, proc.stderr
    with TraceReader(out) as r:
        square, total = fn(r, "square"), fn(r, "total")
        assert square.calls == 5 and total.calls == 1
        edges = {(e.caller_id, e.callee_id): e.calls for e in r.edges()}
        assert edges[(total.id, square.id)] == 5
        frames = r.frames_of(square.id)
        assert [f.args for f in frames] == [{"x": str(i)} for i in range(5)]
        assert r.frame(r.frames_of(total.id)[0].id).args == {"values": "range(0, 5)"}
        assert [f.ret for f in frames] == [str(i * i) for i in range(5)]
        assert all(f.status == "returned" for f in frames)
        # the `total` frame: its parent is main, and acc's changes are recorded on its lines
        (total_frame,) = r.frames_of(total.id)
        parent = r.frame(total_frame.parent_id)
        assert r.functions[parent.function_id].qualname == "main"
        assert total_frame.call_line == 19
        kinds = [e.kind for e in r.events(frame_id=total_frame.id)]
        assert kinds[0] == CALL and kinds[-1] == RETURN and LINE in kinds
        assert r.locals_at(total_frame.id, total_frame.end_seq)["acc"] == "30"
        assert r.meta["status"] == "ok" and r.meta["exit_code"] == 0
        assert r.meta["argv"][0].endswith("basic.py")
        src = r.source(square.file_id)
        assert "def square(x):" in src
        assert r.files[square.file_id].relpath == "basic.py"


def test_crash_keeps_trace_and_prints_python_traceback(tmp_path):
    plain = python(SCRIPTS / "crash.py")
    proc, out = trace_script(tmp_path, SCRIPTS / "crash.py")
    assert proc.returncode == plain.returncode == 1
    assert proc.stdout == plain.stdout == "recovered\n"
    tb_plain = [ln for ln in plain.stderr.splitlines() if ln.strip()]
    tb_traced = [ln for ln in proc.stderr.splitlines() if ln.strip()][: len(tb_plain)]
    assert tb_traced == tb_plain  # same traceback, no codetour frames in it
    assert "codetour" not in "".join(tb_traced)
    with TraceReader(out) as r:
        assert r.meta["status"] == "exception"
        assert r.meta["exception"]["type"] == "ValueError"
        inner = fn(r, "inner")
        assert inner.calls == 6
        statuses = [f.status for f in r.frames_of(inner.id)]
        assert statuses == ["raised"] * 5  # the budget keeps the first 5 of 6 calls
        (handled,) = r.frames_of(fn(r, "handled").id)
        assert handled.status == "returned" and handled.ret == "'recovered'"
        exc_events = [e for e in r.events() if e.kind == EXCEPTION]
        assert exc_events and exc_events[0].data["type"] == "ValueError"
        assert exc_events[0].data["message"] == "'boom at the bottom'"


@pytest.mark.parametrize("code", ["0", "3", "42"])
def test_exit_codes_pass_through(tmp_path, code):
    proc, out = trace_script(tmp_path, SCRIPTS / "exits.py", code)
    assert proc.returncode == int(code)
    assert proc.stdout == "before exit\n"
    with TraceReader(out) as r:
        assert r.meta["status"] == "exit" and r.meta["exit_code"] == int(code)
        (frame,) = r.frames_of(fn(r, "finish").id)
        assert frame.status == "raised" and frame.exc["type"] == "SystemExit"


def test_threads_are_traced_and_tagged(tmp_path):
    proc, out = trace_script(tmp_path, SCRIPTS / "threads.py")
    assert proc.returncode == 0 and proc.stdout == "[45, 190, 435]\n"
    with TraceReader(out) as r:
        work = fn(r, "work")
        assert work.calls == 3
        threads = r.threads()
        frames = r.frames_of(work.id)
        assert len({f.thread for f in frames}) == 3
        assert {threads[f.thread] for f in frames} == {"worker-0", "worker-1", "worker-2"}


def test_forked_children_do_not_write_into_the_trace(tmp_path):
    proc, out = trace_script(tmp_path, SCRIPTS / "forks.py")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[2, 4, 6]\nparent done 10\n"
    db = sqlite3.connect(out)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with TraceReader(out) as r:
        # Only the parent's own call is recorded: children (pool workers, os.fork) are untraced.
        assert fn(r, "child_work").calls == 1
        assert r.meta["status"] == "ok"


def test_generators_async_and_recursion(tmp_path):
    proc, out = trace_script(tmp_path, SCRIPTS / "generators_async.py")
    assert proc.returncode == 0, proc.stderr
    with TraceReader(out) as r:
        assert fn(r, "fib").calls == 177  # fib(10) makes 177 calls
        countdown = fn(r, "countdown")
        assert countdown.calls == 1  # resumes are not new calls
        frames = r.frames_of(countdown.id)
        assert [f.resumed for f in frames][:2] == [False, True]
        assert fn(r, "fetch").calls == 2
        depths = [f.depth for f in r.frames_of(fn(r, "fib").id)]
        assert depths == list(range(depths[0], depths[0] + 5))  # the first 5 calls: fib(10) .. fib(6)


def test_library_callbacks_are_stitched_to_the_repo_caller(tmp_path):
    proc, out = trace_script(tmp_path, SCRIPTS / "callback.py")
    assert proc.returncode == 0 and proc.stdout == "9\n"
    with TraceReader(out) as r:
        caller = fn(r, "caller")
        (caller_frame,) = r.frames_of(caller.id)
        for name, line in (("key", 23), ("forward", 24), ("caller.<locals>.<lambda>", 25)):
            frames = r.frames_of(fn(r, name).id)
            assert frames, name
            assert all(f.parent_id == caller_frame.id for f in frames), name
            assert {f.call_line for f in frames} == {line}, name
        edges = {(e.caller_id, e.callee_id): e.calls for e in r.edges()}
        assert edges[(caller.id, fn(r, "key").id)] == 3


def test_values_are_safe_and_secrets_redacted(tmp_path):
    proc, out = trace_script(tmp_path, SCRIPTS / "secrets_values.py")
    assert proc.returncode == 0, proc.stderr
    with TraceReader(out) as r:
        (frame,) = r.frames_of(fn(r, "configure").id)
        assert frame.args == {"api_key": "<redacted>", "learning_rate": "0.001", "name": "'run-1'"}
        local = r.locals_at(frame.id, frame.end_seq)
        assert local["password"] == "<redacted>"
        assert local["token_value"] == "<redacted>"
        assert local["long_text"].endswith("…(len 1000)") and len(local["long_text"]) < 80
        assert "'secret': " not in local["data"] and "secret: <redacted>" in local["data"]
        db = sqlite3.connect(out)
        recorded = " ".join(str(row) for row in db.execute("SELECT data FROM events UNION ALL SELECT args FROM frames"))
        assert "s3cr3t" not in recorded and "hunter2" not in recorded and "THISISASECRET" not in recorded
        (weird,) = r.frames_of(fn(r, "takes_weird").id)
        assert weird.args == {"obj": "<Weird>"}


def test_chdir_and_sys_path_edits_keep_paths_right(tmp_path):
    proc, out = trace_script(tmp_path, SCRIPTS / "chdir_path.py")
    assert proc.returncode == 0 and proc.stdout == "42\n"
    with TraceReader(out) as r:
        helper = fn(r, "helper")
        info = r.files[helper.file_id]
        assert info.relpath == "helpers/helper_mod.py"
        assert info.path == str(SCRIPTS / "helpers" / "helper_mod.py")


def test_module_entry_point(tmp_path):
    out = tmp_path / "mod.ctrace"
    # The installed console script, not `python -m codetour`: its sys.path[0] is not the working directory.
    script = shutil.which("codetour", path=os.path.dirname(sys.executable))
    assert script is not None, "the codetour console script is not installed next to this Python"
    proc = subprocess.run(
        [script, "trace", "-o", str(out), "-m", "pkgmod.run", "--x", "1"], cwd=SCRIPTS, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "module main __main__ ['--x', '1'] 8\n"
    with TraceReader(out) as r:
        assert fn(r, "double").calls == 1
        assert r.meta["module"] == "pkgmod.run"


def test_a_target_that_installs_its_own_tracer_is_reported(tmp_path, backend):
    proc, out = trace_script(tmp_path, SCRIPTS / "own_tracer.py")
    assert proc.returncode == 0
    if backend == "monitoring":  # sys.monitoring runs alongside the target's trace function: nothing is displaced
        assert "replaced codetour's trace function" not in proc.stderr
        with TraceReader(out) as r:
            assert r.meta["displaced_by"] is None and r.meta["backend"] == "monitoring"
            assert fn(r, "before").calls == 1 and fn(r, "after").calls == 1
        return
    assert "replaced codetour's trace function" in proc.stderr
    with TraceReader(out) as r:
        assert "mine" in r.meta["displaced_by"]
        assert fn(r, "before").calls == 1
        assert r.function_by_name("after") is None or r.function_by_name("after").calls == 0


def test_budgets_fold_long_loops_and_keep_counts_exact(tmp_path):
    proc, out = trace_script(tmp_path, SCRIPTS / "long_loop.py", "2000")
    assert proc.returncode == 0 and proc.stdout == f"{2 * sum(range(2000))}\n"
    with TraceReader(out) as r:
        step = fn(r, "step")
        assert step.calls == 2000 and step.recorded_calls == 5
        run = fn(r, "run")
        (frame,) = r.frames_of(run.id)
        (fold,) = r.folds(frame.id)
        assert fold.iterations > 1990 and fold.head_line == 10
        fold_events = [e for e in r.events(frame_id=frame.id) if e.kind == FOLD]
        assert fold_events and fold_events[0].data["iterations"] == fold.iterations
        assert r.event_count < 200
        assert r.meta["budgets"] == {"calls": 5, "iterations": 3}
    proc, full = trace_script(tmp_path / "full", SCRIPTS / "long_loop.py", "2000", extra=("--full",))
    with TraceReader(full) as r:
        assert fn(r, "step").recorded_calls == 2000
        assert r.folds() == []


def test_ctrl_c_leaves_a_readable_trace(tmp_path):
    script = tmp_path / "sleepy.py"
    script.write_text("import time\n\ndef wait():\n    print('ready', flush=True)\n    time.sleep(30)\n\nwait()\n")
    out = tmp_path / "sleepy.ctrace"
    proc = subprocess.Popen(
        [sys.executable, "-m", "codetour", "trace", "-o", str(out), str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_reaches_child,
    )
    assert proc.stdout.readline() == "ready\n"
    time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "KeyboardInterrupt" in stderr
    with TraceReader(out) as r:
        assert r.meta["status"] == "interrupted"
        (frame,) = r.frames_of(fn(r, "wait").id)
        assert frame.status == "raised"


def test_syntax_error_is_reported_like_python(tmp_path):
    plain = python(SCRIPTS / "syntax_error.py")
    proc, out = trace_script(tmp_path, SCRIPTS / "syntax_error.py")
    assert proc.returncode == plain.returncode == 1
    assert "SyntaxError" in proc.stderr and "Traceback" not in proc.stderr
    assert plain.stderr.strip().splitlines()[-1] in proc.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (("missing.py",), "no such file", 3),
        (("--calls", "0", "basic.py"), "--calls must be at least 1", 2),
        (("-m", "no_such_module_xyz"), "no module named", 3),
        ((), "nothing to trace", 2),
    ],
)
def test_bad_input_gets_one_line(tmp_path, args, message, code):
    proc = run_cli("trace", *args, cwd=SCRIPTS)
    assert proc.returncode == code
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr


def test_binary_file_and_unwritable_output(tmp_path):
    binary = tmp_path / "model.py"
    binary.write_bytes(b"\x00\x01\x02binary")
    proc = run_cli("trace", str(binary))
    assert proc.returncode == 3 and "not a Python file" in proc.stderr
    proc = run_cli("trace", "-o", "/proc/no/such/place.ctrace", str(SCRIPTS / "basic.py"))
    assert proc.returncode == 6 and "cannot write trace file" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""  # the target never ran


def test_directory_target_uses_the_primary_train_entry(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "train.py").write_text(
        "import argparse\n\ndef main():\n    p = argparse.ArgumentParser()\n    p.add_argument('--epochs', type=int, default=1)\n"
        "    print('trained', p.parse_args().epochs)\n\nif __name__ == '__main__':\n    main()\n"
    )
    proc = run_cli("trace", "-o", str(tmp_path / "t.ctrace"), str(repo))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "trained 1\n"
    assert "primary train entry" in proc.stderr and "train.py" in proc.stderr
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "notes.txt").write_text("nothing to run")
    proc = run_cli("trace", str(empty))
    assert proc.returncode == 3 and "no Python files" in proc.stderr


def test_default_output_goes_to_dot_codetour_under_the_repo(tmp_path):
    repo = tmp_path / "proj"
    repo.mkdir()
    (repo / "pyproject.toml").write_text("[project]\nname='x'\n")
    (repo / "src").mkdir()
    (repo / "src" / "go.py").write_text("def f():\n    return 1\n\nf()\n")
    proc = run_cli("trace", str(repo / "src" / "go.py"), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (trace,) = (repo / ".codetour").glob("go.*.ctrace")
    with TraceReader(trace) as r:
        assert r.function_by_name("f").calls == 1
        assert r.files[r.function_by_name("f").file_id].relpath == "src/go.py"


def test_library_calls_are_recorded_at_call_level_only(tmp_path):
    script = tmp_path / "uses_json.py"
    script.write_text("import json\n\n\ndef encode(obj):\n    return json.dumps(obj)\n\n\nprint(encode({'a': [1, 2]}))\n")
    proc, out = trace_script(tmp_path, script, extra=("--library-calls",))
    assert proc.returncode == 0 and proc.stdout == '{"a": [1, 2]}\n'
    with TraceReader(out) as r:
        dumps = fn(r, "dumps")
        assert dumps.library and dumps.calls == 1
        assert not r.files[dumps.file_id].relpath.startswith("uses_json")
        (frame,) = r.frames_of(dumps.id)
        assert r.functions[r.frame(frame.parent_id).function_id].qualname == "encode"
        assert [e.kind for e in r.events(frame_id=frame.id)] == [CALL, RETURN]  # no lines, no values
    proc, out = trace_script(tmp_path / "plain", script)
    with TraceReader(out) as r:
        assert r.function_by_name("dumps") is None  # not recorded by default


def test_the_target_starts_without_what_codetour_does_not_need(tmp_path):
    """What `codetour trace` imports runs before the target, in every traced run: no dataclasses or
    inspect (with the code they generate), no trace reader, and no subprocess (the platform name is
    read without `uname -p`). The target sees the modules loaded when it starts."""
    script = tmp_path / "loaded.py"
    script.write_text(
        "import sys\n\n"
        "NAMES = ('dataclasses', 'inspect', 'subprocess', 'codetour.store.reader', 'codetour.store.writer')\n"
        "print(' '.join(n for n in NAMES if n in sys.modules))\n"
    )
    proc, out = trace_script(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["codetour.store.writer"]  # the control: codetour's own modules are there
    with TraceReader(out) as r:
        meta = r.meta
    import platform

    assert meta["status"] == "ok" and meta["python_version"] == platform.python_version()
    assert meta["python_implementation"] == platform.python_implementation()
    assert meta["platform"] == platform.platform()  # the same name, without its subprocess


def _loops_from_every_instruction(code) -> dict[int, tuple[int, int]]:
    """loop_ranges as it was before it skipped code without a backward jump: every instruction read."""
    lines = {off: ln for start, end, ln in code.co_lines() if ln is not None for off in range(start, end, 2)}
    loops: dict[int, tuple[int, int]] = {}
    jumps = set(dis.hasjrel) | set(dis.hasjabs)
    for ins in dis.get_instructions(code):
        if ins.opcode in jumps and isinstance(ins.argval, int) and ins.argval <= ins.offset:
            head = lines.get(ins.argval)
            if head is not None:
                body = [ln for off, ln in lines.items() if ins.argval <= off <= ins.offset] or [head]
                lo, hi = loops.get(head, (head, head))
                loops[head] = (min(lo, *body), max(hi, *body))
    return loops


def test_loop_ranges_skips_only_code_without_loops():
    """Code with no backward jump is not read instruction by instruction (most functions): every code
    object of a few stdlib modules (for, while, while True, comprehensions, generators, async, try in
    loops) still gets exactly the loops a full read finds."""
    import argparse
    import asyncio.tasks
    import json.decoder
    import textwrap

    codes = []
    pending = [
        compile(Path(m.__file__).read_text(), m.__file__, "exec") for m in (argparse, asyncio.tasks, json.decoder, textwrap, dis)
    ]
    while pending:
        code = pending.pop()
        codes.append(code)
        pending.extend(c for c in code.co_consts if isinstance(c, type(code)))
    with_loops = 0
    for code in codes:
        expected = _loops_from_every_instruction(code)
        assert loop_ranges(code) == expected, code
        with_loops += bool(expected)
    assert len(codes) > 200 and 50 < with_loops < len(codes) - 100  # both kinds, many of each


def test_an_attribute_set_in_place_is_recorded_as_a_change(tmp_path, backend):
    """``args.batch_size = ...`` keeps the same object: the value after the line is recorded all the same, so a
    configuration shows what was in force, not what was parsed."""
    script = tmp_path / "derived.py"
    script.write_text(
        "import argparse\n"
        "p = argparse.ArgumentParser()\n"
        "p.add_argument('--num-envs', type=int, default=4)\n"
        "args = p.parse_args()\n"
        "args.batch_size = args.num_envs * 8\n"
        "args.num_envs += 1\n"
        "def tune(cfg):\n"
        "    cfg.lr = 0.5\n"
        "    return cfg\n"
        "tune(args)\n"
        "print(args.batch_size)\n"
    )
    proc, out = trace_script(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    with TraceReader(out) as reader:
        module = fn(reader, "<module>")
        frame = reader.frames_of(module.id)[0]
        seen = [
            (e.line, e.data["args"])
            for e in reader.events(0, None, frame_id=frame.id)
            if e.kind == LINE and "args" in (e.data or {})
        ]
        assert seen == [
            (5, "<Namespace num_envs=4>"),
            (6, "<Namespace num_envs=4 batch_size=32>"),
            (7, "<Namespace num_envs=5 batch_size=32>"),
        ]  # (set inside a called function, the change shows in that function's frame)
        tune = reader.frames_of(fn(reader, "tune").id)[0]
        changes = [e.data["cfg"] for e in reader.events(0, None, frame_id=tune.id) if e.kind == LINE and "cfg" in (e.data or {})]
        assert changes == ["<Namespace num_envs=5 batch_size=32 lr=0.5>"]
