"""Discovery on a big generated repo: 5,000 Python files (packages, scripts, tests,
unparsable and huge generated files), timed in one process.

    python benchmarks/bench_discover.py [--files 5000]

Target (issue 4): a few seconds on a 2-core machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from codetour.discover import discover

LIBRARY = '''"""Module {i} of package {p}."""
import torch
from torch import nn


class Block{i}(nn.Module):
    def __init__(self, dim: int = 64) -> None:
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        return self.proj(x).relu()


def helper_{i}(values):
    total = 0
    for v in values:
        total += v * {i}
    return total
'''
SCRIPT = """import argparse
from pkg{p}.mod0 import Block0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    model = Block0()
    for epoch in range(args.epochs):
        loss = model(None).sum()
        loss.backward()
        optimizer.step()


if __name__ == "__main__":
    main()
"""


def make_repo(root: Path, files: int) -> None:
    packages = max(files // 50, 1)
    written = 0
    (root / "README.md").write_text("# big\n\n```\npython tools/train_0.py --lr 0.1\n```\n")
    for p in range(packages):
        pkg = root / f"pkg{p}"
        pkg.mkdir()
        (pkg / "__init__.py").write_text("")
        written += 1
        for i in range(44):
            (pkg / f"mod{i}.py").write_text(LIBRARY.format(i=i, p=p))
            written += 1
        tests = root / "tests" / f"pkg{p}"
        tests.mkdir(parents=True)
        for i in range(3):
            (tests / f"test_mod{i}.py").write_text("import pytest\n\ndef test_x():\n    assert True\n")
            written += 1
        (root / "tools").mkdir(exist_ok=True)
        (root / "tools" / f"train_{p}.py").write_text(SCRIPT.format(p=p))
        (root / "tools" / f"eval_{p}.py").write_text(SCRIPT.format(p=p).replace("loss.backward()", "model.eval()"))
        written += 2
    (root / "legacy_py2.py").write_text("print 'python 2'\n")
    (root / "generated_pb2.py").write_text("X = 1\n" * 200_000)
    print(f"generated {written + 2:,} Python files in {packages} packages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        make_repo(root, args.files)
        start = time.perf_counter()
        cpu = time.process_time()
        result = discover(root)
        took = time.perf_counter() - start
        cpu = time.process_time() - cpu
        print(
            f"discover: {took:.2f}s ({cpu:.2f}s CPU) for {result.files_scanned:,} files; {len(result.entries)} entry points; "
            f"primary train {result.primary['train']}, eval {result.primary['eval']}; "
            f"skipped {len(result.parse_failures)} unparsable, {len(result.too_large)} too large"
        )


if __name__ == "__main__":
    main()
