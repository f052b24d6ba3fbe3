"""Command-line interface: ``casestudy demo | info | report | import | export | sync | sync-git``.

Exit codes: 0 ok, 1 a runtime problem (described on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from .store import Store, StoreError

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


class CLIError(Exception):
    """A problem to report to the user in one line, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_FAIL):
        super().__init__(message)
        self.code = code


def _fmt_ts(ts: int | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import build_demo

    store = Store(args.db)
    if args.if_missing and store.repos():
        print(f"the store at {store.label} already holds data; nothing to do")
        return EXIT_OK
    t0 = time.perf_counter()
    counts = build_demo(store, seed=args.seed)
    took = time.perf_counter() - t0
    for repo, n in counts.items():
        print(f"{repo}: {n:,} PRs (synthetic demo data)")
    print(f"built the synthetic demo store at {store.label} in {took:.1f} s")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    store = Store(args.db)
    rows = store.summary()
    print(f"store: {store.label} (schema v{store.schema_version})")
    if not rows:
        print("the store is empty: run `casestudy demo` or `casestudy sync owner/repo`")
        return EXIT_OK
    print(f"{'repository':<28} {'source':<12} {'PRs':>8} {'merged':>8} {'from':>10} {'to':>10} "
          f"{'deploys':>8}  last sync")
    for r in rows:
        label = r.repo + (" (synthetic)" if r.synthetic else "")
        sync = _fmt_ts(r.last_sync_at)
        if r.last_sync_requests or r.last_sync_points:
            sync += f" ({r.last_sync_requests} requests, {r.last_sync_points} points)"
        print(f"{label:<28} {r.source:<12} {r.prs:>8,} {r.merged:>8,} {_fmt_ts(r.first_at):>10} "
              f"{_fmt_ts(r.last_at):>10} {r.deployments:>8,}  {sync}")
    return EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"demo": cmd_demo, "info": cmd_info}


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
    p = sub.add_parser("demo", parents=[common], help="build the synthetic demo store")
    p.add_argument("--seed", type=int, default=20241001)
    p.add_argument("--if-missing", action="store_true",
                   help="do nothing when the store already holds repositories")
    sub.add_parser("info", parents=[common], help="what the store holds")
    _add_later_commands(sub, common)
    return parser


def _add_later_commands(sub, common) -> None:
    """Commands whose implementations live in their own modules (imported lazily)."""
    from . import cli_commands

    cli_commands.register(sub, common, COMMANDS)


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
    except StoreError as exc:
        print(f"casestudy: error: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except BrokenPipeError:  # output piped into `head` and closed early
        return EXIT_OK
    except KeyboardInterrupt:
        print("casestudy: interrupted; everything synced so far is kept", file=sys.stderr)
        return 130
