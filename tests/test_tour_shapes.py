"""Generated tours on fixture scripts of each code shape, traced for real: exact phase -> file:line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import has_torch, trace_script

from codetour.store.reader import TraceReader
from codetour.tour.build import build_tour
from codetour.tour.render import resolve_in_other_processes
from codetour.tour.resolve import OK, resolve_tour

SHAPES = Path(__file__).resolve().parent / "data" / "shapes"


def line_of(path: Path, text: str) -> int:
    hits = [i for i, t in enumerate(path.read_text().splitlines(), 1) if text in t]
    assert len(hits) == 1, (text, hits)
    return hits[0]


def tour_of(tmp_path: Path, script: Path, *args: str, root: Path | None = None):
    proc, trace = trace_script(tmp_path, script, *args, root=root or SHAPES, cwd=tmp_path)
    with TraceReader(trace) as reader:
        tour = build_tour(reader)
        resolved = resolve_tour(tour, reader)
    assert all(r.status == OK for r in resolved), [(r.stop.title, r.message) for r in resolved]
    assert [r.line for r in resolved] == [s.line for s in tour.stops]  # the stop resolves to the line it names
    seqs = [r.seq for r in resolved if r.stop.phase != "crash"]  # a crash inside a folded iteration has no line step
    assert seqs == sorted(seqs)  # execution order
    return proc, tour


def expect(path: Path, pairs: list[tuple[str, str]]) -> list[tuple[str, int]]:
    return [(phase, line_of(path, text)) for phase, text in pairs]


def test_module_level_loop(tmp_path):
    script = SHAPES / "module_loop.py"
    proc, tour = tour_of(tmp_path, script, "w.npy")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "lr = 0.1"),
            ("data", "X = rng.normal(size=(64, 3))"),
            ("model", "model = Linear(3)"),
            ("training loop", "for step in range(steps):"),
            ("batch", "xb, yb = get_batch(step)"),
            ("forward", "pred = model.forward(xb)"),
            ("loss", "loss = np.mean(diff**2)"),
            ("backward", "grads = model.backward(xb, dpred)"),
            ("update", "opt.step(grads)"),
            ("evaluation", "val = evaluate(model)"),
            ("checkpoint", "np.save(out_path"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert all(s.at == "<module>" for s in tour.stops if s.phase not in ("loss",))
    assert "The loop ran 12 iterations in this run." in by["training loop"]
    assert "This line ran 12 times in the whole run." in by["update"]
    assert "This line ran 3 times in the whole run." in by["evaluation"]  # steps 0, 5, 10
    assert "Batch shapes: `xb` float64[8, 3], `yb` float64[8]" in by["batch"]
    assert "- `lr` = `0.1`" in by["config"] and "- `batch_size` = `8`" in by["config"] and "- `eval_every` = `5`" in by["config"]
    assert "`w.npy`" in by["checkpoint"] and "bytes now" in by["checkpoint"]
    # every evaluation's result and the loss over the whole run, as the script printed them
    printed = re.findall(r"step (\d+): loss ([\d.]+) val ([\d.]+)", proc.stdout)
    assert len(printed) == 3
    shown = re.search(r"Every result \(3\): ([\d.]+), ([\d.]+), ([\d.]+) [▁-█]{3}\.", by["evaluation"])
    assert shown is not None, by["evaluation"]
    assert [float(x) for x in shown.groups()] == pytest.approx([float(p[2]) for p in printed], abs=6e-4)
    loss = re.search(r"`loss`: ([\d.]+) → ([\d.]+) over 12 iterations of the loop at line (\d+)", by["loss"])
    assert loss is not None, by["loss"]
    assert float(loss.group(1)) == pytest.approx(float(printed[0][1]), abs=6e-4)  # step 0's loss comes first
    assert int(loss.group(3)) == line_of(script, "for step in range(steps):")
    assert "Not in this run" not in tour.description


def test_function_loop_with_argparse(tmp_path):
    script = SHAPES / "function_loop.py"
    proc, tour = tour_of(tmp_path, script, "--epochs", "2", "--out", "m.npz")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "args = parser.parse_args()"),
            ("data", "x, y = make_data(64, args.seed)"),
            ("model", "model = Linear(x.shape[1], args.seed)"),
            ("training loop", "for epoch in range(args.epochs):"),
            ("batch", "xb, yb = x[start"),
            ("forward", "pred = model.forward(xb)"),
            ("loss", "loss = np.mean(diff**2)"),
            ("backward", "grads = model.backward(xb, dpred)"),
            ("update", "opt.step(grads)"),
            ("checkpoint", "np.savez(args.out"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "- `epochs` = `2 (command line)`" in by["config"] and "- `lr` = `0.05`" in by["config"]
    assert "- `batch_size` = `16`" in by["config"] and "- `out` = `'m.npz' (command line)`" in by["config"]
    assert "The loop ran 2 iterations in this run." in by["training loop"]
    assert "This line ran 8 times in the whole run." in by["update"]  # 2 epochs x 4 batches, Momentum.step calls
    assert "no evaluation ran" in tour.description and "checkpoint" not in tour.description.split("Not in this run")[1]


def test_method_loop_in_a_trainer_class(tmp_path):
    script = SHAPES / "trainer_class.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.at, s.line) for s in tour.stops] == [
        ("config", "<module>", line_of(script, "trainer = Trainer(Config()")),
        ("model", "Trainer.__init__", line_of(script, "self.model = Linear(x.shape[1])")),
        ("training loop", "Trainer.fit", line_of(script, "for i in range(self.cfg.steps):")),
        ("batch", "Trainer.fit", line_of(script, "xb, yb = self.batch(i)")),
        ("forward", "Trainer.fit", line_of(script, "pred = self.model.forward(xb)")),
        ("loss", "Trainer.loss", line_of(script, "value = np.mean(diff**2)")),
        ("backward", "Trainer.fit", line_of(script, "grads = self.model.backward(xb, dpred)")),
        ("update", "Trainer.fit", line_of(script, "self.opt.step(grads)")),
    ]
    assert "no evaluation ran" in tour.description and "no checkpoint was written in this run" in tour.description


def test_library_driven_loop(tmp_path):
    repo = SHAPES / "library_repo"
    script = repo / "train.py"
    proc, tour = tour_of(tmp_path, script, root=repo)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.at, s.line) for s in tour.stops] == [
        ("model", "<module>", line_of(script, "model = Regressor(2)")),  # the object the library calls back
        ("training loop", "<module>", line_of(script, "losses = Trainer(max_steps=7, save_dir=save_dir)")),
        ("batch", "Regressor.training_step", line_of(script, "x, y = batch[0], batch[1]")),
        ("forward", "Regressor.training_step", line_of(script, "pred = self.forward(x_in)")),
        ("loss", "Regressor.training_step", line_of(script, "loss = np.mean(diff**2)")),
        ("backward", "Regressor.training_step", line_of(script, "grads = self.backward(x_in, 2 * diff / len(y))")),
        ("update", "Regressor.training_step", line_of(script, "self.opt.step(grads)")),
    ]
    loop = tour.stops[1].narration
    assert "library code called from here loops over `Regressor.training_step` (7 calls)" in loop
    assert "This line ran 7 times in the whole run." in tour.stops[6].narration
    assert "no checkpoint was written in this run" in tour.description


def test_framework_hooks_sharing_a_model_step(tmp_path):
    """Lightning's shape: the framework calls training_step and validation_step, which share model_step (it
    unpacks the batch handed in, runs the forward pass, computes the loss). The batch is the unpacking in
    model_step; the evaluation is validation_step itself (not the shared helper, not the fit call)."""
    repo = SHAPES / "library_repo"
    script = repo / "train_hooks.py"
    proc, tour = tour_of(tmp_path, script, root=repo)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.at, s.line) for s in tour.stops] == [
        ("model", "<module>", line_of(script, "model = LitRegressor(2, lr=0.1)")),
        ("training loop", "<module>", line_of(script, "losses = Trainer(max_steps=8).fit(model, batches)")),
        ("batch", "LitRegressor.model_step", line_of(script, "x, y = batch")),
        ("forward", "LitRegressor.model_step", line_of(script, "pred = self.forward(x)")),
        ("loss", "LitRegressor.model_step", line_of(script, "loss = np.mean((pred - y) ** 2)")),
        ("backward", "LitRegressor.training_step", line_of(script, "grad = 2 * x.T @ (pred - y) / len(y)")),
        ("update", "LitRegressor.training_step", line_of(script, 'self.params["w"] -= self.lr * grad')),
        ("evaluation", "LitRegressor.validation_step", line_of(script, "loss, _, _, _ = self.model_step(batch)")),
    ]
    batch = {s.phase: s.narration for s in tour.stops}["batch"]
    assert "the batch handed to `LitRegressor.model_step`" in batch


def test_a_checkpoint_the_library_wrote_is_not_called_missing(tmp_path):
    """When the framework saves (a checkpoint callback), no repo line does: the tour says what the library
    wrote while the run went on, at the line that handed it the loop, instead of 'no checkpoint'."""
    repo = SHAPES / "library_repo"
    script = repo / "train.py"
    proc, tour = tour_of(tmp_path, script, "ckpts", root=repo)
    assert proc.returncode == 0, proc.stderr
    loop = next(s for s in tour.stops if s.phase == "training loop")
    assert loop.line == line_of(script, "losses = Trainer(max_steps=7, save_dir=save_dir)")
    assert loop.title == "The main loop + saving a checkpoint: <module>"  # one stop, both phases
    size = (tmp_path / "ckpts" / "step=7.pkl").stat().st_size
    assert f"library code wrote `ckpts/step=7.pkl` ({size:,} bytes)" in loop.narration
    assert "no checkpoint was written" not in tour.description


def test_crash_mid_loop_stops_at_the_raising_line(tmp_path):
    script = SHAPES / "crash_loop.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode != 0
    crash = tour.stops[-1]
    assert (crash.phase, crash.at, crash.line) == ("crash", "<module>", line_of(script, "raise RuntimeError"))
    assert "Raised `RuntimeError`: 'diverged at step 3'" in crash.narration
    # step 3 is past the 3 recorded iterations, but the raise is a line never recorded before: that iteration is
    # recorded in detail, so the locals shown are the crash's own (step 3), on every Python
    assert "earlier iteration" not in crash.narration and "`step` = `3`" in crash.narration, crash.narration
    assert "The run did not finish normally" in tour.description


@pytest.mark.parametrize("name", ["module_loop.py", "function_loop.py", "trainer_class.py"])
def test_no_stop_names_a_phase_twice_or_stops_twice_on_a_line(tmp_path, name):
    _, tour = tour_of(tmp_path, SHAPES / name)
    phases = [s.phase for s in tour.stops]
    assert len(phases) == len(set(phases))
    assert len({(s.file, s.line) for s in tour.stops}) == len(tour.stops)


def test_evaluation_uses_up_the_call_budget_first(tmp_path):
    """Evaluation calls the shared forward pass past the call budget before training starts: the
    training loop's call is still recorded (one per new caller), so the loss inside it is found."""
    script = SHAPES / "eval_first.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "lr = 0.05"),
            ("data", "X = rng.normal(size=(32, 2))"),
            ("model", "model = Model()"),
            ("training loop", "for step in range(steps):"),
            ("evaluation", 'print("eval", estimate(model))'),
            ("batch", "xb, yb = X[step * 4"),
            ("forward", "pred, loss = model.forward(xb, yb)"),
            ("loss", "loss = np.mean((pred - y) ** 2)"),
            ("backward", "grads = model.grads(xb, yb, pred)"),
            ("update", "opt.step(grads)"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    printed = [float(x) for x in re.findall(r"(?:eval|final) ([\d.]+)", proc.stdout)]
    shown = re.search(r"Every result \(2\): ([\d.]+), ([\d.]+)", by["evaluation"])
    assert shown is not None and [float(x) for x in shown.groups()] == pytest.approx(printed, rel=1e-3)
    assert "over 8 iterations of the loop at line" in by["loss"]


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_inline_config_and_a_model_called_inside_the_criterion(tmp_path):
    """``train(parser.parse_args())`` is the configuration; in ``loss_fn(model(x), y)`` the model is the
    forward pass and ``model = Regressor()`` its construction, not the criterion ``nn.MSELoss()``."""
    script = SHAPES / "inline_criterion.py"
    proc, tour = tour_of(tmp_path, script, "--steps", "5")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "train(parser.parse_args())"),
            ("data", "x = torch.randn(32, 2)"),
            ("model", "model = Regressor()"),
            ("training loop", "for step in range(args.steps):"),
            ("forward", "loss = loss_fn(model(x), y)"),
            ("backward", "loss.backward()"),
            ("update", "optimizer.step()"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "Regressor" in by["forward"] and "MSELoss" not in by["model"]
    # the forward pass and the loss share the stop: what goes in and comes out of the line is said once
    assert by["forward"].count("Going in:") == 1 and by["forward"].count("Coming out:") == 1, by["forward"]
    assert "steps" in by["config"] and "lr" in by["config"] and "Not in this run: no configuration" not in tour.description


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_torch_module_loop_sizes_series_and_schedule(tmp_path):
    """A torch run: the model's parameter count (read from its parameter dicts), the loss and the
    learning rate over the whole run, every evaluation result, all as the script itself printed them."""
    script = SHAPES / "torch_loop.py"
    proc, tour = tour_of(tmp_path, script, "m.pt")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "steps = 30"),
            ("data", "x_all = torch.randn(256, 6)"),
            ("model", "model = Classifier(6, 16, 2)"),
            ("training loop", "for step in range(steps):"),
            ("lr schedule", 'group["lr"] = lr'),
            ("batch", "xb, yb = x_all[idx], y_all[idx]"),
            ("forward", "logits = model(xb)"),
            ("loss", "loss = F.cross_entropy(logits, yb)"),
            ("backward", "loss.backward()"),
            ("update", "opt.step()"),
            ("evaluation", "with torch.no_grad():"),
            ("checkpoint", "torch.save(model.state_dict(), out_path)"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    params = re.search(r"params (\d+)", proc.stdout)
    assert params is not None
    assert f"`model` has {int(params.group(1)):,} parameters; top level (2): `body Sequential[3]`, `head Linear`." in by["model"]
    first = float(re.search(r"first loss ([\d.]+)", proc.stdout).group(1))  # type: ignore[union-attr]
    last = float(re.search(r"last loss ([\d.]+)", proc.stdout).group(1))  # type: ignore[union-attr]
    loss = re.search(r"`loss`: ([\d.]+) → ([\d.]+) over 30 iterations", by["loss"])
    assert loss is not None, by["loss"]
    assert [float(loss.group(1)), float(loss.group(2))] == pytest.approx([first, last], abs=6e-4)
    assert re.search(r"`lr`: 0\.005 → 0\.05 over 30 iterations of the loop at line \d+ [▁-█]+", by["lr schedule"])
    evals = [float(x) for x in re.findall(r"^eval ([\d.]+)$", proc.stdout, re.M)]
    shown = re.search(r"Every result \(3\): ([\d.]+), ([\d.]+), ([\d.]+)", by["evaluation"])
    assert len(evals) == 3 and shown is not None
    assert [float(x) for x in shown.groups()] == pytest.approx(evals, abs=6e-4)


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_hand_written_sgd_step(tmp_path):
    script = SHAPES / "manual_sgd.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "lr = 0.1"),
            ("training loop", "for step in range(steps):"),
            ("loss", "loss = ((pred - yb) ** 2).mean()"),
            ("backward", "loss.backward()"),
            ("update", "w -= lr * w.grad"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "This line ran 10 times in the whole run." in by["update"]
    last = float(proc.stdout.strip())
    loss = re.search(r"`loss`: [\d.]+ → ([\d.]+) over 10 iterations", by["loss"])
    assert loss is not None and float(loss.group(1)) == pytest.approx(last, abs=6e-4)


def test_an_evaluation_in_its_own_environment_before_the_loop(tmp_path):
    """Episodes played by ``evaluate()`` in an environment of its own, before training and every few
    steps, are the evaluation: not the rollout, not the environment, although they step an environment
    first; the rollout and the environment are the training loop's."""
    script = SHAPES / "offpolicy_eval_first.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("environment", "env = WalkEnv(0)"),
            ("model", "agent = Agent(lr=0.2)"),
            ("evaluation", "evaluations = [evaluate(agent, 0)]"),
            ("training loop", "for t in range(12):"),
            ("rollout", "next_state, reward, done, _ = env.step(action)"),
            ("forward", "pred = self.w * states"),
            ("loss", "loss = np.mean((pred - target) ** 2)"),
            ("backward", "grad = np.mean(2 * (pred - target) * states, axis=0)"),
            ("update", "self.w -= self.lr * grad"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    printed = [float(x) for x in proc.stdout.split()]
    shown = re.search(r"Every result \(3\): ([-\d.]+), ([-\d.]+), ([-\d.]+)", by["evaluation"])
    assert shown is not None and [float(x) for x in shown.groups()] == pytest.approx(printed, abs=1e-3)


def test_a_settings_tree_overridden_in_place_and_handed_on_by_group(tmp_path):
    """A yacs-style tree of settings (a plain class of values and nested groups) is the configuration;
    the command line overrides it in place after it is made, so each group is shown as the code it
    was handed to received it. The trainer holds the model and the data: the forward is
    ``self.model.forward(...)`` on an object of weights, not the trainer's call site."""
    script = SHAPES / "settings_tree.py"
    proc, tour = tour_of(tmp_path, script, "--trainer.steps=4", "--data.n=40")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "config = get_config()"),
            ("data", "data = Data(config.data)"),
            ("model", "model = Linear(config.model)"),
            ("training loop", "for step in range(self.config.steps):"),
            ("forward", "pred = self.model.forward(self.data.X)"),
            ("loss", "loss = np.mean((pred - self.data.Y) ** 2)"),
            ("backward", "grad = 2 * self.data.X.T @ (pred - self.data.Y) / len(pred)"),
            ("update", "self.model.w -= self.config.lr * grad"),
        ],
    )
    config = {s.phase: s.narration for s in tour.stops}["config"]
    for row in (
        "- `data` = `<CfgNode n=40 noise=0.1>`",
        "- `model` = `<CfgNode width=3>`",
        "- `trainer` = `<CfgNode steps=4 lr=0.1>`",
    ):
        assert row in config


