"""Run as a subprocess by runs_python.py: counts, then exits with code 3 (or crashes)."""

import sys


def count_up(n):
    total = 0
    for i in range(n):
        total += i
    return total


def main(arg):
    if arg == "crash":
        raise RuntimeError("the child gives up")
    print("child total", count_up(int(arg)), flush=True)
    sys.exit(3)


if __name__ == "__main__":
    main(sys.argv[1])
