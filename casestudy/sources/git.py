"""Local git source: PR landings recovered from a clone, offline, with no token.

Two ``git log`` processes (the default branch's first-parent line with messages, and the commit
graph with messages of the branch, every tag and the long-lived branches) and two ``git
for-each-ref`` read the whole history, with at most two ``git diff-tree --stdin`` pipes (sizes of
landings off the mainline, patch-ids of backport candidates); everything else is linear passes in
Python (never a git process per PR or per tag):

* ``Merge pull request #N from owner/branch`` merges: the PR's commits are ``M^1..M^2``, found
  by walking the second parent until commits already reachable from the mainline.
* two-parent merges whose subject names the PR — ``… (#N)`` (hand merges, merge queues) or bors'
  ``Auto merge of #N - owner:branch`` — are read the same way: first-commit time, author and
  bots from the PR's own commits, the merge's author as the merger.
* squash subjects ending in ``(#N)``; consecutive first-parent commits ending in the same
  ``(#N)`` are one rebase-merged PR.
* bot trailers ``Pull Request resolved: https://github.com/<o>/<r>/pull/N`` (PyTorch): such a
  landing is squashed by the bot with a fresh author date, so it has no first-commit time —
  except ghstack landings (``ghstack-source-id:``), which keep the author's date.
* every release tag anywhere in the repository becomes a deployment: a tag whose name is a final
  version of the product's tag family (``sources.releases.choose_releases``: pre-releases,
  branch-style names, other families and backfills are left out; one deployment per released
  commit at its earliest tag; tag time = tagger date of an annotated tag, committer date of a
  lightweight one). A tag on a
  release branch contains the default-branch commits up to the branch's fork point (the newest
  default-branch commit among its ancestors), found in one pass over the commit graph; each
  landing is deployed by the earliest tag that contains it — or by the earliest release carrying
  its copy on a release branch (a backport: ``sources.backports``), whichever comes first.
* long-lived branches where changes land (``stable``, ``maint…``, ``release-*``, ``X.Y.x``)
  and that are merged back into the default branch are read too: their first-parent line's
  landings are PRs with that branch as their base, each PR counted once; a landing there is
  deployed by the earliest release whose tag contains it. The data-completeness appendix says
  which branches were read.
* ``Revert "…"`` / ``This reverts commit X`` / ``revert-N-`` branches, and PyTorch's bot reverts
  (``Reverted https://github.com/<o>/<r>/pull/N on behalf of …``, which are not PRs), become
  reverts linked to the reverted PR where it can be found; ``sources.incidents`` turns them
  into failures.

Every non-merge commit reachable from the default branch is also kept as a commit record (author,
author date with its UTC offset, commit date, the PR it landed with); lines changed are those of
the first-parent pass (mainline commits), branch commits' lines are not measured (a numstat over
every commit would cost Homebrew/brew 17 s more).

Git cannot tell when a PR was opened, reviewed or commented on, and squash merges carry no
first-commit time: those fields stay empty and the report says so.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..ai_rules import REWORK_DAYS, commit_marks, pr_marks
from ..bugfix_rules import classify
from ..model import Commit as CommitRecord
from ..model import Deployment, PullRequest
from ..source_kinds import GIT, MERGES
from ..store import RepoInfo, Store
from .backports import Copies, copies, first_releases, normal_subject
from .bots import is_bot
from .finish import finish, write_records
from .incidents import Revert
from .practices import read_git as read_practices
from .practices import rework_flags
from .releases import Releases, TagRead, choose_releases
from .reverts import REVERT_SUBJ, REVERTS_SHA
from .reverts import detect as detect_revert

US, RS = "\x1f", "\x1e"
MERGE_RE = re.compile(r"^Merge pull request #(\d+) from ([^/\s]+)/(\S+)")
SQUASH_RE = re.compile(r"\(#(\d+)\)\s*$")
# other forges, in a plain clone: a GitLab merge commit's body, a Gerrit change's trailers (it
# keeps the author's date), a Phabricator revision's trailer (``arc land`` squashes)
GITLAB_RE = re.compile(r"^See merge request (\S+)!(\d+)\s*$", re.M)
GITLAB_BRANCH = re.compile(r"^Merge branch '([^']+)' into ")
GERRIT_RE = re.compile(r"^Reviewed-on:\s*(https?://\S*?(\d+))/?\s*$", re.M)
CHANGE_ID = re.compile(r"^Change-Id:\s*I[0-9a-f]{8,}\s*$", re.M)
PHAB_RE = re.compile(r"^Differential Revision:\s*(https?://\S*?/D(\d+))/?\s*$", re.M)
STYLES = {  # landing style -> words for the data-completeness appendix
    "merge": "merge-button or bors merges", "two-parent": "two-parent merges naming their PR",
    "squash": "squash merges", "rebase": "rebase merges", "trailer": "bot-landed PRs",
    "gitlab": "GitLab merge requests", "gerrit": "Gerrit changes",
    "phabricator": "Phabricator revisions"}
STYLES_ELSEWHERE = ("gitlab", "gerrit", "phabricator")  # not GitHub pull requests
BORS_RE = re.compile(r"^Auto merge of #(\d+) - ([^:\s]+):([^\s,]+)")  # bors / homu merge queues
TRAILER_RE = re.compile(r"Pull Request resolved:\s*https?://[^/\s]+/[^/\s]+/[^/\s]+/pull/(\d+)")
GHSTACK = re.compile(r"^ghstack-source-id:", re.MULTILINE)
# long-lived branches where changes land or releases are kept (``stable``, ``maint``,
# ``release-1.2``, ``maintenance/1.26.x``, ``2.3.x``, ``7-1-stable``)
LONG_LIVED = re.compile(r"(?:^|[-/_.])(?:stable|maint|maintenance|release|releases)(?:$|[-/_.])"
                        r"|(?:^|/)v?\d+(?:\.\d+)*\.x$", re.IGNORECASE)


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
    offset: int = 0  # the author date's UTC offset, seconds east
    additions: int = 0  # against the first parent (mainline commits only)
    deletions: int = 0
    files: int = 0
    measured: bool = False  # lines and files were read (``--numstat``)


def _offset(iso_date: str) -> int:
    """Seconds east of UTC from git's ``%ai`` (``2023-11-14 22:13:20 +0100``)."""
    z = iso_date.rsplit(" ", 1)[-1]
    sign = -1 if z.startswith("-") else 1
    return sign * (int(z[1:3]) * 3600 + int(z[3:5]) * 60) if len(z) == 5 else 0


