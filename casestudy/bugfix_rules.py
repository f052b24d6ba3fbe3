"""Bug-fix classifier: an ordered table of rules, first match wins, each rule's hits countable.

Rule ids are stored with each PR (``bugfix_rule``; 0 = no rule matched) so the report can say how
many PRs each rule classified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BUG_LABELS = frozenset(
    {"bug", "type: bug", "kind/bug", "type/bug", "bugfix", "bug fix", "fix", "regression",
     "defect", "crash", "hotfix", "type: regression", "module: regression"}
)
CONVENTIONAL_FIX = re.compile(r"^\s*(fix|bugfix|hotfix)(\([^)]*\))?!?:", re.IGNORECASE)
KEYWORD = re.compile(
    r"\b(fix(es|ed|ing)?|bug(s|fix)?|regression|crash(es|ing)?|hotfix|broken|segfault|"
    r"typo|incorrect|wrong)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    description: str


RULES: tuple[Rule, ...] = (
    Rule(1, "pr-label", "the PR carries a bug label (bug, regression, fix, …)"),
    Rule(2, "linked-issue-label", "an issue the PR closes carries a bug label"),
    Rule(3, "conventional-fix", "the title starts with a conventional-commit `fix:` prefix"),
    Rule(4, "title-keyword", "the title contains a bug keyword (fix, bug, regression, crash, …)"),
)


def _has_bug_label(labels: tuple[str, ...] | list[str]) -> bool:
    return any(lbl.strip().lower() in BUG_LABELS for lbl in labels)


def classify(title: str, labels=(), linked_issue_labels=()) -> int:
    """Return the id of the first matching rule, or 0 when the PR is not a bug fix."""
    if _has_bug_label(labels):
        return 1
    if _has_bug_label(linked_issue_labels):
        return 2
    if CONVENTIONAL_FIX.match(title or ""):
        return 3
    if KEYWORD.search(title or ""):
        return 4
    return 0
