"""Local git source: PR landings recovered from a clone, offline, with no token.

Two ``git log`` processes and one ``git for-each-ref`` read the whole history; everything else is
one linear pass in Python (never a git process per PR):

* ``Merge pull request #N from owner/branch`` merges: the PR's commits are ``M^1..M^2``, found
  by walking the second parent until commits already reachable from the mainline.
* squash subjects ending in ``(#N)``; consecutive first-parent commits ending in the same
  ``(#N)`` are one rebase-merged PR.
* bot trailers ``Pull Request resolved: https://github.com/<o>/<r>/pull/N``.
* tags on the branch become deployments (pre-releases skipped); each PR gets the first tag that
  contains its landing commit.
* ``Revert "…"`` / ``This reverts commit X`` / ``revert-N-`` branches become failures linked to
  the reverted PR where it can be found.

Git cannot tell when a PR was opened, reviewed or commented on, and squash merges carry no
first-commit time: those fields stay empty and the report says so.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..model import Deployment, PullRequest
from ..store import RepoInfo, Store
from .files import is_prerelease
from .incidents import derive_incidents

US, RS = "\x1f", "\x1e"
MERGE_RE = re.compile(r"^Merge pull request #(\d+) from ([^/\s]+)/(\S+)")
SQUASH_RE = re.compile(r"\(#(\d+)\)\s*$")
TRAILER_RE = re.compile(r"Pull Request resolved:\s*https?://[^/\s]+/[^/\s]+/[^/\s]+/pull/(\d+)")
REVERT_SUBJ = re.compile(r'^Revert "(.*)"\s*(?:\(#\d+\))?\s*$')
REVERT_WORD = re.compile(r"^revert\b", re.IGNORECASE)
REVERTS_SHA = re.compile(r"This reverts commit ([0-9a-f]{7,40})")
REVERT_BRANCH = re.compile(r"^revert-(\d+)-")
BOT_RE = re.compile(r"\[bot\]|^(dependabot|renovate|github-actions|pytorchbot|"
                    r"facebook-github-bot)\b", re.IGNORECASE)


class GitSourceError(Exception):
    """A problem with the clone, described for a person."""


@dataclass
class Commit:
    sha: str
    parents: list[str]
    author: str
    email: str
    authored: int
    committed: int
    subject: str
    body: str = ""


@dataclass
class Landing:
    number: int
    style: str  # merge | squash | rebase | trailer
    commit: Commit  # the landing commit on the mainline
    index: int  # position on the mainline (0 = oldest)
    members: list[Commit] = field(default_factory=list)
    head_owner: str = ""
    head_ref: str = ""


def _git(path: Path, *args: str) -> str:
    try:
        r = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True,
                           errors="replace", check=False)
    except FileNotFoundError as exc:
        raise GitSourceError("git is not installed") from exc
    if r.returncode != 0:
        msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "git failed"
        raise GitSourceError(f"git {args[0]} failed in {path}: {msg}")
    return r.stdout


def _log(path: Path, branch: str, first_parent: bool, with_body: bool) -> list[Commit]:
    fmt = US.join(["%H", "%P", "%an", "%ae", "%at", "%ct", "%s"] + (["%b"] if with_body else []))
    args = ["log", f"--format={fmt}{RS}", "--topo-order", "--reverse"]
    if first_parent:
        args.append("--first-parent")
    out = _git(path, *args, branch, "--")
    commits = []
    for rec in out.split(RS):
        rec = rec.strip("\n")
        if not rec:
            continue
        f = rec.split(US)
        commits.append(Commit(f[0], f[1].split(), f[2], f[3], int(f[4]), int(f[5]), f[6],
                              f[7] if with_body and len(f) > 7 else ""))
    return commits


def read_landings(path: Path, branch: str) -> tuple[list[Landing], list[Commit], dict]:
    """Landings in mainline order, the mainline commits, and all commits by sha."""
    mainline = _log(path, branch, first_parent=True, with_body=True)
    everything = {c.sha: c for c in _log(path, branch, first_parent=False, with_body=False)}
    seen: set[str] = set()
    landings: list[Landing] = []
    pending: Landing | None = None
    for i, c in enumerate(mainline):
        members: list[Commit] = []
        if len(c.parents) > 1:
            stack = list(c.parents[1:])
            while stack:  # commits reachable from M^2 but not from the mainline so far
                sha = stack.pop()
                if sha in seen:
                    continue
                seen.add(sha)
                sub = everything.get(sha)
                if sub is None:
                    continue
                members.append(sub)
                stack.extend(sub.parents)
        seen.add(c.sha)
        m = MERGE_RE.match(c.subject)
        if m and len(c.parents) > 1:
            pending = None
            landings.append(Landing(int(m.group(1)), "merge", c, i, members, m.group(2),
                                    m.group(3)))
            continue
        t = TRAILER_RE.search(c.body)
        s = SQUASH_RE.search(c.subject)
        number = int(t.group(1)) if t else (int(s.group(1)) if s else None)
        if number is None:
            pending = None
            continue
        if pending is not None and pending.number == number and pending.style in ("squash",
                                                                                  "rebase"):
            pending.style = "rebase"
            pending.members.append(c)
            pending.commit, pending.index = c, i
            continue
        pending = Landing(number, "trailer" if t else "squash", c, i, [c])
        landings.append(pending)
    return landings, mainline, everything


def read_tags(path: Path, mainline: list[Commit], everything: dict[str, Commit]
              ) -> list[tuple[str, int, int]]:
    """(tag, mainline index, time) for tags reachable from the branch, pre-releases skipped.

    A tag on a side branch (e.g. a release branch merged back) contains the landings up to its
    fork point: the newest mainline commit among its ancestors.
    """
    index = {c.sha: i for i, c in enumerate(mainline)}
    out = _git(path, "for-each-ref", "--format=%(refname:short)" + US + "%(objectname)" + US +
               "%(*objectname)" + US + "%(creatordate:unix)", "refs/tags")
    tags = []
    for line in out.splitlines():
        name, obj, peeled, when = line.split(US)
        sha = peeled or obj
        if is_prerelease(name) or not when:
            continue
        if sha in index:
            tags.append((name, index[sha], int(when)))
        elif sha in everything:
            fork = _fork_point(sha, index, everything)
            if fork >= 0:
                tags.append((name, fork, int(when)))
    return tags


def _fork_point(sha: str, index: dict[str, int], everything: dict[str, Commit]) -> int:
    best, stack, seen = -1, [sha], set()
    while stack:
        x = stack.pop()
        if x in seen:
            continue
        seen.add(x)
        if x in index:
            best = max(best, index[x])
            continue
        c = everything.get(x)
        if c is not None:
            stack.extend(c.parents)
    return best


def _title(landing: Landing) -> str:
    c = landing.commit
    if landing.style == "merge":
        first = next((ln.strip() for ln in c.body.splitlines() if ln.strip()), "")
        return first or c.subject
    return c.subject


def sync_git(store: Store, path: str | Path, repo: str | None = None,
             branch: str | None = None) -> dict[str, int]:
    """Read the clone at ``path`` into the store as ``repo`` (default: from the origin URL)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise GitSourceError(f"{path} does not exist")
    try:
        _git(path, "rev-parse", "--git-dir")
    except GitSourceError as exc:
        raise GitSourceError(f"{path} is not a git repository") from exc
    branch = branch or _default_branch(path)
    repo = repo or _repo_from_origin(path) or path.resolve().name
    if "/" not in repo:
        repo = f"local/{repo}"
    landings, mainline, everything = read_landings(path, branch)
    tags = read_tags(path, mainline, everything)
    t_idx = np.array([t[1] for t in tags], dtype=np.int64)
    t_time = np.array([t[2] for t in tags], dtype=np.int64)
    order = np.argsort(t_idx, kind="stable")
    t_idx, t_time = t_idx[order], t_time[order]
    t_names = [tags[i][0] for i in order]
    # earliest tag among all tags at or after each mainline index ("first tag containing it")
    suffix_min = np.minimum.accumulate(t_time[::-1])[::-1] if t_time.size else t_time
    by_sha = {}
    for ld in landings:
        for c in [ld.commit, *ld.members]:
            by_sha[c.sha] = ld.number
    by_title = {_title(ld): ld.number for ld in landings}
    prs = []
    for ld in landings:
        c = ld.commit
        # the PR's own commits; merges of the base into the PR branch are not its work
        members = [m for m in ld.members if m.sha != c.sha and len(m.parents) <= 1] \
            if ld.style == "merge" else ld.members
        first_commit = min((m.authored for m in members), default=None) if ld.style in (
            "merge", "rebase") else None
        deployed = None
        if t_idx.size:
            k = int(np.searchsorted(t_idx, ld.index, side="left"))
            if k < t_idx.size:
                deployed = int(suffix_min[k])
        title = _title(ld)
        author_c = min(members, key=lambda m: m.authored) if members else c
        rv = REVERT_SUBJ.match(title)
        # a squash body lists the squashed commits, which may include reverts of each other:
        # only a revert subject or a body that opens with "This reverts commit" counts
        rv_sha = REVERTS_SHA.match(c.body.lstrip()) or (REVERTS_SHA.search(c.body) if rv
                                                         else None)
        rv_branch = REVERT_BRANCH.match(ld.head_ref)
        reverted = None
        if rv_branch:
            reverted = int(rv_branch.group(1))
        elif rv_sha:
            reverted = next((n for sha, n in by_sha.items() if sha.startswith(rv_sha.group(1))),
                            None)
        if reverted is None and rv:
            inner = rv.group(1)
            s = SQUASH_RE.search(inner)
            reverted = int(s.group(1)) if s else by_title.get(inner)
        is_bot = bool(BOT_RE.search(author_c.author) or BOT_RE.search(author_c.email))
        prs.append(PullRequest(
            repo=repo, number=ld.number, title=title, author=author_c.author,
            author_is_bot=is_bot, first_commit_at=first_commit, merged_at=c.committed,
            closed_at=c.committed, deployed_at=deployed, base_ref=branch,
            head_ref=ld.head_ref, merge_commit_sha=c.sha,
            is_revert=bool(rv or rv_sha or rv_branch or REVERT_WORD.match(title)),
            reverted_number=reverted,
            url=f"https://github.com/{repo}/pull/{ld.number}" if not repo.startswith("local/")
            else "",
        ))
    deps = [Deployment(repo, name, int(t), sha="", environment="", source="tags")
            for name, t in zip(t_names, t_time.tolist(), strict=True)]
    store.upsert_repo(RepoInfo(repo, "git", False, branch, "tags" if deps else "merges"))
    run = store.start_sync(repo, "git")
    for i in range(0, len(prs), 5000):
        store.write_batch(repo, prs[i:i + 5000])
    store.write_batch(repo, deployments=deps)
    if not deps:  # every merge is a deployment
        store.write_batch(repo, deployments=[Deployment(repo, p.merge_commit_sha, p.merged_at,
                                                        p.merge_commit_sha, "", "merges")
                                             for p in prs])
    n_inc = derive_incidents(store, repo)
    store.finish_sync(run, "ok", prs=len(prs))
    return {"prs": len(prs), "commits": len(everything), "tags": len(deps),
            "incidents": n_inc}


def _default_branch(path: Path) -> str:
    try:
        ref = _git(path, "symbolic-ref", "--short", "refs/remotes/origin/HEAD").strip()
        return ref.split("/", 1)[1]
    except GitSourceError:
        return _git(path, "rev-parse", "--abbrev-ref", "HEAD").strip()


def _repo_from_origin(path: Path) -> str | None:
    try:
        url = _git(path, "config", "--get", "remote.origin.url").strip()
    except GitSourceError:
        return None
    m = re.search(r"[:/]([^/:]+)/([^/]+?)(?:\.git)?/?$", url)
    return f"{m.group(1)}/{m.group(2)}" if m else None
