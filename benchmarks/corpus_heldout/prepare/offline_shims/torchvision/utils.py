"""``torchvision.utils.make_grid`` and ``save_image`` (a PNG through Pillow), with ``normalize``."""

from __future__ import annotations

import math
from typing import Any

import torch


def make_grid(
    tensor: torch.Tensor, nrow: int = 8, padding: int = 2, normalize: bool = False, pad_value: float = 0.0, **_: Any
) -> torch.Tensor:
    """A B x C x H x W batch -> one C x H' x W' image, ``nrow`` images a row, as torchvision lays it out."""
    if tensor.dim() == 3:
        tensor = tensor.unsqueeze(0)
    if tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    if normalize:
        tensor = tensor.clone()
        low, high = float(tensor.min()), float(tensor.max())
        tensor.clamp_(min=low, max=high).sub_(low).div_(max(high - low, 1e-5))
    n = tensor.size(0)
    xmaps = min(nrow, n)
    ymaps = math.ceil(n / xmaps)
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), height * ymaps + padding, width * xmaps + padding), pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= n:
                break
            grid[:, y * height + padding : (y + 1) * height, x * width + padding : (x + 1) * width] = tensor[k]
            k += 1
    return grid


def save_image(tensor: torch.Tensor, fp: Any, nrow: int = 8, padding: int = 2, **kwargs: Any) -> None:
    from PIL import Image

    grid = make_grid(tensor, nrow=nrow, padding=padding, **kwargs)
    ndarr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", torch.uint8).numpy()
    Image.fromarray(ndarr).save(fp)
