"""The report's windows (the latest periods and the ones before) and the samples measured over
them: which PRs fall in a window, and their durations by the one definition in ``core``."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import core
from ..core.periods import Calendar
from ..metrics import Metric
from ..model import PRArrays


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


def finite(x) -> float | None:
    """A plain float, or None for missing, NaN and infinite values (for the JSON document)."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def in_window(ts: np.ndarray, lo: int, hi: int, cal: Calendar) -> np.ndarray:
    """Which times fall in [lo, hi) (local seconds of the calendar's zone); missing ones never."""
    local = cal.local_seconds(ts)
    return (ts >= 0) & (local >= lo) & (local < hi)


def duration_sample(a: PRArrays, m: Metric, repo_i: int, lo: int, hi: int, cal: Calendar,
                    pop: np.ndarray, business_hours: tuple[int, int] | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Durations (seconds) of one metric for PRs whose completing event is in [lo, hi), with
    their row indexes; missing and negative durations are left out."""
    if m.key == "time_to_restore":
        start, end = core.restore_events(a, a.repos[repo_i])
        sel = in_window(end, lo, hi, cal) & (start >= 0)
        d = end[sel] - start[sel]
        return d[d >= 0], np.zeros(0, np.int64)
    _, end = core.duration_columns(a, m)
    rows = np.flatnonzero(pop & (a.repo_idx == repo_i) & in_window(end, lo, hi, cal))
    d = core.duration_values(a, m, rows, cal, business_hours)
    keep = ~np.isnan(d)
    return d[keep].astype(np.int64), rows[keep]
