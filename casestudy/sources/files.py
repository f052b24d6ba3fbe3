"""File sources: the canonical tables as CSV/Parquet (export and validated import), and the
"git-prs" CSV layout (PRs recovered from git history, one row per landed PR, with tags).
"""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd

from ..csv_cells import inert_frame, restored_frame
from ..model import AIReview, CheckRun, Commit, Deployment, Incident, PullRequest, Review
from ..source_kinds import GIT_CSV, IMPORT
from ..store import RepoInfo, Store
from .file_bounds import (
    END_TIME,
    FIRST_TIME,
    LARGEST_INT,
    TIME_RANGE,
    FileBoundsError,
    read_table,
    row_numbers,
)
from .finish import finish
from .releases import is_prerelease

TABLES = {"pull_requests": PullRequest, "deployments": Deployment, "incidents": Incident,
          "check_runs": CheckRun, "commits": Commit, "reviews": Review, "ai_reviews": AIReview}
_TUPLE_FIELDS = {"labels", "linked_issue_labels", "refs", "ai_rules"}


class ImportError_(ValueError):
    """A file that cannot be imported, with the bad rows or columns named."""


def _epoch(series: pd.Series, first_row: int = 2) -> pd.Series:
    """ISO-8601 strings or numbers (epoch seconds) to epoch seconds as floats (missing stays
    NaN); a value that is not a time, or one outside 1970–2100, raises naming its rows."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        secs = series.astype("float64")
        where = "seconds since 1970"
    else:
        parsed = pd.to_datetime(series, utc=True, errors="coerce", format="ISO8601")
        bad = parsed.isna() & series.notna() & (series.astype(str).str.strip() != "")
        if bad.any():
            raise ImportError_(f"column {series.name!r}: not a date/time on rows "
                               f"{row_numbers(bad, first_row)} (e.g. {_shown(series[bad])})")
        secs = parsed.astype("datetime64[s, UTC]").astype("int64").astype("float64")
        secs = secs.where(parsed.notna())
        where = "a time"
    bad = secs.notna() & ~secs.between(FIRST_TIME, END_TIME, inclusive="left")
    if bad.any():
        raise ImportError_(f"column {series.name!r}: {where} outside {TIME_RANGE} on rows "
                           f"{row_numbers(bad, first_row)} (e.g. {_shown(series[bad])})")
    return secs


def _shown(values: pd.Series) -> str:
    """The first bad value, quoted and short."""
    value = values.iloc[0]
    if isinstance(value, pd.Timestamp):
        value = value.isoformat()
    elif isinstance(value, np.generic):
        value = value.item()
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _whole(col: pd.Series, name: str, required: bool, first_row: int) -> pd.Series:
    """A column of whole numbers (missing stays NaN) that every store column holds."""
    num = pd.to_numeric(col, errors="coerce").astype("float64")
    bad = num.isna() & col.notna()
    if required:
        bad |= col.isna()
    if bad.any():
        raise ImportError_(f"column {name!r}: not a whole number on rows "
                           f"{row_numbers(bad, first_row)}")
    bad = num.notna() & ((num.abs() > LARGEST_INT) | (num % 1 != 0))
    if bad.any():
        raise ImportError_(f"column {name!r}: not a whole number from -{LARGEST_INT:,} to "
                           f"{LARGEST_INT:,} on rows {row_numbers(bad, first_row)} "
                           f"(e.g. {_shown(col[bad])})")
    return num


def _records(df: pd.DataFrame, cls) -> list:
    names = [f.name for f in fields(cls)]
    required = [f.name for f in fields(cls) if f.default is f.default_factory is
                __import__("dataclasses").MISSING]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ImportError_(f"missing required columns: {', '.join(missing)}")
    unknown = [c for c in df.columns if c not in names]
    if unknown:
        raise ImportError_(f"unknown columns: {', '.join(map(str, unknown))} (expected some "
                           f"of {', '.join(names)})")
    first_row = int(df.attrs.get("first_row", 2))
    df = df.copy()
    for f in fields(cls):
        if f.name not in df.columns:
            continue
        col = df[f.name]
        if f.name.endswith("_at"):
            df[f.name] = _epoch(col, first_row)
        elif f.name in _TUPLE_FIELDS:
            df[f.name] = col.map(_parse_list)
        elif f.type in ("int", "int | None"):
            df[f.name] = _whole(col, f.name, f.type == "int" and f.name in required, first_row)
        elif f.type == "bool":
            df[f.name] = col.map(_parse_bool)
    df = df.astype(object).where(df.notna(), None)
    out = []
    for row in df.to_dict("records"):
        kw = {}
        for k, v in row.items():
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            kw[k] = v
        out.append(cls(**kw))
    return out


def _parse_list(v) -> tuple[str, ...]:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v == "":
        return ()
    if isinstance(v, list | tuple | np.ndarray):
        return tuple(str(x) for x in v)
    s = str(v)
    if s.startswith("["):
        return tuple(str(x) for x in json.loads(s))
    return tuple(x for x in s.split("|") if x)


def _parse_bool(v) -> bool:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return False
    s = str(v).strip().lower()
    if s in ("true", "1", "yes", "t"):
        return True
    if s in ("false", "0", "no", "f", ""):
        return False
    raise ImportError_(f"not a boolean: {v!r}")


def _read(path: Path) -> pd.DataFrame:
    """The file within this instance's bounds (``file_bounds``), or ``ImportError_``."""
    try:
        df = read_table(path)
    except FileBoundsError as exc:
        raise ImportError_(str(exc)) from None
    return df if path.suffix == ".parquet" else restored_frame(df)  # as ``export`` wrote it


