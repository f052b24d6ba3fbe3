"""Measured accuracy of the classifiers on the hand-labelled titles and repositories in
``tests/data/labels``: precision and recall on the held-out quarter of the titles no rule was
tuned on; the practice audit on the 24 labelled repositories' snapshots. Written by
``bench/classifiers.py --write`` — do not edit by hand; a test keeps it equal to a fresh
measurement. Quoted in each report's data-completeness appendix."""

from __future__ import annotations

BUGFIX = {
    'precision': 0.912,
    'recall': 0.816,
    'n': 228,
    'tuning_precision': 0.907,
    'tuning_recall': 0.836,
    'tuning_n': 684,
    'labelled': 912,
    'repos': 12,
}
REVERT = {
    'precision': 0.951,
    'recall': 0.951,
    'n': 93,
    'tuning_precision': 0.985,
    'tuning_recall': 0.971,
    'tuning_n': 282,
    'labelled': 375,
    'repos': 11,
}
ML_PROJECT = {
    'right': 23,
    'repos': 24,
    'ml': 10,
    'precision': 0.909,
    'recall': 1.0,
    'wrong': ['huggingface/datasets (labelled no: tensorflow, torch, jax)'],
}
PRACTICES = {
    'right': 167,
    'cells': 168,
    'repos': 24,
    'precision': 0.987,
    'recall': 1.0,
    'per_practice': {
        'tests': '24/24',
        'ci': '24/24',
        'locked_env': '24/24',
        'lint': '24/24',
        'data_versioning': '24/24',
        'experiment_tracking': '23/24',
        'cards': '24/24',
    },
    'right_before_adjusting': 160,
    'wrong': ['huggingface/trl experiment_tracking (labelled no, audit present)'],
}


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
