"""Tours: generated from real traces, hand-written ones kept honest, files that round-trip."""

from __future__ import annotations

import shutil

import pytest
from conftest import PPO, ROOT, TORCH_SAMPLE, requires_torch, run_cli

from codetour.store.reader import TraceReader
from codetour.tour.build import build_tour
from codetour.tour.model import TourFormatError, format_tour, load_tour, parse_tour
from codetour.tour.resolve import MISSING_FUNCTION, MISSING_LINE, MOVED, OK, check_tour, resolve_tour

TOURS = ROOT / "tours"


def _line(path, text):
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if text in t)


def test_generated_tour_of_ppo_finds_the_phases_in_order(ppo_trace):
    with TraceReader(ppo_trace) as reader:
        tour = build_tour(reader)
        resolved = resolve_tour(tour, reader)
    got = [(s.phase, s.at, s.file, s.line) for s in tour.stops]
    agent, train = PPO / "ppo/agent.py", PPO / "train.py"
    assert got == [
        ("config", "parse_args", "train.py", _line(train, "args = parser.parse_args(argv)")),
        ("environment", "train", "train.py", _line(train, "env = CartPole(seed=config.seed)")),
        ("model", "PPOAgent.__init__", "ppo/agent.py", _line(agent, "self.model = ActorCritic(")),
        ("training loop", "train", "train.py", _line(train, "for update in range(1, config.updates + 1)")),
        ("rollout", "PPOAgent.collect_rollout", "ppo/agent.py", _line(agent, "= env.step(action)")),
        ("batch", "PPOAgent.update", "ppo/agent.py", _line(agent, "for idx in buffer.minibatches")),
        ("forward", "PPOAgent.update", "ppo/agent.py", _line(agent, "= self.model.forward(buffer.obs[idx])")),
        ("loss", "ppo_loss", "ppo/loss.py", _line(PPO / "ppo/loss.py", "loss = policy_loss + vf_coef")),
        ("backward", "PPOAgent.update", "ppo/agent.py", _line(agent, "grads = self.model.backward(")),
        ("clipping", "PPOAgent.update", "ppo/agent.py", _line(agent, "clip_grad_norm(grads")),
        ("update", "PPOAgent.update", "ppo/agent.py", _line(agent, "self.optimizer.step(grads)")),
        ("checkpoint", "save_checkpoint", "train.py", _line(train, "np.savez(")),
        ("evaluation", "main", "train.py", _line(train, "returns = evaluate(")),
    ]
    assert all(r.status == OK for r in resolved), [(r.stop.title, r.message) for r in resolved]
    assert [r.line for r in resolved] == [s.line for s in tour.stops]
    seqs = [r.seq for r in resolved]
    assert seqs == sorted(seqs)  # execution order
    by_phase = {s.phase: s.narration for s in tour.stops}
    # run counts over the whole run, values at the moment named, the resolved config
    assert "The loop ran 2 iterations in this run." in by_phase["training loop"]
    assert "This line ran 20 times in the whole run." in by_phase["loss"]
    assert "This line ran 20 times in the whole run." in by_phase["update"]
    assert "This line ran 256 times in the whole run." in by_phase["rollout"]
    assert "`logits` = `ndarray float64[128, 2]" in by_phase["forward"]
    assert "Batch shapes: `idx` int64[128]" in by_phase["batch"]
    assert "`num_steps` = `128 (command line)`" in by_phase["config"] and "`lr` = `0.0025`" in by_phase["config"]
    assert "`evaluate` ran 1 time" in by_phase["evaluation"]
    assert "checkpoints/ckpt.npz" in by_phase["checkpoint"]
    assert "Not in this run" not in tour.description


