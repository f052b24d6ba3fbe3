"""CLI commands beyond ``demo``/``info``: each registers its sub-parser and handler here."""

from __future__ import annotations

import argparse
from pathlib import Path

from .store import Store


def cmd_import(args: argparse.Namespace) -> int:
    from .cli import CLIError
    from .sources.files import ImportError_, import_git_prs_csv, import_tables

    store = Store(args.db)
    path = Path(args.path)
    try:
        if path.is_dir():
            counts = import_tables(store, path, repo=args.repo)
        elif path.suffix == ".csv":
            counts = import_git_prs_csv(store, path)
        else:
            raise CLIError(f"{path}: give a folder of canonical tables or a git-prs .csv file")
    except ImportError_ as exc:
        raise CLIError(f"import failed, nothing was loaded: {exc}") from exc
    for k, v in counts.items():
        print(f"{k}: {v:,} rows imported")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .sources.files import export_tables

    store = Store(args.db)
    store.repo_info(args.repo)
    for p in export_tables(store, args.repo, Path(args.out), args.format):
        print(p)
    return 0


def cmd_warm(args: argparse.Namespace) -> int:
    from . import core

    print(f"numeric core ready in {core.warm():.2f} s")
    return 0


def register(sub, common, commands: dict) -> None:
    """Add the sub-commands and their handlers."""
    p = sub.add_parser("import", parents=[common],
                       help="load canonical tables (folder of CSV/Parquet) or a git-prs CSV")
    p.add_argument("path")
    p.add_argument("--repo", help="owner/name to file the rows under (canonical tables only)")
    p = sub.add_parser("export", parents=[common], help="write a repo's tables as files")
    p.add_argument("repo")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    sub.add_parser("warm", parents=[common], help="compile the numeric core once (cached)")
    commands.update({"import": cmd_import, "export": cmd_export, "warm": cmd_warm})
