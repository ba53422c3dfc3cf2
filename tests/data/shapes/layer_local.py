"""Layer-local training (Forward-Forward-style): the model keeps its layers in a plain Python list (so the module
holding them has no parameters of its own), each layer has its own optimizer and its own loop, and one batch is
taken with next(iter(loader)) before training; every step of every layer reuses it."""

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


class Layer(nn.Linear):
    def __init__(self, n_in, n_out):
        super().__init__(n_in, n_out)
        self.opt = torch.optim.SGD(self.parameters(), lr=0.05)
        self.steps = 5

    def train(self, x_pos, x_neg):
        for i in range(self.steps):
            g_pos = self.forward(x_pos).relu().pow(2).mean(1)
            g_neg = self.forward(x_neg).relu().pow(2).mean(1)
            loss = torch.log1p(torch.exp(torch.cat([2.0 - g_pos, g_neg - 2.0]))).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        return self.forward(x_pos).detach(), self.forward(x_neg).detach()


class Net(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = []
        for d in range(len(dims) - 1):
            self.layers = self.layers + [Layer(dims[d], dims[d + 1])]

    def train(self, x_pos, x_neg):
        h_pos, h_neg = x_pos, x_neg
        for i, layer in enumerate(self.layers):
            h_pos, h_neg = layer.train(h_pos, h_neg)


def overlay(x, y):
    x = x.clone()
    x[:, :4] = 0.0
    x[range(len(x)), y] = 1.0
    return x


if __name__ == "__main__":
    torch.manual_seed(0)
    data = TensorDataset(torch.randn(64, 12), torch.randint(0, 4, (64,)))
    loader = DataLoader(data, batch_size=32, shuffle=False)
    net = Net([12, 16, 16])
    x, y = next(iter(loader))
    x_pos = overlay(x, y)
    x_neg = overlay(x, (y + 1) % 4)
    net.train(x_pos, x_neg)
    print("layers trained:", len(net.layers))
