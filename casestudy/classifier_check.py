"""Scores the bug-fix and revert classifiers against hand-labelled titles (the CSV files in
``tests/data/labels``): precision, recall and counts per split. Used by ``bench/classifiers.py``
(which writes the measured figures to ``classifier_accuracy``) and by the tests that keep them."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from . import bugfix_rules
from .sources import reverts


@dataclass(frozen=True)
class Score:
    """One classifier on one split: ``n`` titles, ``positives`` labelled positive."""

    n: int
    positives: int
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def load(path: str | Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def is_bugfix(title: str) -> bool:
    """The bug-fix classifier on a title alone (the labelled sets carry no labels or issues)."""
    return bugfix_rules.classify(title) > 0


def is_revert(title: str, head_ref: str = "", body: str = "") -> bool:
    """Every source's revert detection (``sources.reverts``) on a title, head branch and body."""
    return reverts.detect(title, head_ref, body)[0]


def _score(pairs: list[tuple[bool, bool]]) -> Score:
    tp = sum(1 for want, got in pairs if want and got)
    fp = sum(1 for want, got in pairs if got and not want)
    fn = sum(1 for want, got in pairs if want and not got)
    return Score(len(pairs), sum(1 for want, _ in pairs if want), tp, fp, fn)


def score(rows: list[dict[str, str]], kind: str) -> dict[str, Score]:
    """Scores per split ("tuning", "held-out", "all") of the ``kind`` classifier
    ("bugfix" or "revert") on labelled rows."""
    pairs: dict[str, list[tuple[bool, bool]]] = {"tuning": [], "held-out": [], "all": []}
    for r in rows:
        if kind == "bugfix":
            want, got = r["label"] == "fix", is_bugfix(r["title"])
        else:
            want = r["label"] == "revert"
            got = is_revert(r["title"], r["head_ref"], r["body_first_line"])
        pairs[r["split"]].append((want, got))
        pairs["all"].append((want, got))
    return {k: _score(v) for k, v in pairs.items()}


def misses(rows: list[dict[str, str]], kind: str, split: str = "tuning") -> list[str]:
    """The rows of ``split`` the classifier gets wrong, as "FP|FN repo: title" lines."""
    out = []
    for r in rows:
        if r["split"] != split:
            continue
        if kind == "bugfix":
            want, got = r["label"] == "fix", is_bugfix(r["title"])
        else:
            want = r["label"] == "revert"
            got = is_revert(r["title"], r["head_ref"], r["body_first_line"])
        if want != got:
            where = f" [{r['head_ref']}]" if r.get("head_ref") else ""
            out.append(f"{'FN' if want else 'FP'} {r['repo']}: {r['title']}{where}")
    return out


def _one(what: str, f: dict) -> str:
    return (f"{what}: precision {f['precision']:.2f}, recall {f['recall']:.2f} on {f['n']} "
            f"held-out titles (labelled set of {f['labelled']} titles from {f['repos']} "
            "repositories)")


def summary() -> str:
    """The appendix sentence: how each classifier was measured and how accurate it is (the
    figures ``bench/classifiers.py --write`` recorded in ``classifier_accuracy``)."""
    from .classifier_accuracy import BUGFIX, ML_PROJECT, PRACTICES, REVERT

    ml, ml_tuned = ML_PROJECT["held-out"], ML_PROJECT["tuning"]
    pr, pr_tuned = PRACTICES["held-out"], PRACTICES["tuning"]
    ml_text = (f"ML-project detection (practice audit): {ml['first_right']} of {ml['repos']} "
               f"held-out labelled repositories right as first measured ({ml['right']} after "
               f"a rule fix their misses revealed; {ml_tuned['right']} of "
               f"{ml_tuned['repos']} on the repositories its rules were adjusted on)")
    practices = (f"practice scorecard: {pr['first_right']} of {pr['cells']} practice labels "
                 f"right on {pr['repos']} held-out labelled repositories as first measured "
                 f"(precision {pr['first_precision']:.2f}, recall {pr['first_recall']:.2f}; "
                 f"{pr['right']} after two rule fixes their misses revealed; "
                 f"{pr_tuned['right']} of {pr_tuned['cells']} on the {pr_tuned['repos']} "
                 f"repositories its rules were adjusted on, "
                 f"{pr_tuned['right_before_adjusting']} before)")
    return "; ".join([_one("bug-fix classifier", BUGFIX), _one("revert detection", REVERT),
                      ml_text, practices])
