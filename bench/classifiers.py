"""Classifier accuracy: the bug-fix rules and the revert detection against the hand-labelled
titles in ``tests/data/labels`` — precision, recall and n per split. With ``--write`` it also
regenerates ``casestudy/classifier_accuracy.py``, the measured figures each report's
data-completeness appendix quotes (never computed at report time).

    .venv/bin/python bench/classifiers.py [--write] [--misses]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from casestudy.classifier_check import load, misses, score

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "data" / "labels"
OUT = ROOT / "casestudy" / "classifier_accuracy.py"
SETS = {"bugfix": ("bugfix.csv", "bug-fix classifier"),
        "revert": ("reverts.csv", "revert detection")}

HEADER = '''"""Measured accuracy of the classifiers on the hand-labelled titles in
``tests/data/labels``: precision and recall on the held-out quarter no rule was tuned on. Written by
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


def write(figures: dict[str, dict]) -> None:
    def literal(name: str, d: dict) -> str:
        return f"{name} = {{\n" + "".join(f"    {k!r}: {v!r},\n" for k, v in d.items()) + "}\n"

    body = HEADER + literal("BUGFIX", figures["bugfix"]) + literal("REVERT", figures["revert"])
    body += '''

def _one(what: str, f: dict) -> str:
    return (f"{what}: precision {f['precision']:.2f}, recall {f['recall']:.2f} on {f['n']} "
            f"held-out titles (labelled set of {f['labelled']} titles from {f['repos']} "
            "repositories)")


def summary() -> str:
    """The appendix sentence: how each classifier was measured and how accurate it is."""
    return "; ".join([_one("bug-fix classifier", BUGFIX), _one("revert detection", REVERT)])
'''
    OUT.write_text(body, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true", help="regenerate classifier_accuracy.py")
    ap.add_argument("--misses", action="store_true", help="list the tuning split's errors")
    args = ap.parse_args()
    print(f"{'classifier':<20} {'split':<9} {'n':>5} {'pos':>5} {'precision':>9} {'recall':>7}")
    for kind, (name, what) in SETS.items():
        rows = load(LABELS / name)
        for split, s in score(rows, kind).items():
            print(f"{what:<20} {split:<9} {s.n:>5} {s.positives:>5} {s.precision:>9.3f} "
                  f"{s.recall:>7.3f}")
        if args.misses:
            print("\n".join(misses(rows, kind)))
    if args.write:
        write(measure())
        print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
