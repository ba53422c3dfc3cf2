"""Shape fixture: three nested loops (iterations, epochs, minibatches: cleanrl's update shape), where the
outer loops fold and swallow the inner loops' iterations; the update runs 5 x 4 x 3 = 60 times."""

import numpy as np

lr = 0.05
iterations = 5
epochs = 4
minibatches = 3

rng = np.random.default_rng(0)
X = rng.normal(size=(24, 3))
Y = X @ np.array([1.0, -2.0, 0.5])


class Linear:
    def __init__(self, n_in):
        self.params = {"w": np.zeros(n_in)}

    def forward(self, x):
        return x @ self.params["w"]

    def backward(self, x, dpred):
        return {"w": x.T @ dpred}


class SGD:
    def __init__(self, params, lr):
        self.params = params
        self.lr = lr

    def step(self, grads):
        for k, g in grads.items():
            self.params[k] -= self.lr * g


model = Linear(3)
opt = SGD(model.params, lr)
updates = 0
for it in range(iterations):
    for epoch in range(epochs):
        for mb in range(minibatches):
            xb, yb = X[mb * 8 : (mb + 1) * 8], Y[mb * 8 : (mb + 1) * 8]
            pred = model.forward(xb)
            loss = np.mean((pred - yb) ** 2)
            grads = model.backward(xb, 2 * (pred - yb) / len(yb))
            opt.step(grads)
            updates += 1
print("updates", updates)
