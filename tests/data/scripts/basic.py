"""A small program with every kind of event the recorder must capture."""

import sys


def square(x):
    y = x * x
    return y


def total(values):
    acc = 0
    for v in values:
        acc += square(v)
    return acc


def main():
    print("total", total(range(5)))
    print("argv", sys.argv[1:])
    print("name", __name__)


if __name__ == "__main__":
    main()
