"""A stand-in for the few parts of ``torchvision`` that pytorch/examples' ``mnist/main.py`` uses.

torchvision only installs here with a newer torch than the corpus venv's (see the issue), and its
``datasets.MNIST(download=True)`` would download. The manifest puts ``prepare/torchvision_shim`` on
PYTHONPATH: the repo's code runs unedited, and these files (outside the repo root) are not traced.
``datasets.MNIST`` reads the gzipped IDX files that ``prepare/make_mnist_idx.py`` writes, from
torchvision's own layout (``ROOT/MNIST/raw/``), and never downloads. ``transforms`` has ``Compose``,
``ToTensor`` and ``Normalize`` with torchvision's semantics for 8-bit grey images; ``utils`` has
``make_grid`` and ``save_image`` (a PNG through Pillow), for pytorch/examples' ``vae/main.py``.
"""

from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
