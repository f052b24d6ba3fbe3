"""Facts beyond the metric table that recommendation rules trigger on: review load, PR size
versus cycle time, long waits, stale PRs, quick reverts, off-hours work, bug-fix context, ML hints,
CI check volume, work rhythm and the practice scorecard — one typed ``Facts`` object. Each fact is
None when the data cannot show it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields, replace

import numpy as np

from .. import metrics
from .ci import CIReport
from .ci import facts as ci_facts
from .frame import Frame
from .window import duration_sample, in_window
from .work_patterns import local_hours, off_hours

_ML_WORDS = re.compile(r"\b(model|training|train|tensor|cuda|gpu|dataset|inference|torch|"
                       r"checkpoint|embedding|optimizer|kernel)s?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Facts:
    """What the recommendation rules read besides the findings (None: the data cannot show it).
    Built once per report: ``compute_facts`` from the PRs, then ``with_`` the CI, work-rhythm,
    people and practice sections' own facts."""

    repo: str
    # review load: who gives first responses
    responders: int | None = None
    top3_response_share: float | None = None
    responses: int | None = None
    # PR size versus cycle time (the smallest and largest quarters)
    small_pr_cycle: float | None = None
    large_pr_cycle: float | None = None
    large_pr_lines: float | None = None
    small_pr_lines: float | None = None
    size_cycle_ratio: float | None = None
    # long waits for a first response, stale open PRs
    waiting_over_week_share: float | None = None
    waiting_over_week: int | None = None
    open_prs: int | None = None
    stale_prs: int | None = None
    stale_share: float | None = None
    # reverts
    reverts: int | None = None
    revert_share: float | None = None
    quick_reverts: int | None = None
    # off-hours work on the authors' own clocks
    off_hours_share: float | None = None
    peak_hour: int | None = None
    weekend_share: float | None = None
    # bug fixes with little context; ML hints from titles
    bugfix_title_only_share: float | None = None
    ml_title_share: float | None = None
    # CI (analysis.ci.facts)
    ci_jobs: int | None = None
    ci_clusters: int | None = None
    ci_kept: int | None = None
    ci_recall: float | None = None
    ci_minutes_saved: float | None = None
    ci_saved_share: float | None = None
    ci_flaky: int | None = None
    ci_failed_prs: int | None = None
    # work rhythm (analysis.rhythm.facts)
    velocity_decay: str | None = None
    velocity_trend: str | None = None
    coding_hours_gap: float | None = None
    coding_hours_hmm: float | None = None
    review_timing: str | None = None
    review_window: str | None = None
    # people
    newcomer_finding: str | None = None
    # the practice scorecard (analysis.practices.facts)
    practices_ml: bool | None = None
    practices_present: int | None = None
    practices_applicable: int | None = None
    practices_missing: list[str] | None = None
    ml_frameworks: str | None = None
    tests_with_code_share: float | None = None
    tests_with_code_n: int | None = None
    tests_present: bool | None = None
    tests_evidence: str | None = None
    ci_present: bool | None = None
    ci_evidence: str | None = None
    locked_env_present: bool | None = None

    def with_(self, **values) -> Facts:
        """A copy with more facts (an unknown name is an error)."""
        return replace(self, **values)

    def as_dict(self) -> dict:
        """Every fact by name, NaN as None (for the JSON document)."""
        return {k: (None if isinstance(v, float) and v != v else v)
                for k, v in asdict(self).items()}


FACT_NAMES = tuple(f.name for f in fields(Facts))


