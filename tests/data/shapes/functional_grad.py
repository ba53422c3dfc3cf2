"""Functional training with torch.func: no optimizer object and no ``.backward()``. The loss is a function of
the parameters, ``grad(loss_fn)`` differentiates it, and a function of ours applies the gradients."""

import torch
from torch.func import functional_call, grad

torch.manual_seed(0)
X = torch.randn(512, 3)
Y = X @ torch.tensor([[1.5], [-2.0], [0.5]])
model = torch.nn.Linear(3, 1)


def batches(n):
    while True:
        for i in range(0, len(X), n):
            yield X[i : i + n], Y[i : i + n]


def loss_fn(params, batch):
    x, y = batch
    pred = functional_call(model, params, (x,))
    return torch.mean((pred - y) ** 2)


def sgd(params, grads, lr):
    return {name: p - lr * grads[name] for name, p in params.items()}


lr = 0.1
steps = 40
batch_size = 16
params = {name: p.detach() for name, p in model.named_parameters()}
stream = batches(batch_size)
for step in range(steps):
    batch = next(stream)
    grads = grad(loss_fn)(params, batch)
    params = sgd(params, grads, lr)
print(f"final loss {loss_fn(params, next(stream)).item():.4f}")
