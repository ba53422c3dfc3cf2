def inner(n):
    if n == 0:
        raise ValueError("boom at the bottom")
    return inner(n - 1)


def handled():
    try:
        inner(1)
    except ValueError:
        return "recovered"


print(handled())
inner(3)
print("never printed")
