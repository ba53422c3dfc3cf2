"""Tracer overhead, measured side by side in one run: traced vs untraced on the same machine.

    python benchmarks/bench_trace.py            # both samples, 3 interleaved repeats
    python benchmarks/bench_trace.py --repeat 5 --skip-torch

For each sample it runs a short workload and one ten times longer, each untraced
(plain python), under ``codetour trace`` with default budgets, and under viztracer
when it is installed (``pip install -r benchmarks/requirements.txt``) as the
reference. It prints wall-clock ratios, trace file sizes and peak memory, and the
"settrace floor": the same run under an empty trace function, i.e. what CPython
itself charges for sys.settrace before codetour does anything.

Targets (issue 3): on minimal_ppo, traced/untraced <= 3x short and <= 1.5x long;
the long run's trace file <= 1.5x the short run's.

On Python 3.12+ both recording backends run side by side (``--backend`` picks one): the
``codetour`` columns are sys.settrace, the ``monitoring`` columns sys.monitoring, and
"same trace" says whether the two traces hold the same events (times left out). The
``library_heavy`` workload imports a large pure-Python library with all its submodules
(networkx, or ``--library sympy``) and then runs a small repo loop: the cost profile of
real ML repos. "startup" is ``codetour trace`` of an empty script, the fixed cost in every
traced run. Targets (issue 17): monitoring <= 1.10x on library_heavy, <= the 3.11 settrace
figure on minimal_ppo, identical trace contents.
"""

from __future__ import annotations

import argparse
import importlib.util
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ROOT, interleaved, table

FLOOR = Path(__file__).resolve().parent / "_settrace_floor.py"
LIBRARY_HEAVY = Path(__file__).resolve().parent / "_library_heavy.py"

SAMPLES = ROOT / "sample_repos"
WORKLOADS = {
    "minimal_ppo": (
        SAMPLES / "minimal_ppo" / "train.py",
        ["--updates", "4", "--num-steps", "1024", "--output", "{tmp}/ck.npz"],
        ["--updates", "40", "--num-steps", "1024", "--output", "{tmp}/ck.npz"],
    ),
    "torch_classifier": (
        SAMPLES / "torch_classifier" / "main.py",
        ["--mode", "train", "--epochs", "1", "--checkpoint", "{tmp}/c.pt"],
        ["--mode", "train", "--epochs", "10", "--checkpoint", "{tmp}/c.pt"],
    ),
    "library_heavy": (LIBRARY_HEAVY, ["--library", "{library}", "--steps", "20"], ["--library", "{library}", "--steps", "200"]),
}


def _ratios(m: dict, name: str) -> list[str]:
    """Wall and CPU time of ``name`` against the untraced run."""
    if name not in m:
        return ["n/a", "n/a"]
    base = m["untraced"]
    return [f"{m[name].seconds / base.seconds:.2f}x", f"{m[name].cpu_seconds / base.cpu_seconds:.2f}x"]


