"""GitHub source: bulk, incremental, resumable PR sync through PyGithub's requester (GraphQL for
PRs, deployments, releases and tags; REST for the repository and Actions workflow runs).

Cost: one GraphQL page of 50 PRs with small nested connections costs about 4 points
(≈0.08 per PR); asking for up to 100 commits of each PR instead of one costs nothing more
(GitHub charges per connection and parent object, not per node: 50 commit connections either
way), only PRs with more than 100 commits take one follow-up query each; a re-sync of an
unchanged repository costs 3 requests (repository, one PR page ordered by UPDATED_AT that stops
at the stored watermark, one deployments page). Each PR's changed files (``files``, for teams
by paths) add one connection per PR: 5 points per page of 50 instead of 4 (0.08 → 0.10 per
PR, already above the 0.05 aim, so it is asked for, not default), plus one point per further
100 files of a PR with more than 100.
Every page is written with its cursor in one transaction, so a killed sync resumes.
Rate limits are waited out only when the wait is bounded, and every wait is reported through the
progress callback. The token is only ever handed to PyGithub's auth; it is never logged,
stored or put in a message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlparse

import requests
from github import Auth, Github, GithubException

from ..ai_rules import agent_author, ai_reviewer, commit_marks, pr_marks
from ..config import DEFAULT_API
from ..model import AIReview, CheckRun, Commit, Deployment, Incident, PullRequest, Review
from ..practice_rules import DEPENDENCY_FILES, MAX_DEPENDENCY_BYTES
from ..source_kinds import AUTO, DEPLOY_CHOICES, GITHUB, MERGES, deployment_source
from ..store import RepoInfo, Store
from ..store.budget import TokenBudget
from .actions_jobs import jobs_to_check_runs
from .bots import is_bot
from .finish import finish
from .graphql_cost import graphql_cost
from .practices import audit_paths
from .releases import is_prerelease
from .reverts import detect as detect_revert
from .timestamps import iso_time

REPO_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")
# Deployments API: what counts as a deployment that happened (INACTIVE = succeeded, then
# superseded by a later one); failed, abandoned and still-pending ones do not.
DEPLOYED_STATES = frozenset({"ACTIVE", "INACTIVE", "SUCCESS"})
# without --environment, environments that are plainly not production are left out
NOT_PRODUCTION = re.compile(
    r"github-pages|gh-pages|preview|\breview|staging|\bstage\b|\bdev|\btest|\bqa\b|sandbox|"
    r"\bpr-?\d+",
    re.IGNORECASE)
SETTLE = 86400  # deployments of the last day are re-read: a pending one may have succeeded since
PR_EVENTS = frozenset({"pull_request", "pull_request_target", "merge_group"})
MAX_BLOBS = 20  # dependency files read per audit
FILES_CURSOR = "github:files"  # set once a sync asked for files: later syncs read them too
# stored PRs a whole pass with files did not find in GitHub's list (retargeted, say): not looked
# for again, so a re-sync stays a few requests; their files stay unknown
UNLISTED_CURSOR = "github:files:unlisted"

PR_QUERY = """
query PullRequests($owner: String!, $name: String!, $first: Int!, $after: String,
                   $base: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    defaultBranchRef { name target { oid } }
    pullRequests(first: $first, after: $after, baseRefName: $base,
                 orderBy: {field: UPDATED_AT, direction: DESC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        number title body url createdAt updatedAt mergedAt closedAt isDraft
        additions deletions changedFiles baseRefName headRefName
        author { login __typename }
        authorAssociation
        mergeCommit { oid }
        mergedBy { login }
        labels(first: 10) { nodes { name } }
        commits(first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { COMMIT } }
        timelineItems(first: 3, itemTypes: [READY_FOR_REVIEW_EVENT]) {
          nodes { ... on ReadyForReviewEvent { createdAt } }
        }
        reviews(first: 15) {
          totalCount pageInfo { hasNextPage endCursor }
          nodes { author { login __typename } state submittedAt }
        }
        comments(first: 15) {
          totalCount pageInfo { hasNextPage endCursor }
          nodes { author { login __typename } createdAt }
        }
        closingIssuesReferences(first: 2) { nodes { labels(first: 5) { nodes { name } } } }
        FILES
        CHECKS
      }
    }
  }
}
"""

COMMIT_FIELDS = """commit { oid authoredDate committedDate additions deletions message
          parents { totalCount } author { date name email user { login } } }"""
COMMITS_QUERY = """
query PullRequestCommits($owner: String!, $name: String!, $number: Int!, $first: Int!,
                         $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      commits(first: $first, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } nodes { COMMIT }
      }
    }
  }
}
""".replace("COMMIT", COMMIT_FIELDS)
PR_QUERY = PR_QUERY.replace("COMMIT", COMMIT_FIELDS)

CHECKS_FIELDS = """headCommit: commits(last: 1) { nodes { commit { oid
          checkSuites(first: 5) { nodes { checkRuns(first: 30) {
            nodes { name conclusion startedAt completedAt } } } } } } }"""

ISSUES_QUERY = """
query Issues($owner: String!, $name: String!, $first: Int!, $after: String,
             $labels: [String!]) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    issues(first: $first, after: $after, labels: $labels,
           orderBy: {field: CREATED_AT, direction: DESC}) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { number createdAt closedAt }
    }
  }
}
"""

MORE_QUERY = """
query PullRequest{Kind}($owner: String!, $name: String!, $number: Int!, $first: Int!,
                        $after: String) {{
  rateLimit {{ cost remaining resetAt }}
  repository(owner: $owner, name: $name) {{
    pullRequest(number: $number) {{
      {field}(first: $first, after: $after) {{
        totalCount pageInfo {{ hasNextPage endCursor }}
        nodes {{ {fields} }}
      }}
    }}
  }}
}}
"""
REVIEWS_QUERY = MORE_QUERY.format(Kind="Reviews", field="reviews",
                                  fields="author { login __typename } state submittedAt")
COMMENTS_QUERY = MORE_QUERY.format(Kind="Comments", field="comments",
                                   fields="author { login __typename } createdAt")
# each PR's changed files (``--files``, for teams by paths): up to 100 in the PR page, the rest
# of a larger PR through FILES_QUERY, 100 at a time
FILES_FIELDS = "files(first: 100) { totalCount pageInfo { hasNextPage endCursor } nodes { path } }"
FILES_QUERY = MORE_QUERY.format(Kind="Files", field="files", fields="path")

DEPLOYMENTS_QUERY = """
query Deployments($owner: String!, $name: String!, $first: Int!, $after: String,
                  $environments: [String!]) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    deployments(first: $first, after: $after, environments: $environments,
                orderBy: {field: CREATED_AT, direction: DESC}) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { id createdAt environment state commit { oid } }
    }
  }
}
"""
RELEASES_QUERY = """
query Releases($owner: String!, $name: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    releases(first: $first, after: $after, orderBy: {field: CREATED_AT, direction: DESC}) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { tagName createdAt publishedAt isPrerelease isDraft }
    }
  }
}
"""
TAGS_QUERY = """
query Tags($owner: String!, $name: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    refs(refPrefix: "refs/tags/", first: $first, after: $after,
         orderBy: {field: TAG_COMMIT_DATE, direction: DESC}) {
      totalCount pageInfo { hasNextPage endCursor }
      nodes { name target { __typename ... on Commit { oid committedDate }
                            ... on Tag { tagger { date }
                                         target { ... on Commit { oid committedDate } } } } }
    }
  }
}
"""


class GitHubError(Exception):
    """A GitHub problem described for a person (never containing the token)."""


class GitHubRefused(GitHubError):
    """GitHub refused for good (bad token, no access, no such repository): trying again the
    same way cannot help."""

    permanent = True


class RateLimited(GitHubError):
    def __init__(self, message: str, reset_at: float):
        super().__init__(message)
        self.reset_at = reset_at


@dataclass
class Progress:
    repo: str
    stage: str  # "pull requests" | "deployments" | "waiting" | "done"
    pages: int = 0
    prs: int = 0
    total: int | None = None
    requests: int = 0
    points: int = 0
    wait_left: float = 0.0
    message: str = ""


@dataclass
class SyncResult:
    repo: str
    prs: int
    requests: int
    points: int
    deploy_source: str
    deployments: int
    warnings: list[str] = field(default_factory=list)

    @property
    def points_per_pr(self) -> float:
        return self.points / self.prs if self.prs else 0.0


def parse_repo(name: str) -> tuple[str, str]:
    name = (name or "").strip().removeprefix("https://github.com/").rstrip("/")
    if not REPO_RE.match(name):
        raise GitHubError(f"{name!r} is not a repository name: use owner/name, e.g. "
                          "pytorch/pytorch")
    owner, repo = name.split("/")
    return owner, repo


def actor_is_bot(actor: dict | None) -> bool:
    """The one bot rule (``sources.bots``) for a GraphQL actor; a deleted account is no bot."""
    if not actor:
        return False
    return is_bot(actor.get("login") or "", typename=actor.get("__typename") or "")


def _ai_reviewer(node: dict) -> str:
    """The AI reviewer a review or comment node's author is ("" = not one)."""
    actor = node.get("author") or {}
    return ai_reviewer(actor.get("login") or "", actor_is_bot(actor))


