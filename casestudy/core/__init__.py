"""The numeric core: numba kernels over columnar PR arrays, per (repo, period) group.

``table`` computes every registry metric per group, ``durations`` is the one definition of how a
PR duration is measured, ``group_stats`` holds the exact percentile and bootstrap kernels,
``periods`` maps times to calendar periods (and hours/weekdays) in a time zone.
"""

import importlib

# What the package offers, by the module that holds it: imported on first use, so a command
# that only reads the store (or a kept case study) never loads numba and the kernels (0.4 s).
_WHERE = {
    "duration_columns": "durations", "duration_values": "durations",
    "grouped_duration_stats": "group_stats",
    "MetricTable": "table", "calendar_for": "table", "compute_table": "table",
    "data_span": "table", "failed_deployments": "table", "population_mask": "table",
    "restore_events": "table", "warm": "table",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
