"""Time to green, the one construction for every source: from the check runs of a PR's head
commit, when the first one started and when every check's latest attempt had passed (None when
one has not). Written onto the PRs, so the core measures it like any other duration."""

from __future__ import annotations

from ..model import CheckRun
from ..store import Store

GREEN = frozenset({"success", "neutral", "skipped"})


def time_to_green(runs: list[CheckRun]) -> dict[int, tuple[int | None, int | None]]:
    """Per PR: (first check started, all checks green) on its head commit (the commit with the
    latest check activity when a PR has several)."""
    by_pr: dict[int, list[CheckRun]] = {}
    for r in runs:
        by_pr.setdefault(r.pr, []).append(r)
    out = {}
    for pr, rs in by_pr.items():
        head = max(rs, key=lambda r: (r.completed_at or r.started_at or 0)).sha
        rs = [r for r in rs if r.sha == head]
        latest: dict[str, CheckRun] = {}
        for r in rs:
            cur = latest.get(r.name)
            if cur is None or (r.attempt, r.started_at or 0) > (cur.attempt,
                                                                 cur.started_at or 0):
                latest[r.name] = r
        starts = [r.started_at for r in rs if r.started_at]
        green = all(r.conclusion in GREEN and r.completed_at for r in latest.values())
        out[pr] = (min(starts) if starts else None,
                   max(r.completed_at for r in latest.values()) if green and starts else None)
    return out


def apply_time_to_green(store: Store, repo: str) -> int:
    """Recompute the PRs' time-to-green fields from the stored check runs; returns how many PRs
    went green."""
    ttg = time_to_green(store.check_runs(repo))
    if not ttg:
        return 0
    prs = store.pull_requests(repo, list(ttg))
    for p in prs:
        p.checks_started_at, p.checks_green_at = ttg[p.number]
    store.write_batch(repo, prs)
    return sum(1 for _, g in ttg.values() if g)
