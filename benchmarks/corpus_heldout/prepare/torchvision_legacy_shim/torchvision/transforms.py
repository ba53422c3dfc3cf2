"""``transforms`` of ``prepare/torchvision_shim``, with torchvision 0.2's ``Normalize`` (see ``__init__``)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from ._base import load

_base = load("transforms")
Compose = _base.Compose
ToTensor = _base.ToTensor
Lambda = _base.Lambda


class Normalize:
    """torchvision 0.2: each channel of the tensor with the matching mean and std; extra values unused."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = list(mean)
        self.std = list(std)

    def __call__(self, tensor: torch.Tensor) -> torch.Tensor:
        out = tensor.clone()
        for t, m, s in zip(out, self.mean, self.std):
            t.sub_(m).div_(s)
        return out
