"""A fake GitLab (REST v4) on 127.0.0.1 for tests: serves generated projects and groups in the
shapes of GitLab's API documentation (merge requests, notes, commits, diffs, pipelines and
jobs, environments, deployments, releases, tags, issues), paginates like GitLab (offset pages
with ``Link``/``X-Total`` headers; keyset pages with a cursor where GitLab offers them), sends
``RateLimit-*`` headers, counts requests and injects faults on demand (429 with
``Retry-After``, 502, time-outs, malformed bodies, dropped connections)."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlencode, urlparse

import numpy as np

GHOST = {"id": 1, "username": "ghost", "name": "Ghost User", "state": "active"}


def iso(ts: float | None) -> str | None:
    """GitLab's time format (milliseconds, UTC)."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def local(ts: float, offset_h: int) -> str:
    """A git date on the author's own clock, as GitLab writes commit dates."""
    tz = timezone(timedelta(hours=offset_h))
    return datetime.fromtimestamp(ts, tz=tz).isoformat(timespec="milliseconds")


def user(uid: int, username: str, bot: bool = False) -> dict:
    return {"id": uid, "username": username, "name": username.replace("_", " ").title(),
            "state": "active", "bot": bot,
            "web_url": f"https://gitlab.example/{username}"}


@dataclass
class FakeProject:
    path: str  # path_with_namespace
    id: int
    default_branch: str = "main"
    visibility: str = "public"
    mrs: list[dict] = field(default_factory=list)
    environments: list[dict] = field(default_factory=list)
    deployments: list[dict] = field(default_factory=list)
    releases: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    truth: dict[int, dict] = field(default_factory=dict)  # what the records must say, per iid
    # the tree at the default branch's head: path -> text
    files: dict[str, str] = field(default_factory=lambda: {
        "README.md": "# widgets\n", "src/widgets/core.py": "x = 1\n",
        "tests/test_core.py": "def test(): pass\n", ".gitlab-ci.yml": "test:\n  script: pytest\n",
        "requirements.txt": "torch==2.3.1\nnumpy==1.26.4\n"})
    head: str = "f" * 40

    @property
    def namespace(self) -> str:
        return self.path.rsplit("/", 1)[0]


