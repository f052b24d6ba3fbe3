"""Repository names as GitHub allows them: ``owner/name`` where the owner is 1–39 letters,
digits or single hyphens (not at either end) and the name 1–100 letters, digits, ``.``, ``_``
or ``-`` (not ``.`` or ``..``). ASCII only, so no HTML, line breaks, right-to-left marks or
look-alike letters from other scripts reach anyone's sidebar. Every repository the store takes
is checked here, whatever its source. A GitLab project keeps its namespace: ``group/project``
or, with subgroups, ``group/sub/project`` (at most 20 levels; each part GitLab's letters, digits,
``.``, ``_`` and ``-``)."""

from __future__ import annotations

import re

OWNER_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
NAME_RE = re.compile(r"[A-Za-z0-9._-]{1,100}")
NESTED_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}(?:/[A-Za-z0-9_][A-Za-z0-9_.-]{0,99})"
                       r"{1,20}")


class NameError_(ValueError):
    """A repository name GitHub would not allow, described for a person."""


def check_repo_name(repo: str, nested: bool = False) -> str:
    """``repo`` if it is a GitHub-like ``owner/name`` (``nested``: or a GitLab path with
    subgroups); raises ``NameError_`` (which quotes at most 60 characters of it, anything not
    allowed shown as ``?``)."""
    owner, sep, name = (repo or "").partition("/")
    if sep and OWNER_RE.fullmatch(owner) and NAME_RE.fullmatch(name) and name not in (".", ".."):
        return repo
    if nested and NESTED_RE.fullmatch(repo or "") and ".." not in repo and len(repo) <= 255:
        return repo
    shown = "".join(c if c.isascii() and (c.isalnum() or c in "/._-") else "?"
                    for c in (repo or "")[:60])
    raise NameError_(f"{shown!r} is not a repository name: use owner/name with letters, digits "
                     "and - (owner, at most 39) and letters, digits, '.', '_' and - (name, at "
                     "most 100)")
