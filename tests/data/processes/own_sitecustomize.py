"""A child interpreter whose environment has its own sitecustomize (after codetour's), and one
whose CODETOUR_CHILD is garbage: both must run exactly as they would without codetour."""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

CHECK = """
import sys, sitecustomize
print("own sitecustomize:", getattr(sitecustomize, "MARK", None))
print("bootstrap left on sys.path:", any(p.endswith(".site") for p in sys.path))
"""


def run_with_own_site(folder):
    with open(os.path.join(folder, "sitecustomize.py"), "w") as fh:
        fh.write("MARK = 'ran'\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (env.get("PYTHONPATH"), folder) if p)
    return subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True, text=True)


def run_with_bad_config():
    env = {**os.environ, "CODETOUR_CHILD": "{not json"}
    return subprocess.run([sys.executable, os.path.join(HERE, "child_task.py"), "4"], env=env, capture_output=True, text=True)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        own = run_with_own_site(folder)
    print(own.stdout.strip(), own.stderr.strip(), sep="\n")
    bad = run_with_bad_config()
    print("bad config child:", bad.returncode, bad.stdout.strip(), bad.stderr.strip())
