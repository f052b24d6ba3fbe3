"""What a forge calls a proposed change, in a sentence: "pull request"/"PR" (GitHub, the
default) or another forge's words ("merge request"/"MR" on GitLab, declared by its source kind
as ``SourceKind.change``). One function, used by the report's word pass (``report.words``) and
by the renderers' fixed labels."""

from __future__ import annotations

import re

_RULES = (  # (pattern, plural, capitalised)
    (re.compile(r"\bpull requests\b"), True, False),
    (re.compile(r"\bPull requests\b"), True, True),
    (re.compile(r"\bpull request\b"), False, False),
    (re.compile(r"\bPull request\b"), False, True),
)
_SHORT = (re.compile(r"\bPRs\b"), re.compile(r"\bPR\b"))


def reword(text: str, short: str = "PR", long_: str = "pull request") -> str:
    """``text`` with "pull request(s)" and "PR(s)" in the forge's words ``long_``/``short``."""
    if short == "PR" or not text:
        return text
    for pattern, plural, cap in _RULES:
        word = (long_[:1].upper() + long_[1:]) if cap else long_
        text = pattern.sub(word + ("s" if plural else ""), text)
    text = _SHORT[0].sub(short + "s", text)
    return _SHORT[1].sub(short, text)
