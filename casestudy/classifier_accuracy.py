"""Measured accuracy of the classifiers on the hand-labelled titles in
``tests/data/labels``: precision and recall on the held-out quarter no rule was tuned on. Written by
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


def _one(what: str, f: dict) -> str:
    return (f"{what}: precision {f['precision']:.2f}, recall {f['recall']:.2f} on {f['n']} "
            f"held-out titles (labelled set of {f['labelled']} titles from {f['repos']} "
            "repositories)")


def summary() -> str:
    """The appendix sentence: how each classifier was measured and how accurate it is."""
    ml = (f"ML-project detection (practice audit): {ML_PROJECT['right']} of "
          f"{ML_PROJECT['repos']} labelled repositories right")
    return "; ".join([_one("bug-fix classifier", BUGFIX), _one("revert detection", REVERT), ml])
