"""Tracer overhead, measured side by side in one run: traced vs untraced on the same machine.

    python benchmarks/bench_trace.py            # every workload, 3 interleaved repeats
    python benchmarks/bench_trace.py --repeat 5 --skip-torch
    python benchmarks/bench_trace.py --pythons /path/to/python3.11,/path/to/python3.12 \\
        --only minimal_ppo --only library_heavy   # several Pythons in one table

For each workload it runs a short run and one ten times longer, each untraced (plain python)
and under ``codetour trace`` with default budgets: with ``sys.settrace`` on every Python, and
also with ``sys.monitoring`` on Python 3.12+ (``--backend`` picks one). With ``--pythons``, every
command of every interpreter is run in the same interleaved rounds (a noisy neighbour slows
them all alike), and each Python gets a row: that is how the 3.11 settrace figure and the 3.12+
monitoring figures are compared. Each interpreter needs codetour installed (``pip install -e .``)
and the workloads' libraries (numpy; networkx for ``library_heavy``; torch for
``torch_classifier``); a workload is skipped on a Python that lacks them.

Figures are the *minimum* over the interleaved repeats (the run least disturbed by other
processes), as CPU time (user + system of the child and what it waited for), the steadier
measure on a shared machine; wall time is printed for the untraced run only. "startup" is
``codetour trace`` of an empty script less plain ``python`` of it: codetour's fixed cost in every
traced run (its imports, creating the trace file, writing it at the end). "net" is the ratio
with that fixed cost taken out: what recording the run itself costs. "same trace" says whether
the two backends' traces of the run hold the same events (times left out). Peak memory is the
child's maximum RSS. ``--extras`` adds the settrace floor (an empty trace function: what CPython
charges for sys.settrace before codetour does anything), codetour without its timed flusher, and
viztracer (``pip install -r benchmarks/requirements.txt``) as the reference.

``--instructions`` counts instructions instead of timing (valgrind's callgrind, children included;
``PYTHONHASHSEED=0`` and no timed flush, so that a run counts the same every time): on a shared
machine CPU times of one command vary by 20% and more between runs, instruction counts by a few
tenths of a percent. A count does not weigh cache misses or mispredicted branches, so it is the
measure to compare two versions of codetour by, beside the CPU times. Peak memory is not measured
then.

Children run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` is dropped for them, and one
untimed run per Python comes first), as an installed codetour runs: otherwise every traced run
would also compile codetour's own modules, which plain ``python`` never does. They run with one
math-library thread (``OMP_NUM_THREADS`` and friends, unless set): spinning BLAS threads make CPU
time meaningless on a shared machine.

The ``library_heavy`` workload imports a large pure-Python library with all its submodules
(networkx, or ``--library sympy``) and then runs a small repo loop: the cost profile of real ML
repos, nearly every Python call library code that a recorder of the repo ignores.

Targets: issue 3: on minimal_ppo, traced/untraced <= 3x short and <= 1.5x long; the long run's
trace file <= 1.5x the short run's. Issue 17: on 3.12+, monitoring <= 1.10x on library_heavy and
<= the 3.11 settrace figure on minimal_ppo, with identical trace contents.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ROOT, Measure, run_once, table

FLOOR = Path(__file__).resolve().parent / "_settrace_floor.py"
LIBRARY_HEAVY = Path(__file__).resolve().parent / "_library_heavy.py"

SAMPLES = ROOT / "sample_repos"
# name -> (script, short run's arguments, long run's arguments, modules it needs)
WORKLOADS = {
    "minimal_ppo": (
        SAMPLES / "minimal_ppo" / "train.py",
        ["--updates", "4", "--num-steps", "1024", "--output", "{tmp}/ck.npz"],
        ["--updates", "40", "--num-steps", "1024", "--output", "{tmp}/ck.npz"],
        ("numpy",),
    ),
    "torch_classifier": (
        SAMPLES / "torch_classifier" / "main.py",
        ["--mode", "train", "--epochs", "1", "--checkpoint", "{tmp}/c.pt"],
        ["--mode", "train", "--epochs", "10", "--checkpoint", "{tmp}/c.pt"],
        ("torch",),
    ),
    "library_heavy": (
        LIBRARY_HEAVY,
        ["--library", "{library}", "--steps", "20"],
        ["--library", "{library}", "--steps", "200"],
        ("{library}",),
    ),
}

PROBE = """\
import importlib.util, json, sys
names = json.loads(sys.argv[1])
print(json.dumps({"version": sys.version.split()[0], "monitoring": sys.version_info >= (3, 12),
                  "has": {n: importlib.util.find_spec(n) is not None for n in names}}))
