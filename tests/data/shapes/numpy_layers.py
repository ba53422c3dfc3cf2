"""Shape fixture: a Keras-like numpy network (ML-From-Scratch's shape): layers with hand-written backprop,
each replacing its own weights with what its own copy of an optimizer computes from them and their gradient
(``W = opt.update(W, grad)``); no autograd, no ``step()``; the loop is in ``fit()``."""

import copy

import numpy as np


class Adam:
    def __init__(self, learning_rate=0.01, b1=0.9, b2=0.999):
        self.learning_rate = learning_rate
        self.b1, self.b2 = b1, b2
        self.m = None
        self.v = None

    def update(self, w, grad_wrt_w):
        if self.m is None:
            self.m = np.zeros(np.shape(grad_wrt_w))
            self.v = np.zeros(np.shape(grad_wrt_w))
        self.m = self.b1 * self.m + (1 - self.b1) * grad_wrt_w
        self.v = self.b2 * self.v + (1 - self.b2) * grad_wrt_w**2
        return w - self.learning_rate * self.m / (np.sqrt(self.v) + 1e-8)


class Dense:
    def __init__(self, n_in, n_out, optimizer, rng):
        self.W = rng.normal(size=(n_in, n_out)) * 0.3
        self.W_opt = copy.copy(optimizer)

    def forward_pass(self, x):
        self.layer_input = x
        return x @ self.W

    def backward_pass(self, accum_grad):
        W = self.W
        grad_w = self.layer_input.T @ accum_grad
        self.W = self.W_opt.update(self.W, grad_w)
        return accum_grad @ W.T


class SquareLoss:
    def loss(self, y, p):
        return 0.5 * (y - p) ** 2

    def gradient(self, y, p):
        return -(y - p)


class Network:
    def __init__(self, layers, loss):
        self.layers = layers
        self.loss_function = loss

    def _forward_pass(self, x):
        for layer in self.layers:
            x = layer.forward_pass(x)
        return x

    def _backward_pass(self, loss_grad):
        for layer in reversed(self.layers):
            loss_grad = layer.backward_pass(loss_grad)

    def train_on_batch(self, x, y):
        y_pred = self._forward_pass(x)
        loss = np.mean(self.loss_function.loss(y, y_pred))
        loss_grad = self.loss_function.gradient(y, y_pred)
        self._backward_pass(loss_grad=loss_grad)
        return loss

    def fit(self, x, y, n_epochs, batch_size):
        errors = []
        for _ in range(n_epochs):
            for start in range(0, len(x), batch_size):
                errors.append(self.train_on_batch(x[start : start + batch_size], y[start : start + batch_size]))
        return errors


rng = np.random.default_rng(0)
X = rng.normal(size=(64, 3))
Y = X @ np.array([[1.0], [-2.0], [0.5]])
net = Network([Dense(3, 8, Adam(), rng), Dense(8, 1, Adam(), rng)], SquareLoss())
errors = net.fit(X, Y, n_epochs=4, batch_size=16)
print(f"loss {errors[0]:.3f} -> {errors[-1]:.3f}")
