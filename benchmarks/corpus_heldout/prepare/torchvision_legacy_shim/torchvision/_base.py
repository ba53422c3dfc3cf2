"""Loads a module of ``prepare/torchvision_shim`` under a private name (see ``__init__``)."""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType


def load(name: str) -> ModuleType:
    key = f"_torchvision_shim_{name}"
    if key in sys.modules:
        return sys.modules[key]
    here = os.path.dirname(__file__)
    path = os.path.join(here, os.pardir, os.pardir, "torchvision_shim", "torchvision", f"{name}.py")
    spec = importlib.util.spec_from_file_location(key, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module
