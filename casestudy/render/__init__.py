"""One entry point for every output format of a ``CaseStudy``."""

from __future__ import annotations

from ..document import CaseStudy

FORMATS = ("md", "json", "html", "pdf")


def render(cs: CaseStudy, fmt: str, paper: str = "A4") -> str | bytes:
    """``md``/``json``/``html`` give text, ``pdf`` gives bytes."""
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown(cs)
    if fmt == "json":
        return cs.to_json()
    if fmt == "html":
        from .html import render_html

        return render_html(cs, paper=paper)
    if fmt == "pdf":
        from .html import render_pdf

        return render_pdf(cs, paper=paper)
    raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
