"""Library code (functools, sorted, map) calling back into repo code."""

import functools


def key(item):
    return -item


def forward(x):
    return x + 1


class Module:
    def __call__(self, x):
        return self.forward(x)

    def forward(self, x):
        return forward(x)


def caller():
    ordered = sorted([3, 1, 2], key=key)
    mapped = list(map(forward, ordered))
    total = functools.reduce(lambda a, b: a + b, mapped)
    return total


print(caller())