"""


def probe(python: str, modules: list[str]) -> dict:
    """What an interpreter is and which of ``modules`` (and codetour) it can import."""
    proc = subprocess.run([python, "-c", PROBE, json.dumps([*modules, "codetour"])], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"cannot run {python}: {proc.stderr.strip()[-500:]}")
    info = json.loads(proc.stdout)
    if not info["has"]["codetour"]:
        raise SystemExit(f"codetour is not installed for {python} (pip install -e {ROOT})")
    return info


def trace_contents(path: Path) -> list[list]:
    """What a trace holds, times left out: two backends' traces of one run must be equal."""
    db = sqlite3.connect(path)
    try:
        return [
            db.execute("SELECT id, qualname, calls, recorded_calls FROM functions ORDER BY id").fetchall(),
            db.execute(
                "SELECT caller_id, callee_id, MAX(calls) FROM edges GROUP BY caller_id, callee_id ORDER BY 1, 2"
            ).fetchall(),
            db.execute(
                "SELECT id, function_id, parent_id, call_line, depth, start_seq, end_seq, status FROM frames ORDER BY id"
            ).fetchall(),
            db.execute("SELECT seq, frame_id, kind, line FROM events ORDER BY seq").fetchall(),
            db.execute("SELECT * FROM folds ORDER BY frame_id, after_seq").fetchall(),
        ]
    finally:
        db.close()


def count_once(cmd: list[str], cwd: Path) -> Measure:
    """Instructions of one command and every process it starts (callgrind), as both its "seconds"
    and its "CPU seconds"; no peak memory."""
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--trace-children=yes", *cmd],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    count = float(sum(int(n) for n in re.findall(r"Collected : (\d+)", proc.stderr)))
    return Measure(count, float("nan"), count)


def interleaved_min(
    commands: dict[tuple[str, str], list[str]], cwd: Path, repeat: int, counting: bool = False
) -> dict[tuple[str, str], Measure]:
    """Every command ``repeat`` times, in interleaved rounds; the least disturbed run of each
    (minimum CPU and wall time, each on its own) and the highest peak memory."""
    runs: dict[tuple[str, str], list[Measure]] = {k: [] for k in commands}
    for _ in range(repeat):
        for key, cmd in commands.items():
            runs[key].append(count_once(cmd, cwd) if counting else run_once(cmd, cwd))
    return {
        k: Measure(min(m.seconds for m in ms), max(m.max_rss_mb for m in ms), min(m.cpu_seconds for m in ms))
        for k, ms in runs.items()
    }


