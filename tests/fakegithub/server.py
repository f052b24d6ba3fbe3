"""A fake GitHub (REST + GraphQL) on 127.0.0.1 for tests: serves generated repositories,
paginates like GitHub (cursors, Link headers), computes GraphQL cost like GitHub, counts requests
and points, and injects faults on demand."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import numpy as np


def iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def actor(login: str | None) -> dict | None:
    if login is None:
        return None
    return {"login": login, "__typename": "Bot" if login.endswith("[bot]") else "User"}


@dataclass
class FakeRepo:
    owner: str
    name: str
    default_branch: str = "main"
    private: bool = False
    prs: list[dict] = field(default_factory=list)
    deployments: list[dict] = field(default_factory=list)
    releases: list[dict] = field(default_factory=list)
    tags: list[dict] = field(default_factory=list)
    runs: dict[str, list[dict]] = field(default_factory=dict)  # workflow file -> runs
    pr_runs: list[dict] = field(default_factory=list)  # Actions runs for PRs, with their "jobs"
    issues: list[dict] = field(default_factory=list)
    # the tree at the default branch's HEAD: path -> text
    files: dict[str, str] = field(default_factory=lambda: {
        "README.md": "# widgets\n", "src/widgets/core.py": "x = 1\n",
        "tests/test_core.py": "def test(): pass\n", ".github/workflows/ci.yml": "on: push\n",
        "requirements.txt": "torch==2.3.1\nnumpy==1.26.4\n",
        "notebooks/explore.ipynb": "{}\n"})
    truncated: bool = False

    @property
    def full(self) -> str:
        return f"{self.owner}/{self.name}"


def generate_repo(owner: str, name: str, n: int, seed: int = 1, start: float = 1.7e9,
                  with_deployments: bool = True) -> FakeRepo:
    """A repository with ``n`` PRs in GitHub's GraphQL shape (plus the truth for checks).

    Besides ordinary PRs it holds what real GitHub data has: deleted ("ghost") accounts as PR
    authors, reviewers and commenters (``author: null``), feedback on drafts before they were
    marked ready, and PRs with more than 15 comments whose first human response is beyond the
    first page."""
    rng = np.random.default_rng(seed)
    odd = np.random.default_rng(seed + 7919)  # the unusual cases, drawn apart from the rest
    commit_rng = np.random.default_rng(seed + 31)  # PR commits, apart too
    files_rng = np.random.default_rng(seed + 61)  # PR files, apart too
    repo = FakeRepo(owner, name)
    people = [f"user{i}" for i in range(25)]
    t = start
    for number in range(1, n + 1):
        t += float(rng.exponential(3600))
        author = "dependabot[bot]" if rng.random() < 0.08 else people[int(rng.integers(0, 25))]
        created = t
        draft = rng.random() < 0.1
        ready = created + (float(rng.exponential(7200)) if draft else 0)
        first_commit = created - float(rng.exponential(86400))
        reviews = []
        n_reviews = int(rng.integers(0, 4)) + (25 if rng.random() < 0.03 else 0)
        rt = ready
        for k in range(n_reviews):
            rt += float(rng.exponential(3600))
            # the first few reviews of a "long" PR are by the author or a bot
            who = author if (n_reviews > 20 and k < 22) else (
                "ci-bot[bot]" if rng.random() < 0.15 else people[int(rng.integers(0, 25))])
            state = "APPROVED" if rng.random() < 0.5 else "COMMENTED"
            reviews.append({"author": actor(who), "state": state, "submittedAt": rt})
        comments = []
        ct = ready
        for _ in range(int(rng.integers(0, 4))):
            ct += float(rng.exponential(5000))
            who = [author, "helper[bot]", people[int(rng.integers(0, 25))]][
                int(rng.integers(0, 3))]
            comments.append({"author": actor(who), "createdAt": ct})
        if draft:  # a reviewer's early feedback on the draft does not end the wait
            comments.insert(0, {"author": actor(people[int(odd.integers(0, 25))]),
                                "createdAt": created + (ready - created) / 2})
        if odd.random() < 0.04:  # a long thread: 17 comments by the author and a bot first
            for k in range(20):
                ct += float(odd.exponential(600))
                who = [author, "helper[bot]"][k % 2] if k < 17 else people[
                    int(odd.integers(0, 25))]
                comments.append({"author": actor(who), "createdAt": ct})
        for x in reviews + comments:  # deleted accounts
            if odd.random() < 0.03:
                x["author"] = None
        merged = None
        closed = None
        if rng.random() < 0.85:
            merged = max([ready, *[r["submittedAt"] for r in reviews]]) + float(
                rng.exponential(3600))
            closed = merged
        elif rng.random() < 0.5:
            closed = ready + float(rng.exponential(86400))
        revert = rng.random() < 0.03 and number > 5
        title = f'Revert "Change {number - 3}"' if revert else (
            f"fix: bug {number}" if rng.random() < 0.3 else f"Change {number}")
        labels = ["bug"] if "fix" in title and rng.random() < 0.5 else []
        pr = {
            "number": number, "title": title, "url": f"https://github.com/{owner}/{name}/pull/"
            f"{number}", "author": None if odd.random() < 0.02 else actor(author),
            "createdAt": created, "updatedAt": max(
                x for x in [created, ready, merged, closed, *(r["submittedAt"] for r in reviews),
                            *(c["createdAt"] for c in comments)] if x is not None),
            "mergedAt": merged, "closedAt": closed, "isDraft": draft and merged is None and
            closed is None, "additions": int(rng.integers(1, 500)), "deletions": int(
                rng.integers(0, 200)), "changedFiles": int(rng.integers(1, 20)),
            "baseRefName": "main" if rng.random() < 0.95 else "release",
            "headRefName": f"revert-{number - 3}-x" if revert else f"feature-{number}",
            "mergeCommit": {"oid": f"{number:040x}"} if merged else None,
            "labels": labels, "firstCommitAt": first_commit, "readyAt": ready if draft else None,
            "reviews": reviews, "comments": comments,
            "closingIssueLabels": [["bug"]] if rng.random() < 0.1 else [],
        }
        # CI: 25 jobs; the two test jobs and the two build jobs fail together
        fails = rng.random() < 0.2
        pair = int(rng.integers(0, 2))
        pr["checks"] = [{"name": f"job-{j}", "conclusion": "failure" if fails and (
            (pair == 0 and j in (1, 2)) or (pair == 1 and j in (3, 4, 5))) else "success",
            "startedAt": created + 60, "completedAt": created + 600} for j in range(25)]
        pr["headOid"] = f"{number:039x}f"
        pr["commits"] = _commits(number, author, first_commit, ready, commit_rng)
        pr["files"] = _files(number, files_rng)
        repo.prs.append(pr)
    for k in range(5):
        opened = start + 86400 * (3 + 7 * k)
        repo.issues.append({"number": 10_000 + k, "labels": ["incident"], "createdAt": opened,
                            "closedAt": opened + 7200 * (k + 1)})
    repo.issues.append({"number": 20_000, "labels": ["question"], "createdAt": start,
                        "closedAt": None})
    if with_deployments:
        end = t + 86400
        d = start
        k = 0
        while d < end:
            d += 86400 * 2
            k += 1
            repo.deployments.append({"id": f"D_{k}", "createdAt": d, "environment": "production",
                                     "commit": {"oid": f"{k:040x}"}, "state": "ACTIVE"})
    return repo


OFFSETS = (9 * 3600, -5 * 3600, 3600, 0)  # authors' clocks: +09:00, -05:00, +01:00, UTC


def _commits(number: int, author: str, first: float, ready: float,
             rng: np.random.Generator) -> list[dict]:
    """A PR's commits (the truth): the first at ``first``, the rest before ``ready``, each with
    its author's clock. PR 7 has 130 commits (past one page); every 10th PR has a merge of the
    base branch; every 9th PR's last commit is by someone without a GitHub account."""
    k = 130 if number == 7 else 1 + int(rng.integers(0, 4))
    times = np.sort(np.concatenate([[first], rng.uniform(first, max(first + 1, ready),
                                                         k - 1)]))
    login = author
    out = []
    for j, t in enumerate(times):
        who = login
        if number % 9 == 0 and j == k - 1 and k > 1:
            who = None  # a commit whose email belongs to no account: the git name is used
        out.append({"oid": f"{number:06x}{j:034x}", "authored": float(t), "login": who,
                    "name": f"Name of {who or 'someone'}", "email": f"{who or 'x'}@example.org",
                    "offset": OFFSETS[(number + j) % len(OFFSETS)], "parents": 1,
                    "additions": int(rng.integers(1, 50)), "deletions": int(rng.integers(0, 9))})
    if number % 10 == 0:  # a merge of the base branch into the PR: not coding
        out.append({**out[-1], "oid": f"{number:06x}{'m' * 34}", "parents": 2,
                    "authored": float(times[-1]) + 30})
    return out


