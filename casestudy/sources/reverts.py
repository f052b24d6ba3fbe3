"""Revert detection, one definition for every source: whether a landed change undoes an earlier
one, and which PR it reverts when that can be found — from its title, its head branch and its
body (a squash or merge commit's message in a clone; the PR's description on GitHub).

``Revert "…"``, ``REV:``, "Back out …", "Undo change in r3845", "partially revert …", "revert
#1234", ``… (revert)``, a body that opens with "This reverts commit …", PyTorch's bot reverts
("Reverted https://github.com/o/r/pull/N on behalf of …"), GitHub's revert branches
(``revert-N-…``) and branches named for a revert; not a change that lands a reverted one again
(``Reapply "…"``, "Reland …", ``Revert "Revert …"``, "re-revert", ``revert-N-revert-M-…``).
Measured against hand-labelled titles in ``tests/data/labels/reverts.csv``
(``bench/classifiers.py``).
"""

from __future__ import annotations

import re

REVERT_SUBJ = re.compile(r'^Revert "(.*)"\s*(?:\(#\d+\))?\s*$')
# a revert in other words, after any type/area prefixes ("fix(css): revert …", "REV: …",
# "Back out …", "Undo change in r3845", "partially reverts …"); measured in bench/classifiers.py
TITLE_PREFIXES = re.compile(r'^(?:[^\s:"]{1,60}(?:\([^)]*\))?!?:\s*){0,3}')
REVERT_WORD = re.compile(
    r"^(?:REV\b|(?:(?:partial(?:ly)?|partly|temporarily|manual(?:ly)?|functionally|try)\s+)?"
    r"(?:revert(?:s|ed|ing)?|back(?:ed|ing)?[ -]?out|undo(?:ne|ing)?|roll(?:ed)?[ -]?back)\b|"
    r"partial revert)", re.IGNORECASE)
# "… by reverting #7672", "…, reverts #9761", "revert r7037", "(revert)", "I reverted …"
REVERT_REF = re.compile(
    r"\brevert(?:s|ed|ing)?\s+(?:(?:commit|pr|pull request)\s+)?(?:#\d+|gh-?\d+|r\d+|"
    r"[0-9a-f]{7,40}\b)|\(revert\)\s*$|\bRevert\.\s*$|\bI reverted\b|\breverted (?:back|the|my)\b",
    re.IGNORECASE)
# re-applying a reverted change is no revert: Revert "Revert …", Reapply, Reland, re-revert
RELAND = re.compile(
    r'^(?:revert\s+"(?:revert|reapply|reland)|re-?apply|re-?land|re-?revert|unrevert)',
    re.IGNORECASE)
REVERTS_SHA = re.compile(r"This reverts commit ([0-9a-f]{7,40})")
REVERT_BRANCH = re.compile(r"^revert-(\d+)-")
RELAND_BRANCH = re.compile(r"^revert-\d+-revert-")
OWN_REVERT_BRANCH = re.compile(r"(?:^|[/_-])revert(?:[_-]|$)", re.IGNORECASE)  # revert_azure, …
BOT_REVERT = re.compile(r"^Reverted https?://[^/\s]+/[^/\s]+/[^/\s]+/pull/(\d+) on behalf of",
                        re.MULTILINE)
# the reverted PR's number in the reverted title: a squash suffix or a merge subject
INNER_PR = re.compile(r"\(#(\d+)\)\s*$|^Merge pull request #(\d+) ")
REVERT_NUMBER = re.compile(r"\brevert(?:s|ed|ing)?\s+(?:pr\s+)?#(\d+)", re.IGNORECASE)


def detect(title: str, head_ref: str = "", body: str = "", by_sha: dict[str, int] | None = None,
           by_title: dict[str, int] | None = None) -> tuple[bool, int | None]:
    """(is a revert, the reverted PR when it can be found). ``by_sha`` (landing sha → PR) and
    ``by_title`` (title → PR) resolve "This reverts commit X" and ``Revert "title"`` when the
    source has them."""
    by_sha, by_title = by_sha or {}, by_title or {}
    bare = TITLE_PREFIXES.sub("", title, count=1) if not title.startswith('Revert "') else title
    if RELAND.match(bare) or RELAND.match(title) or RELAND_BRANCH.match(head_ref):
        return False, None  # a reverted change landing again
    rv = REVERT_SUBJ.match(title)
    # a squash body lists the squashed commits, which may include reverts of each other:
    # only a revert subject or a body that opens with "This reverts commit" counts
    rv_sha = REVERTS_SHA.match(body.lstrip()) or (REVERTS_SHA.search(body) if rv else None)
    rv_branch = REVERT_BRANCH.match(head_ref)
    rv_bot = BOT_REVERT.search(body) if rv else None
    rv_words = REVERT_WORD.match(bare) or REVERT_WORD.match(title) or REVERT_REF.search(title)
    reverted = None
    if rv_branch:
        reverted = int(rv_branch.group(1))
    elif rv_bot:
        reverted = int(rv_bot.group(1))
    elif rv_sha:
        reverted = next((n for sha, n in by_sha.items() if sha.startswith(rv_sha.group(1))),
                        None)
    if reverted is None and rv:
        inner = rv.group(1)
        pr = INNER_PR.search(inner)
        reverted = int(pr.group(1) or pr.group(2)) if pr else by_title.get(inner)
    if reverted is None and rv_words:
        ref = REVERT_NUMBER.search(title)
        reverted = int(ref.group(1)) if ref else None
    return bool(rv or rv_sha or rv_branch or rv_words or OWN_REVERT_BRANCH.search(head_ref)), \
        reverted


def definition() -> list[str]:
    """Every pattern that decides a revert, for the report's definitions hash."""
    return [rx.pattern for rx in (REVERT_SUBJ, TITLE_PREFIXES, REVERT_WORD, REVERT_REF, RELAND,
                                  REVERTS_SHA, REVERT_BRANCH, RELAND_BRANCH, OWN_REVERT_BRANCH,
                                  BOT_REVERT, INNER_PR, REVERT_NUMBER)]
