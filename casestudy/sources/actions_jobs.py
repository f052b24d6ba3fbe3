"""GitHub Actions jobs (REST ``/actions/runs/{id}/jobs`` objects) as check runs: one per job and
attempt (``run_attempt``), keyed to the PR its run was for. A run that was not for a pull request
(a push or a schedule) is kept as the CI of its commit, under a negative id per commit, so the
failure matrix has a row for it too."""

from __future__ import annotations

from collections.abc import Iterable

from ..model import CheckRun
from .timestamps import iso_time


def jobs_to_check_runs(repo: str, jobs: Iterable[dict], runs: Iterable[dict] = ()
                       ) -> list[CheckRun]:
    """Check runs from Actions job objects; ``runs`` (run objects) tell which PR a run was for
    (their ``pull_requests``)."""
    pr_of_run = {r["id"]: r["pull_requests"][0]["number"] for r in runs
                 if r.get("pull_requests")}
    commit_ids: dict[str, int] = {}
    out = []
    for j in jobs:
        sha = j.get("head_sha") or ""
        pr = pr_of_run.get(j.get("run_id"))
        if pr is None:
            pr = commit_ids.setdefault(sha, -(len(commit_ids) + 1))
        out.append(CheckRun(repo, int(pr), sha, j.get("name") or "", j.get("conclusion") or "",
                            iso_time(j.get("started_at")),
                            iso_time(j.get("completed_at")),
                            int(j.get("run_attempt") or 1)))
    return out
