"""A stand-in for lightning-hydra-template's MNISTDataModule that makes its data instead of downloading it.

Copied into the template as ``src/data/synthetic_datamodule.py`` by the ``lightning-hydra`` manifest,
with ``hydra_synthetic.yaml`` as ``configs/data/synthetic.yaml``; the run selects it with
``data=synthetic``, the way the template swaps data modules. The repo's MNISTDataModule imports
torchvision (not installable here) and downloads MNIST. Same constructor and hooks as that module;
the images are 1x28x28 float tensors whose class is the bright row band, so the MLP can learn
something. Deterministic (a seeded generator).
"""

from __future__ import annotations

from typing import Any

import torch
from lightning import LightningDataModule
from torch.utils.data import DataLoader, Dataset, TensorDataset, random_split


def _images(n: int, generator: torch.Generator) -> TensorDataset:
    labels = torch.randint(0, 10, (n,), generator=generator)
    images = torch.rand(n, 1, 28, 28, generator=generator) * 0.3
    for i, label in enumerate(labels.tolist()):
        images[i, 0, 2 + 2 * label : 4 + 2 * label, :] += 0.7
    return TensorDataset(images, labels)


class SyntheticDataModule(LightningDataModule):
    def __init__(
        self,
        data_dir: str = "data/",
        train_val_test_split: tuple[int, int, int] = (512, 128, 128),
        batch_size: int = 64,
        num_workers: int = 0,
        pin_memory: bool = False,
    ) -> None:
        super().__init__()
        self.save_hyperparameters(logger=False)
        self.data_train: Dataset | None = None
        self.data_val: Dataset | None = None
        self.data_test: Dataset | None = None
        self.batch_size_per_device = batch_size

    @property
    def num_classes(self) -> int:
        return 10

    def setup(self, stage: str | None = None) -> None:
        if self.data_train is None:
            generator = torch.Generator().manual_seed(42)
            dataset = _images(sum(self.hparams.train_val_test_split), generator)
            self.data_train, self.data_val, self.data_test = random_split(
                dataset, self.hparams.train_val_test_split, generator=generator
            )

    def _loader(self, dataset: Any, shuffle: bool) -> DataLoader[Any]:
        return DataLoader(
            dataset,
            batch_size=self.batch_size_per_device,
            num_workers=self.hparams.num_workers,
            pin_memory=self.hparams.pin_memory,
            shuffle=shuffle,
        )

    def train_dataloader(self) -> DataLoader[Any]:
        return self._loader(self.data_train, shuffle=True)

    def val_dataloader(self) -> DataLoader[Any]:
        return self._loader(self.data_val, shuffle=False)

    def test_dataloader(self) -> DataLoader[Any]:
        return self._loader(self.data_test, shuffle=False)