@dataclass
class Landing:
    number: int
    style: str  # a key of STYLES
    commit: Commit  # the landing commit on the mainline
    index: int  # position on the mainline (0 = oldest)
    members: list[Commit] = field(default_factory=list)
    head_owner: str = ""
    head_ref: str = ""
    url: str = ""  # where the change was reviewed, when the forge is not GitHub
    base: str = ""  # the long-lived branch it landed on; "" = the default branch


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


def _log(path: Path, refs: list[str], first_parent: bool, with_body: bool,
         numstat: bool = True, tags: bool = False) -> list[Commit]:
    """Commits of ``refs`` with parents before children. ``refs`` are validated names. With
    ``with_body`` (the first-parent line) each commit also carries its message body and its
    lines added/deleted and files touched against its first parent (``--numstat``)."""
    fmt = US.join(["%H", "%P", "%an", "%ae", "%at", "%ct", "%ai", "%s"] +
                  (["%b", ""] if with_body else []))
    args = ["log", f"--format={RS}{fmt}", "--topo-order", "--reverse"]
    if first_parent:
        args.append("--first-parent")
    if with_body and numstat:
        args.append("--numstat")
    if tags:
        args.append("--tags")  # every tag too (an option: it must come before the refs)
    out = _git(path, *args, "--end-of-options", *refs, "--")
    commits = []
    for rec in out.split(RS):
        rec = rec.strip("\n")
        if not rec:
            continue
        f = rec.split(US)
        c = Commit(f[0], f[1].split(), f[2], f[3], int(f[4]), int(f[5]), f[7],
                   f[8] if with_body and len(f) > 8 else "", _offset(f[6]))
        if with_body and numstat and len(f) > 9:
            c.additions, c.deletions, c.files = _numstat(f[9])
            c.measured = True
        commits.append(c)
    return commits


