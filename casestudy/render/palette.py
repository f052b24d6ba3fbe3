"""One colour per repository, subject first: the charts' and the printed colour key's."""

from __future__ import annotations

from ..document import CaseStudy

PALETTE = ["#2f6f9f", "#e07b39", "#5a9e4b", "#9c5bb5", "#c44e52", "#8c8c8c"]


def colour_key(cs: CaseStudy) -> list[tuple[str, str]]:
    """(repo, colour) pairs matching the charts, for a printed key."""
    return list(zip(cs.repos, PALETTE, strict=False))
