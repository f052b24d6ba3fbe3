"""The repository list of a hosted instance (a TOML file): which repositories to keep synced,
from where, with which deployment source, and the peers each is compared with.

    [[repo]]
    name = "psf/requests"            # GitHub owner/name (synced with $GITHUB_TOKEN)
    peers = ["pallets/flask"]
    deployments = "releases"         # auto | deployments | workflow | releases | tags | merges
    environment = "production"       # optional, Deployments API
    workflow = "deploy.yml"          # optional, workflow runs
    base_url = "https://api.github.com"  # optional (must be a configured API URL)

    [[repo]]
    name = "acme/private-service"    # a private repository ...
    owner = "group:acme-eng"         # ... belongs to this owner: group:NAME, email:ADDRESS,
                                     # person:ISSUER SUBJECT; default: the token's own key

    [[repo]]
    name = "numpy/numpy"
    path = "/srv/clones/numpy"       # a local clone instead of the API

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

from ..source_kinds import AUTO, DEPLOY_CHOICES
from ..store.keys import OwnerError, parse_owner
from .github import GitHubError, parse_repo


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
        if e.path is None:
            try:
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
                out.append(Entry(peer))
    return out


LIST_ENV = "CASESTUDY_REPOS"  # the operator's list, which the app reads as its allow-list


def listed_owner(repo: str) -> str:
    """The owner key the operator's list (``$CASESTUDY_REPOS``) gives ``repo`` ('' when the
    list does not name it with an owner, or there is no list)."""
    path = os.environ.get(LIST_ENV, "").strip()
    if not path:
        return ""
    try:
        entries = read_repo_list(Path(path))
    except RepoListError:
        return ""  # a broken list allows nothing
    return next((e.owner_key for e in entries if e.name.lower() == repo.lower()), "")
