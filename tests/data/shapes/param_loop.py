"""All at module level, no optimizer: an open-ended loop that stops once the loss is small, with the update
written as a loop over the model's parameters (one in-place step per parameter tensor)."""

from itertools import count

import torch

torch.manual_seed(0)
true_w = torch.tensor([[2.0], [-3.0]])
layer = torch.nn.Linear(2, 1)

for step in count(1):
    x = torch.randn(16, 2)
    y = x @ true_w + 1.0
    loss = torch.nn.functional.mse_loss(layer(x), y)
    layer.zero_grad()
    loss.backward()
    for weight in layer.parameters():
        weight.data.add_(-0.1 * weight.grad)
    if loss.item() < 1e-3 or step == 300:
        break
print(f"stopped after {step} steps")
