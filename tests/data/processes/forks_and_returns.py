"""Parent and forked child both run on to the end of the script (no os._exit)."""

import os


def work(who):
    return f"{who} done"


pid = os.fork()
print(work("child" if pid == 0 else "parent"), flush=True)
if pid:
    os.waitpid(pid, 0)
