import sys

from pkgmod import util


def main():
    print("module main", __name__, sys.argv[1:], util.double(4))


if __name__ == "__main__":
    main()
