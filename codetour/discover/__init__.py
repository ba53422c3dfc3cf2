"""Static entry-point discovery: where should a newcomer start in this repo?

Reads files as text and parses them with :mod:`ast`; never imports or runs
the repository's code.
"""

from codetour.discover.rank import DiscoveryResult, EntryPoint, discover

__all__ = ["DiscoveryResult", "EntryPoint", "discover"]
