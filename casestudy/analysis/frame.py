"""The report frame: everything a report's sections share, decided once from the options and
the data — the calendar and the report's periods, the latest window and the one before, the
periods each repository's data stops inside (partial), the PR population (bots or not) and what
each repository's sources can show. Every section takes the frame instead of a dozen loose
arguments in two coordinate systems.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

from .. import core
from ..core.periods import DAY, Calendar, make_calendar
from ..model import PRArrays
from ..options import Options
from .window import Window


class ReportError(ValueError):
    """Bad report options (period, peers) described for a person."""


MAX_SPAN_YEARS = 50  # the longest report: a calendar is built day by day and hour by hour


@dataclass
class Frame:
    """The report's coordinates. Period indexes (``lo_p``…``hi_p``, ``window.periods``) index
    ``cal``; ``lo``/``hi`` are the latest window's bounds in the calendar's local seconds."""

    opts: Options  # the report options
    arrays: PRArrays  # subject first, then the peers
    pop: np.ndarray  # which PRs count (bots excluded by default)
    cal: Calendar
    lo_p: int  # first and last period of the report
    hi_p: int
    partial: list[int]  # periods the subject's data stops inside
    partial_by_repo: dict[str, set[int]]  # the same per repository
    window: Window  # the latest window and the one before
    span: tuple[np.ndarray, np.ndarray]  # per repository, the first and last time of its data
    visible: dict[str, set[str]]  # per repository, what its data can measure ("reviews", …)
    reasons: dict[str, dict[str, str]]  # and, for what it cannot, why (in words)

    @property
    def subject(self) -> str:
        return self.arrays.repos[0]

    @property
    def repos(self) -> list[str]:
        return list(self.arrays.repos)

    @property
    def lo(self) -> int:
        return self.window.bounds(self.window.periods)[0]

    @property
    def hi(self) -> int:
        return self.window.bounds(self.window.periods)[1]

    @property
    def data_start(self) -> int:
        return int(self.span[0][0])

    @property
    def data_end(self) -> int:
        return int(self.span[1][0])

    @property
    def window_text(self) -> str:
        """The latest window in words: ``2026-08 to 2026-10``."""
        labels = self.window.labels
        return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"

    @property
    def report_bounds(self) -> tuple[int, int]:
        """The whole report period's bounds (local seconds)."""
        return self.window.bounds([self.lo_p, self.hi_p])

    @property
    def sees(self) -> set[str]:
        """What the subject's data can measure."""
        return self.visible[self.subject]


def month_start(label: str) -> int:
    try:
        return int(np.datetime64(label, "M").astype("datetime64[s]").astype(np.int64))
    except ValueError as exc:
        raise ReportError(f"bad month {label!r}: use YYYY-MM") from exc


def _month_of(t: int) -> str:
    return str(np.datetime64(t, "s").astype("datetime64[M]"))


def _month_after(t: int) -> int:
    return int((np.datetime64(t, "s").astype("datetime64[M]") + 1)
               .astype("datetime64[s]").astype(np.int64))


def span_of(label: str) -> tuple[int, int]:
    """[first second, last second] (UTC) of a period label: ``YYYY-MM``, an ISO week
    ``YYYY-Www`` or a day ``YYYY-MM-DD`` (so week reports take --from/--to too)."""
    m = re.fullmatch(r"(\d{4})-W(\d{2})", label)
    try:
        if m:
            start = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            days = 7
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", label):
            start, days = date.fromisoformat(label), 1
        else:
            first = month_start(label)
            nxt = month_start(str(np.datetime64(label, "M") + 1))
            return first, nxt - 1
    except ValueError as exc:
        raise ReportError(f"bad period {label!r}: use YYYY-MM, YYYY-Www or YYYY-MM-DD") from exc
    first = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
    return first, first + days * DAY - 1


def _report_end(a: PRArrays, pop: np.ndarray) -> int:
    """The subject's last merge in the population (a bot's merge after the last human one would
    leave an empty latest window), else its last merge, else its last opening."""
    merged = a.times["merged_at"]
    last = merged[(a.repo_idx == 0) & (merged >= 0) & pop]
    if not last.size:
        last = merged[(a.repo_idx == 0) & (merged >= 0)]
    return int(last.max()) if last.size else int(a.times["created_at"].max())


