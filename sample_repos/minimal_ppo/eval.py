"""Evaluate a trained PPO checkpoint with the greedy policy.

    python eval.py --checkpoint checkpoints/ppo_cartpole.npz --episodes 10
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from ppo.agent import evaluate
from ppo.env import CartPole
from ppo.model import ActorCritic


def load_checkpoint(path: str) -> ActorCritic:
    with np.load(path) as data:
        config = json.loads(str(data["config"]))
        model = ActorCritic(CartPole.observation_size, CartPole.num_actions, config["hidden"])
        model.load_state_dict({k: data[k] for k in data.files if k != "config"})
    return model


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", default="checkpoints/ppo_cartpole.npz")
    parser.add_argument("--episodes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1000, help="evaluation seeds differ from training seeds")
    args = parser.parse_args(argv)

    model = load_checkpoint(args.checkpoint)
    returns = evaluate(model, args.episodes, args.seed)
    for i, r in enumerate(returns):
        print(f"episode {i}: return {r:.0f}")
    print(f"mean return: {np.mean(returns):.1f}")


if __name__ == "__main__":
    main()