def test_a_first_batch_before_the_loop_and_a_batch_function_that_opens_its_data(tmp_path):
    """nanoGPT's data path: ``X, Y = get_batch()`` before the loop is the batch (each iteration fetches the
    next one), not the whole data set; the data is the ``np.memmap`` inside the batch function that the
    windows are sliced from."""
    script = SHAPES / "prefetch_loop.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    fetches = [i for i, t in enumerate(script.read_text().splitlines(), 1) if t == "X, Y = get_batch()"]
    assert [(s.phase, s.line) for s in tour.stops] == [
        ("config", line_of(script, "block_size = 4")),
        ("model", line_of(script, "model = Model()")),
        ("batch", fetches[0]),  # the one before the loop: the first batch
        *expect(
            script,
            [
                ("data", "data = np.memmap(data_path"),
                ("training loop", "for it in range(max_iters):"),
                ("forward", "pred = model.forward(X)"),
                ("loss", "loss = np.mean((pred - Y) ** 2)"),
                ("backward", "grad = 2 * X.T @ (pred - Y) / pred.size"),
                ("update", "model.W -= lr * grad"),
                ("checkpoint", "np.save(os.path.join(out_dir"),
            ],
        ),
    ]
    by = {s.phase: s.narration for s in tour.stops}
    assert "each iteration fetches the next" in by["batch"]
    size = (tmp_path / "out" / "W-5.npy").stat().st_size
    assert f"Writes `out/W-5.npy`, {size:,} bytes now." in by["checkpoint"]  # the path the call's own arguments made


def test_a_batch_moved_and_unpacked_before_the_forward_pass(tmp_path):
    """``batch = next(batches)``, ``batch = [... for t in batch]``, ``X, Y = batch``: the batch stop is where
    the batch was fetched, not the line that unpacks it, nor the whole data set."""
    script = SHAPES / "unpacked_batch.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("data", "inputs = rng.normal(size=(40, 3))"),
            ("model", "model = Model()"),
            ("training loop", "while step < 6:"),
            ("batch", "batch = next(batches)"),
            ("forward", "pred = model.forward(X)"),
            ("loss", "loss = np.mean((pred - Y) ** 2)"),
            ("backward", "grad = 2 * X.T @ (pred - Y) / len(Y)"),
            ("update", "model.w -= 0.1 * grad"),
        ],
    )


def test_tabular_learning_with_a_value_table_and_no_gradients(tmp_path):
    """TD(0) in plain Python: ``self.values[state] += self.step_size * td_error`` is the update (a table entry
    moved by a step size times an error), the TD error the loss, the agent that keeps the table the model;
    the tour no longer says that no training step ran."""
    script = SHAPES / "tabular_td.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("model", "agent = Agent(step_size=0.1)"),
            ("training loop", "for i in range(30):"),
            ("loss", "td_error = reward + self.values[next_state] - self.values[state]"),
            ("update", "self.values[state] += self.step_size * td_error"),
            ("checkpoint", "pickle.dump(agent.values, f)"),
        ],
    )
    assert "No training step ran" not in tour.description
    update = {s.phase: s.narration for s in tour.stops}["update"]
    assert "a tabular update, no gradients" in update