def _bounds(opts: Options, last: int, starts: np.ndarray) -> tuple[int, int]:
    """[first second, last second] of the report: the options' --from/--to, else the
    ``months_default`` periods up to the subject's last merge, never before any data."""
    if opts.freq == "month":
        t_to = month_start(opts.period_to) if opts.period_to else month_start(_month_of(last))
        t_from = month_start(opts.period_from) if opts.period_from else int(
            (np.datetime64(t_to, "s").astype("datetime64[M]") - (opts.months_default - 1))
            .astype("datetime64[s]").astype(np.int64))
        end = _month_after(t_to) - 1
    else:
        end = span_of(opts.period_to)[1] if opts.period_to else last
        t_from = span_of(opts.period_from)[0] if opts.period_from else \
            end - opts.months_default * 30 * DAY
    if not opts.period_from and (starts >= 0).any():  # no periods before any repository's data
        earliest = int(starts[starts >= 0].min())
        if opts.freq == "month":
            earliest = month_start(_month_of(earliest))
        t_from = max(t_from, earliest)
    if t_from > end:
        raise ReportError("the period starts after it ends")
    if end - t_from > MAX_SPAN_YEARS * 366 * DAY:
        raise ReportError(f"the period from {_month_of(t_from)} to {_month_of(end)} is longer "
                          f"than {MAX_SPAN_YEARS} years: choose a later first period or an "
                          "earlier last one")
    return t_from, end


def require_data_in_period(subject: str, first: int | None, last: int | None,
                           opts: Options) -> None:
    """Refuse (``ReportError``) a report whose --from/--to the subject's data does not reach
    (``first``/``last``: the first and last time of its data): it would be empty. Without
    --from or --to the report follows the data, so it always holds some."""
    if first is None or last is None or not (opts.period_from or opts.period_to):
        return
    lo = span_of(opts.period_from)[0] if opts.period_from else first
    hi = span_of(opts.period_to)[1] if opts.period_to else last
    if last < lo or first > hi:
        told = " ".join(w for w in (f"from {opts.period_from}" if opts.period_from else "",
                                    f"to {opts.period_to}" if opts.period_to else "") if w)
        raise ReportError(f"{subject} has no data {told}: its data runs from "
                          f"{_month_of(first)} to {_month_of(last)}")


def partial_periods(last: np.ndarray, cal: Calendar, repos: list[str], lo_p: int, hi_p: int
                    ) -> dict[str, set[int]]:
    """Per repo, the periods its data stops inside (more than a day before their end);
    ``last`` is each repo's last time (``core.data_span``)."""
    out = {}
    for i, repo in enumerate(repos):
        end_local = int(cal.local_seconds(np.array([last[i]]))[0]) if last[i] >= 0 else -1
        out[repo] = {j for j in range(lo_p, hi_p + 1) if end_local >= 0
                     and cal.starts[j] * DAY <= end_local
                     and (cal.starts[j] + cal.days[j]) * DAY > end_local + DAY}
    return out


def frame_for(a: PRArrays, opts: Options, visible: dict[str, set[str]],
              reasons: dict[str, dict[str, str]]) -> Frame:
    """Decide the report's coordinates from the options and the loaded arrays."""
    pop = core.population_mask(a, opts.bots)
    span = core.data_span(a)  # one pass, shared by the table, the findings and the periods
    t_from, end = _bounds(opts, _report_end(a, pop), span[0])
    cal = make_calendar(t_from, end, opts.freq, opts.tz)
    # keep only whole periods inside [t_from, end]
    inside = [i for i in range(cal.n) if cal.starts[i] * DAY >= t_from - DAY
              and (cal.starts[i] + cal.days[i]) * DAY <= end + DAY + 1]
    lo_p, hi_p = inside[0], inside[-1]
    # a period the subject's data stops inside (more than a day before its end) is partial: its
    # durations favour quick PRs (slow ones have not finished), so the latest window leaves it
    # out (when the data reaches further back) and the charts draw it as partial
    start_local, end_local = cal.local_seconds(np.array([int(span[0][0]), int(span[1][0])]))
    partial = [j for j in range(lo_p, hi_p + 1)
               if (cal.starts[j] + cal.days[j]) * DAY > int(end_local) + DAY]
    last_full = hi_p
    while last_full > lo_p and last_full in partial and cal.starts[last_full] * DAY > start_local:
        last_full -= 1
    k = max(1, min(opts.window, (last_full - lo_p + 1) // 2 or 1))
    window = Window(list(range(last_full - k + 1, last_full + 1)),
                    list(range(max(lo_p, last_full - 2 * k + 1), last_full - k + 1)), cal)
    return Frame(opts, a, pop, cal, lo_p, hi_p, partial,
                 partial_periods(span[1], cal, a.repos, lo_p, hi_p), window, span, visible,
                 reasons)
