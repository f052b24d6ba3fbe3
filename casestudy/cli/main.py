"""Command-line interface: ``casestudy demo | info | report | import | export | sync |
sync-gitlab | sync-git | sync-all``.

Exit codes: 0 ok, 1 a runtime problem (described on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys

from ..options import OptionError
from ..store import StoreError
from .commands import COMMANDS, register
from .errors import EXIT_FAIL, EXIT_OK, EXIT_USAGE, CLIError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casestudy",
        description="Turn a repository's pull-request history into an engineering case study.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", default=None,
                        help="store file (default: $CASESTUDY_DB or the user's cache dir)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    register(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed the usage message
        return int(exc.code or 0) and EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except CLIError as exc:
        print(f"casestudy: error: {exc}", file=sys.stderr)
        return exc.code
    except OptionError as exc:  # a report option refused outside the report arguments' check
        print(f"casestudy: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StoreError as exc:
        print(f"casestudy: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except BrokenPipeError:  # output piped into `head` and closed early
        return EXIT_OK
    except KeyboardInterrupt:
        print("casestudy: interrupted; everything synced so far is kept", file=sys.stderr)
        return 130
