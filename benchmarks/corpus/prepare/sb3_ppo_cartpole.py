"""Train PPO on CartPole with stable-baselines3, as its README's quick start does, at a tiny size.

Copied into the root of the extracted stable-baselines3 repository by bench_tours.py, so the
library under study is the repo's own code (imported from the working directory, not installed).
"""

import gymnasium as gym
from stable_baselines3 import PPO
from stable_baselines3.common.evaluation import evaluate_policy

env = gym.make("CartPole-v1")
model = PPO("MlpPolicy", env, n_steps=64, batch_size=32, n_epochs=2, learning_rate=3e-4, seed=0, verbose=1, device="cpu")
model.learn(total_timesteps=256)
mean_reward, std_reward = evaluate_policy(model, model.get_env(), n_eval_episodes=2)
print(f"mean reward {mean_reward:.1f} +/- {std_reward:.1f}")
model.save("ppo_cartpole")
