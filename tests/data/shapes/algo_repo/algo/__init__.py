from algo.agent import Agent
from algo.envs import CartEnv
from algo.evaluation import evaluate

__all__ = ["Agent", "CartEnv", "evaluate"]
