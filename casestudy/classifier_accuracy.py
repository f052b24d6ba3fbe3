"""Measured accuracy of the classifiers on the hand-labelled titles and repositories in
``tests/data/labels``: precision and recall on the held-out quarter of the titles no rule was
tuned on; the practice audit on the labelled repositories' snapshots, per split (tuning: the
24 its rules were adjusted on; held-out: labelled first, never tuned on). Written by
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
    'tuning': {
        'right': 23,
        'repos': 24,
        'ml': 10,
        'precision': 0.909,
        'recall': 1.0,
        'wrong': [
            'huggingface/datasets (labelled no: tensorflow, torch, jax)',
        ],
    },
    'held-out': {
        'right': 11,
        'repos': 13,
        'ml': 5,
        'precision': 0.714,
        'recall': 1.0,
        'wrong': [
            'tqdm/tqdm (labelled no: tensorflow)',
            'huggingface/safetensors (labelled no: paddle, torch, tensorflow)',
        ],
        'first_right': 10,
        'first_precision': 0.667,
        'first_recall': 0.8,
    },
}
PRACTICES = {
    'tuning': {
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
        'wrong': [
            'huggingface/trl experiment_tracking (labelled no, audit present)',
        ],
        'right_before_adjusting': 160,
    },
    'held-out': {
        'right': 87,
        'cells': 91,
        'repos': 13,
        'precision': 0.975,
        'recall': 0.929,
        'per_practice': {
            'tests': '12/13',
            'ci': '12/13',
            'locked_env': '13/13',
            'lint': '13/13',
            'data_versioning': '13/13',
            'experiment_tracking': '12/13',
            'cards': '12/13',
        },
        'wrong': [
            'golang/tools ci (labelled yes, audit missing)',
            'CompVis/stable-diffusion tests (labelled no, audit present)',
            'CompVis/stable-diffusion experiment_tracking (labelled yes, audit missing)',
            'CompVis/stable-diffusion cards (labelled yes, audit missing)',
        ],
        'first_right': 85,
        'first_precision': 0.974,
        'first_recall': 0.881,
    },
}