def test_a_config_a_framework_composed_and_handed_in(tmp_path):
    """A decorator outside the repo (as ``@hydra.main`` is) composes an OmegaConf config from defaults and
    a ``key=value`` override and calls ``main(cfg)``: the configuration stop is where ``main`` starts,
    and it lists every field as composed, the override applied, nested groups as dotted keys at any depth."""
    pytest.importorskip("omegaconf")
    script = SHAPES / "framework_config.py"
    proc, tour = tour_of(tmp_path, script, "optim.lr=0.05")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", 'print(f"{train(cfg):.4f}")'),
            ("data", "X = rng.normal(size=(32, 2))"),
            ("model", "w = np.zeros(2)"),
            ("training loop", "for step in range(cfg.trainer.steps):"),
            ("forward", "pred = X @ w"),
            ("loss", "loss = np.mean((pred - Y) ** 2)"),
            ("backward", "grad = 2 * X.T @ (pred - Y) / len(X)"),
            ("update", "w -= cfg.optim.lr * grad"),
        ],
    )
    config = {s.phase: s.narration for s in tour.stops}["config"]
    for row in (
        "- `seed` = `0`",
        "- `trainer.steps` = `6`",
        "- `optim.name` = `'sgd'`",
        "- `optim.lr` = `0.05`",
        "- `model.net.width` = `8`",
        "- `model.net.init.scale` = `0`",
        "- `run_name` = `'${optim.name}-run'`",
    ):
        assert row in config, config


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_a_loss_the_model_keeps_on_itself(tmp_path):
    """``out = model(X, Y)`` computes the loss inside the module and keeps it; ``loss = raw_model.last_loss``
    reads it back: the module call is the forward pass and ``model = Regressor()`` the model."""
    script = SHAPES / "loss_on_model.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("data", "X_all = torch.randn(40, 4)"),
            ("model", "model = Regressor()"),
            ("training loop", "for it in range(max_iters):"),
            ("batch", "X, Y = X_all[it * 8"),
            ("forward", "out = model(X, Y)"),
            ("loss", "loss = raw_model.last_loss"),
            ("backward", "loss.backward()"),
            ("update", "optimizer.step()"),
        ],
    )
    loss = {s.phase: s.narration for s in tour.stops}["loss"]
    last = re.search(r"`loss`: [\d.]+ → ([\d.]+) over 5 iterations", loss)
    assert last is not None and float(last.group(1)) == pytest.approx(float(proc.stdout), abs=6e-4)


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_functions_using_module_level_objects_and_a_hand_annealed_rate(tmp_path):
    """``train()`` and ``evaluate()`` read the model, the criterion and the step size as globals: the model
    stop is the module-level ``model = Net(8)``; the hand-written update's ``lr`` cut on a plateau is the
    schedule; the checkpoint names the file ``args.save`` held, not another string in scope."""
    script = SHAPES / "global_model.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "args = parser.parse_args()"),
            ("data", "train_x = torch.randn(48, 3)"),
            ("model", "model = Net(8)"),
            ("training loop", "for epoch in range(1, args.epochs + 1):"),
            ("batch", "data, targets = train_x[i : i + 16]"),
            ("forward", "output = model(data)"),
            ("loss", "loss = criterion(output, targets)"),
            ("backward", "loss.backward()"),
            ("update", "p.data.add_(p.grad, alpha=-lr)"),
            ("evaluation", "with torch.no_grad():"),
            ("checkpoint", "torch.save(model.state_dict(), args.save)"),
            ("lr schedule", "lr /= 4.0"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    best, cuts = None, 0  # the script's own rule, from the losses it printed: no improvement cuts lr by 4
    for value in (float(line.split()[-1]) for line in proc.stdout.splitlines()):
        if best is None or value < best:
            best = value
        else:
            cuts += 1
    assert cuts >= 1  # the run did anneal: the schedule stop is about something that happened
    assert f"`lr`: 0.5 → {0.5 / 4**cuts:g} over 4 iterations" in by["lr schedule"]
    assert "Writes `best.pt`" in by["checkpoint"] and ".py" not in by["checkpoint"]
    assert "Not in this run: no model construction" not in tour.description


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_an_optimizer_step_that_calls_the_closure(tmp_path):
    """LBFGS runs the closure (forward, loss, backward) several times per ``optimizer.step(closure)``:
    the update ran once per iteration, not once per closure call; the test loss under ``no_grad`` in the
    same loop is the evaluation."""
    script = SHAPES / "closure_step.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "opt = parser.parse_args()"),
            ("data", "inputs, target = data[1:, :-1], data[1:, 1:]"),
            ("model", "model = nn.Sequential("),
            ("training loop", "for i in range(opt.steps):"),
            ("update", "optimizer.step(closure)"),
            ("forward", "out = model(inputs)"),
            ("loss", "loss = criterion(out, target)"),
            ("backward", "loss.backward()"),
            ("evaluation", "with torch.no_grad():"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "This line ran 3 times in the whole run." in by["update"]
    assert "This line ran 3 times in the whole run." in by["evaluation"]
    assert "no checkpoint was written" in tour.description


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_wrapped_step_and_settings_dict(tmp_path):
    """Settings gathered from module globals into a dict; the optimizer and the loss live on ``self``
    (their recorded object summary still shows None); a gradient scaler wraps backward and step; the
    loss is rescaled after forward() returns it; the model reaches the loop through two aliases."""
    script = SHAPES / "wrapped_step.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "config = {k: globals()[k] for k in config_keys}"),
            ("data", "data = torch.randn(64, 4)"),  # the global the method slices its batches from
            ("model", "net = Net()"),
            ("training loop", "for it in range(max_iters):"),
            ("batch", "x, y = data[it * batch_size"),
            ("forward", "logits, self.loss = model(x, y)"),
            ("loss", "loss = F.cross_entropy(logits, y)"),
            ("backward", "scaler.scale(self.loss).backward()"),
            ("update", "scaler.step(self.optimizer)"),
        ],
    )
    config = {s.phase: s.narration for s in tour.stops}["config"]
    for row in ("- `batch_size` = `8`", "- `max_iters` = `6`", "- `learning_rate` = `0.1`", "- `accumulation` = `2`"):
        assert row in config


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_user_script_driving_a_library_package_of_the_repo(tmp_path):
    """stable-baselines3's shape: a few lines of user script; the loop, rollout, loss, backward and step live in
    the repo's package. The package's module constants (log levels) are not the configuration, a bare class
    annotation and a ``None`` placeholder do not build the environment, one no-grad ``predict()`` is not the
    evaluation (the function looping over it is), and the optimizer is seen where the code hands it on."""
    repo = SHAPES / "algo_repo"
    script, agent = repo / "run.py", repo / "algo" / "agent.py"
    proc, tour = tour_of(tmp_path, script, root=repo)
    assert proc.returncode == 0, proc.stderr
    got = [(s.phase, s.file, s.line) for s in tour.stops]
    assert got == [
        ("environment", "run.py", line_of(script, "env = CartEnv(seed=0)")),
        ("config", "run.py", line_of(script, "agent = Agent(env, n_steps=16")),
        ("model", "algo/agent.py", line_of(agent, "self.policy = Policy(learning_rate)")),
        ("training loop", "algo/agent.py", line_of(agent, "while self.num_steps < total_steps:")),
        ("rollout", "algo/agent.py", line_of(agent, "obs, reward, done, _info = env.step(action)")),
        ("lr schedule", "algo/agent.py", line_of(agent, 'group["lr"] = lr')),
        ("batch", "algo/agent.py", line_of(agent, "for obs, actions in buffer.get(self.batch_size):")),
        ("forward", "algo/agent.py", line_of(agent, "for obs, actions in buffer.get(self.batch_size):") + 1),
        ("loss", "algo/agent.py", line_of(agent, "loss = nn.functional.cross_entropy")),
        ("backward", "algo/agent.py", line_of(agent, "loss.backward()")),
        ("update", "algo/agent.py", line_of(agent, "self.policy.optimizer.step()")),
        ("evaluation", "run.py", line_of(script, "mean_reward = evaluate(agent, env, episodes=2)")),
        ("checkpoint", "algo/agent.py", line_of(agent, "torch.save(self.policy.state_dict(), path)")),
    ]
    by = {s.phase: s.narration for s in tour.stops}
    assert "The loop ran 4 iterations in this run." in by["training loop"]  # a while loop: 64 steps / 16 per rollout
    for row in ("`n_steps` = `16`", "`batch_size` = `8`", "`learning_rate` = `0.01`"):
        assert row in by["config"], by["config"]


def test_numpy_backprop_with_in_place_updates(tmp_path):
    """No optimizer object, no autograd: weights moved in place against gradient arrays (``W -= lr * dW``). The
    backward pass starts at the first gradient line after the iteration's loss; the forward pass is the first
    line of the iteration to read the weights, which were made before the loop (the model)."""
    script = SHAPES / "numpy_backprop.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "lr = 0.5"),
            ("data", "X = rng.normal(size=(64, 2))"),
            ("model", "W1 = rng.normal(size=(2, hidden))"),
            ("training loop", "for epoch in range(epochs):"),
            ("forward", "h = np.tanh(X @ W1)"),
            ("loss", "loss = bce(p, y)"),
            ("backward", "dz = (p - y) / len(y)"),
            ("update", "W2 -= lr * dW2"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "The loop ran 15 iterations in this run." in by["training loop"]
    assert "This line ran 15 times in the whole run." in by["update"]
    last = float(proc.stdout.split()[-1])
    loss = re.search(r"`loss`: [\d.]+ → ([\d.]+) over 15 iterations", by["loss"])
    assert loss is not None and float(loss.group(1)) == pytest.approx(last, abs=6e-4), by["loss"]


def test_numpy_layers_each_with_its_own_optimizer(tmp_path):
    """ML-From-Scratch's shape: each layer replaces its weights with what its copy of an optimizer computes from
    them and their gradient (no ``step()``); the gradient is followed up through the layers to where it starts,
    the loss gradient in ``train_on_batch``; the network object is the model."""
    script = SHAPES / "numpy_layers.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.at, s.line) for s in tour.stops] == [
        ("model", "<module>", line_of(script, "net = Network([Dense(3, 8")),
        ("training loop", "Network.fit", line_of(script, "for _ in range(n_epochs):")),
        ("forward", "Network.train_on_batch", line_of(script, "y_pred = self._forward_pass(x)")),
        ("loss", "Network.train_on_batch", line_of(script, "loss = np.mean(self.loss_function.loss(y, y_pred))")),
        ("backward", "Network.train_on_batch", line_of(script, "loss_grad = self.loss_function.gradient(y, y_pred)")),
        ("update", "Dense.backward_pass", line_of(script, "self.W = self.W_opt.update(self.W, grad_w)")),
    ]
    by = {s.phase: s.narration for s in tour.stops}
    assert "The loop ran 4 iterations in this run." in by["training loop"]  # the epoch loop folds on its 4th
    assert "replaces `self.W` with what Adam computes from it and `grad_w`" in by["update"]