@requires_torch
def test_generated_tour_of_torch_classifier(tmp_path):
    out = tmp_path / "tc.ctrace"
    proc = run_cli(
        "trace",
        "-o",
        str(out),
        str(TORCH_SAMPLE / "main.py"),
        "--mode",
        "train",
        "--epochs",
        "1",
        "--checkpoint",
        str(tmp_path / "c.pt"),
    )
    assert proc.returncode == 0, proc.stderr
    with TraceReader(out) as reader:
        tour = build_tour(reader)
    got = [(s.phase, s.at, s.match) for s in tour.stops]
    assert got == [
        ("config", "main", "args = parser.parse_args()"),
        ("data", "main", "train_loader, val_loader = build_loaders(cfg)"),
        ("model", "main", 'model = MLPClassifier(cfg["num_features"], cfg["hidden"], cfg["num_classes"])'),
        ("training loop", "train_one_epoch", "for features, labels in loader:"),
        ("forward", "train_one_epoch", "logits = model(features)"),
        ("loss", "train_one_epoch", "loss = loss_fn(logits, labels)"),
        ("backward", "train_one_epoch", "loss.backward()"),
        ("update", "train_one_epoch", "optimizer.step()"),
        ("evaluation", "main", "accuracy = evaluate(model, val_loader)"),
        ("checkpoint", "main", 'torch.save({"model": model.state_dict(), "config": cfg}, cfg["checkpoint"])'),
    ]
    loop = tour.stops[3]
    assert loop.title.startswith("The main loop + fetching a batch")
    assert "Batch shapes: `features` float32[" in loop.narration


@pytest.mark.parametrize("name", ["minimal_ppo", "torch_classifier"])
def test_hand_written_tours_round_trip_and_resolve(name):
    tour = load_tour(TOURS / f"{name}.md")
    again = parse_tour(format_tour(tour), "roundtrip")
    assert again.stops == tour.stops and again.title == tour.title and again.args == tour.args
    assert again.description == tour.description
    results = check_tour(tour, tour.repo_root())
    assert [r.status for r in results] == [OK] * len(tour.stops), [(r.stop.title, r.message) for r in results]


def test_ppo_tour_covers_the_algorithm():
    tour = load_tour(TOURS / "minimal_ppo.md")
    assert 10 <= len(tour.stops) <= 15
    text = format_tour(tour).lower()
    for topic in (
        "environment",
        "rollout",
        "advantage",
        "ratio",
        "clip",
        "value loss",
        "entropy",
        "minibatch",
        "adam",
        "evaluation",
    ):
        assert topic in text, topic
    assert all("**Math.**" in s.narration and "**Idea.**" in s.narration for s in tour.stops)


def test_ppo_tour_resolves_against_its_own_recording(tmp_path):
    tour = load_tour(TOURS / "minimal_ppo.md")
    proc = run_cli("tour", str(PPO), "--print", "-o", str(tmp_path / "t.ctrace"))
    assert proc.returncode == 0, proc.stderr
    assert "15/15 Evaluation with the greedy policy" in proc.stdout
    with TraceReader(tmp_path / "t.ctrace") as reader:
        resolved = resolve_tour(tour, reader)
    assert [r.status for r in resolved] == [OK] * 15, [(r.stop.title, r.message) for r in resolved]
    ratio = next(r for r in resolved if r.stop.title == "The probability ratio")
    assert ratio.line == next(i for i, t in enumerate((PPO / "ppo/loss.py").read_text().splitlines(), 1) if "ratio = np.exp" in t)
    assert ratio.observed["logp"].startswith("ndarray float64[128]")


