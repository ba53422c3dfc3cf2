import sys


def finish(code):
    sys.exit(code)


print("before exit")
finish(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
