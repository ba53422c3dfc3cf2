"""Training that saves what it learned, then a function that loads the saved file and scores it: a
multi-armed bandit with a table of value estimates, a hand-written update, a pickle of the table, and
greedy plays of the loaded table (the score is printed, nothing is returned)."""

import pickle
import random
import sys

ARMS = [0.2, 0.5, 0.8]


def pull(arm):
    return 1.0 if random.random() < ARMS[arm] else 0.0


class Learner:
    def __init__(self, epsilon, step_size):
        self.values = [0.0] * len(ARMS)
        self.epsilon = epsilon
        self.step_size = step_size

    def act(self):
        if random.random() < self.epsilon:
            return random.randrange(len(ARMS))
        return max(range(len(ARMS)), key=lambda a: self.values[a])

    def backup(self, arm, reward):
        td_error = reward - self.values[arm]
        self.values[arm] += self.step_size * td_error

    def save(self, path):
        with open(path, "wb") as f:
            pickle.dump(self.values, f)

    def load(self, path):
        with open(path, "rb") as f:
            self.values = pickle.load(f)


def train(plays, path):
    learner = Learner(epsilon=0.1, step_size=0.1)
    for i in range(plays):
        arm = learner.act()
        learner.backup(arm, pull(arm))
    learner.save(path)


def score(plays, path):
    learner = Learner(epsilon=0.0, step_size=0.0)
    learner.load(path)
    total = 0
    for _ in range(plays):
        total += pull(learner.act())
    print(f"greedy reward {total / plays:.2f}")


if __name__ == "__main__":
    random.seed(0)
    train(300, sys.argv[1])
    score(50, sys.argv[1])
