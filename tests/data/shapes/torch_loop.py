"""Shape fixture: a torch classifier trained by a module-level loop, with a learning-rate warm-up
written into the optimizer's parameter groups, evaluation under no_grad and a checkpoint."""

import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
steps = 30
base_lr = 0.05
batch_size = 32
out_path = sys.argv[1] if len(sys.argv) > 1 else "torch_loop.pt"

x_all = torch.randn(256, 6)
y_all = (x_all[:, 0] + x_all[:, 1] > 0).long()


class Classifier(nn.Module):
    def __init__(self, n_in, hidden, n_out):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden))
        self.head = nn.Linear(hidden, n_out)

    def forward(self, x):
        return self.head(torch.relu(self.body(x)))


def evaluate(model):
    model.eval()
    with torch.no_grad():
        acc = (model(x_all).argmax(-1) == y_all).float().mean().item()
    model.train()
    return acc


model = Classifier(6, 16, 2)
print("params", sum(p.numel() for p in model.parameters()))
opt = torch.optim.SGD(model.parameters(), lr=base_lr)
for step in range(steps):
    lr = base_lr * min(1.0, (step + 1) / 10)
    for group in opt.param_groups:
        group["lr"] = lr
    idx = torch.randint(0, 256, (batch_size,))
    xb, yb = x_all[idx], y_all[idx]
    logits = model(xb)
    loss = F.cross_entropy(logits, yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step == 0:
        print("first loss", loss.item())
    if step % 10 == 9:
        print("eval", evaluate(model))
print("last loss", loss.item())
torch.save(model.state_dict(), out_path)
