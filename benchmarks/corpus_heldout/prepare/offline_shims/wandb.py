"""A stand-in for the part of Weights & Biases' API that milesial/Pytorch-UNet's ``train.py`` calls.

``wandb.init`` would ask for a login or go online; the run here is offline. ``init`` returns a run
whose ``config.update`` and ``log`` keep what they are given in memory (nothing is sent or written);
``Histogram`` and ``Image`` hold their data. Outside the repo root, so not traced.
"""

from __future__ import annotations

from typing import Any


class _Config(dict):  # type: ignore[type-arg]
    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        super().update(*args, **kwargs)


class _Run:
    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self.config = _Config()
        self.history: list[dict[str, Any]] = []

    def log(self, data: dict[str, Any], **_: Any) -> None:
        self.history.append(dict(data))

    def finish(self) -> None:
        pass


class Histogram:
    def __init__(self, sequence: Any = None, **_: Any) -> None:
        self.data = sequence


class Image:
    def __init__(self, data_or_path: Any = None, **_: Any) -> None:
        self.data = data_or_path


def init(**settings: Any) -> _Run:
    return _Run(**settings)