def _numstat(text: str) -> tuple[int, int, int]:
    """(lines added, lines deleted, files) of ``--numstat`` lines; binary files count as files."""
    add = dele = files = 0
    for line in text.splitlines():
        parts = line.split("\t", 2)
        if len(parts) != 3:
            continue
        files += 1
        add += int(parts[0]) if parts[0].isdigit() else 0
        dele += int(parts[1]) if parts[1].isdigit() else 0
    return add, dele, files


def read_landings(path: Path, branch: str, long_lived: list[str] | None = None
                  ) -> tuple[list[Landing], list[Commit], dict, list[Commit], dict[str, int]]:
    """Landings in mainline order, the mainline commits, all commits by sha (with their
    messages: the branch, every tag and the ``long_lived`` branches), the commits reachable
    from ``branch`` that are not on its first-parent line (merged branches), and for every
    commit ``branch`` reaches the mainline index that brought it in."""
    try:
        mainline = _log(path, [branch], first_parent=True, with_body=True)
    except GitSourceError:  # a partial clone or snapshot lacks some file contents: no sizes
        mainline = _log(path, [branch], first_parent=True, with_body=True, numstat=False)
    # the branch, every tag (release branches included) and the long-lived branches where
    # changes land, never refs/pull/* and the like
    everything = {c.sha: c for c in _log(path, [branch, *(long_lived or [])],
                                          first_parent=False, with_body=True, numstat=False,
                                          tags=True)}
    seen: set[str] = set()
    branch_commits: list[Commit] = []
    members_of: list[list[Commit]] = []
    merged_in: dict[str, int] = {}
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
            branch_commits += members
        seen.add(c.sha)
        members_of.append(members)
        merged_in[c.sha] = i
        for m in members:
            merged_in[m.sha] = i
    return _recognise(mainline, members_of), mainline, everything, branch_commits, merged_in


def long_lived_refs(path: Path, branch: str) -> dict[str, tuple[str, str]]:
    """Branches other than ``branch`` whose names say changes land or releases are kept there
    (``stable``, ``maint…``, ``release-*``, ``X.Y.x``, ``7-1-stable``): name → (ref, tip). A
    local branch wins over a remote-tracking one of the same name."""
    out = _git(path, "for-each-ref", f"--format=%(refname){US}%(objectname)", "refs/heads",
               "refs/remotes")
    refs: dict[str, tuple[str, str]] = {}
    for line in out.splitlines():
        ref, sha = line.split(US)
        if ref.startswith("refs/heads/"):
            name = ref[len("refs/heads/"):]
        else:
            name = ref[len("refs/remotes/"):].partition("/")[2]
        if name and name not in ("HEAD", branch) and LONG_LIVED.search(name):
            refs.setdefault(name, (ref, sha))
    return refs


