"""Coding sessions from commit timestamps, two ways, and coding hours per active author per week.

Each author's commits (bots left out) form one sequence of inter-commit gaps. A gap either
continues a coding session or ends it:

* gap rule (the baseline): a gap longer than ``gap`` (default 2 h) ends the session;
* hidden Markov model: two hidden states (coding / not coding) emitting log gaps, fitted per
  repository over all its authors by Baum–Welch (``core.hmm``); each gap takes its Viterbi state.
  A gap of more than ``LONG_GAP`` (12 h) is a break for both methods: nobody codes that long
  without a commit, and real gaps run evenly (in log scale) from seconds to weeks, so a model
  fitted on all of them puts its boundary at hours. The model is fitted on the runs of shorter
  gaps (a long gap ends a sequence) and decides where a working day's pauses end a session.

A session lasts from its first to its last commit plus ``allowance`` (default 30 min) for the
work before its first commit, which no timestamp shows. Hours count in the period in which the
session starts; active authors are the distinct people with a commit in the period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import hmm
from ..core.periods import Calendar
from ..document import SessionPeriod
from ..model import CommitArrays
from ..options import SESSION_ALLOWANCE, SESSION_GAP
from .window import finite

GAP_MINUTES = SESSION_GAP.default
ALLOWANCE_MINUTES = SESSION_ALLOWANCE.default
GAP_FLOOR = 60.0  # seconds added before the log: same-second commits (rebases) stay finite
MIN_GAPS = 50  # fewer gaps than this: no model is fitted
LONG_GAP = 12 * 3600.0  # a longer gap always ends a session
# below this share of gap-rule session time between commits, coding hours are mostly the
# allowance (an assumption): commits are not granular enough (squash merges, one push per change)
MIN_SHOWN_SHARE = 0.5


@dataclass
class SessionResult:
    periods: list[SessionPeriod]
    n_commits: int
    n_authors: int
    n_gaps: int
    model: hmm.HMM | None
    agreement: float | None  # share of gaps both methods classify alike
    coding_gap_median: float | None  # seconds, gaps the model calls coding
    break_gap_median: float | None
    hours_gap: float | None  # over the whole range: hours per active author per week
    hours_hmm: float | None
    # share of gap-rule session time between commits (the rest is the allowance)
    shown_share: float = 1.0
    n_sessions: int = 0  # gap-rule sessions

    @property
    def granular(self) -> bool:
        """Whether commits are fine-grained enough for session lengths to mean coding time."""
        return self.shown_share >= MIN_SHOWN_SHARE


def author_bounds(author: np.ndarray) -> np.ndarray:
    """Start of each author's run in arrays sorted by author, and the end (``len``)."""
    change = np.flatnonzero(np.diff(author)) + 1
    return np.concatenate([[0], change, [author.size]]).astype(np.int64)


