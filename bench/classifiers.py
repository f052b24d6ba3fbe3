"""Classifier accuracy: the bug-fix rules and the revert detection against the hand-labelled
titles in ``tests/data/labels`` — precision, recall and n per split. With ``--write`` it also
regenerates ``casestudy/classifier_accuracy.py``, the measured figures each report's
data-completeness appendix quotes (never computed at report time).

    .venv/bin/python bench/classifiers.py [--write] [--misses] [--ml]

``--ml`` also runs the practice audit on the 24 repositories of ``ml_projects.csv`` (ML-project
detection) and ``practices.csv`` (which practices each has), read from the snapshots in
/work/.mirror (or $CASESTUDY_MIRRORS); with ``--write`` their figures are kept too (without
``--ml`` the recorded ones stay).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from casestudy.classifier_check import load, misses, score
from casestudy.practice_check import measure as measure_practice_labels
from casestudy.sources.practices import read_git

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "labels"
OUT = ROOT / "casestudy" / "classifier_accuracy.py"
SETS = {"bugfix": ("bugfix.csv", "bug-fix classifier"),
        "revert": ("reverts.csv", "revert detection")}

HEADER = '''"""Measured accuracy of the classifiers on the hand-labelled titles and repositories in
``tests/data/labels``: precision and recall on the held-out quarter of the titles no rule was
tuned on; the practice audit on the 24 labelled repositories' snapshots. Written by
``bench/classifiers.py --write`` — do not edit by hand; a test keeps it equal to a fresh
measurement. Quoted in each report's data-completeness appendix."""

from __future__ import annotations

'''


def measure() -> dict[str, dict]:
    out = {}
    for kind, (name, _) in SETS.items():
        rows = load(LABELS / name)
        s = score(rows, kind)
        out[kind] = {"precision": round(s["held-out"].precision, 3),
                     "recall": round(s["held-out"].recall, 3), "n": s["held-out"].n,
                     "tuning_precision": round(s["tuning"].precision, 3),
                     "tuning_recall": round(s["tuning"].recall, 3), "tuning_n": s["tuning"].n,
                     "labelled": len(rows), "repos": len({r["repo"] for r in rows})}
    return out


def measure_ml() -> dict | None:
    """ML-project detection on the labelled repositories' snapshots (None when one is missing)."""
    mirrors = Path(os.environ.get("CASESTUDY_MIRRORS", "/work/.mirror"))
    right, wrong = 0, []
    rows = load(LABELS / "ml_projects.csv")
    for r in rows:
        git_dir = mirrors / r["repo"].replace("/", "+") / "repo"
        if not git_dir.exists():
            print(f"no snapshot of {r['repo']}: ML detection not measured")
            return None
        audit, _ = read_git(git_dir, "HEAD", {})
        if bool(audit["ml_frameworks"]) == (r["ml"] == "yes"):
            right += 1
        else:
            found = ", ".join(audit["ml_frameworks"]) or "no framework"
            wrong.append(f"{r['repo']} (labelled {r['ml']}: {found})")
    tp = sum(1 for r in rows if r["ml"] == "yes") - sum(1 for w in wrong if "labelled yes" in w)
    fp = sum(1 for w in wrong if "labelled no" in w)
    return {"right": right, "repos": len(rows), "ml": sum(r["ml"] == "yes" for r in rows),
            "precision": round(tp / (tp + fp), 3) if tp + fp else 0.0,
            "recall": round(tp / sum(r["ml"] == "yes" for r in rows), 3), "wrong": wrong}


# practice labels the audit got right on the same repositories before its rules were adjusted
# after seeing its misses (7 December 2026): there is no held-out split of 24 repositories
PRACTICES_RIGHT_BEFORE_ADJUSTING = 160


def measure_practices() -> dict | None:
    """The practice audit's scorecard on the labelled repositories' snapshots."""
    s = measure_practice_labels(LABELS / "practices.csv")
    if s is None:
        print("a labelled repository has no snapshot: practices not measured")
        return None
    return {"right": s.right, "cells": s.n, "repos": s.n // len(s.per_practice),
            "precision": round(s.precision(), 3), "recall": round(s.recall(), 3),
            "per_practice": {k: f"{v[0]}/{v[1]}" for k, v in s.per_practice.items()},
            "right_before_adjusting": PRACTICES_RIGHT_BEFORE_ADJUSTING,
            "wrong": s.wrong}


def write(figures: dict[str, dict]) -> None:
    def value(v: object) -> str:
        if isinstance(v, dict):  # one entry a line, as ruff wants the lines short
            return "{\n" + "".join(f"        {k!r}: {x!r},\n" for k, x in v.items()) + "    }"
        return repr(v)

    def literal(name: str, d: dict) -> str:
        return f"{name} = {{\n" + "".join(f"    {k!r}: {value(v)},\n" for k, v in d.items()) + \
            "}\n"

    body = HEADER + literal("BUGFIX", figures["bugfix"]) + literal("REVERT", figures["revert"])
    body += literal("ML_PROJECT", figures["ml"])
    body += literal("PRACTICES", figures["practices"])
    body += '''

