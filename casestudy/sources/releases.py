"""What counts as a deployment when a source reads releases or tags, and the last resort when a
repository has no deployment source at all (every merge to the default branch)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Deployment, PullRequest

# a pre-release marker as its own dotted/dashed part ("1.0-rc1", "v2.0.0.dev0", "nightly") or
# PEP 440's short form glued to the version ("v2.0.0b1", "1.5a2", "3.0rc1")
_MARKER = re.compile(
    r"(?:^|[-._/+])(?:rc|alpha|beta|pre|preview|dev|nightly|canary|snapshot)\d*(?=$|[-._/+])"
    r"|\d(?:a|b|rc|c|dev|pre)\d+(?=$|[-._/+])", re.IGNORECASE)


def is_prerelease(tag: str) -> bool:
    """True for pre-release tags (rc, alpha, beta, pre, dev, nightly, … and PEP 440's a1/b2),
    and for tags that carry no version number at all (``with_maskna``, ``latest``)."""
    return bool(_MARKER.search(tag)) or not any(ch.isdigit() for ch in tag)


def merge_deployments(prs: list[PullRequest]) -> list[Deployment]:
    """The last resort: every merge to the default branch is a deployment."""
    return [Deployment(p.repo, p.merge_commit_sha or f"merge-{p.number}", p.merged_at,
                       p.merge_commit_sha, "", "merges")
            for p in prs if p.merged_at]


# a version: numbers joined by dots or underscores (``1.2``, ``7_88_1``); what precedes it is the
# tag's family (``v``, ``core-v``, ``pkg@``, ``curl-``; a trailing ``v`` is not part of it), what
# follows must be empty (or a
# post-release) for the tag to be a release
_VERSION = re.compile(r"^(?P<family>.*?)(?P<version>\d+(?:[._]\d+)+)(?P<suffix>.*)$")
_POST = re.compile(r"^[.-]?post\d+$", re.IGNORECASE)
BACKFILL_DAYS = 30  # a tag this long after its commit, below an earlier higher release


@dataclass(frozen=True)
class ReleaseTag:
    """A tag whose name parses as a final version."""

    name: str
    family: str
    version: tuple[int, ...]
    prefix: str = ""  # as written (``v``, ``core-v``): the family's label


def parse_release(name: str) -> ReleaseTag | None:
    """The release a tag names, or None when it is not a final version: pre-release, dev,
    local, build or CI suffixes (``-rc1``, ``b1``, ``.dev0``, ``+build``, ``-ci3``), branch-style
    names (``2.3.x``) and names without a dotted version (``v1``, ``latest``)."""
    m = _VERSION.match(name)
    if m is None or (m.group("suffix") and not _POST.match(m.group("suffix"))):
        return None
    if is_prerelease(name):
        return None
    # "v1.2" and "1.2" (or "core-v1.2" and "core-1.2") are one family
    return ReleaseTag(name, re.sub(r"[vV]$", "", m.group("family")),
                      tuple(int(x) for x in re.split(r"[._]", m.group("version"))),
                      m.group("family"))


@dataclass(frozen=True)
class TagRead:
    """One tag as a source reads it: the commit it points to, when the tag and the commit were
    made (epoch seconds)."""

    name: str
    sha: str
    tagged_at: int
    committed_at: int


@dataclass
class Releases:
    """The deployments a repository's tags give, and what was left out, and why."""

    family: str  # the product's tag family
    label: str  # its prefix as most of its tags write it
    chosen_by: str  # "pattern" or "most releases"
    kept: list[TagRead]  # one per released commit, at its earliest release tag
    families: dict[str, int]  # every family's number of release tags
    not_releases: int  # tags that are not final versions
    same_commit: int  # further release tags on an already released commit
    backfills: list[str]  # tags made long after their commit, below an earlier higher release

    def sentence(self) -> str:
        """What counted as a release, for the data-completeness appendix."""
        fam = f"{self.label}<version>"
        out = [f"{len(self.kept):,} releases from tags named {fam!r} (chosen by "
               f"{self.chosen_by})"]
        others = {f"{f}<version>": n for f, n in self.families.items() if f != self.family}
        if others:
            out.append("other tag families left out: " + ", ".join(
                f"{f!r} {n:,}" for f, n in sorted(others.items(), key=lambda x: -x[1])))
        if self.not_releases:
            out.append(f"{self.not_releases:,} tag{'s are' if self.not_releases != 1 else ' is'} "
                       "not a final version (pre-releases, branch names, CI or build tags)")
        if self.same_commit:
            out.append(f"{self.same_commit:,} further tag{'s' if self.same_commit != 1 else ''} "
                       "on an already released commit")
        if self.backfills:
            out.append(f"{len(self.backfills):,} backfilled tags (made over {BACKFILL_DAYS} "
                       "days after their commit, when a higher release existed): "
                       + ", ".join(self.backfills[:5]) + ("…" if len(self.backfills) > 5
                                                          else ""))
        return "; ".join(out) + "."


def choose_releases(tags: list[TagRead], pattern: str | None = None) -> Releases:
    """The product's releases among ``tags``: final versions of one family — the tags matching
    ``pattern`` (a regular expression searched in the name) when given, else the family with
    the most releases — one per commit at its earliest tag, backfills left out."""
    parsed = [(t, parse_release(t.name)) for t in tags]
    releases = [(t, r) for t, r in parsed if r is not None]
    families: dict[str, int] = {}
    for _, r in releases:
        families[r.family] = families.get(r.family, 0) + 1
    if pattern:
        rx = re.compile(pattern)
        mine = [(t, r) for t, r in releases if rx.search(t.name)]
        fams = {r.family for _, r in mine}
        family = max(fams, key=lambda f: families[f]) if fams else ""
        chosen_by = "pattern"
    else:
        family = max(families, key=lambda f: (families[f], -len(f), f)) if families else ""
        mine = [(t, r) for t, r in releases if r.family == family]
        chosen_by = "most releases"
    mine.sort(key=lambda x: (x[0].tagged_at, x[1].version))
    prefixes: dict[str, int] = {}
    for _, r in mine:
        prefixes[r.prefix] = prefixes.get(r.prefix, 0) + 1
    label = max(prefixes, key=lambda p: (prefixes[p], p)) if prefixes else family
    backfills, kept_by_sha = [], {}
    best: tuple[int, ...] = ()
    for t, r in mine:
        if best > r.version and t.tagged_at - t.committed_at > BACKFILL_DAYS * 86400:
            backfills.append(t.name)
            continue
        best = max(best, r.version)
        kept_by_sha.setdefault(t.sha, t)  # the earliest release tag of each commit
    kept = sorted(kept_by_sha.values(), key=lambda t: t.tagged_at)
    return Releases(family, label, chosen_by, kept, families, len(parsed) - len(releases),
                    len(mine) - len(backfills) - len(kept), backfills)
