"""``to_tensor`` and ``normalize`` of ``torchvision.transforms.functional``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch


def to_tensor(pic: Any) -> torch.Tensor:
    """An H x W (or H x W x C) uint8 image -> a C x H x W float tensor in [0, 1]."""
    arr = np.asarray(pic)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    return torch.from_numpy(arr.transpose(2, 0, 1).copy()).float().div(255)


def normalize(tensor: torch.Tensor, mean: Sequence[float], std: Sequence[float]) -> torch.Tensor:
    m = torch.tensor(mean, dtype=tensor.dtype).view(-1, 1, 1)
    s = torch.tensor(std, dtype=tensor.dtype).view(-1, 1, 1)
    return (tensor - m) / s
