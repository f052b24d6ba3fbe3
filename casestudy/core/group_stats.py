"""Exact per-group statistics of durations: n, median, p75, p90, mean (and a bootstrap interval).

Three kernels, all exact (``numpy.percentile(method="linear")``), none sorting whole columns
with numba's slow sort:

* ``histogram_stats`` (the default): one parallel pass counts every valid duration into
  (group, log-bin) cells — 8 bins per octave from the float's exponent and top mantissa bits, so
  bins are monotone in the duration — and sums it for the mean. The cells holding the ranks each
  percentile needs are marked, a second pass gathers only the durations falling in those cells
  (a few percent of the input), and a quickselect inside each small cell gives the exact value.
  Nothing of the size of the input is written.
* ``bucket_by_group`` + ``bucket_stats``: a counting sort into per-group runs, then quickselect.
  Used when the cells would outnumber the PRs (very many groups).
* sorted ``group << 40 | seconds`` keys (numpy's sort) + ``bootstrap_median_ci`` when a seeded
  bootstrap interval of the median is asked for.
"""

from __future__ import annotations

import numpy as np
from numba import get_num_threads, njit, prange, types
from numba.core.extending import intrinsic

from . import numba_target

numba_target.set_up()  # before any kernel compiles or loads: see numba_target

SHIFT = 40  # low 40 bits hold the duration in seconds (≈ 35,000 years)
MASK = (1 << SHIFT) - 1
MAX_GROUPS = 1 << 22
DURATION_STATS = ("n", "median", "p75", "p90", "mean")
QUANTILES = np.array([0.5, 0.75, 0.9])
SUB_BITS = 3  # bins per octave = 2 ** SUB_BITS
N_BINS = 43 << SUB_BITS  # bin 0 holds 0 s; durations of 2 ** 42 s and more share the last bin


