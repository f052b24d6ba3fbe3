"""What a forge calls a proposed change, in a sentence: "pull request"/"PR"/"#12" (GitHub, the
default) or another forge's words ("merge request"/"MR"/"!12" on GitLab, declared by its source
kind as ``SourceKind.change``, ``change_long`` and ``change_ref``). One function, used by the
report's word pass (``report.words``) and by the renderers' fixed labels. Quoted titles
(“…”) and @logins inside a sentence are data, and stay as they are."""

from __future__ import annotations

import re

_RULES = (  # (pattern, plural, capitalised)
    (re.compile(r"\bpull requests\b"), True, False),
    (re.compile(r"\bPull requests\b"), True, True),
    (re.compile(r"\bpull request\b"), False, False),
    (re.compile(r"\bPull request\b"), False, True),
)
_SHORT = (re.compile(r"\bPRs\b"), re.compile(r"\bPR\b"))
_NUMBER = re.compile(r"(?<![\w&/#!])#(\d+)\b")  # "#12", not "&#12;", "/#12" or a rank "(#1)"
_DATA = re.compile(r"“[^”]*”|@[\w.\[\]-]+")  # quoted titles and logins: not our words
_VOWEL_SOUND = set("AEFHILMNORSX")  # letters read with a vowel first: "an MR", "an SR"


def reword(text: str, short: str = "PR", long_: str = "pull request", ref: str = "#") -> str:
    """``text`` with "pull request(s)", "PR(s)" and "#N" in the forge's words ``long_``,
    ``short`` and ``ref`` (the sign before a change's number)."""
    if (short, long_, ref) == ("PR", "pull request", "#") or not text:
        return text
    parts, last = [], 0
    for m in _DATA.finditer(text):
        parts += [_words(text[last:m.start()], short, long_, ref), m.group(0)]
        last = m.end()
    parts.append(_words(text[last:], short, long_, ref))
    return "".join(parts)


def _words(text: str, short: str, long_: str, ref: str) -> str:
    for pattern, plural, cap in _RULES:
        word = (long_[:1].upper() + long_[1:]) if cap else long_
        text = pattern.sub(word + ("s" if plural else ""), text)
    text = _SHORT[0].sub(short + "s", text)
    text = _SHORT[1].sub(short, text)
    if short[:1] in _VOWEL_SOUND:
        text = re.sub(rf"\b([Aa]) (?={re.escape(short)}\b)", r"\1n ", text)
    if long_[:1].lower() in "aeiou":
        text = re.sub(rf"\b([Aa]) (?={re.escape(long_)})", r"\1n ", text)
    if ref != "#":
        text = _NUMBER.sub(lambda m: ref + m.group(1), text)
    return text
