"""Synthetic classification data, generated on the fly.

Each class is a Gaussian blob around its own random centre in feature space;
the blobs overlap a little, so a good classifier scores high but not 100%.
"""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader, Dataset


class BlobDataset(Dataset):
    def __init__(self, size: int, num_features: int, num_classes: int, seed: int) -> None:
        g = torch.Generator().manual_seed(seed)
        # Centres come from a fixed seed so train and validation share them.
        centres = torch.randn(num_classes, num_features, generator=torch.Generator().manual_seed(1234)) * 0.6
        self.labels = torch.randint(0, num_classes, (size,), generator=g)
        self.features = centres[self.labels] + torch.randn(size, num_features, generator=g)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.features[index], self.labels[index]


def build_loaders(cfg: dict) -> tuple[DataLoader, DataLoader]:
    train_set = BlobDataset(cfg["train_size"], cfg["num_features"], cfg["num_classes"], seed=cfg["seed"])
    val_set = BlobDataset(cfg["val_size"], cfg["num_features"], cfg["num_classes"], seed=cfg["seed"] + 1)
    g = torch.Generator().manual_seed(cfg["seed"])
    train_loader = DataLoader(train_set, batch_size=cfg["batch_size"], shuffle=True, generator=g)
    val_loader = DataLoader(val_set, batch_size=cfg["batch_size"])
    return train_loader, val_loader
