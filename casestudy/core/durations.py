"""The one definition of how a PR duration is measured: which time fields start and end it (from
the metric registry), the fallback start where the first is missing, what counts as a valid value
(both ends known, not negative) and working-hours durations. The metric table, the findings, the
facts and the drill-down all measure durations through these functions; the numba kernels in
``group_stats`` apply the same rule (start, else fallback; negatives left out) per element.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from ..metrics import Metric
from ..model import PRArrays
from . import numba_target
from .periods import DAY, EPOCH_WEEKDAY, Calendar

numba_target.set_up()  # before any kernel compiles or loads: see numba_target

# business days before each weekday of a week that starts on the epoch's weekday (a Thursday)
_WEEKDAYS_BEFORE = np.array([0, 1, 2, 2, 2, 3, 4], dtype=np.int64)


def duration_inputs(a: PRArrays, m: Metric) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(start, fallback start or None, end) time columns of a PR duration metric."""
    fallback = a.times[m.fallback_start] if m.fallback_start else None
    return a.times[m.start], fallback, a.times[m.end]


def duration_columns(a: PRArrays, m: Metric) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) time columns of a PR duration metric, with its fallback start applied."""
    start, fallback, end = duration_inputs(a, m)
    if fallback is not None:
        start = np.where(start >= 0, start, fallback)
    return start, end


def duration_values(a: PRArrays, m: Metric, rows: np.ndarray, cal: Calendar | None = None,
                    business_hours: tuple[int, int] | None = None) -> np.ndarray:
    """Seconds of ``m`` for the PRs at ``rows`` (float; NaN where an end is missing or the
    duration is negative). With ``business_hours`` (and the calendar's time zone), only working
    hours Mon–Fri count."""
    start, end = duration_columns(a, m)
    s, e = start[rows], end[rows]
    if business_hours:
        if cal is None:
            raise ValueError("business hours need a calendar (its time zone)")
        o, c = business_hours[0] * 3600, business_hours[1] * 3600
        d = business_durations(cal.local_seconds(s), cal.local_seconds(e), o, c).astype(float)
        d[d < 0] = np.nan
        return d
    d = (e - s).astype(float)
    d[(s < 0) | (e < 0) | (d < 0)] = np.nan
    return d


@njit(cache=True)
def _business_clock(local, open_s, close_s):
    """Business seconds from the epoch to local wall time ``local`` (Mon–Fri, open → close)."""
    day = local // DAY
    sec = local - day * DAY
    weeks = day // 7
    r = day - weeks * 7
    before = weeks * 5 + _WEEKDAYS_BEFORE[r]
    dow = (day + EPOCH_WEEKDAY) % 7  # Monday = 0
    today = 0
    if dow < 5:
        today = min(max(sec, open_s), close_s) - open_s
    return before * (close_s - open_s) + today


@njit(cache=True, parallel=True)
def business_durations(start_local, end_local, open_s, close_s):
    """Business-hours versions of end - start for local wall-clock seconds (-1 when missing)."""
    out = np.full(start_local.size, -1, dtype=np.int64)
    for i in prange(start_local.size):
        if start_local[i] < 0 or end_local[i] < 0:
            continue
        out[i] = _business_clock(end_local[i], open_s, close_s) - _business_clock(
            start_local[i], open_s, close_s)
    return out
