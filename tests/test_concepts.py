"""Concept cards: every card parses and renders, its math is well formed, it matches real
traced fixtures (small numpy scripts, one torch script) at the expected lines, and it matches
none of the decoys (code that only looks like the concept by its names)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT, has_torch, requires_torch, run_cli, trace_script

from codetour.concepts import CardFormatError, attach, find_card, load_cards, match_region, match_run, parse_card
from codetour.concepts.render import card_markdown, card_text, match_markdown, match_text
from codetour.concepts.values import check, parse_value
from codetour.store.reader import TraceReader
from codetour.tour.build import build_tour
from codetour.tour.model import load_tour
from codetour.tour.resolve import resolve_tour

DATA = Path(__file__).resolve().parent / "data" / "concepts"
CARDS = load_cards()
NAMES = [c.name for c in CARDS]

# fixture -> card -> (function, text on the first line where it matches)
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "ppo_numpy": {
        "env-step": ("<module>", "next_obs, reward, terminated, truncated, info = env.step(action)"),
        "gae": ("<module>", "delta = rewards[t] + gamma"),
        "softmax": ("<module>", "logp_all = logits - np.log("),
        "advantage-normalisation": ("<module>", "mb_advantages = (mb_advantages - mb_advantages.mean())"),
        "ppo-ratio": ("<module>", "ratio = np.exp(newlogprob - logprobs[mb_inds])"),
        "ppo-clip": ("<module>", "pg_loss2 = -mb_advantages * np.clip("),
        "value-loss": ("<module>", "v_clipped = values[mb_inds] + np.clip("),
        "entropy-bonus": ("<module>", "loss = pg_loss - ent_coef * entropy"),
        "grad-clipping": ("<module>", "total_norm = np.sqrt("),
        "adam": ("<module>", "m[k] = b1 * m[k]"),
    },
    "dqn_numpy": {
        "epsilon-greedy": ("<module>", "if random.random() < epsilon:"),
        "env-step": ("<module>", "next_obs, reward, done, info = env.step(action)"),
        "replay-buffer": ("<module>", "b_obs, b_actions, b_rewards, b_next_obs, b_dones = rb.sample(batch_size)"),
        "td-target": ("<module>", "td_target = b_rewards + gamma * target_max * (1 - b_dones)"),
        "mse": ("<module>", "loss = ((q_pred - td_target) ** 2).mean()"),
        "sgd": ("<module>", "W -= lr * grad"),
        "soft-update": ("<module>", "W_target = tau * W + (1.0 - tau) * W_target"),
    },
    "reinforce_numpy": {
        "softmax": ("softmax", "probs = e / e.sum("),
        "discounted-return": ("discounted_returns", "for t in reversed(range(len(rewards))):"),
        "policy-gradient": ("train_step", "loss = -(log_probs * returns).mean()"),
    },
    "diffusion_numpy": {
        "diffusion-schedule": ("<module>", "alphas_cumprod = np.cumprod(alphas)"),
        "denoising-loss": ("diffusion_loss", "x_t = np.sqrt(a_bar) * x0"),  # refines mse: no separate mse card
    },
    "gpt_numpy": {
        "grad-accumulation": ("<module>", "for micro_step in range(grad_accum_steps):"),
        "embeddings": ("forward", "tok_emb = wte[idx]"),
        "residual-stream": ("forward", "x = x + attention(layer_norm(x))"),
        "layer-norm": ("layer_norm", "mean = x.mean(axis=-1, keepdims=True)"),
        "attention": ("attention", "att = q @ k.swapaxes(-1, -2) / np.sqrt("),
        "causal-mask": ("attention", "att = np.where(causal, att, -np.inf)"),
        "softmax": ("softmax", "weights = e / e.sum("),
        "dropout": ("dropout", "keep_mask = (rng.random(x.shape) >= p) / (1 - p)"),
        "cross-entropy": ("forward", "loss = -logp[np.arange(B * T), targets.reshape(-1)].mean()"),
        "mixed-precision": ("<module>", "h16 = h.astype(np.float16)"),
        "sgd": ("<module>", "W_head -= lr * grad_sum"),
        "lr-schedule": ("get_lr", "coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))"),
        "checkpointing": ("<module>", "np.savez(out, wte=wte"),
    },
    "gpt_torch": {
        "dropout": ("Head.__init__", "self.dropout = nn.Dropout(dropout)"),
        "layer-norm": ("Block.__init__", "self.ln1 = nn.LayerNorm(n_embd)"),
        "adam": ("<module>", "optimizer = torch.optim.AdamW(optim_groups"),
        "lr-schedule": ("<module>", "scheduler = torch.optim.lr_scheduler.LambdaLR("),
        "grad-accumulation": ("<module>", "for micro_step in range(grad_accum_steps):"),
        "mixed-precision": ("<module>", "with torch.autocast("),
        "embeddings": ("GPT.forward", "tok_emb = self.token_embedding_table(idx)"),
        "residual-stream": ("Block.forward", "x = x + self.attend(self.ln1(x))"),
        "attention": ("Head.forward", "wei = q @ k.transpose(-2, -1)"),
        "causal-mask": ("Head.forward", "wei = wei.masked_fill("),
        "softmax": ("Head.forward", "wei = F.softmax(wei, dim=-1)"),
        "cross-entropy": ("GPT.forward", "loss = F.cross_entropy(logits, targets)"),
        "grad-clipping": ("<module>", "norm = torch.nn.utils.clip_grad_norm_("),
        "train-eval-mode": ("<module>", "with torch.no_grad():"),
        "checkpointing": ("<module>", "torch.save(model.state_dict(), out)"),
    },
}
TORCH_FIXTURES = {"gpt_torch"}
SHAPES = Path(__file__).resolve().parent / "data" / "shapes"
SHAPE_FIXTURES = ["returns_and_penalty"]  # torch scripts shared with the tour-shape tests


def _line_of(script: str, text: str) -> int:
    for n, line in enumerate((DATA / f"{script}.py").read_text().splitlines(), 1):
        if text in line:
            return n
    raise AssertionError(f"{text!r} not in {script}.py")


def _trace_all(folder: Path, names: list[str]) -> dict[str, Path]:
    out = {}
    for name in names:
        proc, path = trace_script(folder, DATA / f"{name}.py", str(folder), root=DATA)
        assert proc.returncode == 0, proc.stderr
        out[name] = path
    return out


def _match_all(traces: dict[str, Path]) -> dict[str, list]:
    result = {}
    for name, path in traces.items():
        with TraceReader(path) as reader:
            result[name] = match_run(reader)
    return result


@pytest.fixture(scope="module")
def traces(tmp_path_factory) -> dict[str, Path]:
    """Each numpy fixture script (and the decoys) traced for real with the codetour CLI, once."""
    return _trace_all(tmp_path_factory.mktemp("concepts"), [n for n in EXPECTED if n not in TORCH_FIXTURES] + ["decoys"])


@pytest.fixture(scope="module")
def matches(traces) -> dict[str, list]:
    return _match_all(traces)


@pytest.fixture(scope="module")
def torch_matches(tmp_path_factory) -> dict[str, list]:
    """The torch fixtures, traced only when torch is installed (an import of torch takes seconds)."""
    if not has_torch():
        return {}
    return _match_all(_trace_all(tmp_path_factory.mktemp("concepts_torch"), sorted(TORCH_FIXTURES)))


# ---------------------------------------------------------------------------- the cards themselves
def test_there_are_enough_cards_and_names_are_unique():
    assert len(CARDS) >= 25
    assert len(set(NAMES)) == len(NAMES)
    for required in ("cross-entropy", "attention", "causal-mask", "adam", "gae", "ppo-clip", "td-target", "denoising-loss"):
        assert required in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_card_renders_with_every_section(name):
    card = find_card(name)
    assert card is not None and card.name == name
    text = card_text(card)
    md = card_markdown(card)
    for section in ("Idea", "Math", "Recognise it in code", "Check the code against the math"):
        assert section in text
    assert card.title in text and card.title in md
    assert "```text" in md and card.math in md
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", card.idea.strip()) if s]
    assert 2 <= len(sentences) <= 3, f"{name}: the idea should be two or three plain sentences"
    assert card.here, f"{name}: no '## Here' template"


_PAIRS = {"(": ")", "[": "]", "{": "}"}


@pytest.mark.parametrize("name", NAMES)
def test_math_block_is_well_formed(name):
    math = find_card(name).math
    assert math.strip(), f"{name}: empty math"
    assert "\\" not in math and "$" not in math, f"{name}: math is Unicode text, not LaTeX"
    assert re.search(r"[=←~≈⇒]", math), f"{name}: math has no relation"
    for n, line in enumerate(math.splitlines(), 1):
        stack = []
        for ch in line:
            if ch in _PAIRS:
                stack.append(_PAIRS[ch])
            elif ch in _PAIRS.values():
                assert stack and stack.pop() == ch, f"{name}: unbalanced {ch!r} on math line {n}: {line}"
        assert not stack, f"{name}: unclosed bracket on math line {n}: {line}"


@pytest.mark.parametrize("name", NAMES)
def test_card_templates_use_only_symbols_its_code_binds(name):
    card = find_card(name)
    symbols = {s for r in card.code for s in r.symbols}
    for template in card.here:
        for sym in re.findall(r"\{!?(\w+)", template):
            assert sym in symbols, f"{name}: template uses {{{sym}}} which no code rule binds"


def test_find_card_by_alias_and_title():
    assert find_card("next-token loss").name == "cross-entropy"
    assert find_card("Polyak averaging").name == "soft-update"
    assert find_card("ADAMW").name == "adam"
    assert find_card("no such concept") is None


CARD_OK = """# T
name: t

