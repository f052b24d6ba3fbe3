"""The report's windows (the latest periods and the ones before) and what is measured over them:
which PRs fall in a window, their durations by the one definition in ``core``, and the tallies a
metric kind computes a finding from (``WindowTallies``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import core
from ..core.periods import Calendar
from ..metric_kinds import finite
from ..metrics import Metric
from ..model import PRArrays

__all__ = ["Window", "WindowTallies", "duration_sample", "finite", "in_window", "restore_sample"]


@dataclass
class Window:
    """Epoch-second bounds of the latest window and the one before it, as period indexes."""

    periods: list[int]
    previous: list[int]
    cal: Calendar

    def bounds(self, idx: list[int]) -> tuple[int, int]:
        lo = int(self.cal.starts[idx[0]]) * 86400
        hi = int(self.cal.starts[idx[-1]] + self.cal.days[idx[-1]]) * 86400
        return lo, hi

    @property
    def labels(self) -> list[str]:
        return [self.cal.labels[i] for i in self.periods]


def in_window(ts: np.ndarray, lo: int, hi: int, cal: Calendar) -> np.ndarray:
    """Which times fall in [lo, hi) (local seconds of the calendar's zone); missing ones never."""
    local = cal.local_seconds(ts)
    return (ts >= 0) & (local >= lo) & (local < hi)


def duration_sample(a: PRArrays, m: Metric, repo_i: int, lo: int, hi: int, cal: Calendar,
                    pop: np.ndarray, business_hours: tuple[int, int] | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Durations (seconds) of one PR duration metric for PRs whose completing event is in
    [lo, hi), with their row indexes; missing and negative durations are left out."""
    if not (m.start and m.end):
        raise ValueError(f"metric {m.key!r} is not a PR duration (no start and end fields)")
    _, end = core.duration_columns(a, m)
    rows = np.flatnonzero(pop & (a.repo_idx == repo_i) & in_window(end, lo, hi, cal))
    d = core.duration_values(a, m, rows, cal, business_hours)
    keep = ~np.isnan(d)
    return d[keep].astype(np.int64), rows[keep]


def restore_sample(a: PRArrays, repo_i: int, lo: int, hi: int, cal: Calendar) -> np.ndarray:
    """Times to restore (seconds) of the failures of one repository restored in [lo, hi)."""
    start, end = core.restore_events(a, a.repos[repo_i])
    sel = in_window(end, lo, hi, cal) & (start >= 0)
    d = end[sel] - start[sel]
    return d[d >= 0]


@dataclass
class WindowTallies:
    """One repository's tallies over some of a table's periods, for its metric kinds
    (``metric_kinds.OverWindow``): the counts are the sums of the periods' counts, so a finding
    agrees with the table cells it sums up; distinct ids are counted again over the window's
    merged PRs (each once); durations are sampled."""

    a: PRArrays
    table: core.MetricTable
    window: Window
    idx: list[int]  # the periods: the window's, or the ones before it
    repo_i: int
    pop: np.ndarray

    @property
    def bounds(self) -> tuple[int, int]:
        return self.window.bounds(self.idx)

    def _sum(self, *name: str):
        return self.table.tallies[name][self.repo_i, self.idx].sum()

    def periods(self) -> float:
        return float(len(self.idx))

    def merged(self, flag: str | None = None):
        return self._sum("merged", flag or "")

    def lines(self, flag: str | None = None):
        return self._sum("lines", flag or "")

    def distinct(self, field: str) -> float:
        ids = getattr(self.a, field)
        if ids is None:
            return float("nan")
        merged = self.a.times["merged_at"]
        sel = self.pop & (self.a.repo_idx == self.repo_i) & in_window(
            merged, *self.bounds, self.window.cal)
        ids = ids[sel]
        return float(np.unique(ids[ids >= 0]).size)

    def has_deployments(self) -> bool:
        return bool(self._sum("has_deployments"))

    def deployments(self):
        return self._sum("deployments")

    def deployment_days(self):
        return self._sum("deployment_days")

    def covered_days(self):
        return self._sum("covered_days")

    def failed(self):
        return self._sum("failed")

    def open_failures(self):
        return self._sum("open_failures")

    def caught(self):
        return self._sum("caught")

    def rework(self):
        return self._sum("rework")

    def duration_sample(self, m: Metric) -> np.ndarray:
        return duration_sample(self.a, m, self.repo_i, *self.bounds, self.window.cal,
                               self.pop, self.table.options.get("business_hours"))[0]

    def restore_sample(self) -> np.ndarray:
        return restore_sample(self.a, self.repo_i, *self.bounds, self.window.cal)
