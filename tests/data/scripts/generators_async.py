import asyncio


def countdown(n):
    while n > 0:
        yield n
        n -= 1


async def fetch(x):
    await asyncio.sleep(0)
    return x + 1


async def gather():
    return await asyncio.gather(fetch(1), fetch(2))


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


print(list(countdown(3)))
print(asyncio.run(gather()))
print(fib(10))
