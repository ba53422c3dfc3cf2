"""codetour: find, trace, map and tour the entry points of an ML repository."""

__version__ = "0.1.0"