def branch_landings(refs: dict[str, tuple[str, str]], everything: dict[str, Commit],
                    on_mainline: set[str], merged_in: dict[str, int], numbers: set[int]
                    ) -> tuple[list[Landing], list[str]]:
    """PR landings on the long-lived branches that are merged back into the default branch
    (it reaches at least half the commits of their first-parent line off the mainline: a
    maintenance branch merged back once, long ago, is not one), read from
    their first-parent line down to the mainline; a PR number already landed (``numbers``, or
    on a branch read before) is counted once. Returns the landings and the branches read."""
    landings: list[Landing] = []
    read: list[str] = []
    seen_numbers = set(numbers)
    for name, (_, tip) in sorted(refs.items()):
        line: list[Commit] = []
        sha: str | None = tip
        while sha is not None and sha not in on_mainline and sha in everything:
            line.append(everything[sha])
            sha = everything[sha].parents[0] if everything[sha].parents else None
        if 2 * sum(c.sha in merged_in for c in line) < len(line) or not line:
            continue  # not merged back (at most once, long ago): a maintenance branch
        line.reverse()
        on_line = {c.sha for c in line}
        done: set[str] = set()
        members_of = []
        for c in line:
            members: list[Commit] = []
            stack = list(c.parents[1:])
            while stack:  # the PR's commits: down to this line or the mainline
                s = stack.pop()
                if s in done or s in on_line or s in on_mainline or s not in everything:
                    continue
                done.add(s)
                members.append(everything[s])
                stack.extend(everything[s].parents)
            members_of.append(members)
        mine = [ld for ld in _recognise(line, members_of, base=name)
                if ld.number not in seen_numbers]
        if mine:
            read.append(name)
        seen_numbers |= {ld.number for ld in mine}
        landings += mine
    return landings, read


def branches_sentence(branch: str, read: list[str], elsewhere: list[Landing],
                      copies: str) -> str:
    """Which branches' landings were read, for the data-completeness appendix."""
    out = [f"branches read: {branch} (the default branch)"]
    for name in read:
        n = sum(1 for ld in elsewhere if ld.base == name)
        out.append(f"{name} ({n:,} PRs landed there, merged back into {branch})")
    return ", ".join(out) + (f"; {copies}" if copies else "")


def _measure(path: Path, landings: list[Landing]) -> None:
    """Lines and files of landings off the mainline against their first parent, in one
    ``git diff-tree --stdin`` (the mainline's come with its log)."""
    todo = {ld.commit.sha: ld.commit for ld in landings if not ld.commit.measured}
    for ld in landings:
        if ld.style == "rebase":
            todo.update({m.sha: m for m in ld.members if not m.measured})
    if not todo:
        return
    r = subprocess.run(["git", "-C", str(path), "diff-tree", "--stdin", "--numstat", "-m",
                        "--first-parent", "--no-renames"], input="\n".join(todo) + "\n",
                       capture_output=True, text=True, errors="replace", check=False)
    current: Commit | None = None
    lines: list[str] = []
    for line in [*r.stdout.splitlines(), ""]:
        if line in todo or not line:
            if current is not None:
                current.additions, current.deletions, current.files = _numstat("\n".join(lines))
                current.measured = True
            current, lines = todo.get(line), []
        else:
            lines.append(line)


def _copies(path: Path, everything: dict[str, Commit], merged_in: dict[str, int],
            landings: list[Landing], first: dict[str, int], fork: dict[str, int],
            shipped: Callable[[int], int | None]) -> Copies:
    """Release-branch copies of default-branch changes (``sources.backports``); a pair to
    compare by patch-id is a default-branch commit with the copy's subject, merged after the
    copy's branch forked from the mainline (``fork``: ``fork_points``; a fix prepared on both
    branches at once may be copied before its original is merged: the release still counts
    only from the merge on)."""
    subjects: dict[str, list[str]] = {}
    for sha in merged_in:
        c = everything.get(sha)
        if c is not None and len(c.parents) <= 1:
            subjects.setdefault(normal_subject(c.subject), []).append(sha)
    def pairs_for(c: Commit, same: list[str]) -> list[str]:
        return [s for s in same if merged_in[s] > fork.get(c.sha, -1)]

    return copies(path, everything, set(merged_in), merged_in,
                  {ld.number: ld.index for ld in landings}, first, subjects, pairs_for,
                  shipped)


