"""A stand-in for the old ``gym`` package (the API of gym <= 0.21) on top of gymnasium.

sfujim/TD3 was written against that API: ``env.seed(s)``, ``reset()`` returning the observation
alone, ``step()`` returning ``(obs, reward, done, info)`` and ``env._max_episode_steps``. Old gym
releases do not install on this Python, so the TD3 manifest puts this directory on PYTHONPATH:
the repo's code runs unedited, and this file (outside the repo root) is not traced.

zhihanyang2022/pytorch-dqn uses the same API and also reads ``env.state`` (old gym forwarded
unknown attributes to the inner env; gymnasium's wrappers do not). That repo seeds nothing, so
its manifest sets ``GYM_SHIM_SEED``: importing this module then seeds Python's, numpy's and
torch's global generators (``import gym`` is that script's first line, before its networks are
built), and ``make`` seeds the env's first reset, so the run (and its counts) are the same every time.
"""

from __future__ import annotations

import os
import random
from typing import Any

import gymnasium


class _OldApiEnv:
    def __init__(self, env: Any) -> None:
        self._env = env
        self._seed: int | None = None
        self.observation_space = env.observation_space
        self.action_space = env.action_space
        self._max_episode_steps = env.spec.max_episode_steps

    @property
    def state(self) -> Any:
        return self._env.unwrapped.state

    def seed(self, seed: int | None = None) -> list[int | None]:
        self._seed = seed  # used by the next reset, as old gym did
        return [seed]

    def reset(self) -> Any:
        obs, _info = self._env.reset(seed=self._seed)
        self._seed = None
        return obs

    def step(self, action: Any) -> tuple[Any, float, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self._env.step(action)
        return obs, float(reward), bool(terminated or truncated), info

    def close(self) -> None:
        self._env.close()


def make(env_id: str, **kwargs: Any) -> _OldApiEnv:
    env = _OldApiEnv(gymnasium.make(env_id, **kwargs))
    if _FIXED_SEED is not None:
        env.seed(_FIXED_SEED)
    return env


_FIXED_SEED = int(os.environ["GYM_SHIM_SEED"]) if os.environ.get("GYM_SHIM_SEED") else None
if _FIXED_SEED is not None:
    import numpy
    import torch

    random.seed(_FIXED_SEED)
    numpy.random.seed(_FIXED_SEED)
    torch.manual_seed(_FIXED_SEED)
