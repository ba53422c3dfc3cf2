"""The PPO sample is real: correct gradients, correct physics, and it learns."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import PPO

np = pytest.importorskip("numpy")


@pytest.fixture(autouse=True)
def _ppo_on_path(monkeypatch):
    monkeypatch.syspath_prepend(str(PPO))


def test_cartpole_known_transition():
    from ppo.env import CartPole

    env = CartPole()
    env.state = [0.0, 0.0, 0.0, 0.0]
    obs, reward, terminated, truncated, _ = env.step(1)
    # Reference values of Gymnasium's CartPole-v1 for a push right from rest.
    assert obs == pytest.approx([0.0, 0.19512195, 0.0, -0.29268293], abs=1e-7)
    assert (reward, terminated, truncated) == (1.0, False, False)
    obs, *_ = env.step(0)
    assert obs == pytest.approx([0.00390244, 0.0, -0.00585366, 0.0], abs=1e-7)


def test_cartpole_termination_and_truncation():
    from ppo.env import CartPole

    env = CartPole(seed=0)
    env.reset(seed=0)
    env.state = [0.0, 0.0, 0.2094, 2.0]  # just inside 12 degrees, falling fast
    *_, terminated, truncated, _ = env.step(1)
    assert terminated and not truncated
    env.reset(seed=0)
    env.state = [2.39, 5.0, 0.0, 0.0]
    *_, terminated, _, _ = env.step(1)
    assert terminated
    env.reset(seed=0)
    steps, done = 0, False
    while not done:  # alternate pushes keep it up: the 500-step limit truncates
        env.state[2] = 0.0
        *_, terminated, truncated, _ = env.step(steps % 2)
        steps += 1
        done = terminated or truncated
    assert steps == 500 and truncated and not terminated
    obs1, _ = env.reset(seed=7)
    obs2, _ = CartPole().reset(seed=7)
    assert obs1 == obs2 and all(abs(v) <= 0.05 for v in obs1)
    with pytest.raises(ValueError):
        env.step(2)


def test_backward_matches_finite_differences():
    from ppo.loss import ppo_loss
    from ppo.model import ActorCritic

    rng = np.random.default_rng(0)
    model = ActorCritic(4, 2, hidden=8, seed=3)
    for p in model.params.values():
        p += rng.standard_normal(p.shape) * 0.3  # move away from the near-zero init of the last layer
    obs = rng.standard_normal((16, 4))
    actions = rng.integers(0, 2, 16)
    old_logp = np.log(rng.uniform(0.3, 0.7, 16))
    advantages = rng.standard_normal(16)
    returns = rng.standard_normal(16)
    coefs = {"clip_eps": 0.2, "vf_coef": 0.5, "ent_coef": 0.05}

    def loss_value() -> float:
        logits, values, _ = model.forward(obs)
        return ppo_loss(logits, values, actions, old_logp, advantages, returns, **coefs)[0]

    logits, values, cache = model.forward(obs)
    _, _, d_logits, d_values = ppo_loss(logits, values, actions, old_logp, advantages, returns, **coefs)
    grads = model.backward(cache, d_logits, d_values)
    eps = 1e-6
    for name, param in model.params.items():
        flat = param.reshape(-1)
        for i in rng.choice(flat.size, size=min(6, flat.size), replace=False):
            saved = flat[i]
            flat[i] = saved + eps
            up = loss_value()
            flat[i] = saved - eps
            down = loss_value()
            flat[i] = saved
            numeric = (up - down) / (2 * eps)
            assert grads[name].reshape(-1)[i] == pytest.approx(numeric, rel=1e-4, abs=1e-7), name


def test_gae_matches_hand_computation():
    from ppo.storage import RolloutBuffer

    buf = RolloutBuffer(3, 1)
    for r, done, v in [(1.0, False, 0.5), (1.0, True, 0.4), (1.0, False, 0.3)]:
        buf.add([0.0], 0, 0.0, r, done, v)
    buf.compute_gae(last_value=0.2, gamma=0.9, gae_lambda=0.8)
    d2 = 1.0 + 0.9 * 0.2 - 0.3
    d1 = 1.0 - 0.4  # episode ended: no bootstrap
    d0 = 1.0 + 0.9 * 0.4 - 0.5
    a2, a1 = d2, d1
    a0 = d0 + 0.9 * 0.8 * a1
    assert buf.advantages == pytest.approx([a0, a1, a2])
    assert buf.returns == pytest.approx([a0 + 0.5, a1 + 0.4, a2 + 0.3])


def _run(script: str, *args: str, cwd) -> str:
    proc = subprocess.run([sys.executable, str(PPO / script), *args], capture_output=True, text=True, cwd=cwd, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _mean_return(stdout: str) -> float:
    (line,) = [ln for ln in stdout.splitlines() if ln.startswith("mean return:")]
    return float(line.split(":")[1])


def test_random_policy_baseline():
    from ppo.env import CartPole

    rng = np.random.default_rng(0)
    env = CartPole(seed=0)
    returns = []
    for episode in range(50):
        env.reset(seed=episode)
        total, done = 0.0, False
        while not done:
            _, r, term, trunc, _ = env.step(int(rng.integers(0, 2)))
            total += r
            done = term or trunc
        returns.append(total)
    assert 15 < np.mean(returns) < 30  # about 22 for CartPole


def test_short_seeded_training_beats_random_policy(tmp_path):
    out = _run(
        "train.py", "--updates", "8", "--num-steps", "512", "--seed", "1", "--output", str(tmp_path / "c.npz"), cwd=tmp_path
    )
    assert "saved checkpoint" in out
    mean = _mean_return(_run("eval.py", "--checkpoint", str(tmp_path / "c.npz"), "--episodes", "5", cwd=tmp_path))
    assert mean >= 100  # a random policy scores about 22


@pytest.mark.slow
def test_default_training_reaches_150(tmp_path):
    _run("train.py", "--output", str(tmp_path / "c.npz"), cwd=tmp_path)
    mean = _mean_return(_run("eval.py", "--checkpoint", str(tmp_path / "c.npz"), cwd=tmp_path))
    assert mean >= 150