def _login(node: dict) -> str:
    """The login of a node's author; "ghost" for a deleted account (``author: null``)."""
    return (node.get("author") or {}).get("login") or "ghost"


@dataclass
class ReviewTimes:
    first_response_at: int | None
    responder: str
    first_approval_at: int | None
    last_approval_at: int | None
    human_responses: int


def review_times(author: str, reviews: list[dict], comments: list[dict],
                 ready_at: int | None = None) -> ReviewTimes:
    """First response (the first review or comment at or after ``ready_at`` by someone who is
    neither the author nor a bot; feedback on a draft does not end the wait), and the first and
    last approval by a human other than the author, from GraphQL review and comment nodes.
    Deleted accounts ("ghost") count as humans."""
    def other(node: dict) -> bool:
        return not actor_is_bot(node.get("author")) and not _ai_reviewer(node) and \
            _login(node) != author

    events = [(iso_time(r.get("submittedAt")), _login(r)) for r in reviews if other(r)] + [
        (iso_time(c.get("createdAt")), _login(c)) for c in comments if other(c)]
    events = [(t, who) for t, who in events if t is not None]
    after_ready = [e for e in events if ready_at is None or e[0] >= ready_at]
    first = min(after_ready, default=(None, ""))
    approvals = sorted(t for r in reviews if r.get("state") == "APPROVED" and other(r)
                       and (t := iso_time(r.get("submittedAt"))) is not None)
    return ReviewTimes(first[0], first[1], approvals[0] if approvals else None,
                       approvals[-1] if approvals else None, len(events))




