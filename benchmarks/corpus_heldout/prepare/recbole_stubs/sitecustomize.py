"""NumPy 1 aliases for RecBole under NumPy 2 (on PYTHONPATH, outside the repo; no repo line changes).

RecBole's ``Config.compatibility_settings`` (recbole/config/configurator.py:625-634) reads
``np.float_``, ``np.complex_`` and ``np.unicode_`` to re-create older aliases; NumPy 2 removed those
three, so the first ``Config(...)`` raises AttributeError. This restores them, once, at start-up.
"""

import numpy as _np

for _old, _new in (("float_", "float64"), ("complex_", "complex128"), ("unicode_", "str_")):
    if _old not in _np.__dict__:
        setattr(_np, _old, getattr(_np, _new))
