"""GitLab source (gitlab.com or a self-managed instance, REST v4 through python-gitlab): merge
requests into the default branch as canonical PR records, their commits, approvals and first
responses, optionally their pipelines' jobs as check runs, deployments per environment
(production tier), releases or tags, and incidents (issues of type incident).

What is read, per merge request: its notes (system notes give draft → ready and approvals;
notes by someone other than the author and not a bot give the first response), its commits
(first commit, authors with their UTC offsets) and its diffs (lines and files changed); its
closing issues only when the description names one; with ``checks``, its pipelines on the head
commit and their jobs, retries included. About 3 requests per merge request, 5 with checks.

Incremental and resumable: merge requests are read oldest change first
(``order_by=updated_at&sort=asc&updated_after=W``), and each page is written with the new
watermark ``W`` and the merge requests already read at ``W`` in one transaction; the next page
asks again from ``W`` (keyset pagination on ``(updated_at, iid)``, which the merge-request list
does not offer itself), so a merge request updated during the sync is never skipped, a killed
sync resumes where it stopped and nothing is read twice. Deployments and incidents use
``updated_after`` cursors too (incidents with GitLab's keyset pagination). A re-sync of an
unchanged project costs one request per stream (project, merge requests, environments and
their deployments or releases/tags, incidents, the default branch's head); the tree is read
again for the practice audit only when that head moved.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote, urlparse

from ..model import CheckRun, Commit, Deployment, Incident, PullRequest, Review
from ..practice_rules import DEPENDENCY_FILES, MAX_DEPENDENCY_BYTES
from ..source_kinds import AUTO, DEPLOY_CHOICES, GITLAB, MERGES, deployment_source
from ..store import RepoInfo, Store
from .bots import is_bot
from .finish import finish
from .github import MAX_BLOBS, NOT_PRODUCTION, SETTLE, Progress, utc_offset
from .gitlab_api import DEFAULT_GITLAB, GitLabError, Transport, api_root, project_id
from .practices import audit_paths
from .releases import is_prerelease
from .reverts import detect
from .timestamps import iso_time

# a project's full path: namespaces (groups and subgroups) and the project, GitLab's characters
PATH_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}(?:/[A-Za-z0-9_][A-Za-z0-9_.-]{0,254})"
                     r"{1,20}$")
PROJECT_BOT = re.compile(r"^(?:project|group)_\d+_bot(?:_[0-9a-f]+)?$", re.IGNORECASE)
GHOST = "ghost"  # GitLab's "Ghost User" holds what deleted users wrote
READY_NOTE = re.compile(r"marked this merge request as \*\*ready\*\*|unmarked as a \*\*work in "
                        r"progress\*\*|marked this merge request as ready", re.IGNORECASE)
DRAFT_NOTE = re.compile(r"marked this merge request as \*\*draft\*\*|^marked as a \*\*work in "
                        r"progress\*\*", re.IGNORECASE)
APPROVED_NOTE = re.compile(r"^approved this merge request", re.IGNORECASE)
CLOSING = re.compile(r"\b(?:close[sd]?|closing|fix(?:e[sd])?|fixing|resolve[sd]?|resolving|"
                     r"implement(?:s|ed|ing)?)\b:?\s+(?:issues?\s+)?[\w./-]*#\d+", re.IGNORECASE)
REVERTS_MR = re.compile(r"reverts? merge request !(\d+)", re.IGNORECASE)
# job status → the check-run conclusions the CI analysis reads
CONCLUSION = {"success": "success", "failed": "failure", "canceled": "cancelled",
              "skipped": "skipped", "manual": "skipped"}
PER_PAGE = 100
MAX_TREE_PAGES = 100  # 10,000 paths: a larger tree is audited from its first ones (truncated)


@dataclass
class GitLabSyncResult:
    repo: str
    prs: int
    requests: int
    deploy_source: str
    deployments: int
    rate_remaining: int | None = None
    waited: float = 0.0
    warnings: list[str] = field(default_factory=list)


def parse_project(path: str, base_url: str = DEFAULT_GITLAB) -> str:
    """A project's full path (``group/sub/project``) from a path or its web URL."""
    text = (path or "").strip().rstrip("/")
    root = api_root(base_url)
    for prefix in (root + "/", "https://gitlab.com/"):
        text = text.removeprefix(prefix)
    text = text.removesuffix(".git")
    if not PATH_RE.match(text) or "/-/" in f"/{text}/" or ".." in text:
        raise GitLabError(f"{text[:80]!r} is not a GitLab project path: use group/project or "
                          "group/subgroup/project")
    return text


