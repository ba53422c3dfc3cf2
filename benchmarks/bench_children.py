"""What following child processes costs (#18), measured side by side in one run.

    python benchmarks/bench_children.py                 # DataLoader and 2-rank DDP, 3 repeats
    python benchmarks/bench_children.py --repeat 5 --only dataloader --items 4000

Workloads:

- ``dataloader``: a DataLoader-heavy run (a Dataset whose ``__getitem__`` does Python-level
  preprocessing through a few helper functions, batches collated by a Python function, a small
  model step per batch), with ``num_workers`` 0 and 2 ('fork' workers, the Linux default).
- ``ddp``: ``sample_repos/ddp_tiny`` under ``torchrun --standalone --nproc-per-node 2``.
- ``pool``: a ``multiprocessing`` Pool of 2 'spawn' workers mapping a Python-heavy function (a
  generator expression per task), and the same work done in the parent (0 workers): no torch, so
  it also runs on the 3.12+ venvs, where the monitoring backend records.

Following children records the children's work at the price of recording it in the parent: the
"0 workers" rows give that price ("parent only/untraced" there), the "2 workers" rows what
following adds on top of tracing the parent alone.

Without torch only ``pool`` runs. ``--backend`` picks the recording backend (default: auto).

Each is run untraced, traced with ``--no-follow-children`` (the parent alone: its workers or
ranks run untraced) and traced with ``--follow-children`` (the default: every process records
its own shard). Figures are CPU seconds (user + system) of the command *and every process it
started and waited for*: ``os.wait4`` reports the child's usage including its reaped
descendants, which is where DataLoader workers and torchrun ranks spend theirs. The minimum over
the interleaved repeats is kept (the least disturbed run on a shared machine); wall time is
printed too. The ratio that matters is "follow / parent only": what recording the children adds
on top of tracing the parent alone. Target (#18): at most 1.10.

The workers' and ranks' share of the work is traced like the parent's would be; the extra is
that work's tracing overhead plus a fixed cost per child (importing codetour in a spawned child,
creating its shard, finishing it).
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

DDP = ROOT / "sample_repos" / "ddp_tiny" / "train.py"
WORKLOADS = ("dataloader", "ddp", "pool")

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


def commands(folder: Path, items: int, only: list[str], backend: str) -> dict[str, dict[str, list[str]]]:
    """workload -> variant -> command line."""
    py = sys.executable
    script = folder / "loader_heavy.py"
    script.write_text(DATALOADER)
    (folder / "pyproject.toml").touch()
    out = str(folder / "run.ctrace")
    trace = [py, "-m", "codetour", "trace", "-q", "--force", "--backend", backend, "-o", out]
    found: dict[str, dict[str, list[str]]] = {}
    if "pool" in only:
        pool = folder / "pool_heavy.py"
        pool.write_text(POOL)
        for workers in (0, 2):
            run = [str(pool), str(items), str(workers)]
            found[f"pool, {workers} spawn workers"] = {
                "untraced": [py, *run],
                "parent only": [*trace, "--no-follow-children", *run],
                "follow": [*trace, "--follow-children", *run],
            }
    if "dataloader" in only:
        for workers in (0, 2):
            run = [str(script), str(items), str(workers)]
            found[f"dataloader, {workers} workers"] = {
                "untraced": [py, *run],
                "parent only": [*trace, "--no-follow-children", *run],
                "follow": [*trace, "--follow-children", *run],
            }
    if "ddp" in only:
        ck = str(folder / "ck")
        run = ["--standalone", "--nproc-per-node", "2", str(DDP), "--steps", "8", "--out", ck]
        torchrun = [py, "-m", "torch.distributed.run"]
        found["ddp, 2 ranks"] = {
            "untraced": [*torchrun, *run],
            "parent only": [*trace, "--no-follow-children", "-m", "torch.distributed.run", *run],
            "follow": [*trace, "--follow-children", "-m", "torch.distributed.run", *run],
        }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--items", type=int, default=2000, help="dataset size of the DataLoader workload")
    parser.add_argument("--only", action="append", choices=WORKLOADS, help="run only these workloads")
    parser.add_argument("--backend", default="auto", choices=("auto", "settrace", "monitoring"))
    args = parser.parse_args()
    only = args.only or list(WORKLOADS)
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch is not installed: the dataloader and ddp workloads are skipped")
        only = [w for w in only if w == "pool"]
    env_flush = os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # as an installed codetour runs
    with tempfile.TemporaryDirectory(prefix="bench-children-") as tmp:
        folder = Path(tmp)
        work = commands(folder, args.items, only, args.backend)
        for variants in work.values():  # one untimed round: bytecode caches, page cache
            for cmd in variants.values():
                run_once(cmd, folder)
        results: dict[str, dict[str, list[Measure]]] = {w: {v: [] for v in vs} for w, vs in work.items()}
        for _ in range(args.repeat):
            for name, variants in work.items():
                for variant, cmd in variants.items():
                    results[name][variant].append(run_once(cmd, folder))
    if env_flush is not None:
        os.environ["PYTHONDONTWRITEBYTECODE"] = env_flush
    rows = []
    for name, variants in results.items():
        cpu = {v: min(m.cpu_seconds for m in ms) for v, ms in variants.items()}
        wall = {v: statistics.median(m.seconds for m in ms) for v, ms in variants.items()}
        rows.append(
            [
                name,
                f"{cpu['untraced']:.2f}",
                f"{cpu['parent only']:.2f}",
                f"{cpu['follow']:.2f}",
                f"{cpu['parent only'] / cpu['untraced']:.2f}x",
                f"{cpu['follow'] / cpu['untraced']:.2f}x",
                f"{cpu['follow'] / cpu['parent only']:.3f}x",
                f"{wall['untraced']:.1f} / {wall['parent only']:.1f} / {wall['follow']:.1f}",
            ]
        )
    header = [
        "workload",
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


if __name__ == "__main__":
    main()
