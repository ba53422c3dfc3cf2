"""``prepare/torchvision_shim`` with two behaviours of the 2018 torchvision (0.2) an old repo relies on.

ritheshkumar95/pytorch-vqvae (written against torchvision 0.2) normalises one-channel MNIST
images with three-channel statistics, ``Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))``: torchvision
0.2's ``Normalize`` zipped the channels with the means (``for t, m, s in zip(tensor, mean, std)``),
so the extra values were ignored; broadcasting them would make three channels. It also calls
``make_grid(..., range=(-1, 1), normalize=True)``. This package reuses the other shim's modules
(``datasets.MNIST`` over the generated IDX files, ``Compose``, ``ToTensor``) and overrides only
``transforms.Normalize`` and ``utils.make_grid`` / ``save_image``. Outside the repo root, on
PYTHONPATH from the manifest; nothing downloads.
"""

from __future__ import annotations

import os

# Submodules not defined here (``datasets``) come from the other shim's package directory.
__path__.append(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "torchvision_shim", "torchvision"))

from . import datasets, transforms, utils  # noqa: E402

__all__ = ["datasets", "transforms", "utils"]
