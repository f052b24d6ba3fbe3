"""Peak hours on people's own clocks, and whether asking for review inside the reviewers' peak
hours gets a faster first response.

Whose clock: a commit's author date carries its UTC offset; a first response is placed on the
responder's clock (the offset of their own commit nearest in time, so DST and moves are
followed); a merge on the merger's clock the same way (GitHub's merge commits are all dated
+00:00, so their own offset says nothing), else — merger unknown, as for a merge-button squash —
on the PR author's (the offset stored with the PR, else their nearest commit). Events whose
person has no known offset are left out and counted.

Peak hours are the ``PEAK_WIDTH`` consecutive local hours holding the most events. The review
timing compares the first-response wait of PRs that became ready inside the responders' peak
hours (on a weekday, on the responder's clock) with those that became ready outside them; it is
a finding only when both groups have ``MIN_GROUP`` PRs and the Mann–Whitney test puts the
difference beyond the noise (p < 0.05).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..core.periods import Calendar, hour_and_weekday_at
from ..document import ReviewTiming
from ..metrics import format_duration
from ..model import NO_OFFSET, CommitArrays, PRArrays
from .significance import mann_whitney_p

PEAK_WIDTH = 4
MIN_EVENTS = 30
MIN_GROUP = 20
ALPHA = 0.05


@dataclass
class PeakHours:
    counts: dict[str, list[int]] = field(default_factory=dict)  # event -> 24 local-hour counts
    peaks: dict[str, tuple[int, int, float]] = field(default_factory=dict)  # start, n, share
    unknown: dict[str, int] = field(default_factory=dict)  # events without a known clock
    seen: dict[str, int] = field(default_factory=dict)  # events on a known clock
    merger_clock: int = 0  # merges placed on the merger's own clock
    review: ReviewTiming | None = None
    text: str = ""


def peak_window(counts: np.ndarray, width: int = PEAK_WIDTH) -> tuple[int, float]:
    """(first hour, share of events) of the ``width`` consecutive hours (wrapping at
    midnight) with the most events."""
    total = counts.sum()
    ring = np.concatenate([counts, counts[:width - 1]])
    sums = np.convolve(ring, np.ones(width, dtype=np.int64), mode="valid")[:24]
    start = int(sums.argmax())
    return start, float(sums[start] / total) if total else 0.0


def span_text(start: int, width: int = PEAK_WIDTH) -> str:
    return f"{start:02d}:00–{(start + width) % 24:02d}:00"


_TIME_BITS = 34  # seconds since the earliest commit fit in 34 bits for 500 years
_TIME_MAX = (1 << _TIME_BITS) - 1


class Clocks:
    """Each person's UTC offset at a time: the offset of their commit nearest in time."""

    def __init__(self, c: CommitArrays):
        known = c.utc_offset != NO_OFFSET
        self.author = c.author[known].astype(np.int64)
        self.times = c.authored_at[known].astype(np.int64)
        self.offset = c.utc_offset[known]
        self.index = {name: i for i, name in enumerate(c.authors)}
        # the arrays are sorted by (author, time): one sorted key of both, searched at once
        self.base = int(self.times.min()) if self.times.size else 0
        self.keys = (self.author << _TIME_BITS) | np.clip(self.times - self.base, 0, _TIME_MAX)

    def at(self, names: list[str], ts: np.ndarray) -> np.ndarray:
        """Offset of each person at each time (NO_OFFSET when they have no dated commit): the
        offset of their commit nearest in time, the earlier one on a tie."""
        out = np.full(len(names), NO_OFFSET, dtype=np.int64)
        n = self.keys.size
        if not len(names) or not n:
            return out
        who = np.fromiter((self.index.get(name, -1) for name in names), np.int64, len(names))
        ts = np.asarray(ts, dtype=np.int64)
        q = (who << _TIME_BITS) | np.clip(ts - self.base, 0, _TIME_MAX)
        j = np.searchsorted(self.keys, q)
        lo, hi = np.maximum(j - 1, 0), np.minimum(j, n - 1)
        ok_lo = (j > 0) & (self.author[lo] == who)
        ok_hi = (j < n) & (self.author[hi] == who)
        take_lo = ok_lo & (~ok_hi | (np.abs(self.times[lo] - ts) <= np.abs(self.times[hi] - ts)))
        out[take_lo] = self.offset[lo[take_lo]]
        take_hi = ok_hi & ~take_lo
        out[take_hi] = self.offset[hi[take_hi]]
        return out


