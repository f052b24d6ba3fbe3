"""The repository list of a hosted instance (a TOML file): which repositories to keep synced,
from where, with which deployment source, and the peers each is compared with.

    [[repo]]
    name = "psf/requests"            # GitHub owner/name (synced with $GITHUB_TOKEN)
    peers = ["pallets/flask"]
    deployments = "releases"         # auto | deployments | workflow | releases | tags | merges
    environment = "production"       # optional, Deployments API
    workflow = "deploy.yml"          # optional, workflow runs
    files = true                     # optional: each PR's changed files (teams by paths)
    base_url = "https://api.github.com"  # optional (must be a configured API URL)

    [[repo]]
    name = "acme/private-service"    # a private repository ...
    owner = "group:acme-eng"         # ... belongs to this owner: group:NAME, email:ADDRESS,
                                     # person:ISSUER SUBJECT; default: the token's own key

    [[repo]]
    name = "numpy/numpy"
    path = "/srv/clones/numpy"       # a local clone instead of the API

    [[repo]]
    name = "acme/platform/api"       # a GitLab project (full path), synced with $GITLAB_TOKEN
    forge = "gitlab"
    base_url = "https://gitlab.example.com"  # optional (a configured GitLab URL)

    [[repo]]
    name = "acme/platform"           # every project of a GitLab group (subgroups included)
    forge = "gitlab"
    group = true

A private repository is never public: it belongs to the entry's ``owner``, else to the key of
the token that synced it (which no visitor holds). The app reads the same file
(``$CASESTUDY_REPOS``) as its allow-list: a visitor may sync a private repository with the
server's token only when an entry names it with an owner they hold, and it then belongs to that
owner.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..config import api_urls, gitlab_urls
from ..source_kinds import AUTO, DEPLOY_CHOICES, GITHUB, GITLAB
from ..store.keys import OwnerError, parse_owner
from .github import GitHubError, parse_repo
from .gitlab import parse_project

FORGES = (GITHUB.key, GITLAB.key)


class RepoListError(ValueError):
    """A list file that cannot be used, with the entry and field named."""


@dataclass
class Entry:
    name: str
    peers: list[str] = field(default_factory=list)
    deployments: str = AUTO
    environment: str | None = None
    workflow: str | None = None
    base_url: str | None = None
    path: str | None = None
    owner: str | None = None  # who a private repository belongs to (``keys.parse_owner``)
    forge: str = "github"  # where ``name`` lives: github | gitlab
    group: bool = False  # gitlab: ``name`` is a group, every project of it is synced
    checks: bool = False  # also read CI (GitLab pipeline jobs)
    files: bool = False  # GitHub: also read each PR's changed files (teams by paths)

    @property
    def owner_key(self) -> str:
        return parse_owner(self.owner) if self.owner else ""


def read_repo_list(path: Path) -> list[Entry]:
    """The entries of a list file, checked before anything is synced."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RepoListError(f"{path}: {exc}") from exc
    raw = data.get("repo")
    if not isinstance(raw, list) or not raw:
        raise RepoListError(f"{path}: no [[repo]] entries")
    out = []
    for k, item in enumerate(raw, 1):
        known = set(Entry.__dataclass_fields__)
        if not isinstance(item, dict) or "name" not in item:
            raise RepoListError(f"{path}: entry {k} has no name")
        unknown = set(item) - known
        if unknown:
            raise RepoListError(f"{path}: entry {k} ({item['name']}): unknown "
                                f"{', '.join(sorted(unknown))}")
        e = Entry(**item)
        if e.forge not in FORGES:
            raise RepoListError(f"{path}: entry {k} ({e.name}): forge must be one of "
                                f"{', '.join(FORGES)}")
        if e.group and e.forge != GITLAB.key:
            raise RepoListError(f"{path}: entry {k} ({e.name}): only a GitLab entry can be a "
                                "group")
        if e.path is None:
            try:
                if e.forge == GITLAB.key:
                    parse_project(e.name + "/x" if e.group else e.name)
                else:
                    parse_repo(e.name)
            except GitHubError as exc:
                raise RepoListError(f"{path}: entry {k}: {exc}") from exc
        try:
            e.owner_key  # noqa: B018 - checked before anything is synced
        except OwnerError as exc:
            raise RepoListError(f"{path}: entry {k} ({e.name}): {exc}") from exc
        if e.deployments not in DEPLOY_CHOICES:
            raise RepoListError(f"{path}: entry {k} ({e.name}): deployments must be one of "
                                f"{', '.join(DEPLOY_CHOICES)}")
        out.append(e)
    # peers are compared with, so they are kept synced too (with the defaults) when the list
    # does not name them itself
    listed = {e.name for e in out}
    for e in list(out):
        for peer in e.peers:
            if peer not in listed:
                listed.add(peer)
                out.append(Entry(peer, forge=e.forge, base_url=e.base_url
                                 if e.forge == GITLAB.key else None))
    return out


LIST_ENV = "CASESTUDY_REPOS"  # the operator's list, which the app reads as its allow-list


def listed_owner(repo: str, forge: str = GITHUB.key, url: str = "") -> str:
    """The owner key the operator's list (``$CASESTUDY_REPOS``) gives ``repo`` of ``forge`` (''
    when the list does not name it with an owner, or there is no list). A GitLab project is
    named by its full path, or by a group entry above it, and ``url`` (when given) must be
    the entry's instance: the same path on another host is another project."""
    path = os.environ.get(LIST_ENV, "").strip()
    if not path:
        return ""
    try:
        entries = read_repo_list(Path(path))
    except RepoListError:
        return ""  # a broken list allows nothing
    name = repo.lower()

    def instance(e: Entry) -> str:
        first = gitlab_urls()[0] if e.forge == GITLAB.key else api_urls()[0]
        return (e.base_url or first).rstrip("/").removesuffix("/api/v4")

    return next((e.owner_key for e in entries if e.forge == forge and (
        not url or instance(e) == url.rstrip("/").removesuffix("/api/v4")) and (
        e.name.lower() == name or (e.group and name.startswith(e.name.lower() + "/")))), "")
