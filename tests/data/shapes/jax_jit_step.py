"""JAX: the model is a function of a parameter pytree, the step is ``@jit``-compiled, and ``grad(loss)`` runs
inside it, so the step's Python (forward, loss, gradients, update) runs once, while JAX traces it."""

import jax.numpy as jnp
import numpy as np
from jax import grad, jit

rng = np.random.default_rng(0)
X = rng.normal(size=(256, 4)).astype(np.float32)
Y = X @ np.array([1.0, -2.0, 0.5, 3.0], dtype=np.float32)


def predict(params, x):
    w, b = params
    return x @ w + b


def loss(params, batch):
    x, y = batch
    preds = predict(params, x)
    return jnp.mean((preds - y) ** 2)


def accuracy(params, x, y):
    return float(jnp.mean(jnp.abs(predict(params, x) - y) < 0.5))


lr = 0.05
epochs = 4
batch_size = 32


@jit
def update(params, batch):
    grads = grad(loss)(params, batch)
    return [p - lr * g for p, g in zip(params, grads)]


def batches():
    while True:
        for i in range(0, len(X), batch_size):
            yield X[i : i + batch_size], Y[i : i + batch_size]


params = [jnp.zeros(4), jnp.zeros(())]
stream = batches()
for epoch in range(epochs):
    for _ in range(len(X) // batch_size):
        params = update(params, next(stream))
    print(f"epoch {epoch}: within 0.5 on {accuracy(params, X, Y):.2f}")
