"""Shape fixture: a plain program with no learning at all: a loop calling a hot function."""


def collatz(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


best = 0
for start in range(1, 200):
    best = max(best, collatz(start))
print("longest", best)
