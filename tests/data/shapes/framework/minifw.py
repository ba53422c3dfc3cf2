"""A tiny training framework, outside the traced repo: its loop calls the repo's hooks, and it saves the
module's parameters itself when given a folder (as a framework's checkpoint callback does)."""

import os
import pickle


class ModelCheckpoint:
    """A checkpoint callback: the trainer calls it when fitting ends, and it writes the module's parameters."""

    def __init__(self, dirpath, filename="last.pkl"):
        self.dirpath = dirpath
        self.filename = filename

    def on_fit_end(self, trainer, module):
        os.makedirs(self.dirpath, exist_ok=True)
        with open(os.path.join(self.dirpath, self.filename), "wb") as f:
            pickle.dump(module.params, f)


class Trainer:
    def __init__(self, max_steps, save_dir=None, callbacks=()):
        self.max_steps = max_steps
        self.save_dir = save_dir
        self.callbacks = list(callbacks)

    def fit(self, module, batches):
        module.configure()
        results = []
        for step in range(self.max_steps):
            batch = batches[step % len(batches)]
            results.append(module.training_step(batch, step))
            if hasattr(module, "validation_step") and (step + 1) % 4 == 0:
                module.validation_step(batches[0], step)  # a validation pass every 4 steps, when the module has one
        if self.save_dir:
            os.makedirs(self.save_dir, exist_ok=True)
            with open(os.path.join(self.save_dir, f"step={self.max_steps}.pkl"), "wb") as f:
                pickle.dump(module.params, f)
        for callback in self.callbacks:
            callback.on_fit_end(self, module)
        return results
