"""A parent that runs another Python script with subprocess.run([sys.executable, ...])."""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def launch(n):
    done = subprocess.run([sys.executable, os.path.join(HERE, "child_task.py"), str(n)], check=False)
    return done.returncode


if __name__ == "__main__":
    code = launch(5)
    print("child exited with", code, flush=True)
    crashed = subprocess.run([sys.executable, os.path.join(HERE, "child_task.py"), "crash"], capture_output=True)
    print("crashing child exited with", crashed.returncode, flush=True)
