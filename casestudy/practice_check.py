"""Scores the practice audit against the hand-labelled repositories of
``tests/data/labels/practices.csv``: for each repository's snapshot, the scorecard's status of
every practice at HEAD ("present" or not) against the label, per practice and overall. Used by
``bench/classifiers.py --ml`` (which records the figures in ``classifier_accuracy``) and by the
test that keeps them; both need the snapshots (``/work/.mirror`` or ``$CASESTUDY_MIRRORS``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from . import practice_rules
from .analysis.practices import rows as scorecard_rows
from .classifier_check import load
from .sources.practices import read_head

PRACTICE_KEYS = tuple(p.key for p in practice_rules.PRACTICES)


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


def audit_statuses(git_dir: Path) -> dict[str, str]:
    """The scorecard status of every practice at HEAD of a snapshot ("present", "missing" or
    "not applicable": an ML practice in a project the audit does not call ML)."""
    table, _ = scorecard_rows(read_head(git_dir, "HEAD"))
    return {r.key: r.status for r in table}


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


def measure(labels: Path) -> PracticeScore | None:
    """The audit of every labelled repository's snapshot against its labels (None when a
    snapshot is missing)."""
    rows = load(labels)
    statuses = {}
    for r in rows:
        git_dir = snapshot(r["repo"])
        if not git_dir.exists():
            return None
        statuses[r["repo"]] = audit_statuses(git_dir)
    return score(rows, statuses)
