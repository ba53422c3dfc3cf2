"""A stand-in for the old ``gym`` package (the API of gym <= 0.21) on top of gymnasium.

sfujim/TD3 was written against that API: ``env.seed(s)``, ``reset()`` returning the observation
alone, ``step()`` returning ``(obs, reward, done, info)`` and ``env._max_episode_steps``. Old gym
releases do not install on this Python, so the TD3 manifest puts this directory on PYTHONPATH:
the repo's code runs unedited, and this file (outside the repo root) is not traced.
"""

from __future__ import annotations

from typing import Any

import gymnasium


class _OldApiEnv:
    def __init__(self, env: Any) -> None:
        self._env = env
        self._seed: int | None = None
        self.observation_space = env.observation_space
        self.action_space = env.action_space
        self._max_episode_steps = env.spec.max_episode_steps

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
    return _OldApiEnv(gymnasium.make(env_id, **kwargs))
