"""The one way in: ``sync(store, SyncRequest(...))`` reads a repository from any source kind
(GitHub, GitLab, a git clone, canonical tables, a git-prs CSV, the synthetic demo) and answers
with one ``SyncResult``. The command line (``sync``, ``sync-gitlab``, ``sync-git``, ``import``,
``demo``), the app's Data page and ``sync-all`` all call it; each keeps its own rules for where
a token may go and which paths may be read (``config``), and words the result its own way.

The private-data rules live here and in the store (``store.access``), once for every front end:

- the request names who asks: a ``Visitor`` of the app (their account keys, signed in or not)
  or, with none, the operator (command line, ``sync-all``);
- names are GitHub's (``store.names``), checked before anything is read;
- a private repository belongs to the owner the request names — one of the visitor's own keys
  or their typed token's, never someone else's — else to the key of the token that read it;
  never to nobody;
- a private repository read with the *server's* token is refused to a visitor unless the
  operator's list (``$CASESTUDY_REPOS``, the ``sync-all`` file) names it with an owner the
  visitor holds (their group, their verified e-mail, them); the refusal reads like GitHub's
  "not found", so it does not tell a private repository from a missing one;
- what a write may change (demo read-only, owners only, no shared data from signed-out
  visitors when hosted) is the store's half, enforced for the visitor set here;
- on a hosted instance a visitor's repositories are filed under their own keys
  (``store.namespaces``): what a visitor's sync or import does never depends on repositories
  they cannot see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..config import DEFAULT_API, api_urls, check_api_url, github_spacing, gitlab_urls, hosted
from ..source_kinds import AUTO, DEMO, GIT, GIT_CSV, GITHUB, GITLAB, IMPORT, kind_of
from ..store import Store, StoreError
from ..store.access import Visitor, acting_as
from ..store.budget import TokenBudget
from ..store.keys import legacy_token_keys, token_key
from ..store.names import NameError_, check_repo_name
from ..store.namespaces import VisitorStore
from .demo import DEFAULT_SEED, build_demo
from .files import ImportError_, import_git_prs_csv, import_tables
from .git import GitSourceError, clone_name, sync_git
from .github import GitHubClient, GitHubError, GitHubRefused, Progress, parse_repo
from .gitlab import GitLabClient, parse_project
from .gitlab_api import NOT_FOUND as GITLAB_NOT_FOUND
from .gitlab_api import GitLabError
from .repo_list import Entry, listed_owner

# what a source raises for a problem described for a person
SOURCE_ERRORS: tuple[type[Exception], ...] = (GitHubError, GitSourceError, ImportError_)


@dataclass(frozen=True)
class SyncRequest:
    """What to read. ``kind`` is a source kind's key (``source_kinds``); ``target`` is what to
    read: owner/name on GitHub, the path of a clone, of a folder of tables or of a CSV file
    (none for the demo)."""

    kind: str
    target: str = ""
    repo: str | None = None  # the name to file it under (a clone, canonical tables)
    branch: str | None = None  # a clone's branch (default: its default branch)
    release_tags: str | None = None  # a clone's release-tag pattern (default: the largest family)
    account_key: str = ""  # a private repository belongs to this account ('' = public)
    # GitHub and GitLab
    token: str | None = field(default=None, repr=False)  # never printed
    base_url: str = DEFAULT_API  # GitHub's API URL, or a GitLab instance's URL
    since: str | None = None  # first sync only: PRs updated since this date
    deployments: str = AUTO  # a deployment source key (``source_kinds.DEPLOY_CHOICES``)
    environment: str | None = None
    workflow: str | None = None
    checks: bool = False
    actions_jobs: bool = False
    files: bool = False  # GitHub: each PR's changed files too (teams by paths; kept on after)
    incident_labels: tuple[str, ...] = ()
    progress: Callable[[Progress], None] | None = field(default=None, repr=False,
                                                         compare=False)
    seed: int = DEFAULT_SEED  # the demo
    visitor: Visitor | None = None  # who asks: an app visitor, or None for the operator
    server_token: bool = False  # the token is the server's, not one the visitor typed
    # the token's rate budget shared by every worker (the task engine); None: this process's
    budget: TokenBudget | None = field(default=None, repr=False, compare=False)


@dataclass
class SyncResult:
    """What one sync read, whatever the source."""

    kind: str
    repos: dict[str, int]  # PRs read per repository
    tables: dict[str, int] = field(default_factory=dict)  # rows read per table (tables)
    commits: int = 0
    tags: int = 0  # release tags read (a clone)
    incidents: int = 0
    reverts_without_pr: int = 0
    deploy_source: str = ""
    deployments: int = 0  # deployments added (GitHub) or read
    requests: int = 0  # API requests and GraphQL points spent (GitHub, GitLab)
    points: int = 0
    rate_remaining: int | None = None  # the lowest rate-limit budget left seen (GitLab)
    warnings: list[str] = field(default_factory=list)

    @property
    def repo(self) -> str:
        return next(iter(self.repos), "")

    @property
    def prs(self) -> int:
        return sum(self.repos.values())

    @property
    def points_per_pr(self) -> float:
        return self.points / self.prs if self.prs else 0.0

    def summary(self) -> str:
        """One line on what was read, in the source kind's words."""
        return kind_of(self.kind).summary.format(**vars(self), prs=self.prs,
                                                 rows=sum(self.tables.values()))