def gaps_of(times: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inter-commit gaps within each author's run, the runs' bounds in the gap array, and for
    each gap the index of the commit that ends it."""
    same = np.ones(times.size, dtype=bool)
    same[bounds[:-1]] = False  # the first commit of each author ends no gap
    ends = np.flatnonzero(same)
    gaps = (times[ends] - times[ends - 1]).astype(np.float64)
    counts = np.diff(bounds) - 1
    gap_bounds = np.concatenate([[0], np.cumsum(np.maximum(counts, 0))]).astype(np.int64)
    return gaps, gap_bounds, ends


def session_starts(n_commits: int, bounds: np.ndarray, ends: np.ndarray,
                   breaks: np.ndarray) -> np.ndarray:
    """Whether each commit starts a session: an author's first commit, or one after a break."""
    start = np.zeros(n_commits, dtype=bool)
    start[bounds[:-1][np.diff(bounds) > 0]] = True
    start[ends[breaks]] = True
    return start


def session_spans(times: np.ndarray, starts: np.ndarray, allowance: float
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(start time, length in seconds) of each session; ``starts`` marks first commits."""
    first = np.flatnonzero(starts)
    last = np.concatenate([first[1:], [times.size]]) - 1
    return times[first], (times[last] - times[first]).astype(np.float64) + allowance


def decode_breaks(gaps: np.ndarray, gap_bounds: np.ndarray
                  ) -> tuple[hmm.HMM | None, np.ndarray | None]:
    """The HMM fitted on the gaps up to LONG_GAP (each author's runs of them are the
    sequences) and each gap's state: 0 coding, 1 a break (every longer gap is a break). None
    when there are fewer than MIN_GAPS short gaps."""
    short = gaps <= LONG_GAP
    if short.sum() < MIN_GAPS:
        return None, None
    cut = np.zeros(gaps.size + 1, dtype=bool)  # a sequence starts after a cut
    cut[gap_bounds] = True
    cut[:-1] |= ~short
    cut[1:] |= ~short
    idx = np.flatnonzero(short)
    seq = np.concatenate([np.flatnonzero(cut[idx]), [idx.size]]).astype(np.int64)
    x = np.log(gaps[idx] + GAP_FLOOR)
    model = hmm.fit(x, seq)
    states = np.ones(gaps.size, dtype=np.int8)
    states[idx] = hmm.decode(model, x, seq)
    return model, states


def analyse(c: CommitArrays, cal: Calendar, lo_p: int, hi_p: int,
            gap_minutes: float = GAP_MINUTES, allowance_minutes: float = ALLOWANCE_MINUTES
            ) -> SessionResult | None:
    """Sessions of the human commits in periods ``lo_p..hi_p`` of ``cal`` (None: no commits)."""
    period = cal.period_of(c.authored_at)
    keep = ~c.is_bot & (period >= lo_p) & (period <= hi_p)
    if not keep.any():
        return None
    author, times, period = c.author[keep], c.authored_at[keep], period[keep]
    bounds = author_bounds(author)
    gaps, gap_bounds, ends = gaps_of(times, bounds)
    allowance = allowance_minutes * 60.0
    rule_breaks = gaps > gap_minutes * 60.0
    # the share of gap-rule session time the commits show (first to last commit) rather than
    # the allowance assumes; too little, and no model is fitted (its hours would not be shown)
    _, span = session_spans(times, session_starts(times.size, bounds, ends, rule_breaks), 0.0)
    n_sessions = int(span.size)
    shown = float(span.sum())
    shown_share = shown / (shown + allowance * span.size) if span.size else 0.0
    model, states = decode_breaks(gaps, gap_bounds) if shown_share >= MIN_SHOWN_SHARE \
        else (None, None)
    estimates = {"gap": rule_breaks}
    if states is not None:
        estimates["hmm"] = states == 1
    per: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, breaks in estimates.items():
        first = session_starts(times.size, bounds, ends, breaks)
        start_t, length = session_spans(times, first, allowance)
        p = period[first]
        per[name] = (np.bincount(p - lo_p, weights=length, minlength=hi_p - lo_p + 1),
                     np.bincount(p - lo_p, minlength=hi_p - lo_p + 1))
    rows = []
    weeks = cal.days[lo_p:hi_p + 1] / 7.0
    n_periods = hi_p - lo_p + 1
    active = np.array([np.unique(author[period == j]).size for j in range(lo_p, hi_p + 1)])
    hours = {name: np.where(active > 0, h / 3600.0 / np.maximum(active, 1) / weeks, np.nan)
             for name, (h, _) in per.items()}
    commits = np.bincount(period - lo_p, minlength=n_periods)
    for k in range(n_periods):
        rows.append(SessionPeriod(
            cal.labels[lo_p + k], int(active[k]), int(commits[k]), int(per["gap"][1][k]),
            finite(hours["gap"][k]), int(per["hmm"][1][k]) if "hmm" in per else 0,
            finite(hours["hmm"][k]) if "hmm" in hours else None))
    # hours per active author per week over the range: each period weighs by its active authors
    author_weeks = sum(r.active_authors * w for r, w in zip(rows, weeks, strict=True))

    def overall(name: str) -> float | None:
        if name not in per or not author_weeks:
            return None
        return float(per[name][0].sum() / 3600.0 / author_weeks)

    coding = gaps[states == 0] if states is not None else np.zeros(0)
    breaks_ = gaps[states == 1] if states is not None else np.zeros(0)
    return SessionResult(
        periods=rows, n_commits=int(times.size), n_authors=int(np.unique(author).size),
        n_gaps=int(gaps.size), model=model,
        agreement=float(((states == 1) == rule_breaks).mean()) if states is not None else None,
        coding_gap_median=float(np.median(coding)) if coding.size else None,
        break_gap_median=float(np.median(breaks_)) if breaks_.size else None,
        hours_gap=overall("gap"), hours_hmm=overall("hmm"), shown_share=shown_share,
        n_sessions=n_sessions)

