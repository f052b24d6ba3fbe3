"""Canonical records every source produces, and their columnar (numpy) form for the numeric core.

All times are UTC epoch seconds (``int``) in records and ``int64`` in arrays, where ``-1`` means
"missing". Field meanings (the one place they are documented):

PullRequest
    repo            ``owner/name``
    number          PR number within the repo
    title, author   as on GitHub (untrusted text: renderers escape it)
    author_is_bot   login ends with ``[bot]``, GraphQL ``__typename == "Bot"`` or a configured list
    created_at      PR opened
    ready_at        marked ready for review (``created_at`` when never a draft)
    first_commit_at author date of the PR's first commit (None for squash-only git data)
    first_response_at  first review or comment by someone who is neither the author nor a bot
    first_review_at    first review by a non-author non-bot
    first_approval_at / last_approval_at  first and last APPROVED review
    merged_at, closed_at
    base_ref, head_ref, merge_commit_sha
    first_responder login of who gave the first response (review-load analysis)
    additions, deletions, changed_files, n_comments (non-author discussion count)
    labels, linked_issue_labels   tuples of label names
    is_draft        still a draft at sync time
    is_revert, reverted_number    a revert PR and the PR it reverts (if known)
    deployed_at     first deployment containing the merge commit, when the source knows it exactly
                    (e.g. the first tag containing it); otherwise derived from the deployments table
    url             link to the PR

Deployment: repo, id, sha, environment, created_at, source (``deployments-api``, ``workflow``,
``releases``, ``tags``, ``merges``, ``synthetic``).
Incident: repo, id, opened_at, resolved_at, kind (``revert`` | ``hotfix`` | ``issue``), refs.
CheckRun: repo, pr, sha, name, conclusion, started_at, completed_at.
Commit: repo, sha, pr, author, authored_at, committed_at.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

MISSING = -1


@dataclass
class PullRequest:
    repo: str
    number: int
    title: str = ""
    author: str = ""
    author_is_bot: bool = False
    created_at: int | None = None
    ready_at: int | None = None
    first_commit_at: int | None = None
    first_response_at: int | None = None
    first_review_at: int | None = None
    first_approval_at: int | None = None
    last_approval_at: int | None = None
    merged_at: int | None = None
    closed_at: int | None = None
    deployed_at: int | None = None
    base_ref: str = ""
    head_ref: str = ""
    additions: int = 0
    deletions: int = 0
    changed_files: int = 0
    n_comments: int = 0
    first_responder: str = ""
    labels: tuple[str, ...] = ()
    linked_issue_labels: tuple[str, ...] = ()
    merge_commit_sha: str = ""
    is_draft: bool = False
    is_revert: bool = False
    reverted_number: int | None = None
    url: str = ""


@dataclass
class Deployment:
    repo: str
    id: str
    created_at: int
    sha: str = ""
    environment: str = ""
    source: str = ""


@dataclass
class Incident:
    repo: str
    id: str
    opened_at: int
    resolved_at: int | None = None
    kind: str = "revert"
    refs: tuple[str, ...] = ()


@dataclass
class CheckRun:
    repo: str
    pr: int
    sha: str
    name: str
    conclusion: str = ""
    started_at: int | None = None
    completed_at: int | None = None


@dataclass
class Commit:
    repo: str
    sha: str
    pr: int | None = None
    author: str = ""
    authored_at: int | None = None
    committed_at: int | None = None


TIME_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(PullRequest) if f.name.endswith("_at")
)


@dataclass
class PRArrays:
    """Columnar PR data for the numeric core: one numpy array per field, all of length ``n``.

    ``repo_idx`` indexes ``repos``. Time columns are int64 epoch seconds with -1 for missing.
    """

    repos: list[str]
    repo_idx: np.ndarray
    number: np.ndarray
    times: dict[str, np.ndarray]
    additions: np.ndarray
    deletions: np.ndarray
    n_comments: np.ndarray
    is_bot: np.ndarray
    is_draft: np.ndarray
    is_revert: np.ndarray
    is_bugfix: np.ndarray
    bugfix_rule: np.ndarray
    deploy_times: dict[str, np.ndarray] = field(default_factory=dict)
    incidents: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    # int32 id of each PR's author, shared across repos of one load (-1 = unknown); None when the
    # arrays were made without authors
    author_idx: np.ndarray | None = None

    @property
    def n(self) -> int:
        return int(self.number.shape[0])

    def take(self, mask: np.ndarray) -> PRArrays:
        """Rows where ``mask`` is true (deployments and incidents are kept whole)."""
        return PRArrays(
            repos=self.repos,
            repo_idx=self.repo_idx[mask],
            number=self.number[mask],
            times={k: v[mask] for k, v in self.times.items()},
            additions=self.additions[mask],
            deletions=self.deletions[mask],
            n_comments=self.n_comments[mask],
            is_bot=self.is_bot[mask],
            is_draft=self.is_draft[mask],
            is_revert=self.is_revert[mask],
            is_bugfix=self.is_bugfix[mask],
            bugfix_rule=self.bugfix_rule[mask],
            deploy_times=self.deploy_times,
            incidents=self.incidents,
            author_idx=None if self.author_idx is None else self.author_idx[mask],
        )


def concat_arrays(a: PRArrays, b: PRArrays) -> PRArrays:
    """Rows of ``a`` then ``b`` (same repos and author ids; deployments and incidents from
    ``a``)."""
    cols = ("repo_idx", "number", "additions", "deletions", "n_comments", "is_bot", "is_draft",
            "is_revert", "is_bugfix", "bugfix_rule")
    kw = {c: np.concatenate([getattr(a, c), getattr(b, c)]) for c in cols}
    times = {k: np.concatenate([a.times[k], b.times[k]]) for k in a.times}
    authors = None if a.author_idx is None or b.author_idx is None else \
        np.concatenate([a.author_idx, b.author_idx])
    return PRArrays(repos=a.repos, times=times, deploy_times=a.deploy_times,
                    incidents=a.incidents, author_idx=authors, **kw)


def time_column(values: list[int | None]) -> np.ndarray:
    """Python times (None = missing) to an int64 array with -1 for missing."""
    return np.array([MISSING if v is None else v for v in values], dtype=np.int64)


def derive_deployed_at(merged_at: np.ndarray, deploy_times: np.ndarray) -> np.ndarray:
    """First deployment at or after each merge (-1 when none yet or not merged).

    ``deploy_times`` must be sorted. A deployment "contains" a merge when it happens at or after it
    on the default branch; sources that know the exact containing deployment set ``deployed_at``.
    """
    out = np.full(merged_at.shape, MISSING, dtype=np.int64)
    if deploy_times.size == 0:
        return out
    pos = np.searchsorted(deploy_times, merged_at, side="left")
    ok = (merged_at >= 0) & (pos < deploy_times.size)
    out[ok] = deploy_times[pos[ok]]
    return out
