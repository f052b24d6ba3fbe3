"""What the Data page does, apart from laying it out: pick the token for a GitHub or GitLab
sync and the
account it belongs to, check what this instance may call or read, and hand the request — with
the ``Visitor`` who asks — to the one sync entry (``sources.sync``), which holds the
private-data rules; uploaded files go through a private temporary folder. The page calls these
and shows the messages they return."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from ..config import check_api_url, check_clone_path, max_upload_bytes
from ..source_kinds import GIT, GIT_CSV, GITHUB, GITLAB, IMPORT, kind_of
from ..sources.files import ImportError_
from ..sources.github import Progress
from ..sources.sync import SyncRequest, Visitor, sync
from ..store import Store
from .state import account_key

ANONYMOUS = Visitor()  # a signed-out visitor who synced with no token yet


@dataclass
class Outcome:
    """Messages for the page, as (kind, text) with kind one of Streamlit's success/info/
    warning/error, and the account the session now acts as (None = unchanged)."""

    messages: list[tuple[str, str]] = field(default_factory=list)
    account: str | None = None


def server_token(name: str = "GITHUB_TOKEN") -> str | None:
    """The server's own token (``name``: ``GITHUB_TOKEN`` or ``GITLAB_TOKEN``): Streamlit
    secrets, else the environment."""
    try:
        token = st.secrets.get(name)  # raises without a secrets.toml
    except Exception:  # noqa: BLE001 - Streamlit raises several kinds here
        token = None
    return token or os.environ.get(name) or None


def sync_github(store: Store, repo: str, typed_token: str, base_url: str, deployments: str,
                workflow: str | None, progress: Callable[[Progress], None],
                owner: str = "", visitor: Visitor = ANONYMOUS, files: bool = False) -> Outcome:
    """Sync ``repo`` with the typed token (this session only), else the server's. The server's
    token only goes to a configured API URL, and a hosted instance calls no other host (raises
    ``SettingError`` before any request). Who a private repository belongs to, and whether the
    server's token may read it for this ``visitor`` at all, is the sync entry's rule
    (``sources.sync``): the account key they chose (``owner``: theirs or one of their
    groups'), else their typed token's. ``files``: each PR's changed files too (teams by
    paths). Raises ``GitHubError``, ``SettingError`` or ``StoreError``."""
    token = typed_token or server_token()
    base_url = check_api_url(base_url, server_token=not typed_token and bool(token))
    r = sync(store, SyncRequest(GITHUB.key, repo, token=token, base_url=base_url,
                                deployments=deployments, workflow=workflow or None,
                                account_key=owner, progress=progress, visitor=visitor,
                                server_token=not typed_token, files=files))
    out = Outcome(account=account_key(typed_token) if typed_token and not owner else None)
    out.messages.append(("success", f"{r.repo}: {r.prs:,} PRs with {r.requests} requests and "
                                    f"{r.points} points ({r.points_per_pr:.3f} per PR); "
                                    f"deployments from {r.deploy_source}."))
    out.messages += [("warning", w) for w in r.warnings]
    return out


def sync_gitlab(store: Store, project: str, typed_token: str, base_url: str,
                deployments: str, environment: str | None, checks: bool,
                progress: Callable[[Progress], None], owner: str = "",
                visitor: Visitor = ANONYMOUS) -> Outcome:
    """Sync a GitLab project with the typed token (this session only), else the server's
    ``GITLAB_TOKEN``, which only goes to a configured GitLab URL (``CASESTUDY_GITLAB_URLS``);
    a hosted instance calls no other GitLab at all (raises ``SettingError`` before any
    request). The private-data rules are the sync entry's, as for GitHub. Raises
    ``GitLabError``, ``SettingError`` or ``StoreError``."""
    token = typed_token or server_token("GITLAB_TOKEN")
    base_url = check_api_url(base_url, server_token=not typed_token and bool(token),
                             forge=GITLAB.key)
    r = sync(store, SyncRequest(GITLAB.key, project, token=token, base_url=base_url,
                                deployments=deployments, environment=environment or None,
                                checks=checks, account_key=owner, progress=progress,
                                visitor=visitor, server_token=not typed_token))
    out = Outcome(account=account_key(typed_token) if typed_token and not owner else None)
    per = r.requests / r.prs if r.prs else 0.0
    out.messages.append(("success", f"{r.repo}: {r.prs:,} merge requests with {r.requests} "
                                    f"requests ({per:.1f} per MR); deployments from "
                                    f"{r.deploy_source}."))
    out.messages += [("warning", w) for w in r.warnings]
    return out


def read_clone(store: Store, path: str, name: str = "", branch: str = "",
               owner: str = "", visitor: Visitor = ANONYMOUS) -> Outcome:
    """Read a local clone's history (hosted: only inside the configured folder). Raises
    ``GitSourceError`` or ``SettingError``."""
    r = sync(store, SyncRequest(GIT.key, str(check_clone_path(path)), repo=name or None,
                                branch=branch or None, account_key=owner, visitor=visitor))
    return Outcome([
        ("success", f"{r.prs:,} PRs and {r.tags:,} release tags from {r.commits:,} commits."),
        ("info", kind_of(r.kind).sync_note)])


def import_uploads(store: Store, files: list[tuple[str, bytes]], layout: str,
                   owner: str = "", visitor: Visitor = ANONYMOUS) -> Outcome:
    """Import uploaded files (name, content) laid out as canonical tables or git-prs CSVs, all
    in one transaction: a bad file loads nothing. Only the base name of each upload is used;
    the total is capped (``max_upload_bytes``; the server refuses larger uploads before they
    arrive, ``server.maxUploadSize``), and each file's rows and decoded size before it is read
    (``sources.file_bounds``). Raises ``ImportError_`` (or ``StoreError``)."""
    total = sum(len(data) for _, data in files)
    if total > max_upload_bytes():
        raise ImportError_(f"the upload is {total / 2**20:.1f} MB; this instance takes at most "
                           f"{max_upload_bytes() / 2**20:.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for name, data in files:
            path = Path(tmp) / Path(name).name
            path.write_bytes(data)
            paths.append(path)
        with store.transaction():
            if layout == "canonical tables":
                counts = sync(store, SyncRequest(IMPORT.key, tmp, account_key=owner,
                                                 visitor=visitor)).tables
            else:
                counts = {}
                for path in paths:
                    if path.name.endswith(".tags.csv"):  # read with the CSV it belongs to
                        continue
                    counts.update(sync(store, SyncRequest(GIT_CSV.key, str(path),
                                                          account_key=owner,
                                                          visitor=visitor)).repos)
    return Outcome([("success", "Imported: " + ", ".join(f"{k} {v:,}"
                                                         for k, v in counts.items()))])