def export_tables(store: Store, repo: str, out_dir: Path, fmt: str = "parquet") -> list[Path]:
    """Write the repo's canonical tables as ``<table>.parquet`` or ``<table>.csv``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    getters = {"pull_requests": store.pull_requests, "deployments": store.deployments,
               "incidents": store.incidents, "check_runs": store.check_runs,
               "commits": store.commits, "reviews": store.reviews,
               "ai_reviews": store.ai_reviews}
    paths = []
    for name, cls in TABLES.items():
        recs = getters[name](repo)
        df = pd.DataFrame([{f.name: getattr(r, f.name) for f in fields(cls)} for r in recs],
                          columns=[f.name for f in fields(cls)])
        for c in df.columns:
            if c in _TUPLE_FIELDS:
                df[c] = df[c].map(lambda t: json.dumps(list(t), ensure_ascii=False))
            elif c.endswith("_at"):
                df[c] = pd.to_datetime(df[c], unit="s", utc=True).dt.strftime(
                    "%Y-%m-%dT%H:%M:%SZ")
        path = out_dir / f"{name}.{fmt}"
        if fmt == "parquet":
            df.to_parquet(path, index=False)
        else:  # a title like =HYPERLINK(…) stays text in a spreadsheet; CRLF line ends make
            # the writer quote a cell holding a carriage return, so it stays one cell
            inert_frame(df).to_csv(path, index=False, lineterminator="\r\n")
        paths.append(path)
    return paths


def import_tables(store: Store, in_dir: Path, repo: str | None = None,
                  source: str = IMPORT.key, account_key: str = "") -> dict[str, int]:
    """Validate and load canonical tables from ``in_dir`` (CSV or Parquet) as repositories of
    the source kind ``source``. Every file is read within this instance's bounds and validated
    before anything is written, and everything is written in one transaction: a bad file, or
    a write that fails, loads nothing (no repository is left behind either)."""
    loaded: dict[str, list] = {}
    for name, cls in TABLES.items():
        for ext in ("parquet", "csv"):
            p = in_dir / f"{name}.{ext}"
            if p.exists():
                try:
                    loaded[name] = _records(_read(p), cls)
                except ImportError_ as exc:
                    raise ImportError_(_in_file(p.name, exc)) from None
                except (TypeError, ValueError, OverflowError) as exc:
                    raise ImportError_(f"{p.name}: {_first_line(exc)}") from None
                break
    if "pull_requests" not in loaded:
        raise ImportError_("no pull_requests.csv or pull_requests.parquet was given")
    repos = {r.repo for recs in loaded.values() for r in recs}
    if repo:
        repos = {repo}
        for recs in loaded.values():
            for r in recs:
                r.repo = repo
    for r in sorted(repos):  # every name passes the store's write rules before any is written
        store.check_write(RepoInfo(r, source=source, account_key=account_key))
    with store.transaction():
        for r in sorted(repos):
            prs = [p for p in loaded["pull_requests"] if p.repo == r]
            deps = [d for d in loaded.get("deployments", []) if d.repo == r]
            store.upsert_repo(RepoInfo(r, source=source, account_key=account_key))
            # labelled incident issues are kept; reverts and hotfixes are rebuilt from the PRs
            issues = [i for i in loaded.get("incidents", []) if i.repo == r and i.kind == "issue"]
            store.write_batch(r, prs, incidents=issues,
                              check_runs=[c for c in loaded.get("check_runs", []) if c.repo == r],
                              commits=[c for c in loaded.get("commits", []) if c.repo == r],
                              reviews=[x for x in loaded.get("reviews", []) if x.repo == r],
                              ai_reviews=[x for x in loaded.get("ai_reviews", [])
                                          if x.repo == r])
            # without a deployments table the stored deployments stand, else every merge deploys
            finish(store, r, deps or None, _deploy_source(deps),
                   checks=any(c.repo == r for c in loaded.get("check_runs", [])))
    return {k: len(v) for k, v in loaded.items()}


def _in_file(name: str, exc: Exception) -> str:
    """The error prefixed by the file's name, unless it already starts with it."""
    text = str(exc)
    named = re.match(r"[\w.-]+\.(csv|parquet)\b", text) is not None  # names its file already
    return text if named else f"{name}: {text}"


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _deploy_source(deployments: list[Deployment]) -> str:
    return ",".join(sorted({d.source for d in deployments if d.source})) or "import"


