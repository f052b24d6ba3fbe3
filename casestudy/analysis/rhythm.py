"""The work-rhythm section: coding sessions (``sessions``), peak hours on people's own clocks
and review timing (``peak_hours``), and velocity with its trend tests (``velocity``), put into
one ``RhythmSection`` with the sentences that say what they show."""

from __future__ import annotations

import numpy as np

from ..core import MetricTable
from ..document import RhythmSection
from ..metrics import format_duration
from ..model import CommitArrays
from ..source_kinds import kind_of
from . import composition, peak_hours, sessions, velocity
from .frame import Frame
from .peak_hours import span_text


def section(frame: Frame, table: MetricTable, c: CommitArrays,
            people: dict[int, tuple[str, str]], source: str = "import") -> RhythmSection:
    """The subject's (repo 0) work rhythm over the report's periods, with coding sessions by
    the options' session gap and allowance; ``source`` is the repository's source kind (what
    to say when it has no commits)."""
    a, cal, lo_p, hi_p, pop = frame.arrays, frame.cal, frame.lo_p, frame.hi_p, frame.pop
    partial = frame.partial_by_repo[frame.subject]
    gap_minutes, allowance_minutes = frame.opts.session_gap, frame.opts.session_allowance
    repo = a.repos[0]
    points = velocity.series(a, table, 0, lo_p, hi_p, partial, cal, pop)
    trends = velocity.trends(points)
    measured = {"per_author": True, "cycle": any(p.cycle_median is not None for p in points),
                "size": any(p.size_median for p in points)}
    for t in trends:
        t.text = velocity.trend_sentence(t, cal.freq, measured[t.measure])
    decay = velocity.decay_finding(trends, points, cal.freq) or ""
    comp_text = ""
    if decay:  # composition before behaviour: only the same people slowing down is a decay
        comp = _composition(frame, points, people)
        if comp is not None:
            comp_text = composition.sentence(comp, list(cal.labels), cal.freq)
            if comp.reading not in ("behaviour", "both"):
                decay = ""
    res = sessions.analyse(c, cal, lo_p, hi_p, gap_minutes, allowance_minutes) if c.n else None
    if res is not None and not res.granular:
        res = _without_hours(res)
    lo = int(cal.starts[lo_p]) * 86400
    hi = int(cal.starts[hi_p] + cal.days[hi_p]) * 86400
    kind = kind_of(source)
    peaks = peak_hours.analyse(c, a, people, 0, lo, hi, cal, pop,
                               "" if kind.reviews else kind.missing.reviews_aside)
    model: dict = {}
    if res is not None and res.model is not None:
        m = res.model
        model = {"coding_gap_median": res.coding_gap_median,
                 "break_gap_median": res.break_gap_median,
                 "stay_coding": float(m.trans[0, 0]), "stay_break": float(m.trans[1, 1]),
                 "iterations": m.iterations, "converged": m.converged,
                 "agreement": res.agreement, "gaps": res.n_gaps}
    text = _text(res, peaks, gap_minutes, allowance_minutes, cal.freq)
    unavailable = "" if c.n else kind.missing.commits
    return RhythmSection(
        repo=repo, n_commits=res.n_commits if res else 0, n_authors=res.n_authors if res else 0,
        gap_minutes=gap_minutes, allowance_minutes=allowance_minutes,
        sessions=res.periods if res else [], hours_gap=res.hours_gap if res else None,
        hours_hmm=res.hours_hmm if res else None, model=model,
        local_hours=peaks.counts,
        peaks={e: f"{span_text(s)} ({share:.0%} of {n:,})"
               for e, (s, n, share) in peaks.peaks.items()},
        review=peaks.review, velocity=points, trends=trends, decay=decay, text=text,
        unavailable=unavailable, composition=comp_text)