def _net(m: dict, name: str) -> str:
    """CPU time of ``name`` less codetour's own start-up (``codetour trace`` of an empty script,
    less Python's), against the untraced run: what recording this run costs."""
    if name not in m:
        return "n/a"
    startup = m["startup"].cpu_seconds - m["python"].cpu_seconds
    return f"{(m[name].cpu_seconds - startup) / m['untraced'].cpu_seconds:.2f}x"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--short-only", action="store_true", help="only the short runs (a quick check)")
    has_monitoring = sys.version_info >= (3, 12)
    parser.add_argument(
        "--backend",
        choices=("both", "settrace", "monitoring"),
        default="both" if has_monitoring else "settrace",
        help="recording backend(s) to measure (default: both on Python 3.12+)",
    )
    parser.add_argument("--only", action="append", choices=list(WORKLOADS), help="only this workload (repeatable)")
    parser.add_argument("--library", default="networkx", help="the library of the library_heavy workload (default: networkx)")
    args = parser.parse_args()
    has_viz = importlib.util.find_spec("viztracer") is not None
    has_torch = importlib.util.find_spec("torch") is not None
    has_library = importlib.util.find_spec(args.library) is not None
    backends = ["settrace", "monitoring"] if args.backend == "both" else [args.backend]
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        empty = tmp / "empty.py"
        empty.write_text("pass\n")
        for sample, (script, short, long) in WORKLOADS.items():
            if args.only and sample not in args.only:
                continue
            if sample == "torch_classifier" and (args.skip_torch or not has_torch):
                print(f"skipping {sample}: torch not installed" if not has_torch else f"skipping {sample}")
                continue
            if sample == "library_heavy" and not has_library:
                print(f"skipping {sample}: {args.library} not installed")
                continue
            sizes = {}
            runs = (("short", short),) if args.short_only else (("short", short), ("long x10", long))
            for label, wargs in runs:
                wargs = [a.replace("{tmp}", str(tmp)).replace("{library}", args.library) for a in wargs]
                trace_file = tmp / f"{sample}-{label[:4]}.ctrace"
                mon_file = tmp / f"{sample}-{label[:4]}.monitoring.ctrace"
                trace = [py, "-m", "codetour", "trace", "-q", "--force"]
                commands = {
                    "untraced": [py, str(script), *wargs],
                    "floor": [py, str(FLOOR), str(script), *wargs],
                    "startup": [*trace, "--backend", backends[0], "-o", str(tmp / "empty.ctrace"), str(empty)],
                    "python": [py, str(empty)],
                }
                if "settrace" in backends:
                    commands["codetour"] = [*trace, "--backend", "settrace", "-o", str(trace_file), str(script), *wargs]
                if "monitoring" in backends:
                    commands["monitoring"] = [*trace, "--backend", "monitoring", "-o", str(mon_file), str(script), *wargs]
                if "settrace" in backends:
                    commands.update(
                        {
                            # The same without the flusher thread (writes only every 20,000 events): what
                            # flushing twice a second, for durability, costs.
                            "count-flush": [
                                "env",
                                "CODETOUR_FLUSH_SECONDS=0",
                                *trace,
                                "--backend",
                                "settrace",
                                "-o",
                                str(trace_file) + ".count",
                                str(script),
                                *wargs,
                            ],
                        }
                    )
                if has_viz:
                    viz_out = tmp / f"{sample}-{label[:4]}.json"
                    commands["viztracer"] = [py, "-m", "viztracer", "--quiet", "-o", str(viz_out), "--", str(script), *wargs]
                m = interleaved(commands, cwd=tmp, repeat=args.repeat)
                main_file = trace_file if "settrace" in backends else mon_file
                main_run = m["codetour"] if "settrace" in backends else m["monitoring"]
                sizes[label] = main_file.stat().st_size
                base = m["untraced"]

                same = "n/a"
                if len(backends) == 2:
                    same = "yes" if trace_contents(trace_file) == trace_contents(mon_file) else "NO"
                row = [
                    sample,
                    label,
                    f"{base.seconds:.2f}s ({base.cpu_seconds:.2f}s cpu)",
                    f"{m['startup'].cpu_seconds - m['python'].cpu_seconds:.2f}s",
                    *_ratios(m, "codetour"),
                    _net(m, "codetour"),
                    *_ratios(m, "monitoring"),
                    _net(m, "monitoring"),
                    same,
                    f"{m['count-flush'].cpu_seconds / base.cpu_seconds:.2f}x" if "count-flush" in m else "n/a",
                    f"{m['floor'].seconds / base.seconds:.2f}x",
                    f"{m['viztracer'].seconds / base.seconds:.2f}x" if has_viz else "n/a",
                    f"{sizes[label] / 1e6:.2f} MB",
                    f"{base.max_rss_mb:.0f} MB",
                    f"{main_run.max_rss_mb:.0f} MB",
                    f"{main_run.max_rss_mb / base.max_rss_mb:.2f}x",
                ]
                rows.append(row)
            if args.short_only:
                continue
            growth = sizes["long x10"] / sizes["short"]
            rows.append([sample, "file growth for 10x work", *[""] * 12, f"{growth:.2f}x", "", "", ""])
    header = [
        "sample",
        "run",
        "untraced",
        "codetour startup",
        "settrace",
        "cpu",
        "cpu net of startup",
        "monitoring",
        "cpu",
        "cpu net of startup",
        "same trace",
        "cpu, no timed flush",
        "settrace floor",
        "viztracer ratio",
        "trace file",
        "rss plain",
        "rss traced",
        "rss ratio",
    ]
    print(f"Python {sys.version.split()[0]}; ratios are traced / untraced (wall, then CPU time)")
    print(table(rows, header))
    if not has_viz:
        print("\nviztracer not installed: pip install -r benchmarks/requirements.txt for the reference column")


if __name__ == "__main__":
    main()
