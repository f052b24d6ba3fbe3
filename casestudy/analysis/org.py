"""An organisation's (or a set of teams') case study at a glance: per repository and per team,
merged PRs, active authors, median cycle time, median lead time for changes and deployments per
week over one window, each ranked among the units with enough merged PRs (rank 1 = best by the
metric's direction; fewer than ``MIN_N`` merged PRs: no rank, said so).

DORA's advice is kept: its metrics describe an application or service, not a team's worth. A
repository is measured as the service it holds; a team's figures are those of the PRs in its
repositories or by its people, and its deployments only where it owns whole repositories. The
view says so wherever teams are compared.

Durations go through ``core.durations`` (the one definition); rows come grouped by repository
(``repo_idx`` ascending), so each repository is a slice, never a mask over every PR.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import metrics
from ..core.durations import duration_values
from ..model import PRArrays

MIN_N = 10  # merged PRs a unit needs to be ranked
WEEK = 7 * 86400
DORA_NOTE = ("DORA measures applications and services, not teams: these figures describe the "
             "repositories and PRs each team works on, and comparing teams by them compares "
             "their services' delivery, not the people's performance.")
COLUMNS = (  # key, label, direction
    ("merged", "merged PRs", "higher"),
    ("authors", "active authors", "higher"),
    ("cycle_h", "median cycle time (h)", "lower"),
    ("lead_h", "median lead time (h)", "lower"),
    ("deploys_week", "deployments per week", "higher"),
)


@dataclass
class Unit:
    """One repository or team over the window."""

    name: str
    kind: str  # "repository" | "team"
    merged: int
    authors: int
    cycle_h: float | None
    lead_h: float | None
    deploys_week: float | None  # None: not attributable (a team of people, not repositories)
    ranks: dict[str, int] = field(default_factory=dict)  # column key -> rank (1 = best)


@dataclass
class OrgView:
    title: str
    window: tuple[int, int]  # [lo, hi) epoch seconds, on merge time
    repositories: list[Unit]
    teams: list[Unit]
    notes: list[str]


def _median_hours(values: np.ndarray) -> float | None:
    ok = values[~np.isnan(values)]
    return float(np.median(ok)) / 3600 if ok.size else None


def _unit(a: PRArrays, rows: np.ndarray, name: str, kind: str, lo: int, hi: int,
          cycle: np.ndarray, lead: np.ndarray, deploys: float | None) -> Unit:
    merged_at = a.times["merged_at"][rows]
    keep = rows[(merged_at >= lo) & (merged_at < hi) & ~a.is_bot[rows]]
    authors = a.author_idx[keep] if a.author_idx is not None else np.zeros(0, np.int32)
    return Unit(name, kind, int(keep.size), int(np.unique(authors[authors >= 0]).size),
                _median_hours(cycle[keep]), _median_hours(lead[keep]), deploys)


def _deploys_per_week(a: PRArrays, repo: str, lo: int, hi: int) -> float:
    d = a.deploy_times.get(repo, np.zeros(0, np.int64))
    return float(((d >= lo) & (d < hi)).sum()) / max((hi - lo) / WEEK, 1e-9)


def rank(units: list[Unit]) -> None:
    """Rank each column among the units with at least ``MIN_N`` merged PRs and a value (ties
    share the better rank)."""
    for key, _label, direction in COLUMNS:
        scored = [(getattr(u, key), u) for u in units
                  if u.merged >= MIN_N and getattr(u, key) is not None]
        values = sorted({v for v, _ in scored}, reverse=direction == "higher")
        for v, u in scored:
            u.ranks[key] = 1 + sum(1 for w in values if (w > v if direction == "higher"
                                                          else w < v))


def org_view(a: PRArrays, title: str, lo: int, hi: int,
             teams: dict[str, tuple[np.ndarray, list[str] | None]] | None = None,
             notes: list[str] | None = None) -> OrgView:
    """Per-repository and per-team units over merges in [lo, hi). ``teams``: name -> (rows of
    its PRs, the repositories it owns whole — their deployments count — or None when it is
    defined by people too)."""
    if a.n and (np.diff(a.repo_idx) < 0).any():
        raise ValueError("the arrays must come grouped by repository")
    all_rows = np.arange(a.n)
    cycle = duration_values(a, metrics.get("cycle_time"), all_rows)
    lead = duration_values(a, metrics.get("lead_time"), all_rows)
    bounds = np.searchsorted(a.repo_idx, np.arange(len(a.repos) + 1))
    repos = [_unit(a, np.arange(bounds[i], bounds[i + 1]), r, "repository", lo, hi, cycle,
                   lead, _deploys_per_week(a, r, lo, hi)) for i, r in enumerate(a.repos)]
    team_units = []
    for name, (rows, owned) in (teams or {}).items():
        deploys = None if owned is None else sum(_deploys_per_week(a, r, lo, hi)
                                                 for r in owned)
        team_units.append(_unit(a, rows, name, "team", lo, hi, cycle, lead, deploys))
    rank(repos)
    rank(team_units)
    out_notes = list(notes or [])
    if team_units:
        out_notes.insert(0, DORA_NOTE)
    out_notes.append(f"Ranked: units with at least {MIN_N} merged PRs in the window; rank 1 is "
                     "the best by each metric's direction (more merged PRs, authors and "
                     "deployments; shorter times). Bots' PRs are left out.")
    repos.sort(key=lambda u: (-u.merged, u.name))
    team_units.sort(key=lambda u: (-u.merged, u.name))
    return OrgView(title, (lo, hi), repos, team_units, out_notes)
