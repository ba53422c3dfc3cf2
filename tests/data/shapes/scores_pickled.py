"""simple-ema-style: a model trained by hand, scored every epoch, and the list of scores pickled at the end (not the
model). With ``--save-weights`` the weights are pickled too: that file is a checkpoint, the list of scores never is."""

import pickle
import sys

import numpy as np


def evaluate(w, b, X, y):
    predictions = X @ w + b
    return float(np.mean((predictions > 0.5) == (y > 0.5)))


def main(save_weights):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]) > 0).astype(float)
    w = np.zeros(3)
    b = 0.0
    lr = 0.1
    history = []
    for epoch in range(4):
        for i in range(0, len(X), 16):
            xb, yb = X[i : i + 16], y[i : i + 16]
            error = xb @ w + b - yb
            loss = float(np.mean(error**2))
            w = w - lr * (xb.T @ error) / len(xb)
            b = b - lr * float(np.mean(error))
        history.append(evaluate(w, b, X, y))
        print(f"epoch {epoch} loss {loss:.3f} accuracy {history[-1]:.2f}")
    with open("scores.pkl", "wb") as f:
        pickle.dump(history, f)
    if save_weights:
        weights = {"w": w, "b": b}
        with open("weights.pkl", "wb") as f:
            pickle.dump(weights, f)


if __name__ == "__main__":
    main("--save-weights" in sys.argv[1:])
