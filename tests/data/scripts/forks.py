import multiprocessing as mp
import os


def child_work(x):
    return x * 2


def main():
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        print(pool.map(child_work, [1, 2, 3]))
    pid = os.fork()
    if pid == 0:
        child_work(10)
        os._exit(0)
    os.waitpid(pid, 0)
    print("parent done", child_work(5))


if __name__ == "__main__":
    main()
