"""Kept per-group state of one duration metric, so newly synced PRs update a table in milliseconds.

What is kept (``KeptDuration``): every group's valid durations as an unordered run (a counting
sort by group), the durations added since as a second set of runs, the (group, log-bin) cell
counts of ``group_stats`` and each group's sum. ``add`` folds in new durations: it updates the
cell counts and sums, and for each touched group scans only that group's runs for the few cells
holding the percentile ranks, then selects inside them — the work is proportional to the touched
groups, never to the whole history, and the results equal a full recomputation exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from .group_stats import (
    N_BINS,
    _bin,
    _needed_cells,
    bucket_by_group,
    group_percentiles,
    histogram_stats,
)


@dataclass
class KeptDuration:
    """Runs and cell counts of one duration metric over (repo, period) groups."""

    values: np.ndarray  # durations, group g's run is values[bounds[g]:bounds[g + 1]]
    bounds: np.ndarray
    added: np.ndarray  # durations added since, same layout with added_bounds
    added_bounds: np.ndarray
    cells: np.ndarray  # counts per (group, bin) cell, kept and added together
    sums: np.ndarray  # per group


def keep(start, fallback, end, group, n_groups: int, n_chunks: int):
    """Stats (5, n_groups), negatives per group and the kept state of ``end - start``."""
    stats, negs, cells, sums = histogram_stats(start, fallback, end, group, n_groups, n_chunks)
    values, bounds, _ = bucket_by_group(start, fallback, end, group, n_groups)
    empty = np.zeros(n_groups + 1, dtype=np.int64)
    return stats, negs, KeptDuration(values, bounds, np.zeros(0, np.int64), empty, cells, sums)


def add(kept: KeptDuration, start, fallback, end, group):
    """Fold new durations into ``kept``. Returns (touched group ids, their (5, k) stats,
    negatives per group among the new ones)."""
    n_groups = kept.bounds.size - 1
    nv, nb, negs = bucket_by_group(start, fallback, end, group, n_groups)
    _count_cells(kept.cells, kept.sums, nv, nb)
    kept.added, kept.added_bounds = _merge_runs(kept.added, kept.added_bounds, nv, nb)
    touched = np.flatnonzero(np.diff(nb) > 0)
    stats = _touched_stats(touched, kept.cells, kept.sums, kept.values, kept.bounds,
                           kept.added, kept.added_bounds)
    return touched, stats, negs


@njit(cache=True)
def _count_cells(cells, sums, values, bounds):
    for g in range(bounds.size - 1):
        for k in range(bounds[g], bounds[g + 1]):
            cells[g * N_BINS + _bin(values[k])] += 1
            sums[g] += values[k]


@njit(cache=True)
def _merge_runs(av, ab, nv, nb):
    """Per group, the old run followed by the new one."""
    n_groups = ab.size - 1
    out = np.empty(av.size + nv.size, dtype=np.int64)
    bounds = np.empty(n_groups + 1, dtype=np.int64)
    p = 0
    for g in range(n_groups):
        bounds[g] = p
        for k in range(ab[g], ab[g + 1]):
            out[p] = av[k]
            p += 1
        for k in range(nb[g], nb[g + 1]):
            out[p] = nv[k]
            p += 1
    bounds[n_groups] = p
    return out, bounds


@njit(cache=True, parallel=True)
def _touched_stats(touched, cells, sums, values, bounds, added, added_bounds):
    """n, median, p75, p90, mean of each touched group from its runs, scanning each run once
    for the cells that hold the percentile ranks."""
    out = np.full((5, touched.size), np.nan)
    for t in prange(touched.size):
        g = touched[t]
        n = 0
        for b in range(g * N_BINS, (g + 1) * N_BINS):
            n += cells[b]
        out[0, t] = n
        if n == 0:
            continue
        out[4, t] = sums[g] / n
        # local slots of the needed cells and their stretch of a small buffer
        slot = np.full(N_BINS, -1, dtype=np.int64)
        needed, n_slots = _needed_cells(cells, g, n)
        off = np.zeros(n_slots + 1, dtype=np.int64)
        for j in range(n_slots):
            slot[needed[j] - g * N_BINS] = j
            off[j + 1] = off[j] + cells[needed[j]]
        buf = np.empty(off[n_slots], dtype=np.int64)
        fill = off[:n_slots].copy()
        for run, lo, hi in ((values, bounds[g], bounds[g + 1]),
                            (added, added_bounds[g], added_bounds[g + 1])):
            for k in range(lo, hi):
                j = slot[_bin(run[k])]
                if j >= 0:
                    buf[fill[j]] = run[k]
                    fill[j] += 1
        group_percentiles(out, t, cells, g, n, slot, g * N_BINS, off, buf)
    return out