def compute_facts(frame: Frame, titles: list[str], responders: dict[str, int],
                  quick_reverts: int, ci_report: CIReport | None) -> Facts:
    """The subject's facts over the latest window. What the arrays do not hold comes from the
    store through the caller: titles merged in the window, first responses per responder,
    reverts within 48 h of the reverted merge, and the CI analysis."""
    a, repo_i, pop, cal = frame.arrays, 0, frame.pop, frame.cal
    repo = a.repos[repo_i]
    lo, hi = frame.lo, frame.hi
    mine = pop & (a.repo_idx == repo_i)
    t = a.times
    f: dict = {"repo": repo}

    # review load: who gives first responses
    counts = responders
    total = sum(counts.values())
    if total >= 10:
        top = sorted(counts.values(), reverse=True)
        f["responders"] = len(counts)
        f["top3_response_share"] = sum(top[:3]) / total
        f["responses"] = total
    else:
        f["responders"] = f["top3_response_share"] = None

    # size versus cycle time
    d, rows = duration_sample(a, metrics.get("cycle_time"), repo_i, lo, hi, cal, pop)
    if d.size >= 40:
        size = (a.additions + a.deletions)[rows]
        q1, q3 = np.percentile(size, [25, 75])
        small, large = d[size <= q1], d[size >= q3]
        f["small_pr_cycle"] = float(np.median(small))
        f["large_pr_cycle"] = float(np.median(large))
        f["large_pr_lines"] = float(q3)
        f["small_pr_lines"] = float(q1)
        f["size_cycle_ratio"] = f["large_pr_cycle"] / max(f["small_pr_cycle"], 1.0)
    else:
        f["size_cycle_ratio"] = None

    # long waits for a first response (ready in the window)
    ready = in_window(t["ready_at"], lo, hi, cal) & mine & ~a.is_draft
    if ready.sum() >= 10 and (t["first_response_at"][mine] >= 0).any():
        resp = t["first_response_at"][ready]
        wait = np.where(resp >= 0, resp - t["ready_at"][ready], hi - t["ready_at"][ready])
        f["waiting_over_week_share"] = float((wait > 7 * 86400).mean())
        f["waiting_over_week"] = int((wait > 7 * 86400).sum())
    else:
        f["waiting_over_week_share"] = None

    # stale open PRs at the end of the window
    created = t["created_at"]
    if (created[mine] >= 0).any():
        open_at_end = mine & (created >= 0) & (created < hi) & \
            ((t["closed_at"] < 0) | (t["closed_at"] >= hi)) & \
            ((t["merged_at"] < 0) | (t["merged_at"] >= hi))
        age = hi - created[open_at_end]
        f["open_prs"] = int(open_at_end.sum())
        f["stale_prs"] = int((age > 30 * 86400).sum())
        f["stale_share"] = f["stale_prs"] / f["open_prs"] if f["open_prs"] else 0.0
    else:
        f["open_prs"] = f["stale_prs"] = f["stale_share"] = None

    # reverts soon after the reverted merge
    rev = mine & a.is_revert & in_window(t["merged_at"], lo, hi, cal)
    merged_n = int((mine & in_window(t["merged_at"], lo, hi, cal)).sum())
    f["reverts"] = int(rev.sum())
    f["revert_share"] = f["reverts"] / merged_n if merged_n else None
    f["quick_reverts"] = int(quick_reverts)

    # off-hours work: merges and PR openings on weekends or outside 08:00–19:00 on the authors'
    # own clocks; without their time zones (GitHub's UTC times) there is no such fact
    rows = np.flatnonzero(mine)
    rows = np.concatenate([rows, rows])
    ev = np.concatenate([t["created_at"][mine], t["merged_at"][mine]])
    keep = in_window(ev, lo, hi, cal)
    ev, rows = ev[keep], rows[keep]
    f["off_hours_share"] = None
    if ev.size >= 50:
        hour, dow, own = local_hours(a, rows, ev, cal)
        if own:
            f["off_hours_share"] = float(off_hours(hour, dow).mean())
            f["peak_hour"] = int(np.bincount(hour, minlength=24).argmax())
            f["weekend_share"] = float((dow >= 5).mean())

    # bug fixes with little context: classified only by title (no bug label, no linked issue)
    bug = mine & a.is_bugfix & in_window(t["merged_at"], lo, hi, cal)
    if bug.sum() >= 10:
        f["bugfix_title_only_share"] = float((a.bugfix_rule[bug] >= 3).mean())
    else:
        f["bugfix_title_only_share"] = None

    # ML repository hints from titles
    f["ml_title_share"] = (sum(1 for x in titles if _ML_WORDS.search(x)) / len(titles)
                           if titles else None)

    # CI: jobs, clusters, the reduced set (only when check runs were synced)
    f.update(ci_facts(ci_report))
    return Facts(**f)
