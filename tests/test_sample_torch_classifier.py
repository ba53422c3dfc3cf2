"""The torch sample trains to clearly better than chance. Skipped without PyTorch."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from conftest import TORCH_SAMPLE, requires_torch

pytestmark = [requires_torch, pytest.mark.torch]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"torch_sample_{name}", TORCH_SAMPLE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dataset_and_model_shapes():
    data, model = _load("data"), _load("model")
    ds = data.BlobDataset(size=10, num_features=16, num_classes=4, seed=0)
    x, y = ds[3]
    assert len(ds) == 10 and tuple(x.shape) == (16,) and 0 <= int(y) < 4
    net = model.MLPClassifier(16, 32, 4)
    assert tuple(net(ds.features).shape) == (10, 4)


def test_train_then_eval_beats_chance(tmp_path):
    ckpt = tmp_path / "clf.pt"
    train = subprocess.run(
        [sys.executable, str(TORCH_SAMPLE / "main.py"), "--mode", "train", "--checkpoint", str(ckpt)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert train.returncode == 0, train.stderr
    assert "epoch 3:" in train.stdout and ckpt.exists()
    evaluate = subprocess.run(
        [sys.executable, str(TORCH_SAMPLE / "main.py"), "--mode", "eval", "--checkpoint", str(ckpt)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert evaluate.returncode == 0, evaluate.stderr
    accuracy = float(evaluate.stdout.strip().rsplit(" ", 1)[1])
    assert accuracy > 0.6  # 4 classes: chance is 0.25
