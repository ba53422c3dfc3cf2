"""Discovery on small fixture repos, one per failure pattern seen in real ML repos (issue 15):
README-headlined trainers in a folder of many, package launchers over exercises, linear
probes, benchmarks vs validation, Hydra train/eval pairs, data-building trainers,
exec()'d configurators, honest "none" answers, `python -m` modules, config modules and
libraries named like trainers. Plus `--explain` and the JSON contract."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from conftest import run_cli

from codetour.discover import discover
from codetour.discover.explain import explain, render_explanation

TRAIN_LOOP = """
import torch

def train(model, loader, optimizer, epochs):
    for epoch in range(epochs):
        for x, y in loader:
            optimizer.zero_grad()
            loss = model(x).sum()
            loss.backward()
            optimizer.step()
"""
ARGPARSE = """
import argparse

def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--epochs", type=int, default=1)
    return parser.parse_args()
"""
MAIN = "\nif __name__ == '__main__':\n    train(None, [], None, parse().epochs)\n"


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


def excluded(result) -> dict[str, str]:
    return {x.path: x.rule for x in result.excluded}


def trainer() -> str:
    return ARGPARSE + TRAIN_LOOP + MAIN


def test_readme_headlined_trainer_wins_in_a_folder_of_single_file_trainers(tmp_path):
    algos = ["a2c", "c51", "ddpg", "dqn", "ppo", "sac", "td3"]
    files = {f"rl/{name}.py": trainer() for name in algos}
    files["README.md"] = (
        "# RL\n\n## Get started\n\n```bash\npython rl/ppo.py --env-id CartPole-v1 --total-timesteps 50000\n```\n\n"
        "## Algorithms\n\n```bash\npython rl/dqn.py --env-id CartPole-v1\npython rl/c51.py --env-id CartPole-v1\n```\n"
    )
    result = discover(make_repo(tmp_path, files))
    assert result.primary["train"] == "rl/ppo.py"
    ppo = entry(result, "rl/ppo.py")
    assert ppo.command == ["python", "rl/ppo.py", "--env-id", "CartPole-v1", "--total-timesteps", "50000"]
    assert any("command #1 in the README under 'Get started'" in r for r in ppo.reasons)
    # the others are still listed as train entries, ranked below it
    assert {e.path for e in result.entries if e.role == "train"} == {f"rl/{n}.py" for n in algos}
    assert result.entries[0].path == "rl/ppo.py"


def test_package_launcher_run_with_python_m_outranks_exercises(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "spin/__init__.py": "",
            "spin/run.py": "import sys\n\ndef main():\n    algo = sys.argv[1]\n    run(algo)\n\nif __name__ == '__main__':\n    main()\n",
            "spin/algos/__init__.py": "",
            "spin/algos/ppo.py": "def ppo(env):\n    loss.backward()\n    optimizer.step()\n",
            "spin/exercises/problem_1.py": trainer(),
            "spin/utils/test_policy.py": "import argparse\n\ndef run(path):\n    model.eval()\n\n"
            "if __name__ == '__main__':\n    p = argparse.ArgumentParser()\n    p.add_argument('fpath')\n"
            "    run(p.parse_args().fpath)\n",
            "docs/running.rst": "Running\n=======\n\n::\n\n    python -m spin.run ppo --env LunarLander-v2 --epochs 50\n\n"
            "Testing a policy\n----------------\n\n::\n\n    python -m spin.run test_policy data/exp\n",
        },
    )
    result = discover(repo)
    assert result.primary["train"] == "spin/run.py"
    run = entry(result, "spin/run.py")
    assert run.module == "spin.run"
    assert run.command[:3] == ["python", "-m", "spin.run"]
    assert run.command_for("eval") == ["python", "-m", "spin.run", "test_policy", "data/exp"]
    exercise = entry(result, "spin/exercises/problem_1.py")
    assert exercise.score < run.score
    assert any("under exercises/ (secondary)" in r for r in exercise.reasons)


def test_linear_probe_eval_script_is_eval_and_pretraining_script_is_train(tmp_path):
    probe = (
        ARGPARSE
        + """
