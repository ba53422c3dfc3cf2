"""The NumPy 1 alias ``np.infty`` under NumPy 2 (on PYTHONPATH, outside the repo; no repo line changes).

lscharwaechter/Multivariate-sine-wave-forecasting-using-GRUs starts its best-epoch search with
``best_error = np.infty`` (GRUtrain.py:103); NumPy 2 removed that alias, so ``train`` raises
AttributeError before its first step. This restores it, once, at start-up.
"""

import numpy as _np

if "infty" not in _np.__dict__:
    _np.infty = _np.inf
