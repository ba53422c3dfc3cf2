import sys


def step(i):
    return i * 2


def run(n):
    acc = 0
    for i in range(n):
        acc += step(i)
    return acc


print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 1000))