def analyse(c: CommitArrays, a: PRArrays, people: dict[int, tuple[str, str, str]], repo_i: int,
            lo: int, hi: int, cal: Calendar, pop: np.ndarray, no_reviews: str = ""
            ) -> PeakHours:
    """Peak hours of commits, first responses and merges whose time falls in [lo, hi) (local
    seconds of the report's calendar), and the review-timing comparison. ``people`` maps a PR
    number to its (author, first responder, merger); ``no_reviews``: why the source has no
    first responses, when it can have none."""
    nobody = ("", "", "")
    out = PeakHours()
    clocks = Clocks(c)
    local = cal.local_seconds(c.authored_at)
    sel = ~c.is_bot & (local >= lo) & (local < hi)
    known = sel & (c.utc_offset != NO_OFFSET)
    hour, _ = hour_and_weekday_at(c.authored_at[known], c.utc_offset[known].astype(np.int64))
    _record(out, "commits", hour, int(sel.sum() - known.sum()))

    rows = np.flatnonzero(pop & (a.repo_idx == repo_i))
    numbers = [int(n) for n in a.number[rows]]
    resp = a.times["first_response_at"][rows]
    ok = (resp >= 0) & (cal.local_seconds(resp) >= lo) & (cal.local_seconds(resp) < hi)
    r_rows = rows[ok]
    responders = [people.get(numbers[k], nobody)[1] for k in np.flatnonzero(ok)]
    r_off = clocks.at(responders, resp[ok])
    has = r_off != NO_OFFSET
    r_hour, _ = hour_and_weekday_at(resp[ok][has], r_off[has])
    _record(out, "first responses", r_hour, int((~has).sum()))

    merged = a.times["merged_at"][rows]
    ok_m = (merged >= 0) & (cal.local_seconds(merged) >= lo) & (cal.local_seconds(merged) < hi)
    who = [people.get(numbers[k], nobody) for k in np.flatnonzero(ok_m)]
    m_off = clocks.at([w[2] for w in who], merged[ok_m])  # the merger's clock
    out.merger_clock = int((m_off != NO_OFFSET).sum())
    missing = m_off == NO_OFFSET
    if missing.any() and a.utc_offset is not None:  # else the PR author's
        m_off[missing] = a.utc_offset[rows[ok_m][missing]].astype(np.int64)
    missing = m_off == NO_OFFSET
    if missing.any():
        m_off[missing] = clocks.at([who[k][0] for k in np.flatnonzero(missing)],
                                   merged[ok_m][missing])
    has_m = m_off != NO_OFFSET
    m_hour, _ = hour_and_weekday_at(merged[ok_m][has_m], m_off[has_m])
    _record(out, "merges", m_hour, int((~has_m).sum()))

    if "first responses" in out.peaks:
        out.review = review_timing(a, r_rows[has], r_off[has], out.peaks["first responses"][0])
    out.text = _text(out, no_reviews)
    return out


def _record(out: PeakHours, event: str, hours: np.ndarray, unknown: int) -> None:
    out.unknown[event] = unknown
    out.seen[event] = int(hours.size)
    if hours.size < MIN_EVENTS:
        return
    counts = np.bincount(hours.astype(np.int64), minlength=24)
    out.counts[event] = counts.tolist()
    start, share = peak_window(counts)
    out.peaks[event] = (start, int(hours.size), share)


def review_timing(a: PRArrays, rows: np.ndarray, offsets: np.ndarray, peak_start: int
                  ) -> ReviewTiming | None:
    """First-response waits of PRs that became ready inside vs outside the responders' peak
    hours (weekdays, each responder's clock)."""
    ready = a.times["ready_at"][rows]
    resp = a.times["first_response_at"][rows]
    ok = (ready >= 0) & (resp >= ready)
    ready, resp, offsets = ready[ok], resp[ok], offsets[ok]
    hour, day = hour_and_weekday_at(ready, offsets)
    inside = (day < 5) & (((hour - peak_start) % 24) < PEAK_WIDTH)
    wait = (resp - ready).astype(np.float64)
    n_in, n_out = int(inside.sum()), int((~inside).sum())
    window = f"{span_text(peak_start)} on weekdays"
    if n_in < MIN_GROUP or n_out < MIN_GROUP:
        return ReviewTiming(window, n_in, n_out, None, None, None, False,
                            f"Too few PRs inside or outside the reviewers' peak hours ({n_in} "
                            f"and {n_out}; {MIN_GROUP} each are needed) to compare their "
                            "waits.")
    m_in, m_out = float(np.median(wait[inside])), float(np.median(wait[~inside]))
    p = mann_whitney_p(wait[inside], wait[~inside])
    sig = p is not None and p < ALPHA
    p_text = "p < 0.001" if p is not None and p < 0.001 else f"p = {p:.3f}"
    text = (f"PRs that became ready inside the reviewers' peak hours ({window}, on each "
            f"responder's own clock; n = {n_in:,}) got a first response in a median "
            f"{format_duration(m_in)}; outside them (n = {n_out:,}), in "
            f"{format_duration(m_out)} (Mann–Whitney {p_text}).")
    text += (" The difference is beyond the noise." if sig else
             " The difference is within the noise: timing does not show in the waits.")
    return ReviewTiming(window, n_in, n_out, m_in, m_out, p, sig, text)


def _text(out: PeakHours, no_reviews: str = "") -> str:
    parts = []
    for event, (start, n, share) in out.peaks.items():
        parts.append(f"{event[0].upper() + event[1:]} peak at {span_text(start)} local time "
                     f"({share:.0%} of {n:,}).")
    if "merges" in out.peaks:
        n = out.peaks["merges"][1]
        parts.append(f"Merges are on the merger's clock for {out.merger_clock:,} of {n:,} (the "
                     "rest on the PR author's: the source does not say who merged them)."
                     if out.merger_clock < n else "Merges are on the merger's clock.")
    for event, k in out.unknown.items():
        if k and event in out.peaks:
            parts.append(f"{k:,} {event} by people with no dated commit are left out.")
    none = [e for e in ("commits", "first responses", "merges") if e not in out.peaks
            and not out.unknown.get(e) and not out.seen.get(e)]
    if none:
        parts.append(f"No {' or '.join(none)} in the period's data"
                     + (f" ({no_reviews})." if no_reviews and "first responses" in none
                        else "."))
    missing = [e for e in ("commits", "first responses", "merges") if e not in out.peaks
               and e not in none]
    if missing:
        parts.append(f"Too few {', '.join(missing)} on a known clock (fewer than {MIN_EVENTS}) "
                     "to find a peak.")
    return " ".join(parts)
