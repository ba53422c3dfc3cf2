"""A stand-in for the parts of ``torchvision`` that the round-7 held-out repos use (see the held-out README).

torchvision only installs here with a newer torch than the corpus venv's, and its data sets
download. The manifests put ``prepare/offline_shims`` on PYTHONPATH: the repos' code runs unedited,
and these files (outside the repo roots) are not traced. ``transforms`` is a package here (with a
``functional`` module) because milesial/Pytorch-UNet imports ``torchvision.transforms.functional``;
``datasets.FakeData`` is what pytorch/examples' ``dcgan/main.py --dataset fake`` trains on.
"""

from . import datasets, transforms, utils

__all__ = ["datasets", "transforms", "utils"]