def _recognise(line: list[Commit], members_of: list[list[Commit]], base: str = ""
               ) -> list[Landing]:
    """The PR landings on a first-parent ``line`` (oldest first), each commit with the commits
    its merge brought in; ``base`` names the branch when it is not the default one (its
    landings are then off the mainline: index -1)."""
    landings: list[Landing] = []
    pending: Landing | None = None
    for k, (c, members) in enumerate(zip(line, members_of, strict=True)):
        i = -1 if base else k
        m = MERGE_RE.match(c.subject) or BORS_RE.match(c.subject)
        if m and len(c.parents) > 1:
            pending = None
            landings.append(Landing(int(m.group(1)), "merge", c, i, members, m.group(2),
                                    m.group(3), base=base))
            continue
        other = _other_forge(c, i, members)
        if other is not None:
            pending = None
            other.base = base
            landings.append(other)
            continue
        t = TRAILER_RE.search(c.body)
        s = SQUASH_RE.search(c.subject)
        number = int(t.group(1)) if t else (int(s.group(1)) if s else None)
        if number is None:
            pending = None
            continue
        if len(c.parents) > 1 and members:
            # a merge whose subject names its PR (merge queues, hand merges): the PR's own
            # commits are M^1..M^2, as for a merge-button merge
            pending = None
            landings.append(Landing(number, "two-parent", c, i, members, base=base))
            continue
        if pending is not None and pending.number == number and pending.style in ("squash",
                                                                                  "rebase"):
            pending.style = "rebase"
            pending.members.append(c)
            pending.commit, pending.index = c, i
            continue
        pending = Landing(number, "trailer" if t else "squash", c, i, [c], base=base)
        landings.append(pending)
    return landings


def _other_forge(c: Commit, i: int, members: list[Commit]) -> Landing | None:
    """A GitLab, Gerrit or Phabricator landing, recognised from its message."""
    g = GITLAB_RE.search(c.body)
    if g and len(c.parents) > 1:
        br = GITLAB_BRANCH.match(c.subject)
        return Landing(int(g.group(2)), "gitlab", c, i, members, "", br.group(1) if br else "")
    ger = GERRIT_RE.search(c.body)
    if ger and CHANGE_ID.search(c.body) and len(c.parents) <= 1:
        return Landing(int(ger.group(2)), "gerrit", c, i, [c], url=ger.group(1))
    ph = PHAB_RE.search(c.body)
    if ph and len(c.parents) <= 1:
        return Landing(int(ph.group(2)), "phabricator", c, i, [c], url=ph.group(1))
    return None


def landing_sentence(landings: list[Landing], branch: str) -> str:
    """How the PRs landed on ``branch``, counted by style, for the data-completeness appendix."""
    counts: dict[str, int] = {}
    for ld in landings:
        counts[ld.style] = counts.get(ld.style, 0) + 1
    if not counts:
        return f"no PR landings recognised on {branch}"
    return f"landings on {branch}: " + ", ".join(
        f"{n:,} {STYLES[k]}" for k, n in sorted(counts.items(), key=lambda x: -x[1]))


def fork_points(mainline: list[Commit], everything: dict[str, Commit]) -> dict[str, int]:
    """For every commit, the index of the newest mainline commit among its ancestors (itself
    for a mainline commit; -1 when none). ``everything`` must hold parents before children
    (``git log --topo-order --reverse``), so this is one pass."""
    index = {c.sha: i for i, c in enumerate(mainline)}
    fork: dict[str, int] = {}
    for sha, c in everything.items():
        own = index.get(sha)
        fork[sha] = own if own is not None else max((fork.get(p, -1) for p in c.parents),
                                                    default=-1)
    return fork