def user_name(user: dict | None) -> str:
    """A GitLab user object's username; "ghost" for a deleted user (GitLab's Ghost User, or no
    user object at all)."""
    return (user or {}).get("username") or GHOST


def user_is_bot(user: dict | None) -> bool:
    """The one bot rule (``sources.bots``), plus GitLab's bot users (``bot: true``, project and
    group access-token bots). A deleted user is no bot."""
    if not user:
        return False
    name = user.get("username") or ""
    return bool(user.get("bot")) or bool(PROJECT_BOT.match(name)) or is_bot(name)


@dataclass
class NoteTimes:
    ready_at: int | None
    first_response_at: int | None
    responder: str
    first_approval_at: int | None
    last_approval_at: int | None
    discussion: int  # notes by people other than the author, bots left out
    reviews: list[tuple[str, int, str]]  # (reviewer, time, state)


def note_times(author: str, created: int | None, notes: list[dict]) -> NoteTimes:
    """What a merge request's notes tell: when it was last marked ready (created, when never a
    draft), the first note or approval at or after that by someone who is neither the author
    nor a bot (feedback on a draft does not end the wait), and the first and last approval by
    such a person."""
    ready = created
    events, approvals, reviews = [], [], []
    discussion = 0
    for n in sorted(notes, key=lambda x: x.get("created_at") or ""):
        t = iso_time(n.get("created_at"))
        if t is None:
            continue
        who = user_name(n.get("author"))
        other = who != author and not user_is_bot(n.get("author"))
        body = n.get("body") or ""
        if n.get("system"):
            if READY_NOTE.search(body):
                ready = t
            elif APPROVED_NOTE.search(body) and other:
                approvals.append(t)
                events.append((t, who))
                reviews.append((who, t, "APPROVED"))
            continue
        if other:
            discussion += 1
            events.append((t, who))
            if n.get("type") == "DiffNote":
                reviews.append((who, t, "COMMENTED"))
    after = [e for e in events if ready is None or e[0] >= ready]
    first = min(after, default=(None, ""))
    return NoteTimes(ready, first[0], first[1], min(approvals, default=None),
                     max(approvals, default=None), discussion, reviews)


def diff_size(diffs: list[dict]) -> tuple[int, int, int]:
    """(additions, deletions, files) of a merge request's diffs."""
    add = rem = 0
    for d in diffs:
        for line in (d.get("diff") or "").splitlines():
            if line.startswith("+") and not line.startswith("+++"):
                add += 1
            elif line.startswith("-") and not line.startswith("---"):
                rem += 1
    return add, rem, len(diffs)


def commit_record(repo: str, iid: int, c: dict, author: dict | None) -> Commit | None:
    """An MR commit as a record (None for a merge commit). Its author is the MR author's
    username when the git name is theirs, else the git name (GitLab gives no login here)."""
    if len(c.get("parent_ids") or []) > 1 or not c.get("authored_date") or not c.get("id"):
        return None
    name = c.get("author_name") or ""
    who = (author or {}).get("username") if author and name and name == author.get("name") \
        else name
    return Commit(repo, c["id"], iso_time(c["authored_date"]), iid, who or "",
                  is_bot(who or "", c.get("author_email") or ""),
                  utc_offset(c["authored_date"]), iso_time(c.get("committed_date")))


def jobs_to_check_runs(repo: str, iid: int, jobs: list[dict]) -> list[CheckRun]:
    """Pipeline jobs (retries included) as check runs: a job retried is the same name again,
    its attempts numbered in the order GitLab created them."""
    seen: dict[tuple[str, str], int] = {}
    out = []
    for j in sorted(jobs, key=lambda x: x.get("id") or 0):
        sha = (j.get("commit") or {}).get("id") or (j.get("pipeline") or {}).get("sha") or ""
        name = j.get("name") or ""
        attempt = seen[(sha, name)] = seen.get((sha, name), 0) + 1
        status = j.get("status") or ""
        conclusion = "neutral" if status == "failed" and j.get("allow_failure") else \
            CONCLUSION.get(status, "")
        out.append(CheckRun(repo, iid, sha, name, conclusion, iso_time(j.get("started_at")),
                            iso_time(j.get("finished_at")), attempt))
    return out


