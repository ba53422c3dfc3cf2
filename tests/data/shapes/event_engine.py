"""An event-driven engine (as ignite's): the training step is a closure made by a factory that calls the model
through a function value (``model_fn(model, x)``, by default a lambda) and steps the optimizer under an
``if`` (gradient accumulation, here over 1 batch); a second engine evaluates from a
handler fired after each epoch, on the training data as well, through the engine's own loop code (``eval()``
and ``no_grad`` in its step); the checkpoint is written by a saver that receives ``torch.save`` as a value and
calls it as ``func(state, path)``."""

import os
import sys

import torch
from torch import nn


class Engine:
    def __init__(self, process):
        self.process = process
        self.handlers = {}
        self.epoch = 0
        self.iteration = 0
        self.output = None

    def on(self, event, handler):
        self.handlers.setdefault(event, []).append(handler)

    def fire(self, event):
        for handler in self.handlers.get(event, []):
            handler(self)

    def run(self, data, max_epochs=1):
        self.epoch = 0
        while self.epoch < max_epochs:
            self.epoch += 1
            it = iter(data)
            while True:
                try:
                    batch = next(it)
                except StopIteration:
                    break
                self.iteration += 1
                self.output = self.process(self, batch)
            self.fire("epoch_completed")
        return self


def make_trainer(model, optimizer, loss_fn, model_fn=lambda model, x: model(x), accumulation_steps=1):
    def update(engine, batch):
        if (engine.iteration - 1) % accumulation_steps == 0:
            optimizer.zero_grad()
        model.train()
        x, y = batch
        output = model_fn(model, x)
        loss = loss_fn(output, y)
        loss.backward()
        if engine.iteration % accumulation_steps == 0:
            optimizer.step()
        return loss.item()

    return Engine(update)


def make_evaluator(model, model_fn=lambda model, x: model(x)):
    def evaluate_step(engine, batch):
        model.eval()
        with torch.no_grad():
            inputs, labels = batch
            scores = model_fn(model, inputs)
            return (scores.argmax(1) == labels).float().mean().item()

    return Engine(evaluate_step)


class DiskSaver:
    def __init__(self, dirname):
        self.dirname = dirname

    def __call__(self, state, filename):
        self._save_func(state, os.path.join(self.dirname, filename), torch.save)

    def _save_func(self, state, path, func):
        tmp = path + ".tmp"
        func(state, tmp)
        os.replace(tmp, path)


def batches(n, size):
    g = torch.Generator().manual_seed(0)
    out = []
    for _ in range(n):
        x = torch.randn(size, 6, generator=g)
        out.append((x, (x.sum(1) > 0).long()))
    return out


def run(epochs, out_dir):
    train_data, val_data = batches(5, 16), batches(2, 32)
    model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    trainer = make_trainer(model, optimizer, nn.CrossEntropyLoss())
    evaluator = make_evaluator(model)
    saver = DiskSaver(out_dir)

    def log_training(engine):
        evaluator.run(train_data)
        print(f"epoch {engine.epoch} training accuracy {evaluator.output:.3f}")

    def log_validation(engine):
        evaluator.run(val_data)
        print(f"epoch {engine.epoch} accuracy {evaluator.output:.3f}")

    def save_checkpoint(engine):
        saver({"model": model.state_dict(), "epoch": engine.epoch}, f"checkpoint_{engine.epoch}.pt")

    trainer.on("epoch_completed", log_training)
    trainer.on("epoch_completed", log_validation)
    trainer.on("epoch_completed", save_checkpoint)
    trainer.run(train_data, max_epochs=epochs)


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else 2, ".")
