"""Import-only stand-in for ``ray.tune`` (see ``ray/__init__.py``)."""


def __getattr__(name: str) -> object:
    raise RuntimeError(f"ray.tune.{name}: ray is not installed (import-only stand-in)")
