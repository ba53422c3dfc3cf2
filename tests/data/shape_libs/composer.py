"""A stand-in for a configuration framework (Hydra's ``@hydra.main``), kept outside the traced repo: it
composes an OmegaConf config from defaults and ``key=value`` command-line overrides and calls the
decorated function with it. The repo's own code never builds or passes the config."""

import functools
import sys

from omegaconf import OmegaConf


def main(**defaults):
    def decorate(func):
        @functools.wraps(func)
        def run():
            cfg = OmegaConf.merge(OmegaConf.create(defaults), OmegaConf.from_dotlist(sys.argv[1:]))
            return func(cfg)

        return run

    return decorate
