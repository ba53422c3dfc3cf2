"""A stand-in for ``editdistance.eval`` (the PyPI package is a compiled extension).

b-etienne/Seq2seq-PyTorch's ``training.evaluate`` scores each validation batch with
``editdistance.eval(predictions, labels)`` on two 1-D integer arrays. This is the same Levenshtein
distance (insertions, deletions and substitutions of cost 1), one NumPy row at a time: the insertion
recurrence ``d[j] = min(t[j], d[j-1] + 1)`` is ``minimum.accumulate(t - j) + j``. It lives outside the
repo root (on PYTHONPATH from the manifest), so it is not part of the traced code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def eval(a: Sequence[Any], b: Sequence[Any]) -> int:
    x = np.asarray(list(a))
    y = np.asarray(list(b))
    if len(x) == 0:
        return len(y)
    if len(y) == 0:
        return len(x)
    idx = np.arange(len(y) + 1)
    prev = idx.copy()
    for i in range(1, len(x) + 1):
        t = np.empty(len(y) + 1, dtype=np.int64)
        t[0] = i
        t[1:] = np.minimum(prev[1:] + 1, prev[:-1] + (y != x[i - 1]))
        prev = np.minimum.accumulate(t - idx) + idx
    return int(prev[-1])


distance = eval
