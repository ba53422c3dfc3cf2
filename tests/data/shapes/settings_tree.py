"""Settings in a yacs-style tree: a plain class of values and nested groups, defaults overridden in
place from the command line after the tree is made, each group handed to what it configures."""

import sys

import numpy as np


class CfgNode:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def merge_from_args(self, args):
        for arg in args:
            keys, value = arg.lstrip("-").split("=")
            *path, leaf = keys.split(".")
            node = self
            for key in path:
                node = getattr(node, key)
            setattr(node, leaf, type(getattr(node, leaf))(value))


def get_config():
    C = CfgNode()
    C.data = CfgNode(n=48, noise=0.1)
    C.model = CfgNode(width=3)
    C.trainer = CfgNode(steps=6, lr=0.1)
    return C


class Data:
    def __init__(self, config):
        rng = np.random.default_rng(0)
        self.X = rng.normal(size=(config.n, 3))
        self.Y = self.X @ np.array([1.0, -2.0, 0.5]) + config.noise * rng.normal(size=config.n)


class Linear:
    def __init__(self, config):
        self.w = np.zeros(config.width)

    def forward(self, x):
        return x @ self.w


class Trainer:
    def __init__(self, config, model, data):
        self.config, self.model, self.data = config, model, data

    def run(self):
        for step in range(self.config.steps):
            pred = self.model.forward(self.data.X)
            loss = np.mean((pred - self.data.Y) ** 2)
            grad = 2 * self.data.X.T @ (pred - self.data.Y) / len(pred)
            self.model.w -= self.config.lr * grad
        return loss


if __name__ == "__main__":
    config = get_config()
    config.merge_from_args(sys.argv[1:])
    data = Data(config.data)
    model = Linear(config.model)
    print(f"{Trainer(config.trainer, model, data).run():.4f}")