NOT_READABLE = ("not found (404): the repository does not exist or this token cannot see it "
                "(private repositories need a token with access)")


def _private_owner(req: SyncRequest) -> Callable[[str], str]:
    """Who a private repository read for ``req`` belongs to (raises ``GitHubError`` when the
    visitor may not have it)."""
    if req.visitor is None or not req.server_token:
        return lambda _full: req.account_key
    gitlab = req.kind == GITLAB.key

    def owner(full: str) -> str:
        key = listed_owner(full, GITLAB.key, req.base_url) if gitlab else listed_owner(full)
        if key and req.visitor is not None and key in req.visitor.keys:
            return key
        # the same words as a repository that is not there
        raise GitLabError(GITLAB_NOT_FOUND) if gitlab else GitHubRefused(NOT_READABLE)

    return owner


def _github(store: Store, req: SyncRequest) -> SyncResult:
    client = GitHubClient(req.token, base_url=req.base_url, progress=req.progress,
                          budget=req.budget, min_interval=github_spacing())
    r = client.sync(store, req.target, since=req.since, deployments=req.deployments,
                    environment=req.environment, workflow=req.workflow,
                    account_key=req.account_key, checks=req.checks,
                    incident_labels=req.incident_labels, actions_jobs=req.actions_jobs,
                    private_owner=_private_owner(req), files=req.files)
    return SyncResult(GITHUB.key, {r.repo: r.prs}, deploy_source=r.deploy_source,
                      deployments=r.deployments, requests=r.requests, points=r.points,
                      warnings=list(r.warnings))


def _gitlab(store: Store, req: SyncRequest) -> SyncResult:
    client = GitLabClient(req.token, base_url=req.base_url, progress=req.progress)
    r = client.sync(store, req.target, since=req.since, deployments=req.deployments,
                    environment=req.environment, account_key=req.account_key,
                    checks=req.checks, private_owner=_private_owner(req))
    return SyncResult(GITLAB.key, {r.repo: r.prs}, deploy_source=r.deploy_source,
                      deployments=r.deployments, requests=r.requests,
                      rate_remaining=r.rate_remaining, warnings=list(r.warnings))


def _git(store: Store, req: SyncRequest) -> SyncResult:
    c = sync_git(store, req.target, repo=req.repo, branch=req.branch,
                 account_key=req.account_key, release_tags=req.release_tags)
    repo = clone_name(Path(req.target).expanduser(), req.repo)
    return SyncResult(GIT.key, {repo: c["prs"]}, commits=c["commits"], tags=c["tags"],
                      incidents=c["incidents"], reverts_without_pr=c["reverts_without_pr"],
                      deploy_source=store.repo_info(repo).deploy_source,
                      deployments=len(store.deployments(repo)))


def _tables(store: Store, req: SyncRequest) -> SyncResult:
    tables = import_tables(store, Path(req.target), repo=req.repo, account_key=req.account_key)
    return SyncResult(IMPORT.key, {}, tables=tables)


def _git_csv(store: Store, req: SyncRequest) -> SyncResult:
    return SyncResult(GIT_CSV.key, import_git_prs_csv(store, Path(req.target),
                                                      account_key=req.account_key))


def _demo(store: Store, req: SyncRequest) -> SyncResult:
    return SyncResult(DEMO.key, build_demo(store, seed=req.seed))


