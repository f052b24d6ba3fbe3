"""Bug-fix classifier: an ordered table of rules, first match wins, each rule's hits countable.

Rule ids are stored with each PR (``bugfix_rule``; 0 = no rule matched) so the report can say how
many PRs each rule classified. Labels and linked issues decide first (rules 1–2; a docs, test,
dependency or feature label without a bug label means no bug fix); then the title's
own convention: a conventional-commit type (``fix:`` is a bug fix, ``docs:``/``chore:``/``test:``
… are not, whatever words follow), a numpy-style prefix (``BUG:`` is, ``DOC:``/``MAINT:``/``TYP:``
… are not), and only for titles without a type prefix the words (fix, crash, leak, …) — never for
a title about docs, typos, tests, CI, lint, typing or the build. Measured against hand-labelled
titles in ``tests/data/labels`` (``bench/classifiers.py``; figures in ``classifier_accuracy``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BUG_LABELS = frozenset(
    {"bug", "type: bug", "kind/bug", "type/bug", "bugfix", "bug fix", "fix", "regression",
     "defect", "crash", "hotfix", "type: regression", "module: regression", "bug: confirmed",
     "type:bug", "t-bug", "c-bug", "a-bug", "🐛 bug", "confirmed bug", "type: fix"}
)
# labels that say the PR is something else: they decide before the title (no bug label beside)
NOT_BUG_LABELS = frozenset(
    {"documentation", "docs", "type: docs", "type: documentation", "kind/documentation",
     "area/docs", "dependencies", "type: dependencies", "test", "tests", "testing", "type: test",
     "kind/test", "ci", "type: ci", "area/ci", "chore", "type: chore", "refactor",
     "type: refactor", "kind/cleanup", "cleanup", "enhancement", "type: enhancement", "feature",
     "type: feature", "kind/feature", "new feature", "performance", "type: performance"}
)
# conventional-commit types that are not bug fixes, whatever words follow
NOT_FIX_TYPES = ("docs?|chore|tests?|ci|build|refactor|perf|style|feat|feature|release|revert|"
                 "lint|typo|deps|bump|types?|typing|example|examples|cleanup|wip|ux|i18n|"
                 "infra|dev|tool|tools|bench|benchmark")
CONVENTIONAL_FIX = re.compile(r"^\s*(fix|bugfix|hotfix)(\([^)]*\))?!?:", re.IGNORECASE)
CONVENTIONAL_OTHER = re.compile(rf"^\s*({NOT_FIX_TYPES})(\([^)]*\))?!?:", re.IGNORECASE)
# a fix scoped to something users do not run: fix(docs): …, fix(playground): …
NON_PRODUCT_SCOPE = re.compile(
    r"^\s*\w+\((docs?|tests?|ci|playground|lint|typo|examples?|website|bench\w*|internal)\)",
    re.IGNORECASE)
# numpy / scipy style: BUG:, MAINT/BUG:, REV,BUG:, DOC: …
NUMPY_PREFIX = re.compile(r"^\s*([A-Z]{2,5}(?:\s*[,/+&]\s*[A-Z]{2,5})*)\s*:")
NUMPY_BUG = frozenset({"BUG", "BF", "FIX"})
NUMPY_OTHER = frozenset({"DOC", "DOCS", "TST", "TEST", "TYP", "MAINT", "MNT", "CI", "BLD", "DEV",
                         "ENH", "API", "DEP", "REL", "STY", "BENCH", "NEP", "REV", "PERF", "SIMD",
                         "CLN", "WIP", "REF", "FEAT", "STYLE"})
REVERT = re.compile(r"^\s*(revert(ed|ing)?|rev|back(ed)?[ -]?out|reland|reapply)\b", re.IGNORECASE)
# what the title is about when it is not the shipped software's behaviour
NON_PRODUCT = re.compile(
    r"\b(typos?|spelling|docs?|documentation|docstrings?|readme|changelog|release notes?|"
    r"links?|urls? in|examples?|tutorials?|markup|rst|markdown|notes?|"
    r"tests?|test_\w+|testing|testsuite|doctests?|ci|workflows?|github actions|gha|"
    r"lint(s|er|ing)?(?![\w-])|clippy|flake8|ruff|pylint|pyre|mypy|pyright|typing|type hints?|"
    r"typecheck(ing)?|whitespace|formatting|badge|(the|failing|broken) build|setup\.py|"
    r"compil(e|er|ation) warnings?|building|autotools|signedness|bench(mark)?s?|"
    r"bugfix release|attest|help|commas?|punctuation|wording|grammar)\b|(?<![\w-])(?-i:-W)\w",
    re.IGNORECASE)
# an area prefix (``area: text``) that names docs, tests, CI or the build rather than code
NON_PRODUCT_AREA = re.compile(
    r"^\s*(\S*\.(?i:md|rst|txt|ya?ml|toml|cfg|in|json)|[A-Z][A-Z_-]{2,}|(?i:docs?(/\S*)?|tests?(/\S*)?|"
    r"test\d+|lib\d+|pytest|runtests\S*|GHA(/\S*)?|ci|build|cmake|configure(\.ac)?|autotools|"
    r"appveyor|travis|examples?(/\S*)?|badwords|mailmap|workflows?(/\S*)?|dependabot|sorbet|"
    r"rubocops?(/\S*)?|tidy-up|scripts?(/\S*)?|\.github\S*|servers|spin|asv|benchmarks?))\s*:")
KEYWORD = re.compile(
    r"(?<![.\w-])(fix(es|ed|ing)?|bug(s|fix)?|regression|crash(es|ing)?|hotfix|broken|"
    r"segfault|incorrect|wrong)(?![\w-])",
    re.IGNORECASE,
)
# words that describe correcting behaviour without saying "fix"
BEHAVIOUR = re.compile(
    r"\b(avoid|prevent|don'?t|do not|doesn'?t|does not|should(?!n)|ensure|properly|correct(ly)?|"
    r"respects?|missing check|rescue|catch\w*|leaks?|hangs?|hanging|deadlock|race|overflows?|"
    r"out of bounds?|panics?|infinite|invalid|malformed|fail(s|ure|ing)?|mistakes?|"
    r"errors?(?! messages?)|exception|glitch(es)?|problem|workaround|ignore|reject|escape|"
    r"guard|consistent)\b",
    re.IGNORECASE)
# the damage a bug does, named without "fix": corruption, thread-safety, races, dying processes
DAMAGE = re.compile(
    r"\b(corrupt(s|ed|ion)?|thread[- ]?safe(ty)?|races?|data races?|robust(ly|ness)?|"
    r"dies|dying|use[- ]after[- ]free|double[- ]free|null (pointer )?deref\w*|stuck|"
    r"freez(e|es|ing)|unresponsive)\b",
    re.IGNORECASE)
# an error a change adds or shows is a feature ("Show error if …"), not a corrected one
ERROR_WORD = re.compile(r"^(errors?|exception|fail(s|ure|ing)?)$", re.IGNORECASE)
SHOWS_ERROR = re.compile(r"^\s*(\S+:\s*)?(add|show|print|display|report|emit|log)\w*\b",
                         re.IGNORECASE)
# a leading verb that repairs or restores behaviour: "Handle default ports …", "Stop cleaning …"
REPAIR_VERB = re.compile(
    r"^\s*(\S+:\s*)?(handle|deal with|stop(?! using)|reset|restore|guard|gate|clear|force)\b",
    re.IGNORECASE)
# behaviour under a condition ("Raise SIGINT when dying", "… before restoring") in a title that
# does not open with a feature verb
CONDITION = re.compile(r"\b(when|before|after|if|unless|while)\b", re.IGNORECASE)
FEATURE_VERB = re.compile(
    r"^\s*(\S+:\s*)?(add(s|ed|ing)?|implement\w*|introduc\w+|support\w*|show\w*|allow\w*|"
    r"enable\w*|expose\w*|new|create\w*|use|provide\w*|improve\w*|let|drop|remove|deprecate\w*|"
    r"document\w*|update\w*|bump\w*|refactor\w*|rename\w*|move\w*|mention\w*|explain\w*)\b",
    re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    id: int
    name: str
    description: str


RULES: tuple[Rule, ...] = (
    Rule(1, "pr-label", "the PR carries a bug label (bug, regression, fix, …)"),
    Rule(2, "linked-issue-label", "an issue the PR closes carries a bug label"),
    Rule(3, "conventional-fix", "the title starts with a conventional-commit `fix:` prefix "
                                "(not scoped to docs, tests, CI, …)"),
    Rule(4, "title-keyword", "an untyped title says fix, bug, regression, crash, … and is not "
                             "about docs, typos, tests, CI, lint or the build"),
    Rule(5, "bug-prefix", "the title starts with a numpy-style `BUG:` prefix"),
    Rule(6, "title-behaviour", "an untyped title says the behaviour was wrong without the word "
                               "fix (avoid, prevent, don't, leak, hang, error, …)"),
    Rule(7, "title-damage", "an untyped title names the damage a bug does without the word fix "
                            "(corrupt, thread safe, race, robust, dying, stuck, …)"),
    Rule(8, "title-repair-verb", "an untyped title opens with a verb that repairs behaviour "
                                 "(handle, deal with, stop, reset, restore, guard, …)"),
    Rule(9, "title-condition", "an untyped title says what now happens under a condition "
                               "(when, before, after, if, unless) and opens with no feature verb "
                               "(add, support, use, remove, …)"),
)


def _has_bug_label(labels: tuple[str, ...] | list[str]) -> bool:
    return any(lbl.strip().lower() in BUG_LABELS for lbl in labels)


def _title_rule(title: str) -> int:
    if REVERT.match(title):
        return 0
    if CONVENTIONAL_FIX.match(title):
        rest = title.split(":", 1)[1]
        return 0 if NON_PRODUCT_SCOPE.match(title) or NON_PRODUCT.search(rest) else 3
    if CONVENTIONAL_OTHER.match(title):
        return 0
    pre = NUMPY_PREFIX.match(title)
    if pre:
        kinds = set(re.split(r"\s*[,/+&]\s*", pre.group(1)))
        if kinds & NUMPY_BUG:
            return 0 if NON_PRODUCT.search(title[pre.end():]) else 5
        if kinds & NUMPY_OTHER:
            return 0
    if NON_PRODUCT_AREA.match(title) or NON_PRODUCT.search(title):
        return 0
    if KEYWORD.search(title):
        return 4
    words = [m.group(0) for m in BEHAVIOUR.finditer(title)]
    if words and not (SHOWS_ERROR.match(title) and all(ERROR_WORD.match(w) for w in words)):
        return 6
    if DAMAGE.search(title):
        return 7
    if REPAIR_VERB.match(title):
        return 8
    if CONDITION.search(title) and not FEATURE_VERB.match(title):
        return 9
    return 0


def classify(title: str, labels=(), linked_issue_labels=()) -> int:
    """Return the id of the first matching rule, or 0 when the PR is not a bug fix."""
    if _has_bug_label(labels):
        return 1
    if _has_bug_label(linked_issue_labels):
        return 2
    if any(lbl.strip().lower() in NOT_BUG_LABELS for lbl in labels):
        return 0  # the maintainers said what it is
    return _title_rule(title or "")


def definition() -> list:
    """Everything that decides a classification, for the report's definitions hash."""
    return [sorted(BUG_LABELS), sorted(NOT_BUG_LABELS), NOT_FIX_TYPES] + [
        rx.pattern for rx in (CONVENTIONAL_FIX, CONVENTIONAL_OTHER, NON_PRODUCT_SCOPE,
                              NUMPY_PREFIX, REVERT, NON_PRODUCT, NON_PRODUCT_AREA, KEYWORD,
                              BEHAVIOUR, DAMAGE, REPAIR_VERB, CONDITION, FEATURE_VERB,
                              ERROR_WORD, SHOWS_ERROR)] + [sorted(NUMPY_BUG), sorted(NUMPY_OTHER)]
