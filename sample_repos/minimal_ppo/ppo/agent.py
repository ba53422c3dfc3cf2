"""PPO: collect a rollout with the current policy, then improve the policy on it."""

from __future__ import annotations

import numpy as np

from .config import PPOConfig
from .env import CartPole
from .loss import ppo_loss
from .model import ActorCritic, log_softmax
from .optim import Adam, clip_grad_norm
from .storage import RolloutBuffer


class PPOAgent:
    def __init__(self, config: PPOConfig) -> None:
        self.config = config
        self.model = ActorCritic(CartPole.observation_size, CartPole.num_actions, config.hidden, seed=config.seed)
        self.optimizer = Adam(self.model.params, lr=config.lr)
        self.rng = np.random.default_rng(config.seed)

    def act(self, obs: list[float]) -> tuple[int, float, float]:
        """Sample an action from pi(.|obs). Returns (action, log-probability, value estimate)."""
        logits, value, _ = self.model.forward(np.asarray(obs)[None, :])
        logp = log_softmax(logits)[0]
        action = int(self.rng.random() < np.exp(logp[1]))  # two actions: P(action=1)
        return action, float(logp[action]), float(value[0])

    def collect_rollout(self, env: CartPole, obs: list[float], buffer: RolloutBuffer, episode_returns: list[float]):
        """Run the policy for ``num_steps`` environment steps, filling ``buffer``."""
        buffer.pos = 0
        episode_return = getattr(self, "_episode_return", 0.0)
        for _ in range(buffer.size):
            action, logprob, value = self.act(obs)
            next_obs, reward, terminated, truncated, _ = env.step(action)
            episode_return += reward
            if truncated and not terminated:
                # Bootstrap through time-limit truncation: the pole had not fallen.
                reward += self.config.gamma * self.act(next_obs)[2]
            buffer.add(obs, action, logprob, reward, terminated or truncated, value)
            obs = next_obs
            if terminated or truncated:
                episode_returns.append(episode_return)
                episode_return = 0.0
                obs, _ = env.reset()
        self._episode_return = episode_return
        last_value = self.act(obs)[2]
        buffer.compute_gae(last_value, self.config.gamma, self.config.gae_lambda)
        return obs

    def update(self, buffer: RolloutBuffer) -> dict[str, float]:
        """Several epochs of minibatch gradient steps on the clipped PPO loss."""
        cfg = self.config
        stats: dict[str, float] = {}
        for _epoch in range(cfg.epochs):
            for idx in buffer.minibatches(cfg.minibatch_size, self.rng):
                adv = buffer.advantages[idx]
                adv = (adv - adv.mean()) / (adv.std() + 1e-8)  # per-minibatch normalisation
                logits, values, cache = self.model.forward(buffer.obs[idx])
                _, stats, d_logits, d_values = ppo_loss(
                    logits, values, buffer.actions[idx], buffer.logprobs[idx], adv,
                    buffer.returns[idx], cfg.clip_eps, cfg.vf_coef, cfg.ent_coef,
                )
                grads = self.model.backward(cache, d_logits, d_values)
                clip_grad_norm(grads, cfg.max_grad_norm)
                self.optimizer.step(grads)
        return stats


def evaluate(model: ActorCritic, episodes: int, seed: int) -> list[float]:
    """Greedy (argmax) policy returns over ``episodes`` fresh episodes."""
    env = CartPole(seed=seed)
    returns = []
    for episode in range(episodes):
        obs, _ = env.reset(seed=seed + episode)
        total, done = 0.0, False
        while not done:
            logits, _, _ = model.forward(np.asarray(obs)[None, :])
            obs, reward, terminated, truncated, _ = env.step(int(np.argmax(logits[0])))
            total += reward
            done = terminated or truncated
        returns.append(total)
    return returns
