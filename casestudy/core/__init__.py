"""The numeric core: numba kernels over columnar PR arrays, per (repo, period) group.

``table`` computes every registry metric per group, ``group_stats`` holds the exact percentile
and bootstrap kernels, ``periods`` maps times to calendar periods in a time zone.
"""

from .group_stats import grouped_duration_stats
from .table import (
    MetricTable,
    add_prs,
    calendar_for,
    compute_table,
    duration_columns,
    failing_deployment,
    population_mask,
    restore_events,
    update_table,
    warm,
)

__all__ = ["MetricTable", "add_prs", "calendar_for", "compute_table", "duration_columns",
           "failing_deployment", "grouped_duration_stats", "population_mask", "restore_events",
           "update_table", "warm"]