FOLDERS = ("services/api", "services/web", "libs/money", "docs")


def _files(number: int, rng: np.random.Generator) -> list[str]:
    """The paths a PR changed (the truth), in a monorepo of ``FOLDERS``: one to three folders,
    a few files in each; PRs 11, 108, 205, … (number % 97 == 11) change 250 files (past two
    pages of 100)."""
    if number % 97 == 11:
        return [f"{FOLDERS[k % 4]}/gen/file{k:03d}.py" for k in range(250)]
    folders = rng.choice(len(FOLDERS), size=int(rng.integers(1, 4)), replace=False)
    out = []
    for f in sorted(folders):
        ext = ".md" if FOLDERS[f] == "docs" else ".py"
        out += [f"{FOLDERS[f]}/m{int(k)}{ext}" for k in rng.choice(12, size=int(
            rng.integers(1, 4)), replace=False)]
    return out


def _commit_node(c: dict) -> dict:
    local = datetime.fromtimestamp(c["authored"], tz=UTC).astimezone(
        timezone(timedelta(seconds=c["offset"])))
    return {"commit": {"oid": c["oid"], "authoredDate": iso(c["authored"]),
                       "committedDate": iso(c["authored"] + 5), "additions": c["additions"],
                       "deletions": c["deletions"], "parents": {"totalCount": c["parents"]},
                       "message": c.get("message", f"Commit {c['oid'][:7]}"),
                       "author": {"date": local.isoformat(), "name": c["name"],
                                  "email": c["email"],
                                  "user": {"login": c["login"]} if c["login"] else None}}}


