"""``utils`` of ``prepare/torchvision_shim`` with ``make_grid``'s ``normalize`` / ``range`` (see ``__init__``)."""

from __future__ import annotations

from typing import Any

import torch

from ._base import load

_base = load("utils")


def make_grid(
    tensor: torch.Tensor,
    nrow: int = 8,
    padding: int = 2,
    normalize: bool = False,
    range: tuple[float, float] | None = None,
    scale_each: bool = False,
    pad_value: float = 0.0,
) -> torch.Tensor:
    """torchvision 0.2: with ``normalize``, clamp to ``range`` (default: the tensor's min and max), scale to [0, 1]."""
    if normalize:
        tensor = tensor.clone()
        lo, hi = range if range is not None else (float(tensor.min()), float(tensor.max()))
        tensor = tensor.clamp(min=lo, max=hi).sub(lo).div(max(hi - lo, 1e-5))
    return _base.make_grid(tensor, nrow=nrow, padding=padding, pad_value=pad_value)


def save_image(tensor: torch.Tensor, fp: Any, nrow: int = 8, padding: int = 2, **kwargs: Any) -> None:
    from PIL import Image

    grid = make_grid(tensor, nrow=nrow, padding=padding, **kwargs)
    ndarr = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to("cpu", torch.uint8).numpy()
    Image.fromarray(ndarr).save(fp)