def test_tour_check_catches_moved_and_deleted_functions(tmp_path):
    repo = tmp_path / "minimal_ppo"
    shutil.copytree(PPO, repo, ignore=shutil.ignore_patterns(".codetour", "checkpoints", "__pycache__"))
    tour_path = tmp_path / "tours" / "ppo.md"
    tour_path.parent.mkdir()
    tour = load_tour(TOURS / "minimal_ppo.md")
    tour.repo = "../minimal_ppo"
    tour_path.write_text(format_tour(tour))
    proc = run_cli("tour", "check", str(tour_path), "--update")
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert "15 ok, 0 moved, 0 broken" in proc.stderr
    # Move a function down by inserting lines above it: reported as moved, not broken.
    loss = repo / "ppo" / "loss.py"
    loss.write_text(loss.read_text().replace("def ppo_loss(", "# a comment\n# another\ndef ppo_loss(", 1))
    results = check_tour(load_tour(tour_path), repo)
    moved = [r for r in results if r.status == MOVED]
    assert len(moved) == 4 and all(r.file == "ppo/loss.py" for r in moved)
    proc = run_cli("tour", "check", str(tour_path))
    assert proc.returncode == 0 and "4 moved" in proc.stderr
    # Delete a function and change a line: broken, exit 1.
    optim = repo / "ppo" / "optim.py"
    optim.write_text(optim.read_text().replace("    def step(self", "    def apply(self"))
    storage = repo / "ppo" / "storage.py"
    storage.write_text(
        storage.read_text().replace(
            "next_advantage = delta + gamma * gae_lambda", "next_advantage = delta + (gamma * gae_lambda)"
        )
    )
    results = {r.stop.title: r.status for r in check_tour(load_tour(tour_path), repo)}
    assert results["The optimizer step (Adam)"] == MISSING_FUNCTION
    assert results["Advantage estimation (GAE)"] == MISSING_LINE
    proc = run_cli("tour", "check", str(tour_path))
    assert proc.returncode == 1 and "2 broken" in proc.stderr
    assert "missing function" in proc.stdout


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("# T\n\n## First\nfile: a.py\n\nnarration\n", "stop 1 ('First'): missing 'at:'"),
        ("# T\n\n## First\nat: f\nphase: lunch\n", "stop 1 ('First'): unknown phase 'lunch'"),
        ("# T\n\n## A\nat: f\n\n## B\nat: g\ncall: zero\n", "stop 2 ('B'): 'call:' must be a whole number"),
        ("# T\n\n## A\nat: f\nmatch: /[/\n", "stop 1 ('A'): 'match:' is not a valid regular expression"),
        ("# T\n\n## A\nat: f\nfile: x.py\nwhere: here\n", "stop 1 ('A'): unknown key 'where'"),
        ("no title\n", "starts with a '# Title' line"),
        ("# T\n\njust text\n", "the tour has no stops"),
    ],
)
def test_malformed_tour_names_file_stop_and_problem(tmp_path, text, problem):
    path = tmp_path / "bad.md"
    path.write_text(text)
    with pytest.raises(TourFormatError) as info:
        load_tour(path)
    assert str(path) in info.value.message and problem in info.value.message
    proc = run_cli("tour", "check", str(path))
    assert proc.returncode == 5 and problem in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_tour_build_and_print_markdown(ppo_trace, tmp_path):
    out = tmp_path / "gen.md"
    proc = run_cli("tour", "build", str(ppo_trace), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    tour = load_tour(out)
    assert tour.repo and (out.parent / tour.repo).resolve() == PPO.resolve()
    proc = run_cli("tour", "check", str(out))
    assert proc.returncode == 0, proc.stdout
    proc = run_cli("tour", "print", str(TOURS / "minimal_ppo.md"), "--trace", str(ppo_trace), "--markdown")
    assert proc.returncode == 0, proc.stderr
    md = proc.stdout
    assert md.startswith("# Minimal PPO, from the idea to the code")
    assert "```python" in md and "▶ " in md and "ratio = np.exp(logp - old_logprobs)" in md
    assert "Observed in the recording:" in md and "`logp` = `ndarray float64[128]" in md
    proc = run_cli("tour", "print", str(ppo_trace))
    assert proc.returncode == 0 and "The main loop" in proc.stdout


def test_tour_of_a_script_and_a_trace(ppo_trace, tmp_path):
    proc = run_cli("tour", "--print", str(ppo_trace))
    assert proc.returncode == 0 and "Backward pass" in proc.stdout and "The update" in proc.stdout
    script = tmp_path / "train_tiny.py"
    script.write_text(
        "import sys\n\ndef train(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n\nprint(train(int(sys.argv[1])))\n"
    )
    proc = run_cli("tour", "--print", str(script), "50")
    assert proc.returncode == 0, proc.stderr
    assert "1225" in proc.stderr  # the script's own output, with its argument: kept apart from the piped tour
    assert "1225" not in proc.stdout


def test_corrupt_or_foreign_trace_is_one_line(tmp_path):
    junk = tmp_path / "junk.ctrace"
    junk.write_bytes(b"\x00garbage" * 100)
    proc = run_cli("tour", str(junk), "--print")
    assert proc.returncode == 5 and "not a codetour trace" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    foreign = tmp_path / "other.sqlite"
    __import__("sqlite3").connect(foreign).execute("CREATE TABLE t (x)")
    proc = run_cli("tour", str(foreign), "--print")
    assert proc.returncode == 5 and "not a codetour trace" in proc.stderr