def test_tokenizer_training_has_no_invented_learning_step(tmp_path):
    """minbpe's shape: a loop that learns without a model, loss, gradient or optimizer. The tour stops at the
    object that learns, its input, the loop, the hot function, the state each iteration adds to, and the save;
    it claims no forward pass, loss, backward pass or optimizer step."""
    script = SHAPES / "bpe_train.py"
    proc, tour = tour_of(tmp_path, script, "out.model")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.at, s.line) for s in tour.stops] == [
        ("data", "<module>", line_of(script, 'text = "the cat sat')),
        ("model", "<module>", line_of(script, "tokenizer = Tokenizer()")),
        ("training loop", "Tokenizer.train", line_of(script, "for i in range(vocab_size - 256):")),
        ("other", "merge", line_of(script, "out, i = [], 0")),
        ("update", "Tokenizer.train", line_of(script, "merges[pair] = idx")),
        ("checkpoint", "<module>", line_of(script, "tokenizer.save(")),
    ]
    by = {s.phase: s for s in tour.stops}
    assert by["other"].title == "Where the time goes: merge" and "`merge` ran 10 times" in by["other"].narration
    assert by["update"].title.startswith("What the loop learns") and "optimizer" not in by["update"].narration
    assert "The loop ran 10 iterations in this run." in by["training loop"].narration
    assert "No training step ran" in tour.description and "no evaluation ran" in tour.description


def test_plain_loop_gets_entry_loop_and_hot_function_stops(tmp_path):
    script = SHAPES / "plain_loop.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.title.split(":")[0], s.phase, s.line) for s in tour.stops] == [
        ("Where the run starts", "other", line_of(script, "best = 0")),
        ("The main loop", "training loop", line_of(script, "for start in range(1, 200):")),
        ("Where the time goes", "other", line_of(script, "steps = 0")),
    ]
    by = [s.narration for s in tour.stops]
    assert "The loop ran 199 iterations in this run." in by[1]
    assert "`collatz` ran 199 times" in by[2]
    assert "No training step ran" in tour.description


def test_rare_branch_of_a_folded_loop_is_recorded(tmp_path):
    """Evaluation and checkpoint happen first at step 10 of 21, long after the loop is folded: the recorder keeps
    the detail of a folded iteration that reaches a line never recorded before, so both get their stops, and
    the ``while True`` loop's folded iterations are all counted."""
    script = SHAPES / "late_eval.py"
    proc, tour = tour_of(tmp_path, script, "best.npy")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops][-3:] == expect(
        script,
        [
            ("update", "opt.step(grads)"),
            ("evaluation", "val = evaluate(model)"),
            ("checkpoint", 'np.save(out_path, model.params["w"])'),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "The loop ran 21 iterations in this run." in by["training loop"]
    assert "This line ran 21 times in the whole run." in by["update"]
    assert "`best.npy`" in by["checkpoint"]


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_model_method_past_the_call_budget(tmp_path):
    """cleanrl's shape: the network runs through the agent's own method (not ``forward``), called many times
    while collecting, so its training-path call is past the call budget and not recorded: the forward pass is
    still that call, by the recorded type of the object it is called on, and the model is where it was built."""
    script = SHAPES / "agent_method.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "num_steps = 16"),
            ("model", "agent = Agent()"),
            ("training loop", "for epoch in range(epochs):"),
            ("forward", "_, newlogprob, newvalue = agent.get_action_and_value(obs)"),
            ("loss", "loss = v_loss - 0.01 * newlogprob.mean()"),
            ("backward", "loss.backward()"),
            ("update", "optimizer.step()"),
        ],
    )


def test_run_counts_through_nested_folded_loops(tmp_path):
    """The outer loops fold and swallow the inner loops' iterations. A line in the innermost loop that calls a
    recorded function nothing else calls is counted exactly by its calls; so is any line that runs on every
    iteration beside it (the loss line, beside ``model.forward(xb)``: 5 x 4 x 3 = 60)."""
    script = SHAPES / "nested_loops.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert "updates 60" in proc.stdout
    by = {s.phase: s.narration for s in tour.stops}
    assert (by.keys() >= {"training loop", "loss", "update"}) and "The loop ran 5 iterations in this run." in by["training loop"]
    assert "This line ran 60 times in the whole run." in by["loss"]  # exact, by its neighbours' calls
    assert "This line ran 60 times in the whole run." in by["update"]  # exact: every call of SGD.step


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_forward_made_while_acting_and_the_loss_from_what_was_kept(tmp_path):
    """Policy gradient: the policy runs while acting and each log-probability is appended to a list on the
    policy object; once per episode the loss sums what was kept. The forward pass is the call made while
    acting, found through the container it filled; the model is the module-level ``policy = Policy()``; the
    acting function, called on every step, is part of training, not an evaluation."""
    script = SHAPES / "acting_log_probs.py"
    proc, tour = tour_of(tmp_path, script, "16")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("model", "policy = Policy()"),
            ("environment", "world = Walker()"),
            ("training loop", "for episode in range(episodes):"),
            ("batch", "state, rewards, done = world.reset(), [], False"),
            ("forward", "probs = policy(state.unsqueeze(0))"),
            ("rollout", "state, reward, done, _ = world.step(action)"),
            ("loss", "objective = torch.cat(terms).sum()"),
            ("backward", "objective.backward()"),
            ("update", "optimizer.step()"),
        ],
    )
    assert "no evaluation ran" in tour.description and "no forward pass" not in tour.description
    # episodes end on a data-dependent condition, and the episode loop folds: the step line's count is exact
    # all the same, as the acting call's on the line before it (every call of ``act`` is counted)
    steps = sum(int(n) for n in re.findall(r"steps (\d+)", proc.stdout))
    by = {s.phase: s.narration for s in tour.stops}
    assert f"This line ran {steps:,} times in the whole run." in by["rollout"], (steps, by["rollout"])


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_replay_buffer_target_net_and_a_greedy_action_under_no_grad(tmp_path):
    """DQN: the replay buffer the loop fills and samples is the data; the batch is the sample call whose
    result is handed straight to the update (its named-tuple fields shown); of the two networks feeding the
    loss, the forward pass and the model are the one the optimizer was built on; the greedy action computed
    under ``no_grad`` on every step is acting, not an evaluation."""
    script = SHAPES / "replay_dqn.py"
    proc, tour = tour_of(tmp_path, script, "4")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "batch_size = 8"),
            ("data", "memory = Memory(500)"),
            ("model", "self.q = nn.Sequential("),
            ("environment", "world = Chain()"),
            ("training loop", "for episode in range(episodes):"),
            ("rollout", "next_obs, reward, done, _ = world.step(action)"),
            ("batch", "learner.improve(memory.sample(batch_size))"),
            ("forward", "predicted = self.q(batch.s).gather(1, batch.a).squeeze(1)"),
            ("loss", "loss = ((target.detach() - predicted) ** 2).mean()"),
            ("backward", "loss.backward()"),
            ("update", "self.opt.step()"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "the loop adds to it" in by["data"] and "`memory.sample`" in by["data"]
    assert re.search(r"Batch shapes: `s` float32\[\d+, 5\], `a` int64\[\d+, 1\]", by["batch"]), by["batch"]
    assert "no evaluation ran" in tour.description
    # the learner's own hyper-parameters, defaults included, beside the module-level ones
    assert "- `epsilon` = `0.3`" in by["config"] and "`Learner`, whose method makes the update" in by["config"]
    assert "- `gamma` = `0.9`" in by["config"]


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_objects_made_by_a_factory_and_moved_into_a_trainer(tmp_path):
    """``dataset, net, optimizer = build_objects()``, then ``self.model = model.to(device)`` and a wrapper
    (``DataParallel``, as ``DistributedDataParallel`` in a DDP run) in the trainer: the model and the data are
    where the factory built them; the batch is the loader loop that ``source =
    source.to(device)`` moves from; the trainer's ``.fit(epochs)`` on the constructor's line does not confuse
    which argument was the model."""
    script = SHAPES / "factory_trainer.py"
    proc, tour = tour_of(tmp_path, script, "2")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("data", "dataset = TensorDataset(features"),
            ("model", "net = torch.nn.Linear(5, 1)"),
            ("training loop", "for _ in range(epochs):"),
            ("batch", "for source, targets in self.loader:"),
            ("forward", "output = self.model(source)"),
            ("loss", "loss = torch.nn.functional.mse_loss(output, targets)"),
            ("backward", "loss.backward()"),
            ("update", "self.optimizer.step()"),
        ],
    )
    assert "no model construction" not in tour.description


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_an_update_written_as_a_loop_over_the_parameters_counts_updates_not_tensors(tmp_path):
    """``for weight in layer.parameters(): weight.data.add_(...)`` in an open-ended module-level loop: the
    update line runs once per parameter tensor; the stop says so and gives the number of updates."""
    script = SHAPES / "param_loop.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    steps = int(re.search(r"stopped after (\d+) steps", proc.stdout).group(1))
    by = {s.phase: s for s in tour.stops}
    assert by["update"].line == line_of(script, "weight.data.add_(-0.1 * weight.grad)")
    assert by["model"].line == line_of(script, "layer = torch.nn.Linear(2, 1)")
    assert f"The loop ran {steps:,} iterations in this run." in by["training loop"].narration
    # estimated (the main loop folds; nothing beside the line counts it exactly), then explained
    assert (
        f"This line ran about {2 * steps:,} times in the whole run. That is 2 times per iteration of the main loop,"
        f" once per item of `layer.parameters()`: {steps:,} updates." in by["update"].narration
    )