# -- GraphQL cost, like GitHub's: sum over connections of the requests needed to fill them -----

_CONN = re.compile(r"(\w+)\s*\(([^)]*)\)\s*\{")


def graphql_cost(query: str, variables: dict) -> int:
    """GitHub's rate-limit cost: every connection needs one request per parent object; the
    total number of requests divided by 100, rounded, is the cost (at least 1)."""
    requests = 0
    stack = [1]
    i = 0
    body = query[query.index("{"):]
    while i < len(body):
        ch = body[i]
        if ch == "{":
            stack.append(stack[-1])
            i += 1
            continue
        if ch == "}":
            stack.pop()
            i += 1
            continue
        m = _CONN.match(body, i)
        if m and ("first" in m.group(2) or "last" in m.group(2)):
            arg = re.search(r"(?:first|last)\s*:\s*(\$?\w+)", m.group(2)).group(1)
            size = int(variables.get(arg[1:], 1) if arg.startswith("$") else arg)
            requests += stack[-1]
            stack.append(stack[-1] * size)
            i = m.end()
            continue
        i += 1
    return max(1, round(requests / 100))


class Fault:
    def __init__(self, kind: str, times: int = 1, when: str = "", reset: int = 2):
        self.kind, self.times, self.when, self.reset = kind, times, when, reset