def read_tags(path: Path, fork: dict[str, int], pattern: str | None = None
              ) -> tuple[list[tuple[str, int, int]], Releases]:
    """(tag, fork point on the mainline, time) of every release of the repository — its
    product's family of final-version tags, one per commit (``choose_releases``) — and what was
    left out: a tag contains the mainline commits up to its fork point."""
    out = _git(path, "for-each-ref", "--format=%(refname:short)" + US + "%(objectname)" + US +
               "%(*objectname)" + US + "%(creatordate:unix)" + US +
               "%(*committerdate:unix)" + US + "%(committerdate:unix)", "refs/tags")
    read = []
    for line in out.splitlines():
        name, obj, peeled, when, peeled_at, own_at = line.split(US)
        sha = peeled or obj
        if not when or fork.get(sha, -1) < 0:
            continue
        read.append(TagRead(name, sha, int(when), int(peeled_at or own_at or when)))
    releases = choose_releases(read, pattern)
    return [(t.name, fork[t.sha], t.tagged_at) for t in releases.kept], releases


def _title(landing: Landing) -> str:
    c = landing.commit
    if landing.style in ("merge", "gitlab"):
        first = next((ln.strip() for ln in c.body.splitlines() if ln.strip()), "")
        return first or c.subject
    return c.subject


class _Deployed:
    """The first tag containing each mainline index: the earliest tag time among tags whose
    fork point is at or after it."""

    def __init__(self, tags: list[tuple[str, int, int]]):
        idx = np.array([t[1] for t in tags], dtype=np.int64)
        when = np.array([t[2] for t in tags], dtype=np.int64)
        order = np.argsort(idx, kind="stable")
        self.idx, when = idx[order], when[order]
        self.first = np.minimum.accumulate(when[::-1])[::-1] if when.size else when

    def at(self, index: int) -> int | None:
        k = int(np.searchsorted(self.idx, index, side="left"))
        return int(self.first[k]) if k < self.idx.size else None


def _reverted(c: Commit, title: str, head_ref: str, by_sha: dict[str, int],
              by_title: dict[str, int]) -> tuple[bool, int | None]:
    """(is a revert, the reverted PR when it can be found) of a landing or mainline commit:
    the one definition in ``sources.reverts``, on the title, head branch and commit body."""
    return detect_revert(title, head_ref, c.body, by_sha, by_title)