## Idea
One. Two.

## Math
```text
y = x
```

## Recognise it in code
```requires
code a: (?P<y>\\w+) = (?P<x>\\w+)$
{fact}
```

## Check the code against the math
Look.

## Here
- {{y}}
"""


def test_a_card_without_a_runtime_fact_is_rejected():
    assert parse_card(CARD_OK.format(fact="fact y: float-array")).name == "t"
    with pytest.raises(CardFormatError, match="never matches on code alone"):
        parse_card(CARD_OK.format(fact="fact? y: float-array"))
    with pytest.raises(CardFormatError, match="unknown predicate"):
        parse_card(CARD_OK.format(fact="fact y: shiny"))
    with pytest.raises(CardFormatError, match="no code rule captures"):
        parse_card(CARD_OK.format(fact="fact z: float-array"))
    with pytest.raises(CardFormatError, match="missing section"):
        parse_card(CARD_OK.format(fact="fact y: float-array").split("## Here")[0])


def test_summaries_parse_into_facts():
    v = parse_value("ndarray float64[128] min 0.92 max 1.07 mean 0.995")
    assert (v.kind, v.dtype, v.shape, v.lo, v.hi) == ("array", "float64", (128,), 0.92, 1.07)
    assert check("float-array and mean ~ 1 ± 0.01", v) and not check("int-array", v)
    t = parse_value("Tensor bfloat16[4, 16, 16] requires_grad")
    assert check("tensor and square and requires_grad", t)
    assert not check("min >= 0", t) and check("min >= 0", t, unknown=True)
    s = parse_value("Tensor float32[] requires_grad = 4.17")
    assert check("number and min > 4", s)
    for scalar in ("float64 = 0.99", "float64 float64[] = 0.99"):
        assert check("float and number and value ~ 0.99 ± 0.001", parse_value(scalar)), scalar
    assert check("int and min >= 2", parse_value("int64 = 2")) and check("bool", parse_value("True"))
    o = parse_value("<Adam params=dict[12] lr=0.0025 b1=0.9 b2=0.999 …>")
    assert o.kind == "object" and o.type == "Adam" and o.fields["b2"] == "0.999"
    assert parse_value("<module numpy>").type == "numpy"
    block = parse_value("<Block (torch module: 2,112 parameters; 2 children: ln1 LayerNorm, sa Head) training=True …>")
    assert block.kind == "torch-module" and block.fields["training"] == "True"
    assert parse_value(block.fields["ln1"]).type == "LayerNorm" and parse_value(block.fields["ln1"]).kind == "torch-module"
    assert check("min < -1e30", parse_value("ndarray float64[2, 2] min -inf max 0.5 mean -inf"))


# ---------------------------------------------------------------------------- matching real traces
@pytest.mark.parametrize("script", [n for n in EXPECTED if n not in TORCH_FIXTURES])
def test_fixture_matches_exactly_the_expected_cards(script, matches):
    found = {}
    for m in matches[script]:
        found.setdefault(m.card.name, m)
    assert set(found) == set(EXPECTED[script]), "cards matched differ from the expected ones"
    for name, (function, text) in EXPECTED[script].items():
        m = found[name]
        assert m.function == function, f"{name} matched in {m.function}"
        assert m.lines[0] == _line_of(script, text), f"{name} matched at {m.lines}"
        assert m.here(), f"{name}: nothing of this run filled in"


@requires_torch
@pytest.mark.torch
def test_torch_fixture_matches_exactly_the_expected_cards(torch_matches):
    found = {}
    for m in torch_matches["gpt_torch"]:
        found.setdefault(m.card.name, m)
    assert set(found) == set(EXPECTED["gpt_torch"])
    for name, (function, text) in EXPECTED["gpt_torch"].items():
        assert (found[name].function, found[name].lines[0]) == (function, _line_of("gpt_torch", text)), name
    assert found["adam"].values["fn"].type == "torch.optim.AdamW"
    assert found["cross-entropy"].values["targets"].dtype == "int64"


@pytest.fixture(scope="module")
def shape_matches(tmp_path_factory) -> dict[str, list]:
    """Tour-shape fixtures whose lines only look like a concept, traced when torch is installed."""
    if not has_torch():
        return {}
    folder = tmp_path_factory.mktemp("concepts_shapes")
    out = {}
    for name in SHAPE_FIXTURES:
        proc, path = trace_script(folder, SHAPES / f"{name}.py", root=SHAPES, cwd=folder)
        assert proc.returncode == 0, proc.stderr
        with TraceReader(path) as reader:
            out[name] = match_run(reader)
    return out


def _shape_line(script: str, text: str) -> int:
    hits = [n for n, line in enumerate((SHAPES / f"{script}.py").read_text().splitlines(), 1) if text in line]
    assert len(hits) == 1, (text, hits)
    return hits[0]


@requires_torch
@pytest.mark.torch
def test_a_loss_adjusted_by_a_tracked_term_is_no_sgd_step_and_rescaled_returns_are_no_advantages(shape_matches):
    """``loss = loss - weight * penalty`` has the shape of a hand-written SGD step, but the term subtracted still
    requires grad: it is part of the loss, and the SGD card matches the real step on the probe (``probe -= lr *
    probe.grad``) instead. ``returns = (returns - returns.mean()) / (returns.std() + eps)`` followed by ``advantages =
    returns - values.detach()`` normalises the returns, not the advantages: the return card, not the advantage one."""
    found = {m.card.name: m for m in shape_matches["returns_and_penalty"]}
    sgd = found["sgd"]
    assert sgd.lines == [_shape_line("returns_and_penalty", "probe -= lr * probe.grad")]
    assert _shape_line("returns_and_penalty", "loss = loss - penalty_weight * penalty") not in sgd.sites
    assert "advantage-normalisation" not in found
    returns = found["return-normalisation"]
    assert returns.lines == [
        _shape_line("returns_and_penalty", "returns = (returns - returns.mean())"),
        _shape_line("returns_and_penalty", "advantages = returns - values.detach()"),
    ]
    assert returns.symbols["values"] == "values" and returns.values["ret"].mean == pytest.approx(0, abs=1e-6)
    assert "- `advantages` = `returns` − `values`: the advantages, made from the rescaled returns" in returns.here()


def test_every_card_matches_some_fixture(matches, torch_matches, shape_matches):
    fixtures = {**matches, **torch_matches, **shape_matches}
    seen = {m.card.name for name, ms in fixtures.items() if name != "decoys" for m in ms}
    missing = set(NAMES) - seen
    if not has_torch():
        missing -= {"train-eval-mode", "return-normalisation"}  # only torch fixtures have no_grad / eval(), rescaled returns
    assert not missing, f"cards no fixture exercises: {sorted(missing)}"


def test_no_card_matches_a_decoy(matches):
    wrong = [(m.card.name, m.function, m.lines) for m in matches["decoys"]]
    assert wrong == []


def test_filled_values_come_from_the_run(matches):
    ratio = next(m for m in matches["ppo_numpy"] if m.card.name == "ppo-ratio")
    assert ratio.symbols == {"ratio": "ratio", "logp": "newlogprob", "old": "logprobs[mb_inds]", "eps": "clip_coef"}
    assert ratio.values["eps"].short() == "0.2"
    (first_check,) = ratio.checks
    assert first_check.agrees, "the first minibatch's ratio is exactly 1"
    assert ratio.series["ratio"], "later minibatches' ratios are kept"
    assert any("`clip_coef` = 0.2" in line for line in ratio.here())
    ce = next(m for m in matches["gpt_numpy"] if m.card.name == "cross-entropy")
    assert [(c.message.split(":")[0], c.agrees) for c in ce.checks] == [
        ("cross-entropy is never negative", True),
        ("on the first batch the loss is close to log V, V = the number of classes", True),
    ]
    assert check("near-log-classes x", parse_value("2.3"), {"x": parse_value("ndarray float32[4, 10]")})
    assert not check("near-log-classes x", parse_value("9.0"), {"x": parse_value("ndarray float32[4, 10]")})
    schedule = next(m for m in matches["diffusion_numpy"] if m.card.name == "diffusion-schedule")
    assert [c.agrees for c in schedule.checks] == [True, True]
    text, md = match_text(ratio), match_markdown(ratio)
    assert "Math:" in text and "exp(" in text and "✓" in text
    assert md.startswith("#### Concept: PPO: the probability ratio") and "```text" in md


def test_match_region_limits_to_lines(traces):
    with TraceReader(traces["ppo_numpy"]) as reader:
        module = next(f for f in reader.functions.values() if f.kind == "module" and f.qualname == "<module>")
        frame = reader.frames_of(module.id)[0]
        line = _line_of("ppo_numpy", "ratio = np.exp(")
        near = match_region(reader, frame.id, set(range(line, line + 4)))
        assert {m.card.name for m in near} == {"ppo-ratio", "ppo-clip"}
        assert match_region(reader, frame.id, {1, 2, 3}) == []


# ---------------------------------------------------------------------------- the sample and its hand-written tour
HAND_WRITTEN = {
    # stop title -> (card, formula fragments both must contain, after normalising)
    "The probability ratio": ("ppo-ratio", ["r_t(θ)=π_θ(a_t|s_t)/π_θold(a_t|s_t)", "exp(logπ_θ"]),
    "Clipping the surrogate objective": ("ppo-clip", ["min(r_t", "clip(r_t", "1−ε,1+ε)"]),
    "Advantage estimation (GAE)": (
        "gae",
        ["δ_t=r_t+γ·V(s_{t+1})·(1−d_t)−V(s_t)", "A_t=δ_t+γ·λ·(1−d_t)·A_{t+1}", "R_t=A_t+V(s_t)"],
    ),
    "The value loss": ("value-loss", ["(V_θ(s_t)−R_t)²"]),
    "The entropy bonus": ("entropy-bonus", ["−Σ_aπ(a|s)·logπ(a|s)", "c_V·L_V−c_H·"]),
    "The optimizer step (Adam)": ("adam", ["(1−β₁)", "(1−β₂)", "/(1−β₁ᵗ)", "/(1−β₂ᵗ)", "(√v̂"]),
    "Sampling an action from the policy": ("softmax", ["softmax(z)"]),
    "Minibatch epochs": ("advantage-normalisation", []),
    "Collecting a rollout": ("env-step", []),
}


def _normal(math: str) -> str:
    text = re.sub(r"\s+", "", math)
    for a, b in (("done_t", "d_t"), ("Â", "A"), ("Σₐ", "Σ_a"), ("(θ)·A_t", "·A_t"), ("(θ),", ",")):
        text = text.replace(a, b)
    return text


def _hand_math(narration: str) -> str:
    m = re.search(r"\*\*Math\.\*\*(.*?)(?:\n\n|$)", narration, re.S)
    return m.group(1) if m else ""


def test_hand_written_ppo_tour_and_cards_agree_on_the_math(ppo_trace):
    tour = load_tour(ROOT / "tours" / "minimal_ppo.md")
    with TraceReader(ppo_trace) as reader:
        resolved = resolve_tour(tour, reader)
        anchors = [(r.file, r.stop.at, r.line, r.stop.phase) for r in resolved]
        per_stop, _rest = attach(match_run(reader), anchors)
    by_title = {r.stop.title: (r, cards) for r, cards in zip(resolved, per_stop)}
    for title, (card_name, fragments) in HAND_WRITTEN.items():
        stop, cards = by_title[title]
        names = [m.card.name for m in cards]
        assert card_name in names, f"{title!r}: expected card {card_name}, got {names}"
        card_math = _normal(find_card(card_name).math)
        hand_math = _normal(_hand_math(stop.stop.narration))
        for fragment in fragments:
            assert fragment in hand_math, f"{title!r}: hand-written math lacks {fragment}"
            assert fragment in card_math, f"{card_name}: card math lacks {fragment}"


# ---------------------------------------------------------------------------- `codetour concepts`
def _concepts(*argv: str) -> str:
    import argparse

    from codetour.concepts import cli

    parser = argparse.ArgumentParser(prog="codetour")
    cli.add_parser(parser.add_subparsers())
    return cli.run(parser.parse_args(["concepts", *argv]))


def test_concepts_command_lists_shows_and_matches(capsys, traces):
    from codetour.errors import UsageError

    assert _concepts() == 0
    listing = capsys.readouterr().out
    assert all(name in listing for name in NAMES) and f"{len(CARDS)} cards" in listing
    assert _concepts("Polyak averaging") == 0
    shown = capsys.readouterr().out
    assert "θ⁻ ← τ·θ + (1 − τ)·θ⁻" in shown and "Check the code against the math" in shown
    assert _concepts("--tag", "diffusion") == 0
    assert set(capsys.readouterr().out.split()) >= {"denoising-loss", "diffusion-schedule"}
    assert _concepts("gae", "--trace", str(traces["ppo_numpy"])) == 0
    matched = capsys.readouterr().out
    assert "ppo_numpy.py:" in matched and "`gamma` = " not in matched and "γ = 0.99, λ = 0.95" in matched
    with pytest.raises(UsageError, match="no concept card called 'gea'") as err:
        _concepts("gea")
    assert "gae" in (err.value.hint or "")


def test_generated_ppo_tour_carries_the_same_math_as_the_hand_written_one(ppo_trace):
    """The generated tour of the sample attaches the cards the hand-written tour's math is about,
    the loss concepts at its loss stop; and no card is left unattached."""
    with TraceReader(ppo_trace) as reader:
        resolved = resolve_tour(build_tour(reader), reader)
        per_stop, rest = attach(match_run(reader), [(r.file, r.stop.at, r.line, r.stop.phase) for r in resolved])
    placed = {m.card.name: r.stop.phase for r, cards in zip(resolved, per_stop) for m in cards}
    for card_name, _fragments in HAND_WRITTEN.values():
        assert card_name in placed, f"{card_name} is not at any stop of the generated tour"
    for card_name in ("ppo-ratio", "ppo-clip", "value-loss", "entropy-bonus"):
        assert placed[card_name] == "loss", f"{card_name} attached at {placed[card_name]}"
    assert "mse" not in placed, "the value loss card makes the general MSE card redundant on that line"
    assert rest == []


def test_tour_print_shows_the_cards_at_their_stops(ppo_trace):
    """`codetour tour print TRACE --markdown`: each concept under the stop it belongs to, with this run's values."""
    proc = run_cli("tour", "print", str(ppo_trace), "--markdown")
    assert proc.returncode == 0, proc.stderr
    stops = re.split(r"^## \d+\. ", proc.stdout, flags=re.M)[1:]
    loss = next(s for s in stops if "phase: loss" in s.splitlines()[2])
    assert "### Concept: PPO: the probability ratio (`ppo-ratio`)" in loss
    assert "r_t(θ) = π_θ(a_t | s_t) / π_θold(a_t | s_t)" in loss and "clipped with ε = `clip_eps` = 0.2" in loss
    update = next(s for s in stops if "phase: update" in s.splitlines()[2])
    assert "### Concept: Adam and AdamW (`adam`)" in update
    assert "### Concept: PPO" not in update, "each card shows once, at its own stop"


def test_concepts_command_through_the_real_cli(ppo_trace):
    shown = run_cli("concepts", "gae")
    assert shown.returncode == 0, shown.stderr
    assert "Generalised advantage estimation (GAE)" in shown.stdout and "δ_t = r_t + γ·V(s_{t+1})" in shown.stdout
    matched = run_cli("concepts", "--trace", str(ppo_trace), "--markdown")
    assert matched.returncode == 0, matched.stderr
    assert "#### Concept: PPO: the probability ratio (`ppo-ratio`)" in matched.stdout
    unknown = run_cli("concepts", "gea")
    assert unknown.returncode == 2 and unknown.stderr.strip() == "codetour: no concept card called 'gea' (did you mean: gae?)"
    missing = run_cli("concepts", "--trace", "no-such.ctrace")
    assert missing.returncode == 3 and "Traceback" not in missing.stderr
