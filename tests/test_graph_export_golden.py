"""Golden files: every export format of one small normalised trace, byte for byte.

The trace is recorded for real, then normalised (times become step numbers, paths sit
under ``/repo``, versions, pid and clock times are fixed), so the exports depend only on
codetour. A change to any exporter shows up here as a diff to review:

    CODETOUR_UPDATE_GOLDEN=1 python -m pytest tests/test_graph_export_golden.py

rewrites the files in ``tests/__snapshots__/golden_exports/``; look at the
diff before committing it. The files were made with the Python minor version and Graphviz
version written in ``MANIFEST``; on another version the comparison is skipped (code objects,
qualified names and Graphviz layouts differ between versions, not because of codetour).
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest
from conftest import run_cli

from codetour.export import ExportContext, formats
from codetour.graph import build_graph
from codetour.store.reader import TraceReader
from codetour.tour.model import load_tour

# Not named after this module: syrupy (the TUI's SVG snapshots) would take golden.svg.svg for
# an unused snapshot of it and delete it on --snapshot-update.
GOLDEN = os.path.join(os.path.dirname(__file__), "__snapshots__", "golden_exports")
UPDATE = os.environ.get("CODETOUR_UPDATE_GOLDEN") == "1"

MODEL = '''"""A tiny model, loss and optimizer on plain lists."""


class Linear:
    """One affine layer: y = w * x + b."""

    def __init__(self, w, b):
        self.w = w
        self.b = b

    def forward(self, xs):
        return [self.w * x + self.b for x in xs]


def mse_loss(ys, targets):
    """Mean squared error."""
    return sum((y - t) ** 2 for y, t in zip(ys, targets)) / len(ys)


class SGD:
    def __init__(self, model, lr):
        self.model = model
        self.lr = lr

    def step(self, grad_w, grad_b):
        self.model.w -= self.lr * grad_w
        self.model.b -= self.lr * grad_b
'''

TRAIN = '''"""Fit y = 2x + 1 with a tiny model for a few epochs."""

import argparse

from tiny.model import SGD, Linear, mse_loss


def parse_args(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05)
    return parser.parse_args(argv)


def batches(n):
    for i in range(n):
        xs = [i, i + 1, i + 2]
        yield xs, [2 * x + 1 for x in xs]


def train_one_epoch(model, optimizer, epoch):
    total = 0.0
    for xs, targets in batches(3):
        ys = model.forward(xs)
        loss = mse_loss(ys, targets)
        grad_w = sum(2 * (y - t) * x for y, t, x in zip(ys, targets, xs)) / len(xs)
        grad_b = sum(2 * (y - t) for y, t in zip(ys, targets)) / len(xs)
        optimizer.step(grad_w, grad_b)
        total += loss
    return total


def evaluate(model):
    xs = [10, 20]
    return mse_loss(model.forward(xs), [2 * x + 1 for x in xs])


def main(argv=None):
    args = parse_args(argv)
    model = Linear(0.5, 0.0)
    optimizer = SGD(model, args.lr)
    for epoch in range(args.epochs):
        train_one_epoch(model, optimizer, epoch)
    return round(evaluate(model), 6)


if __name__ == "__main__":
    print(main())
'''


TOUR = """# The tiny model
entry: train.py

A hand-written tour, so that this golden file follows the CodeTour exporter and not the
tour builder's wording.

## The settings
at: parse_args
file: train.py
match: return parser.parse_args

**Idea.** Epochs and learning rate come from the command line.

## The loss
at: mse_loss
file: tiny/model.py

**Idea.** The mean of the squared errors.

## The update
at: SGD.step
file: tiny/model.py
match: self.model.w -=