def generate_project(path: str, n: int, seed: int = 1, pid: int = 7,
                     start: float = 1.7e9) -> FakeProject:
    """A project with ``n`` merge requests and the truth the sync must reproduce.

    Besides ordinary merge requests it holds what real GitLab data has: drafts marked ready by
    a system note (with a reviewer's feedback on the draft before that), approvals as system
    notes (also by bots and by the author, which do not count), deleted users (GitLab's Ghost
    User), bot users (``bot: true`` and project access-token bots), notes on several pages,
    merge requests into another branch, merge commits among an MR's commits, retried jobs."""
    rng = np.random.default_rng(seed)
    p = FakeProject(path, pid)
    people = [user(100 + i, f"dev{i}") for i in range(20)]
    bots = [user(90, "renovate-bot", bot=True), user(91, f"project_{pid}_bot_3f2a", bot=True)]
    t = start
    note_id = 1000 * pid
    pipe_id = 5000 * pid
    job_id = 90000 * pid
    for iid in range(1, n + 1):
        t += float(rng.exponential(3600))
        r = rng.random()
        author = bots[0] if r < 0.06 else (GHOST if r < 0.09 else people[int(rng.integers(20))])
        created = t
        draft = rng.random() < 0.15
        ready = created + (float(rng.exponential(7200)) if draft else 0.0)
        notes: list[dict] = []

        def note(ts: float, who: dict | None, body: str, system: bool = False,
                 kind: str | None = None, notes: list[dict] = notes, iid: int = iid) -> None:
            nonlocal note_id
            note_id += 1
            notes.append({"id": note_id, "type": kind, "body": body, "author": who,
                          "created_at": ts, "system": system, "noteable_iid": iid,
                          "noteable_type": "MergeRequest", "resolvable": kind == "DiffNote"})

        if draft:
            note(created + 1, author, "marked this merge request as **draft**", system=True)
            # a reviewer's feedback on the draft does not end the wait
            note(created + (ready - created) / 2, people[int(rng.integers(20))], "early idea")
            note(ready, author, "marked this merge request as **ready**", system=True)
        human_times, approvals = [], []
        nt = ready
        for _ in range(int(rng.integers(0, 5)) + (120 if rng.random() < 0.02 else 0)):
            nt += float(rng.exponential(2400))
            k = rng.random()
            if k < 0.25:
                who = author
            elif k < 0.4:
                who = bots[int(rng.integers(2))]
            elif k < 0.45:
                who = GHOST if author is not GHOST else people[0]
            else:
                who = people[int(rng.integers(20))]
            if rng.random() < 0.3:  # an approval, as GitLab records it: a system note
                note(nt, who, "approved this merge request", system=True)
                if who is not author and not who.get("bot"):
                    approvals.append(nt)
                    human_times.append(nt)
            else:
                note(nt, who, "looks fine" if k > 0.5 else "nit", kind="DiffNote"
                     if rng.random() < 0.5 else "DiscussionNote")
                if who is not author and not who.get("bot"):
                    human_times.append(nt)
        merged = closed = None
        state = "opened"
        if rng.random() < 0.85:
            merged = max([ready, *[x["created_at"] for x in notes]]) + float(
                rng.exponential(3600))
            state = "merged"
        elif rng.random() < 0.5:
            closed = ready + float(rng.exponential(86400))
            state = "closed"
        target = "main" if rng.random() < 0.9 else "stable"
        offset = int(rng.integers(-8, 10))
        first_commit = created - float(rng.exponential(86400))
        commits = []
        ct = first_commit
        name = author["name"]
        for k in range(int(rng.integers(1, 4))):
            sha = f"{pid:04x}{iid:06x}{k:02x}".ljust(40, "a")
            commits.append({"id": sha, "short_id": sha[:8], "title": f"work {k}",
                            "author_name": name, "author_email": f"{author['username']}@ex.org",
                            "authored_date": local(ct, offset), "committer_name": name,
                            "committed_date": local(ct + 60, offset),
                            "parent_ids": ["b" * 40]})
            ct += float(rng.exponential(3600))
        if rng.random() < 0.1:  # a merge of the target branch into the MR: no coding
            commits.append({"id": f"{pid:04x}{iid:06x}ff".ljust(40, "c"), "title": "Merge",
                            "author_name": name, "author_email": "x@ex.org",
                            "authored_date": local(ct, offset), "committed_date": local(ct, 0),
                            "parent_ids": ["b" * 40, "d" * 40]})
        head = commits[-1]["id"]
        diffs = []
        add = rem = 0
        for f in range(int(rng.integers(1, 4)) + (110 if rng.random() < 0.02 else 0)):
            a, d = int(rng.integers(0, 6)), int(rng.integers(0, 3))
            add, rem = add + a, rem + d
            diffs.append({"old_path": f"src/f{f}.py", "new_path": f"src/f{f}.py",
                          "new_file": False, "deleted_file": False, "renamed_file": False,
                          "diff": "@@ -1,2 +1,2 @@\n" + "+x\n" * a + "-y\n" * d + " z\n"})
        revert = rng.random() < 0.03 and iid > 5
        title = f'Revert "Change {iid - 3}"' if revert else (
            f"fix: bug {iid}" if rng.random() < 0.3 else f"Change {iid}")
        closes = rng.random() < 0.2 and not revert
        description = (f"This reverts merge request !{iid - 3}" if revert else
                       (f"Closes #{iid + 1000}" if closes else "Some change."))
        labels = ["bug"] if "fix" in title and rng.random() < 0.5 else []
        pipelines = []
        for sha in ([commits[0]["id"]] if len(commits) > 1 else []) + [head]:
            pipe_id += 1
            jobs = []
            for jname in ("lint", "test"):
                job_id += 1
                st = created + 120
                fail_first = jname == "test" and rng.random() < 0.2
                jobs.append({"id": job_id, "name": jname, "stage": "test",
                             "status": "failed" if fail_first else "success",
                             "allow_failure": False, "started_at": st,
                             "finished_at": st + 300, "commit": {"id": sha},
                             "pipeline": {"id": pipe_id, "sha": sha}})
                if fail_first:  # retried, then passed
                    job_id += 1
                    jobs.append({**jobs[-1], "id": job_id, "status": "success",
                                 "started_at": st + 400, "finished_at": st + 700})
            pipelines.append({"id": pipe_id, "iid": pipe_id, "sha": sha, "ref":
                              f"refs/merge-requests/{iid}/head", "status": "success",
                              "source": "merge_request_event", "created_at": created + 100,
                              "updated_at": created + 800, "jobs": jobs})
        updated = max([created, ready, merged or 0, closed or 0,
                       *[x["created_at"] for x in notes]])
        p.mrs.append({
            "id": pid * 100000 + iid, "iid": iid, "project_id": pid, "title": title,
            "description": description, "state": state, "created_at": created,
            "updated_at": updated, "merged_at": merged, "closed_at": closed,
            "target_branch": target, "source_branch": f"feature-{iid}", "author": author,
            "merge_user": people[0] if merged else None, "draft": draft and state == "opened",
            "work_in_progress": draft and state == "opened", "labels": labels,
            "merge_commit_sha": f"{iid:040x}" if merged else None, "squash_commit_sha": None,
            "sha": head, "web_url": f"https://gitlab.example/{path}/-/merge_requests/{iid}",
            "user_notes_count": sum(1 for x in notes if not x["system"]),
            "notes": notes, "commits": commits, "diffs": diffs, "pipelines": pipelines,
            "closes_issues": [{"iid": iid + 1000, "labels": ["bug", "p1"]}] if closes else []})
        after = [x for x in human_times if x >= ready]
        p.truth[iid] = {
            "author": author["username"], "author_is_bot": bool(author.get("bot")),
            "created_at": int(created), "ready_at": int(ready),
            "first_commit_at": int(first_commit),
            "first_response_at": int(min(after)) if after else None,
            "first_approval_at": int(min(approvals)) if approvals else None,
            "last_approval_at": int(max(approvals)) if approvals else None,
            "merged_at": int(merged) if merged else None,
            "closed_at": int(merged or closed) if (merged or closed) else None,
            "additions": add, "deletions": rem, "changed_files": len(diffs),
            "labels": tuple(labels), "linked_issue_labels": ("bug", "p1") if closes else (),
            "is_revert": revert, "reverted_number": iid - 3 if revert else None,
            "target": target, "offset": offset * 3600,
            "commits": sum(1 for c in commits if len(c["parent_ids"]) == 1),
            "jobs": sum(len(pl["jobs"]) for pl in pipelines if pl["sha"] == head)}
    p.environments = [{"id": 1, "name": "production", "tier": "production", "state": "available"},
                      {"id": 2, "name": "staging", "tier": "staging", "state": "available"},
                      {"id": 3, "name": "review/feature-1", "tier": "development",
                       "state": "stopped"}]
    merged_mrs = [m for m in p.mrs if m["merged_at"] and m["target_branch"] == "main"]
    dep_id = 0
    for k in range(0, len(merged_mrs), 4):
        m = merged_mrs[k]
        for env in ("production", "staging"):
            dep_id += 1
            status = "failed" if rng.random() < 0.1 else "success"
            when = m["merged_at"] + (7200 if env == "production" else 600)
            p.deployments.append({"id": dep_id, "iid": dep_id, "ref": "main",
                                  "sha": m["merge_commit_sha"], "created_at": when - 300,
                                  "updated_at": when, "finished_at": when, "status": status,
                                  "environment": {"id": 1 if env == "production" else 2,
                                                  "name": env}})
    for k, m in enumerate(merged_mrs[::10]):
        tag = f"v1.{k}.0"
        p.tags.append({"name": tag, "message": "", "target": m["merge_commit_sha"],
                       "created_at": m["merged_at"] + 3600,
                       "commit": {"id": m["merge_commit_sha"],
                                  "committed_date": iso(m["merged_at"]),
                                  "created_at": iso(m["merged_at"])}})
        p.releases.append({"tag_name": tag, "name": tag, "released_at": m["merged_at"] + 3600,
                           "created_at": m["merged_at"] + 3600, "upcoming_release": False,
                           "commit": {"id": m["merge_commit_sha"]}})
    p.tags.append({"name": "v2.0.0-rc1", "message": "", "target": "e" * 40, "created_at": None,
                   "commit": {"id": "e" * 40, "committed_date": iso(t), "created_at": iso(t)}})
    for k in range(max(2, n // 40)):
        opened = start + (k + 1) * (t - start) / (n // 40 + 2)
        p.issues.append({"id": pid * 1000 + k, "iid": 500 + k, "title": f"Outage {k}",
                         "issue_type": "incident", "type": "INCIDENT", "state": "closed",
                         "created_at": opened, "updated_at": opened + 5400,
                         "closed_at": opened + 5400, "labels": ["incident"]})
    return p


def touch(p: FakeProject, iid: int, when: float | None = None) -> None:
    """Someone comments on merge request ``iid`` now: it moves to the top of "recently
    updated"."""
    m = next(x for x in p.mrs if x["iid"] == iid)
    now = when or time.time()
    m["notes"].append({"id": 10**9 + len(m["notes"]), "type": None, "body": "ping",
                       "author": user(500, "late-reviewer"), "created_at": now, "system": False})
    m["updated_at"] = now


@dataclass
class Fault:
    kind: str
    times: int
    when: str


def _out(obj, times=("created_at", "updated_at", "merged_at", "closed_at", "started_at",
                     "finished_at", "released_at")):
    """An object as GitLab would send it: times in ISO, private keys left out."""
    if isinstance(obj, list):
        return [_out(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out = {}
    for k, v in obj.items():
        if k in ("notes", "commits", "diffs", "pipelines", "closes_issues", "jobs"):
            continue
        out[k] = iso(v) if k in times and isinstance(v, int | float) else _out(v)
    return out


class FakeGitLab:
    """``with FakeGitLab() as gl: gl.url`` — a server thread on 127.0.0.1."""

    def __init__(self, tokens: dict[str, set[str]] | None = None):
        self.projects: dict[str, FakeProject] = {}
        self.groups: dict[str, list[str]] = {}
        # token -> the private projects it may read
        self.tokens = tokens if tokens is not None else {"glpat-good": set()}
        self.requests = 0
        self.by_kind: dict[str, int] = {}
        self.faults: list[Fault] = []
        self.log: list[str] = []
        # GitLab's budget per window (gitlab.com: 2,000 per minute); the window starts again
        # once spent, after the one response that says 0 is left
        self.rate_limit = 2000
        self.rate_remaining = self.rate_limit
        self.lock = threading.Lock()
        self.delay = 0.0
        self.link_base = ""  # the host page links name ('' = this server's own URL)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, p: FakeProject) -> FakeProject:
        self.projects[p.path.lower()] = p
        for k in range(1, p.path.count("/") + 1):
            self.groups.setdefault("/".join(p.path.split("/")[:k]).lower(), []).append(p.path)
        return p

    def inject(self, kind: str, times: int = 1, when: str = "") -> None:
        """Fail the next ``times`` requests whose path contains ``when``."""
        with self.lock:
            self.faults.append(Fault(kind, times, when))

    def reset_counters(self) -> None:
        self.requests = 0
        self.by_kind = {}

    def __enter__(self) -> FakeGitLab:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _take_fault(self, key: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.times > 0 and f.when in key:
                    f.times -= 1
                    return f
        return None

    def _project(self, ident: str, token: str) -> FakeProject | None:
        key = unquote(ident).lower()
        p = self.projects.get(key) or next((x for x in self.projects.values()
                                            if str(x.id) == key), None)
        if p is None or (p.visibility != "public" and p.path not in self.tokens.get(token, ())):
            return None
        return p

    def _handler(self):  # noqa: C901 - one router, as a server has
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()  # no Nagle stall between headers and body
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _send(self, status: int, body, headers: dict | None = None) -> None:
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                with fake.lock:
                    fake.rate_remaining = max(0, fake.rate_remaining - 1)
                    left = fake.rate_remaining
                    if left == 0:
                        fake.rate_remaining = fake.rate_limit
                self.send_header("RateLimit-Limit", str(fake.rate_limit))
                self.send_header("RateLimit-Remaining", str(left))
                self.send_header("RateLimit-Reset", str(int(time.time()) + (2 if left == 0
                                                                            else 60)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def _fault(self, key: str) -> bool:
                f = fake._take_fault(key)
                if f is None:
                    return False
                if f.kind == "429":
                    self._send(429, {"message": "429 Too Many Requests"}, {"Retry-After": "1"})
                elif f.kind == "502":
                    self._send(502, b"<html>502 Bad Gateway</html>")
                elif f.kind == "timeout":
                    time.sleep(2.5)
                    self._send(200, [])
                elif f.kind == "malformed":
                    self._send(200, b'[{"iid": 1, "title": ')
                elif f.kind == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.connection.close()
                else:
                    return False
                return True

            def _list(self, items: list, q: dict, keyset: bool = False) -> None:
                per = min(100, int(q.get("per_page", ["20"])[0]))
                u = urlparse(self.path)
                base = fake.link_base or fake.url
                if keyset and q.get("pagination", [""])[0] == "keyset":
                    start = int(q.get("cursor", ["0"])[0])
                    chunk = items[start:start + per]
                    headers = {}
                    if start + per < len(items):
                        nq = {k: v[0] for k, v in q.items()}
                        nq["cursor"] = str(start + per)
                        headers["Link"] = f'<{base}{u.path}?{urlencode(nq)}>; rel="next"'
                    return self._send(200, _out(chunk), headers)
                page = int(q.get("page", ["1"])[0])
                chunk = items[(page - 1) * per: page * per]
                pages = max(1, -(-len(items) // per))
                headers = {"X-Total": str(len(items)), "X-Total-Pages": str(pages),
                           "X-Page": str(page), "X-Per-Page": str(per)}
                if page < pages:
                    nq = {k: v[0] for k, v in q.items()}
                    nq["page"] = str(page + 1)
                    headers["X-Next-Page"] = str(page + 1)
                    headers["Link"] = f'<{base}{u.path}?{urlencode(nq)}>; rel="next"'
                self._send(200, _out(chunk), headers)

            def do_GET(self):  # noqa: C901
                with fake.lock:
                    fake.requests += 1
                    fake.log.append(self.path)
                if fake.delay:
                    time.sleep(fake.delay)
                token = self.headers.get("PRIVATE-TOKEN", "")
                if token not in fake.tokens:
                    return self._send(401, {"message": "401 Unauthorized"})
                if self._fault(self.path):
                    return
                u = urlparse(self.path)
                q = parse_qs(u.query)
                parts = u.path.split("/")  # '', api, v4, kind, id, ...
                if parts[:3] != ["", "api", "v4"] or len(parts) < 5:
                    return self._send(404, {"message": "404 Not Found"})
                kind, ident, rest = parts[3], parts[4], parts[5:]
                # what was asked: merge_requests/notes, pipelines/jobs, repository/tree, …
                what = "/".join(rest[:2] if rest[0] == "repository" else rest[::2]) \
                    if rest else kind
                with fake.lock:
                    fake.by_kind[what] = fake.by_kind.get(what, 0) + 1
                if kind == "groups":
                    paths = [x for x in fake.groups.get(unquote(ident).lower(), [])
                             if fake._project(x, token)]
                    if not paths:
                        return self._send(404, {"message": "404 Group Not Found"})
                    items = [{"id": fake.projects[x.lower()].id, "path_with_namespace": x,
                              "visibility": fake.projects[x.lower()].visibility}
                             for x in sorted(paths)]
                    return self._list(items, q)
                p = fake._project(ident, token)
                if kind != "projects" or p is None:
                    return self._send(404, {"message": "404 Project Not Found"})
                if not rest:
                    return self._send(200, {
                        "id": p.id, "path_with_namespace": p.path, "name": p.path.split("/")[-1],
                        "default_branch": p.default_branch, "visibility": p.visibility,
                        "web_url": f"https://gitlab.example/{p.path}",
                        "namespace": {"full_path": p.namespace, "kind": "group"}})
                if rest == ["merge_requests"]:
                    items = [m for m in p.mrs
                             if q.get("target_branch", [m["target_branch"]])[0]
                             == m["target_branch"]]
                    if "updated_after" in q:
                        after = _ts(q["updated_after"][0])
                        items = [m for m in items if m["updated_at"] >= after]
                    items.sort(key=lambda m: (m["updated_at"], m["id"]),
                               reverse=q.get("sort", ["desc"])[0] == "desc")
                    return self._list(items, q)
                if rest[0] == "merge_requests" and len(rest) == 3:
                    m = next((x for x in p.mrs if str(x["iid"]) == rest[1]), None)
                    if m is None:
                        return self._send(404, {"message": "404 Not found"})
                    what = rest[2]
                    if what == "notes":
                        return self._list(sorted(m["notes"], key=lambda x: x["created_at"]), q)
                    if what == "commits":  # newest first, as GitLab lists them
                        return self._list(list(reversed(m["commits"])), q)
                    if what in ("diffs", "closes_issues"):
                        return self._list(m[what], q)
                    if what == "pipelines":
                        return self._list(sorted(m["pipelines"], key=lambda x: -x["id"]), q)
                if rest[0] == "pipelines" and len(rest) == 3 and rest[2] == "jobs":
                    pl = next((x for m in p.mrs for x in m["pipelines"]
                               if str(x["id"]) == rest[1]), None)
                    if pl is None:
                        return self._send(404, {"message": "404 Not found"})
                    jobs = pl["jobs"]
                    if q.get("include_retried", ["false"])[0] != "true":
                        latest = {j["name"]: j for j in sorted(jobs, key=lambda j: j["id"])}
                        jobs = list(latest.values())
                    return self._list(sorted(jobs, key=lambda j: -j["id"]), q)
                if rest == ["environments"]:
                    return self._list(p.environments, q)
                if rest == ["deployments"]:
                    items = [d for d in p.deployments
                             if d["environment"]["name"] == q.get("environment", [
                                 d["environment"]["name"]])[0]
                             and d["status"] == q.get("status", [d["status"]])[0]]
                    if "updated_after" in q:
                        after = _ts(q["updated_after"][0])
                        items = [d for d in items if d["updated_at"] >= after]
                    items.sort(key=lambda d: (d["updated_at"], d["id"]),
                               reverse=q.get("sort", ["asc"])[0] == "desc")
                    return self._list(items, q)
                if rest[:2] == ["repository", "branches"] and len(rest) == 3:
                    if unquote(rest[2]) != p.default_branch:
                        return self._send(404, {"message": "404 Branch Not Found"})
                    return self._send(200, {"name": p.default_branch, "default": True,
                                            "commit": {"id": p.head}})
                if rest == ["repository", "tree"]:
                    items = [{"id": f"{k:040x}", "name": path.rsplit("/", 1)[-1],
                              "type": "blob", "path": path, "mode": "100644"}
                             for k, path in enumerate(sorted(p.files))]
                    return self._list(items, q, keyset=True)
                if rest[:2] == ["repository", "files"] and rest[-1] == "raw":
                    text = p.files.get(unquote(rest[2]))
                    if text is None:
                        return self._send(404, {"message": "404 File Not Found"})
                    return self._send(200, text.encode())
                if rest == ["releases"]:
                    return self._list(sorted(p.releases, key=lambda r: -r["released_at"]), q)
                if rest == ["repository", "tags"]:
                    return self._list(sorted(p.tags, key=lambda r: -(r["created_at"] or 0)), q)
                if rest == ["issues"]:
                    items = [i for i in p.issues
                             if i["issue_type"] == q.get("issue_type", [i["issue_type"]])[0]]
                    if "updated_after" in q:
                        after = _ts(q["updated_after"][0])
                        items = [i for i in items if i["updated_at"] >= after]
                    items.sort(key=lambda i: (i["updated_at"], i["id"]))
                    return self._list(items, q, keyset=True)
                return self._send(404, {"message": "404 Not Found"})

        return Handler


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def project_url(fake: FakeGitLab, path: str) -> str:
    return f"{fake.url}/api/v4/projects/{quote(path, safe='')}"
