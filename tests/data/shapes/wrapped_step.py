"""Shape fixture: settings gathered into a dict from module globals, a trainer whose optimizer and loss
live on self, an alias of the model, the loss returned by forward() then rescaled, and a gradient
scaler wrapping backward and step (torch)."""

import torch
import torch.nn as nn
import torch.nn.functional as F

batch_size = 8
max_iters = 6
learning_rate = 0.1
accumulation = 2
config_keys = [k for k, v in globals().items() if not k.startswith("_") and isinstance(v, (int, float))]
config = {k: globals()[k] for k in config_keys}

torch.manual_seed(0)
data = torch.randn(64, 4)
labels = (data.sum(-1) > 0).long()


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x, y):
        logits = self.fc(x)
        loss = F.cross_entropy(logits, y)
        return logits, loss

    def configure_optimizers(self, lr):
        return torch.optim.SGD(self.parameters(), lr=lr)


class Trainer:
    def __init__(self, model):
        self.model = model
        self.optimizer = None
        self.loss = None

    def run(self):
        model = self.model
        self.optimizer = model.configure_optimizers(learning_rate)
        scaler = torch.amp.GradScaler("cpu", enabled=False)
        for it in range(max_iters):
            x, y = data[it * batch_size : (it + 1) * batch_size], labels[it * batch_size : (it + 1) * batch_size]
            logits, self.loss = model(x, y)
            self.loss = self.loss / accumulation
            scaler.scale(self.loss).backward()
            scaler.step(self.optimizer)
            scaler.update()
            self.optimizer.zero_grad()
        return self.loss.item()


net = Net()
print("final", Trainer(net).run())
