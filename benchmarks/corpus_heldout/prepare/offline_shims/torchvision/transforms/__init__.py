"""``Compose``, ``ToTensor`` and ``Normalize`` of ``torchvision.transforms`` (PIL images or uint8 arrays)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from . import functional


class Compose:
    def __init__(self, transforms: Sequence[Callable[[Any], Any]]) -> None:
        self.transforms = list(transforms)

    def __call__(self, x: Any) -> Any:
        for t in self.transforms:
            x = t(x)
        return x


class ToTensor:
    def __call__(self, pic: Any) -> torch.Tensor:
        return functional.to_tensor(pic)


class Normalize:
    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        self.mean = mean
        self.std = std

    def __call__(self, tensor: torch.Tensor) -> torch.Tensor:
        return functional.normalize(tensor, self.mean, self.std)


__all__ = ["Compose", "Normalize", "ToTensor", "functional"]
