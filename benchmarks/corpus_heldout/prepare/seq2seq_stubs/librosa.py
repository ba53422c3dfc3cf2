"""An import-only stand-in for ``librosa`` (a large audio package that is not installed here).

b-etienne/Seq2seq-PyTorch's ``utils/misc.py`` imports it for ``downsample``, which the toy-data
run never calls; calling ``resample`` here says so instead of pretending.
"""

from __future__ import annotations

from typing import Any


def resample(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError("librosa stand-in: resample is not available offline")
