"""Log levels: module constants of the package, not the run's settings."""

DEBUG = 10
INFO = 20
WARN = 30
ERROR = 40

level = INFO


def log(at, *parts):
    if at >= level:
        return " ".join(str(p) for p in parts)
    return None
