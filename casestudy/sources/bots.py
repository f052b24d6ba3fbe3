"""The one rule for "this author is a bot", used by every source: GitHub's ``Bot`` actor type,
logins or git author names/emails carrying ``[bot]`` or ending in ``-bot``, and a fixed list of
bot accounts that follow neither convention."""

from __future__ import annotations

import re

KNOWN_BOTS = frozenset({
    "dependabot", "dependabot-preview", "renovate", "github-actions", "pytorchbot",
    "pytorchmergebot", "facebook-github-bot", "k8s-ci-robot", "greenkeeper", "snyk-bot",
    "denobot", "homebrew-bot", "brewtestbot", "mergify", "codecov",
})
_FIRST_WORD = re.compile(r"[a-z0-9][a-z0-9-]*")


def is_bot(login: str = "", email: str = "", typename: str = "") -> bool:
    """True for a GraphQL ``Bot`` actor, or a login / git author name / email whose account
    name carries ``[bot]``, ends in ``-bot`` or is a known bot account."""
    if typename == "Bot":
        return True
    for text in (login, email.split("@", 1)[0].split("+")[-1]):
        t = (text or "").strip().lower()
        if not t:
            continue
        if "[bot]" in t or t.endswith("-bot"):
            return True
        m = _FIRST_WORD.match(t)
        if m and m.group(0) in KNOWN_BOTS:
            return True
    return False
