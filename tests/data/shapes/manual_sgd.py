"""Shape fixture: a hand-written SGD step on a bare tensor (no optimizer object), module-level loop."""

import torch

torch.manual_seed(0)
lr = 0.1
steps = 10
batch = 16
w = torch.zeros(3, requires_grad=True)
x = torch.randn(64, 3)
y = x @ torch.tensor([1.0, -2.0, 0.5])
for step in range(steps):
    xb, yb = x[step * 4 : step * 4 + batch], y[step * 4 : step * 4 + batch]
    pred = xb @ w
    loss = ((pred - yb) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        w.grad.zero_()
print(loss.item())
