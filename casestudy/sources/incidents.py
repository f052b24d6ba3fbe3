"""The one construction of incidents (change failures) for every source — GitHub, a git clone,
file imports and the demo — from the PRs, the deployments, revert commits that are not PRs and
labelled incident issues.

A failure belongs to the deployment that first shipped the failing change:

* a revert whose reverted PR is known → that PR's first deployment. When the reverted PR was
  never deployed, or shipped in the same deployment as its revert, the change was *caught before
  release*: counted, but no deployment failed. A revert more than ``REVERT_HORIZON`` (90 days)
  after the change shipped is a change of direction, not a recovery: counted apart.
* a revert whose reverted change cannot be found is counted but placed on no deployment (a
  guess would blame an unrelated release).
* a hotfix PR or a labelled incident issue names no root cause: it falls back to the latest
  deployment at or before it opened (a PR's opening; from git, its first commit, else its
  merge).

It is restored by the first deployment carrying the revert or fix (an issue: when it closed).
None yet → the failure is *open*. ``Incident.rule`` records which rule placed each failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..core.deployments import (
    deployed_at_is_exact,
    first_deployment_after,
    latest_deployment_before,
)
from ..model import (
    REVERT_HORIZON,
    RULE_CAUGHT,
    RULE_LATEST,
    RULE_LONG_AFTER,
    RULE_NO_DEPLOYMENT,
    RULE_REVERTED,
    RULE_UNKNOWN,
    Incident,
    PullRequest,
)
from ..store import Store

_HOTFIX = re.compile(r"\bhot\s*-?fix\b", re.IGNORECASE)



@dataclass
class Revert:
    """A revert that landed on the default branch: a revert PR, or a revert commit that is not a
    PR (e.g. PyTorch's bot reverts). Times are epoch seconds; None = unknown / not yet."""

    id: str
    opened_at: int
    deployed_at: int | None
    reverted_number: int | None
    ref: str  # the revert PR number or commit sha


def is_hotfix(pr: PullRequest) -> bool:
    """A hotfix by its title or a label (a "Merge pull request … from x/hotfix-…" subject names
    only a branch, which says nothing)."""
    title = "" if (pr.title or "").startswith("Merge pull request #") else pr.title or ""
    return bool(_HOTFIX.search(title)) or any(_HOTFIX.search(x) for x in pr.labels)


def build_incidents(repo: str, prs: list[PullRequest], deploy_times: np.ndarray,
                    extra_reverts: list[Revert] = (), issues: list[Incident] = (),
                    exact: bool = False) -> list[Incident]:
    """Every incident of ``repo``, each with its failing deployment (``failed_at``), the time it
    was restored (``resolved_at``, None = open) and the rule that placed it. ``exact``: the PRs'
    ``deployed_at`` is the release containing them (empty = not released yet)."""
    deploy_times = np.sort(np.asarray(deploy_times, dtype=np.int64))
    merged = [p for p in prs if p.merged_at]
    deployed = {p.number: p.deployed_at if exact else _deployed_at(p, deploy_times)
                for p in merged}
    reverts = [Revert(f"revert-{p.number}", _opened(p), deployed[p.number], p.reverted_number,
                      str(p.number)) for p in merged if p.is_revert]
    out = [_revert_incident(repo, r, deployed, deploy_times)
           for r in [*reverts, *extra_reverts]]
    for p in merged:
        if not p.is_revert and is_hotfix(p):
            failed = latest_deployment_before(_opened(p), deploy_times)
            out.append(Incident(repo, f"hotfix-{p.number}", _opened(p),
                                deployed[p.number] if failed is not None else None, "hotfix",
                                ("", str(p.number)), failed,
                                RULE_LATEST if failed is not None else RULE_NO_DEPLOYMENT))
    for i in issues:
        failed = latest_deployment_before(i.opened_at, deploy_times)
        out.append(Incident(repo, i.id, i.opened_at, i.resolved_at, "issue", i.refs, failed,
                            RULE_LATEST if failed is not None else RULE_NO_DEPLOYMENT))
    return out


def _opened(p: PullRequest) -> int:
    """When a fix was started: the PR opened, else its first commit, else its merge."""
    return p.created_at or p.first_commit_at or p.merged_at


def _deployed_at(p: PullRequest, deploy_times: np.ndarray) -> int | None:
    if p.deployed_at:
        return p.deployed_at
    d = int(first_deployment_after(np.array([p.merged_at], dtype=np.int64), deploy_times)[0])
    return d if d >= 0 else None


def _revert_incident(repo: str, r: Revert, deployed: dict[int, int | None],
                     deploy_times: np.ndarray) -> Incident:
    refs = (str(r.reverted_number or ""), r.ref)
    if r.reverted_number is not None and r.reverted_number in deployed:
        shipped = deployed[r.reverted_number]
        if shipped is None or (r.deployed_at is not None and r.deployed_at <= shipped):
            return Incident(repo, r.id, r.opened_at, None, "revert", refs, None, RULE_CAUGHT)
        if r.opened_at - shipped > REVERT_HORIZON:
            return Incident(repo, r.id, r.opened_at, None, "revert", refs, None,
                            RULE_LONG_AFTER)
        return Incident(repo, r.id, r.opened_at, r.deployed_at, "revert", refs, shipped,
                        RULE_REVERTED)
    return Incident(repo, r.id, r.opened_at, None, "revert", refs, None, RULE_UNKNOWN)


def rebuild_incidents(store: Store, repo: str, extra_reverts: list[Revert] = ()) -> int:
    """(Re)build every incident of ``repo`` from what the store holds (its PRs, deployments and
    labelled issues) and replace the old ones in one transaction. Returns the count."""
    deploy_times = np.array([d.created_at for d in store.deployments(repo)], dtype=np.int64)
    issues = [i for i in store.incidents(repo) if i.kind == "issue"]
    info = store.repo_info(repo)
    out = build_incidents(repo, store.pull_requests(repo), deploy_times, extra_reverts, issues,
                          exact=deployed_at_is_exact(info.source, info.deploy_source))
    store.replace_incidents(repo, out)
    return len(out)