import torch

def main():
    backbone = load_pretrained()
    for p in backbone.parameters():
        p.requires_grad = False
    head = torch.nn.Linear(768, 1000)
    for x, y in loader:
        loss = criterion(head(backbone(x)), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print("accuracy", evaluate(head))

if __name__ == '__main__':
    main()
"""
    )
    repo = make_repo(
        tmp_path,
        {
            "eval_linear.py": probe,
            "main_pretrain.py": trainer(),
            "README.md": "## Training\n\n```\npython main_pretrain.py --epochs 100\n```\n\n"
            "## Evaluation: linear classification\n\n```\npython eval_linear.py --lr 0.01\n```\n",
        },
    )
    result = discover(repo)
    assert result.primary == {"train": "main_pretrain.py", "eval": "eval_linear.py"}
    linear = entry(result, "eval_linear.py")
    assert linear.role == "eval"
    assert any("fits a head on frozen features" in r for r in linear.reasons)


def test_validation_script_beats_benchmark_script_for_eval(tmp_path):
    bench = "import time, torch\n\n@torch.no_grad()\ndef bench(model):\n    model.eval()\n    t = time.time()\n    model(x)\n    print('top1', 0, 'ms', time.time() - t)\n\nif __name__ == '__main__':\n    bench(None)\n"
    val = "import torch\n\n@torch.no_grad()\ndef validate(model, loader):\n    model.eval()\n    return accuracy(model, loader)\n\nif __name__ == '__main__':\n    validate(None, [])\n"
    repo = make_repo(tmp_path, {"train.py": trainer(), "benchmarks.py": bench, "val.py": val})
    result = discover(repo)
    assert result.primary == {"train": "train.py", "eval": "val.py"}
    assert entry(result, "benchmarks.py").role == "other"


def test_hydra_template_eval_py_is_eval_even_though_train_py_tests(tmp_path):
    hydra_train = (
        "import hydra\n\n@hydra.main(config_path='../configs', config_name='train.yaml')\ndef main(cfg):\n"
        "    trainer.fit(model)\n    trainer.test(model)\n\nif __name__ == '__main__':\n    main()\n"
    )
    hydra_eval = (
        "import hydra\n\n@hydra.main(config_path='../configs', config_name='eval.yaml')\ndef main(cfg):\n"
        "    trainer.test(model, ckpt_path=cfg.ckpt_path)\n\nif __name__ == '__main__':\n    main()\n"
    )
    repo = make_repo(
        tmp_path,
        {
            "src/__init__.py": "",
            "src/train.py": hydra_train,
            "src/eval.py": hydra_eval,
            "configs/train.yaml": "x: 1\n",
            "configs/eval.yaml": "x: 1\n",
            "Makefile": "train:\n\tpython src/train.py\n",
        },
    )
    result = discover(repo)
    assert result.primary == {"train": "src/train.py", "eval": "src/eval.py"}
    assert entry(result, "src/train.py").roles[0] == "train"


def test_training_script_that_builds_its_datasets_is_train_not_data(tmp_path):
    text = (
        ARGPARSE
        + """
import json
from torch.utils.data import Dataset, DataLoader

class SupervisedDataset(Dataset):
    def __init__(self, path):
        self.items = json.load(open(path))
        self.tokens = tokenizer(self.items)

def make_data_module(path):
    return DataLoader(SupervisedDataset(path))

def train():
    data = make_data_module("data.json")
    trainer = Trainer(model=model, train_dataset=data)
    trainer.train()

if __name__ == '__main__':
    train()
"""
    )
    repo = make_repo(
        tmp_path, {"train.py": text, "prepare_data.py": "import json\njson.dump(load(), open('d.json', 'w'))\nprint('ok')\n"}
    )
    result = discover(repo)
    assert entry(result, "train.py").role == "train"
    assert any("builds its datasets, then trains" in r for r in entry(result, "train.py").reasons)
    assert entry(result, "prepare_data.py").role == "data"
    assert result.primary["train"] == "train.py"


def test_exec_configurator_and_config_modules_are_never_entries(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "train.py": "import torch\nbatch_size = 12\nexec(open('configurator.py').read())\nfor i in range(10):\n    loss.backward()\n    optimizer.step()\n",
            "configurator.py": "import sys\nfor arg in sys.argv[1:]:\n    exec(open(arg).read())\nprint('overrides applied')\n",
            "config/train_small.py": "out_dir = 'out'\nbatch_size = 4\n",
            "configs/_base_/model.py": "model = dict(type='ResNet', depth=50)\nschedule = dict(max_epochs=100)\n",
        },
    )
    result = discover(repo)
    assert paths(result) == ["train.py"]
    assert excluded(result)["configurator.py"] == "executed_by_others"
    x = explain(repo, "configurator.py")
    assert x.entry is None and x.verdict.vetoed_by is not None
    assert "executed by train.py via exec()" in "\n".join(render_explanation(x))


def test_library_named_like_a_trainer_is_not_listed(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "lib/__init__.py": "",
            "lib/trainer.py": "class Trainer:\n    def run(self):\n        loss.backward()\n        optimizer.step()\n\n"
            "def helper():\n    return 1\n\nclass Config:\n    pass\n\nif __name__ == '__main__':\n    Trainer().run()\n",
            "projects/chargpt.py": "from lib.trainer import Trainer\n\nif __name__ == '__main__':\n    trainer = Trainer()\n    trainer.run()\n",
        },
    )
    result = discover(repo)
    assert "lib/trainer.py" not in paths(result)
    assert excluded(result)["lib/trainer.py"] in ("library_module", "package_demo")
    # every runnable file lives under projects/: they are this repo's entries, not penalised
    assert result.primary["train"] == "projects/chargpt.py"


def test_no_eval_script_says_none_and_where_evaluation_runs(tmp_path):
    text = trainer() + "\ndef estimate_loss(model):\n    model.eval()\n    return 0\n"
    result = discover(make_repo(tmp_path, {"train.py": text, "sample.py": "model.eval()\nprint(model.generate(x))\n"}))
    assert result.primary == {"train": "train.py", "eval": None}
    assert result.notes["eval"] == "no separate eval entry; evaluation runs inside train.py (estimate_loss())"
    assert "train" not in result.notes


def test_training_in_a_notebook_says_none_and_points_at_it(tmp_path):
    notebook = json.dumps({"cells": [{"cell_type": "code", "source": ["loss.backward()\n", "optimizer.step()\n"]}]})
    repo = make_repo(
        tmp_path,
        {
            "tinygrad/__init__.py": "",
            "tinygrad/engine.py": "class Value:\n    def backward(self):\n        pass\n",
            "demo.ipynb": notebook,
        },
    )
    result = discover(repo)
    assert result.primary == {"train": None, "eval": None}
    assert result.notes["train"] == "no training script; training lives in notebook demo.ipynb"
    assert result.notebooks == ["demo.ipynb"]
    proc = run_cli("discover", str(repo))
    assert proc.returncode == 4
    assert "training lives in notebook demo.ipynb" in proc.stdout


def test_python_m_modules_and_torchrun_launchers_get_module_commands(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "scripts/base_train.py": "from nanochat.common import setup\n" + trainer(),
            "scripts/base_eval.py": "import argparse\n\n@torch.no_grad()\ndef main():\n    model.eval()\n    print('accuracy', evaluate(model))\n\n"
            "if __name__ == '__main__':\n    p = argparse.ArgumentParser()\n    p.add_argument('--split')\n    main()\n",
            "nanochat/__init__.py": "",
            "nanochat/common.py": "def setup():\n    return 1\n",
            "runs/speedrun.sh": "#!/bin/bash\ntorchrun --standalone --nproc_per_node=8 -m scripts.base_train -- --depth=20\n"
            "torchrun --standalone --nproc_per_node=8 -m scripts.base_eval -- --split val\n",
        },
    )
    result = discover(repo)
    assert result.primary == {"train": "scripts/base_train.py", "eval": "scripts/base_eval.py"}
    assert entry(result, "scripts/base_train.py").command == ["python", "-m", "scripts.base_train", "--depth=20"]
    assert entry(result, "scripts/base_eval.py").command == ["python", "-m", "scripts.base_eval", "--split", "val"]


def test_cd_then_dot_slash_commands_with_eval_only_continuation(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "tools/train_net.py": "from det.engine import launch\n"
            + ARGPARSE
            + MAIN.replace("train(None, [], None, parse().epochs)", "launch()"),
            "tools/benchmark.py": ARGPARSE + "\nif __name__ == '__main__':\n    parse()\n",
            "projects/PointRend/train_net.py": "from det.engine import launch\n" + ARGPARSE + MAIN,
            "det/__init__.py": "",
            "det/engine.py": "def launch():\n    loss.backward()\n    optimizer.step()\n",
            "GETTING_STARTED.md": "## Inference Demo\n\n```\ncd demo/\npython demo.py --input x.jpg\n```\n\n"
            "## Training & Evaluation in Command Line\n\n```\ncd tools/\n./train_net.py --num-gpus 8 \\\n  --config-file configs/mask_rcnn.yaml\n```\n\n"
            "To evaluate a model's performance, use\n\n```\n./train_net.py \\\n  --config-file configs/mask_rcnn.yaml \\\n"
            "  --eval-only MODEL.WEIGHTS /path/to/checkpoint_file\n```\n",
        },
    )
    result = discover(repo)
    assert result.primary == {"train": "tools/train_net.py", "eval": "tools/train_net.py"}
    net = entry(result, "tools/train_net.py")
    assert net.command == ["python", "tools/train_net.py", "--num-gpus", "8", "--config-file", "configs/mask_rcnn.yaml"]
    assert net.command_for("eval")[-3:] == ["--eval-only", "MODEL.WEIGHTS", "/path/to/checkpoint_file"]
    assert entry(result, "tools/benchmark.py").role == "other"


def test_console_script_subcommands_under_headings(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'lit'\n[project.scripts]\nlit = 'lit.__main__:main'\n",
            "lit/__init__.py": "",
            "lit/__main__.py": "from jsonargparse import CLI\nfrom lit.finetune import setup as finetune\n"
            "from lit.evaluate import run as evaluate\nfrom lit.act import relu, gelu\n\n"
            "PARSER_DATA = {'finetune': finetune, 'evaluate': evaluate}\nACTIVATIONS = {'relu': relu, 'gelu': gelu}\n\n"
            "def main():\n    CLI(PARSER_DATA)\n\nif __name__ == '__main__':\n    main()\n",
            "lit/act.py": "def relu(x):\n    return x\n\ndef gelu(x):\n    return x\n",
            "lit/finetune.py": "def setup():\n    loss.backward()\n    optimizer.step()\n",
            "lit/evaluate.py": "def run():\n    model.eval()\n",
            "README.md": "# lit\n\n## Finetune an LLM\n\n```bash\nlit finetune microsoft/phi-2 --data Alpaca\n```\n\n"
            "## Evaluate an LLM\n\n```bash\nlit evaluate microsoft/phi-2 --tasks mmlu\n```\n\nlit is great.\n",
        },
    )
    result = discover(repo)
    main = entry(result, "lit/__main__.py")
    assert main.roles[:2] == ["train", "eval"]
    assert main.commands["train"] == ["lit", "finetune", "microsoft/phi-2", "--data", "Alpaca"]
    assert main.command_for("eval") == ["lit", "evaluate", "microsoft/phi-2", "--tasks", "mmlu"]
    assert result.primary["train"] == "lit/__main__.py"
    # the modules its sub-command table runs are entries too, with the command that runs them
    finetune = entry(result, "lit/finetune.py")
    assert finetune.role == "train" and finetune.command == ["lit", "finetune"]
    assert any("run as `lit finetune` (lit/__main__.py dispatches to it)" in r for r in finetune.reasons)
    assert entry(result, "lit/evaluate.py").command == ["lit", "evaluate"]
    # a dict of functions that no CLI dispatches on is not a sub-command table
    assert "lit/act.py" not in paths(result)


def test_explain_cli_prints_every_rule_and_rejects_unknown_files(tmp_path):
    repo = make_repo(tmp_path, {"train.py": trainer(), "README.md": "```\npython train.py --lr 0.1\n```\n"})
    proc = run_cli("discover", str(repo), "--explain", "train.py")
    assert proc.returncode == 0, proc.stderr
    from codetour.discover.rules import RULES

    for r in RULES:
        assert r.name in proc.stdout
    assert "★ primary train" in proc.stdout
    assert "+ documented" in proc.stdout and "named in README.md as `python train.py --lr 0.1`" in proc.stdout
    data = json.loads(run_cli("discover", str(repo), "--explain", "train.py", "--json").stdout)
    assert data["primary_for"] == ["train"]
    fired = {r["rule"] for r in data["rules"] if r["verdict"]}
    assert {"main_guard", "cli", "documented", "name_role", "train_ops"} <= fired
    missing = run_cli("discover", str(repo), "--explain", "nope.py")
    assert missing.returncode == 3
    assert "no such file in the repo: nope.py" in missing.stderr and len(missing.stderr.strip().splitlines()) == 1


def test_json_keeps_the_old_fields_and_adds_evidence_notes_and_not_entries(tmp_path):
    repo = make_repo(
        tmp_path,
        {
            "train.py": trainer(),
            "lib/__init__.py": "",
            "lib/util.py": "def f():\n    return 1\n\ndef g():\n    return 2\n\ndef h():\n    return 3\n\nif __name__ == '__main__':\n    f()\n",
        },
    )
    proc = run_cli("discover", str(repo), "--json")
    data = json.loads(proc.stdout)
    assert data["schema"] == "codetour.discover/1"
    for key in ("root", "primary", "entries", "files_scanned", "skipped", "seconds"):
        assert key in data
    e = data["entries"][0]
    for key in (
        "path",
        "module",
        "role",
        "roles",
        "score",
        "confidence",
        "reasons",
        "command",
        "cli",
        "options",
        "mode_flag",
        "mode_values",
    ):
        assert key in e
    assert {ev["rule"] for ev in e["evidence"]} >= {"main_guard", "train_ops", "name_role"}
    assert e["reasons"] == [ev["reason"] for ev in e["evidence"] if ev["reason"]]
    assert data["notes"]["eval"] == "no evaluation entry point found"
    assert data["not_entries"] == [
        {"path": "lib/util.py", "rule": "package_demo", "reason": "a module of package lib; its __main__ block is a demo"}
    ]


def test_trainer_that_sampling_scripts_borrow_helpers_from_stays_the_train_entry(tmp_path):
    main = (
        "import argparse\nimport pytorch_lightning as pl\n\ndef instantiate_from_config(cfg):\n    return cfg\n\n"
        "if __name__ == '__main__':\n    p = argparse.ArgumentParser()\n    p.add_argument('--base')\n    p.add_argument('--train', action='store_true')\n"
        "    trainer = pl.Trainer()\n    trainer.fit(instantiate_from_config(p.parse_args().base))\n"
    )
    sampler = (
        "import argparse, torch\nfrom main import instantiate_from_config\n\n@torch.no_grad()\ndef main():\n"
        "    p = argparse.ArgumentParser()\n    p.add_argument('--steps', type=int, default=50)\n    p.add_argument('--n_iter', type=int, default=2)\n"
        "    model = instantiate_from_config(p.parse_args())\n    return sampler.sample(model)\n\nif __name__ == '__main__':\n    main()\n"
    )
    repo = make_repo(
        tmp_path,
        {
            "main.py": main,
            "scripts/inpaint.py": sampler,
            "scripts/txt2img.py": sampler,
            "README.md": "## Text-to-Image\n\n```\npython scripts/txt2img.py --prompt 'a horse' --plms\n```\n",
        },
    )
    result = discover(repo)
    assert result.primary == {"train": "main.py", "eval": None}
    assert "train" not in entry(result, "scripts/inpaint.py").roles
    assert any("imported by 2 other modules" in r for r in entry(result, "main.py").reasons)


def test_training_a_tokenizer_vocabulary_is_data_preparation(tmp_path):
    prep = (
        "import argparse\nimport sentencepiece as spm\n\ndef download():\n    pass\n\ndef train_vocab(size):\n"
        "    spm.SentencePieceTrainer.train(input='x.txt', vocab_size=size)\n\n"
        "if __name__ == '__main__':\n    p = argparse.ArgumentParser()\n"
        "    p.add_argument('stage', type=str, choices=['download', 'pretokenize', 'train_vocab'])\n    p.parse_args()\n"
    )
    repo = make_repo(
        tmp_path,
        {
            "tinystories.py": prep,
            "train.py": trainer(),
            "README.md": "## training\n\n```\npython tinystories.py download\npython tinystories.py train_vocab\npython train.py\n```\n",
        },
    )
    result = discover(repo)
    assert result.primary["train"] == "train.py"
    assert entry(result, "tinystories.py").role == "data"


def test_documented_command_forms_are_read_as_a_shell_would(tmp_path):
    from codetour.discover.commands import find_mentions

    readme = tmp_path / "README.md"
    text = (
        "# X\n\n## Quick start\n\n```bash\n"
        "uv run python rl/ppo.py --seed 1\n"
        "python -m torch.distributed.launch --nproc_per_node=8 --use_env main_dino.py --arch vit_small\n"
        "mpiexec -n 4 python scripts/image_train.py --lr 1e-4\n"
        "torchrun --standalone --nproc_per_node=8 -m scripts.base_train -- \\\n    --depth=12 \\\n```\n\n"
        "```python\n# ./src/models/module.py is an example path in a comment, not a command\n```\n"
    )
    readme.write_text(text)
    found = [(m.target, m.args, m.is_module, m.heading) for m in find_mentions(readme, text)]
    assert found == [
        ("rl/ppo.py", ("--seed", "1"), False, "Quick start"),
        ("main_dino.py", ("--arch", "vit_small"), False, "Quick start"),
        ("scripts/image_train.py", ("--lr", "1e-4"), False, "Quick start"),
        ("scripts.base_train", ("--depth=12",), True, "Quick start"),
    ]


def test_readme_headlined_thin_wrapper_beats_the_package_module_it_runs(tmp_path):
    package_enjoy = (
        "import argparse\n\ndef enjoy():\n    p = argparse.ArgumentParser()\n    p.add_argument('--algo')\n"
        "    p.add_argument('--env')\n    args = p.parse_args()\n    print('mean reward', evaluate(args))\n\n"
        "if __name__ == '__main__':\n    enjoy()\n"
    )
    repo = make_repo(
        tmp_path,
        {
            "zoo/__init__.py": "",
            "zoo/enjoy.py": package_enjoy,
            "zoo/train.py": trainer().replace("parse().epochs", "1"),
            "enjoy.py": "from zoo.enjoy import enjoy\n\nif __name__ == '__main__':\n    enjoy()\n",
            "train.py": "from zoo.train import train\n\nif __name__ == '__main__':\n    train(None, [], None, 1)\n",
            "README.md": "## Train an Agent\n\n```\npython train.py --algo ppo --env CartPole-v1\n```\n\n"
            "## Enjoy a Trained Agent\n\n```\npython enjoy.py --algo ppo --env CartPole-v1\n```\n",
            "docs/quickstart.md": "```\npython -m zoo.enjoy --algo ppo --env CartPole-v1\n```\n",
        },
    )
    result = discover(repo)
    assert result.primary == {"train": "train.py", "eval": "enjoy.py"}
    wrapper = entry(result, "enjoy.py")
    assert any("runs the command line of zoo/enjoy.py" in r for r in wrapper.reasons)
    # "Trained Agent" is about using a trained model, not training one
    assert "train" not in wrapper.roles
