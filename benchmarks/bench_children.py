"""What following child processes costs (#18), measured side by side in one run.

    python benchmarks/bench_children.py                 # every workload, 3 repeats
    python benchmarks/bench_children.py --repeat 5 --only dataloader --items 4000
    python benchmarks/bench_children.py --only ddp --only dataloader --dispatch both

Workloads:

- ``dataloader``: a DataLoader-heavy run (a Dataset whose ``__getitem__`` does Python-level
  preprocessing through a few helper functions, batches collated by a Python function, a small
  model step per batch), with ``num_workers`` 0 and 2 ('fork' workers, the Linux default).
- ``ddp``: ``sample_repos/ddp_tiny`` under ``torchrun --standalone --nproc-per-node 2``. Beside
  it, ``ddp, each rank its own trace``: the same 2 ranks, each started through a launcher that
  runs it either plainly ("untraced") or under a ``codetour trace`` of its own with
  ``--no-follow-children`` (the "parent only" column there: every rank is the traced main
  process of its own run, torchrun itself untraced). That is what tracing the ranks' work costs
  with no follower involved.
- ``pool``: a ``multiprocessing`` Pool of 2 'spawn' workers mapping a Python-heavy function (a
  generator expression per task), and the same work done in the parent (0 workers): no torch, so
  it also runs on the 3.12+ venvs, where the monitoring backend records.
- ``fixed``: 2 children that do nothing, started as new interpreters (``subprocess``) and as
  forks: what following costs per child before the child does any work (importing codetour in a
  new interpreter, creating the shard, finishing it).

Each is run untraced, traced with ``--no-follow-children`` (the parent alone: its workers or
ranks run untraced) and traced with ``--follow-children`` (the default: every process records
its own shard). Figures are CPU seconds (user + system) of the command *and every process it
started and waited for*: ``os.wait4`` reports the child's usage including its reaped
descendants, which is where DataLoader workers and torchrun ranks spend theirs. The minimum over
the interleaved repeats is kept (the least disturbed run on a shared machine); wall time is
printed too. The ratio that matters is "follow / parent only": what recording the children adds
on top of tracing the parent alone. Target (#18): at most 1.10.

The second table splits that extra (follow - parent only) into a fixed part (children x the
per-child cost of the ``fixed`` workload, of the same kind: new interpreter or fork) and the
part proportional to the children's work, and sets beside it what tracing the same work costs
in one process: for ``dataloader`` and ``pool`` the cost of tracing the work that moved into the
workers when the parent does it itself ((0 workers: parent only - untraced) - (2 workers: parent
only - untraced)), for ``ddp`` the cost of tracing each rank as its own main process. A
child's work is traced like the parent's would be, so "follow / parent only" cannot go below
"(parent only + that cost) / parent only" (the "floor" column): where the floor is above 1.10,
the target is out of reach for any follower, and only a cheaper tracer lowers it.

Last measured (2026-11-23, 2 shared cores, load average 3-7 from other engineers' runs,
Python 3.11.7 settrace with the C dispatcher), since libraries' module code runs untraced at
import (``codetour/trace/imports.py``): ``nice -n 5 python benchmarks/bench_children.py --only
ddp --only dataloader --repeat 3 --dispatch imports``. ddp follow/parent only 1.054x (1.186x with
imports traced, in the same rounds); each rank traced as its own main process costs 1.16x
untraced (1.23x with imports traced): torch's import, most of a rank's Python frames, is no
longer traced. dataloader (2 fork workers, 2,000 items) 1.109x (1.102x), its workers being forks
of a parent that imported torch already. CPU ratios on this machine move by 0.1 and more between
runs; instruction counts do not (callgrind, children included, ``PYTHONHASHSEED=0``, no timed
flush): dataloader with 2 fork workers untraced 15074M, parent only 15411M (1.022x), follow
16348M (1.084x untraced, **1.061x the parent only**): the target (#18: follow/parent only <= 1.10)
is met, by instruction count. Earlier (2026-11-22, before the import gate): ddp's floor
1.24x, follow/parent only 1.02-1.39x; the fixed cost per child 40-80 ms for a new interpreter,
under 15 ms for a fork; pool 6-7x (floor 5-7x): its work is pure repo code, which costs 10-14x
to trace in any process (3.12/3.13 monitoring: 5.8-6.0x, floor 4.8-5.6x).

``--dispatch imports`` runs every traced variant a second time with ``CODETOUR_UNTRACED_IMPORTS=0``
(imports traced, as before the import gate), in the same interleaved rounds.
``--dispatch both`` (settrace on CPython 3.10/3.11) runs every traced variant a second time
with ``CODETOUR_SPEEDUPS=0`` in its environment (inherited by the children), in the same
interleaved rounds: the pure-Python dispatch of sys.settrace's calls beside the C dispatcher
(``codetour/trace/_speedups.c``, which answers the calls for out-of-scope code in C). Each
table then has a row per dispatch, and a third table sets the two side by side (C / Python:
below 1 means the C dispatcher is cheaper). Which dispatch recorded is read from the trace's
``dispatch`` meta before the timed rounds; a variant that does not record with the dispatch
its row names stops the benchmark.

A run that fails is retried up to twice (gloo's rendezvous can abort a rank on a loaded
machine, traced or not); retries are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import ROOT, Measure, run_once, table

from codetour.store.reader import TraceReader

DDP = ROOT / "sample_repos" / "ddp_tiny" / "train.py"
WORKLOADS = ("dataloader", "ddp", "pool", "fixed")
# dispatch -> (the suffix of its variants' names, the environment prefix of its traced commands).
# "c-traced-imports": the C dispatcher with libraries' module code traced too, as before the import
# gate (codetour/trace/imports.py).
DISPATCHES = {
    "c": ("", []),
    "python": (" (Python dispatch)", ["env", "CODETOUR_SPEEDUPS=0"]),
    "c-traced-imports": (" (imports traced)", ["env", "CODETOUR_UNTRACED_IMPORTS=0"]),
}
# --dispatch -> the modes measured side by side
MODES = {"c": ["c"], "python": ["python"], "both": ["c", "python"], "imports": ["c", "c-traced-imports"]}

DATALOADER = textwrap.dedent(
    '''
    """A DataLoader-heavy run: Python preprocessing per item, a Python collate, a tiny model."""
    import sys

    import torch
    from torch.utils.data import DataLoader, Dataset


    def normalise(values):
        low, high = min(values), max(values)
        return [(v - low) / (high - low or 1.0) for v in values]


    def augment(values, index):
        return [v * (1.0 + 0.01 * (index % 7)) for v in values]


    class Records(Dataset):
        def __init__(self, n, width):
            self.n = n
            self.width = width

        def __len__(self):
            return self.n

        def __getitem__(self, index):
            raw = [float((index * 31 + j * 17) % 101) for j in range(self.width)]
            values = augment(normalise(raw), index)
            return torch.tensor(values), index % 3


    def collate(items):
        return torch.stack([x for x, _ in items]), torch.tensor([y for _, y in items])


    def main(items, workers):
        model = torch.nn.Linear(64, 3)
        loader = DataLoader(Records(items, 64), batch_size=32, num_workers=workers, collate_fn=collate)
        total = 0.0
        for x, y in loader:
            loss = torch.nn.functional.cross_entropy(model(x), y)
            total += loss.item()
        print(f"{total:.3f}")


    if __name__ == "__main__":
        main(int(sys.argv[1]), int(sys.argv[2]))
    '''
)


POOL = textwrap.dedent(
    '''
    """A Pool of spawned workers doing Python-level work (no torch)."""
    import multiprocessing as mp
    import sys


    def score(values):
        return sum(v * v for v in values) / len(values)


    def task(seed):
        values = [((seed * 7919 + i * 104729) % 1000) / 1000.0 for i in range(400)]
        return score(sorted(values))


    if __name__ == "__main__":
        n, workers = int(sys.argv[1]), int(sys.argv[2])
        if workers:
            with mp.get_context("spawn").Pool(workers) as pool:
                print(round(sum(pool.map(task, range(n), chunksize=8)), 3))
        else:  # the same work in the parent: what recording it costs in one process
            print(round(sum(map(task, range(n))), 3))
    '''
)


EMPTY = textwrap.dedent(
    '''
    """Children that do nothing: new interpreters (subprocess) or forks."""
    import os
    import subprocess
    import sys

    n, how = int(sys.argv[1]), sys.argv[2]
    for _ in range(n):
        if how == "spawn":
            subprocess.run([sys.executable, "-c", "pass"], check=True)
        else:
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
    '''
)

LAUNCHER = textwrap.dedent(
    '''
    """A torchrun rank that runs SCRIPT plainly or as the traced main process of its own codetour run."""
    import os
    import sys

    how, script, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    if how == "plain":
        os.execv(sys.executable, [sys.executable, script, *args])
    out = f"rank{os.environ['LOCAL_RANK']}.ctrace"
    trace = ["-m", "codetour", "trace", "-q", "--force", "--no-follow-children", "--backend", how, "-o", out]
    os.execv(sys.executable, [sys.executable, *trace, script, *args])
    '''
)

# (workload, its children: how many, of which kind) for the split of the extra cost
CHILDREN = {
    "dataloader, 2 workers": (2, "fork"),
    "ddp, 2 ranks": (2, "spawn"),
    "pool, 2 spawn workers": (2, "spawn"),
}
FIXED = {"spawn": "fixed, 2 empty subprocess children", "fork": "fixed, 2 empty fork children"}


def commands(folder: Path, items: int, only: list[str], backend: str, dispatches: list[str]) -> dict[str, dict[str, list[str]]]:
    """workload -> variant -> command line (the traced variants once per dispatch, their names suffixed)."""
    py = sys.executable
    script = folder / "loader_heavy.py"
    script.write_text(DATALOADER)
    (folder / "pyproject.toml").touch()
    out = str(folder / "run.ctrace")
    trace = [py, "-m", "codetour", "trace", "-q", "--force", "--backend", backend, "-o", out]
    found: dict[str, dict[str, list[str]]] = {}

    def variants(run: list[str]) -> dict[str, list[str]]:
        found = {"untraced": [py, *run]}
        for dispatch in dispatches:
            suffix, env = DISPATCHES[dispatch]
            found[f"parent only{suffix}"] = [*env, *trace, "--no-follow-children", *run]
            found[f"follow{suffix}"] = [*env, *trace, "--follow-children", *run]
        return found

    if "fixed" in only:
        empty = folder / "empty_children.py"
        empty.write_text(EMPTY)
        for how, name in FIXED.items():
            found[name] = variants([str(empty), "2", how])
    if "pool" in only:
        pool = folder / "pool_heavy.py"
        pool.write_text(POOL)
        for workers in (0, 2):
            found[f"pool, {workers} spawn workers"] = variants([str(pool), str(items), str(workers)])
    if "dataloader" in only:
        for workers in (0, 2):
            found[f"dataloader, {workers} workers"] = variants([str(script), str(items), str(workers)])
    if "ddp" in only:
        ck = str(folder / "ck")
        args = ["--steps", "8", "--out", ck]
        found["ddp, 2 ranks"] = variants(
            ["-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", str(DDP), *args]
        )
        # Every rank traced as the main process of a codetour run of its own: the launcher replaces
        # itself (exec: same pid, its CPU counted) by the rank, plain or under codetour trace.
        launcher = folder / "rank_launcher.py"
        launcher.write_text(LAUNCHER)
        ranks = [py, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2", str(launcher)]
        found["ddp, each rank its own trace"] = {"untraced": [*ranks, "plain", str(DDP), *args]}
        for dispatch in dispatches:
            suffix, env = DISPATCHES[dispatch]
            found["ddp, each rank its own trace"][f"parent only{suffix}"] = [*env, *ranks, backend, str(DDP), *args]
    return found


def recorded_dispatch(folder: Path, backend: str, env: list[str]) -> str:
    """The dispatch a ``codetour trace`` run with this environment prefix records with (its trace's meta)."""
    script = folder / "dispatch_probe.py"
    script.write_text("def f():\n    return 1\n\n\nf()\n")
    out = folder / "dispatch_probe.ctrace"
    run_once(
        [*env, sys.executable, "-m", "codetour", "trace", "-q", "--force", "--backend", backend, "-o", str(out), str(script)],
        folder,
    )
    with TraceReader(out) as reader:
        meta = reader.meta
    recorded = str(meta.get("dispatch") or meta.get("backend") or "?")
    return f"{recorded}-traced-imports" if meta.get("library_imports") == "traced" and recorded != "monitoring" else recorded


def measure(cmd: list[str], folder: Path) -> Measure:
    """One run; a failed run is retried up to twice (said on stderr), a third failure stops the benchmark."""
    for attempt in range(3):
        try:
            return run_once(cmd, folder)
        except SystemExit as failure:
            if attempt == 2:
                raise
            print(f"retrying after a failure: {str(failure).splitlines()[0][:300]}", file=sys.stderr, flush=True)
    raise AssertionError("unreachable")


def split(cpu: dict[str, dict[str, float]], suffix: str) -> tuple[list[list[str]], str]:
    """The second table's rows for one dispatch, and the fixed cost per child of each kind, as text."""
    po, fo = f"parent only{suffix}", f"follow{suffix}"
    fixed = {how: (cpu[name][fo] - cpu[name][po]) / 2 for how, name in FIXED.items() if name in cpu}
    rows = []
    for name, (n, how) in CHILDREN.items():
        if name not in cpu:
            continue
        v = cpu[name]
        extra = v[fo] - v[po]
        if name.startswith("ddp"):
            alone = cpu.get("ddp, each rank its own trace")
            same = alone[po] - alone["untraced"] if alone else None
        else:
            zero = cpu.get(name.replace("2 ", "0 ", 1))
            same = (zero[po] - zero["untraced"]) - (v[po] - v["untraced"]) if zero else None
        fixed_part = n * fixed[how] if how in fixed else None
        rows.append(
            [
                name,
                f"{extra:.2f}",
                f"{n} {how}",
                "-" if fixed_part is None else f"{fixed_part:.2f}",
                "-" if fixed_part is None else f"{extra - fixed_part:.2f}",
                "-" if same is None else f"{same:.2f}",
                f"{v[fo] / v[po]:.3f}x",
                "-" if same is None else f"{(v[po] + same) / v[po]:.3f}x",
            ]
        )
    return rows, ", ".join(f"{how} {1000 * cost:.0f} ms" for how, cost in fixed.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--items", type=int, default=2000, help="dataset size of the DataLoader workload")
    parser.add_argument("--only", action="append", choices=WORKLOADS, help="run only these workloads")
    parser.add_argument("--backend", default="auto", choices=("auto", "settrace", "monitoring"))
    parser.add_argument(
        "--dispatch",
        default="c",
        choices=tuple(MODES),
        help="settrace on 3.10/3.11: the C dispatcher (default, where built), the pure-Python dispatch "
        "(CODETOUR_SPEEDUPS=0), both side by side, or 'imports': the C dispatcher with libraries' "
        "imports untraced (the default) and traced (CODETOUR_UNTRACED_IMPORTS=0) side by side",
    )
    args = parser.parse_args()
    only = args.only or list(WORKLOADS)
    dispatches = MODES[args.dispatch]
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch is not installed: the dataloader and ddp workloads are skipped")
        only = [w for w in only if w in ("pool", "fixed")]
    env_flush = os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed codetour runs
    with tempfile.TemporaryDirectory(prefix="bench-children-") as tmp:
        folder = Path(tmp)
        recorded = {d: recorded_dispatch(folder, args.backend, DISPATCHES[d][1]) for d in dispatches}
        if args.dispatch == "both" and recorded["c"] != "c":
            print(f"the C dispatcher is not in use here (the trace says {recorded['c']!r}): both rows record alike")
        elif args.dispatch == "imports" and recorded["c"] == recorded["c-traced-imports"]:
            print(f"imports are traced alike in both rows here (the traces say {recorded['c']!r})")
        elif any(recorded[d] not in (d, "monitoring") for d in dispatches):
            raise SystemExit(f"the traces do not record with the dispatch asked for: {recorded}")
        work = commands(folder, args.items, only, args.backend, dispatches)
        for variants in work.values():  # one untimed round: bytecode caches, page cache
            for cmd in variants.values():
                measure(cmd, folder)
        results: dict[str, dict[str, list[Measure]]] = {w: {v: [] for v in vs} for w, vs in work.items()}
        for _ in range(args.repeat):
            for name, variants in work.items():
                for variant, cmd in variants.items():
                    results[name][variant].append(measure(cmd, folder))
    if env_flush is not None:
        os.environ["PYTHONDONTWRITEBYTECODE"] = env_flush
    cpu_all = {name: {v: min(m.cpu_seconds for m in ms) for v, ms in variants.items()} for name, variants in results.items()}
    rows = []
    for name, variants in results.items():
        cpu = cpu_all[name]
        wall = {v: statistics.median(m.seconds for m in ms) for v, ms in variants.items()}
        for dispatch in dispatches:
            suffix = DISPATCHES[dispatch][0]
            po, fo = f"parent only{suffix}", f"follow{suffix}"
            follow = fo in cpu
            rows.append(
                [
                    name,
                    recorded[dispatch],
                    f"{cpu['untraced']:.2f}",
                    f"{cpu[po]:.2f}",
                    f"{cpu[fo]:.2f}" if follow else "-",
                    f"{cpu[po] / cpu['untraced']:.2f}x",
                    f"{cpu[fo] / cpu['untraced']:.2f}x" if follow else "-",
                    f"{cpu[fo] / cpu[po]:.3f}x" if follow else "-",
                    " / ".join(f"{wall[v]:.1f}" for v in ("untraced", po, fo) if v in wall),
                ]
            )
    header = [
        "workload",
        "dispatch",
        "untraced cpu s",
        "parent only",
        "follow",
        "parent only/untraced",
        "follow/untraced",
        "follow/parent only",
        "wall s (u / p / f)",
    ]
    print(f"Python {sys.version.split()[0]}, backend {args.backend}, {args.repeat} repeats (min CPU incl. children; median wall)")
    print(table(rows, header))
    print("target (#18): follow/parent only <= 1.10")
    extra_rows: list[list[str]] = []
    for dispatch in dispatches:
        part, per_child = split(cpu_all, DISPATCHES[dispatch][0])
        extra_rows += [[row[0], recorded[dispatch], *row[1:]] for row in part]
        if per_child:
            print(f"fixed cost per child, {recorded[dispatch]} dispatch (follow - parent only of 'fixed', / 2): {per_child}")
    if extra_rows:
        print()
        print(
            "Where following's extra CPU goes (seconds; floor = follow/parent only if each child cost what tracing its work in one process costs)"
        )
        extra_header = ["workload", "dispatch", "extra cpu s", "children", "fixed", "proportional"]
        extra_header += ["same work traced in 1 process", "follow/parent only", "floor"]
        print(table(sorted(extra_rows, key=lambda row: row[0]), extra_header))
    if len(dispatches) == 2:
        first, second = dispatches
        print()
        print(f"{first} / {second} (CPU; 'tracing' is traced - untraced, what recording adds)")
        side = []
        for name, cpu in cpu_all.items():
            cells = [name]
            for variant in ("parent only", "follow"):
                if variant not in cpu:
                    cells += ["-", "-"]
                    continue
                c, py = cpu[variant + DISPATCHES[first][0]], cpu[variant + DISPATCHES[second][0]]
                cells += [f"{c / py:.3f}x", f"{(c - cpu['untraced']) / (py - cpu['untraced']):.3f}x"]
            side.append(cells)
        print(table(side, ["workload", "parent only", "tracing (parent only)", "follow", "tracing (follow)"]))


if __name__ == "__main__":
    main()
