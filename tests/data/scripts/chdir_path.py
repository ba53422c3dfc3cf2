import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "helpers"))
import helper_mod  # noqa: E402

os.chdir(tempfile.gettempdir())
print(helper_mod.helper(2))