class GitLabClient:
    """Reads one GitLab instance with one token (``Transport`` holds the retries)."""

    def __init__(self, token: str | None, base_url: str = DEFAULT_GITLAB,
                 per_page: int = PER_PAGE, progress: Callable[[Progress], None] | None = None,
                 **transport):
        self.t = Transport(token, base_url, progress=progress, **transport)
        self.per_page = per_page

    @property
    def requests(self) -> int:
        return self.t.requests

    @property
    def warnings(self) -> list[str]:
        return self.t.warnings

    # -- projects --------------------------------------------------------------------------------
    def project(self, path: str) -> dict:
        return self.t.get(f"/projects/{project_id(path)}")

    def group_projects(self, group: str) -> list[str]:
        """The full paths of a group's projects, subgroups included (archived ones left out)."""
        group = parse_project(group + "/x", self.t.root).rsplit("/", 1)[0]
        out = []
        for page in self.t.pages(f"/groups/{project_id(group)}/projects",
                                 {"include_subgroups": "true", "archived": "false",
                                  "order_by": "id", "sort": "asc", "per_page": PER_PAGE}):
            out += [p["path_with_namespace"] for p in page if p.get("path_with_namespace")]
        return out

    def sync(self, store: Store, path: str, since: str | None = None,
             deployments: str = AUTO, environment: str | None = None, account_key: str = "",
             checks: bool = False, private_owner: Callable[[str], str] | None = None
             ) -> GitLabSyncResult:
        """Sync merge requests, deployments and incidents of the project at ``path``. A private
        (or internal) project belongs to ``private_owner(full path)`` (which may refuse it by
        raising), by default to ``account_key``."""
        path = parse_project(path, self.t.root)
        if deployments not in DEPLOY_CHOICES:
            raise GitLabError(f"unknown deployment source {deployments!r}: use one of "
                              f"{', '.join(DEPLOY_CHOICES)}")
        self.t.state = Progress(repo=path, stage="project")
        meta = self.project(path)
        full = meta.get("path_with_namespace") or path
        pid = project_id(full)
        base = meta.get("default_branch") or "main"
        u = urlparse(self.t.root)
        host = u.netloc + u.path.rstrip("/")
        prev = store.repo_info(full) if full in store.repos() else None
        owner_key = ""
        if (meta.get("visibility") or "private") != "public":
            owner_key = private_owner(full) if private_owner else account_key
        store.upsert_repo(RepoInfo(full, GITLAB.key, False, base,
                                   prev.deploy_source if prev else "", host, owner_key))
        run = store.start_sync(full, GITLAB.key)
        self.t.beat = lambda: store.heartbeat(full)
        try:
            n = self._sync_mrs(store, full, pid, base, since, checks)
            src, n_dep = self._sync_deployments(store, full, pid, deployments, environment,
                                                prev.deploy_source if prev else "")
            self._sync_incidents(store, full, pid)
            done = finish(store, full, None if src else [], src, checks=checks)
            src, n_dep = done.deploy_source, n_dep if src else done.deployments
            head = self._head(pid, base)
            if head and (store.audit(full) or {}).get("head") != head:  # the tree changed
                store.set_audit(full, self.tree_audit(pid, base, head))
        except Exception as exc:
            store.finish_sync(run, "failed", self.requests, 0, 0, str(exc)[:500])
            raise
        if self.t.waited:
            self.warnings.append(f"waited {self.t.waited:.0f} s for GitLab (rate limits and "
                                 "retries)")
        if self.t.rate_remaining is not None:
            limit = f" of {self.t.rate_limit:,}" if self.t.rate_limit else ""
            self.warnings.append(f"GitLab rate limit: {self.t.rate_remaining:,}{limit} "
                                 "requests left at the lowest")
        if n == 0 and store.count_prs(full) == 0:
            self.warnings.append(f"{full} has no merge requests into {base}")
        store.finish_sync(run, "ok", self.requests, 0, n, "; ".join(self.warnings))
        self.t.report(stage="done")
        return GitLabSyncResult(full, n, self.requests, src, n_dep, self.t.rate_remaining,
                                self.t.waited, list(self.warnings))

    # -- the tree at HEAD (practice audit) -----------------------------------------------------
    def _head(self, pid: str, base: str) -> str:
        """The default branch's head commit ('' for an empty repository)."""
        try:
            branch = self.t.get(f"/projects/{pid}/repository/branches/{quote(base, safe='')}")
        except GitLabError as exc:
            if "404" in str(exc):
                return ""
            raise
        return (branch.get("commit") or {}).get("id") or ""

    def tree_audit(self, pid: str, base: str, head: str) -> dict:
        """The practice audit of the tree at ``base``: its paths (keyset pages of 100, at most
        ``MAX_TREE_PAGES``) and the dependency files' texts (one request each, at most
        ``MAX_BLOBS``). GitLab gives no history pass here, as GitHub does not."""
        self.t.report(stage="tree")
        paths: list[str] = []
        pages = 0
        truncated = False
        for page in self.t.pages(f"/projects/{pid}/repository/tree",
                                 {"ref": base, "recursive": "true", "per_page": PER_PAGE,
                                  "pagination": "keyset"}):
            paths += [e["path"] for e in page if e.get("type") == "blob" and e.get("path")]
            pages += 1
            if pages >= MAX_TREE_PAGES:
                truncated = True
                break
        texts: dict[str, str] = {}
        for p in [p for p in paths if DEPENDENCY_FILES.match(p)][:MAX_BLOBS]:
            text = self.t.text(f"/projects/{pid}/repository/files/{quote(p, safe='')}/raw",
                               {"ref": base}, limit=MAX_DEPENDENCY_BYTES)
            if text is not None:
                texts[p] = text
        audit = audit_paths(paths, texts)
        audit.update(source=GITLAB.key, head=head, read_at=int(time.time()), first_seen={},
                     history="unavailable", history_from=None, truncated=truncated)
        return audit

    # -- merge requests ------------------------------------------------------------------------
    def _sync_mrs(self, store: Store, repo: str, pid: str, base: str, since: str | None,
                  checks: bool) -> int:
        stream = f"mrs:{base}"
        watermark = store.get_cursor(repo, stream + ":watermark")
        seen = set(json.loads(store.get_cursor(repo, stream + ":seen") or "[]"))
        if since and not watermark:
            watermark = since if "T" in since else since + "T00:00:00Z"
        count, pages = 0, 0
        self.t.report(stage="merge requests")
        burst: str | None = None  # a next link, while more than a page share one update time
        while True:
            params = {"state": "all", "target_branch": base, "order_by": "updated_at",
                      "sort": "asc", "per_page": self.per_page}
            if watermark:
                params["updated_after"] = watermark
            items, nxt = self.t.page(burst or f"/projects/{pid}/merge_requests",
                                     None if burst else params)
            pages += 1
            fresh = [m for m in items if not (m.get("updated_at") == watermark
                                              and m.get("iid") in seen)]
            prs, commits, reviews, runs = [], [], [], []
            for m in fresh:
                pr, cs, rs, crs = self._merge_request(repo, pid, m, checks)
                prs.append(pr)
                commits += cs
                reviews += rs
                runs += crs
            if items:
                top = max(m.get("updated_at") or "" for m in items)
                at_top = {m["iid"] for m in items if m.get("updated_at") == top}
                seen = (seen | at_top) if top == watermark else at_top
                watermark = top
            store.write_batch(repo, prs, cursors={stream + ":watermark": watermark,
                                                  stream + ":seen": json.dumps(sorted(seen))},
                              commits=commits, reviews=reviews, check_runs=runs)
            count += len(prs)
            self.t.report(pages=pages, prs=count)
            if len(items) < self.per_page or not nxt:
                return count
            # a full page of one update time cannot move the watermark: follow GitLab's link
            burst = nxt if not fresh or all(m.get("updated_at") == watermark
                                            for m in items) else None

    def _all(self, path: str, params: dict | None = None) -> list[dict]:
        out: list[dict] = []
        for page in self.t.pages(path, {"per_page": PER_PAGE, **(params or {})}):
            out += page
        return out

    def _merge_request(self, repo: str, pid: str, m: dict, checks: bool
                       ) -> tuple[PullRequest, list[Commit], list[Review], list[CheckRun]]:
        iid = int(m["iid"])
        at = f"/projects/{pid}/merge_requests/{iid}"
        author_obj = m.get("author")
        author = user_name(author_obj)
        created = iso_time(m.get("created_at"))
        notes = self._all(at + "/notes", {"sort": "asc", "order_by": "created_at"})
        nt = note_times(author, created, notes)
        raw_commits = self._all(at + "/commits")
        commits = [c for x in raw_commits if (c := commit_record(repo, iid, x, author_obj))]
        authored = [t for x in raw_commits if (t := iso_time(x.get("authored_date")))]
        additions, deletions, files = diff_size(self._all(at + "/diffs"))
        issue_labels: tuple[str, ...] = ()
        description = m.get("description") or ""
        if CLOSING.search(description):
            issue_labels = tuple(_label(lbl) for i in self._all(at + "/closes_issues")
                                 for lbl in i.get("labels") or [])
        runs = self._check_runs(repo, pid, iid, m) if checks else []
        title = m.get("title") or ""
        # the one revert definition, and GitLab's revert button's "This reverts merge request !N"
        is_revert, reverted_number = detect(title, m.get("source_branch") or "", description)
        reverted = REVERTS_MR.search(description)
        if reverted:
            is_revert, reverted_number = True, int(reverted.group(1))
        merged = iso_time(m.get("merged_at"))
        merger = m.get("merge_user") or m.get("merged_by")
        sha = m.get("merge_commit_sha") or m.get("squash_commit_sha") or (
            m.get("sha") if merged else "") or ""
        pr = PullRequest(
            repo=repo, number=iid, title=title, author=author,
            author_is_bot=user_is_bot(author_obj), created_at=created, ready_at=nt.ready_at,
            first_commit_at=min(authored, default=None),
            first_response_at=nt.first_response_at, first_responder=nt.responder,
            first_approval_at=nt.first_approval_at, last_approval_at=nt.last_approval_at,
            merged_at=merged, closed_at=iso_time(m.get("closed_at")) or merged,
            merged_by=user_name(merger) if merged and merger else "",
            base_ref=m.get("target_branch") or "", head_ref=m.get("source_branch") or "",
            additions=additions, deletions=deletions, changed_files=files,
            n_comments=nt.discussion, labels=tuple(_label(x) for x in m.get("labels") or []),
            linked_issue_labels=issue_labels, merge_commit_sha=sha,
            is_draft=bool(m.get("draft", m.get("work_in_progress"))),
            is_revert=is_revert, reverted_number=reverted_number,
            url=m.get("web_url") or "")
        reviews = [Review(repo, iid, who, t, state) for who, t, state in nt.reviews]
        return pr, commits, reviews, runs

    def _check_runs(self, repo: str, pid: str, iid: int, m: dict) -> list[CheckRun]:
        """The jobs (retries included) of the MR's pipelines on its head commit."""
        head = m.get("sha") or ""
        pipelines = self._all(f"/projects/{pid}/merge_requests/{iid}/pipelines")
        on_head = [p for p in pipelines if p.get("sha") == head] or pipelines[:1]
        jobs: list[dict] = []
        for p in on_head:
            jobs += self._all(f"/projects/{pid}/pipelines/{p['id']}/jobs",
                              {"include_retried": "true"})
        return jobs_to_check_runs(repo, iid, jobs)

    # -- deployments: environments (production tier) → releases → tags → merges ---------------
    def _sync_deployments(self, store: Store, repo: str, pid: str, choice: str,
                          environment: str | None, previous: str) -> tuple[str, int]:
        """Deployments from the chosen source (``auto``: the one used before, else the first
        of GitLab's that has any). The same source as before adds what is new; another
        replaces the old list. ("", 0) when none had any."""
        self.t.report(stage="deployments")
        stored = store.deployments(repo)
        order = [choice] if choice != AUTO else (
            [previous] if previous else list(GITLAB.deployment_sources))
        for src in order:
            if src == MERGES:
                break
            if src not in GITLAB.deployment_sources:
                continue
            same = src == previous
            known = {d.id: d.created_at for d in stored} if same else {}
            if src == "deployments":
                deps = [d for d in self._environment_deployments(store, repo, pid, environment,
                                                                 same) if d.id not in known]
            else:
                deps = self._releases_or_tags(repo, pid, src, known)
            if deps or (same and known):
                store.keep_deployments(repo, deps, src, same)
                return src, len(deps)
        return "", 0

    def _environment_deployments(self, store: Store, repo: str, pid: str,
                                 environment: str | None, same: bool) -> list[Deployment]:
        envs = self._all(f"/projects/{pid}/environments")
        if environment:
            names = [e["name"] for e in envs if e.get("name") == environment] or [environment]
        else:
            names = [e["name"] for e in envs if e.get("name") and (
                e.get("tier") == "production" if e.get("tier")
                else not NOT_PRODUCTION.search(e["name"]))]
        record = deployment_source("deployments").record
        out: list[Deployment] = []
        for name in names:
            stream = f"deploy:{name}:watermark"
            watermark = store.get_cursor(repo, stream) if same else None
            params = {"environment": name, "status": "success", "order_by": "updated_at",
                      "sort": "asc"}
            if watermark:
                params["updated_after"] = watermark
            newest = watermark
            for d in self._all(f"/projects/{pid}/deployments", params):
                when = iso_time(d.get("finished_at") or d.get("created_at"))
                if when is None:
                    continue
                out.append(Deployment(repo, f"deploy-{d['id']}", when, d.get("sha") or "", name,
                                      record))
                newest = max(filter(None, [newest, d.get("updated_at")]), default=None)
            store.set_cursor(repo, stream, newest)
        return out

    def _releases_or_tags(self, repo: str, pid: str, src: str,
                          known: dict[str, int]) -> list[Deployment]:
        if src == "releases":
            path, params = f"/projects/{pid}/releases", {"order_by": "released_at",
                                                         "sort": "desc"}
        else:
            path, params = f"/projects/{pid}/repository/tags", {"order_by": "updated",
                                                                 "sort": "desc"}
        settled = max(known.values(), default=0) - SETTLE
        out = []
        for page in self.t.pages(path, {"per_page": PER_PAGE, **params}):
            stop = False
            for node in page:
                dep = _release(repo, node) if src == "releases" else _tag(repo, node)
                if dep is None:
                    continue
                if dep.id in known:
                    stop = dep.created_at < settled
                    if stop:
                        break
                    continue
                out.append(dep)
            if stop:
                break
        return out

    # -- incidents -------------------------------------------------------------------------------
    def _sync_incidents(self, store: Store, repo: str, pid: str) -> int:
        """Issues of type incident (opened → closed), changed since the last sync (keyset
        pagination). Placed on deployments by the finishing step."""
        self.t.report(stage="incidents")
        stream = "incidents:watermark"
        watermark = store.get_cursor(repo, stream)
        params = {"issue_type": "incident", "order_by": "updated_at", "sort": "asc",
                  "pagination": "keyset", "per_page": PER_PAGE}
        if watermark:
            params["updated_after"] = watermark
        count = 0
        for page in self.t.pages(f"/projects/{pid}/issues", params):
            out = [Incident(repo, f"issue-{i['iid']}", iso_time(i["created_at"]),
                            iso_time(i.get("closed_at")), "issue", (str(i["iid"]),))
                   for i in page if i.get("iid") is not None and i.get("created_at")]
            if page:
                watermark = max(filter(None, [watermark, *(i.get("updated_at") for i in page)]))
            store.write_batch(repo, incidents=out, cursors={stream: watermark})
            count += len(out)
        return count


def _label(x) -> str:
    return x.get("name", "") if isinstance(x, dict) else str(x)


def _release(repo: str, node: dict) -> Deployment | None:
    if node.get("upcoming_release") or not node.get("tag_name") or is_prerelease(
            node["tag_name"]):
        return None
    when = iso_time(node.get("released_at") or node.get("created_at"))
    if when is None:
        return None
    return Deployment(repo, node["tag_name"], when, (node.get("commit") or {}).get("id", ""), "",
                      "releases")


def _tag(repo: str, node: dict) -> Deployment | None:
    commit = node.get("commit") or {}
    if not node.get("name") or is_prerelease(node["name"]):
        return None
    # an annotated tag's time is when it was made; a lightweight tag's, its commit's
    when = iso_time(node.get("created_at") or commit.get("committed_date")
                    or commit.get("created_at"))
    if when is None:
        return None
    return Deployment(repo, node["name"], when, commit.get("id", ""), "", "tags")
