"""A DataLoader with 2 worker processes (start method from argv) reads a generated dataset."""

import sys

import torch
from torch.utils.data import DataLoader, Dataset


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.tensor([float(i), float(i * i)])


def collate(items):
    return torch.stack(items)


def main(method, workers):
    data = DataLoader(
        Squares(16),
        batch_size=4,
        num_workers=workers,
        collate_fn=collate,
        multiprocessing_context=method if workers else None,
    )
    total = 0.0
    for batch in data:
        total += float(batch.sum())
    print("total", total, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2)
