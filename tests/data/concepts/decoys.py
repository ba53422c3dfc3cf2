"""Code that *looks* like ML concepts by its names or shapes but is not: no card may match here.

Each function is a trap for one or more cards; the names are chosen to mislead."""

import math
import random

import numpy as np

rng = np.random.default_rng(4)


def count_losses(events):
    loss = 0  # a counter named loss
    for e in events:
        if e == "lost":
            loss += 1
    loss = loss / 2
    return loss


def attention(x):
    """Named attention, does no softmax and no query-key product."""
    att = x @ x.T
    out = att.mean()
    return out


def softmax(x):
    """Named softmax, just rescales."""
    probs = x / 10
    return probs


def ratio_of_sums(a, b):
    """exp of a difference, no clipping anywhere: not PPO."""
    ratio = np.exp(a - b)
    total = ratio.sum()
    return total


def env_like(parser):
    """A .step() that returns strings, not a transition."""
    obs, reward, done, info = parser.step("token")
    return obs, reward, done, info


class Parser:
    def step(self, token):
        return token, "reward", "done", {}


def epsilon_coin(eps_label):
    """An if on a random draw against a string-free threshold that is not a probability."""
    epsilon = 5.0
    if random.random() < epsilon:
        return "always"
    return "never"


def running_average(values, momentum=0.9):
    """The Adam/Polyak formula shape on plain floats: an exponential moving average."""
    avg = 0.0
    for value in values:
        avg = momentum * avg + (1 - momentum) * value
    return avg


def total_score(scores):
    """x = x + f(x) on a scalar: not a residual stream."""
    x = 1.0
    x = x + math.sqrt(x)
    return x


def wobble(batch):
    """x = x + f(x) on a (B, T, C) array, where f is a library function: not a sub-layer."""
    x = rng.normal(size=(2, 4, 3))
    x = x + np.sin(x)
    return x


def pretend_checkpoint(path):
    """A function named save that writes a text file with open()."""
    with open(path, "w") as fh:
        fh.write("not a checkpoint")
    return path


def schedule_words(step):
    """A 'warmup' that is about strings."""
    lr = "warm" * step
    return lr


def mean_square(values):
    """A variance of integers: a squared difference of ints, not a regression loss."""
    ints = np.array(values, dtype=np.int64)
    centre = int(ints.mean())
    var = ((ints - centre) ** 2).mean()
    return var


def table_lookup(words):
    """Indexing a table of strings by ints and adding two lists."""
    table = ["a", "b", "c"]
    idx = np.array([0, 1, 2])
    first = [table[i] for i in idx]
    both = first + first
    return both


class RunningStats:
    """Batch-norm style running statistics: the Polyak/Adam formula shape, with a coefficient
    the summaries do not show (an attribute), on arrays named like a target."""

    def __init__(self):
        self.momentum = 0.9
        self.running_mean = np.zeros(3)
        self.count = 0

    def update(self, batch):
        target_mean = batch.mean(axis=0)
        self.running_mean = self.momentum * self.running_mean + (1 - self.momentum) * target_mean
        return self.running_mean


def returns_of_prices(prices, rate=0.99):
    """'reward + gamma * next' over prices, with no episode and no reversed loop."""
    value = 0.0
    for p in prices:
        value = p + rate * value
    return value


def fake_optimizer_step(params, grad):
    lr = 100.0  # not a learning rate: far too large to be one
    params -= lr * grad
    return params


if __name__ == "__main__":
    import os
    import sys

    count_losses(["lost", "won", "lost"])
    attention(rng.normal(size=(4, 3)))
    softmax(np.arange(5.0))
    ratio_of_sums(np.arange(3.0), np.ones(3))
    env_like(Parser())
    epsilon_coin("eps")
    running_average([1.0, 2.0, 3.0])
    total_score([1, 2])
    wobble(None)
    pretend_checkpoint(os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "decoy.txt"))
    schedule_words(2)
    mean_square([1, 2, 3, 4])
    table_lookup(["x"])
    fake_optimizer_step(np.ones(3), np.ones(3))
    RunningStats().update(rng.normal(size=(4, 3)))
    returns_of_prices([1.0, 2.0])
    print("decoys ran")
