"""A training stage around a library estimator: settings read from a JSON file, a data table sliced into
features and target, the estimator fitted on them (the library runs the loop), and the fitted model pickled."""

import json
import pathlib
import pickle
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "shape_libs"))
from forests import RidgeRegressor  # noqa: E402


def train(table, alpha, n_iter):
    X = table[:, 1:]
    y = table[:, 0]
    model = RidgeRegressor(alpha=alpha, n_iter=n_iter)
    model.fit(X, y)
    return model


def main(settings_path, out_path):
    params = json.load(open(settings_path))["train"]
    rng = np.random.default_rng(params["seed"])
    table = rng.normal(size=(200, 5))
    model = train(table, alpha=params["alpha"], n_iter=params["n_iter"])
    with open(out_path, "wb") as fd:
        pickle.dump(model, fd)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
