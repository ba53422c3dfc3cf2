"""The ``codetour`` command line: thin commands over the library (see :mod:`codetour.cli.main`)."""

from codetour.cli.main import main

__all__ = ["main"]
