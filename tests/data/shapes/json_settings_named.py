"""The model's settings are in a JSON file; the command line only names that file (and the epoch count). The program
overrides one setting of the loaded dict (``config["batch_size"] = 8``) before it builds the model from it."""

import argparse
import json
import os

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, config):
        super().__init__()
        self.hidden = nn.Linear(3, config["hidden"])
        self.drop = nn.Dropout(config["dropout"])
        self.out = nn.Linear(config["hidden"], 1)

    def forward(self, x):
        return self.out(self.drop(torch.tanh(self.hidden(x)))).squeeze(-1)


def run():
    config_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), FLAGS.config)
    with open(config_path) as f:
        config = json.load(f)
    config["batch_size"] = 8
    X = torch.randn(32, 3)
    y = X.sum(dim=1)
    model = Net(config)
    optimizer = torch.optim.SGD(model.parameters(), lr=config["learning_rate"])
    for _epoch in range(FLAGS.epochs):
        for start in range(0, len(X), config["batch_size"]):
            xb, yb = X[start : start + config["batch_size"]], y[start : start + config["batch_size"]]
            loss = ((model(xb) - yb) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", type=str)
    parser.add_argument("--epochs", default=20, type=int)
    FLAGS, _ = parser.parse_known_args()
    torch.manual_seed(0)
    run()
