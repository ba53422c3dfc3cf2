"""The configuration comes from a framework: a decorator outside the repo composes it (defaults plus
``key=value`` overrides) and calls ``main(cfg)``; the repo reads nested groups (``cfg.optim.lr``)."""

import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "shape_libs"))
import composer  # noqa: E402


def train(cfg):
    rng = np.random.default_rng(cfg.seed)
    X = rng.normal(size=(32, 2))
    Y = X @ np.array([1.0, -1.0])
    w = np.zeros(2)
    for step in range(cfg.trainer.steps):
        pred = X @ w
        loss = np.mean((pred - Y) ** 2)
        grad = 2 * X.T @ (pred - Y) / len(X)
        w -= cfg.optim.lr * grad
    return loss


@composer.main(
    seed=0,
    trainer={"steps": 6},
    optim={"name": "sgd", "lr": 0.1},
    model={"net": {"width": 8, "init": {"scale": 0.0}}},
    run_name="${optim.name}-run",
)
def main(cfg):
    print(f"{train(cfg):.4f}")


if __name__ == "__main__":
    main()
