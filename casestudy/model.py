"""Canonical records every source produces, and their columnar (numpy) form for the numeric core.

All times are UTC epoch seconds (``int``) in records and ``int64`` in arrays, where ``-1`` means
"missing". Field meanings (the one place they are documented):

PullRequest
    repo            ``owner/name``
    number          PR number within the repo
    title, author   as on GitHub (untrusted text: renderers escape it)
    author_is_bot   by ``sources.bots.is_bot``: GraphQL ``Bot`` actors, ``[bot]``/``-bot``
                    logins and a fixed list of known bot accounts
    created_at      PR opened
    ready_at        marked ready for review (``created_at`` when never a draft)
    first_commit_at author date of the PR's first commit (None for squash-only git data)
    first_response_at  first review or comment by someone who is neither the author nor a bot
    first_approval_at / last_approval_at  first and last APPROVED review
    merged_at, closed_at
    author_association  GitHub's ``authorAssociation`` of the author with the repository
                    (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, FIRST_TIME_CONTRIBUTOR,
                    FIRST_TIMER, NONE; "" when the source has none, as git)
    merged_by       who merged it (GitHub ``mergedBy``; git: the author of a merge commit; ""
                    when unknown, e.g. a squash made by the merge button)
    base_ref, head_ref, merge_commit_sha
    first_responder login of who gave the first response (review-load analysis)
    additions, deletions, changed_files, n_comments (non-author discussion count)
    labels, linked_issue_labels   tuples of label names
    is_draft        still a draft at sync time
    is_revert, reverted_number    a revert PR and the PR it reverts (if known)
    checks_started_at, checks_green_at  the first check run on the head commit started; every
                    check's latest attempt there passed (``sources.checks``; None = not green)
    author_utc_offset  seconds east of UTC of the author's clock (git author dates carry it; None
                    where the source has only UTC times, like GitHub's API)
    deployed_at     first deployment containing the merge commit, when the source knows it exactly
                    (e.g. the first tag containing it); otherwise derived from the deployments table
    url             link to the PR
    ai_rules        the AI-assisted rules (``ai_rules.RULES`` names) that mark the PR, in the
                    table's order; () = not AI-assisted
    ai_tool         the tool the first of them names (Claude, Copilot, Cursor, …; "" = none)

Deployment: repo, id, sha, environment, created_at, source (the record name of a deployment
source in ``source_kinds.DEPLOYMENT_SOURCES``: ``deployments-api``, ``workflow``, ``releases``,
``tags``, ``merges``; an import keeps what its file says).
Incident: repo, id, opened_at, resolved_at (restored: the first deployment carrying the revert or
fix, or the issue's close; None = still open), kind (``revert`` | ``hotfix`` | ``issue``), refs,
failed_at (the failing deployment's time; None when caught before release or when no deployment
precedes it) and rule (how it was placed; built by ``sources.incidents``).
CheckRun: repo, pr, sha, name, conclusion, started_at, completed_at, attempt (1 = first run).
Review: repo, pr, reviewer (login; "ghost" for a deleted account), submitted_at, state
(APPROVED, CHANGES_REQUESTED, COMMENTED, …): every review a human other than the PR's author
submitted (GitHub source).
Commit: repo, sha, pr (the PR it landed with; None = pushed without one), author (the same
identity as ``PullRequest.author`` of the source: a login on GitHub, a name in git), author_is_bot,
authored_at with author_utc_offset (seconds east of UTC of the author's clock; None = unknown),
committed_at, additions, deletions (None = not measured), ai_rule and ai_tool (the AI-assisted
rule that marks the commit and the tool it names; "" = none). Merge commits are not recorded: they
are not coding.
AIReview: repo, pr, reviewer (login), submitted_at, tool, kind (review | comment): a review or
comment by an AI reviewer account (``ai_rules.ai_reviewer``), kept apart from people's reviews.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

MISSING = -1
NO_OFFSET = -(10**6)  # "no UTC offset known" in the offset column (offsets are within ±14 h)

# how an incident was placed on a deployment (``sources.incidents`` applies them)
RULE_REVERTED = "reverted change's deployment"
RULE_LATEST = "latest deployment before it"
RULE_CAUGHT = "caught before release"
RULE_NO_DEPLOYMENT = "no deployment before it"
RULE_UNKNOWN = "reverted change not found"  # a revert whose target cannot be found: not placed
RULE_LONG_AFTER = "reverted long after release"  # a change of direction, not a recovery
INCIDENT_RULES = (RULE_REVERTED, RULE_LATEST, RULE_CAUGHT, RULE_NO_DEPLOYMENT, RULE_UNKNOWN,
                  RULE_LONG_AFTER)
REVERT_HORIZON = 90 * 86400  # a revert later than this after the change shipped is no failure
# per-repo incident arrays of ``PRArrays.incidents``: times (-1 = none) and the index of the
# incident's rule in INCIDENT_RULES (-1 = none recorded)
INCIDENT_FIELDS = ("opened_at", "failed_at", "resolved_at", "rule")


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
    author_utc_offset: int | None = None
    checks_started_at: int | None = None
    checks_green_at: int | None = None
    merged_by: str = ""
    author_association: str = ""
    ai_rules: tuple[str, ...] = ()
    ai_tool: str = ""


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
    failed_at: int | None = None
    rule: str = ""


@dataclass
class CheckRun:
    repo: str
    pr: int
    sha: str
    name: str
    conclusion: str = ""
    started_at: int | None = None
    completed_at: int | None = None
    attempt: int = 1  # re-runs of a job on the same commit are kept apart


@dataclass
class Commit:
    repo: str
    sha: str
    authored_at: int
    pr: int | None = None
    author: str = ""
    author_is_bot: bool = False
    author_utc_offset: int | None = None
    committed_at: int | None = None
    additions: int | None = None
    deletions: int | None = None
    ai_rule: str = ""
    ai_tool: str = ""


@dataclass
class Review:
    repo: str
    pr: int
    reviewer: str
    submitted_at: int
    state: str = ""


@dataclass
class AIReview:
    repo: str
    pr: int
    reviewer: str
    submitted_at: int
    tool: str = ""
    kind: str = "review"  # review | comment


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
    deploy_times: dict[str, np.ndarray] = field(default_factory=dict)  # sorted, per repo
    # per repo: INCIDENT_FIELDS arrays, one element per incident
    incidents: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    # int32 id of each PR's author, shared across repos of one load (-1 = unknown); None when the
    # arrays were made without authors
    author_idx: np.ndarray | None = None
    # seconds east of UTC of each PR author's clock (NO_OFFSET = unknown); None = none known
    utc_offset: np.ndarray | None = None

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
            utc_offset=None if self.utc_offset is None else self.utc_offset[mask],
        )


def time_column(values: list[int | None]) -> np.ndarray:
    """Python times (None = missing) to an int64 array with -1 for missing."""
    return np.array([MISSING if v is None else v for v in values], dtype=np.int64)


@dataclass
class CommitArrays:
    """Columnar commits of one repository, sorted by (author, authored time). ``author`` indexes
    ``authors``; ``utc_offset`` is NO_OFFSET where unknown; ``lines`` is -1 where unmeasured."""

    repo: str
    authors: list[str]
    author: np.ndarray  # int32
    authored_at: np.ndarray  # int64
    utc_offset: np.ndarray  # int32
    pr: np.ndarray  # int64, -1 = none
    lines: np.ndarray  # int64 additions + deletions
    is_bot: np.ndarray  # bool

    @property
    def n(self) -> int:
        return int(self.authored_at.shape[0])
