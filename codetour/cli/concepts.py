"""`codetour concepts [NAME]`: browse the ML concept cards, or the ones a recorded run implements
(the command lives with the cards, in :mod:`codetour.concepts.cli`)."""

from __future__ import annotations

import argparse
from typing import Any

from codetour.cli.common import Formatter


def add_parser(sub: Any) -> argparse.ArgumentParser:
    from codetour.concepts import cli

    return cli.add_parser(sub, Formatter)


def run(args: argparse.Namespace) -> int:
    from codetour.concepts import cli

    return cli.run(args)