class FakeGitHub:
    """``with FakeGitHub() as gh: gh.base_url`` — a server thread on 127.0.0.1."""

    def __init__(self, tokens: dict[str, set[str] | str] | None = None):
        self.repos: dict[str, FakeRepo] = {}
        # token -> set of private repos it may read, or an error kind ("expired", "sso")
        self.tokens = tokens if tokens is not None else {"good-token": set()}
        self.requests = 0
        self.graphql_requests = 0
        self.points = 0
        self.ops: dict[str, int] = {}  # GraphQL operations asked, by name
        self.faults: list[Fault] = []
        self.log: list[str] = []
        self.rate_remaining = 5000
        self.lock = threading.Lock()
        self.delay = 0.0
        # shared-budget checks: points charged per token (REST 1 a request, GraphQL its cost),
        # an optional budget per token past which calls are refused as rate-limited (counted),
        # a delay per repository's PR pages, and the PR pages asked for (repo, after)
        self.spent: dict[str, int] = {}
        self.budgets: dict[str, int] = {}
        self.over_budget = 0
        self.slow: dict[str, float] = {}
        self.pr_pages: list[tuple[str, str | None]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v3"

    def add(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.full.lower()] = repo
        return repo

    def inject(self, kind: str, times: int = 1, when: str = "", reset: int = 2) -> None:
        """Fail the next ``times`` requests whose "VERB path-or-operation" contains ``when``."""
        with self.lock:
            self.faults.append(Fault(kind, times, when, reset))

    def reset_counters(self) -> None:
        self.requests = self.graphql_requests = self.points = 0
        self.ops = {}

    def __enter__(self) -> FakeGitHub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- request handling ---------------------------------------------------------------------
    def _charge(self, token: str, cost: int) -> bool:
        """Charge ``cost`` to ``token``; False (nothing charged) when it would pass its
        budget."""
        with self.lock:
            spent = self.spent.get(token, 0)
            if token in self.budgets and spent + cost > self.budgets[token]:
                self.over_budget += 1
                return False
            self.spent[token] = spent + cost
            return True

    def _take_fault(self, key: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.times > 0 and f.when in key:
                    f.times -= 1
                    return f
        return None

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body, headers: dict | None = None) -> None:
                raw = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(raw)))
                reset = int(time.time()) + 3600
                self.send_header("X-RateLimit-Limit", "5000")
                self.send_header("X-RateLimit-Remaining", str(fake.rate_remaining))
                self.send_header("X-RateLimit-Reset", str(reset))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(raw)

            def _auth(self) -> str | None:
                h = self.headers.get("Authorization", "")
                token = h.split(" ", 1)[1] if " " in h else ""
                fake.log.append(self.path)
                if token not in fake.tokens:
                    self._send(401, {"message": "Bad credentials",
                                     "documentation_url": "https://docs.github.com/rest"})
                    return None
                kind = fake.tokens[token]
                if kind == "expired":
                    self._send(401, {"message": "Bad credentials"})
                    return None
                if kind == "sso":
                    self._send(403, {"message": "Resource protected by organization SAML "
                                                "enforcement. You must grant your Personal "
                                                "Access token access to this organization."})
                    return None
                return token

            def _fault(self, key: str, variables: dict | None = None) -> bool:
                f = fake._take_fault(key)
                if f is None:
                    return False
                k = f.kind
                if k == "secondary":
                    self._send(403, {"message": "You have exceeded a secondary rate limit. "
                                                "Please wait a few minutes before you try "
                                                "again."}, {"Retry-After": "1"})
                elif k == "429":
                    self._send(429, {"message": "Too many requests"}, {"Retry-After": "1"})
                elif k == "primary":
                    self.send_response(403)
                    body = json.dumps({"message": "API rate limit exceeded for user."}).encode()
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("X-RateLimit-Remaining", "0")
                    self.send_header("X-RateLimit-Limit", "5000")
                    self.send_header("X-RateLimit-Reset", str(int(time.time()) + f.reset))
                    self.end_headers()
                    self.wfile.write(body)
                elif k == "502":
                    self._send(502, b"<html>502 Bad Gateway</html>")
                elif k == "502-big":
                    if (variables or {}).get("first", 0) > 25:
                        f.times += 1  # keeps failing while pages are big
                        self._send(502, {"message": "Server Error"})
                    else:
                        return False
                elif k == "timeout":
                    time.sleep(3.0)
                    self._send(200, {"data": None})
                elif k == "malformed":
                    self._send(200, b'{"data": {"repository": ')
                elif k == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.connection.close()
                elif k == "partial":
                    return "partial"  # type: ignore[return-value]
                else:
                    return False
                return True

            def _over_budget(self) -> None:
                body = json.dumps({"message": "API rate limit exceeded for user."}).encode()
                self.send_response(403)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-RateLimit-Remaining", "0")
                self.send_header("X-RateLimit-Reset", str(int(time.time()) + 3600))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                fake.requests += 1
                token = self._auth()
                if token is None:
                    return
                if self._fault("GET " + self.path):
                    return
                if not fake._charge(token, 1):
                    return self._over_budget()
                u = urlparse(self.path)
                parts = u.path.split("/")
                if u.path == "/api/v3/rate_limit":
                    return self._send(200, {"resources": {"core": {"limit": 5000, "remaining":
                                                                   fake.rate_remaining}}})
                m = re.fullmatch(r"/api/v3/repos/([^/]+)/([^/]+)", u.path)
                if m:
                    repo = fake._visible(m.group(1), m.group(2), token)
                    if repo is None:
                        return self._send(404, {"message": "Not Found"})
                    return self._send(200, {"full_name": repo.full, "name": repo.name,
                                            "owner": {"login": repo.owner},
                                            "default_branch": repo.default_branch,
                                            "private": repo.private})
                m = re.fullmatch(r"/api/v3/repos/([^/]+)/([^/]+)/git/trees/([^/]+)", u.path)
                if m:
                    repo = fake._visible(m.group(1), m.group(2), token)
                    if repo is None or m.group(3) != repo.default_branch:
                        return self._send(404, {"message": "Not Found"})
                    if parse_qs(u.query).get("recursive") != ["1"]:
                        return self._send(400, {"message": "this fake serves recursive trees"})
                    dirs = sorted({"/".join(p.split("/")[:k]) for p in repo.files
                                   for k in range(1, p.count("/") + 1)})
                    return self._send(200, {"sha": "f" * 40, "truncated": repo.truncated,
                                            "tree": [{"path": d, "type": "tree"} for d in dirs]
                                            + [{"path": p, "type": "blob", "size": len(t)}
                                               for p, t in sorted(repo.files.items())]})
                m = re.fullmatch(r"/api/v3/repos/([^/]+)/([^/]+)/actions/workflows/([^/]+)/runs",
                                 u.path)
                if m:
                    repo = fake._visible(m.group(1), m.group(2), token)
                    if repo is None or m.group(3) not in repo.runs:
                        return self._send(404, {"message": "Not Found"})
                    q = parse_qs(u.query)
                    runs = [r for r in repo.runs[m.group(3)]
                            if r["head_branch"] == q.get("branch", [r["head_branch"]])[0]
                            and r["conclusion"] == q.get("status", [r["conclusion"]])[0]]
                    per = int(q.get("per_page", ["30"])[0])
                    page = int(q.get("page", ["1"])[0])
                    chunk = runs[(page - 1) * per: page * per]
                    headers = {}
                    if page * per < len(runs):
                        nxt = f"{fake.base_url}{u.path[len('/api/v3'):]}?branch=" \
                              f"{q.get('branch', [''])[0]}&status=success&per_page={per}" \
                              f"&page={page + 1}"
                        headers["Link"] = f'<{nxt}>; rel="next"'
                    return self._send(200, {"total_count": len(runs), "workflow_runs": chunk},
                                      headers)
                m = re.fullmatch(r"/api/v3/repos/([^/]+)/([^/]+)/actions/runs(?:/(\d+)/jobs)?",
                                 u.path)
                if m:
                    repo = fake._visible(m.group(1), m.group(2), token)
                    if repo is None:
                        return self._send(404, {"message": "Not Found"})
                    q = parse_qs(u.query)
                    if m.group(3):  # the jobs of one run, every attempt
                        run = next((r for r in repo.pr_runs if r["id"] == int(m.group(3))), None)
                        if run is None:
                            return self._send(404, {"message": "Not Found"})
                        return self._send(200, {"total_count": len(run["jobs"]),
                                                "jobs": run["jobs"]})
                    runs = sorted((r for r in repo.pr_runs
                                   if r["event"] == q.get("event", [r["event"]])[0]),
                                  key=lambda r: -r["id"])
                    per = int(q.get("per_page", ["30"])[0])
                    page = int(q.get("page", ["1"])[0])
                    chunk = [{k: v for k, v in r.items() if k != "jobs"}
                             for r in runs[(page - 1) * per: page * per]]
                    headers = {}
                    if page * per < len(runs):
                        nxt = f"{fake.base_url}{u.path[len('/api/v3'):]}?event=" \
                              f"{q.get('event', [''])[0]}&per_page={per}&page={page + 1}"
                        headers["Link"] = f'<{nxt}>; rel="next"'
                    return self._send(200, {"total_count": len(runs), "workflow_runs": chunk},
                                      headers)
                del parts
                return self._send(404, {"message": "Not Found"})

            def do_POST(self):
                fake.requests += 1
                length = int(self.headers.get("Content-Length", 0))
                payload = json.loads(self.rfile.read(length) or b"{}")
                token = self._auth()
                if token is None:
                    return
                if self.path != "/api/graphql":
                    return self._send(404, {"message": "Not Found"})
                fake.graphql_requests += 1
                query, variables = payload.get("query", ""), payload.get("variables", {})
                op = re.search(r"query\s+(\w+)", query).group(1)
                fake.ops[op] = fake.ops.get(op, 0) + 1
                fault = self._fault("POST graphql " + op, variables)
                if fault is True:
                    return
                cost = graphql_cost(query, variables)
                if not fake._charge(token, cost):
                    return self._over_budget()
                if op == "PullRequests":
                    full = f"{variables.get('owner')}/{variables.get('name')}".lower()
                    with fake.lock:
                        fake.pr_pages.append((full, variables.get("after")))
                    if fake.slow.get(full):
                        time.sleep(fake.slow[full])
                fake.points += cost
                data, errors = fake._graphql(op, query, variables, token)
                if "rateLimit" in query and data is not None:
                    data["rateLimit"] = {"cost": cost, "remaining": 5000 - fake.points,
                                         "resetAt": iso(time.time() + 3600)}
                body = {"data": data}
                if errors:
                    body["errors"] = errors
                if fault == "partial" and data and data.get("repository"):
                    conn = data["repository"].get("pullRequests")
                    if conn and conn["nodes"]:
                        conn["nodes"][0] = None
                    body["errors"] = [{"message": "Something went wrong while executing your "
                                                  "query.", "path": ["repository",
                                                                     "pullRequests", "nodes",
                                                                     0]}]
                if fake.delay:
                    time.sleep(fake.delay)
                self._send(200, body)

        return Handler

    def _visible(self, owner: str, name: str, token: str) -> FakeRepo | None:
        repo = self.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            return None
        allowed = self.tokens.get(token, set())
        if repo.private and (not isinstance(allowed, set) or repo.full not in allowed):
            return None
        return repo

    # -- GraphQL resolvers for the operations casestudy sends ---------------------------------
    def _graphql(self, op: str, query: str, v: dict, token: str):
        repo = self._visible(v.get("owner", ""), v.get("name", ""), token)
        if repo is None:
            return {"repository": None}, [{"type": "NOT_FOUND", "path": ["repository"],
                                           "message": "Could not resolve to a Repository with "
                                                      f"the name '{v.get('owner')}/"
                                                      f"{v.get('name')}'."}]
        firsts = {m.group(1): int(m.group(2)) for m in re.finditer(
            r"(\w+)\s*\(\s*first\s*:\s*(\d+)", query)}
        if op == "PullRequests":
            prs = [p for p in repo.prs if not v.get("base") or p["baseRefName"] == v["base"]]
            prs = sorted(prs, key=lambda p: (-p["updatedAt"], -p["number"]))
            page, info = _page(prs, v.get("first", 50), v.get("after"))
            nodes = [_pr_node(p, firsts) for p in page]
            if "headCommit" in query:
                for node, p in zip(nodes, page, strict=True):
                    node["headCommit"] = {"nodes": [{"commit": {
                        "oid": p["headOid"], "checkSuites": {"nodes": [{"checkRuns": {
                            "nodes": [{**c, "startedAt": iso(c["startedAt"]),
                                       "completedAt": iso(c["completedAt"])}
                                      for c in p["checks"][:firsts.get("checkRuns", 30)]]}}]}}}]}
            if "files(" in query:
                for node, p in zip(nodes, page, strict=True):
                    node["files"] = _conn(p["files"], firsts.get("files", 100), _file)
            return {"repository": {
                "defaultBranchRef": {"name": repo.default_branch, "target": {"oid": "f" * 40}},
                "pullRequests": {"totalCount": len(prs), "pageInfo": info,
                                 "nodes": nodes}}}, None
        if op == "Blobs":  # object(expression: "branch:path") per alias, from variables
            out = {}
            for m in re.finditer(r"(\w+)\s*:\s*object\(expression:\s*\$(\w+)\)", query):
                ref, _, path = v[m.group(2)].partition(":")
                text = repo.files.get(path) if ref == repo.default_branch else None
                out[m.group(1)] = None if text is None else {
                    "text": text, "byteSize": len(text.encode()), "isBinary": False}
            return {"repository": out}, None
        if op == "PullRequestCommits":
            pr = next((p for p in repo.prs if p["number"] == v["number"]), None)
            items = (pr or {}).get("commits", [])
            page, info = _page(items, v.get("first", 100), v.get("after"))
            return {"repository": {"pullRequest": {"commits": {
                "totalCount": len(items), "pageInfo": info,
                "nodes": [_commit_node(c) for c in page]}}}}, None
        if op in ("PullRequestReviews", "PullRequestComments", "PullRequestFiles"):
            pr = next((p for p in repo.prs if p["number"] == v["number"]), None)
            key = op.removeprefix("PullRequest").lower()
            items = (pr or {}).get(key, [])
            page, info = _page(items, v.get("first", 100), v.get("after"))
            conv = {"reviews": _review, "comments": _comment, "files": _file}[key]
            return {"repository": {"pullRequest": {key: {
                "totalCount": len(items), "pageInfo": info,
                "nodes": [conv(x) for x in page]}}}}, None
        if op == "Deployments":
            deps = sorted(repo.deployments, key=lambda d: -d["createdAt"])
            if v.get("environments"):
                deps = [d for d in deps if d["environment"] in v["environments"]]
            page, info = _page(deps, v.get("first", 100), v.get("after"))
            return {"repository": {"deployments": {"totalCount": len(deps), "pageInfo": info,
                                                   "nodes": [{**d, "createdAt": iso(
                                                       d["createdAt"])} for d in page]}}}, None
        if op == "Releases":
            rel = sorted(repo.releases, key=lambda r: -r["createdAt"])
            page, info = _page(rel, v.get("first", 100), v.get("after"))
            return {"repository": {"releases": {"totalCount": len(rel), "pageInfo": info,
                                                "nodes": [{**r, "createdAt": iso(
                                                    r["createdAt"]), "publishedAt": iso(
                                                    r["createdAt"])} for r in page]}}}, None
        if op == "Tags":
            tags = sorted(repo.tags, key=lambda r: -r["date"])
            page, info = _page(tags, v.get("first", 100), v.get("after"))
            return {"repository": {"refs": {"totalCount": len(tags), "pageInfo": info, "nodes": [
                {"name": t["name"], "target": _tag_target(t)} for t in page]}}}, None
        if op == "Issues":
            wanted = set(v.get("labels") or [])
            iss = sorted((i for i in repo.issues if not wanted or wanted & set(i["labels"])),
                         key=lambda i: -i["createdAt"])
            page, info = _page(iss, v.get("first", 100), v.get("after"))
            return {"repository": {"issues": {"totalCount": len(iss), "pageInfo": info, "nodes": [
                {"number": i["number"], "createdAt": iso(i["createdAt"]),
                 "closedAt": iso(i["closedAt"])} for i in page]}}}, None
        return None, [{"message": f"unknown operation {op}"}]