class _Ratios:
    """One Python's figures for one run: CPU against the untraced run, net of startup, and RSS."""

    def __init__(self, m: dict[tuple[str, str], Measure], py: str, startup: float) -> None:
        self.m, self.py, self.startup = m, py, startup
        self.base = m[(py, "untraced")]

    def of(self, name: str) -> list[str]:
        run = self.m.get((self.py, name))
        if run is None:
            return ["n/a", "n/a", "n/a"]
        base = self.base
        digits = 3 if run.max_rss_mb != run.max_rss_mb else 2  # instruction counts (no memory): finer
        return [
            f"{run.cpu_seconds / base.cpu_seconds:.{digits}f}x",
            f"{(run.cpu_seconds - self.startup) / base.cpu_seconds:.{digits}f}x",
            f"{run.max_rss_mb / base.max_rss_mb:.2f}x" if digits == 2 else "n/a",
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--pythons", default=sys.executable, help="comma-separated interpreters to measure side by side (default: this one)"
    )
    parser.add_argument("--skip-torch", action="store_true")
    runs_group = parser.add_mutually_exclusive_group()
    runs_group.add_argument("--short-only", action="store_true", help="only the short runs")
    runs_group.add_argument("--long-only", action="store_true", help="only the ten times longer runs")
    parser.add_argument(
        "--backend",
        choices=("both", "settrace", "monitoring"),
        default="both",
        help="recording backend(s) to measure (monitoring only where Python is 3.12+; default: both)",
    )
    parser.add_argument("--only", action="append", choices=list(WORKLOADS), help="only this workload (repeatable)")
    parser.add_argument("--library", default="networkx", help="the library of the library_heavy workload (default: networkx)")
    parser.add_argument("--extras", action="store_true", help="also the settrace floor, no timed flush, and viztracer columns")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="count instructions with valgrind's callgrind instead of timing (deterministic on a shared machine)",
    )
    args = parser.parse_args()
    if args.instructions:
        if shutil.which("valgrind") is None:
            raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
        if args.extras:
            raise SystemExit("--instructions does not run the --extras columns")
        # The same count every time: fixed string hashing, no flusher thread waking on a timer.
        os.environ["PYTHONHASHSEED"] = "0"
        os.environ["CODETOUR_FLUSH_SECONDS"] = "0"

    pythons = [p for p in args.pythons.split(",") if p]
    modules = sorted({m.replace("{library}", args.library) for w in WORKLOADS.values() for m in w[3]} | {"viztracer"})
    infos = {py: probe(py, modules) for py in pythons}
    labels = {py: info["version"] for py, info in infos.items()}
    if len(set(labels.values())) < len(labels):  # the same version twice: name them by path
        labels = {py: f"{info['version']} ({py})" for py, info in infos.items()}
    # Bytecode caching on, as an installed codetour runs (see the docstring).
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
        print("note: PYTHONDONTWRITEBYTECODE dropped for the measured runs (bytecode cached, as installed)")
    # One thread for numpy/torch's math libraries: their idle worker threads spin, and on a loaded
    # machine that spinning is counted as CPU time at random (a traced run "cheaper" than plain).
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")

    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        empty = tmp / "empty.py"
        empty.write_text("pass\n")
        for py in pythons:  # untimed: writes codetour's bytecode where it is missing
            run_once([py, "-m", "codetour", "trace", "-q", "--force", "-o", str(tmp / "warm.ctrace"), str(empty)], tmp)
        for sample, (script, short, long, needs) in WORKLOADS.items():
            if (args.only and sample not in args.only) or (sample == "torch_classifier" and args.skip_torch):
                continue
            needed = [n.replace("{library}", args.library) for n in needs]
            able = [py for py in pythons if all(infos[py]["has"][n] for n in needed)]
            for py in set(pythons) - set(able):
                print(f"skipping {sample} on {labels[py]}: needs {', '.join(needed)}")
            if not able:
                continue
            sizes: dict[tuple[str, str], int] = {}
            runs = (
                (("short", short),)
                if args.short_only
                else (("long x10", long),)
                if args.long_only
                else (("short", short), ("long x10", long))
            )
            for label, wargs in runs:
                wargs = [a.replace("{tmp}", str(tmp)).replace("{library}", args.library) for a in wargs]
                commands: dict[tuple[str, str], list[str]] = {}
                files: dict[tuple[str, str], Path] = {}
                for n, py in enumerate(able):
                    backends = [
                        b
                        for b in ("settrace", "monitoring")
                        if args.backend in ("both", b) and (b == "settrace" or infos[py]["monitoring"])
                    ]
                    trace = [py, "-m", "codetour", "trace", "-q", "--force"]
                    commands[(py, "untraced")] = [py, str(script), *wargs]
                    commands[(py, "python")] = [py, str(empty)]
                    commands[(py, "startup")] = [*trace, "-o", str(tmp / f"empty{n}.ctrace"), str(empty)]
                    for backend in backends:
                        files[(py, backend)] = tmp / f"{sample}-{label[:4]}-{n}-{backend}.ctrace"
                        commands[(py, backend)] = [
                            *trace,
                            "--backend",
                            backend,
                            "-o",
                            str(files[(py, backend)]),
                            str(script),
                            *wargs,
                        ]
                    if args.extras:
                        commands[(py, "floor")] = [py, str(FLOOR), str(script), *wargs]
                        no_flush = [
                            "env",
                            "CODETOUR_FLUSH_SECONDS=0",
                            *trace,
                            "-o",
                            str(tmp / f"nf{n}.ctrace"),
                            str(script),
                            *wargs,
                        ]
                        commands[(py, "no timed flush")] = no_flush
                        if infos[py]["has"]["viztracer"]:
                            viz = [py, "-m", "viztracer", "--quiet", "-o", str(tmp / f"viz{n}.json"), "--", str(script), *wargs]
                            commands[(py, "viztracer")] = viz
                m = interleaved_min(commands, cwd=tmp, repeat=args.repeat, counting=args.instructions)
                for py in able:
                    base = m[(py, "untraced")]
                    startup = m[(py, "startup")].cpu_seconds - m[(py, "python")].cpu_seconds

                    cpu = _Ratios(m, py, startup)

                    same = "n/a"
                    if (py, "settrace") in files and (py, "monitoring") in files:
                        same = (
                            "yes"
                            if trace_contents(files[(py, "settrace")]) == trace_contents(files[(py, "monitoring")])
                            else "NO"
                        )
                    main_file = files.get((py, "monitoring")) or files.get((py, "settrace"))
                    if main_file is not None:
                        sizes[(py, label)] = main_file.stat().st_size
                    row = [
                        sample,
                        label,
                        labels[py],
                        f"{base.cpu_seconds / 1e6:.1f}M instr"
                        if args.instructions
                        else f"{base.cpu_seconds:.2f}s ({base.seconds:.2f}s wall)",
                        f"{startup / 1e6:.1f}M" if args.instructions else f"{startup:.2f}s",
                        *cpu.of("settrace"),
                        *cpu.of("monitoring"),
                        same,
                        f"{sizes[(py, label)] / 1e6:.2f} MB" if (py, label) in sizes else "n/a",
                        "n/a" if args.instructions else f"{base.max_rss_mb:.0f} MB",
                    ]
                    if args.extras:
                        row += [cpu.of(name)[0] for name in ("floor", "no timed flush", "viztracer")]
                    rows.append(row)
            for py in able:
                if (py, "short") in sizes and (py, "long x10") in sizes:
                    growth = sizes[(py, "long x10")] / sizes[(py, "short")]
                    rows.append(
                        [sample, "file growth for 10x work", labels[py], *[""] * 9, f"{growth:.2f}x", ""]
                        + [""] * (3 * args.extras)
                    )
    header = [
        "sample",
        "run",
        "python",
        "untraced instr" if args.instructions else "untraced cpu",
        "startup",
        "settrace",
        "net",
        "rss",
        "monitoring",
        "net",
        "rss",
        "same trace",
        "trace file",
        "rss plain",
    ]
    if args.extras:
        header += ["settrace floor", "no timed flush", "viztracer"]
    measure = "instruction counts (callgrind)" if args.instructions else "CPU time"
    print(f"Ratios are traced / untraced {measure}, min of {args.repeat} interleaved repeats; net: less codetour's startup")
    print(table(rows, header))


if __name__ == "__main__":
    main()
