"""A small trainer class fed by a factory: the data, the model and the optimizer come back from one function as a
tuple, the model is moved to the device as the trainer stores it, then wrapped, and each batch is moved before
the step."""

import sys

import torch
from torch.utils.data import DataLoader, TensorDataset


class Trainer:
    def __init__(self, model, loader, optimizer, device):
        self.device = device
        self.model = model.to(device)
        self.model = torch.nn.DataParallel(self.model)  # a wrapper, as DistributedDataParallel is in a DDP run
        self.loader = loader
        self.optimizer = optimizer

    def _step(self, source, targets):
        self.optimizer.zero_grad()
        output = self.model(source)
        loss = torch.nn.functional.mse_loss(output, targets)
        loss.backward()
        self.optimizer.step()

    def _epoch(self):
        for source, targets in self.loader:
            source = source.to(self.device)
            targets = targets.to(self.device)
            self._step(source, targets)

    def fit(self, epochs):
        for _ in range(epochs):
            self._epoch()


def build_objects():
    features = torch.randn(96, 5)
    dataset = TensorDataset(features, features.sum(dim=1, keepdim=True))
    net = torch.nn.Linear(5, 1)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    return dataset, net, optimizer


def main(epochs):
    torch.manual_seed(0)
    dataset, net, optimizer = build_objects()
    loader = DataLoader(dataset, batch_size=32, shuffle=True)
    Trainer(net, loader, optimizer, "cpu").fit(epochs)
    print("trained")


main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
