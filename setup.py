"""Builds codetour's C extensions; everything else is declared in pyproject.toml.

``codetour.trace._speedups`` answers sys.settrace's calls for out-of-scope code in C on CPython 3.10
and 3.11, where settrace is the recorder. ``codetour.trace._lines`` is the sys.monitoring recorder's
LINE callback on CPython 3.12+, with the folded-loop path in C. Both are optional: without a C
compiler the build goes on without them, and the recorder does the same work in Python, slower.
"""

import platform
import sys

from setuptools import Extension, setup

ext_modules = []
if platform.python_implementation() == "CPython" and (3, 10) <= sys.version_info[:2] <= (3, 11):
    ext_modules.append(Extension("codetour.trace._speedups", ["codetour/trace/_speedups.c"], optional=True))
if platform.python_implementation() == "CPython" and sys.version_info >= (3, 12):
    ext_modules.append(Extension("codetour.trace._lines", ["codetour/trace/_lines.c"], optional=True))

setup(ext_modules=ext_modules)