class GitHubClient:
    """Talks to one GitHub (github.com or an Enterprise server) with one token."""

    def __init__(self, token: str | None, base_url: str = DEFAULT_API, per_page: int = 50,
                 timeout: float = 15, max_wait: float = 900, max_retries: int = 4,
                 min_interval: float | None = 0.25,
                 progress: Callable[[Progress], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 budget: TokenBudget | None = None):
        if not token:
            raise GitHubError("no GitHub token: set GITHUB_TOKEN (or enter one in the app); "
                              "a token with read access to the repository is needed")
        self.base_url = base_url.rstrip("/")
        # PyGithub's default GithubRetry sleeps silently until a rate-limit reset (up to an
        # hour). We switch it off (retry=None) and own every retry and wait in _call, where
        # waits are bounded by max_wait and reported through the progress callback.
        # GraphQL queries are POSTs, which PyGithub spaces 1 s apart as "writes" by default;
        # they only read, so they get the same spacing as reads.
        self.gh = Github(auth=Auth.Token(token), base_url=self.base_url, timeout=timeout,
                         retry=None, seconds_between_requests=min_interval,
                         seconds_between_writes=min_interval, per_page=100)
        self.per_page = per_page
        self.max_wait = max_wait
        self.max_retries = max_retries
        self.progress_cb = progress
        self.sleep = sleep
        self.budget = budget  # the token's budget shared with other workers (or None)
        self.requests = 0
        self.points = 0
        self.warnings: list[str] = []
        self.head = ""  # the default branch's head commit, from the PR query
        self._state = Progress(repo="", stage="")
        self._beat: Callable[[], None] | None = None  # renews the running sync's lease
        self._beat_at = 0.0

    # -- transport ----------------------------------------------------------------------------
    def _report(self, **kw) -> None:
        for k, v in kw.items():
            setattr(self._state, k, v)
        self._state.requests, self._state.points = self.requests, self.points
        if self.progress_cb:
            self.progress_cb(Progress(**vars(self._state)))
        if self._beat and time.monotonic() - self._beat_at > 30:  # waits renew it too
            self._beat_at = time.monotonic()
            self._beat()

    def _wait(self, seconds: float, why: str) -> None:
        if seconds > self.max_wait:
            reset = time.time() + seconds
            when = datetime.fromtimestamp(reset, tz=UTC).strftime("%H:%M UTC")
            raise RateLimited(f"{why}: GitHub asks to wait {seconds / 60:.0f} min (until "
                              f"{when}), longer than the allowed {self.max_wait / 60:.0f} min. "
                              "Run the sync again later: it resumes where it stopped.", reset)
        end = time.monotonic() + seconds
        stage = self._state.stage
        while (left := end - time.monotonic()) > 0:
            self._report(stage="waiting", wait_left=left, message=why)
            self.sleep(min(1.0, left))
        self._report(stage=stage, wait_left=0.0, message="")

    def _draw(self, body: dict | None) -> int:
        """Take a call's cost from the shared budget (a REST call 1, a GraphQL query its upper
        bound), waiting while the budget has none; returns what was drawn."""
        if self.budget is None:
            return 0
        cost = 1 if body is None else graphql_cost(body["query"], body["variables"])
        stage = self._state.stage
        self.budget.draw(cost, lambda left: self._report(
            stage="waiting", wait_left=left, message="the token's shared budget is spent"))
        if self._state.stage == "waiting":
            self._report(stage=stage, wait_left=0.0, message="")
        return cost

    def _call(self, verb: str, url: str, body: dict | None = None, shrink: bool = False):
        """One API call with bounded retries. Returns (headers, data)."""
        headers, data, _drawn = self._call_drawn(verb, url, body, shrink)
        return headers, data

    def _call_drawn(self, verb: str, url: str, body: dict | None = None,
                    shrink: bool = False):
        """``_call``, also returning the points drawn from the shared budget for the call
        that answered (GraphQL settles them with the cost GitHub reports)."""
        attempt = 0
        while True:
            attempt += 1
            drawn = self._draw(body)
            try:
                self.requests += 1
                headers, data = self.gh.requester.requestJsonAndCheck(verb, url, input=body)
                hdrs = {k.lower(): v for k, v in (headers or {}).items()}
                if self.budget is not None and hdrs.get("x-ratelimit-remaining") == "0" and \
                        "x-ratelimit-reset" in hdrs:  # the last call of GitHub's window
                    self.budget.block(float(hdrs["x-ratelimit-reset"]))
                return headers, data, drawn
            except GithubException as exc:
                status = exc.status
                hdrs = {k.lower(): v for k, v in (exc.headers or {}).items()}
                msg = exc.data.get("message", "") if isinstance(exc.data, dict) else ""
                if status == 401:
                    raise GitHubRefused("GitHub rejected the token (401 Bad credentials): it is "
                                      "wrong, expired or revoked") from None
                limited = status == 429 or (status == 403 and (
                    "retry-after" in hdrs or hdrs.get("x-ratelimit-remaining") == "0"
                    or "rate limit" in msg.lower()))
                if limited:
                    if "retry-after" in hdrs:
                        wait = float(hdrs["retry-after"])
                    elif hdrs.get("x-ratelimit-remaining") == "0" and "x-ratelimit-reset" in hdrs:
                        wait = max(1.0, float(hdrs["x-ratelimit-reset"]) - time.time() + 1)
                    else:
                        wait = min(60.0 * attempt, 300.0)  # secondary limit without a hint
                    if self.budget is not None:  # every worker on this token waits too
                        self.budget.block(time.time() + wait)
                    if attempt > self.max_retries + 2:
                        raise RateLimited("GitHub keeps rate-limiting this sync; try again "
                                          "later (it resumes where it stopped)",
                                          time.time() + wait) from None
                    kind = "secondary rate limit" if "secondary" in msg.lower() or \
                        status == 429 else "rate limit"
                    self._wait(wait, f"GitHub {kind}")
                    continue
                if status == 403:
                    raise GitHubRefused(f"access denied (403): {msg or 'forbidden'}") from None
                if status == 404:
                    raise GitHubRefused("not found (404): the repository does not exist or this "
                                      "token cannot see it (private repositories need a token "
                                      "with access)") from None
                if status in (500, 502, 503, 504) and attempt <= self.max_retries:
                    if shrink and body and body["variables"].get("first", 0) > 5:
                        body["variables"]["first"] = max(5, body["variables"]["first"] // 2)
                        self.warnings.append(
                            f"GitHub answered {status}; page size reduced to "
                            f"{body['variables']['first']}")
                    self._wait(min(2.0 ** attempt, 30.0), f"GitHub error {status}, retrying")
                    continue
                raise GitHubError(f"GitHub answered {status}: {msg or 'server error'}") from None
            except (requests.Timeout, requests.ConnectionError, ValueError) as exc:
                if attempt > self.max_retries:
                    host = urlparse(self.base_url).netloc
                    what = "malformed response" if isinstance(exc, ValueError) and not \
                        isinstance(exc, requests.RequestException) else "network problem"
                    raise GitHubError(f"{what} talking to {host} after {attempt} attempts; "
                                      "check the URL and network, then sync again (it "
                                      "resumes)") from None
                if shrink and body and body["variables"].get("first", 0) > 5:
                    body["variables"]["first"] = max(5, body["variables"]["first"] // 2)
                self._wait(min(2.0 ** attempt, 30.0), "network problem, retrying")

    def graphql(self, query: str, variables: dict, shrink: bool = False) -> dict:
        body = {"query": query, "variables": dict(variables)}
        for attempt in range(3):
            _, data, drawn = self._call_drawn("POST", self.gh.requester.graphql_url, body,
                                              shrink=shrink)
            rate = (data.get("data") or {}).get("rateLimit") or {}
            self.points += int(rate.get("cost", 1))
            if self.budget is not None:
                self.budget.settle(drawn, int(rate.get("cost", drawn)))
            errors = data.get("errors") or []
            for e in errors:
                if e.get("type") == "NOT_FOUND":
                    raise GitHubRefused("not found: " + e.get("message", "no such repository"))
            if errors and data.get("data") is not None and attempt < 2:
                self.warnings.append("GitHub returned partial data: " + "; ".join(
                    e.get("message", "") for e in errors) + " (page fetched again)")
                continue
            if errors:
                raise GitHubError("GitHub GraphQL error: " + "; ".join(
                    e.get("message", "") for e in errors))
            variables["first"] = body["variables"].get("first", variables.get("first"))
            return data["data"]
        raise GitHubError("GitHub kept returning partial data")

    # -- sync ---------------------------------------------------------------------------------
    def repository(self, owner: str, name: str) -> dict:
        _, data = self._call("GET", f"/repos/{owner}/{name}")
        return data

    def sync(self, store: Store, repo: str, since: str | None = None,
             deployments: str = "auto", environment: str | None = None,
             workflow: str | None = None, account_key: str = "", checks: bool = False,
             incident_labels: tuple[str, ...] = (), actions_jobs: bool = False,
             private_owner: Callable[[str], str] | None = None,
             files: bool = False) -> SyncResult:
        """Sync PRs, deployments and incidents of ``repo`` into ``store``. A private
        repository belongs to ``private_owner(full name)`` (which may refuse it by raising
        ``GitHubError``), by default to ``account_key``.

        ``checks`` also fetches the check runs of each PR's head commit (≈2× the points);
        ``incident_labels`` adds issues with those labels as incidents; ``files`` also reads
        each PR's changed files (for teams by paths, +1 point per page of 50 PRs), and keeps
        reading them on every later sync of the repository (``FILES_CURSOR``).
        """
        owner, name = parse_repo(repo)
        if deployments not in DEPLOY_CHOICES:
            raise GitHubError(f"unknown deployment source {deployments!r}: use one of "
                              f"{', '.join(DEPLOY_CHOICES)}")
        self._state = Progress(repo=f"{owner}/{name}", stage="repository")
        meta = self.repository(owner, name)
        full = meta.get("full_name", f"{owner}/{name}")
        base = meta.get("default_branch") or "main"
        host = urlparse(self.base_url).netloc
        prev = store.repo_info(full) if full in store.repos() else None
        owner_key = ""
        if meta.get("private"):
            owner_key = private_owner(full) if private_owner else account_key
        store.upsert_repo(RepoInfo(full, GITHUB.key, False, base,
                                   prev.deploy_source if prev else "", host, owner_key))
        run = store.start_sync(full, GITHUB.key)
        self._beat = lambda: store.heartbeat(full)
        try:
            if files:
                store.set_cursor(full, FILES_CURSOR, "1")
            n = self._sync_prs(store, full, owner, name, base, since, checks,
                               store.get_cursor(full, FILES_CURSOR) is not None)
            if actions_jobs:
                self._sync_actions_jobs(store, full, owner, name)
            src, n_dep = self._sync_deployments(store, full, owner, name, base, deployments,
                                                environment, workflow,
                                                prev.deploy_source if prev else "")
            if incident_labels:
                self._sync_issues(store, full, owner, name, incident_labels)
            # none found: every merge deploys; found: written above, incrementally
            done = finish(store, full, None if src else [], src,
                          checks=checks or actions_jobs)
            src, n_dep = done.deploy_source, n_dep if src else done.deployments
            known = store.audit(full) or {}
            if not self.head or known.get("head") != self.head:  # the tree changed: read it
                store.set_audit(full, self.tree_audit(owner, name, base))
        except Exception as exc:
            store.finish_sync(run, "failed", self.requests, self.points, 0, str(exc)[:500])
            raise
        if n == 0 and store.count_prs(full) == 0:
            self.warnings.append(f"{full} has no pull requests into {base}")
        store.finish_sync(run, "ok", self.requests, self.points, n, "; ".join(self.warnings))
        self._report(stage="done")
        return SyncResult(full, n, self.requests, self.points, src, n_dep, list(self.warnings))

    def _sync_prs(self, store: Store, repo: str, owner: str, name: str, base: str,
                  since: str | None, checks: bool = False, files: bool = False) -> int:
        """Read the PRs updated since the watermark, a page at a time, each page written with
        its cursors in one transaction. With ``files``, each PR's changed files too; PRs stored
        without them (synced before files were asked for) are read again, the pass going on
        below the watermark until none is left."""
        stream = f"prs:{base}"
        watermark = store.get_cursor(repo, stream + ":watermark")
        after = store.get_cursor(repo, stream + ":page")
        top = store.get_cursor(repo, stream + ":top")
        if since and not watermark:
            watermark = since if "T" in since else since + "T00:00:00Z"
        variables = {"owner": owner, "name": name, "first": self.per_page, "after": after,
                     "base": base}
        count, pages = 0, 0
        unlisted = {int(x) for x in (store.get_cursor(repo, UNLISTED_CURSOR) or "").split(",")
                    if x.isdigit()}
        missing = store.prs_without_files(repo, base) - unlisted if files else set()
        from_top = after is None  # a pass that reads the whole list can tell what it lacks
        self._report(stage="pull requests")
        query = PR_QUERY.replace("CHECKS", CHECKS_FIELDS if checks else "").replace(
            "FILES", FILES_FIELDS if files else "")
        while True:
            data = self.graphql(query, variables, shrink=True)
            conn = data["repository"]["pullRequests"]
            self.head = ((data["repository"].get("defaultBranchRef") or {}).get("target")
                         or {}).get("oid", "")
            pages += 1
            nodes = [x for x in conn["nodes"] if x]
            if top is None and nodes:
                top = nodes[0]["updatedAt"]
            stop = False
            prs, runs, commits, reviews, ai_reviews = [], [], [], [], []
            paths: dict[int, list[str]] = {}
            for node in nodes:
                if watermark and node["updatedAt"] <= watermark:
                    if not missing:
                        stop = True
                        break
                    if node["number"] not in missing:
                        continue  # stored with its files: unchanged since
                if files and (got := self._files(owner, name, node)) is not None:
                    paths[node["number"]] = got
                missing.discard(node["number"])
                pr, pr_commits, pr_reviews = self._to_pr(repo, owner, name, node)
                prs.append(pr)
                commits += pr_commits
                reviews += [r for r in pr_reviews if isinstance(r, Review)]
                ai_reviews += [r for r in pr_reviews if isinstance(r, AIReview)]
                runs += _check_runs(repo, node)
            done = stop or not conn["pageInfo"]["hasNextPage"]
            cursors = {stream + ":page": None if done else conn["pageInfo"]["endCursor"],
                       stream + ":top": None if done else top}
            if done:
                cursors[stream + ":watermark"] = max(filter(None, [top, watermark]),
                                                     default=None)
                if missing and from_top and not stop:
                    cursors[UNLISTED_CURSOR] = ",".join(map(str, sorted(missing | unlisted)))
            store.write_batch(repo, prs, cursors=cursors, check_runs=runs, commits=commits,
                              reviews=reviews, ai_reviews=ai_reviews, pr_files=paths)
            count += len(prs)
            self._report(pages=pages, prs=count, total=conn["totalCount"])
            if done:
                return count
            variables["after"] = conn["pageInfo"]["endCursor"]

    def tree_audit(self, owner: str, name: str, branch: str) -> dict:
        """The practice audit of the tree at ``branch``: one REST tree request (recursive) and
        one GraphQL query for the dependency files' texts. GitHub gives no history pass."""
        _, data = self._call("GET", f"/repos/{owner}/{name}/git/trees/{quote(branch, safe='')}"
                                    "?recursive=1")
        paths = [e["path"] for e in data.get("tree", []) if e.get("type") == "blob"]
        wanted = [p for p in paths if DEPENDENCY_FILES.match(p)][:MAX_BLOBS]
        texts: dict[str, str] = {}
        if wanted:
            params = ", ".join(f"$e{i}: String!" for i in range(len(wanted)))
            fields = " ".join(f"f{i}: object(expression: $e{i}) {{ ... on Blob {{ text byteSize "
                              f"isBinary }} }}" for i in range(len(wanted)))
            query = (f"query Blobs($owner: String!, $name: String!, {params}) {{ rateLimit {{ "
                     f"cost remaining resetAt }} repository(owner: $owner, name: $name) {{ "
                     f"{fields} }} }}")
            found = self.graphql(query, {"owner": owner, "name": name, **{
                f"e{i}": f"{branch}:{p}" for i, p in enumerate(wanted)}})["repository"] or {}
            for i, p in enumerate(wanted):
                blob = found.get(f"f{i}") or {}
                if blob.get("text") is not None and not blob.get("isBinary") and \
                        (blob.get("byteSize") or 0) <= MAX_DEPENDENCY_BYTES:
                    texts[p] = blob["text"]
        audit = audit_paths(paths, texts)
        audit.update(source=GITHUB.key, head=data.get("sha", ""), read_at=int(time.time()),
                     first_seen={}, history="unavailable", history_from=None,
                     truncated=bool(data.get("truncated")))
        return audit

    def _sync_actions_jobs(self, store: Store, repo: str, owner: str, name: str) -> int:
        """Jobs (every attempt) of the Actions runs made for pull requests, as check runs: one
        request per page of runs and one per new run; runs already read are skipped (cursor)."""
        self._report(stage="actions jobs")
        last = int(store.get_cursor(repo, "actions:last_run") or 0)
        url = f"/repos/{owner}/{name}/actions/runs?event=pull_request&per_page=100"
        newest, count = last, 0
        while url:
            headers, data = self._call("GET", url)
            stop = False
            for run in data.get("workflow_runs", []):
                if run["id"] <= last:
                    stop = True
                    break
                _, jobs = self._call("GET", f"/repos/{owner}/{name}/actions/runs/{run['id']}"
                                            "/jobs?filter=all&per_page=100")
                runs = jobs_to_check_runs(repo, jobs.get("jobs", []), [run])
                store.write_batch(repo, check_runs=[r for r in runs if r.pr > 0])
                newest, count = max(newest, run["id"]), count + len(runs)
            link = headers.get("link", "") or headers.get("Link", "")
            m = re.search(r'<([^>]+)>;\s*rel="next"', link)
            url = None if stop or not m else m.group(1).replace(self.base_url, "")
        store.set_cursor(repo, "actions:last_run", str(newest))
        return count

    def _sync_issues(self, store: Store, repo: str, owner: str, name: str,
                     labels: tuple[str, ...]) -> int:
        """Issues carrying any of ``labels`` become incidents (opened → closed)."""
        known = {i.id for i in store.incidents(repo)}
        variables = {"owner": owner, "name": name, "first": 100, "after": None,
                     "labels": list(labels)}
        out = []
        while True:
            conn = self.graphql(ISSUES_QUERY, variables)["repository"]["issues"]
            for node in conn["nodes"]:
                iid = f"issue-{node['number']}"
                out.append(Incident(repo, iid, iso_time(node["createdAt"]),
                                    iso_time(node.get("closedAt")), "issue",
                                    (str(node["number"]),)))
            if not conn["pageInfo"]["hasNextPage"] or (out and out[-1].id in known):
                break
            variables["after"] = conn["pageInfo"]["endCursor"]
        store.write_batch(repo, incidents=out)  # placed on deployments by rebuild_incidents
        return len(out)

    def _rest_of(self, query: str, key: str, owner: str, name: str, number: int,
                 conn: dict) -> list[dict]:
        """All nodes of a nested connection that the bulk page cut short (this PR only)."""
        nodes = [x for x in conn["nodes"] if x]
        after = conn["pageInfo"]["endCursor"]
        while True:
            data = self.graphql(query, {"owner": owner, "name": name, "number": number,
                                        "first": 100, "after": after})
            c = data["repository"]["pullRequest"][key]
            nodes += [x for x in c["nodes"] if x]
            if not c["pageInfo"]["hasNextPage"]:
                return nodes
            after = c["pageInfo"]["endCursor"]

    def _commits(self, repo: str, owner: str, name: str, n: dict) -> list[Commit]:
        """The PR's commits (merges left out), fetching beyond the first page when needed."""
        conn = n.get("commits") or {}
        nodes = [x for x in conn.get("nodes") or [] if x]
        if (conn.get("pageInfo") or {}).get("hasNextPage"):
            nodes = self._rest_of(COMMITS_QUERY, "commits", owner, name, n["number"], conn)
        return [c for x in nodes if (c := commit_record(repo, n["number"], x["commit"]))]

    def _files(self, owner: str, name: str, n: dict) -> list[str] | None:
        """The paths the PR changed, fetching beyond the first 100 when needed; None when
        GitHub gave no file list (the PR's files stay unknown, and a warning says so)."""
        conn = n.get("files")
        if conn is None:
            self.warnings.append(f"GitHub gave no file list for PR #{n['number']}: its files "
                                 "stay unknown")
            return None
        nodes = [x for x in conn.get("nodes") or [] if x]
        if (conn.get("pageInfo") or {}).get("hasNextPage"):
            nodes = self._rest_of(FILES_QUERY, "files", owner, name, n["number"], conn)
        paths = [x["path"] for x in nodes if x.get("path")]
        if len(paths) < (conn.get("totalCount") or 0):
            self.warnings.append(f"PR #{n['number']}: GitHub listed {len(paths)} of its "
                                 f"{conn['totalCount']} changed files")
        return paths

    def _to_pr(self, repo: str, owner: str, name: str, n: dict
               ) -> tuple[PullRequest, list[Commit], list[Review | AIReview]]:
        """The PR, its commits, and the reviews of people and of AI reviewers (apart)."""
        author = _login(n)
        reviews, comments = n["reviews"], n["comments"]
        r_nodes, c_nodes = [x for x in reviews["nodes"] if x], [x for x in comments["nodes"] if x]
        ready_events = [x for x in n["timelineItems"]["nodes"] if x and x.get("createdAt")]
        created = iso_time(n["createdAt"])
        ready = iso_time(ready_events[-1]["createdAt"]) if ready_events else created
        if reviews["pageInfo"]["hasNextPage"]:
            r_nodes = self._rest_of(REVIEWS_QUERY, "reviews", owner, name, n["number"], reviews)
        if comments["pageInfo"]["hasNextPage"] and review_times(
                author, r_nodes, c_nodes, ready).first_response_at is None:
            c_nodes = self._rest_of(COMMENTS_QUERY, "comments", owner, name, n["number"],
                                    comments)
        rt = review_times(author, r_nodes, c_nodes, ready)
        reviews_: list[Review | AIReview] = [
            Review(repo, n["number"], _login(r), t, r.get("state") or "")
            for r in r_nodes if not actor_is_bot(r.get("author")) and not _ai_reviewer(r) and
            _login(r) != author and (t := iso_time(r.get("submittedAt"))) is not None]
        reviews_ += [AIReview(repo, n["number"], _login(x), t, tool, kind)
                     for kind, nodes, at in (("review", r_nodes, "submittedAt"),
                                             ("comment", c_nodes, "createdAt"))
                     for x in nodes if (tool := _ai_reviewer(x))
                     and (t := iso_time(x.get(at))) is not None]
        # the whole discussion (GitHub's totalCount), less what the author and bots wrote among
        # the nodes read
        own = sum(1 for x in r_nodes + c_nodes if actor_is_bot(x.get("author")) or
                  _login(x) == author)
        discussion = max(0, (reviews.get("totalCount") or 0) + (comments.get("totalCount") or 0)
                         - own)
        commits = self._commits(repo, owner, name, n)
        authored = [iso_time(x["commit"]["authoredDate"]) for x in n["commits"]["nodes"] if x]
        first_commit = min([c.authored_at for c in commits] + [t for t in authored if t],
                           default=None)
        head = n.get("headRefName") or ""
        title = n.get("title") or ""
        # the git source's rules on the title, the head branch and the PR's description (the
        # body a squash merge would carry): one definition (sources.reverts)
        is_revert, reverted = detect_revert(title, head, n.get("body") or "")
        ai, ai_tool = pr_marks([(c.ai_rule, c.ai_tool) for c in commits], n.get("body") or "",
                               author, actor_is_bot(n.get("author")))
        return PullRequest(
            ai_rules=ai, ai_tool=ai_tool,
            repo=repo, number=n["number"], title=title, author=author,
            merged_by=((n.get("mergedBy") or {}).get("login") or "") if n.get("mergedAt")
            else "", author_association=n.get("authorAssociation") or "",
            author_is_bot=actor_is_bot(n.get("author")), created_at=created, ready_at=ready,
            first_commit_at=first_commit,
            first_response_at=rt.first_response_at, first_responder=rt.responder,
            first_approval_at=rt.first_approval_at,
            last_approval_at=rt.last_approval_at,
            merged_at=iso_time(n.get("mergedAt")), closed_at=iso_time(n.get("closedAt")),
            base_ref=n.get("baseRefName") or "", head_ref=head,
            additions=n.get("additions") or 0, deletions=n.get("deletions") or 0,
            changed_files=n.get("changedFiles") or 0, n_comments=discussion,
            labels=tuple(x["name"] for x in n["labels"]["nodes"]),
            linked_issue_labels=tuple(lbl["name"] for i in n["closingIssuesReferences"]["nodes"]
                                      if i for lbl in i["labels"]["nodes"]),
            merge_commit_sha=(n.get("mergeCommit") or {}).get("oid", ""),
            is_draft=bool(n.get("isDraft")), is_revert=is_revert,
            reverted_number=reverted, url=n.get("url") or "",
        ), commits, reviews_

    # -- deployments: Deployments API → workflow runs → releases → tags → merges --------------
    def _sync_deployments(self, store: Store, repo: str, owner: str, name: str, base: str,
                          choice: str, environment: str | None, workflow: str | None,
                          previous: str) -> tuple[str, int]:
        """Fetch deployments from the chosen source (``auto``: the one used before, else the
        first of GitHub's deployment sources — Deployments API → workflow runs → releases →
        tags — that has any). The same source as before adds what is new; a different source
        replaces the old list. Returns the source and how many it added; ("", 0) when none
        had any (the finishing step then makes every merge a deployment)."""
        self._report(stage="deployments")
        stored = store.deployments(repo)
        order = [choice] if choice != AUTO else (
            [previous] if previous else list(GITHUB.deployment_sources))
        for src in order:
            if src == "workflow" and not workflow:
                continue
            if src == MERGES:
                break
            same = src == previous
            known = {d.id: d.created_at for d in stored} if same else {}
            deps = list(self._fetch(src, repo, owner, name, base, environment, workflow, known))
            if deps or (same and known):
                store.keep_deployments(repo, deps, src, same)
                return src, len(deps)
        return "", 0

    def _fetch(self, src, repo, owner, name, base, environment, workflow, known):
        if src == "workflow":
            yield from self._workflow_runs(repo, owner, name, base, workflow, known)
            return
        query, key = {"deployments": (DEPLOYMENTS_QUERY, "deployments"),
                      "releases": (RELEASES_QUERY, "releases"),
                      "tags": (TAGS_QUERY, "refs")}[src]
        variables = {"owner": owner, "name": name, "first": 100, "after": None}
        if src == "deployments":
            variables["environments"] = [environment] if environment else None
        settled = max(known.values(), default=0) - SETTLE
        while True:
            conn = self.graphql(query, variables)["repository"][key]
            stop = False
            for node in conn["nodes"]:
                if src == "deployments" and not _deployed(node, environment):
                    continue
                dep = _deployment(repo, src, node)
                if dep is None:
                    continue
                if dep.id in known:
                    stop = dep.created_at < settled  # older ones are all stored already
                    if stop:
                        break
                    continue
                yield dep
            if stop or not conn["pageInfo"]["hasNextPage"]:
                return
            variables["after"] = conn["pageInfo"]["endCursor"]

    def _workflow_runs(self, repo, owner, name, base, workflow, known):
        url = f"/repos/{owner}/{name}/actions/workflows/{workflow}/runs?branch={base}" \
              "&status=success&per_page=100"
        while url:
            headers, data = self._call("GET", url)
            stop = False
            for run in data.get("workflow_runs", []):
                rid = f"run-{run['id']}"
                if rid in known:
                    stop = True
                    break
                if run.get("event") in PR_EVENTS or run.get("conclusion", "success") != "success":
                    continue  # a run for a pull request, or one that did not succeed
                yield Deployment(repo, rid, iso_time(run["created_at"]), run.get("head_sha", ""),
                                 workflow, "workflow")
            link = headers.get("link", "") or headers.get("Link", "")
            m = re.search(r'<([^>]+)>;\s*rel="next"', link)
            url = None if stop or not m else m.group(1).replace(self.base_url, "")


def utc_offset(git_date: str | None) -> int | None:
    """Seconds east of UTC of a git actor date (``2024-05-01T10:00:00+09:00``); None when the
    date carries no offset."""
    if not git_date:
        return None
    t = datetime.fromisoformat(git_date.replace("Z", "+00:00"))
    return None if t.tzinfo is None else int(t.utcoffset().total_seconds())


def commit_record(repo: str, number: int, c: dict) -> Commit | None:
    """A PR commit node as a record (None for a merge commit: merging is no coding). The author
    is their GitHub login when the email belongs to an account, else the git name."""
    if ((c.get("parents") or {}).get("totalCount") or 0) > 1 or not c.get("authoredDate"):
        return None
    actor_ = c.get("author") or {}
    login = (actor_.get("user") or {}).get("login") or ""
    who = login or actor_.get("name") or ""
    rule, tool = commit_marks(actor_.get("name") or who, actor_.get("email") or "",
                              c.get("message") or "")
    if not rule and (t := agent_author(login)):
        rule, tool = "tool-commit-author", t  # an agent account's own commit
    return Commit(repo, c["oid"], iso_time(c["authoredDate"]), number, who,
                  is_bot(who, actor_.get("email") or ""), utc_offset(actor_.get("date")),
                  iso_time(c.get("committedDate")), c.get("additions"), c.get("deletions"),
                  rule, tool)


def _check_runs(repo: str, node: dict) -> list[CheckRun]:
    """Check runs of the PR's head commit, when the query asked for them."""
    head = (node.get("headCommit") or {}).get("nodes") or []
    if not head:
        return []
    commit = head[0]["commit"]
    return [CheckRun(repo, node["number"], commit["oid"], run["name"], run.get("conclusion")
                     or "", iso_time(run.get("startedAt")), iso_time(run.get("completedAt")))
            for suite in (commit.get("checkSuites") or {}).get("nodes", [])
            for run in (suite.get("checkRuns") or {}).get("nodes", [])]


def _deployed(node: dict, environment: str | None) -> bool:
    """A Deployments API node that counts: it succeeded, and it went to the chosen environment
    (or, with none chosen, to one that is not plainly a preview/test/docs environment)."""
    state = (node.get("state") or "ACTIVE").upper()
    if state not in DEPLOYED_STATES:
        return False
    return bool(environment) or not NOT_PRODUCTION.search(node.get("environment") or "")


def _deployment(repo: str, src: str, node: dict) -> Deployment | None:
    if src == "deployments":
        return Deployment(repo, node["id"], iso_time(node["createdAt"]),
                          (node.get("commit") or {}).get("oid", ""), node.get("environment")
                          or "", deployment_source("deployments").record)
    if src == "releases":
        if node.get("isDraft") or node.get("isPrerelease"):
            return None
        return Deployment(repo, node["tagName"], iso_time(node.get("publishedAt")
                                                     or node["createdAt"]), "", "", "releases")
    target = node.get("target") or {}
    commit = target.get("target", target)
    if is_prerelease(node["name"]) or not commit.get("committedDate"):
        return None
    # an annotated tag's time is when it was tagged; a lightweight tag's, its commit's
    when = (target.get("tagger") or {}).get("date") or commit["committedDate"]
    return Deployment(repo, node["name"], iso_time(when), commit.get("oid", ""), "", "tags")