def sync_git(store: Store, path: str | Path, repo: str | None = None,
             branch: str | None = None, account_key: str = "",
             release_tags: str | None = None) -> dict[str, int]:
    """Read the clone at ``path`` into the store as ``repo`` (default: from the origin URL);
    with ``account_key`` it is private to that account; ``release_tags`` (a regular expression)
    picks the tag family that marks the product's releases (default: the family with the most
    releases)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise GitSourceError(f"{path} does not exist")
    try:
        _git(path, "rev-parse", "--git-dir")
    except GitSourceError as exc:
        raise GitSourceError(f"{path} is not a git repository") from exc
    if branch is not None:
        _check_branch_name(path, branch)
    if not _git(path, "for-each-ref", "--count=1", "--format=%(refname)").strip() and \
            not _has_commit(path, "HEAD"):
        raise GitSourceError(f"{path} is an empty repository: it has no commits to read")
    if release_tags is not None:
        try:
            if len(release_tags) > 200:
                raise re.error("longer than 200 characters")
            re.compile(release_tags)
        except re.error as exc:
            raise GitSourceError(f"--release-tags is not a usable regular expression: {exc}"
                                 ) from None
    branch = branch or _default_branch(path)
    if not _has_commit(path, branch):
        raise GitSourceError(f"{path} has no branch {branch!r}")
    repo = clone_name(path, repo)
    long_lived = long_lived_refs(path, branch)
    landings, mainline, everything, branch_commits, merged_in = read_landings(
        path, branch, [ref for ref, _ in long_lived.values()])
    fork = fork_points(mainline, everything)
    tags, releases = read_tags(path, fork, release_tags)
    deployed_by = _Deployed(tags)
    on_mainline = {c.sha for c in mainline}
    first = first_releases(everything, on_mainline, {t.sha: t.tagged_at for t in releases.kept})
    elsewhere, branches_read = branch_landings(long_lived, everything, on_mainline, merged_in,
                                               {ld.number for ld in landings})
    _measure(path, elsewhere)
    by_sha = {}
    for ld in [*landings, *elsewhere]:
        for c in [ld.commit, *ld.members]:
            by_sha[c.sha] = ld.number
    found = _copies(path, everything, merged_in, landings, first, fork, deployed_by.at)

    def deployed(ld: Landing) -> int | None:
        """The first release carrying the landing, or a copy of it on a release branch."""
        sha = ld.commit.sha
        t = deployed_by.at(merged_in[sha]) if sha in merged_in else None
        for other in (first.get(sha) if ld.base else None, found.release_at.get(ld.index)
                      if not ld.base else None):
            if other is not None and other >= ld.commit.committed and (t is None or other < t):
                t = other
        return t

    # titles of the landings so far: a revert found by title is of the latest earlier PR
    by_title: dict[str, int] = {}
    landing_at = {ld.index: ld for ld in landings}
    landed = {ld.commit.sha for ld in landings} | {m.sha for ld in landings for m in ld.members}
    # commits of PRs landed on other branches are not the work of a PR merging that branch
    theirs = {m.sha for ld in elsewhere for m in [ld.commit, *ld.members]}
    prs, extra = [], []
    for i, c in enumerate(mainline):
        ld = landing_at.get(i)
        if ld is None:  # a revert pushed without a PR (e.g. PyTorch's revert bot)
            if c.sha not in landed and (REVERT_SUBJ.match(c.subject) or
                                        REVERTS_SHA.match(c.body.lstrip())):
                _, reverted = _reverted(c, c.subject, "", by_sha, by_title)
                extra.append(Revert(f"revert-{c.sha[:12]}", c.committed,
                                    deployed(Landing(0, "", c, i)), reverted, c.sha[:12]))
            continue
        prs.append(_pull_request(repo, ld, branch, deployed(ld), by_sha, by_title, theirs))
    for ld in elsewhere:
        prs.append(_pull_request(repo, ld, ld.base, deployed(ld), by_sha, by_title, set()))
    deps = [Deployment(repo, name, when, sha="", environment="", source="tags")
            for name, _, when in tags]
    commits = commit_records(repo, mainline, branch_commits, by_sha)
    store.upsert_repo(RepoInfo(repo, GIT.key, False, branch, "tags" if deps else MERGES,
                               account_key=account_key))
    run = store.start_sync(repo, GIT.key)
    write_records(store, repo, prs, commits)
    store.set_cursor(repo, "releases", releases.sentence())
    store.set_cursor(repo, "landings", landing_sentence(landings, branch))
    store.set_cursor(repo, "branches", branches_sentence(branch, branches_read, elsewhere,
                                                         found.sentence()))
    # the whole list each time: a change of deployment source replaces the old deployments
    done = finish(store, repo, deps, "tags", extra)
    touched: dict[int, tuple[int, set[str]]] = {}
    files: dict[int, set[str]] = {}  # every path each PR's mainline commits changed
    audit, changes = read_practices(path, branch, by_sha, touched, files)  # mainline → PR
    fixes = {p.number for p in prs if p.is_revert or classify(p.title, p.labels)}
    store.set_audit(repo, audit, changes, rework_flags(touched, fixes, REWORK_DAYS), files)
    store.finish_sync(run, "ok", prs=len(prs))
    return {"prs": len(prs), "commits": len(commits), "tags": len(deps),
            "incidents": done.incidents, "reverts_without_pr": len(extra)}


def _pull_request(repo: str, ld: Landing, base: str, deployed_at: int | None,
                  by_sha: dict[str, int], by_title: dict[str, int], theirs: set[str]
                  ) -> PullRequest:
    """The PR a landing is; ``by_title`` learns its title (a later revert may name it);
    ``theirs``: commits of PRs landed on other branches, never this one's work."""
    c = ld.commit
    # the PR's own commits; merges of the base into the PR branch are not its work
    merge = ld.style in ("merge", "two-parent", "gitlab")
    members = [m for m in ld.members if m.sha != c.sha and len(m.parents) <= 1
               and m.sha not in theirs] if merge else ld.members
    if merge or ld.style == "rebase":
        first_commit = min((m.authored for m in members), default=None)
    elif ld.style == "trailer" and GHSTACK.search(c.body) or ld.style == "gerrit":
        first_commit = c.authored  # ghstack and Gerrit keep the author's date
    else:
        first_commit = None  # a squash (by GitHub or a bot) carries a fresh author date
    title = _title(ld)
    author_c = min(members, key=lambda m: m.authored) if members else c
    author_bot = is_bot(author_c.author, author_c.email)
    ai, ai_tool = pr_marks([_ai(x) for x in [c, *members]], "", author_c.author, author_bot)
    is_revert, reverted = _reverted(c, title, ld.head_ref, by_sha, by_title)
    sized = ld.members if ld.style == "rebase" else [c]
    by_title[title] = by_title[SQUASH_RE.sub("", title).rstrip()] = ld.number
    return PullRequest(
        repo=repo, number=ld.number, title=SQUASH_RE.sub("", title).rstrip() or title,
        author=author_c.author,
        author_is_bot=author_bot, first_commit_at=first_commit, ai_rules=ai, ai_tool=ai_tool,
        merged_at=c.committed, closed_at=c.committed, deployed_at=deployed_at,
        merged_by=c.author if merge else "",
        base_ref=base, head_ref=ld.head_ref, merge_commit_sha=c.sha,
        is_revert=is_revert, reverted_number=reverted, author_utc_offset=author_c.offset,
        additions=sum(x.additions for x in sized), deletions=sum(x.deletions for x in sized),
        changed_files=sum(x.files for x in sized),
        url=ld.url or (f"https://github.com/{repo}/pull/{ld.number}"
                       if not repo.startswith("local/") and ld.style not in STYLES_ELSEWHERE
                       else ""),
    )


