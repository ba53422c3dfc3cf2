"""REINFORCE in numpy: a softmax policy, discounted returns computed backwards, and the
policy-gradient loss -mean(log pi * G)."""

import numpy as np

rng = np.random.default_rng(1)
gamma = 0.99
theta = rng.normal(0, 0.01, (2, 2))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    probs = e / e.sum(axis=-1, keepdims=True)
    return probs


def run_episode(theta):
    states, actions, rewards = [], [], []
    s = np.array([1.0, 0.0])
    for t in range(12):
        p = softmax(s @ theta)
        a = int(rng.random() < p[1])
        states.append(s)
        actions.append(a)
        rewards.append(1.0 if a == t % 2 else 0.0)
        s = np.array([1.0, float(a)])
    return np.array(states), np.array(actions), np.array(rewards)


def discounted_returns(rewards, gamma):
    returns = np.zeros_like(rewards)
    G = 0.0
    for t in reversed(range(len(rewards))):
        G = rewards[t] + gamma * G
        returns[t] = G
    return returns


def train_step(theta):
    states, actions, rewards = run_episode(theta)
    returns = discounted_returns(rewards, gamma)
    probs = softmax(states @ theta)
    log_probs = np.log(probs[np.arange(len(actions)), actions])
    loss = -(log_probs * returns).mean()
    return loss


for episode in range(2):
    print("loss", round(float(train_step(theta)), 4))
