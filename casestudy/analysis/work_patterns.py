"""When work happens: PR openings, first responses and merges by weekday and hour of the report's
time zone, with the busiest slots and the share outside working hours put into words."""

from __future__ import annotations

import numpy as np

from ..core.periods import Calendar
from ..document import WorkPattern
from ..model import PRArrays

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EVENTS = (("created_at", "PRs opened"), ("first_response_at", "first responses"),
          ("merged_at", "merges"))
WORK_START, WORK_END = 8, 19  # local hours; outside them, or on a weekend, is off-hours
MIN_EVENTS = 50


def hour_and_weekday(cal: Calendar, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local hour (0–23) and weekday (Monday = 0) of epoch seconds in the calendar's zone."""
    local = cal.local_seconds(ts)
    return (local % 86400) // 3600, ((local // 86400) + 3) % 7  # 1970-01-01 was a Thursday


def off_hours(hour: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    return (weekday >= 5) | (hour < WORK_START) | (hour >= WORK_END)


def work_pattern(a: PRArrays, repo_i: int, lo: int, hi: int, cal: Calendar,
                 pop: np.ndarray) -> WorkPattern:
    """Counts per (weekday, hour) of each event of ``a.repos[repo_i]``'s PRs whose local time
    falls in [lo, hi) (local seconds, as the report's periods)."""
    mine = pop & (a.repo_idx == repo_i)
    grids: dict[str, list[list[int]]] = {}
    sentences = []
    for field, label in EVENTS:
        ts = a.times[field][mine]
        local = cal.local_seconds(ts)
        ts = ts[(ts >= 0) & (local >= lo) & (local < hi)]
        if ts.size < MIN_EVENTS:
            continue
        hour, day = hour_and_weekday(cal, ts)
        grid = np.bincount(day * 24 + hour, minlength=7 * 24).reshape(7, 24)
        grids[label] = grid.tolist()
        busiest_day = WEEKDAYS[int(grid.sum(axis=1).argmax())]
        busiest_hour = int(grid.sum(axis=0).argmax())
        share = float(off_hours(hour, day).mean())
        sentences.append(
            f"{label[0].upper() + label[1:]} (n = {ts.size:,}): busiest on {busiest_day}s and at "
            f"{busiest_hour:02d}:00; {share:.0%} on weekends or outside "
            f"{WORK_START:02d}:00–{WORK_END:02d}:00.")
    text = " ".join(sentences) if sentences else (
        f"Too few events (fewer than {MIN_EVENTS}) to show when work happens.")
    return WorkPattern(repo=a.repos[repo_i], tz=cal.tz, counts=grids, text=text)
