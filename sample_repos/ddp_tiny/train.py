"""Tiny DDP training on CPU: every rank trains on its shard of a generated dataset; rank 0 logs
and saves the checkpoint. Launch with ``torchrun --standalone --nproc-per-node 2 train.py``."""

from __future__ import annotations

import argparse
import os

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler


class LineDataset(Dataset):
    """Points on y = 3x - 1 with a little noise, generated from a fixed seed."""

    def __init__(self, size: int, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.x = torch.rand(size, 1, generator=generator) * 4 - 2
        self.y = 3 * self.x - 1 + 0.05 * torch.randn(size, 1, generator=generator)

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[index], self.y[index]


class TinyNet(nn.Module):
    def __init__(self, hidden: int = 8) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


def setup() -> tuple[int, int]:
    """Join the process group torchrun describes in the environment (or run alone)."""
    if "RANK" not in os.environ:
        return 0, 1
    dist.init_process_group("gloo")
    return dist.get_rank(), dist.get_world_size()


def log(rank: int, message: str) -> None:
    if rank == 0:  # one voice for the whole job
        print(message, flush=True)


def train(args: argparse.Namespace) -> float:
    rank, world_size = setup()
    torch.manual_seed(0)  # the same initial weights on every rank
    dataset = LineDataset(args.samples)
    sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank, shuffle=True, seed=0)
    loader = DataLoader(dataset, batch_size=args.batch_size, sampler=sampler)
    model = TinyNet()
    ddp_model = DistributedDataParallel(model) if world_size > 1 else model
    optimizer = torch.optim.SGD(ddp_model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    step = 0
    loss = torch.tensor(0.0)
    while step < args.steps:
        sampler.set_epoch(step)
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(ddp_model(x), y)
            loss.backward()  # DDP averages the gradients across ranks here
            optimizer.step()
            step += 1
            log(rank, f"step {step} loss {loss.item():.4f} (world size {world_size})")
            if step >= args.steps:
                break
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)
        torch.save(model.state_dict(), os.path.join(args.out, "tiny.pt"))
        log(rank, f"saved {os.path.join(args.out, 'tiny.pt')}")
    if world_size > 1:
        dist.barrier()
        dist.destroy_process_group()
    return float(loss.item())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--out", default="checkpoints")
    train(parser.parse_args())


if __name__ == "__main__":
    main()
