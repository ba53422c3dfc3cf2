"""Training and evaluation loops."""

from __future__ import annotations

import torch
from torch import nn


def train_one_epoch(model: nn.Module, loader, optimizer: torch.optim.Optimizer, loss_fn: nn.Module) -> float:
    """One pass over the training data; returns the mean loss."""
    model.train()
    total, batches = 0.0, 0
    for features, labels in loader:
        optimizer.zero_grad()
        logits = model(features)
        loss = loss_fn(logits, labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / max(batches, 1)


@torch.no_grad()
def evaluate(model: nn.Module, loader) -> float:
    """Accuracy of the model's arg-max prediction on ``loader``."""
    model.eval()
    correct, seen = 0, 0
    for features, labels in loader:
        predictions = model(features).argmax(dim=1)
        correct += int((predictions == labels).sum())
        seen += len(labels)
    return correct / max(seen, 1)
