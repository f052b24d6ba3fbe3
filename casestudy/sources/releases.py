"""What counts as a deployment when a source reads releases or tags, and the last resort when a
repository has no deployment source at all (every merge to the default branch)."""

from __future__ import annotations

import re

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
