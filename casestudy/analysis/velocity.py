"""Velocity over the report period: merged PRs per active author, PR size and cycle time per
period, each with a Mann–Kendall trend test and a Theil–Sen slope (``rank_tests``), and a
"velocity decay" finding when output per author falls beyond the noise.

The counts come from the metric table (``throughput`` ÷ ``contributors``, one definition), the
cycle time is the table's median; the PR size is the median lines changed of the PRs merged in
the period. Partial periods and periods with fewer than ``MIN_MERGED`` merged PRs are shown but
left out of the tests.
"""

from __future__ import annotations

import numpy as np

from ..core import MetricTable
from ..core.periods import Calendar
from ..document import Trend, VelocityPoint
from ..metrics import format_duration
from ..model import PRArrays
from . import rank_tests

MIN_PERIODS = 6
MIN_MERGED = 5
ALPHA = 0.05


MEASURES = (("per_author", "merged PRs per active author"), ("size", "median PR size (lines)"),
            ("cycle", "median cycle time"))


def series(a: PRArrays, table: MetricTable, repo_i: int, lo_p: int, hi_p: int,
           partial: set[int], cal: Calendar, pop: np.ndarray) -> list[VelocityPoint]:
    """One point per period of ``repo_i`` (``pop``: the PRs the table counts)."""
    mine = pop & (a.repo_idx == repo_i)
    period = np.where(mine, cal.period_of(a.times["merged_at"]), -1)
    out = []
    thr, who = table.stats["throughput"]["value"], table.stats["contributors"]["value"]
    cyc = table.stats["cycle_time"]["value"]
    sized = bool((a.additions + a.deletions)[a.repo_idx == repo_i].any())
    for j in range(lo_p, hi_p + 1):
        merged = int(np.nan_to_num(thr[repo_i, j]))
        authors = int(np.nan_to_num(who[repo_i, j]))
        rows = np.flatnonzero(period == j)
        size = float(np.median(a.additions[rows] + a.deletions[rows])) if sized and \
            rows.size else None
        c = float(cyc[repo_i, j])
        out.append(VelocityPoint(table.periods[j], merged, authors,
                                 merged / authors if authors else None, size,
                                 None if c != c else c,
                                 j not in partial and merged >= MIN_MERGED))
    return out


def trends(points: list[VelocityPoint]) -> list[Trend]:
    out = []
    for key, label in MEASURES:
        field = {"per_author": "per_author", "size": "size_median",
                 "cycle": "cycle_median"}[key]
        t = np.array([i for i, p in enumerate(points) if p.used and getattr(p, field)
                      is not None], dtype=np.float64)
        y = np.array([getattr(points[int(i)], field) for i in t], dtype=np.float64)
        if t.size < MIN_PERIODS or np.ptp(y) == 0:
            out.append(Trend(key, label, int(t.size), None, None, None, None, None, None, None,
                             "insufficient" if t.size < MIN_PERIODS else "flat"))
            continue
        tau, p = rank_tests.kendall_tau(t, y)  # Mann–Kendall: Kendall's tau of the series vs time
        slope, icpt, low, high = rank_tests.theil_sen(y, t, 0.95)
        direction = "flat" if p >= ALPHA else ("falling" if tau < 0 else "rising")
        out.append(Trend(key, label, int(t.size), float(tau), float(p), float(slope),
                         float(low), float(high), float(icpt + slope * t[0]),
                         float(icpt + slope * t[-1]), direction))
    return out


def _fmt(key: str, v: float) -> str:
    if key == "cycle":
        return format_duration(v)
    if key == "size":
        return f"{v:,.0f} lines"
    return f"{v:.2f}"


def trend_sentence(tr: Trend, freq: str = "month", measured: bool = True) -> str:
    if not measured:
        return (f"{tr.label[0].upper() + tr.label[1:]}: not measured by this repository's "
                "source.")
    if tr.direction == "insufficient":
        return (f"{tr.label[0].upper() + tr.label[1:]}: too few full {freq}s ({tr.n}; "
                f"{MIN_PERIODS} needed) for a trend test.")
    if tr.tau is None:
        return f"{tr.label[0].upper() + tr.label[1:]}: the same in every {freq}."
    p = "p < 0.001" if tr.p_value < 0.001 else f"p = {tr.p_value:.3f}"
    if tr.direction == "flat":
        return (f"{tr.label[0].upper() + tr.label[1:]}: no trend beyond the noise over "
                f"{tr.n} {freq}s (Mann–Kendall τ = {tr.tau:+.2f}, {p}).")
    slope = _fmt(tr.measure, abs(tr.slope))
    low, high = (("−" if v < 0 else "+") + _fmt(tr.measure, abs(v))
                 for v in (tr.slope_low, tr.slope_high))
    return (f"{tr.label[0].upper() + tr.label[1:]} {tr.direction}: the fitted trend line "
            f"runs from {_fmt(tr.measure, tr.start)} to {_fmt(tr.measure, tr.end)} over "
            f"{tr.n} {freq}s "
            f"(Theil–Sen {'−' if tr.slope < 0 else '+'}{slope} per {freq}, 95% interval "
            f"{low} to {high}; Mann–Kendall τ = {tr.tau:+.2f}, "
            f"{p}).")


def decay_finding(trs: list[Trend], points: list[VelocityPoint], freq: str = "month"
                  ) -> str | None:
    """The velocity-decay finding, with its evidence, or None when output per author does not
    fall beyond the noise. It quotes the tested trend's own figures (the Theil–Sen line's start
    and end), the same ones the trend list prints: one fact, one pair of numbers."""
    per = next(t for t in trs if t.measure == "per_author")
    if per.direction != "falling":
        return None
    used = [p for p in points if p.used and p.per_author is not None]
    text = (f"Velocity decay ({used[0].period} to {used[-1].period}): "
            + trend_sentence(per, freq))
    others = [trend_sentence(t, freq) for t in trs if t.measure != "per_author"
              and t.direction in ("falling", "rising")]
    if others:
        text += " Meanwhile: " + " ".join(others)
    return text
