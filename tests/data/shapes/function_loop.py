"""Shape fixture: argparse in main(), the training loop in a function."""

import argparse

import numpy as np


class Linear:
    def __init__(self, n_in, seed):
        rng = np.random.default_rng(seed)
        self.params = {"w": rng.normal(size=n_in) * 0.01, "b": np.zeros(1)}

    def forward(self, x):
        return x @ self.params["w"] + self.params["b"]

    def backward(self, x, dpred):
        return {"w": x.T @ dpred, "b": np.array([dpred.sum()])}


class Momentum:
    def __init__(self, params, lr, beta=0.9):
        self.params = params
        self.lr = lr
        self.beta = beta
        self.velocity = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, grads):
        for k, g in grads.items():
            self.velocity[k] = self.beta * self.velocity[k] + g
            self.params[k] -= self.lr * self.velocity[k]


def mse(pred, y):
    diff = pred - y
    loss = np.mean(diff**2)
    return loss, 2 * diff / len(y)


def make_data(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4))
    return x, x @ np.array([0.5, -1.0, 2.0, 0.0])


def train(args, x, y):
    model = Linear(x.shape[1], args.seed)
    opt = Momentum(model.params, args.lr)
    for epoch in range(args.epochs):
        for start in range(0, len(x), args.batch_size):
            xb, yb = x[start : start + args.batch_size], y[start : start + args.batch_size]
            pred = model.forward(xb)
            loss, dpred = mse(pred, yb)
            grads = model.backward(xb, dpred)
            opt.step(grads)
        print(f"epoch {epoch}: loss {loss:.4f}")
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="function_loop.npz")
    args = parser.parse_args()
    x, y = make_data(64, args.seed)
    model = train(args, x, y)
    np.savez(args.out, **model.params)


if __name__ == "__main__":
    main()
