"""A multiprocessing Pool of 3 workers maps a function over 12 items (start method from argv)."""

import multiprocessing as mp
import sys
import time


def cube(x):
    time.sleep(0.02)  # long enough that every worker gets some of the items
    return x * x * x


def main(method):
    ctx = mp.get_context(method)
    pool = ctx.Pool(3)
    results = pool.map(cube, range(12), chunksize=1)
    pool.close()  # the workers finish and exit (a `with` block would terminate them with SIGTERM)
    pool.join()
    print("sum", sum(results), flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "fork")
