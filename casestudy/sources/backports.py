"""Backports: a default-branch change ships in the first release that carries it *or a copy of
it* on a release branch. Linear passes over the commit graph the git source already read, and at
most one ``git diff-tree | git patch-id --stable`` pipe (never a git process per change):

* ``first_releases``: for every commit off the default branch's first-parent line, the earliest
  release whose tag contains it (children before parents, one pass).
* ``copies``: the released commits no default-branch commit reaches (release and maintenance
  branches) that copy a default-branch change — a ``(cherry picked from commit X)`` trailer, a
  subject naming the PR (``… (#N)``, ``Backport #N``, ``[3.1] … (#N)``, a ``backport-N``
  branch merged on the release branch, a landing's ``Auto merge of #N`` flattened to one
  parent), or the same ``git patch-id`` as a default-branch commit with the same subject (the
  pipe reads only those pairs, so a copy whose subject was rewritten and that names nothing is
  not found).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

CHERRY = re.compile(r"\(cherry picked from commit ([0-9a-f]{40})\)")
NAMES_PR = re.compile(r"\(#(\d+)\)|\bbackport(?:s|ed)?(?: of)?(?: (?:PR|pull request))? #(\d+)",
                      re.IGNORECASE)
# a backport PR's branch naming the PRs it carries (numpy's ``charris/backport-26377-26426``)
BACKPORT_BRANCH = re.compile(r"^Merge pull request #\d+ from \S+?/\S*backport\S*?[-_/]"
                             r"(\d+(?:[-_]\d+)*)\b")
FLATTENED = re.compile(r"^(?:Merge pull request|Auto merge of) #(\d+)")
_PREFIX = re.compile(r"^(?:\[[^\]]{1,60}\]\s*|backport:?\s+)+", re.IGNORECASE)
_SUFFIX = re.compile(r"(?:\s*\((?:#|GH-)\d+\))+\s*$")


class _Commit(Protocol):
    sha: str
    parents: list[str]
    subject: str
    body: str
    committed: int


def first_releases(everything: dict[str, _Commit], on_mainline: set[str],
                   released: dict[str, int]) -> dict[str, int]:
    """The earliest release time containing each commit off the mainline, from ``released``
    (tag commit → release time). ``everything`` holds parents before children, so reading it
    backwards passes each commit's earliest release to its parents in one pass; a path through a
    mainline commit is the mainline's own deployment rule (its fork point), not needed here."""
    first: dict[str, int] = {}
    for sha in reversed(list(everything)):
        if sha in on_mainline:
            continue
        t = released.get(sha)
        got = first.get(sha)
        if t is not None and (got is None or t < got):
            first[sha] = got = t
        if got is None:
            continue
        for p in everything[sha].parents:
            if p not in on_mainline and (first.get(p) is None or got < first[p]):
                first[p] = got
    return first


def normal_subject(subject: str) -> str:
    """A subject without backport prefixes (``[3.1]``, ``[gopls-release-branch.0.16]``,
    ``Backport:``) and trailing PR numbers, to pair a copy with its original."""
    return _SUFFIX.sub("", _PREFIX.sub("", subject)).strip()


@dataclass
class Copies:
    """Default-branch changes shipped first by a copy: mainline index → earliest release time,
    and how many copies each rule found."""

    release_at: dict[int, int] = field(default_factory=dict)
    by_rule: dict[str, set[str]] = field(default_factory=dict)  # rule -> the copies

    def add(self, index: int, when: int, rule: str, copy: str) -> None:
        if self.release_at.get(index) is None or when < self.release_at[index]:
            self.release_at[index] = when
        self.by_rule.setdefault(rule, set()).add(copy)

    def sentence(self) -> str:
        words = {"trailer": "cherry-pick trailers", "number": "PR numbers in the subject",
                 "patch-id": "same patch and subject, read where the copy ships first"}
        if not self.by_rule:
            return ""
        n = sum(len(v) for v in self.by_rule.values())
        return (f"{n:,} release-branch commit{'s copy' if n != 1 else ' copies'} "
                "a default-branch change (" + ", ".join(
                    f"{len(v):,} by {words[k]}" for k, v in self.by_rule.items())
                + "); the change ships with the first release carrying it or a copy")


