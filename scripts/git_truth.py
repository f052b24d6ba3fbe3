"""Independent plain-git truth for the git source's release and landing figures (issue 28,
point 8). It imports nothing from ``casestudy``: plain ``git`` commands and pandas.

Per month of merge (from ``--since``): releases (final-version tags of the chosen family, one per
commit at its earliest tag, backfills left out), merged PR landings per branch (the default
branch and long-lived branches merged back), the deploy-time median with and without
backports, and the two-parent ``… (#N)`` landings with their first-commit time and author.

It computes differently from the code under test where it can: the first release containing a
commit comes from ``git rev-list <tag> --not <earlier tags>`` (one per release, by tag time),
not from fork points, and copies are found by a full ``git patch-id`` of every release-branch
commit against every default-branch commit of the period (no subject pairing).

    python scripts/git_truth.py CLONE [--since 2024-01] [--branch main] [--family gopls/]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import UTC, datetime

import pandas as pd

US, RS = "\x1f", "\x1e"
FINAL = re.compile(r"^(?P<prefix>.*?)(?P<version>\d+(?:[._]\d+)+)$")
PRE_WORDS = re.compile(r"(rc|alpha|beta|pre|preview|dev|nightly|canary|snapshot)\d*",
                       re.IGNORECASE)
LONG_LIVED = re.compile(r"(?:^|[-/_.])(?:stable|maint|maintenance|release|releases)(?:$|[-/_.])"
                        r"|(?:^|/)v?\d+(?:\.\d+)*\.x$", re.IGNORECASE)
MERGE_BUTTON = re.compile(r"^Merge pull request #(\d+) from ")
BORS = re.compile(r"^Auto merge of #(\d+) - ")
NUMBER_AT_END = re.compile(r"\(#(\d+)\)\s*$")
GITLAB = re.compile(r"^See merge request \S+!(\d+)\s*$", re.M)
GERRIT = re.compile(r"^Reviewed-on:\s*https?://\S*?(\d+)/?\s*$", re.M)
CHANGE_ID = re.compile(r"^Change-Id:\s*I[0-9a-f]{8,}\s*$", re.M)
PHAB = re.compile(r"^Differential Revision:\s*https?://\S*?/D(\d+)/?\s*$", re.M)
PR_TRAILER = re.compile(r"Pull Request resolved:\s*https?://[^/\s]+/[^/\s]+/[^/\s]+/pull/(\d+)")
CHERRY = re.compile(r"\(cherry picked from commit ([0-9a-f]{40})\)")
NAMED = re.compile(r"\(#(\d+)\)|\bbackport(?:s|ed)?(?: of)?(?: (?:PR|pull request))? #(\d+)",
                   re.IGNORECASE)
BACKPORT_BRANCH = re.compile(r"^Merge pull request #\d+ from \S+?/\S*backport\S*?[-_/]"
                             r"(\d+(?:[-_]\d+)*)\b")
FLATTENED = re.compile(r"^(?:Merge pull request|Auto merge of) #(\d+)")
BACKFILL_DAYS = 30


def git(path: str, *args: str, stdin: str | None = None, check: bool = True) -> str:
    return subprocess.run(["git", "-C", path, *args], input=stdin, capture_output=True,
                          text=True, errors="replace", check=check).stdout


def commits(path: str, *refs: str, first_parent: bool = False) -> list[dict]:
    fmt = US.join(["%H", "%P", "%an", "%at", "%ct", "%s", "%b"])
    args = ["log", f"--format={RS}{fmt}", "--topo-order", "--reverse"]
    out = git(path, *args, *(["--first-parent"] if first_parent else []), *refs, "--")
    rows = []
    for rec in out.split(RS):
        if not rec.strip("\n"):
            continue
        f = rec.strip("\n").split(US)
        rows.append({"sha": f[0], "parents": f[1].split(), "author": f[2],
                     "authored": int(f[3]), "committed": int(f[4]), "subject": f[5],
                     "body": f[6] if len(f) > 6 else ""})
    return rows


def pr_number(c: dict) -> tuple[int, str] | None:
    """(PR number, landing kind) a first-parent commit lands, by its message."""
    two = len(c["parents"]) > 1
    for rx, kind in ((MERGE_BUTTON, "merge"), (BORS, "merge")):
        m = rx.match(c["subject"])
        if m and two:
            return int(m.group(1)), kind
    g = GITLAB.search(c["body"])
    if g and two:
        return int(g.group(1)), "gitlab"
    g = GERRIT.search(c["body"])
    if g and CHANGE_ID.search(c["body"]) and not two:
        return int(g.group(1)), "gerrit"
    g = PHAB.search(c["body"])
    if g and not two:
        return int(g.group(1)), "phabricator"
    t = PR_TRAILER.search(c["body"])
    if t:
        return int(t.group(1)), "trailer"
    m = NUMBER_AT_END.search(c["subject"])
    if m:
        return int(m.group(1)), "two-parent" if two else "squash"
    return None


def landings(line: list[dict], graph: dict[str, dict], stop: set[str], base: str) -> list[dict]:
    """PRs landed on a first-parent line (oldest first): each with the commits only it brought
    (reachable from its second parents, not from ``stop`` or an earlier commit of the line)."""
    visited = set(stop)
    out: list[dict] = []
    last = None
    for c in line:
        brought = []
        todo = list(c["parents"][1:])
        while todo:
            s = todo.pop()
            if s in visited or s not in graph:
                continue
            visited.add(s)
            brought.append(graph[s])
            todo += graph[s]["parents"]
        visited.add(c["sha"])
        got = pr_number(c)
        if got is None:
            last = None
            continue
        n, kind = got
        if kind in ("merge", "gitlab") or (kind == "two-parent" and brought):
            last = None
            out.append({"number": n, "kind": kind, "commit": c, "brought": brought,
                        "base": base})
            continue
        kind = "squash" if kind == "two-parent" else kind
        if kind in ("gerrit", "phabricator"):
            last = None
            out.append({"number": n, "kind": kind, "commit": c, "brought": [c], "base": base})
        elif kind == "squash" and last is not None and last["number"] == n and \
                last["kind"] in ("squash", "rebase"):
            last["kind"] = "rebase"
            last["brought"].append(c)
            last["commit"] = c
        else:
            last = {"number": n, "kind": kind, "commit": c, "brought": [c], "base": base}
            out.append(last)
    return out


def releases(path: str, family: str | None) -> tuple[list[dict], str]:
    """Final-version tags of the chosen family, one per commit at its earliest tag, without
    backfills, sorted by tag time."""
    out = git(path, "for-each-ref", "--format=%(refname:short)" + US + "%(objectname)" + US +
              "%(*objectname)" + US + "%(creatordate:unix)" + US + "%(*committerdate:unix)" +
              US + "%(committerdate:unix)", "refs/tags")
    rows = []
    for line in out.splitlines():
        name, obj, peeled, made, peeled_at, own_at = line.split(US)
        m = FINAL.match(name)
        if not m or not made or PRE_WORDS.search(name):
            continue
        prefix = m.group("prefix")
        rows.append({"name": name, "sha": peeled or obj, "tagged": int(made),
                     "committed": int(peeled_at or own_at or made),
                     "family": prefix[:-1] if prefix[-1:] in "vV" and prefix else prefix,
                     "version": tuple(int(x) for x in re.split(r"[._]", m.group("version")))})
    tags = pd.DataFrame(rows)
    if tags.empty:
        return [], ""
    chosen = family if family is not None else (
        tags.groupby("family").size().sort_values(ascending=False).index[0])
    mine = tags[tags.family == chosen].sort_values(["tagged", "version"])
    kept, best = {}, ()
    for t in mine.itertuples():
        if best > t.version and t.tagged - t.committed > BACKFILL_DAYS * 86400:
            continue
        best = max(best, t.version)
        kept.setdefault(t.sha, {"name": t.name, "sha": t.sha, "tagged": t.tagged})
    return sorted(kept.values(), key=lambda t: t["tagged"]), chosen


def first_release(path: str, kept: list[dict]) -> dict[str, int]:
    """The time of the earliest release containing each commit: the commits a release adds
    to every earlier one (``git rev-list T --not earlier``), releases in time order."""
    first: dict[str, int] = {}
    earlier: list[str] = []
    for t in kept:
        for sha in git(path, "rev-list", "--stdin", stdin="\n".join(
                [t["sha"], *(f"^{e}" for e in earlier)]) + "\n").split():
            first.setdefault(sha, t["tagged"])
        earlier.append(t["sha"])
    return first


def patch_ids(path: str, shas: list[str]) -> dict[str, str]:
    """Patch-ids of ``shas``; where the snapshot lacks a file's contents diff-tree stops in
    that commit: it is skipped and the ones after it are read by a new diff-tree."""
    out: dict[str, str] = {}
    wanted = set(shas)
    while shas:
        r = subprocess.run(["git", "-C", path, "diff-tree", "--stdin", "-p", "--always"],
                           input="\n".join(shas) + "\n", capture_output=True, text=True,
                           errors="replace")
        diff, left = r.stdout, []
        if r.returncode:
            printed = [x for x in diff.split("\n") if x in wanted]
            last = printed[-1] if printed else shas[0]
            diff = diff[:diff.rfind(last)] if printed else ""
            left = shas[shas.index(last) + 1:]
        for line in git(path, "patch-id", "--stable", stdin=diff).splitlines():
            a, b = line.split()
            out[b] = a
        shas = left
    return out


def month(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m")


def truth(path: str, since: str, branch: str | None, family: str | None) -> dict:
    if branch is None:
        try:
            branch = git(path, "symbolic-ref", "--short",
                         "refs/remotes/origin/HEAD").strip().split("/", 1)[1]
        except subprocess.CalledProcessError:
            branch = git(path, "rev-parse", "--abbrev-ref", "HEAD").strip()
    refs = {}
    for line in git(path, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads",
                    "refs/remotes").splitlines():
        ref, sha = line.split()
        name = ref.split("/", 2)[2] if ref.startswith("refs/heads/") else \
            ref.split("/", 3)[3] if ref.count("/") >= 3 else ""
        if name and name not in ("HEAD", branch) and LONG_LIVED.search(name):
            refs.setdefault(name, (ref, sha))
    mainline = commits(path, branch, first_parent=True)
    graph = {c["sha"]: c for c in commits(path, branch, "--tags", *(r for r, _ in
                                                                      refs.values()))}
    on_main = {c["sha"] for c in mainline}
    main = landings(mainline, graph, set(), branch)
    reached = set(on_main) | {b["sha"] for ld in main for b in ld["brought"]}
    # every commit the default branch reaches, not only those PRs brought
    reached |= set(git(path, "rev-list", branch).split())
    numbers = {ld["number"] for ld in main}
    other: list[dict] = []
    for name, (_, tip) in sorted(refs.items()):
        line, sha = [], tip
        while sha and sha not in on_main and sha in graph:
            line.append(graph[sha])
            sha = graph[sha]["parents"][0] if graph[sha]["parents"] else None
        if not line or 2 * sum(c["sha"] in reached for c in line) < len(line):
            continue
        line.reverse()
        got = [ld for ld in landings(line, graph, on_main | {c["sha"] for c in line}, name)
               if ld["number"] not in numbers]
        # the line's own commits stop the walk, as the mainline does for the default branch
        numbers |= {ld["number"] for ld in got}
        other += got
    kept, chosen = releases(path, family)
    first = first_release(path, kept)
    start = int(datetime.strptime(since, "%Y-%m").replace(tzinfo=UTC).timestamp())
    # copies: released commits the default branch does not reach, made since the start
    landing_of = {}
    by_number = {}
    for ld in main:
        by_number[ld["number"]] = ld
        for c in [ld["commit"], *ld["brought"]]:
            landing_of[c["sha"]] = ld
    copies = [graph[s] for s in first if s not in reached and s in graph and first[s] >= start]
    copy_release: dict[int, int] = {}

    def credit(ld: dict, when: int) -> None:
        k = id(ld)
        copy_release[k] = min(copy_release.get(k, when), when)

    rest = []
    for c in copies:
        hits = [landing_of[m] for m in CHERRY.findall(c["body"]) if m in landing_of]
        if not hits:  # the first number the subject names that landed on the default branch
            nums = [int(a or b) for a, b in NAMED.findall(c["subject"])]
            flat = FLATTENED.match(c["subject"])  # a landing's merge flattened onto the branch
            nums += [int(flat.group(1))] if flat and len(c["parents"]) <= 1 else []
            hits = [by_number[n] for n in nums if n in by_number][:1]
            bp = BACKPORT_BRANCH.match(c["subject"])  # every PR the branch name carries
            hits += [by_number[int(n)] for n in re.split(r"[-_]", bp.group(1))
                     if int(n) in by_number] if bp else []
        for ld in hits:
            credit(ld, first[c["sha"]])
        if not hits and len(c["parents"]) <= 1:
            rest.append(c["sha"])
    mine = [s for s, ld in landing_of.items() if ld["commit"]["committed"] >= start
            and len(graph.get(s, {"parents": []})["parents"]) <= 1]
    ids = patch_ids(path, rest + mine)
    by_id: dict[str, list[dict]] = {}
    for s in mine:
        if s in ids:
            by_id.setdefault(ids[s], []).append(landing_of[s])
    for s in rest:
        for ld in by_id.get(ids.get(s, ""), []):
            credit(ld, first[s])
    rows = []
    for ld in [*main, *other]:
        c = ld["commit"]
        if c["committed"] < start:
            continue
        plain = first.get(c["sha"])
        with_copies = plain
        cr = copy_release.get(id(ld))
        if cr is not None and cr >= c["committed"] and (plain is None or cr < plain):
            with_copies = cr
        own = [b for b in ld["brought"] if len(b["parents"]) <= 1 and b["sha"] != c["sha"]]
        earliest = min(own, key=lambda b: b["authored"]) if own else None
        rows.append({"number": ld["number"], "base": ld["base"], "kind": ld["kind"],
                     "month": month(c["committed"]), "merged": c["committed"],
                     "deploy": None if plain is None else plain - c["committed"],
                     "deploy_with_copies": None if with_copies is None else
                     with_copies - c["committed"],
                     "first_commit": earliest["authored"] if earliest and
                     ld["kind"] == "two-parent" else None,
                     "author": earliest["author"] if earliest and ld["kind"] == "two-parent"
                     else None})
    df = pd.DataFrame(rows)
    rel = pd.Series([month(t["tagged"]) for t in kept if t["tagged"] >= start], dtype=object)
    out: dict = {"branch": branch, "family": chosen, "since": since, "months": {},
                 "prs": {} if df.empty else {
                     f"{r.base}#{r.number}": [None if pd.isna(r.deploy) else int(r.deploy),
                                              None if pd.isna(r.deploy_with_copies)
                                              else int(r.deploy_with_copies)]
                     for r in df.itertuples()}}
    months = sorted(set(df.month) | set(rel)) if not df.empty else sorted(set(rel))
    for mo in months:
        d = df[df.month == mo] if not df.empty else df
        two = d[d.kind == "two-parent"] if not d.empty else d
        out["months"][mo] = {
            "releases": int((rel == mo).sum()),
            "landings": {b: int(n) for b, n in d.groupby("base").size().items()}
            if not d.empty else {},
            "deploy_median": _median(d, "deploy"),
            "deploy_median_with_backports": _median(d, "deploy_with_copies"),
            "two_parent": {int(r.number): [int(r.first_commit) if pd.notna(r.first_commit)
                                           else None, r.author]
                           for r in two.itertuples()} if not two.empty else {},
        }
    return out


def _median(d: pd.DataFrame, col: str) -> float | None:
    if d.empty:
        return None
    v = d[col].dropna()
    return float(v.median()) if len(v) else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("clone")
    p.add_argument("--since", default="2024-01", help="first month, YYYY-MM")
    p.add_argument("--branch")
    p.add_argument("--family", help="the release tags' prefix before the version "
                   "(default: the family with the most releases)")
    a = p.parse_args(argv)
    json.dump(truth(a.clone, a.since, a.branch, a.family), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
