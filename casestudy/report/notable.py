"""The pull requests a report names: examples under a finding and the notable PRs (fastest,
slowest, longest wait, most discussed, largest, reverted), read back from the store with their
titles, authors and links. Sanity before spotlight: a PR whose first author date is far older
than its era (a re-applied commit) is never named among the slowest or as an example; examples
are typical PRs near the median, labelled so. A PR is credited to its author as the store
records it (the PR's, not the committer's)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from .. import metrics
from ..analysis.frame import Frame
from ..analysis.window import duration_sample, in_window
from ..document import PRRef
from ..metric_kinds import PRDuration
from ..source_kinds import kind_of
from ..store import Store


def _day(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d")


def _refs(store: Store, repo: str, rows_values: list[tuple[int, float, str]], metric: metrics.Metric
          ) -> list[PRRef]:
    prs = {p.number: p for p in store.pull_requests(repo, [n for n, _, _ in rows_values])}
    login = has_logins(store, repo)
    out = []
    for number, value, why in rows_values:
        p = prs.get(number)
        if p is None:
            continue
        out.append(PRRef(repo, number, p.title, p.author, p.url, float(value),
                         metrics.format_value(metric, value), why, login))
    return out


def has_logins(store: Store, repo: str) -> bool:
    """Whether the repo's authors are GitHub logins (a git clone knows names)."""
    return kind_of(store.repo_info(repo).source).logins


REAPPLIED_AGE = 365 * 86400  # an author date this far before the PR's era: a re-applied commit


def reapplied(frame: Frame, rows: np.ndarray) -> np.ndarray:
    """Which of the subject's PRs at ``rows`` start from an author date far older than the PR's
    era — more than a year before the PR was opened, before the repository's first PR, or
    before the window it merged in: commits re-applied (cherry-picked, rebased, re-landed), not
    slow PRs. Their figures stay as measured; they are never spotlighted as slow."""
    a, t = frame.arrays, frame.arrays.times
    fc, cr = t["first_commit_at"][rows], t["created_at"][rows]
    mine = a.repo_idx == 0
    starts = np.where(t["created_at"] >= 0, t["created_at"], t["merged_at"])[mine]
    first_pr = int(starts[starts >= 0].min()) if (starts >= 0).any() else -1
    old = (cr >= 0) & (fc < cr - REAPPLIED_AGE)
    if first_pr >= 0:
        old |= fc < first_pr - REAPPLIED_AGE
    old |= fc < frame.lo - REAPPLIED_AGE
    return (fc >= 0) & old


def examples(store: Store, frame: Frame, metric: str, k: int = 3) -> list[PRRef]:
    """``k`` typical PRs of a duration metric in the latest window: the ones nearest its
    median, labelled as such (never the extremes, which the notable PRs list as fastest and
    slowest); re-applied commits are not examples."""
    a, lo, hi, cal, pop = frame.arrays, frame.lo, frame.hi, frame.cal, frame.pop
    business_hours = frame.opts.business_hours
    m = metrics.get(metric)
    if not isinstance(m.how, PRDuration):  # examples are PRs: time to restore has none
        return []
    d, rows = duration_sample(a, m, 0, lo, hi, cal, pop, business_hours)
    if not d.size:
        return []
    median = float(np.median(d))
    ok = ~reapplied(frame, rows)
    near = np.argsort(np.abs(d - median), kind="stable")
    pick = [j for j in near if ok[j]][:k]
    why = f"typical: near the median ({metrics.format_value(m, median)})"
    return _refs(store, a.repos[0], [(int(a.number[rows[j]]), float(d[j]), why) for j in pick], m)


def notable_prs(store: Store, frame: Frame) -> dict[str, list[PRRef]]:
    """Fastest/slowest merged, longest first-response wait, most discussed, reverted, largest
    (durations in working hours when ``business_hours`` is set, as the findings). A kind is
    listed only when the source measures what it ranks by: discussion needs review and
    comment data, size needs line counts."""
    a, lo, hi, cal, pop = frame.arrays, frame.lo, frame.hi, frame.cal, frame.pop
    business_hours, visible = frame.opts.business_hours, frame.sees
    repo = a.repos[0]
    out: dict[str, list[PRRef]] = {}
    cyc = metrics.get("cycle_time")
    d, rows = duration_sample(a, cyc, 0, lo, hi, cal, pop, business_hours)
    if d.size:
        order = np.argsort(d, kind="stable")
        old = reapplied(frame, rows)
        out["Fastest merged"] = _refs(store, repo, [(int(a.number[rows[j]]), float(d[j]),
                                                     "first commit → merge")
                                                    for j in order[:3]], cyc)
        out["Slowest merged"] = _refs(store, repo, [(int(a.number[rows[j]]), float(d[j]),
                                                     "first commit → merge")
                                                    for j in order[::-1] if not old[j]][:3], cyc)
        if old.any():  # said, not spotlighted: the sanity check's exclusions
            fc = a.times["first_commit_at"]
            out["Left out of the slowest (re-applied commits)"] = _refs(
                store, repo, [(int(a.number[rows[j]]), float(d[j]),
                               "author date " + _day(int(fc[rows[j]])) + ", far older than the "
                               "PR's era: a re-applied commit, not a slow PR")
                              for j in order[::-1] if old[j]][:5], cyc)
            for r in out["Left out of the slowest (re-applied commits)"]:
                r.value_text = f"{r.value_text} by the first author date; {r.why}"
    fr = metrics.get("first_response")
    d, rows = duration_sample(a, fr, 0, lo, hi, cal, pop, business_hours)
    if d.size:
        order = np.argsort(d, kind="stable")[::-1][:3]
        out["Longest wait for a first response"] = _refs(
            store, repo, [(int(a.number[rows[j]]), float(d[j]), "ready → first response")
                          for j in order], fr)
    merged = pop & (a.repo_idx == 0) & in_window(a.times["merged_at"], lo, hi, cal)
    idx = np.flatnonzero(merged)
    count = metrics.Metric("comments", "Comments", "PRs", "count", "lower", "", "")
    if idx.size and "reviews" in visible and a.n_comments[idx].max() > 0:
        top = idx[np.argsort(a.n_comments[idx], kind="stable")[::-1][:3]]
        out["Most discussed"] = [
            r for r in _refs(store, repo, [(int(a.number[j]), float(a.n_comments[j]),
                                            "comments") for j in top], count)]
        for r in out["Most discussed"]:
            r.value_text = f"{int(r.value)} comment" + ("" if r.value == 1 else "s")
    size = (a.additions + a.deletions)[idx]
    if idx.size and size.max() > 0:
        top = idx[np.argsort(size, kind="stable")[::-1][:3]]
        out["Largest"] = _refs(store, repo, [(int(a.number[j]), float(
            a.additions[j] + a.deletions[j]), "lines changed") for j in top], count)
        for r in out["Largest"]:
            r.value_text = f"{int(r.value):,} line" + ("" if r.value == 1 else "s")
    if idx.size:
        rev = idx[a.is_revert[idx]][:5]
        reverted = []
        for p in store.pull_requests(repo, [int(a.number[j]) for j in rev]):
            if p.reverted_number:
                for o in store.pull_requests(repo, [p.reverted_number]):
                    reverted.append(PRRef(repo, o.number, o.title, o.author, o.url, None,
                                          f"reverted by #{p.number}", "reverted",
                                          has_logins(store, repo)))
        out["Reverted"] = reverted
    return {k: v for k, v in out.items() if v}
