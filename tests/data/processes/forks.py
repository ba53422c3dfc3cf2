"""A parent that forks one child with os.fork; the child works, then leaves with os._exit."""

import os
import sys


def square(x):
    return x * x


def child_work(n):
    return sum(square(i) for i in range(n))


def main():
    pid = os.fork()
    if pid == 0:
        total = child_work(4)
        print("child", total, flush=True)
        os._exit(7)
    _, status = os.waitpid(pid, 0)
    print("parent saw", os.waitstatus_to_exitcode(status), flush=True)
    return square(3)


if __name__ == "__main__":
    main()
    sys.exit(0)
