"""An optimizer whose step calls the forward pass: LBFGS runs the closure (forward, loss, backward)
several times per step, from inside the library; after each step the test loss is computed under
``torch.no_grad()`` in the same loop."""

import argparse

import torch
from torch import nn

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=3)
opt = parser.parse_args()

torch.manual_seed(0)
data = torch.linspace(0, 6.0, 40).reshape(4, 10).sin()
inputs, target = data[1:, :-1], data[1:, 1:]
test_input, test_target = data[:1, :-1], data[:1, 1:]

model = nn.Sequential(nn.Linear(9, 16), nn.Tanh(), nn.Linear(16, 9))
criterion = nn.MSELoss()
optimizer = torch.optim.LBFGS(model.parameters(), lr=0.5, max_iter=5)
for i in range(opt.steps):

    def closure():
        optimizer.zero_grad()
        out = model(inputs)
        loss = criterion(out, target)
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        pred = model(test_input)
        test_loss = criterion(pred, test_target)
        print("test loss:", test_loss.item())