def _composition(frame: Frame, points: list, people: dict[int, tuple[str, ...]]
                 ) -> composition.Composition | None:
    """The split of the change in output per author between the windows the decay finding
    compares (the first and last up-to-three periods used in the trend test)."""
    a, cal = frame.arrays, frame.cal
    used = [p for p in points if p.used and p.per_author is not None]
    k = min(3, len(used) // 2)
    if k == 0:
        return None
    early = tuple(cal.index(p.period) for p in used[:k])
    late = tuple(cal.index(p.period) for p in used[-k:])
    mine = a.repo_idx == 0
    logins = [people.get(int(n), ("",))[0] for n in a.number[mine]]
    names = sorted({x for x in logins if x})
    ids = {x: i for i, x in enumerate(names)}
    author = np.array([ids.get(x, -1) for x in logins], dtype=np.int64)
    merged = np.where(frame.pop[mine], cal.period_of(a.times["merged_at"][mine]), -1)
    merged[a.times["merged_at"][mine] < 0] = -1
    created = cal.period_of(np.where(a.times["created_at"][mine] >= 0,
                                     a.times["created_at"][mine], a.times["merged_at"][mine]))
    first = np.full(len(names), np.iinfo(np.int64).max, dtype=np.int64)
    known = author >= 0
    np.minimum.at(first, author[known], created[known])
    return composition.decompose(author, merged, first, early, late, names)


def _without_hours(res: sessions.SessionResult) -> sessions.SessionResult:
    """The sessions with every hours figure dropped: commits too coarse to measure coding time
    (the text says why)."""
    for p in res.periods:
        p.hours_gap = p.hours_hmm = None
    res.hours_gap = res.hours_hmm = None
    return res


def _gap(seconds: float | None) -> str:
    if not seconds or seconds < 60:
        return "under a minute"  # commits of one push or rebase share their author second
    return format_duration(seconds)


def _text(res: sessions.SessionResult | None, peaks: peak_hours.PeakHours, gap_minutes: float,
          allowance_minutes: float, freq: str) -> str:
    parts = []
    if res is None:
        parts.append("No human commits in the report period.")
    elif not res.granular:
        parts.append(
            f"{res.n_commits:,} human commits by {res.n_authors:,} authors, but only "
            f"{res.shown_share:.0%} of the time of their {res.n_sessions:,} sessions lies between "
            f"commits; the rest is the {allowance_minutes:.0f} minutes assumed before each "
            "session's first commit (squash merges, one commit or one push per change), so "
            "coding hours are not measurable from these commits. A source with the branch "
            "commits (a merge-commit history or the GitHub API) can show them.")
    else:
        rule = (f"Gap rule (a session ends after {gap_minutes:.0f} min without a commit; "
                f"{allowance_minutes:.0f} min are added for the work before a session's first "
                "commit)")
        if res.hours_gap is not None:
            parts.append(f"{res.n_commits:,} human commits by {res.n_authors:,} authors. {rule}: "
                         f"{res.hours_gap:.1f} coding hours per active author per week.")
        if res.model is not None and res.hours_hmm is not None:
            parts.append(
                f"Hidden Markov model (two states fitted on {res.n_gaps:,} gaps): "
                f"{res.hours_hmm:.1f} hours per active author per week; it reads a gap of "
                f"{_gap(res.coding_gap_median)} (median) as coding and "
                f"{_gap(res.break_gap_median)} as a break, and agrees with the "
                f"gap rule on {res.agreement:.0%} of gaps.")
        elif res.model is None:
            parts.append(f"Too few gaps below 12 h between commits ({sessions.MIN_GAPS} are "
                         "needed) to fit the hidden Markov model; only the gap rule is shown.")
    if peaks.text:
        parts.append(peaks.text)
    return " ".join(parts)


def facts(r: RhythmSection) -> dict:
    """The work-rhythm numbers the recommendations quote (``Facts`` fields)."""
    per = next((t for t in r.trends if t.measure == "per_author"), None)
    out = {"velocity_decay": r.decay, "velocity_trend": per.text if per else "",
           "coding_hours_gap": r.hours_gap, "coding_hours_hmm": r.hours_hmm,
           "review_timing": "", "review_window": ""}
    if r.review is not None and r.review.significant and r.review.median_inside is not None \
            and r.review.median_outside > r.review.median_inside:
        out["review_timing"] = r.review.text
        out["review_window"] = r.review.window
    return out