def copies(path: Path, everything: dict[str, _Commit], reachable: set[str],
           merged_in: dict[str, int], landing_index: dict[int, int],
           first: dict[str, int], subjects: dict[str, list[str]],
           pairs_for: Callable[[_Commit, list[str]], list[str]],
           shipped: Callable[[int], int | None]) -> Copies:
    """The released commits off the default branch (``reachable``: every commit the default
    branch reaches) that copy a default-branch change, with the mainline index of the change
    (``merged_in``: commit → the mainline index that brought it in; ``landing_index``: PR
    number → its landing's index; ``subjects``: normalised subject → default-branch commits
    with it; ``pairs_for`` keeps those a copy can be of, for the patch-id pipe; ``shipped``:
    the release of a mainline index without copies). A pair is read by patch-id only where the
    copy's release would ship the change earlier than anything found so far."""
    out = Copies()
    pairs: list[tuple[str, list[str]]] = []
    for sha, c in everything.items():
        when = first.get(sha)
        if sha in reachable or when is None:
            continue
        hit = False
        for m in CHERRY.finditer(c.body):
            if m.group(1) in merged_in:
                out.add(merged_in[m.group(1)], when, "trailer", sha)
                hit = True
        if hit:
            continue
        numbers = [int(a or b) for a, b in NAMES_PR.findall(c.subject)]
        flat = FLATTENED.match(c.subject)  # a landing's merge flattened onto the branch
        numbers += [int(flat.group(1))] if flat and len(c.parents) <= 1 else []
        # the first number the subject names that landed, and every one the branch names
        bp = BACKPORT_BRANCH.match(c.subject)
        named = [int(x) for x in re.split(r"[-_]", bp.group(1))] if bp else []
        for n in [*[x for x in numbers if x in landing_index][:1], *named]:
            if n in landing_index:
                out.add(landing_index[n], when, "number", sha)
                hit = True
        if hit or len(c.parents) > 1:
            continue
        same = pairs_for(c, subjects.get(normal_subject(c.subject), []))
        if same:
            pairs.append((sha, same))

    def earlier(s: str, when: int) -> bool:
        i = merged_in[s]
        known = [t for t in (out.release_at.get(i), shipped(i)) if t is not None]
        return not known or when < min(known)

    pairs = [(sha, kept) for sha, same in pairs
             if (kept := [s for s in same if earlier(s, first[sha])])]
    if pairs:
        ids = _patch_ids(path, {s for sha, same in pairs for s in [sha, *same]})
        for sha, same in pairs:
            pid = ids.get(sha)
            match = [s for s in same if pid and ids.get(s) == pid]
            if match:
                out.add(min(merged_in[s] for s in match), first[sha], "patch-id", sha)
    return out


def _patch_ids(path: Path, shas: Iterable[str]) -> dict[str, str]:
    """``git patch-id --stable`` of each commit against its first parent, in one pipe. A
    partial clone or snapshot may lack a file's contents: ``diff-tree`` stops at that commit,
    which gets no patch-id, and a new pipe reads the commits after it."""
    todo = sorted(shas)
    wanted = set(todo)
    out: dict[str, str] = {}
    while todo:
        diff = subprocess.run(["git", "-C", str(path), "diff-tree", "--stdin", "-p", "--always",
                               "--no-color"], input="\n".join(todo) + "\n",
                              capture_output=True, text=True, errors="replace", check=False)
        text, rest = diff.stdout, []
        if diff.returncode != 0:  # drop the commit it stopped in; read the rest again
            heads = [ln for ln in text.splitlines() if len(ln) == 40 and ln in wanted]
            cut = todo.index(heads[-1]) if heads else 0
            text = text[:text.rfind(heads[-1])] if heads else ""
            rest = todo[cut + 1:]
        pid = subprocess.run(["git", "-C", str(path), "patch-id", "--stable"], input=text,
                             capture_output=True, text=True, errors="replace", check=False)
        for line in pid.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2:
                out[parts[1]] = parts[0]
        todo = rest
    return out