**Math.** w ← w − lr·∂L/∂w.
"""


def normalise(trace) -> None:
    """Times from step numbers, paths under /repo, fixed versions, pid and clock."""
    db = sqlite3.connect(trace)
    with db:
        meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        root = meta["root"]

        def under_repo(path: str) -> str:
            return "/repo" + path[len(root) :] if path.startswith(root) else path

        fixed = {
            "codetour_version": "0.0.0",
            "python_version": "3.x",
            "platform": "golden",
            "argv": [under_repo(a) for a in meta["argv"]],
            "entry": under_repo(meta.get("entry") or ""),
            "cwd": "/repo",
            "root": "/repo",
            "pid": 4242,
            "start_time": 0.0,
            "end_time": 1.0,
            "wall_s": 1.0,
        }
        for key, value in fixed.items():
            if key in meta:
                db.execute("UPDATE meta SET value = ? WHERE key = ?", (json.dumps(value), key))
        for file_id, path in db.execute("SELECT id, path FROM files").fetchall():
            db.execute("UPDATE files SET path = ? WHERE id = ?", (under_repo(path), file_id))
        db.execute("UPDATE events SET ts_ns = seq * 1000")
        db.execute("UPDATE frames SET start_ns = start_seq * 1000, end_ns = end_seq * 1000")
        db.execute("UPDATE functions SET total_ns = calls * 1000, self_ns = calls * 500")
        db.execute("UPDATE edges SET total_ns = calls * 1000")
    db.close()


def graphviz_version() -> str | None:
    exe = shutil.which("dot")
    if exe is None:
        return None
    out = subprocess.run([exe, "-V"], capture_output=True, text=True).stderr
    match = re.search(r"version (\S+)", out)
    return match.group(1) if match else out.strip()


def manifest() -> dict[str, str]:
    return {"python": f"{sys.version_info[0]}.{sys.version_info[1]}", "graphviz": graphviz_version() or "none"}


@pytest.fixture(scope="module")
def golden_trace(tmp_path_factory):
    repo = tmp_path_factory.mktemp("golden")
    (repo / "tiny").mkdir()
    (repo / "tiny" / "__init__.py").write_text("")
    (repo / "tiny" / "model.py").write_text(MODEL)
    (repo / "train.py").write_text(TRAIN)
    (repo / "tiny.md").write_text(TOUR)
    out = repo / "golden.ctrace"
    proc = run_cli("trace", "--root", str(repo), "-o", str(out), str(repo / "train.py"), cwd=repo)
    assert proc.returncode == 0, proc.stderr
    normalise(out)
    return out


def check_manifest(fmt: str) -> None:
    path = os.path.join(GOLDEN, "MANIFEST")
    here = manifest()
    if UPDATE:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("".join(f"{k}: {v}\n" for k, v in here.items()))
        return
    if not os.path.exists(path):
        pytest.fail("no golden files yet: run with CODETOUR_UPDATE_GOLDEN=1 and review them")
    with open(path, encoding="utf-8") as fh:
        made = dict(line.strip().split(": ", 1) for line in fh if ": " in line)
    if made.get("python") != here["python"]:
        pytest.skip(f"golden files were made on Python {made.get('python')}, this is {here['python']}")
    if fmt in ("svg", "png") and made.get("graphviz") != here["graphviz"]:
        pytest.skip(f"golden {fmt} was drawn by Graphviz {made.get('graphviz')}, this is {here['graphviz']}")


def render(trace, fmt: str) -> bytes:
    spec = formats()[fmt]
    options = {"tour": load_tour(trace.parent / "tiny.md")} if fmt == "codetour" else {}
    with TraceReader(trace) as reader:
        title = "codetour: " + " ".join(reader.meta.get("argv") or [])
        ctx = ExportContext(reader, build_graph(reader), title, options)
        buffer: io.BytesIO | io.StringIO = io.BytesIO() if spec.binary else io.StringIO()
        spec.write(ctx, buffer)
    data = buffer.getvalue()
    return data if isinstance(data, bytes) else data.encode("utf-8")


@pytest.mark.parametrize("fmt", sorted(formats()))
def test_golden_export(golden_trace, fmt):
    if fmt in ("svg", "png") and shutil.which("dot") is None:
        pytest.skip("Graphviz not installed")
    check_manifest(fmt)
    data = render(golden_trace, fmt)
    assert render(golden_trace, fmt) == data, "the export is not deterministic"
    path = os.path.join(GOLDEN, f"golden.{fmt}{formats()[fmt].suffix}")
    if UPDATE:
        with open(path, "wb") as fh:
            fh.write(data)
        return
    assert os.path.exists(path), f"no golden file {path}: run with CODETOUR_UPDATE_GOLDEN=1 and review it"
    with open(path, "rb") as fh:
        expected = fh.read()
    if not formats()[fmt].binary or fmt == "svg":
        assert data.decode("utf-8") == expected.decode("utf-8")  # a readable diff
    assert data == expected


def test_golden_trace_is_normalised(golden_trace):
    """Nothing machine-specific is left in what the goldens are made from."""
    with TraceReader(golden_trace) as reader:
        text = json.dumps(reader.meta) + json.dumps([f.path for f in reader.files.values()])
        assert reader.meta["root"] == "/repo" and all(f.path.startswith("/repo/") for f in reader.files.values())
    assert str(golden_trace.parent) not in text and sys.version.split()[0] not in text
