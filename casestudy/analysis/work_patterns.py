"""When work happens: PR openings, first responses and merges by weekday and hour, with the
busiest slots and the share outside working hours put into words. Where the source knows each
author's UTC offset (git author dates), hours are the authors' own; otherwise they are the
report's time zone, and the text says so. One fact is stated once: an event whose peak hours the
work-rhythm section states (on each person's own clock) gets no second "busiest hour" here, and
the off-hours share names the span it is measured over (the report period; the recommendations'
share is the latest window's, and says so)."""

from __future__ import annotations

import numpy as np

from ..core.periods import WEEKDAYS, Calendar, hour_and_weekday_at
from ..document import WorkPattern
from ..model import NO_OFFSET, PRArrays
from .frame import Frame

EVENTS = (("created_at", "PRs opened"), ("first_response_at", "first responses"),
          ("merged_at", "merges"))
WORK_START, WORK_END = 8, 19  # local hours; outside them, or on a weekend, is off-hours
MIN_EVENTS = 50
OWN_CLOCK_SHARE = 0.9  # use the authors' clocks when this share of the PRs has an offset


def off_hours(hour: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """Weekends and local hours outside WORK_START–WORK_END."""
    return (weekday >= 5) | (hour < WORK_START) | (hour >= WORK_END)


def own_clocks(a: PRArrays, rows: np.ndarray) -> np.ndarray | None:
    """UTC offsets of the PRs at ``rows`` when nearly all are known (else None: the report's
    time zone has to stand in)."""
    if a.utc_offset is None or rows.size == 0:
        return None
    off = a.utc_offset[rows]
    known = off != NO_OFFSET
    return np.where(known, off, 0).astype(np.int64) if known.mean() >= OWN_CLOCK_SHARE else None


def local_hours(a: PRArrays, rows: np.ndarray, ts: np.ndarray, cal: Calendar
                ) -> tuple[np.ndarray, np.ndarray, bool]:
    """(hour, weekday, on the authors' own clocks?) of the times ``ts`` of the PRs at
    ``rows``."""
    off = own_clocks(a, rows)
    if off is not None:
        hour, day = hour_and_weekday_at(ts, off)
        return hour, day, True
    hour, day = cal.hour_and_weekday(ts)
    return hour, day, False


def work_pattern(frame: Frame, peaks_elsewhere: set[str] | frozenset[str] = frozenset()
                 ) -> WorkPattern:
    """Counts per (weekday, hour) of each event of the subject's PRs over the report's periods
    (local seconds of the report's zone); ``peaks_elsewhere``: events whose peak hours the
    work-rhythm section states (their busiest hour is not stated again)."""
    a, repo_i, cal, pop = frame.arrays, 0, frame.cal, frame.pop
    lo, hi = frame.report_bounds
    mine = np.flatnonzero(pop & (a.repo_idx == repo_i))
    grids: dict[str, list[list[int]]] = {}
    sentences = []
    own = False
    labels = cal.labels
    span = f"{labels[frame.lo_p]} to {labels[frame.hi_p]}"
    for field, label in EVENTS:
        ts = a.times[field][mine]
        local = cal.local_seconds(ts)
        keep = (ts >= 0) & (local >= lo) & (local < hi)
        ts, rows = ts[keep], mine[keep]
        if ts.size < MIN_EVENTS:
            continue
        hour, day, own = local_hours(a, rows, ts, cal)
        grid = np.bincount(day * 24 + hour, minlength=7 * 24).reshape(7, 24)
        grids[label] = grid.tolist()
        busiest_day = WEEKDAYS[int(grid.sum(axis=1).argmax())]
        busiest_hour = int(grid.sum(axis=0).argmax())
        share = float(off_hours(hour, day).mean())
        when = (f"busiest on {busiest_day}s (peak hours: see Work rhythm)"
                if label in peaks_elsewhere else
                f"busiest on {busiest_day}s and at {busiest_hour:02d}:00")
        sentences.append(
            f"{label[0].upper() + label[1:]} (n = {ts.size:,}): {when}; {share:.0%} on weekends "
            f"or outside {WORK_START:02d}:00–{WORK_END:02d}:00 over the report period "
            f"({span}).")
    if not sentences:
        text = f"Too few events (fewer than {MIN_EVENTS}) to show when work happens."
    elif own:
        text = ("Hours are each author's own (from the UTC offset of their commits). "
                + " ".join(sentences))
    else:
        text = (f"Hours are in {cal.tz}, the report's time zone: the source has no authors' "
                "time zones, so off-hours shares say nothing about anyone's evenings. "
                + " ".join(sentences))
    return WorkPattern(repo=a.repos[repo_i], tz="authors' own" if own else cal.tz,
                       counts=grids, text=text)