def test_the_shape_of_a_minibatch_picked_inline_by_an_index_array(tmp_path):
    """``model(b_obs[mb_inds])`` when the model's own frame is past the call budget: the minibatch never has a
    name, but its shape follows from the two arrays the trace did record (an integer index of length n picks n
    rows); a boolean mask (length unknown) and a slice are left alone."""
    pytest.importorskip("numpy")  # the traced script uses it
    from codetour.tour import facts
    from codetour.tour.phases import Evidence
    from codetour.tour.runs import RunIndex

    script = tmp_path / "pick.py"
    script.write_text(
        "import numpy as np\n"
        "b_obs = np.zeros((256, 4), dtype=np.float32)\n"
        "mb_inds = np.arange(64)\n"
        "mask = b_obs[:, 0] > 0\n"
        "def f(*a):\n"
        "    return len(a)\n"
        "y = f(b_obs[mb_inds], b_obs[mask], b_obs[:8])\n"
    )
    proc, trace = trace_script(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    with TraceReader(trace) as reader:
        ix = RunIndex(reader)
        run = next(r for r in ix.runs if r.line == 7 and ix.functions[r.fid].kind == "module")
        ev = Evidence("forward", run.fid, run.line, run.seq, run.frame_id, 1.0)
        assert facts.indexed_shapes(ix, ev) == {"b_obs[mb_inds]": "float32[64, 4]"}


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_a_loss_module_beside_a_model_called_in_a_helper(tmp_path):
    """``criterion = nn.MSELoss()`` from one method, ``pred, true = self._one_batch(...)`` from a helper that
    calls the model: the loss module scores the outputs and is not the model; the forward pass is the call in
    the helper, and the model is where the experiment stored what its ``_build_model()`` returned."""
    script = SHAPES / "helper_batch.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("model", 'self.model = self._build_model().to("cpu")'),
            ("training loop", "for step in range(steps):"),
            ("forward", "outputs = self.model(x)"),
            ("loss", "loss = criterion(pred, true)"),
            ("backward", "loss.backward()"),
            ("update", "optim.step()"),
        ],
    )


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_a_gan_with_its_settings_as_locals_and_two_optimizers(tmp_path):
    script = SHAPES / "two_player_gan.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "noise_size = 2"),
            ("model", "discriminator = nn.Sequential("),
            ("training loop", "for epoch in range(epochs):"),
            ("batch", "real = real_samples(batch_size)"),
            ("data", "return torch.randn(n, 1) * 1.25 + 4.0"),  # drawn afresh for every batch: no data set
            ("forward", "real_decision = discriminator(real)"),
            ("loss", "real_error = criterion(real_decision"),
            ("backward", "real_error.backward()"),
            ("update", "d_opt.step()"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    # the settings are the function's locals above the loop, all of them, as they stood when it started
    assert "8 hyper-parameters set before the main loop" in by["config"]
    # the model stop is the discriminator (the network the loss is computed from); the generator is named too
    assert re.search(r"Other networks `train` built: `generator` \(Sequential(, \d+ parameters)?\)\.", by["model"]), by["model"]
    for name, value in [("d_lr", "0.01"), ("g_lr", "0.005"), ("epochs", "6"), ("d_steps", "3"), ("g_steps", "2")]:
        assert f"- `{name}` = `{value}`" in by["config"], name
    # the discriminator's step runs 3 times per epoch: 18 whole updates, not "6 updates, one per item"
    assert "This line ran 18 times in the whole run." in by["update"]
    assert "once per item" not in by["update"]
    other = re.search(
        r"Another optimizer is stepped too: `g_opt.step\(\)` on SGD .* at two_player_gan.py:(\d+), (?:about )?12 times",
        by["update"],
    )
    assert other is not None, by["update"]
    assert int(other.group(1)) == line_of(script, "g_opt.step()")


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_functional_gradients_without_an_optimizer_or_backward(tmp_path):
    script = SHAPES / "functional_grad.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("data", "X = torch.randn(512, 3)"),
            ("model", "model = torch.nn.Linear(3, 1)"),
            ("config", "lr = 0.1"),
            ("training loop", "for step in range(steps):"),
            ("batch", "batch = next(stream)"),
            ("backward", "grads = grad(loss_fn)(params, batch)"),
            ("forward", "pred = functional_call(model, params, (x,))"),
            ("loss", "return torch.mean((pred - y) ** 2)"),
            ("update", "params = sgd(params, grads, lr)"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "`grad(loss_fn)` computes the gradients of `loss_fn`" in by["backward"]
    assert "applies `functional_call` to `params`, the parameters being differentiated" in by["forward"]
    assert "`sgd(...)` applies the gradients `grads`" in by["update"]
    assert "This line ran 40 times in the whole run." in by["update"]
    assert "No training step ran" not in tour.description


def test_a_jit_compiled_jax_step_is_toured_and_said_to_run_compiled(tmp_path):
    pytest.importorskip("jax")
    script = SHAPES / "jax_jit_step.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("data", "X = rng.normal(size=(256, 4))"),
            ("config", "lr = 0.05"),
            ("model", "params = [jnp.zeros(4), jnp.zeros(())]"),
            ("training loop", "for epoch in range(epochs):"),
            ("batch", "params = update(params, next(stream))"),
            ("backward", "grads = grad(loss)(params, batch)"),
            ("forward", "preds = predict(params, x)"),
            ("loss", "return jnp.mean((preds - y) ** 2)"),
            ("update", "return [p - lr * g for p, g in zip(params, grads)]"),
            ("evaluation", 'print(f"epoch {epoch}: within 0.5'),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    step_line = line_of(script, "params = update(params, next(stream))")
    # the batch line ran once per step, though the compiled step's Python ran only once
    assert re.search(r"This line ran (about )?32 times in the whole run\.", by["batch"]), by["batch"]
    assert "makes `params`, the parameters `predict` is applied to" in by["model"]
    for phase in ("backward", "forward", "loss"):
        assert "This ran while a JIT compiler traced `update`" in by[phase]
        assert re.search(rf"The call at jax_jit_step.py:{step_line} ran (about )?32 times; it runs the compiled code", by[phase])


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_a_noise_scheduler_is_no_lr_schedule_and_a_multi_line_loader_is_the_data(tmp_path):
    script = SHAPES / "denoiser.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("data", "loader = torch.utils.data.DataLoader("),
            ("model", "model = nn.Sequential("),
            ("training loop", "for epoch in range(2):"),
            ("batch", "noisy = scheduler.add_noise(x, noise, 3)"),
            ("forward", "pred = model(noisy)"),
            ("loss", "loss = nn.functional.mse_loss(pred, noise)"),
            ("backward", "loss.backward()"),
            ("update", "optimizer.step()"),
            ("evaluation", "model.eval()"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "builds `loader`, a DataLoader" in by["data"]
    assert "This line ran 8 times in the whole run." in by["update"] and "once per item" not in by["update"]


def test_a_library_estimator_fitted_on_arrays_is_the_training(tmp_path):
    script = SHAPES / "estimator_fit.py"
    settings = tmp_path / "params.json"
    settings.write_text('{"train": {"seed": 3, "alpha": 0.1, "n_iter": 40}}')
    proc, tour = tour_of(tmp_path, script, "params.json", "model.pkl")  # run in tmp_path
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", 'params = json.load(open(settings_path))["train"]'),
            ("data", "table = rng.normal(size=(200, 5))"),
            ("model", "model = RidgeRegressor(alpha=alpha, n_iter=n_iter)"),
            ("training loop", "model.fit(X, y)"),
            ("checkpoint", "pickle.dump(model, fd)"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "- `alpha` = `0.1`" in by["config"] and "- `n_iter` = `40`" in by["config"]
    assert "`model.fit(X, y)` trains `model`, a RidgeRegressor, on the arrays given" in by["training loop"]
    assert "No training step ran" not in tour.description
    assert "they happen inside `model.fit`" in tour.description
    # the file the pickle went into, through the handle ``with open(out_path, "wb") as fd`` gave it
    size = (tmp_path / "model.pkl").stat().st_size
    assert f"Writes `model.pkl`, {size:,} bytes now." in by["checkpoint"]


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_an_evaluation_that_prints_instead_of_returning_shows_what_it_computed(tmp_path):
    script = SHAPES / "prints_its_score.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    evaluation = next(s for s in tour.stops if s.phase == "evaluation")
    printed = re.findall(r"test loss ([\d.]+), accuracy ([\d.]+)", proc.stdout)
    assert len(printed) == 3
    assert "It returns nothing; the numbers it computed, as each call ended:" in evaluation.narration
    rows = re.findall(r"- \d: `test_loss` = `([\d.]+)`, `accuracy` = `([\d.]+)`", evaluation.narration)
    assert [float(x) for row in rows for x in row] == pytest.approx([float(x) for row in printed for x in row], abs=6e-4)
    assert "`None`" not in evaluation.narration


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_a_loss_of_two_terms_is_their_sum(tmp_path):
    script = SHAPES / "two_term_loss.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    loss = next(s for s in tour.stops if s.phase == "loss")
    assert loss.line == line_of(script, "return reconstruction + penalty")
    assert "computes `reconstruction + penalty`, the scalar returned to the backward pass" in loss.narration
    going_in = next(p for p in loss.narration.split("\n\n") if p.startswith("Going in:"))
    assert re.search(r"`reconstruction` = `Tensor float32\[\] requires_grad = [\d.]+`", going_in), going_in
    assert re.search(r"`penalty` = `Tensor float32\[\] requires_grad = [\d.]+`", going_in), going_in


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_the_configuration_in_force_includes_what_the_program_set_after_parsing(tmp_path):
    script = SHAPES / "derived_args.py"
    proc, tour = tour_of(tmp_path, script, "--num-envs", "3")
    assert proc.returncode == 0, proc.stderr
    config = next(s for s in tour.stops if s.phase == "config")
    assert config.line == line_of(script, "args = parser.parse_args()")
    assert "then what the program set before the main loop started" in config.narration
    assert "- `num_envs` = `3 (command line)`" in config.narration
    assert "- `batch_size` = `24 (added by the program)`" in config.narration
    assert "- `use_gpu` = `False (set by the program afterwards; was True)`" in config.narration
    assert "- `lr` = `0.1`" in config.narration


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_a_scheduler_objects_rates_are_read_from_the_optimizer_handed_to_each_epoch(tmp_path):
    script = SHAPES / "step_lr.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    printed = [float(x) for x in re.findall(r"lr ([\d.]+)", proc.stdout)]
    assert printed == [1.0, 0.5, 0.25, 0.125]
    schedule = next(s for s in tour.stops if s.phase == "lr schedule")
    assert schedule.line == line_of(script, "scheduler.step()")
    assert "The learning rate over the run: `lr`: 1 → 0.125 over 4 calls of `train`" in schedule.narration


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_one_evaluation_function_on_two_splits_gives_a_series_for_each(tmp_path):
    script = SHAPES / "two_splits.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    printed = re.findall(r"val ([\d.]+) test ([\d.]+)", proc.stdout)
    evaluation = next(s for s in tour.stops if s.phase == "evaluation")
    assert evaluation.line == line_of(script, "with torch.no_grad():")
    for i, (name, text) in enumerate([("val_loss", "val_loss = evaluate"), ("test_loss", "test_loss = evaluate")]):
        found = re.search(
            rf"At line {line_of(script, text)}, `{name}`: ([\d.]+) → ([\d.]+) over 4 iterations", evaluation.narration
        )
        assert found is not None, evaluation.narration
        first, last = float(printed[0][i]), float(printed[-1][i])
        assert [float(found.group(1)), float(found.group(2))] == pytest.approx([first, last], rel=1e-3)


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_an_agent_whose_summary_shows_only_its_settings_and_an_endless_episode_loop(tmp_path):
    script = SHAPES / "settings_first_agent.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    episodes = int(re.search(r"(\d+) episodes", proc.stdout).group(1))
    # the agent's summary is cut before its networks and optimizers: they are typed from their constructors
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "args = parser.parse_args()"),
            ("model", "self.critic = nn.Sequential("),
            ("training loop", "for episode in itertools.count(1):"),
            ("batch", "state, action, reward = sample("),
            ("forward", "q = self.critic(torch.cat([state, action], 1))"),
            ("loss", "critic_loss = ((q - reward) ** 2).mean()"),
            ("backward", "critic_loss.backward()"),
            ("update", "self.critic_optim.step()"),
            ("evaluation", "action = agent.act(state, evaluate=True)"),  # a block of the loop, told by a keyword
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "`agent.act(..., evaluate=True)`" in by["evaluation"]
    tests = len(re.findall(r"average test reward", proc.stdout))
    assert tests == 4
    # it ran in 4 of the episodes only (under an ``if``): the folded episodes do not scale its count
    assert "This line ran" not in by["evaluation"] or f"ran {tests * 3 * 4} times" in by["evaluation"]
    # an endless iterator is left by the break: the last visit of its ``for`` line started an iteration
    assert f"The loop ran {episodes} iterations in this run." in by["training loop"]
    assert "`self.policy_optim.step()` on Adam (an optimizer)" in by["update"]
    assert "no optimizer step" not in tour.description


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_a_char_rnn_with_carried_state_a_star_unpacked_batch_and_a_plateau_schedule(tmp_path):
    script = SHAPES / "char_rnn.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("data", "TEXT = "),  # a plain string the batch function slices: the corpus
            ("config", "args = parser.parse_args()"),
            ("model", "model = CharRNN(VOCAB, args.hidden_size)"),
            ("training loop", "for epoch in range(1, args.n_epochs + 1):"),
            ("batch", "loss = train(*random_training_set("),  # not the RNN's hidden state the forward line carries
            ("forward", "output, hidden = model(inp[:, c], hidden)"),
            ("loss", "loss += criterion(output, target[:, c])"),
            ("backward", "loss.backward()"),
            ("update", "optimizer.step()"),
            ("lr schedule", "scheduler.step(loss)"),  # ReduceLROnPlateau: a library object holding the optimizer
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "`random_training_set(...)` makes the batch handed in as `inp`" in by["batch"]
    assert "Tensor int64[4, 12]" in by["batch"]
    assert "makes `TEXT` (a text of 3,159 characters), the data the batches are drawn from" in by["data"]


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_synthetic_data_drawn_for_every_batch_by_a_function(tmp_path):
    script = SHAPES / "synthetic_batches.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    batches = int(re.search(r"after (\d+) batches", proc.stdout).group(1))
    stops = [(s.phase, s.line) for s in tour.stops]
    assert ("data", line_of(script, "x = torch.randn(batch_size, 3)")) in stops
    assert ("batch", line_of(script, "batch_x, batch_y = get_batch()")) in stops
    by = {s.phase: s.narration for s in tour.stops}
    assert "`torch.randn(...)` draws synthetic data afresh for every batch (no data set)" in by["data"]
    assert f"This line ran {batches} times in the whole run." in by["data"]
    assert f"The loop ran {batches} iterations in this run." in by["training loop"]


def test_a_function_that_loads_what_training_saved_and_runs_it_is_the_evaluation(tmp_path):
    script = SHAPES / "save_then_score.py"
    proc, tour = tour_of(tmp_path, script, str(tmp_path / "table.pkl"))
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("model", "learner = Learner(epsilon=0.1, step_size=0.1)"),
            ("training loop", "for i in range(plays):"),
            ("loss", "td_error = reward - self.values[arm]"),
            ("update", "self.values[arm] += self.step_size * td_error"),
            ("checkpoint", "pickle.dump(self.values, f)"),
            ("evaluation", "score(50, sys.argv[1])"),  # no no_grad, no .eval(): it plays the loaded table
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "loads what training saved (`pickle.load` in `Learner.load`)" in by["evaluation"]
    assert "Results" not in by["evaluation"]  # it returns None: no list of Nones
    assert "no evaluation ran" not in tour.description


def test_training_that_ran_only_in_spawned_children_is_toured_there(tmp_path):
    script = SHAPES / "spawned_trainers.py"
    proc, trace = trace_script(tmp_path, script, root=SHAPES, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    shards = sorted((tmp_path / "spawned_trainers.ctrace.d").glob("*.ctrace"))
    assert len(shards) == 2
    with TraceReader(trace) as reader:
        tour = build_tour(reader)
    # not "No training step ran": it ran in the children, and the tour says where and how to tour one alone
    said = re.search(
        r"The training ran in another process: this process trained nothing itself\. The training stops below are from "
        r"(\S+) \(pid (\d+), started by spawn\), which made its updates at (\S+):(\d+) \(1 more traced process ran beside it\)",
        tour.description,
    )
    assert said is not None, tour.description
    assert f"{said.group(3)}:{said.group(4)}" == f"spawned_trainers.py:{line_of(script, 'w -= lr * grad')}"
    shard = tmp_path / "spawned_trainers.ctrace.d" / f"{said.group(2)}.ctrace"
    assert f"`codetour tour {shard}` tours that process alone" in tour.description
    assert "No training step ran" not in tour.description
    # ended by sys.exit(0): a normal end, no crash stop
    assert "did not finish normally" not in tour.description
    assert all(s.phase != "crash" for s in tour.stops)
    # the child's training stops are the parent's tour's, each saying which process it ran in
    trained = [(s.phase, s.line) for s in tour.stops if s.phase != "other"]
    assert trained == expect(
        script,
        [
            ("data", "X = rng.normal(size=(64, 3))"),
            ("model", "w = np.zeros(3)"),
            ("training loop", "for step in range(steps):"),
            ("forward", "pred = X @ w"),
            ("loss", "loss = np.mean((pred - y) ** 2)"),
            ("backward", "grad = 2 * X.T @ (pred - y) / len(y)"),
            ("update", "w -= lr * grad"),
        ],
    )
    for stop in tour.stops:
        if stop.phase != "other":
            assert stop.narration.startswith(
                f"*This ran in another process: {said.group(1)} (pid {said.group(2)}, started by spawn)"
            )
    by = {s.phase: s.narration for s in tour.stops}
    assert "This line ran 30 times in that process." in by["update"]
    with TraceReader(shard) as child:
        child_tour = build_tour(child)
    assert [(s.phase, s.line) for s in child_tour.stops if s.phase != "other"] == trained


def test_a_model_built_here_and_trained_by_spawned_processes(tmp_path):
    script = SHAPES / "shared_model_workers.py"
    proc, trace = trace_script(tmp_path, script, "w.npy", root=SHAPES, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with TraceReader(trace) as reader:
        tour = build_tour(reader)
        resolved = resolve_in_other_processes(resolve_tour(tour, reader), reader)
    # each stop resolves to its line in the process it ran in: the model and the save here, the training in a child
    assert all(r.status == OK for r in resolved), [(r.stop.title, r.message) for r in resolved]
    assert [r.line for r in resolved] == [s.line for s in tour.stops]
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("model", "model = Linear(3, seed=1)"),  # built here, never trained here: found by the type the child trains
            ("other", "for epoch in range(epochs):"),  # the worker's call: what each child was handed
            ("training loop", "for epoch in range(epochs):"),
            ("batch", "for xb, yb in batches(x, y, 16):"),
            ("forward", "pred = model.forward(xb)"),
            ("loss", "loss = np.mean((pred - yb) ** 2)"),
            ("backward", "grad_w = 2 * xb.T @ (pred - yb) / len(yb)"),
            ("update", "model.w -= lr * grad_w"),
            ("checkpoint", "np.save(sys.argv[1], model.w)"),
        ],
    )
    away = [s for s in tour.stops if s.narration.startswith("*This ran in another process: SpawnProcess-")]
    assert [s.phase for s in away] == ["other", "training loop", "batch", "forward", "loss", "backward", "update"]
    by = {s.phase: s.narration for s in tour.stops}
    assert "the object the forward pass in SpawnProcess-" in by["model"] and "`model` holds 3 parameters" in by["model"]
    assert "The loop ran 2 iterations in that process." in by["training loop"]
    assert "This line ran 8 times in that process." in by["update"]  # 2 epochs x 4 batches of 16, in one child
    assert "no training step" not in tour.description.lower() and "no checkpoint" not in tour.description


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_layers_in_a_plain_list_trained_one_by_one_on_one_batch_taken_before(tmp_path):
    script = SHAPES / "layer_local.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("data", "data = TensorDataset("),
            ("model", "net = Net([12, 16, 16])"),  # what holds the list, not the loop variable taking its items
            ("batch", "x, y = next(iter(loader))"),  # not the previous layer's outputs handed to the next layer
            ("training loop", "for i, layer in enumerate(self.layers):"),
            ("forward", "g_pos = self.forward(x_pos)"),
            ("loss", "loss = torch.log1p("),
            ("backward", "loss.backward()"),
            ("update", "self.opt.step()"),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "builds `net`, which holds `self.layers`, the layers the forward pass calls" in by["model"]
    assert "`net` has 0 parameters" in by["model"]  # a plain list's modules are not registered on it
    assert "The forward pass calls an item of `self.layers`, such as `<Layer (torch module: 208 parameters" in by["model"]
    assert "takes one batch with `next(...)` before the loop; every step reuses it (as `x_pos`)" in by["batch"]
    assert "Batch shapes: `x` float32[32, 12], `y` int64[32]" in by["batch"]
    assert "This line ran 10 times in the whole run." in by["update"]  # 5 steps in each of the 2 layers


@pytest.mark.skipif(not has_torch(), reason="needs torch")
def test_settings_as_init_defaults_a_corpus_object_and_embeddings_written_by_hand(tmp_path):
    script = SHAPES / "hand_saved_embeddings.py"
    words = ["the", "cat", "sat", "on", "a", "mat", "while", "dog", "ran", "to", "log", "and", "fox", "hid"]
    (tmp_path / "corpus.txt").write_text(" ".join(words[(i * 3) % len(words)] for i in range(300)))
    proc, tour = tour_of(tmp_path, script, "corpus.txt", "emb.txt")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "trainer = Trainer(input_file_name=sys.argv[1]"),  # its __init__'s keyword defaults
            ("data", "self.data = Corpus(input_file_name, min_count)"),  # the object whose methods fetch the batches
            ("model", "self.model = SkipGram("),
            ("training loop", "for i in range(steps):"),
            ("batch", "pos_u = torch.LongTensor("),
            ("forward", "loss = self.model.forward(pos_u, pos_v, neg_v)"),
            ("backward", "loss.backward()"),
            ("update", "self.optimizer.step()"),
            ("checkpoint", "self.model.save_embedding("),  # open(path, 'w') and writes, no save library
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    for setting in ("- `emb_dimension` = `8`", "- `batch_size` = `16`", "- `initial_lr` = `0.05`", "- `min_count` = `2`"):
        assert setting in by["config"]
    assert "the `Corpus` whose `get_pairs` fetches the batches" in by["data"]
    assert "Opens `'emb.txt'` for writing; no save library is involved." in by["checkpoint"]
    assert (tmp_path / "emb.txt").read_text().startswith("14 8\n")
    assert "Not in this run: no evaluation ran." in tour.description  # and neither config nor checkpoint is said missing
    assert "synthetic" not in "".join(by.values())  # np.random.choice picks negatives from a table: no synthetic data


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_a_per_sample_loss_reduced_for_backward_in_a_plain_agent_class(tmp_path):
    """PPO in a plain agent class: ``loss.mean().backward()`` differentiates a per-sample loss vector, which is
    the loss (and what feeds it, ``self.policy.evaluate(...)``, the forward pass; the module held by the agent,
    the model); the action chosen under ``no_grad`` and handed to ``env.step`` is acting, not an evaluation; the
    rollout lists the update stacks belong to the data object built before the loop; the settings computed by
    ``int(...)`` or from other settings are settings, and so is one the loop decays; the loop's counters are not."""
    script = SHAPES / "clipped_policy_agent.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "max_len = 20"),
            ("environment", "world = Track()"),
            ("data", "self.rollouts = Rollouts()"),
            ("model", "self.policy = ActorCritic(state_dim, action_dim)"),
            ("training loop", "while time_step < max_steps:"),
            ("rollout", "state, reward, done, _ = world.step(action)"),
            ("batch", "old_states = torch.stack(self.rollouts.states).detach()"),
            ("forward", "logprobs, values, entropy = self.policy.evaluate(old_states, old_actions)"),
            ("loss", "loss = -torch.min(surr1, surr2)"),
            ("backward", "loss.mean().backward()"),
            ("update", "self.optimizer.step()"),
            ("checkpoint", "torch.save(self.policy_old.state_dict(), path)"),
        ],
    )
    assert "Not in this run: no evaluation ran." in tour.description
    by = {s.phase: s.narration for s in tour.stops}
    assert "`loss.mean().backward()` on a Tensor" in by["backward"]
    assert "`Agent.choose` fills while acting" in by["data"]
    for setting in ("max_len` = `20", "max_steps` = `160", "update_every` = `40", "save_every` = `80", "noise` = `0.5"):
        assert f"- `{setting}`" in by["config"], (setting, by["config"])
    assert "time_step" not in by["config"].split("Settings the learner")[0]
    assert "episode" not in by["config"].split("Settings the learner")[0]
    assert "Batch shapes: `old_states` float32[40, 5]" in by["batch"], by["batch"]


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_an_event_driven_engine_with_a_model_function_an_evaluator_and_a_handed_save(tmp_path):
    """ignite-style: the step closure calls the model through a function value (``model_fn(model, x)``), which is
    the forward pass (not ``model.parameters()`` given to the optimizer) and leads to the model through the
    closure; a second engine run from an epoch handler, on as many batches as training, is the evaluation; a
    saver handed ``torch.save`` that calls it as ``func(state, path)`` writes the checkpoint. The optimizer step,
    under an ``if`` that held on every recorded call, states its (estimated) count."""
    script = SHAPES / "event_engine.py"
    proc, tour = tour_of(tmp_path, script, "2")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("model", "model = nn.Sequential(nn.Linear(6, 12)"),
            ("training loop", "while self.epoch < max_epochs:"),
            ("batch", "x, y = batch"),
            ("forward", "output = model_fn(model, x)"),
            ("loss", "loss = loss_fn(output, y)"),
            ("backward", "loss.backward()"),
            ("update", "optimizer.step()"),
            ("evaluation", "with torch.no_grad():"),
            ("checkpoint", "self._save_func(state, os.path.join(self.dirname, filename), torch.save)"),
        ],
    )
    assert "no evaluation ran" not in tour.description and "no checkpoint" not in tour.description
    by = {s.phase: s.narration for s in tour.stops}
    assert "hands `torch.save` to `self._save_func`, which writes with it (`func(...)`)" in by["checkpoint"]
    assert "This line ran 2 times in the whole run." in by["checkpoint"]
    assert (tmp_path / "checkpoint_2.pt").is_file()
    assert "`model`, a Sequential holding parameters" in by["forward"]
    assert "This line ran about 10 times in the whole run." in by["update"]  # under its ``if`` in every recorded call
    assert "This line ran 14 times in the whole run." in by["evaluation"]  # 2 epochs x (5 training + 2 validation batches)


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_scores_computed_from_the_steps_own_outputs_without_the_model_are_the_evaluation(tmp_path):
    """gae-style: no ``no_grad``, no ``eval()``, no second model call; each epoch the step's outputs are copied
    out of autograd (``z.detach().numpy()``) and a numpy function ranks held-out pairs with them and returns
    numbers: that call is the evaluation, its results shown as the script printed them."""
    script = SHAPES / "embedding_scores.py"
    proc, tour = tour_of(tmp_path, script, "5")
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops][-1] == ("evaluation", line_of(script, "rank, precision = ranking("))
    assert [s.phase for s in tour.stops] == [
        "data",
        "model",
        "training loop",
        "forward",
        "loss",
        "backward",
        "update",
        "evaluation",
    ]
    assert "no evaluation ran" not in tour.description
    by = {s.phase: s.narration for s in tour.stops}
    assert "scores `emb`, the step's outputs taken out of autograd, with `ranking`" in by["evaluation"]
    printed = [float(x) for x in re.findall(r"rank ([\d.]+)", proc.stdout)]
    shown = [float(x) for x in re.findall(r"`tuple\[2\] \(([\d.]+), [\d.]+\)`", by["evaluation"])]
    assert len(printed) == 5 and shown == pytest.approx(printed, abs=6e-4)


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_an_estimator_subclassing_a_settings_dataclass_with_an_optimizer_class_as_a_setting(tmp_path):
    """tabnet-style: the estimator subclasses a dataclass of settings, adding only methods, and is built with keyword
    arguments written over several lines (the store shows after the statement's last line); it keeps
    ``optimizer_fn=torch.optim.Adam`` and makes its optimizer on a private attribute (``self._optimizer =
    self.optimizer_fn(...)``) that no recorded summary shows; its network runs a repo ``torch.autograd.Function`` 3
    times per forward, so autograd calls that ``backward`` 3 times per ``loss.backward()``: the line ran once per
    batch, not once per call of the repo's ``backward``."""
    script = SHAPES / "dataclass_estimator.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("config", "model = Regressor("),
            ("model", "self._network = Net(X.shape[1]"),
            ("training loop", "for epoch in range(max_epochs):"),
            ("forward", "output = self._network(xb)"),
            ("loss", "loss = ((output - yb) ** 2).mean()"),
            ("backward", "loss.backward()"),
            ("update", "self._optimizer.step()"),
        ],
    )
    assert "no optimizer step ran" not in tour.description
    by = {s.phase: s.narration for s in tour.stops}
    assert "`model` is a `Regressor`, a dataclass of settings with defaults" in by["config"]
    for setting in ("n_hidden` = `12", "steps` = `3", "optimizer_fn` = `<class Adam>", "optimizer_params` = `dict[1] {lr: 0.02}"):
        assert f"- `{setting}`" in by["config"], (setting, by["config"])
    assert "`self._optimizer.step()` on Adam (an optimizer)" in by["update"]
    assert "This line ran 8 times in the whole run." in by["update"]  # 2 epochs x 4 batches of 16
    assert "This line ran 8 times in the whole run." in by["backward"]  # not 24, the calls of ``Sharpen.backward``


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_an_estimators_settings_are_those_its_fit_copied_onto_it_before_the_loop(tmp_path):
    """tabnet-style: the settings dataclass is built with ``batch_size`` 1024 (a field default), and ``fit(...,
    batch_size=16, max_epochs=2)`` copies its keyword arguments onto the object before its loop: the configuration
    says what was in force while it trained, as the object reached the helper ``fit`` called before the loop; what
    ``fit`` added is listed when it is a setting (not the network it built)."""
    script = SHAPES / "fit_keywords_estimator.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    by = {s.phase: s for s in tour.stops}
    assert (by["config"].line, by["training loop"].line) == (
        line_of(script, "model = Regressor(n_hidden=12)"),
        line_of(script, "for _epoch in range(self.max_epochs):"),
    )
    config = by["config"].narration
    for setting in (
        "n_hidden` = `12",
        "lr` = `0.05",
        "batch_size` = `16 (set by the program afterwards; was 1024)",
        "max_epochs` = `2 (added by the program)",
        "patience` = `10 (added by the program)",
    ):
        assert f"- `{setting}`" in config, (setting, config)
    assert "Resolved configuration (5 settings;" in config  # not `_network` nor `_optimizer`


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_reconstructions_to_look_at_are_not_the_evaluation_when_a_function_scores_the_model(tmp_path):
    """vqvae-style: ``generate_samples`` (no_grad, returns the reconstructions of fixed images) runs before training
    and after every epoch; ``test`` (no_grad, returns the mean validation loss) after every epoch. The evaluation is
    the function that returns a score, though the other ran first."""
    script = SHAPES / "samples_then_scores.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    scoring = line_of(script, "total = 0.0") - 1  # its ``with torch.no_grad():``
    assert [(s.phase, s.line) for s in tour.stops] == [
        *expect(script, [("model", "model = AutoEncoder(12, 3)"), ("training loop", "for _epoch in range(3):")]),
        ("batch", line_of(script, "def train(batches") + 1),
        ("forward", line_of(script, "loss = F.mse_loss(recon, images)") - 1),
        *expect(
            script,
            [
                ("loss", "loss = F.mse_loss(recon, images)"),
                ("backward", "loss.backward()"),
                ("update", "optimizer.step()"),
            ],
        ),
        ("evaluation", scoring),
    ]
    by = {s.phase: s for s in tour.stops}
    assert by["evaluation"].at == "test"
    best = float(re.search(r"best validation loss ([\d.]+)", proc.stdout).group(1))
    shown = re.search(r"Every result \(3\): ([\d.]+), ([\d.]+), ([\d.]+)", by["evaluation"].narration)
    assert shown is not None, by["evaluation"].narration
    assert min(float(x) for x in shown.groups()) == pytest.approx(best, abs=6e-4)


