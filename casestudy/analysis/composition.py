"""Composition before behaviour: a change in merged PRs per active author, split into what the
same people did and who was active.

Output per author is merged PRs ÷ author-periods (an author counts once in each period in which
they merged a PR), the definition velocity uses. Between an early and a late window the authors
fall into three groups: *stayers* (merged in both windows), *leavers* (early only) and *joiners*
(late only; *first-timers* are joiners whose first PR in the data, merged or not, is in the late
window). The change splits exactly into

    R_late − R_early = w · (r_stay,late − r_stay,early)  +  the rest,

where ``w`` is the stayers' share of the early author-periods: the first term is the same people's
change (behaviour), the rest is who was active (composition: leavers, joiners, mix). A paired
Wilcoxon signed-rank test on each stayer's per-active-period output says whether the same people's
change is beyond the noise. Only then may a report say that people slowed down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import rank_tests

ALPHA = 0.05
MIN_STAYERS = 6  # fewer stayers than this: no test of the same people's change


@dataclass
class Group:
    authors: int
    merged: int
    author_periods: int

    @property
    def rate(self) -> float | None:
        return self.merged / self.author_periods if self.author_periods else None


@dataclass
class Composition:
    early: tuple[int, ...]  # period indices of each window
    late: tuple[int, ...]
    rate_early: float
    rate_late: float
    stayers_early: Group
    stayers_late: Group
    leavers: Group  # their early output
    joiners: Group  # their late output
    first_timers: int  # joiners whose first PR in the data is in the late window
    top_leaver: str  # the leaver who merged most early ("" when none or no names)
    top_leaver_share: float  # their share of the early window's merged PRs
    behaviour: float  # the same people's part of the change (per author per period)
    composition: float  # who was active: the rest of the change
    p_value: float | None  # paired Wilcoxon on stayers; None = too few stayers to test
    reading: str  # "behaviour", "composition", "both" or "untested"

    @property
    def change(self) -> float:
        return self.rate_late - self.rate_early


def _counts(author: np.ndarray, period: np.ndarray, window: tuple[int, ...]
            ) -> tuple[dict[int, int], dict[int, int]]:
    """Per author: merged PRs and active periods within the window's periods."""
    inside = np.isin(period, np.asarray(window)) & (author >= 0)
    au, pe = author[inside], period[inside]
    merged: dict[int, int] = {}
    for x in au.tolist():
        merged[x] = merged.get(x, 0) + 1
    active: dict[int, int] = {}
    for x, _ in set(zip(au.tolist(), pe.tolist(), strict=True)):
        active[x] = active.get(x, 0) + 1
    return merged, active


def _group(ids: set[int], merged: dict[int, int], active: dict[int, int]) -> Group:
    return Group(len(ids), sum(merged[i] for i in ids), sum(active[i] for i in ids))


def decompose(author: np.ndarray, merged_period: np.ndarray, first_period: np.ndarray,
              early: tuple[int, ...], late: tuple[int, ...],
              names: list[str] | None = None) -> Composition | None:
    """Split the change in output per author between the ``early`` and ``late`` windows (period
    indices). ``author`` is each merged PR's author id (-1 = unknown), ``merged_period`` its
    period, ``first_period`` the period of each author's first PR in the data, indexed by
    author id. None when either window has no merged PR by a known author."""
    early, late = tuple(early), tuple(late)
    m0, a0 = _counts(author, merged_period, early)
    m1, a1 = _counts(author, merged_period, late)
    if not m0 or not m1:
        return None
    stay = set(m0) & set(m1)
    left, joined = set(m0) - stay, set(m1) - stay
    r0 = sum(m0.values()) / sum(a0.values())
    r1 = sum(m1.values()) / sum(a1.values())
    s0, s1 = _group(stay, m0, a0), _group(stay, m1, a1)
    w = s0.author_periods / sum(a0.values())
    behaviour = w * ((s1.rate or 0.0) - (s0.rate or 0.0)) if stay else 0.0
    p = None
    if len(stay) >= MIN_STAYERS:
        d = np.array([m1[i] / a1[i] - m0[i] / a0[i] for i in sorted(stay)])
        if np.any(d != 0):
            p = rank_tests.wilcoxon_p(d)
        else:
            p = 1.0
    first_timers = sum(1 for i in joined
                       if 0 <= i < first_period.size and min(late) <= first_period[i] <= max(late))
    top, top_share = "", 0.0
    if left:
        i = max(left, key=lambda x: (m0[x], -x))
        top_share = m0[i] / sum(m0.values())
        top = names[i] if names is not None and 0 <= i < len(names) else ""
    comp = (r1 - r0) - behaviour
    if p is None:
        reading = "untested"
    elif p < ALPHA and np.sign(behaviour) == np.sign(r1 - r0):
        reading = "both" if abs(comp) > abs(behaviour) / 2 else "behaviour"
    else:
        reading = "composition"
    return Composition(early, late, r0, r1, s0, s1, _group(left, m0, a0),
                       _group(joined, m1, a1), first_timers, top, top_share, behaviour, comp,
                       p, reading)


def sentence(c: Composition, labels: list[str], freq: str = "month") -> str:
    """What the change is made of, in words a reader can check."""
    def span(r: tuple[int, ...]) -> str:
        lo, hi = min(r), max(r)
        return labels[lo] if lo == hi else f"{labels[lo]}–{labels[hi]}"

    verb = "fell" if c.change < 0 else "rose"
    out = [f"Merged PRs per active author {verb} from {c.rate_early:.2f} to {c.rate_late:.2f} "
           f"per {freq} ({span(c.early)} vs {span(c.late)})."]
    s0, s1 = c.stayers_early, c.stayers_late
    if s0.authors:
        out.append(f"The {s0.authors:,} authors active in both windows merged "
                   f"{s0.rate:.2f} and then {s1.rate:.2f} PRs per active {freq}")
        if c.p_value is None:
            out[-1] += f" (too few to test; {MIN_STAYERS} needed)."
        else:
            pv = "p < 0.001" if c.p_value < 0.001 else f"p = {c.p_value:.2f}"
            beyond = "beyond" if c.p_value < ALPHA else "within"
            out[-1] += f" ({beyond} the noise, paired Wilcoxon {pv})."
    else:
        out.append("No author was active in both windows.")
    turnover = (f"{c.leavers.authors:,} authors who merged {c.leavers.merged:,} PRs early "
                f"were not active late")
    if c.top_leaver and c.top_leaver_share >= 0.1:
        turnover += (f" (among them {c.top_leaver}, {c.top_leaver_share:.0%} of the early "
                     "window's PRs)")
    turnover += (f"; {c.joiners.authors:,} joined ({c.first_timers:,} with their first PR in "
                 f"the data), merging {c.joiners.merged:,}.")
    out.append(turnover[0].upper() + turnover[1:])
    share = abs(c.composition) / abs(c.change) if c.change else 0.0
    if c.reading == "composition":
        out.append(f"Who was active accounts for {min(share, 1.0):.0%} of the change; the same "
                   "people did not change beyond the noise, so this is composition, not a "
                   "slowdown.")
    elif c.reading == "behaviour":
        out.append(f"The same people's change accounts for {1 - min(share, 1.0):.0%} of it.")
    elif c.reading == "both":
        out.append("Both the same people's output and who was active changed.")
    else:
        out.append("Too few authors stayed to tell the same people's change from turnover.")
    return " ".join(out)
