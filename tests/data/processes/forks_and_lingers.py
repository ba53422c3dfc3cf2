"""A parent that forks a long-running child and waits for it (the test kills them both)."""

import os
import time


def step(i):
    return [i, i + 1]


def child_loop():
    print("child running", flush=True)
    i = 0
    while True:
        step(i)
        i += 1
        if i % 1000 == 0:
            time.sleep(0.01)


if __name__ == "__main__":
    pid = os.fork()
    if pid == 0:
        child_loop()
    os.waitpid(pid, 0)
