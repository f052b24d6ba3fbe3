"""An organisation view from the store: every repository of an owner (or the repositories a team
file names), loaded in one pass (``Store.load_arrays``: one binary COPY on PostgreSQL), teams
turned into rows, then ``analysis.org``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..analysis.org import OrgView, org_view
from ..sources.team_list import Team, read_team_list
from ..store import Store, StoreError

YEAR = 365 * 86400


def _month_start(text: str, end: bool = False) -> int:
    y, m = (int(x) for x in text.split("-"))
    if end:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return int(datetime(y, m, 1, tzinfo=UTC).timestamp())


def build_org_view(store: Store, owner: str | None = None, teams_file: Path | None = None,
                   since: str | None = None, until: str | None = None,
                   visible_to: tuple[str, ...] | None = None) -> OrgView:
    """The view of ``owner``'s repositories and/or the teams of ``teams_file`` over merges from
    ``since`` to ``until`` (YYYY-MM, inclusive; default: the last 12 months of data).
    ``visible_to``: a visitor's keys (None: the operator)."""
    teams: list[Team] = read_team_list(teams_file) if teams_file else []
    known = store.repos(visible_to=list(visible_to)) if visible_to is not None else store.repos()
    wanted = [r for r in known if owner and r.split("/")[0].lower() == owner.lower()]
    for t in teams:
        missing = [r for r in t.repos if r not in known]
        if missing:
            raise StoreError(f"team {t.name}: {', '.join(missing)} not in the store")
        wanted += [r for r in t.repos if r not in wanted]
    if not wanted:
        raise StoreError(f"no synced repository of {owner!r} here" if owner else
                         "the team file names no repository of the store")
    a = store.load_arrays(wanted)
    hi = _month_start(until, end=True) if until else int(a.times["merged_at"].max()) + 1
    lo = _month_start(since) if since else hi - YEAR
    index = {r: i for i, r in enumerate(a.repos)}
    key = a.repo_idx.astype(np.int64) << 32 | a.number
    team_rows: dict[str, tuple[np.ndarray, list[str] | None]] = {}
    notes = []
    for t in teams:
        mask = np.isin(a.repo_idx, [index[r] for r in t.repos])
        if t.people:
            found = store.prs_by_authors(a.repos, t.people)
            mask |= np.isin(key, [index[r] << 32 | n for r, n in found])
        team_rows[t.name] = (np.flatnonzero(mask), None if t.people else list(t.repos))
        if t.paths:
            notes.append(f"Team {t.name}: its monorepo paths ({', '.join(t.paths)}) are not "
                         "applied: the store does not keep each PR's files yet.")
    title = " and ".join(filter(None, [f"{owner}'s repositories" if owner else "",
                                       f"teams of {teams_file.name}" if teams_file else ""]))
    return org_view(a, title, lo, hi, team_rows, notes)
