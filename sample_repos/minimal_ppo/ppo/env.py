"""CartPole-v1 in pure Python.

The dynamics, constants and termination rules follow the classic
Barto, Sutton & Anderson (1983) cart-pole as implemented by Gymnasium's
``CartPole-v1``: a pole on a cart, push left (action 0) or right (action 1),
+1 reward per step, the episode ends when the pole leans more than 12 degrees
or the cart leaves the track, and is truncated after 500 steps.
"""

from __future__ import annotations

import math
import random


class CartPole:
    gravity = 9.8
    masscart = 1.0
    masspole = 0.1
    total_mass = masspole + masscart
    length = 0.5  # half the pole's length
    polemass_length = masspole * length
    force_mag = 10.0
    tau = 0.02  # seconds between state updates (explicit Euler)
    theta_threshold_radians = 12 * 2 * math.pi / 360
    x_threshold = 2.4
    max_episode_steps = 500

    observation_size = 4
    num_actions = 2

    def __init__(self, seed: int | None = None) -> None:
        self._rng = random.Random(seed)
        self.state: list[float] = [0.0, 0.0, 0.0, 0.0]
        self.steps = 0

    def reset(self, seed: int | None = None) -> tuple[list[float], dict]:
        """Start an episode: each state variable uniform in [-0.05, 0.05]."""
        if seed is not None:
            self._rng = random.Random(seed)
        self.state = [self._rng.uniform(-0.05, 0.05) for _ in range(4)]
        self.steps = 0
        return list(self.state), {}

    def step(self, action: int) -> tuple[list[float], float, bool, bool, dict]:
        """Advance one tick. Returns (obs, reward, terminated, truncated, info)."""
        if action not in (0, 1):
            raise ValueError(f"invalid action {action!r}; CartPole takes 0 or 1")
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        costheta = math.cos(theta)
        sintheta = math.sin(theta)

        temp = (force + self.polemass_length * theta_dot**2 * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * costheta**2 / self.total_mass)
        )
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass

        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = [x, x_dot, theta, theta_dot]
        self.steps += 1

        terminated = (
            x < -self.x_threshold
            or x > self.x_threshold
            or theta < -self.theta_threshold_radians
            or theta > self.theta_threshold_radians
        )
        truncated = not terminated and self.steps >= self.max_episode_steps
        return list(self.state), 1.0, terminated, truncated, {}