def commit_records(repo: str, mainline: list[Commit], branch_commits: list[Commit],
                   pr_of: dict[str, int]) -> list[CommitRecord]:
    """Every non-merge commit of the branch as a record: the PR it landed with (``pr_of``),
    the author's clock, and lines changed where the first-parent pass measured them."""
    out = []
    for c in mainline + branch_commits:
        if len(c.parents) > 1:
            continue  # a merge is no coding
        out.append(CommitRecord(
            repo, c.sha, c.authored, pr_of.get(c.sha), c.author, is_bot(c.author, c.email),
            c.offset, c.committed, c.additions if c.measured else None,
            c.deletions if c.measured else None, *_ai(c)))
    return out


def _ai(c: Commit) -> tuple[str, str]:
    """(AI rule, tool) of a commit: its author's address, its trailers, its markers."""
    return commit_marks(c.author, c.email, f"{c.subject}\n\n{c.body}")


def _check_branch_name(path: Path, branch: str) -> None:
    """A branch name as git allows one (``git check-ref-format --branch``) and never an option
    or a range (``main..main``): else ``GitSourceError``."""
    shown = repr(branch if len(branch) <= 60 else branch[:59] + "…")
    if not branch or branch.startswith("-") or any(ch in branch for ch in " \t\n~^:?*[\\") \
            or ".." in branch or "@{" in branch:
        raise GitSourceError(f"not a branch name: {shown}")
    try:
        _git(path, "check-ref-format", "--branch", branch)
    except GitSourceError:
        raise GitSourceError(f"not a branch name: {shown}") from None


def _has_commit(path: Path, ref: str) -> bool:
    """Whether ``ref`` (a checked name) names a commit in the clone."""
    try:
        _git(path, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except GitSourceError:
        return False
    return True


def clone_name(path: Path, repo: str | None = None) -> str:
    """The name a clone is filed under: ``repo``, else its origin's owner/name, else
    ``local/<folder>``."""
    repo = repo or _repo_from_origin(path) or path.resolve().name
    return repo if "/" in repo else f"local/{repo}"


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
