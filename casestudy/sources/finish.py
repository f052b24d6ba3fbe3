"""The one finishing step of every source, after it wrote its records: the repository's
deployments (the source's own, else every merge to the default branch: the last resort), its
incidents built on them (``incidents``), and time to green from its check runs (``checks``).
Also the batched write of a source's PRs and commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Commit, Deployment, PullRequest
from ..source_kinds import MERGES
from ..store import Store
from .checks import apply_time_to_green
from .incidents import Revert, rebuild_incidents
from .releases import merge_deployments

PR_BATCH, COMMIT_BATCH = 5000, 20000  # rows per transaction


@dataclass
class Finished:
    deploy_source: str  # where the repository's deployments now come from
    deployments: int  # how many it has
    incidents: int
    green: int  # PRs whose checks went green (0 when time to green was not recomputed)


def write_records(store: Store, repo: str, prs: Sequence[PullRequest] = (),
                  commits: Sequence[Commit] = ()) -> None:
    """Write a source's PRs and commits in batches (one transaction each)."""
    for i in range(0, len(prs), PR_BATCH):
        store.write_batch(repo, prs[i:i + PR_BATCH])
    for i in range(0, len(commits), COMMIT_BATCH):
        store.write_batch(repo, commits=commits[i:i + COMMIT_BATCH])


def finish(store: Store, repo: str, deployments: list[Deployment] | None = None,
           deploy_source: str = "", reverts: Sequence[Revert] = (),
           checks: bool = False) -> Finished:
    """Derive what every source derives the same way, once its records are stored.

    ``deployments``: the whole list the source read from ``deploy_source`` (it replaces the
    stored ones); an empty list: the source looked and found none, so every merge is a
    deployment; None: the source read none this time (or wrote them itself, incrementally), so
    the stored ones stand — unless there are none, or they are merges, which are made again from
    the stored PRs. ``reverts``: reverts that are not PRs. ``checks``: the source wrote check
    runs, so time to green is recomputed."""
    stored = store.deployments(repo) if deployments is None else []
    if deployments:
        store.replace_deployments(repo, deployments, deploy_source)
    elif deployments is not None or {d.source for d in stored} <= {MERGES}:
        deployments = merge_deployments(store.pull_requests(repo))
        deploy_source = MERGES
        store.replace_deployments(repo, deployments, deploy_source)
    else:
        deploy_source, deployments = store.repo_info(repo).deploy_source, stored
    incidents = rebuild_incidents(store, repo, list(reverts))
    green = apply_time_to_green(store, repo) if checks else 0
    return Finished(deploy_source, len(deployments), incidents, green)
