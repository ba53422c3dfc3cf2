"""Fitting a linear map on synthetic data that a function draws afresh for every batch (no data set),
with a hand-written update, in an endless loop (itertools.count) that stops once the loss is small."""

import itertools

import torch
import torch.nn.functional as F

torch.manual_seed(0)


def get_batch(batch_size=16):
    x = torch.randn(batch_size, 3)
    y = x @ torch.tensor([[1.5], [-2.0], [0.5]]) + 0.5
    return x, y


fc = torch.nn.Linear(3, 1)
for batch_idx in itertools.count(1):
    batch_x, batch_y = get_batch()
    fc.zero_grad()
    output = F.smooth_l1_loss(fc(batch_x), batch_y)
    loss = output.item()
    output.backward()
    for param in fc.parameters():
        param.data.add_(-0.1 * param.grad)
    if loss < 1e-3 or batch_idx >= 200:
        break
print(f"loss {loss:.6f} after {batch_idx} batches")
