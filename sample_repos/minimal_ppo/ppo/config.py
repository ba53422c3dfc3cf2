"""Hyper-parameters for PPO on CartPole, gathered in one place."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class PPOConfig:
    """Everything that shapes a training run.

    The defaults learn CartPole-v1 to a mean evaluation return above 150 in a
    few seconds on a laptop CPU.
    """

    seed: int = 1
    updates: int = 40  # number of (rollout, update) cycles
    num_steps: int = 1024  # environment steps per rollout
    hidden: int = 64  # hidden units per layer, actor and critic
    lr: float = 2.5e-3
    gamma: float = 0.99  # discount factor
    gae_lambda: float = 0.95  # GAE bias/variance trade-off
    clip_eps: float = 0.2  # PPO clipping range for the probability ratio
    epochs: int = 10  # passes over each rollout
    minibatch_size: int = 128
    vf_coef: float = 0.5  # weight of the value loss
    ent_coef: float = 0.0  # weight of the entropy bonus
    max_grad_norm: float = 0.5

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)
