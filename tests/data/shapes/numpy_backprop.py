"""Shape fixture: a two-layer numpy network trained with hand-written backprop at module level: no optimizer
object, no autograd; the gradients are arrays computed from the predictions and the weights are moved
against them in place (``W -= lr * dW``); the loss is a function called on each iteration."""

import numpy as np

lr = 0.5
epochs = 15
hidden = 8

rng = np.random.default_rng(0)
X = rng.normal(size=(64, 2))
y = (X[:, :1] * X[:, 1:] > 0).astype(float)

W1 = rng.normal(size=(2, hidden)) * 0.5
W2 = rng.normal(size=(hidden, 1)) * 0.5


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def bce(p, t):
    return float(-np.mean(t * np.log(p + 1e-9) + (1 - t) * np.log(1 - p + 1e-9)))


for epoch in range(epochs):
    h = np.tanh(X @ W1)
    p = sigmoid(h @ W2)
    loss = bce(p, y)
    dz = (p - y) / len(y)
    dW2 = h.T @ dz
    dh = dz @ W2.T * (1 - h**2)
    dW1 = X.T @ dh
    W2 -= lr * dW2
    W1 -= lr * dW1
print(f"loss {loss:.4f}")