def _one(what: str, f: dict) -> str:
    return (f"{what}: precision {f['precision']:.2f}, recall {f['recall']:.2f} on {f['n']} "
            f"held-out titles (labelled set of {f['labelled']} titles from {f['repos']} "
            "repositories)")


def summary() -> str:
    """The appendix sentence: how each classifier was measured and how accurate it is."""
    ml = (f"ML-project detection (practice audit): {ML_PROJECT['right']} of "
          f"{ML_PROJECT['repos']} labelled repositories right")
    practices = (f"practice scorecard: {PRACTICES['right']} of {PRACTICES['cells']} "
                 f"practice labels right on {PRACTICES['repos']} labelled repositories "
                 f"(precision {PRACTICES['precision']:.2f}, recall {PRACTICES['recall']:.2f}; "
                 f"{PRACTICES['right_before_adjusting']} before its rules were adjusted on "
                 "these repositories, no held-out split)")
    return "; ".join([_one("bug-fix classifier", BUGFIX), _one("revert detection", REVERT), ml,
                      practices])
'''
    OUT.write_text(body, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="regenerate classifier_accuracy.py")
    ap.add_argument("--misses", action="store_true", help="list the tuning split's errors")
    ap.add_argument("--ml", action="store_true", help="measure ML-project detection too")
    args = ap.parse_args()
    print(f"{'classifier':<20} {'split':<9} {'n':>5} {'pos':>5} {'precision':>9} {'recall':>7}")
    for kind, (name, what) in SETS.items():
        rows = load(LABELS / name)
        for split, s in score(rows, kind).items():
            print(f"{what:<20} {split:<9} {s.n:>5} {s.positives:>5} {s.precision:>9.3f} "
                  f"{s.recall:>7.3f}")
        if args.misses:
            print("\n".join(misses(rows, kind)))
    figures = measure()
    ml = measure_ml() if args.ml else None
    practices = measure_practices() if args.ml else None
    if ml is not None:
        print(f"ML-project detection: {ml['right']} of {ml['repos']} repositories right, "
              f"precision {ml['precision']:.3f}, recall {ml['recall']:.3f}; wrong: "
              f"{'; '.join(ml['wrong']) or 'none'}")
    if practices is not None:
        print(f"practice audit: {practices['right']} of {practices['cells']} labels right on "
              f"{practices['repos']} repositories, precision {practices['precision']:.3f}, "
              f"recall {practices['recall']:.3f}; per practice "
              f"{', '.join(f'{k} {v}' for k, v in practices['per_practice'].items())}; wrong: "
              f"{'; '.join(practices['wrong']) or 'none'}")
    if args.write:
        from casestudy import classifier_accuracy

        figures["ml"] = ml or classifier_accuracy.ML_PROJECT
        figures["practices"] = practices or classifier_accuracy.PRACTICES
        write(figures)
        print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
