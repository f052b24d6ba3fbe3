"""The numeric core: numba kernels over columnar PR arrays, per (repo, period) group.

``table`` computes every registry metric per group, ``durations`` is the one definition of how a
PR duration is measured, ``group_stats`` holds the exact percentile and bootstrap kernels,
``periods`` maps times to calendar periods (and hours/weekdays) in a time zone.
"""

from . import numba_target

numba_target.set_up()  # before any kernel runs: numba's CPU target without scipy.linalg

from .durations import duration_columns, duration_values  # noqa: E402
from .group_stats import grouped_duration_stats  # noqa: E402
from .table import (  # noqa: E402
    MetricTable,
    calendar_for,
    compute_table,
    data_span,
    failed_deployments,
    population_mask,
    restore_events,
    warm,
)

__all__ = ["MetricTable", "calendar_for", "compute_table", "data_span", "duration_columns",
           "duration_values", "failed_deployments", "grouped_duration_stats", "population_mask",
           "restore_events", "warm"]
