"""Scores the practice audit against the hand-labelled repositories of
``tests/data/labels/practices.csv`` and ``ml_projects.csv``: for each repository's snapshot, the
scorecard's status of every practice at HEAD ("present" or not) against the label, per practice
and overall, and whether the audit calls it an ML project — per split (``tuning``: the
repositories the rules were adjusted on; ``held-out``: labelled before the audit ran on them and
never used to adjust a rule). Used by ``bench/classifiers.py --ml`` (which records the figures in
``classifier_accuracy``) and by the test that keeps them; both need the snapshots
(``/work/.mirror`` or ``$CASESTUDY_MIRRORS``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import practice_rules
from .analysis.practices import rows as scorecard_rows
from .classifier_check import load
from .sources.practices import read_head

PRACTICE_KEYS = tuple(p.key for p in practice_rules.PRACTICES)
SPLITS = ("tuning", "held-out")


def mirrors() -> Path:
    return Path(os.environ.get("CASESTUDY_MIRRORS", "/work/.mirror"))


def snapshot(repo: str) -> Path:
    """The bare snapshot of ``owner/name`` (it may be absent)."""
    return mirrors() / repo.replace("/", "+") / "repo"


@dataclass
class PracticeScore:
    """The audit against the labels: per practice (right, n, tp, fp, fn) and the wrong cells."""

    per_practice: dict[str, list[int]] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)

    @property
    def right(self) -> int:
        return sum(v[0] for v in self.per_practice.values())

    @property
    def n(self) -> int:
        return sum(v[1] for v in self.per_practice.values())

    def precision(self) -> float:
        tp = sum(v[2] for v in self.per_practice.values())
        fp = sum(v[3] for v in self.per_practice.values())
        return tp / (tp + fp) if tp + fp else 0.0

    def recall(self) -> float:
        tp = sum(v[2] for v in self.per_practice.values())
        fn = sum(v[4] for v in self.per_practice.values())
        return tp / (tp + fn) if tp + fn else 0.0


@dataclass
class MlScore:
    """ML-project detection against the labels: repositories right, labelled ML, true and false
    positives, and the wrong ones with the frameworks the audit found."""

    right: int = 0
    repos: int = 0
    ml: int = 0
    tp: int = 0
    fp: int = 0
    wrong: list[str] = field(default_factory=list)

    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    def recall(self) -> float:
        return self.tp / self.ml if self.ml else 0.0


def split_rows(labels: Path, split: str | None = None) -> list[dict[str, str]]:
    """The labelled rows of one split (all of them when ``split`` is None)."""
    return [r for r in load(labels) if split is None or r["split"] == split]


@cache  # each snapshot is audited once per process (ML and practices)
def audit_head(git_dir: Path) -> tuple[dict[str, str], list[str]]:
    """The scorecard status of every practice at HEAD of a snapshot ("present", "missing" or
    "not applicable": an ML practice in a project the audit does not call ML) and the ML
    frameworks the audit found (none: not an ML project)."""
    audit = read_head(git_dir, "HEAD")
    table, _ = scorecard_rows(audit)
    return {r.key: r.status for r in table}, list(audit["ml_frameworks"])


def audit_statuses(git_dir: Path) -> dict[str, str]:
    """The scorecard status of every practice at HEAD of a snapshot."""
    return audit_head(git_dir)[0]


def score_ml(rows: list[dict[str, str]], frameworks: dict[str, list[str]]) -> MlScore:
    """Labelled ML rows against the frameworks the audit found per repository."""
    out = MlScore()
    for r in rows:
        want, found = r["ml"] == "yes", frameworks[r["repo"]]
        out.repos += 1
        out.ml += want
        out.right += want == bool(found)
        out.tp += want and bool(found)
        out.fp += bool(found) and not want
        if want != bool(found):
            out.wrong.append(f"{r['repo']} (labelled {r['ml']}: "
                             f"{', '.join(found) or 'no framework'})")
    return out


def score(rows: list[dict[str, str]], statuses: dict[str, dict[str, str]]) -> PracticeScore:
    """Labelled rows against the audit's statuses per repository: a practice labelled ``yes``
    is right when the scorecard says present, ``no`` when it says missing or not applicable."""
    out = PracticeScore({k: [0, 0, 0, 0, 0] for k in PRACTICE_KEYS})
    for r in rows:
        got = statuses[r["repo"]]
        for key in PRACTICE_KEYS:
            want, have = r[key] == "yes", got[key] == "present"
            cell = out.per_practice[key]
            cell[0] += want == have
            cell[1] += 1
            cell[2] += want and have
            cell[3] += have and not want
            cell[4] += want and not have
            if want != have:
                out.wrong.append(f"{r['repo']} {key} (labelled {r[key]}, audit {got[key]})")
    return out


def have_snapshots(labels: Path, split: str | None = None) -> bool:
    """Whether every labelled repository of the split has a snapshot on this machine."""
    return all(snapshot(r["repo"]).exists() for r in split_rows(labels, split))


def measure(labels: Path, split: str | None = None) -> PracticeScore | None:
    """The audit of every labelled repository's snapshot (of one split, or all) against its
    practice labels (None when a snapshot is missing)."""
    rows = split_rows(labels, split)
    if not have_snapshots(labels, split):
        return None
    return score(rows, {r["repo"]: audit_statuses(snapshot(r["repo"])) for r in rows})


def measure_ml(labels: Path, split: str | None = None) -> MlScore | None:
    """ML-project detection on every labelled repository's snapshot (of one split, or all)
    against ``ml_projects.csv`` (None when a snapshot is missing)."""
    rows = split_rows(labels, split)
    if not have_snapshots(labels, split):
        return None
    return score_ml(rows, {r["repo"]: audit_head(snapshot(r["repo"]))[1] for r in rows})
