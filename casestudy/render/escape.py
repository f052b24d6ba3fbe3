"""Untrusted text made inert: the one escaper the Markdown and HTML renderers and the app share.

PR titles, logins, labels, job names and file paths come from the data and may hold HTML,
Markdown, scripts, ``javascript:``/``file:`` links, right-to-left text or 10,000 characters.
They are shown literally, on one line, capped; our own sentences are only HTML-escaped."""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|>~])")
_SAFE_URL = re.compile(r"https://[A-Za-z0-9.-]+/[^\s\"'<>()\\]*")


def clip(text: str, limit: int = 400) -> str:
    """One line (runs of white space become one space), at most ``limit`` characters."""
    t = " ".join(str(text).split())
    return t if len(t) <= limit else t[: limit - 1] + "…"


def esc(text: str, limit: int = 300) -> str:
    """Untrusted text as inert Markdown: HTML-escaped (<, >, &), specials backslashed, one line,
    capped. Quotes stay quotes: untrusted text never goes into an attribute or a link target."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(clip(text, limit), quote=False))


def code(text: str) -> str:
    """Text for an inline code span, where nothing is interpreted: only backticks and line
    breaks could end or break the span, so they are replaced."""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


def prose(text: str) -> str:
    """Our own generated sentences: HTML-escaped only (they may quote repo names)."""
    return html.escape(str(text), quote=False)


def safe_url(url: str) -> str:
    """Only plain https links survive (no javascript:, file:, quotes or brackets); anything else
    renders as text."""
    return url if _SAFE_URL.fullmatch(url or "") else ""
