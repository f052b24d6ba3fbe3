"""Unbiased waits: first response and time to merge estimated over every PR that started waiting
in a span (``survival``), with the share still waiting after 7 and 30 days, beside the naive
median over the PRs that got there.

First response: from ready for review; the event is the first human response; a PR closed or
merged without one is censored at that moment, one still open at the data's end at the end.
Time to merge: from opening; the event is the merge; a PR closed unmerged is censored at its
close (it left without merging), one still open at the data's end.
"""

from __future__ import annotations

import numpy as np

from ..document import WaitEstimate, WaitsSection
from ..metrics import format_duration
from ..model import PRArrays
from ..source_kinds import kind_of
from . import survival
from .frame import Frame

DAY = 86400
MEASURES = {"first_response": ("ready_at", "first_response_at", "first response"),
            "merge": ("created_at", "merged_at", "merge")}
MIN_N = 10


def sample(a: PRArrays, measure: str, rows: np.ndarray, data_end: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(start, duration, observed) of the PRs at ``rows`` that started waiting."""
    start_f, end_f, _ = MEASURES[measure]
    start = a.times[start_f][rows]
    if measure == "first_response":
        start = np.where(start >= 0, start, a.times["created_at"][rows])
    end = a.times[end_f][rows]
    closed = a.times["closed_at"][rows]
    merged = a.times["merged_at"][rows]
    left = np.where(closed >= 0, closed, np.where(merged >= 0, merged, data_end))
    observed = (end >= 0) & (end >= start)
    stop = np.where(observed, end, np.minimum(left, data_end))
    ok = (start >= 0) & (stop >= start)
    return start[ok], (stop - start)[ok].astype(np.float64), observed[ok]


def estimate(measure: str, span: str, d: np.ndarray, obs: np.ndarray) -> WaitEstimate:
    if d.size == 0:
        return WaitEstimate(measure, span, 0, 0, 0, *([None] * 9))
    c = survival.kaplan_meier(d, obs)
    med = survival.quantile(c, 0.5)
    p90 = survival.quantile(c, 0.9)
    return WaitEstimate(measure, span, int(d.size), int(obs.sum()), int((~obs).sum()), *med,
                        *p90, survival.naive_median(d, obs),
                        survival.survival_at(c, 7 * DAY), survival.survival_at(c, 30 * DAY))


def section(frame: Frame, source: str) -> WaitsSection:
    """The subject's waits over every PR, per period and in the latest window; ``source`` is its
    source kind (what to say when no PR has a start time)."""
    a, cal, lo_p, hi_p, pop = frame.arrays, frame.cal, frame.lo_p, frame.hi_p, frame.pop
    window, data_end, visible = frame.window.periods, frame.data_end, frame.sees
    mine = np.flatnonzero(pop & (a.repo_idx == 0))
    win, per, unavailable = [], [], {}
    label = cal.labels[window[0]] + ("" if len(window) == 1 else f" to {cal.labels[window[-1]]}")
    for measure in MEASURES:
        if measure == "first_response" and "reviews" not in visible:
            unavailable[measure] = "no review or comment times in this data"
            continue
        start, d, obs = sample(a, measure, mine, data_end)
        if not start.size:
            unavailable[measure] = kind_of(source).missing.start_times
            continue
        period = cal.period_of(start)
        in_win = np.isin(period, window)
        win.append(estimate(measure, label, d[in_win], obs[in_win]))
        for j in range(lo_p, hi_p + 1):
            sel = period == j
            per.append(estimate(measure, cal.labels[j], d[sel], obs[sel]))
    return WaitsSection(a.repos[0], win, per, _text(win, unavailable), unavailable)


def _fmt(v: float | None) -> str:
    return "not reached" if v is None else format_duration(v)


def _text(win: list[WaitEstimate], unavailable: dict[str, str]) -> str:
    parts = []
    for w in win:
        name = MEASURES[w.measure][2]
        if w.n < MIN_N:
            parts.append(f"Too few PRs started waiting for a {name} in {w.span} ({w.n}) to "
                         "estimate it.")
            continue
        interval = (f" (95% CI {_fmt(w.median_low)}–{_fmt(w.median_high)})"
                    if w.median is not None else "")
        s = (f"Over all {w.n:,} PRs that started waiting for a {name} in {w.span}, "
             f"{w.censored:,} of them still waiting or closed without it: median "
             f"{_fmt(w.median)}{interval}, p90 {_fmt(w.p90)}; "
             f"{w.waiting_7d:.0%} had no {name} within 7 days and {w.waiting_30d:.0%} within "
             "30 days.")
        if w.naive_median is not None:
            s += (f" The median over only the {w.events:,} that got one is "
                  f"{format_duration(w.naive_median)}")
            s += (", which understates the wait." if w.median is None or
                  w.median > w.naive_median * 1.05 else ".")
        parts.append(s)
    for measure, why in unavailable.items():
        parts.append(f"Censoring-aware {MEASURES[measure][2]} time unavailable: {why}.")
    return " ".join(parts)
