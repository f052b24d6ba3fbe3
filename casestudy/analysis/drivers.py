"""What drove the change: between the window before and the latest, which PR stage moved the
cycle time (or the lead time, when deployments are visible), and how much of the change is a
different mix of PR sizes versus different speed at equal size.

Stage medians do not add up to the median of the whole, so the waterfall runs over the *sum of
stage medians* (shown beside the metric's own median): each bar is one stage's change, and the
bars sum exactly to the change of that sum. The size split weighs per-size-bin medians
(bins: the quartiles of the window before): with shares w and bin medians m,
Σ w₁m₁ − Σ w₀m₀ = Σ (w₁ − w₀)·m₀ (mix) + Σ w₁·(m₁ − m₀) (speed), exactly.
"""

from __future__ import annotations

import numpy as np

from .. import metrics
from ..document import Drivers, StageStep
from ..metrics import format_duration
from ..model import PRArrays
from .frame import Frame
from .window import Window, duration_sample

MIN_N = 10
MIN_BIN = 5


def _signed(v: float) -> str:
    return ("+" if v >= 0 else "−") + format_duration(abs(v))


def _span(w: Window, idx: list[int]) -> str:
    labels = [w.cal.labels[i] for i in idx]
    return labels[0] if len(labels) == 1 else f"{labels[0]}–{labels[-1]}"


def size_split(a: PRArrays, m: metrics.Metric, w: Window, pop: np.ndarray,
               business_hours: tuple[int, int] | None
               ) -> tuple[float | None, float | None, list[float]]:
    """(mix, speed, bin edges) of the change in the size-weighted median of ``m``."""
    samples = []
    for idx in (w.previous, w.periods):
        d, rows = duration_sample(a, m, 0, *w.bounds(idx), w.cal, pop, business_hours)
        samples.append((d.astype(np.float64), (a.additions + a.deletions)[rows]))
    (d0, s0), (d1, s1) = samples
    if d0.size < 4 * MIN_BIN or d1.size < 4 * MIN_BIN or not s0.any():
        return None, None, []
    edges = np.unique(np.percentile(s0, [25, 50, 75]))
    b0, b1 = np.searchsorted(edges, s0, "right"), np.searchsorted(edges, s1, "right")
    k = edges.size + 1
    c0, c1 = np.bincount(b0, minlength=k), np.bincount(b1, minlength=k)
    used = (c0 > 0) | (c1 > 0)  # a bin empty in both windows weighs nothing
    if ((c0[used] < MIN_BIN) | (c1[used] < MIN_BIN)).any():
        return None, None, edges.tolist()
    w0, w1 = c0[used] / b0.size, c1[used] / b1.size
    m0 = np.array([np.median(d0[b0 == i]) for i in np.flatnonzero(used)])
    m1 = np.array([np.median(d1[b1 == i]) for i in np.flatnonzero(used)])
    return float(((w1 - w0) * m0).sum()), float((w1 * (m1 - m0)).sum()), edges.tolist()


def drivers(frame: Frame) -> Drivers | None:
    """The waterfall of stage medians and the size split, or None without a window before."""
    a, w, pop, visible = frame.arrays, frame.window, frame.pop, frame.sees
    business_hours = frame.opts.business_hours
    if not w.previous:
        return None
    key = "lead_time" if "deployments" in visible else "cycle_time"
    stages = [s for s in metrics.STAGES if metrics.get(s).needs == () or
              all(n in visible for n in metrics.get(s).needs)]
    if key == "cycle_time":
        stages = [s for s in stages if s != "deploy"]
    steps, running = [], 0.0
    total0 = total1 = 0.0
    for s in stages:
        m = metrics.get(s)
        med = []
        for idx in (w.previous, w.periods):
            d, _ = duration_sample(a, m, 0, *w.bounds(idx), w.cal, pop, business_hours)
            med.append((float(np.median(d)) if d.size >= MIN_N else None, int(d.size)))
        (p, n0), (q, n1) = med
        if p is None or q is None:
            continue
        total0 += p
        total1 += q
        steps.append(StageStep(s, m.name, p, q, q - p, 0.0, 0.0, n0, n1))
    if not steps:
        return None
    running = total0
    for st in steps:
        st.start, st.end = running, running + st.delta
        running = st.end
    m = metrics.get(key)
    observed = []
    for idx in (w.previous, w.periods):
        d, _ = duration_sample(a, m, 0, *w.bounds(idx), w.cal, pop, business_hours)
        observed.append(float(np.median(d)) if d.size >= MIN_N else None)
    mix, speed, edges = size_split(a, m, w, pop, business_hours)
    biggest = max(steps, key=lambda x: abs(x.delta))
    prev_span, last_span = _span(w, w.previous), _span(w, w.periods)
    text = (f"From {prev_span} to {last_span} the sum of the stage medians went from "
            f"{format_duration(total0)} to {format_duration(total1)} "
            f"({_signed(total1 - total0)}); {biggest.name.lower()} moved most "
            f"({format_duration(biggest.previous)} → {format_duration(biggest.latest)}, "
            f"{_signed(biggest.delta)}).")
    if observed[0] is not None and observed[1] is not None:
        text += (f" The median {m.name.lower()} itself went from "
                 f"{format_duration(observed[0])} to {format_duration(observed[1])}.")
    if mix is not None:
        text += (f" Of the change in the size-weighted median {m.name.lower()} "
                 f"({_signed(mix + speed)}), {_signed(mix)} comes from a different mix of PR "
                 f"sizes and {_signed(speed)} from speed at equal size.")
    else:
        text += " PR sizes are unknown or too few per size bin to split mix from speed."
    return Drivers(key, prev_span, last_span, steps, total0, total1, observed[0], observed[1],
                   mix, speed, edges, text)
