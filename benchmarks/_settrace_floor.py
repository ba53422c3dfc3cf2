"""Run a script under an empty global trace function: the cost CPython itself charges
for sys.settrace (its per-call trampoline), which no settrace-based tracer can go below.

    python benchmarks/_settrace_floor.py SCRIPT ARGS...
"""

import os
import runpy
import sys

script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
sys.settrace(lambda frame, event, arg: None)
runpy.run_path(script, run_name="__main__")
