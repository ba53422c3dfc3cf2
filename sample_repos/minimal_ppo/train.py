"""Train a PPO agent on CartPole-v1 and save a checkpoint.

    python train.py                       # default run, about 6 s on a laptop CPU
    python train.py --updates 3 --num-steps 256   # a short run, e.g. to trace it
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from ppo.agent import PPOAgent, evaluate
from ppo.config import PPOConfig
from ppo.env import CartPole
from ppo.storage import RolloutBuffer


def parse_args(argv: list[str] | None = None) -> PPOConfig:
    defaults = PPOConfig()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=defaults.updates, help="rollout/update cycles")
    parser.add_argument("--num-steps", type=int, default=defaults.num_steps, help="env steps per rollout")
    parser.add_argument("--lr", type=float, default=defaults.lr, help="Adam learning rate")
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--output", default="checkpoints/ppo_cartpole.npz", help="checkpoint path")
    parser.add_argument("--eval-episodes", type=int, default=3, help="greedy evaluation episodes after training")
    args = parser.parse_args(argv)
    config = PPOConfig(updates=args.updates, num_steps=args.num_steps, lr=args.lr, seed=args.seed)
    config.output = args.output  # type: ignore[attr-defined]
    config.eval_episodes = args.eval_episodes  # type: ignore[attr-defined]
    return config


def save_checkpoint(path: str, agent: PPOAgent) -> None:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, config=json.dumps(agent.config.to_dict()), **agent.model.state_dict())


def train(config: PPOConfig) -> PPOAgent:
    env = CartPole(seed=config.seed)
    agent = PPOAgent(config)
    buffer = RolloutBuffer(config.num_steps, CartPole.observation_size)
    obs, _ = env.reset(seed=config.seed)
    episode_returns: list[float] = []
    start = time.perf_counter()
    for update in range(1, config.updates + 1):
        obs = agent.collect_rollout(env, obs, buffer, episode_returns)
        stats = agent.update(buffer)
        recent = np.mean(episode_returns[-20:]) if episode_returns else 0.0
        print(
            f"update {update:3d}/{config.updates}  return(last 20) {recent:6.1f}  "
            f"policy {stats['policy_loss']:+.3f}  value {stats['value_loss']:.2f}  "
            f"kl {stats['approx_kl']:.4f}  {time.perf_counter() - start:5.1f}s",
            flush=True,
        )
    return agent


def main(argv: list[str] | None = None) -> None:
    config = parse_args(argv)
    agent = train(config)
    save_checkpoint(config.output, agent)  # type: ignore[attr-defined]
    print(f"saved checkpoint to {config.output}")  # type: ignore[attr-defined]
    if config.eval_episodes > 0:  # type: ignore[attr-defined]
        returns = evaluate(agent.model, config.eval_episodes, seed=10_000)  # type: ignore[attr-defined]
        print(f"greedy evaluation: mean return {np.mean(returns):.1f} over {len(returns)} episodes")


if __name__ == "__main__":
    main()