def _tag_target(t: dict) -> dict:
    """A lightweight tag points at its commit; an annotated one (``tagged`` = its tagger date,
    shown with a +02:00 offset as git actors are) at a Tag object that points at the commit."""
    commit = {"__typename": "Commit", "oid": t["oid"], "committedDate": iso(t["date"])}
    if t.get("tagged") is None:
        return commit
    local = datetime.fromtimestamp(t["tagged"], tz=UTC).astimezone(timezone(timedelta(hours=2)))
    return {"__typename": "Tag", "tagger": {"date": local.isoformat()}, "target": commit}


def _cursor(i: int) -> str:
    return base64.b64encode(f"cursor:{i}".encode()).decode()


def _page(items: list, first: int, after: str | None):
    start = 0
    if after:
        start = int(base64.b64decode(after).decode().split(":")[1]) + 1
    page = items[start:start + first]
    end = start + len(page) - 1
    return page, {"hasNextPage": start + first < len(items),
                  "endCursor": _cursor(end) if page else after}


def _review(r: dict) -> dict:
    return {"author": r["author"], "state": r["state"], "submittedAt": iso(r["submittedAt"])}


def _comment(c: dict) -> dict:
    return {"author": c["author"], "createdAt": iso(c["createdAt"])}


def _file(path: str) -> dict:
    return {"path": path}


