import multiprocessing as mp
import os
import threading
import time


def child_work(x):
    return x * 2


def wait_for_joined_threads():
    """The pool's threads were joined, but each one's OS thread can take a moment longer to end on a
    loaded machine, and Python 3.12+ counts the OS threads at os.fork(): plain python then warns
    that this process is multi-threaded. Wait until only the live Python threads are left."""
    if os.path.isdir("/proc/self/task"):
        deadline = time.monotonic() + 10
        while len(os.listdir("/proc/self/task")) > threading.active_count() and time.monotonic() < deadline:
            time.sleep(0.001)


def main():
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        print(pool.map(child_work, [1, 2, 3]))
    wait_for_joined_threads()
    pid = os.fork()
    if pid == 0:
        child_work(10)
        os._exit(0)
    os.waitpid(pid, 0)
    print("parent done", child_work(5))


if __name__ == "__main__":
    main()
