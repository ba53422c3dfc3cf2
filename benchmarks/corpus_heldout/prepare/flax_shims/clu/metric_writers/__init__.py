"""``clu.metric_writers.create_default_writer`` without TensorFlow; see ``clu/__init__.py``."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from absl import logging


class LoggingJsonWriter:
    def __init__(self, logdir: str | None) -> None:
        self._path = Path(logdir) / "metrics.jsonl" if logdir else None
        if self._path is not None:
            self._path.parent.mkdir(parents=True, exist_ok=True)

    def write_scalars(self, step: int, scalars: Mapping[str, Any]) -> None:
        values = {k: float(v) for k, v in scalars.items()}
        logging.info("[%d] %s", step, ", ".join(f"{k}={v:.6g}" for k, v in sorted(values.items())))
        if self._path is not None:
            with self._path.open("a") as f:
                f.write(json.dumps({"step": int(step), **values}) + "\n")

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


def create_default_writer(
    logdir: str | None = None, *, just_logging: bool = False, asynchronous: bool = True, collection: str | None = None
) -> LoggingJsonWriter:
    return LoggingJsonWriter(None if just_logging else logdir)
