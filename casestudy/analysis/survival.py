"""Waits measured over every PR, not only those the wait ended for: Kaplan–Meier estimates of the
time to a first response and the time to merge, with right-censoring.

A PR still waiting when the data ends, or closed without the event, is *censored* at that time:
it waited at least that long. The median over PRs that got a response (the "naive" median every
DORA tool reports) leaves these out and so understates long waits; the Kaplan–Meier curve keeps
them at risk until they leave. Intervals: Greenwood's variance on the log(−log) scale for S(t);
a quantile's interval is where the pointwise band crosses its level (Brookmeyer–Crowley).

Why numpy and not lifelines: the estimator is a sort and a cumulative product; lifelines would
bring autograd, formulaic and its own pandas layer into the install for these few lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054


@dataclass
class Curve:
    times: np.ndarray  # distinct event times, ascending
    surv: np.ndarray  # S(t) just after each time
    low: np.ndarray  # 95% pointwise band
    high: np.ndarray
    n: int
    events: int


def kaplan_meier(duration: np.ndarray, observed: np.ndarray) -> Curve:
    """The survival curve of ``duration`` (seconds, ≥ 0) where ``observed`` marks an event
    (else censored at that duration)."""
    d = np.asarray(duration, dtype=np.float64)
    e = np.asarray(observed, dtype=bool)
    order = np.argsort(d, kind="stable")
    d, e = d[order], e[order]
    times, first = np.unique(d, return_index=True)
    n = d.size
    at_risk = n - first
    deaths = np.add.reduceat(e.astype(np.int64), first) if n else np.zeros(0, np.int64)
    keep = deaths > 0
    times, at_risk, deaths = times[keep], at_risk[keep], deaths[keep]
    surv = np.cumprod(1.0 - deaths / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        green = np.cumsum(deaths / (at_risk * (at_risk - deaths)))
        log_s = np.log(surv)
        se = np.sqrt(green) / np.abs(log_s)
        loglog = np.log(-log_s)
        low = np.exp(-np.exp(loglog + Z95 * se))
        high = np.exp(-np.exp(loglog - Z95 * se))
    # where S is 1 or 0 the log(−log) band is undefined: the estimate bounds itself
    low = np.where(np.isfinite(low), low, surv)
    high = np.where(np.isfinite(high), high, surv)
    return Curve(times, surv, low, high, int(n), int(e.sum()))


def _first_at_or_below(times: np.ndarray, s: np.ndarray, level: float) -> float | None:
    hit = np.flatnonzero(s <= level + 1e-12)
    return float(times[hit[0]]) if hit.size else None


def quantile(c: Curve, q: float) -> tuple[float | None, float | None, float | None]:
    """(estimate, 95% low, 95% high) of the time by which a share ``q`` had the event; None
    where the curve (or its band) never gets there."""
    level = 1.0 - q
    return (_first_at_or_below(c.times, c.surv, level),
            _first_at_or_below(c.times, c.low, level),
            _first_at_or_below(c.times, c.high, level))


def survival_at(c: Curve, t: float) -> float:
    """S(t): the share still without the event after ``t`` seconds."""
    k = int(np.searchsorted(c.times, t, side="right"))
    return 1.0 if k == 0 else float(c.surv[k - 1])


def naive_median(duration: np.ndarray, observed: np.ndarray) -> float | None:
    d = np.asarray(duration)[np.asarray(observed, dtype=bool)]
    return float(np.median(d)) if d.size else None