READERS: dict[str, Callable[[Store, SyncRequest], SyncResult]] = {
    GITHUB.key: _github, GITLAB.key: _gitlab, GIT.key: _git, IMPORT.key: _tables,
    GIT_CSV.key: _git_csv, DEMO.key: _demo}


def _name(text: str) -> str:
    try:
        return check_repo_name(text)
    except NameError_ as exc:
        raise StoreError(str(exc)) from None


def _checked(store: Store, req: SyncRequest) -> SyncRequest:
    """``req`` after the rules that do not need the source: names, and whom private data may
    belong to. Raises ``StoreError`` (or ``GitHubError`` for a malformed GitHub name)."""
    kind = kind_of(req.kind).key
    if kind == GITHUB.key:
        _name("/".join(parse_repo(req.target)))
    if kind == GITLAB.key:  # its instance, named: the private-data rules compare it
        req = replace(req, base_url=gitlab_urls()[0] if req.base_url == DEFAULT_API
                      else req.base_url.rstrip("/").removesuffix("/api/v4"))
        parse_project(req.target, req.base_url)
    if req.repo is not None and kind in (GIT.key, IMPORT.key):
        _name(req.repo)
    typed = token_key(req.token) if req.token and not req.server_token else ""
    owner = req.account_key
    if req.visitor is not None:
        allowed = req.visitor.with_token(typed).keys
        if owner and owner not in allowed:
            raise StoreError("private data can only belong to you or a group you are in")
        owner = owner or typed
    elif kind in (GITHUB.key, GITLAB.key) and not owner:
        owner = token_key(req.token)  # the operator's private repository: its token's
    if req.token:  # a store written before key namespaces: the token's repositories
        store.adopt_keys(legacy_token_keys(req.token), token_key(req.token))
    return replace(req, account_key=owner)


def sync(store: Store, req: SyncRequest) -> SyncResult:
    """Read ``req`` into ``store`` under the private-data rules (module docstring). Raises a
    source's error (``SOURCE_ERRORS``), a ``StoreError``, or ``ValueError`` for an unknown
    kind."""
    reader = READERS[kind_of(req.kind).key]
    req = _checked(store, req)
    typed = token_key(req.token) if req.token and not req.server_token else ""
    visitor = req.visitor.with_token(typed) if req.visitor is not None else None
    with acting_as(visitor):  # a hosted visitor's repositories are filed under their keys
        target = VisitorStore(store, visitor, req.account_key) \
            if visitor is not None and hosted() else store
        return reader(target, req)  # type: ignore[arg-type]


def entry_request(e: Entry, token: str | None, gitlab_token: str | None = None
                  ) -> SyncRequest:
    """What syncing an entry of the operator's list asks for: its clone, else GitHub or GitLab
    with the server's token for that forge (which only goes to a configured URL of it: raises
    ``SettingError``); a private repository belongs to the entry's owner, else to the token's
    key."""
    if e.path:
        return SyncRequest(GIT.key, e.path, repo=e.name, account_key=e.owner_key)
    if e.forge == GITLAB.key:
        url = check_api_url(e.base_url or gitlab_urls()[0], server_token=True,
                            forge=GITLAB.key)
        return SyncRequest(GITLAB.key, e.name, token=gitlab_token, base_url=url,
                           deployments=e.deployments, environment=e.environment,
                           checks=e.checks, account_key=e.owner_key)
    url = check_api_url(e.base_url or api_urls()[0], server_token=True)
    return SyncRequest(GITHUB.key, e.name, token=token, base_url=url, deployments=e.deployments,
                       environment=e.environment, workflow=e.workflow,
                       account_key=e.owner_key, files=e.files)


def sync_entry(store: Store, e: Entry, token: str | None,
               gitlab_token: str | None = None) -> str:
    """Sync one entry of the operator's list; returns a one-line summary (raises on failure)."""
    return sync(store, entry_request(e, token, gitlab_token)).summary()


def expand_entry(e: Entry, gitlab_token: str | None = None) -> list[Entry]:
    """The entries a list entry stands for: a GitLab group entry becomes one entry per project
    of the group (subgroups included; one request per 100 projects, with the server's GitLab
    token, which only goes to a configured GitLab URL), each keeping the group's settings."""
    if not e.group:
        return [e]
    url = check_api_url(e.base_url or gitlab_urls()[0], server_token=True, forge=GITLAB.key)
    paths = GitLabClient(gitlab_token, base_url=url).group_projects(e.name)
    return [replace(e, name=p, group=False) for p in paths]