def _conn(items: list, n: int, conv) -> dict:
    return {"totalCount": len(items), "pageInfo": {"hasNextPage": len(items) > n,
                                                   "endCursor": _cursor(min(n, len(items)) - 1)
                                                   if items else None},
            "nodes": [conv(x) for x in items[:n]]}


def _pr_node(p: dict, firsts: dict[str, int]) -> dict:
    ready = [{"createdAt": iso(p["readyAt"])}] if p["readyAt"] else []
    return {
        "number": p["number"], "title": p["title"], "body": p.get("body", ""), "url": p["url"],
        "author": p["author"],
        "createdAt": iso(p["createdAt"]), "updatedAt": iso(p["updatedAt"]),
        "mergedAt": iso(p["mergedAt"]), "closedAt": iso(p["closedAt"]), "isDraft": p["isDraft"],
        "additions": p["additions"], "deletions": p["deletions"],
        "changedFiles": p["changedFiles"], "baseRefName": p["baseRefName"],
        "headRefName": p["headRefName"], "mergeCommit": p["mergeCommit"],
        "labels": {"nodes": [{"name": x} for x in p["labels"][:firsts.get("labels", 10)]]},
        "commits": _conn(p["commits"], firsts.get("commits", 1), _commit_node),
        "mergedBy": {"login": "maintainer0"} if p["mergedAt"] else None,
        "authorAssociation": p.get("association", "CONTRIBUTOR"),
        "timelineItems": {"nodes": ready},
        "reviews": _conn(p["reviews"], firsts.get("reviews", 10), _review),
        "comments": _conn(p["comments"], firsts.get("comments", 10), _comment),
        "closingIssuesReferences": {"nodes": [{"labels": {"nodes": [{"name": x} for x in lbls]}}
                                              for lbls in p["closingIssueLabels"]]},
    }


def touch(repo: FakeRepo, numbers: list[int], when: float, title_suffix: str = " (edited)"):
    """Change some PRs (new title, later updatedAt) as if they were edited on GitHub."""
    for p in repo.prs:
        if p["number"] in numbers:
            p["title"] += title_suffix
            p["updatedAt"] = when


__all__ = ["FakeGitHub", "FakeRepo", "generate_repo", "graphql_cost", "touch", "timedelta"]