def test_tabular_self_play_the_game_that_fills_what_the_update_sweeps_is_the_experience(tmp_path):
    """tictactoe-style: no forward pass and no ``env.step``; ``referee.play()`` in the loop makes every move, which
    each player records (``self.states.append``), and ``player.backup()`` then sweeps those states. That call collects
    each iteration's experience and the referee, built before the loop, is where it comes from: the tour must not say
    no environment was seen. The state that indexes the table (``self.values[state] += ...``) is a key, not a step size
    changed as the run goes (no learning-rate schedule)."""
    script = SHAPES / "tabular_selfplay.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("model", "first = Player(step_size=0.1, epsilon=0.2)"),
            ("environment", "referee = Referee(first, second)"),
            ("training loop", "for _game in range(games):"),
            ("batch", "winner = referee.play()"),
            ("loss", "td_error = self.values[self.states[i + 1]] - self.values[state]"),
            ("update", "self.values[state] += self.step_size * td_error"),
        ],
    )
    by = {s.phase: s for s in tour.stops}
    assert by["batch"].title == "Collecting experience: train"
    assert "`referee.play(...)` fills `states`, which `Player.backup` learns from" in by["batch"].narration
    assert "This line ran 40 times in the whole run." in by["batch"].narration
    assert "environment construction was seen" not in tour.description


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_settings_read_from_the_file_the_command_line_names_are_the_configuration(tmp_path):
    """seq2seq-style: ``--config`` names a JSON file whose dict holds the model's settings; the program sets one of them
    again (``config["batch_size"] = 8``) before building the model. The configuration stop is the file's load, with
    the settings in force when the loop started, and the command line's options are listed after them."""
    script = SHAPES / "json_settings_named.py"
    proc, tour = tour_of(tmp_path, script, "--config", "json_settings.json", "--epochs", "2")
    assert proc.returncode == 0, proc.stderr
    config = next(s for s in tour.stops if s.phase == "config")
    assert (config.at, config.line) == ("run", line_of(script, "config = json.load(f)"))
    assert "`config` holds the settings read from the file the command line names (`FLAGS.config`)" in config.narration
    for setting in ("hidden` = `16", "learning_rate` = `0.05", "batch_size` = `8 (set by the program afterwards; was 4)"):
        assert f"- `{setting}`" in config.narration, (setting, config.narration)
    options = config.narration.split("The command line names that file; its options (2, defaults included):")[1]
    assert "- `config` = `'json_settings.json' (command line)`" in options and "- `epochs` = `2 (command line)`" in options


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_a_checkpoint_written_under_a_path_object_names_the_file(tmp_path):
    """ignite-style: the saver keeps its directory as a ``Path`` (recorded as ``<PosixPath>``, no text) and saves to
    ``self.dirname / filename``: the file name is known, so the stop names the file of that name the run wrote."""
    script = SHAPES / "path_object_saver.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    checkpoint = next(s for s in tour.stops if s.phase == "checkpoint")
    assert (checkpoint.at, checkpoint.line) == ("Saver.__call__", line_of(script, "torch.save(state, path)"))
    size = (tmp_path / "checkpoints" / "model_1.pt").stat().st_size
    assert f"Writes `checkpoints/model_1.pt`, {size:,} bytes now." in checkpoint.narration
    assert "This line ran 2 times in the whole run." in checkpoint.narration


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_a_stops_values_show_the_mode_the_function_switched_its_model_to(tmp_path):
    """flows-maf-style: ``validate(model)`` calls ``model.eval()`` before its ``no_grad`` pass; the argument's summary
    was taken at the call (``training=True``). The evaluation stop's observed values show ``training=False`` and the
    line that set it; the training stops, after ``model.train()``, keep ``training=True``."""
    script = SHAPES / "eval_mode_switch.py"
    proc, trace = trace_script(tmp_path, script, root=SHAPES, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with TraceReader(trace) as reader:
        tour = build_tour(reader)
        resolved = {r.stop.phase: r for r in resolve_tour(tour, reader)}
    assert resolved["evaluation"].line == line_of(script, "with torch.no_grad():")
    eval_line = line_of(script, "    model.eval()")
    assert f"training=False (`model.eval()` at line {eval_line})" in resolved["evaluation"].observed["model"]
    assert "training=True" not in resolved["evaluation"].observed["model"]
    forward = resolved["forward"].observed["model"]
    assert f"training=True (`model.train()` at line {line_of(script, '    model.train()')})" in forward, forward


def test_a_checkpoint_callback_the_repo_built_is_where_the_library_checkpoints(tmp_path):
    """lightning-hydra-style: the repo builds the framework's checkpoint callback (``ModelCheckpoint``) and hands it
    to the trainer, whose loop writes the file: the checkpoint stop is the line that built the callback, and the
    loop stop is only the loop (the plain framework save, with no callback built, stays at the fit line)."""
    repo = SHAPES / "library_repo"
    script = repo / "train_callbacks.py"
    proc, tour = tour_of(tmp_path, script, "ckpts", root=repo)
    assert proc.returncode == 0, proc.stderr
    by = {s.phase: s for s in tour.stops}
    assert by["checkpoint"].line == line_of(script, "callbacks = [ModelCheckpoint(dirpath=sys.argv[1])]")
    assert "builds `callbacks`, holding the `ModelCheckpoint` the library calls to write checkpoint files" in (
        by["checkpoint"].narration
    )
    size = (tmp_path / "ckpts" / "last.pkl").stat().st_size
    assert f"library code wrote `ckpts/last.pkl` ({size:,} bytes)" in by["checkpoint"].narration
    assert by["training loop"].line == line_of(script, "losses = trainer.fit(model, batches)")
    assert by["training loop"].title == "The main loop: <module>"


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_a_profiling_pass_before_training_is_not_the_evaluation_and_a_scaled_expression_is_backpropagated(tmp_path):
    """recbole-style: a ``no_grad`` forward counts FLOPs once before training; the validation is a method decorated
    ``@torch.no_grad()`` called after every epoch: the evaluation is the one that ran once the model had learned.
    The backward is ``scaler.scale(loss + sync_loss).backward()``, on an expression whose value is not recorded,
    of a loss the model's method returned through a name holding it and a copy (``loss = losses``)."""
    script = SHAPES / "profiled_trainer.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("model", "model = MF(20, 30, 8)"),
            ("training loop", "for _epoch in range(epochs):"),
            ("batch", "user, pos, neg = batch"),
            ("forward", "pos_score = self.forward(user, pos)"),
            ("loss", "loss = -torch.log(torch.sigmoid(pos_score - neg_score) + 1e-10).mean()"),
            ("backward", "scaler.scale(loss + sync_loss).backward()"),
            ("update", "scaler.step(self.optimizer)"),
            ("evaluation", 'print(f"valid auc {self.evaluate(valid_batches):.3f}")'),
        ],
    )
    assert "no backward pass" not in tour.description
    by = {s.phase: s for s in tour.stops}
    assert "This line ran 8 times in the whole run." in by["backward"].narration  # 2 epochs x 4 batches
    printed = [float(x) for x in re.findall(r"valid auc ([\d.]+)", proc.stdout)]
    shown = re.search(r"Every result \(2\): ([\d.]+), ([\d.]+)", by["evaluation"].narration)
    assert shown is not None and [float(x) for x in shown.groups()] == pytest.approx(printed, abs=6e-4), by[
        "evaluation"
    ].narration


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_a_train_state_step_with_a_named_gradient_transform(tmp_path):
    """flax-style, with torch.func: ``grad_fn = grad_and_value(loss_fn, has_aux=True)`` then ``grads, ... =
    grad_fn(state.params)`` then ``state.apply_gradients(grads=grads)``; the model is applied to ``{"params":
    params}`` inside the differentiated function. The update, the forward (and from it the model and the batch) are
    found; the function that runs the model once to build the state before training is not the evaluation, the
    decode every 10 steps is."""
    script = SHAPES / "train_state_step.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("model", "state = get_train_state(torch.nn.Linear(3, 1), sgd(0.1))"),
            ("training loop", "for step in range(30):"),
            ("batch", "batch = get_batch(16)"),
            ("data", "x = torch.randn(n, 3)"),
            ("backward", "grad_fn = grad_and_value(loss_fn, has_aux=True)"),
            ("forward", 'pred = state.apply_fn({"params": params}, x)'),
            ("loss", "return loss, pred"),
            ("update", "state = state.apply_gradients(grads=grads)"),
            ("evaluation", 'print(f"step {step}: loss {loss.item():.4f}, decoded'),
        ],
    )
    by = {s.phase: s.narration for s in tour.stops}
    assert "applies `state.apply_fn` to `params`, the parameters being differentiated" in by["forward"]
    assert "`state.apply_gradients(...)` applies the gradients `grads`" in by["update"]
    assert "This line ran 30 times in the whole run." in by["update"]


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_a_second_training_procedure_is_named_and_its_frozen_teachers_pass_is_not_an_evaluation(tmp_path):
    """kd-style: a teacher is trained in one function, then a student in another (``distill``), against the teacher's
    outputs computed under ``no_grad``. The tour follows the first procedure; its update stop names the function that
    steps the other optimizer, and the teacher's no_grad pass feeding the student's loss is not an evaluation."""
    script = SHAPES / "teacher_then_student.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [s.phase for s in tour.stops] == ["model", "training loop", "forward", "backward", "update"]
    update = next(s for s in tour.stops if s.phase == "update")
    step = [n for n, text in enumerate(script.read_text().splitlines(), 1) if "optimizer.step()" in text][-1]  # distill's
    assert f"at teacher_then_student.py:{step} in `distill`, 6 times." in update.narration, update.narration
    assert "no evaluation ran" in tour.description


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_a_batch_object_whose_fields_the_loss_method_takes_by_key(tmp_path):
    """recbole-style: the forward's inputs are fields taken by key from a batch object the trainer handed to the
    model's loss method (``user = interaction["user"]``): the batch is followed back to the trainer's loop."""
    script = SHAPES / "batch_object.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert [(s.phase, s.line) for s in tour.stops] == expect(
        script,
        [
            ("training loop", "for _epoch in range(epochs):"),
            ("batch", 'interaction = interaction.to("cpu")'),
            ("forward", "score = self.forward(user, item)"),
            ("loss", "loss = nn.functional.binary_cross_entropy_with_logits(score, label)"),
            ("backward", "loss.backward()"),
            ("update", "optimizer.step()"),
        ],
    )
    batch = next(s for s in tour.stops if s.phase == "batch").narration
    assert "`interaction.to(...)` fetches the batch `MF.calculate_loss` unpacks" in batch


