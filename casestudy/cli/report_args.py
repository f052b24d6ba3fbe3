"""The ``casestudy report`` options on the command line, built from their declarations
(``casestudy.options``): one argument per declared option, its default, choices and help from
the declaration, and a value it does not take refused in one sentence (exit 2)."""

from __future__ import annotations

import argparse

from ..options import BOTS, DECLARED, Choice, OptionError, Options, Repos
from .errors import EXIT_USAGE, CLIError


def _help(option) -> str:
    shown = option.default if not isinstance(option.default, tuple) else ""
    return option.help + (f" (default {shown})" if shown not in (None, "") else "")


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """One argument per declared option; an option not given stays out of the namespace, so
    ``Options`` applies its declared default."""
    for option in DECLARED:
        kwargs = {"dest": option.name, "default": argparse.SUPPRESS, "help": _help(option),
                  "metavar": option.metavar}
        if isinstance(option, Repos):
            kwargs["action"] = "append"
        if isinstance(option, Choice):  # checked by the declaration, like every other value
            kwargs["metavar"] = "{" + ",".join(option.choices) + "}"
        parser.add_argument(option.flag, **kwargs)
    parser.add_argument("--include-bots", dest=BOTS.name, action="store_const",
                        const=BOTS.check("include"), default=argparse.SUPPRESS,
                        help="the same as --bots include")


def report_options(args: argparse.Namespace) -> Options:
    """The report's ``Options`` from the parsed arguments, each value read and checked by its
    declaration; a bad one is a usage error naming its argument."""
    values = {}
    for option in DECLARED:
        if not hasattr(args, option.name):
            continue
        raw = getattr(args, option.name)
        try:
            values[option.name] = option.parse(raw) if isinstance(raw, str) else \
                option.check(raw)
        except OptionError as exc:
            raise CLIError(exc.told_as(option.flag), EXIT_USAGE) from exc
    return Options(args.repo, **values)
