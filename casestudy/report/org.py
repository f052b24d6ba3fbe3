"""An organisation view from the store: every repository of an owner (or the repositories a team
file names), loaded in one pass (``Store.load_arrays``: one binary COPY on PostgreSQL), teams
turned into rows — by repository, by person, and by the paths each PR changed in a monorepo
(``sources.team_list``) — then ``analysis.org``.

Only repositories the reader may see are ever loaded (``visible_to``: a visitor's keys); a team
naming others is measured on the ones they may see."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from ..analysis.org import OrgView, org_view
from ..source_kinds import kind_of
from ..sources.team_list import Team, matches_any, read_team_list
from ..store import Store, StoreError

YEAR = 365 * 86400
MAX_NAMED = 5  # repositories a note names before "and N more"
PATHS_NEED_FILES = ("paths need each PR's changed files, which the store keeps for git clones "
                    "(`casestudy sync-git`) and for GitHub repositories synced with `--files`; "
                    "GitLab syncs and imports do not fetch them")
PATH_TEAM_DEPLOYS = ("A team of paths shares its monorepo's deployments (DORA measures the "
                     "service, not the part of it a team changes): its deployments per week are "
                     "left blank.")
HIDDEN_NOTE = ("Teams are measured on the repositories you may see; a team file's other "
               "repositories are left out.")


class TeamScopeError(StoreError):
    """Teams or an owner that give the view no repository to measure, said in one sentence."""


def _month_start(text: str, end: bool = False) -> int:
    y, m = (int(x) for x in text.split("-"))
    if end:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return int(datetime(y, m, 1, tzinfo=UTC).timestamp())


def _names(repos: Sequence[str]) -> str:
    shown = ", ".join(repos[:MAX_NAMED])
    return shown + (f" and {len(repos) - MAX_NAMED} more" if len(repos) > MAX_NAMED else "")


def files_gap(store: Store, repo: str) -> str:
    """What is missing for ``repo``'s PRs to be placed by path (its changed files), in words
    a note names the repository with; "" when every PR's files are known."""
    if store.has_pr_files(repo):
        return ""
    known, total = store.pr_files_coverage(repo)
    hint = kind_of(store.repo_info(repo).source).files_hint
    if hint:
        return f"{repo} (files known for {known:,} of {total:,} PRs: {hint.format(repo=repo)})"
    return repo


def build_org_view(store: Store, owner: str | None = None, teams_file: Path | None = None,
                   since: str | None = None, until: str | None = None,
                   visible_to: tuple[str, ...] | None = None,
                   teams: Sequence[Team] | None = None, name_hidden: bool = True) -> OrgView:
    """The view of ``owner``'s repositories and/or teams (``teams``, or those of
    ``teams_file``) over merges from ``since`` to ``until`` (YYYY-MM, inclusive; default: the
    last 12 months of data). ``visible_to``: a visitor's keys (None: the operator, for whom a
    team naming a repository the store lacks is an error). For a visitor such repositories are
    left out, named in a note when ``name_hidden`` (their own file: they typed the names),
    else with a note that names none (the server's file)."""
    if teams is None:
        teams = read_team_list(teams_file) if teams_file else []
    known = store.repos(visible_to=list(visible_to)) if visible_to is not None else store.repos()
    known_set = set(known)
    wanted = [r for r in known if owner and r.split("/")[0].lower() == owner.lower()]
    notes: list[str] = []
    hidden: list[str] = []
    for t in teams:
        missing = [r for r in t.repos if r not in known_set]
        if missing and visible_to is None:
            raise TeamScopeError(f"team {t.name}: {', '.join(missing)} not in the store")
        hidden += [r for r in missing if r not in hidden]
        wanted += [r for r in t.repos if r in known_set and r not in wanted]
    if hidden:
        notes.append(f"Not here, or not yours to see, so left out: {_names(hidden)}."
                     if name_hidden else HIDDEN_NOTE)
    if not wanted:
        if any(t.paths and not t.repos for t in teams):
            raise TeamScopeError("a team of paths names no repository: name its monorepo in "
                             "repos, or choose an owner")
        raise TeamScopeError(f"no synced repository of {owner!r} here" if owner else
                         "the team file names no repository of the store")
    a = store.load_arrays(wanted)
    if not a.n:
        raise TeamScopeError("these repositories hold no pull requests yet")
    hi = _month_start(until, end=True) if until else int(a.times["merged_at"].max()) + 1
    lo = _month_start(since) if since else hi - YEAR
    index = {r: i for i, r in enumerate(a.repos)}
    key = a.repo_idx.astype(np.int64) << 32 | a.number
    files: dict[str, dict[str, list[int]] | None] = {}  # repo -> path -> PR numbers

    def files_of(repo: str) -> dict[str, list[int]] | None:
        if repo not in files:
            files[repo] = None if files_gap(store, repo) else store.pr_files(repo)
        return files[repo]

    team_rows: dict[str, tuple[np.ndarray, list[str] | None]] = {}
    for t in teams:
        own = [r for r in t.repos if r in index]
        mask = np.zeros(a.n, bool)
        if not t.paths:
            mask |= np.isin(a.repo_idx, [index[r] for r in own])
        else:
            without = []
            for r in own or list(a.repos):
                paths = files_of(r)
                if paths is None:
                    without.append(files_gap(store, r))
                    continue
                numbers = {n for p, ns in paths.items() if matches_any(p, t.paths) for n in ns}
                mask |= np.isin(key, [index[r] << 32 | n for n in numbers])
            if without:
                notes.append(f"Team {t.name}: its paths ({', '.join(t.paths)}) are not applied "
                             f"to {_names(without)}: {PATHS_NEED_FILES}.")
        if t.people:
            found = store.prs_by_authors(a.repos, t.people)
            mask |= np.isin(key, [index[r] << 32 | n for r, n in found])
        team_rows[t.name] = (np.flatnonzero(mask),
                             None if t.people or t.paths else own)
    if any(t.paths for t in teams):
        notes.append(PATH_TEAM_DEPLOYS)
    title = " and ".join(filter(None, [
        f"{owner}'s repositories" if owner else "",
        f"teams of {teams_file.name}" if teams_file else ("teams" if teams else "")]))
    return org_view(a, title, lo, hi, team_rows, notes)