def test_a_pickled_list_of_scores_is_no_checkpoint_but_pickled_weights_are(tmp_path):
    """simple-ema-style: ``pickle.dump(history, f)`` of the accuracies the run collected writes results, not the
    model's state: no checkpoint stop. The same run pickling its weights too has one, at that dump."""
    script = SHAPES / "scores_pickled.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "scores.pkl").exists()
    assert "checkpoint" not in [s.phase for s in tour.stops]
    proc, tour = tour_of(tmp_path, script, "--save-weights")
    assert proc.returncode == 0, proc.stderr
    checkpoint = next(s for s in tour.stops if s.phase == "checkpoint")
    assert checkpoint.line == line_of(script, "pickle.dump(weights, f)")


@pytest.mark.skipif(not has_torch(), reason="torch not installed")
def test_a_function_decorated_inference_mode_is_the_evaluation(tmp_path):
    """scarf-style: after training, embeddings come from a method decorated ``@torch.inference_mode()`` (its def line
    ran only when the class was defined; the model is never put in ``.eval()``): the evaluation stop is where it is
    called, and the tour does not say that no evaluation ran."""
    script = SHAPES / "inference_mode_probe.py"
    proc, tour = tour_of(tmp_path, script)
    assert proc.returncode == 0, proc.stderr
    evaluation = next(s for s in tour.stops if s.phase == "evaluation")
    assert (evaluation.at, evaluation.line) == ("main", line_of(script, "embeddings = model.get_embeddings(X)"))
    update = next(s for s in tour.stops if s.phase == "update")
    assert update.line == line_of(script, "optimizer.step()")
