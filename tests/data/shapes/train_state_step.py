"""A flax-style functional step written with torch.func: the parameters live in a train-state object (with the function
that applies the model, ``apply_fn``); the step binds the differentiating transform to a name (``grad_fn =
grad_and_value(loss_fn, has_aux=True)``), calls it, and hands the gradients it bound to ``state.apply_gradients``.
The model is applied to ``{"params": params}`` inside the differentiated function. The state is made before the loop
by a function that runs the model once to check its output; every few steps a decode runs it on fresh problems."""

import torch
from torch.func import functional_call, grad_and_value


def sgd(lr):
    def transform(grads):
        return {k: -lr * g for k, g in grads.items()}

    return transform


class TrainState:
    def __init__(self, step, apply_fn, params, tx):
        self.step = step
        self.apply_fn = apply_fn
        self.params = params
        self.tx = tx

    def apply_gradients(self, grads):
        updates = self.tx(grads)
        params = {k: p + updates[k] for k, p in self.params.items()}
        return TrainState(self.step + 1, self.apply_fn, params, self.tx)


def get_train_state(model, tx):
    params = {name: p.detach() for name, p in model.named_parameters()}

    def apply_fn(variables, x):
        return functional_call(model, variables["params"], (x,))

    apply_fn({"params": params}, torch.zeros(1, 3))  # the output's shape, as an init would
    return TrainState(0, apply_fn, params, tx)


def train_step(state, batch):
    x, y = batch

    def loss_fn(params):
        pred = state.apply_fn({"params": params}, x)
        loss = torch.mean((pred - y) ** 2)
        return loss, pred

    grad_fn = grad_and_value(loss_fn, has_aux=True)
    grads, (loss, _pred) = grad_fn(state.params)
    state = state.apply_gradients(grads=grads)
    return state, loss


def decode(state, x):
    return state.apply_fn({"params": state.params}, x)


def get_batch(n):
    x = torch.randn(n, 3)
    return x, x @ torch.tensor([[1.5], [-2.0], [0.5]])


def main():
    torch.manual_seed(0)
    state = get_train_state(torch.nn.Linear(3, 1), sgd(0.1))
    for step in range(30):
        batch = get_batch(16)
        state, loss = train_step(state, batch)
        if step and step % 10 == 0:
            print(f"step {step}: loss {loss.item():.4f}, decoded {decode(state, get_batch(4)[0]).shape}")


if __name__ == "__main__":
    main()