def import_git_prs_csv(store: Store, path: Path, account_key: str = "") -> dict[str, int]:
    """Import the "git-prs" layout (PRs recovered from git, see DESIGN) and its ``.tags.csv``:
    every row is read and checked first, then everything is written in one transaction."""
    try:
        parsed = _git_prs(path)
    except ImportError_ as exc:
        raise ImportError_(_in_file(path.name, exc)) from None
    except (TypeError, ValueError, OverflowError, KeyError) as exc:
        raise ImportError_(f"{path.name}: {_first_line(exc)}") from None
    for repo in parsed:  # every name passes the store's write rules before any is written
        store.check_write(RepoInfo(repo, source=GIT_CSV.key, account_key=account_key))
    with store.transaction():
        for repo, (prs, deps) in parsed.items():
            store.upsert_repo(RepoInfo(repo, source=GIT_CSV.key, account_key=account_key))
            store.write_batch(repo, prs)
            finish(store, repo, deps, "tags")
    return {repo: len(prs) for repo, (prs, _) in parsed.items()}


def _git_prs(path: Path) -> dict[str, tuple[list[PullRequest], list[Deployment]]]:
    """The PRs and release tags of each repository in a git-prs CSV, validated."""
    df = _read(path)
    need = {"repo", "pr_number", "merged_at", "first_commit_authored_at", "is_bot", "title",
            "is_revert"}
    missing = need - set(df.columns)
    if missing:
        raise ImportError_(f"missing columns {', '.join(sorted(missing))}")
    first_row = int(df.attrs.get("first_row", 2))
    numbers = _whole(df["pr_number"], "pr_number", True, first_row)
    reverted_col = _whole(df["reverted_pr"], "reverted_pr", False, first_row) \
        if "reverted_pr" in df else pd.Series(np.nan, index=df.index)
    out = {}
    for repo, part in df.groupby("repo", sort=True):
        merged = _epoch(part["merged_at"], first_row)
        first = _epoch(part["first_commit_authored_at"], first_row)
        stable = _epoch(part["first_stable_tag_at"], first_row) \
            if "first_stable_tag_at" in part else pd.Series(np.nan, index=part.index)
        prs = []
        for idx, row in part.iterrows():
            number = int(numbers[idx])
            m = None if pd.isna(merged[idx]) else int(merged[idx])
            reverted = reverted_col[idx]
            prs.append(PullRequest(
                repo=repo, number=number, title=str(row.get("title") or ""),
                author=str(row.get("author_login") or row.get("author_email_hash") or ""),
                author_is_bot=_parse_bool(row["is_bot"]),
                first_commit_at=None if pd.isna(first[idx]) else int(first[idx]),
                merged_at=m, closed_at=m,
                deployed_at=None if pd.isna(stable[idx]) else int(stable[idx]),
                head_ref=str(row.get("head_ref") or ""),
                merge_commit_sha=str(row.get("landing_sha") or ""),
                is_revert=_parse_bool(row["is_revert"]),
                reverted_number=None if pd.isna(reverted) else int(reverted),
                url=f"https://github.com/{repo}/pull/{number}",
            ))
        out[str(repo)] = (prs, _tags(path, str(repo)))
    return out


def _tags(path: Path, repo: str) -> list[Deployment]:
    tags_path = path.with_name(path.name.replace(".csv", ".tags.csv"))
    if not tags_path.exists():
        return []
    try:
        t = _read(tags_path)
    except ImportError_ as exc:
        raise ImportError_(_in_file(tags_path.name, exc)) from None
    name_col = "tag" if "tag" in t.columns else t.columns[0]
    time_col = next((c for c in t.columns if c.endswith("_at") or "date" in c), None)
    if time_col is None:
        return []
    try:
        secs = _epoch(t[time_col], int(t.attrs.get("first_row", 2)))
    except ImportError_ as exc:
        raise ImportError_(f"{tags_path.name}: {exc}") from None
    out = []
    for idx, name in t[name_col].items():
        if pd.isna(secs[idx]) or is_prerelease(str(name)):
            continue
        out.append(Deployment(repo, str(name), int(secs[idx]), source="tags"))
    return out
