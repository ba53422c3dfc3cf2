"""A tiny training framework, outside the traced repo: its loop calls the repo's hooks."""


class Trainer:
    def __init__(self, max_steps):
        self.max_steps = max_steps

    def fit(self, module, batches):
        module.configure()
        results = []
        for step in range(self.max_steps):
            batch = batches[step % len(batches)]
            results.append(module.training_step(batch, step))
        return results
