"""What every command shares: the help formatter, the parser class, and one rule for where
codetour's options end and the target's command line begins."""

from __future__ import annotations

import argparse

from codetour.errors import UsageError

TARGET_RULE = """\
Where options go: codetour's options come before the target. Everything after a
script (or -m MODULE) is the script's own command line, passed to it untouched,
as with `python SCRIPT ARGS`; `--` also ends codetour's options. After a folder,
a trace or a tour file (which take no arguments of their own), codetour's options
are still recognised."""


class Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=100)


class Parser(argparse.ArgumentParser):
    """Usage errors become one-line :class:`UsageError` (exit 2), never argparse's own exit.

    Abbreviated options are off: ``--out`` must never be taken for ``--output`` when it may
    be the target's own option."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def value_options(parser: argparse.ArgumentParser) -> dict[str, bool]:
    """Every option string of ``parser`` -> whether it takes a value. Read from the parser itself,
    so a new option is known here the moment it is declared."""
    found: dict[str, bool] = {}
    for action in parser._actions:  # argparse keeps no public list of its actions
        for option in action.option_strings:
            found[option] = action.nargs != 0
    return found


class CommandLine:
    """A command's arguments split in two: codetour's options, and the target with its arguments.
    A plain class, not a dataclass: `codetour trace` imports it before the target starts, and
    dataclasses (with inspect) would add to every traced run's start-up."""

    def __init__(self, own: list[str], target: str | None = None, args: list[str] | None = None, module: bool = False) -> None:
        self.own = own
        self.target = target
        self.args: list[str] = [] if args is None else args
        self.module = module  # the target came from `-m MODULE`

    def __repr__(self) -> str:
        return f"CommandLine(own={self.own!r}, target={self.target!r}, args={self.args!r}, module={self.module!r})"


def split_command_line(parser: argparse.ArgumentParser, argv: list[str], module_option: str | None = None) -> CommandLine:
    """Split ``argv`` at the target, knowing which of ``parser``'s options take a value.

    The target is the first word that is not an option or an option's value (or the module
    after ``module_option``, as with ``python -m``); from there on everything belongs to it.
    An option the parser does not know, before the target, is an error that says so.
    """
    options = value_options(parser)
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            rest = argv[i + 1 :]
            return CommandLine(argv[:i], rest[0] if rest else None, rest[1:])
        if not word.startswith("-") or word == "-":
            return CommandLine(argv[:i], word, argv[i + 1 :])
        name, eq, _value = word.partition("=")
        if module_option is not None and name == module_option:
            if eq:
                return CommandLine(argv[:i], _value, argv[i + 1 :], module=True)
            if i + 1 >= len(argv):
                raise UsageError(f"{module_option} needs a module name (see `{parser.prog} --help`)")
            return CommandLine(argv[:i], argv[i + 1], argv[i + 2 :], module=True)
        if module_option is not None and word.startswith(module_option) and not word.startswith("--"):
            return CommandLine(argv[:i], word[len(module_option) :], argv[i + 1 :], module=True)
        if name in options:
            i += 2 if options[name] and not eq else 1
            continue
        short = word[:2]
        if not word.startswith("--") and short in options:
            i += 1  # -ofile: a short option with its value attached, or a cluster of flags
            continue
        raise UsageError(f"unknown option {name} for `{parser.prog}` (codetour's options go before the target)")
    return CommandLine(argv)


def options_after_target(parser: argparse.ArgumentParser, args: argparse.Namespace, rest: list[str]) -> list[str]:
    """For targets that take no arguments (a folder, a trace, a tour file): parse codetour's own
    options found after the target into ``args``; return the other words, in order."""
    options = value_options(parser)
    own: list[str] = []
    other: list[str] = []
    i = 0
    while i < len(rest):
        word = rest[i]
        name, eq, _value = word.partition("=")
        if word.startswith("-") and name in options:
            takes = options[name] and not eq
            own.extend(rest[i : i + 2] if takes else [word])
            i += 2 if takes else 1
            continue
        other.append(word)
        i += 1
    if own:
        parser.parse_args(own, args)  # only options: no positional (or sub-command) is matched
    return other
