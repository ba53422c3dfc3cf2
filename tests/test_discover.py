"""Entry-point discovery over purpose-built fixture repos: every shape real ML repos use."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from conftest import PPO, TORCH_SAMPLE, run_cli

from codetour.discover import discover
from codetour.errors import InputError

TRAIN_BODY = """
import torch

def train(model, loader, optimizer):
    for x, y in loader:
        optimizer.zero_grad()
        loss = model(x).sum()
        loss.backward()
        optimizer.step()
"""
EVAL_BODY = """
import torch

@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    correct = 0
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum()
    accuracy = correct / len(loader)
    return accuracy
"""
ARGPARSE_MAIN = """
import argparse

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float)
    parser.add_argument("--epochs", type=int)
    args = parser.parse_args()

if __name__ == "__main__":
    main()
"""


def make_repo(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def paths(result) -> list[str]:
    return [e.path for e in result.entries]


def entry(result, path):
    return next(e for e in result.entries if e.path == path)


def test_sample_minimal_ppo():
    result = discover(PPO)
    assert result.primary == {"train": "train.py", "eval": "eval.py"}
    assert entry(result, "train.py").role == "train"
    assert entry(result, "eval.py").role == "eval"
    assert not any(p.startswith("ppo/") for p in paths(result)[:2])


def test_sample_torch_classifier_main_with_mode_flag():
    result = discover(TORCH_SAMPLE)
    assert result.primary == {"train": "main.py", "eval": "main.py"}
    main = entry(result, "main.py")
    assert main.roles[:2] == ["train", "eval"]
    assert main.mode_flag == "--mode"
    assert any("--mode train|eval" in r for r in main.reasons)
    assert main.args_for("eval") == ["--mode", "eval"]


def test_detectron_style_tools_folder_with_library_demo_and_tests(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "tools/train_net.py": "from detlib.engine import train\n" + ARGPARSE_MAIN,
            "tools/test_net.py": "from detlib.evaluation import evaluate\n" + ARGPARSE_MAIN,
            "detlib/__init__.py": "",
            "detlib/engine.py": TRAIN_BODY,
            "detlib/evaluation.py": EVAL_BODY,
            "detlib/layers.py": "def conv():\n    return 1\n\nif __name__ == '__main__':\n    print(conv())\n",
            "detlib/utils.py": "from detlib.layers import conv\n",
            "tests/test_engine.py": "def test_x():\n    assert True\n\nif __name__ == '__main__':\n    test_x()\n",
            "setup.py": "from setuptools import setup\nsetup(name='detlib')\n",
        },
    )
    result = discover(repo)
    assert result.primary == {"train": "tools/train_net.py", "eval": "tools/test_net.py"}
    assert "tests/test_engine.py" not in paths(result)
    assert "setup.py" not in paths(result)
    # a library module with a __main__ demo is not an entry point; it is listed as excluded, with why
    assert "detlib/layers.py" not in paths(result)
    excluded = {x.path: x for x in result.excluded}
    assert excluded["detlib/layers.py"].rule == "library_module"
    assert "imported by" in excluded["detlib/layers.py"].reason
    reasons = " ".join(entry(result, "tools/train_net.py").reasons)
    assert "via detlib/engine.py" in reasons and "loss.backward()" in reasons


def test_entry_named_in_readme_not_called_train(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "README.md": "# BERT\n\n```bash\npython scripts/run_pretraining.py --config base.json\n```\n",
            "scripts/run_pretraining.py": TRAIN_BODY + "\nif __name__ == '__main__':\n    train(None, [], None)\n",
            "scripts/convert_checkpoint.py": ARGPARSE_MAIN,
            "modeling.py": "class Bert:\n    pass\n",
        },
    )
    result = discover(repo)
    assert result.primary["train"] == "scripts/run_pretraining.py"
    top = result.entries[0]
    assert top.path == "scripts/run_pretraining.py"
    assert any("named in README.md as `python scripts/run_pretraining.py --config base.json`" in r for r in top.reasons)
    assert top.command == ["python", "scripts/run_pretraining.py", "--config", "base.json"]


def test_console_scripts_makefile_and_shell_commands(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'mt'\n[project.scripts]\nmt-train = 'mt.train:main'\n",
            "mt/__init__.py": "",
            "mt/train.py": TRAIN_BODY + "\ndef main():\n    train(None, [], None)\n",
            "mt/predict.py": "def main():\n    model.predict(1)\n",
            "Makefile": "eval:\n\tpython -m mt.evaluate --split test\n",
            "mt/evaluate.py": EVAL_BODY + "\ndef main():\n    evaluate(None, [])\n\nif __name__ == '__main__':\n    main()\n",
            "run.sh": "#!/bin/bash\nCUDA_VISIBLE_DEVICES=0 python finetune.py --lr 1e-4\n",
            "finetune.py": TRAIN_BODY + "\ntrain(None, [], None)\n",
        },
    )
    result = discover(repo)
    train = entry(result, "mt/train.py")
    assert any("console script `mt-train`" in r for r in train.reasons)
    evaluate = entry(result, "mt/evaluate.py")
    assert "eval" in evaluate.roles
    assert evaluate.command == ["python", "-m", "mt.evaluate", "--split", "test"]
    assert any("named in Makefile" in r for r in evaluate.reasons)
    finetune = entry(result, "finetune.py")
    assert finetune.role == "train" and any("named in run.sh" in r for r in finetune.reasons)
    assert result.primary["eval"] == "mt/evaluate.py"
    assert result.primary["train"] in ("mt/train.py", "finetune.py")


def test_hydra_and_absl_entry_points(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "run.py": "import hydra\n\n@hydra.main(config_path='conf', config_name='train')\ndef main(cfg):\n    loss.backward()\n    optimizer.step()\n\nif __name__ == '__main__':\n    main()\n",
            "conf/train.yaml": "lr: 0.1\n",
            "launch_eval.py": "from absl import app, flags\nflags.DEFINE_string('ckpt', None, 'checkpoint')\n\ndef main(argv):\n    model.eval()\n\nif __name__ == '__main__':\n    app.run(main)\n",
        },
    )
    result = discover(repo)
    run = entry(result, "run.py")
    assert "hydra" in run.cli and any("Hydra config 'train'" in r for r in run.reasons)
    assert result.primary["train"] == "run.py"
    assert entry(result, "launch_eval.py").cli == ["absl"]
    assert "eval" in entry(result, "launch_eval.py").roles
    assert result.primary["eval"] == "launch_eval.py"


def test_script_style_repo_with_no_main(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            # nanoGPT style: everything at module level, no main(), no __main__ guard
            "train.py": "import torch\nmodel = GPT()\noptimizer = torch.optim.AdamW(model.parameters())\nfor it in range(10):\n    loss = model(x)\n    loss.backward()\n    optimizer.step()\n    optimizer.zero_grad()\n",
            "sample.py": "import torch\nmodel = GPT()\nmodel.eval()\nwith torch.no_grad():\n    y = model.generate(x)\nprint(y)\n",
            "data/shakespeare/prepare.py": "import numpy as np\ndata = open('input.txt').read()\nids = encode(data)\nnp.save('train.bin', ids)\n",
            "model.py": "class GPT:\n    def generate(self, x):\n        return x\n",
        },
    )
    result = discover(repo)
    nano = entry(result, "train.py")
    assert any("module level" in r for r in nano.reasons)
    assert result.primary["train"] == "train.py"
    assert entry(result, "sample.py").role == "infer"
    assert entry(result, "data/shakespeare/prepare.py").role == "data"
    assert "model.py" not in paths(result)


def test_several_candidates_ranked_and_none(tmp_path):
    lib = make_repo(tmp_path / "lib", {"pkg/__init__.py": "", "pkg/core.py": "def f():\n    return 1\n"})
    result = discover(lib)
    assert result.entries == [] and result.primary == {"train": None, "eval": None}
    proc = run_cli("discover", str(lib))
    assert proc.returncode == 4 and "no entry points found" in proc.stderr


def test_robust_walk_skips_vendored_venvs_bad_files_and_loops(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "train.py": ARGPARSE_MAIN + "\nloss.backward()\n",
            "py2_script.py": "print 'hello'\n\nif __name__ == '__main__':\n    print 'x'\n",
            ".venv/lib/site-packages/torch/train.py": ARGPARSE_MAIN,
            "myenv/pyvenv.cfg": "home = /usr\n",
            "myenv/lib/train_helper.py": ARGPARSE_MAIN,
            "third_party/lib/train.py": ARGPARSE_MAIN,
            "node_modules/x/run.py": ARGPARSE_MAIN,
        },
    )
    (repo / "generated_pb2.py").write_text("X = 1\n" * 300_000)
    os.symlink(repo, repo / "loop")
    result = discover(repo)
    assert paths(result) == ["train.py"]
    assert result.parse_failures == ["py2_script.py"]
    assert result.too_large == ["generated_pb2.py"]


def test_cli_table_and_json(tmp_path):
    proc = run_cli("discover", str(PPO))
    assert proc.returncode == 0, proc.stderr
    assert "train.py" in proc.stdout and "★ primary train" in proc.stdout
    assert "train: python train.py" in proc.stdout
    proc = run_cli("discover", str(TORCH_SAMPLE), "--json")
    data = json.loads(proc.stdout)
    assert data["schema"] == "codetour.discover/1"
    assert data["primary"] == {"train": "main.py", "eval": "main.py"}
    assert data["entries"][0]["mode_values"] == {"train": "train", "eval": "eval"}


@pytest.mark.parametrize(
    ("make", "message", "code"),
    [
        (lambda p: p / "missing", "no such directory", 3),
        (lambda p: (p / "f.py").write_text("x = 1\n") and p / "f.py", "is a file, not a directory", 3),
        (lambda p: (p / "empty").mkdir() or p / "empty", "no Python files", 3),
    ],
)
def test_bad_paths_get_one_line_and_distinct_codes(tmp_path, make, message, code):
    target = make(tmp_path)
    with pytest.raises(InputError):
        discover(target)
    proc = run_cli("discover", str(target))
    assert proc.returncode == code
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_unreadable_file_is_reported_and_skipped(tmp_path, monkeypatch, capsys):
    repo = make_repo(tmp_path, {"train.py": ARGPARSE_MAIN, "secret.py": ARGPARSE_MAIN})
    real_read_text = Path.read_text

    def read_text(self, *args, **kwargs):  # root can read mode-000 files, so fail the read itself
        if self.name == "secret.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    result = discover(repo)
    assert paths(result) == ["train.py"]
    assert result.unreadable == [str(repo / "secret.py")]
    from codetour.cli import main

    assert main(["discover", str(repo)]) == 0
    assert f"skipped unreadable {repo / 'secret.py'}" in capsys.readouterr().err
