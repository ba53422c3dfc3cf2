"""Tabular TD(0) on a random walk, in plain Python: the agent keeps a value table (a dict) and, after each
step, moves one entry by its step size times the TD error. No tensors, no gradients, no optimizer; the
table is pickled at the end."""

import pickle
import random
import sys


class Agent:
    def __init__(self, step_size):
        self.step_size = step_size
        self.values = {state: 0.5 for state in range(1, 6)}
        self.values.update({0: 0.0, 6: 0.0})  # the two ends: terminal

    def backup(self, state, reward, next_state):
        td_error = reward + self.values[next_state] - self.values[state]
        self.values[state] += self.step_size * td_error


def episode(agent, rng):
    state = 3
    while state not in (0, 6):
        next_state = state + rng.choice((-1, 1))
        reward = 1.0 if next_state == 6 else 0.0
        agent.backup(state, reward, next_state)
        state = next_state


rng = random.Random(0)
agent = Agent(step_size=0.1)
for i in range(30):
    episode(agent, rng)
with open(sys.argv[1] if len(sys.argv) > 1 else "values.pkl", "wb") as f:
    pickle.dump(agent.values, f)
print(" ".join(f"{agent.values[s]:.3f}" for s in range(1, 6)))