@njit(cache=True)
def chunk_count(n):
    """How many parallel chunks a pass over n values is split into: one per 65,536 values, at
    least one, at most 64 (the one rule for every chunked kernel)."""
    return max(1, min(64, n // 65536))


@njit(cache=True, parallel=True)
def bootstrap_median_ci(keys, bounds, n_boot, seed):
    """Seeded percentile-bootstrap 95% interval of each group's median (NaN below n = 2).

    ``keys[bounds[g]:bounds[g + 1]]`` is group g's sorted run. A resample of n draws with
    replacement picks ranks floor(n·U) of n uniforms U, so its m-th smallest value is the run's
    value at rank floor(n·U₍ₘ₎), and the m-th smallest of n uniforms is Beta(m, n − m + 1); given
    it, the next one is U₍ₘ₎ + (1 − U₍ₘ₎)·(1 − V^(1/(n − m))) with V uniform. So each resample's
    median costs two random draws instead of n, with exactly the distribution of resampling.
    """
    g_n = bounds.size - 1
    lo = np.full(g_n, np.nan)
    hi = np.full(g_n, np.nan)
    for g in prange(g_n):
        s = bounds[g]
        n = bounds[g + 1] - s
        if n < 2:
            continue
        np.random.seed(seed + g)
        meds = np.empty(n_boot)
        m = (n + 1) // 2  # the median is the m-th smallest (odd n) or the m-th and next (even n)
        for b in range(n_boot):
            u = np.random.beta(m, n - m + 1)
            v = float(keys[s + min(int(n * u), n - 1)] & MASK)
            if n % 2 == 0:
                u2 = u + (1.0 - u) * (1.0 - np.random.random() ** (1.0 / (n - m)))
                v = 0.5 * (v + float(keys[s + min(int(n * u2), n - 1)] & MASK))
            meds[b] = v
        meds.sort()
        lo[g] = _pct_plain(meds, 0.025)
        hi[g] = _pct_plain(meds, 0.975)
    return lo, hi


@njit(cache=True)
def _pct_plain(sorted_vals, q):
    n = sorted_vals.size
    i, gamma = _percentile_ranks(n, q)
    return _lerp(sorted_vals[i], sorted_vals[min(i + 1, n - 1)], gamma)


@njit(cache=True, inline="always")
def _dur(start, fallback, end, i):
    a = start[i]
    if a < 0:
        a = fallback[i]
    if a < 0 or end[i] < 0:
        return -1, False
    d = end[i] - a
    return d, d < 0


@njit(cache=True, parallel=True)
def bucket_by_group(start, fallback, end, group, n_groups):
    """Counting sort of valid durations ``end - (start or fallback)`` into per-group runs.

    Returns (values, bounds, negatives): group g's durations are values[bounds[g]:bounds[g+1]]
    (unordered); negatives counts durations < 0 (clock skew), which are left out. Chunks of the
    input are counted and scattered in parallel.
    """
    n = start.size
    n_chunks = chunk_count(n)
    size = (n + n_chunks - 1) // n_chunks
    counts = np.zeros((n_chunks, n_groups), dtype=np.int64)
    negs = np.zeros((n_chunks, n_groups), dtype=np.int64)
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            g = group[i]
            if g < 0:
                continue
            d, neg = _dur(start, fallback, end, i)
            if neg:
                negs[c, g] += 1
            elif d >= 0:  # -1 = missing
                counts[c, g] += 1
    bounds = np.zeros(n_groups + 1, dtype=np.int64)
    pos = np.empty((n_chunks, n_groups), dtype=np.int64)
    acc = 0
    for g in range(n_groups):
        bounds[g] = acc
        for c in range(n_chunks):
            pos[c, g] = acc
            acc += counts[c, g]
    bounds[n_groups] = acc
    values = np.empty(acc, dtype=np.int64)
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            g = group[i]
            if g < 0:
                continue
            d, _ = _dur(start, fallback, end, i)
            if d >= 0:
                values[pos[c, g]] = d
                pos[c, g] += 1
    return values, bounds, negs.sum(axis=0)


@njit(cache=True, inline="always")
def _select(a, lo, hi, k):
    """Reorder a[lo:hi] so a[k] is its k-th smallest, smaller before, larger after."""
    hi -= 1
    while hi > lo:
        mid = (lo + hi) >> 1
        # median of three as pivot, moved to a[hi]
        if a[mid] < a[lo]:
            a[mid], a[lo] = a[lo], a[mid]
        if a[hi] < a[lo]:
            a[hi], a[lo] = a[lo], a[hi]
        if a[mid] < a[hi]:
            a[mid], a[hi] = a[hi], a[mid]
        pivot = a[hi]
        i = lo
        j = hi - 1
        while True:
            while a[i] < pivot:
                i += 1
            while j > lo and a[j] > pivot:
                j -= 1
            if i >= j:
                break
            a[i], a[j] = a[j], a[i]
            i += 1
            j -= 1
        a[i], a[hi] = a[hi], a[i]
        if i == k:
            return
        if i < k:
            lo = i + 1
        else:
            hi = i - 1


@njit(cache=True, inline="always")
def _pct_select(a, s, n, q, done):
    """Linear percentile of run a[s:s+n] by selection; ``done`` = first index still unordered."""
    i, gamma = _percentile_ranks(n, q)
    _select(a, s + done, s + n, s + i)
    x = float(a[s + i])
    y = x
    if gamma > 0.0 and i + 1 < n:
        m = a[s + i + 1]
        for t in range(s + i + 2, s + n):
            if a[t] < m:
                m = a[t]
        y = float(m)
    return _lerp(x, y, gamma), i + 1


@njit(cache=True, parallel=True)
def bucket_stats(values, bounds):
    """n, median, p75, p90 and mean per group run (runs are reordered in place)."""
    g_n = bounds.size - 1
    out = np.full((5, g_n), np.nan)
    for g in prange(g_n):
        s = bounds[g]
        n = bounds[g + 1] - s
        out[0, g] = n
        if n == 0:
            continue
        acc = 0.0
        for k in range(s, s + n):
            acc += float(values[k])
        out[4, g] = acc / n
        done = 0
        out[1, g], done = _pct_select(values, s, n, 0.5, done)
        out[2, g], done = _pct_select(values, s, n, 0.75, done)
        out[3, g], done = _pct_select(values, s, n, 0.9, done)
    return out


@njit(cache=True, parallel=True)
def make_keys(start, end, group, out_keys):
    """Fill ``out_keys`` with ``group << 40 | (end - start)``: -1 where missing or outside any
    group, -2 where the duration is negative (clock skew; counted and excluded by the caller)."""
    n = start.size
    for i in prange(n):
        g = group[i]
        if g < 0 or start[i] < 0 or end[i] < 0:
            out_keys[i] = -1
            continue
        d = end[i] - start[i]
        if d < 0:
            out_keys[i] = -2
        else:
            out_keys[i] = (np.int64(g) << SHIFT) | d
    return out_keys


@intrinsic
def _float_bits(typingctx, x):
    """The IEEE-754 bits of a float64 as an int64 (a register move, no memory round trip)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))
    return types.int64(types.float64), codegen


@njit(cache=True, inline="always")
def _bin(d):
    """Log-scale bin of a duration >= 0: non-decreasing in ``d``, 8 bins per octave."""
    if d <= 0:
        return 0
    b = (_float_bits(np.float64(d)) >> (52 - SUB_BITS)) - (1023 << SUB_BITS) + 1
    return b if b < N_BINS else N_BINS - 1


@njit(cache=True, parallel=True)
def _histogram(start, fallback, end, group, n_groups, n_chunks):
    """Per chunk: counts per (group, bin) cell, sums and negative durations per group."""
    n = start.size
    size = (n + n_chunks - 1) // n_chunks
    counts = np.zeros((n_chunks, n_groups * N_BINS), dtype=np.int32)
    sums = np.zeros((n_chunks, n_groups))
    negs = np.zeros((n_chunks, n_groups), dtype=np.int64)
    for c in prange(n_chunks):
        cc = counts[c]
        for i in range(c * size, min(n, (c + 1) * size)):
            g = group[i]
            if g < 0:
                continue
            d, neg = _dur(start, fallback, end, i)
            if neg:
                negs[c, g] += 1
            elif d >= 0:
                cc[g * N_BINS + _bin(d)] += 1
                sums[c, g] += d
    return counts, sums, negs


@njit(cache=True, inline="always")
def _rank_cell(tot, g, rank):
    """(cell, rank inside the cell) of group g's rank-th smallest duration."""
    cum = 0
    for b in range(g * N_BINS, (g + 1) * N_BINS):
        k = tot[b]
        if cum + k > rank:
            return b, rank - cum
        cum += k
    return -1, 0


@njit(cache=True, inline="always")
def _percentile_ranks(n, q):
    """numpy's linear percentile of n sorted values: (lower rank, weight of the next one)."""
    vi = (n - 1) * q
    i = int(np.floor(vi))
    return i, vi - i


@njit(cache=True, parallel=True)
def _totals(counts, sums, n_groups):
    """Cell counts summed over chunks; n and mean per group (and the sums behind the means)."""
    n_chunks = counts.shape[0]
    tot = np.zeros(counts.shape[1], dtype=np.int64)
    out = np.full((5, n_groups), np.nan)
    group_sums = np.zeros(n_groups)
    for g in prange(n_groups):
        n = 0
        for b in range(g * N_BINS, (g + 1) * N_BINS):
            k = 0
            for c in range(n_chunks):
                k += counts[c, b]
            tot[b] = k
            n += k
        out[0, g] = n
        if n:
            acc = 0.0
            for c in range(n_chunks):
                acc += sums[c, g]
            group_sums[g] = acc
            out[4, g] = acc / n
    return tot, out, group_sums


@njit(cache=True, parallel=True)
def _gather(start, fallback, end, group, slot, pos, n_chunks, buf):
    """Copy the durations whose cell has a slot into that slot's stretch of ``buf``."""
    n = start.size
    size = (n + n_chunks - 1) // n_chunks
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            g = group[i]
            if g < 0:
                continue
            d, _ = _dur(start, fallback, end, i)
            if d < 0:
                continue
            j = slot[g * N_BINS + _bin(d)]
            if j >= 0:
                buf[pos[c, j]] = d
                pos[c, j] += 1


@njit(cache=True, parallel=True)
def _cell_percentiles(tot, slot, off, buf, out):
    """Fill rows 1–3 of ``out`` (median, p75, p90) by selection inside the gathered cells."""
    n_groups = out.shape[1]
    for g in prange(n_groups):
        n = int(out[0, g])
        if n:
            _group_percentiles(out, g, tot, n, slot, off, buf)


@njit(cache=True, inline="always")
def _group_percentiles(out, g, tot, n, slot, off, buf):
    """Rows 1–3 (median, p75, p90) of ``out[:, g]`` for group g of n values, from the cells
    gathered into ``buf``: cell b's values are buf[off[j]:off[j + 1]], j = slot[b]."""
    for qi in range(QUANTILES.size):
        i, gamma = _percentile_ranks(n, QUANTILES[qi])
        b, r = _rank_cell(tot, g, i)
        nxt = gamma > 0.0 and i + 1 < n
        b2 = _rank_cell(tot, g, i + 1)[0] if nxt else b
        j, j2 = slot[b], slot[b2]
        out[1 + qi, g] = _percentile_in_cells(buf, off[j], off[j + 1], r, off[j2],
                                                off[j2 + 1], b2 == b, gamma, nxt)


@njit(cache=True, inline="always")
def _percentile_in_cells(buf, lo, hi, r, lo2, hi2, same_cell, gamma, has_next):
    """The percentile whose lower rank is the r-th smallest of cell buf[lo:hi] (selected in
    place), interpolated towards the next rank: the smallest of what follows in the same cell, or
    the smallest of the next cell buf[lo2:hi2]."""
    _select(buf, lo, hi, lo + r)
    x = float(buf[lo + r])
    if not has_next:
        return x
    if same_cell:
        lo2, hi2 = lo + r + 1, hi
    m = buf[lo2]
    for t in range(lo2 + 1, hi2):
        if buf[t] < m:
            m = buf[t]
    return _lerp(x, float(m), gamma)


@njit(cache=True, inline="always")
def _lerp(x, y, gamma):
    """numpy's linear interpolation between neighbouring ranks (same rounding as numpy)."""
    d = y - x
    r = x + d * gamma
    if gamma >= 0.5:
        r = y - d * (1.0 - gamma)
    return r


@njit(cache=True, inline="always")
def _needed_cells(tot, g, n):
    """The distinct cells of group g (n values) holding the ranks its percentiles read:
    (cells, count), at most two per percentile."""
    cells = np.empty(2 * QUANTILES.size, dtype=np.int64)
    k = 0
    for qi in range(QUANTILES.size):
        i, gamma = _percentile_ranks(n, QUANTILES[qi])
        for rank in (i, i + 1):
            if rank > i and (gamma == 0.0 or rank >= n):
                break
            b, _ = _rank_cell(tot, g, rank)
            seen = False
            for j in range(k):  # percentiles may share ranks (small n), so look at all
                seen = seen or cells[j] == b
            if not seen:
                cells[k] = b
                k += 1
    return cells, k


@njit(cache=True)
def _slots(tot, out):
    """Mark the cells holding each group's percentile ranks and number them."""
    slot = np.full(tot.size, -1, dtype=np.int64)
    n_slots = 0
    for g in range(out.shape[1]):
        n = int(out[0, g])
        if n == 0:
            continue
        cells, k = _needed_cells(tot, g, n)
        for j in range(k):
            slot[cells[j]] = n_slots
            n_slots += 1
    return slot, n_slots


@njit(cache=True)
def histogram_stats(start, fallback, end, group, n_groups, n_chunks):
    """(5, n_groups) n, median, p75, p90, mean and negatives per group, by histogram selection;
    also the (group, bin) cell counts and per-group sums.

    One compiled entry point (the parallel steps are linked into it), so a fresh process loads
    a single cached library for the whole path.
    """
    counts, sums, negs = _histogram(start, fallback, end, group, n_groups, n_chunks)
    tot, out, group_sums = _totals(counts, sums, n_groups)
    slot, n_slots = _slots(tot, out)
    # each slot's stretch of the gather buffer, split into one part per chunk
    pos = np.empty((n_chunks, n_slots), dtype=np.int64)
    off = np.empty(n_slots + 1, dtype=np.int64)
    acc = 0
    for b in range(tot.size):
        j = slot[b]
        if j < 0:
            continue
        off[j] = acc
        for c in range(n_chunks):
            pos[c, j] = acc
            acc += counts[c, b]
    off[n_slots] = acc
    buf = np.empty(acc, dtype=np.int64)
    _gather(start, fallback, end, group, slot, pos, n_chunks, buf)
    _cell_percentiles(tot, slot, off, buf, out)
    return out, negs.sum(axis=0), tot, group_sums


def plan(n_values: int, n_groups: int) -> tuple[str, int]:
    """The faster method for this shape and its number of parallel chunks: the histogram unless
    its (group, bin) cells would outnumber the values (then counting sort + quickselect)."""
    budget = max(n_values, 1 << 18)
    cells = n_groups * N_BINS
    chunks = max(1, min(chunk_count(n_values), 2 * get_num_threads(), budget // max(cells, 1)))
    return ("histogram" if cells <= budget else "buckets"), chunks


def grouped_duration_stats(start: np.ndarray, end: np.ndarray, group: np.ndarray, n_groups: int,
                           ci: bool = False, n_boot: int = 1000, seed: int = 0,
                           fallback: np.ndarray | None = None, method: str = "auto"):
    """Per-group stats of ``end - start`` (int64 seconds, -1 missing) for ``group`` in
    ``[0, n_groups)`` (-1 = not in any group).

    ``fallback`` is used where ``start`` is missing.
    Returns ``(stats, excluded, ci_low, ci_high)``: ``stats`` is a (5, n_groups) array of
    n, median, p75, p90, mean; ``excluded`` counts negative durations per group.
    ``method`` (without ``ci``): "histogram", "buckets" or "auto" (histogram unless its cells
    would outnumber the PRs).
    """
    if n_groups >= MAX_GROUPS:
        raise ValueError(f"too many groups ({n_groups})")
    if group.dtype not in (np.int32, np.int64):
        group = group.astype(np.int64)
    if not ci:
        fb = start if fallback is None else fallback
        best, n_chunks = plan(start.size, n_groups)
        if method == "auto":
            method = best
        if method == "histogram":
            stats, excluded, _, _ = histogram_stats(start, fb, end, group, n_groups,
                                                    n_chunks)
        else:
            values, bounds, excluded = bucket_by_group(start, fb, end, group, n_groups)
            stats = bucket_stats(values, bounds)
        lo = hi = np.full(n_groups, np.nan)
        return stats, excluded, lo, hi
    if fallback is not None:
        start = np.where(start >= 0, start, fallback)
    keys = np.empty(start.size, dtype=np.int64)
    make_keys(start, end, group, keys)
    neg = keys == -2
    excluded = np.bincount(group[neg], minlength=n_groups)[:n_groups] if neg.any() else \
        np.zeros(n_groups, dtype=np.int64)
    keys.sort()
    first = int(np.searchsorted(keys, 0))
    keys = keys[first:]
    bounds = np.searchsorted(keys, np.arange(n_groups + 1, dtype=np.int64) << SHIFT)
    stats = bucket_stats(keys & MASK, bounds)  # a copy: the sorted keys stay for the bootstrap
    lo, hi = bootstrap_median_ci(keys, bounds, n_boot, seed)
    return stats, excluded, lo, hi


