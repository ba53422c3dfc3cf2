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
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ROOT, interleaved, table

FLOOR = Path(__file__).resolve().parent / "_settrace_floor.py"

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
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--short-only", action="store_true", help="only the short runs (a quick check)")
    args = parser.parse_args()
    has_viz = importlib.util.find_spec("viztracer") is not None
    has_torch = importlib.util.find_spec("torch") is not None
    py = sys.executable
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for sample, (script, short, long) in WORKLOADS.items():
            if sample == "torch_classifier" and (args.skip_torch or not has_torch):
                print(f"skipping {sample}: torch not installed" if not has_torch else f"skipping {sample}")
                continue
            sizes = {}
            runs = (("short", short),) if args.short_only else (("short", short), ("long x10", long))
            for label, wargs in runs:
                wargs = [a.replace("{tmp}", str(tmp)) for a in wargs]
                trace_file = tmp / f"{sample}-{label[:4]}.ctrace"
                commands = {
                    "untraced": [py, str(script), *wargs],
                    "floor": [py, str(FLOOR), str(script), *wargs],
                    "codetour": [py, "-m", "codetour", "trace", "-q", "-o", str(trace_file), str(script), *wargs],
                    # The same without the flusher thread (writes only every 20,000 events): what
                    # flushing twice a second, for durability, costs.
                    "count-flush": [
                        "env",
                        "CODETOUR_FLUSH_SECONDS=0",
                        py,
                        "-m",
                        "codetour",
                        "trace",
                        "-q",
                        "--force",
                        "-o",
                        str(trace_file) + ".count",
                        str(script),
                        *wargs,
                    ],
                }
                if has_viz:
                    viz_out = tmp / f"{sample}-{label[:4]}.json"
                    commands["viztracer"] = [py, "-m", "viztracer", "--quiet", "-o", str(viz_out), "--", str(script), *wargs]
                m = interleaved(commands, cwd=tmp, repeat=args.repeat)
                sizes[label] = trace_file.stat().st_size
                base = m["untraced"]
                row = [
                    sample,
                    label,
                    f"{base.seconds:.2f}s",
                    f"{m['codetour'].seconds:.2f}s",
                    f"{m['codetour'].seconds / base.seconds:.2f}x",
                    f"{m['codetour'].cpu_seconds / base.cpu_seconds:.2f}x",
                    f"{m['count-flush'].cpu_seconds / base.cpu_seconds:.2f}x",
                    f"{m['floor'].seconds / base.seconds:.2f}x",
                    f"{m['viztracer'].seconds / base.seconds:.2f}x" if has_viz else "n/a",
                    f"{sizes[label] / 1e6:.2f} MB",
                    f"{base.max_rss_mb:.0f} MB",
                    f"{m['codetour'].max_rss_mb:.0f} MB",
                    f"{m['codetour'].max_rss_mb / base.max_rss_mb:.2f}x",
                ]
                rows.append(row)
            if args.short_only:
                continue
            growth = sizes["long x10"] / sizes["short"]
            rows.append([sample, "file growth for 10x work", "", "", "", "", "", "", "", f"{growth:.2f}x", "", "", ""])
    header = [
        "sample",
        "run",
        "untraced",
        "codetour",
        "ratio",
        "cpu ratio",
        "cpu, no timed flush",
        "settrace floor",
        "viztracer ratio",
        "trace file",
        "rss plain",
        "rss traced",
        "rss ratio",
    ]
    print(table(rows, header))
    if not has_viz:
        print("\nviztracer not installed: pip install -r benchmarks/requirements.txt for the reference column")


if __name__ == "__main__":
    main()
