"""The numeric core: per-(repo, period) statistics over columnar PR arrays, in numba.

Design: group ids come from one parallel pass (per-hour UTC offsets and a day→period table, so
time zones and DST cost nothing per PR). Each duration is counting-sorted into contiguous
per-group runs (parallel over chunks), then a parallel pass over the groups reads n, mean and
the median, p75 and p90 by quickselect — exactly ``numpy.percentile(method="linear")`` — with no
full sort (numba's own sort is far slower than numpy's). Merged counts, bug-fix share and rule
hits are one more pass. The bootstrap interval of the median (seeded, in numba) needs sorted
runs, so that path sorts a packed ``group << 40 | seconds`` key with numpy once. Kept buckets let
``add_prs`` fold in new PRs by recomputing only the groups they touch. Nothing here loops over
PRs in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from . import metrics as M
from .model import PRArrays
from .periods import DAY, Calendar, make_calendar

SHIFT = 40  # low 40 bits hold the duration in seconds (≈ 35,000 years)
MASK = (1 << SHIFT) - 1
MAX_GROUPS = 1 << 22
DURATION_STATS = ("n", "median", "p75", "p90", "mean")


@njit(cache=True, parallel=True)
def bootstrap_median_ci(keys, bounds, n_boot, seed):
    """Seeded percentile-bootstrap 95% interval of each group's median (NaN below n = 2)."""
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
        counts = np.zeros(n, dtype=np.int64)
        k1 = (n - 1) // 2
        k2 = n // 2
        for b in range(n_boot):
            counts[:] = 0
            for _ in range(n):
                counts[np.random.randint(0, n)] += 1
            # walk the histogram of drawn ranks to the k1-th and k2-th smallest
            c = 0
            v1 = -1.0
            v2 = -1.0
            for r in range(n):
                c += counts[r]
                if v1 < 0 and c > k1:
                    v1 = float(keys[s + r] & MASK)
                if c > k2:
                    v2 = float(keys[s + r] & MASK)
                    break
            meds[b] = 0.5 * (v1 + v2)
        meds.sort()
        lo[g] = _pct_plain(meds, 0.025)
        hi[g] = _pct_plain(meds, 0.975)
    return lo, hi


@njit(cache=True)
def _pct_plain(sorted_vals, q):
    n = sorted_vals.size
    vi = (n - 1) * q
    i = int(np.floor(vi))
    gamma = vi - np.floor(vi)
    j = min(i + 1, n - 1)
    a = sorted_vals[i]
    d = sorted_vals[j] - a
    r = a + d * gamma
    if gamma >= 0.5:
        r = sorted_vals[j] - d * (1.0 - gamma)
    return r


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
    n_chunks = max(1, min(64, n // 65536))
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
    vi = (n - 1) * q
    lo = np.floor(vi)
    gamma = vi - lo
    i = int(lo)
    _select(a, s + done, s + n, s + i)
    x = float(a[s + i])
    y = x
    if gamma > 0.0 and i + 1 < n:
        m = a[s + i + 1]
        for t in range(s + i + 2, s + n):
            if a[t] < m:
                m = a[t]
        y = float(m)
    d = y - x
    r = x + d * gamma
    if gamma >= 0.5:
        r = y - d * (1.0 - gamma)
    return r, i + 1


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
    """Fill ``out_keys`` with ``group << 40 | (end - start)``; -1 where excluded.

    Returns the number of negative durations (clock skew) per group, which are excluded.
    """
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


@njit(cache=True, parallel=True)
def group_ids(ts, repo, pop, hour0, offsets, day0, day_period, n_per):
    """repo * n_per + period of each timestamp in local time; -1 when missing, out of the
    calendar or outside the population. One pass, no temporaries."""
    n = ts.size
    out = np.empty(n, dtype=np.int64)
    n_off = offsets.size
    n_day = day_period.size
    for i in prange(n):
        t = ts[i]
        if t < 0 or not pop[i]:
            out[i] = -1
            continue
        h = t // 3600 - hour0
        h = 0 if h < 0 else (n_off - 1 if h >= n_off else h)
        d = (t + offsets[h]) // 86400 - day0
        if d < 0 or d >= n_day:
            out[i] = -1
        else:
            out[i] = repo[i] * n_per + day_period[d]
    return out


@njit(cache=True, parallel=True)
def merged_counts(g, repo, rule, is_bug, is_revert, additions, deletions, n_groups, n_repos):
    """Per group: merged PRs, bug fixes, reverts, lines changed, lines changed by bug fixes;
    and per repo the hits of each bug-fix rule (0 = none). Chunks run in parallel."""
    n = g.size
    n_chunks = max(1, min(64, n // 65536))
    size = (n + n_chunks - 1) // n_chunks
    parts = np.zeros((n_chunks, 5, n_groups))
    hit_parts = np.zeros((n_chunks, n_repos, 5), dtype=np.int64)
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            k = g[i]
            if k < 0:
                continue
            churn = float(additions[i] + deletions[i])
            parts[c, 0, k] += 1.0
            parts[c, 3, k] += churn
            if is_bug[i]:
                parts[c, 1, k] += 1.0
                parts[c, 4, k] += churn
            if is_revert[i]:
                parts[c, 2, k] += 1.0
            hit_parts[c, repo[i], rule[i]] += 1
    return parts.sum(axis=0), hit_parts.sum(axis=0)


_WEEKDAYS_BEFORE = np.array([0, 1, 2, 2, 2, 3, 4], dtype=np.int64)  # from Thursday 1970-01-01


@njit(cache=True)
def _business_clock(local, open_s, close_s):
    """Business seconds from the epoch to local wall time ``local`` (Mon–Fri, open → close)."""
    day = local // 86400
    sec = local - day * 86400
    weeks = day // 7
    r = day - weeks * 7
    before = weeks * 5 + _WEEKDAYS_BEFORE[r]
    dow = (day + 3) % 7  # Monday = 0
    today = 0
    if dow < 5:
        today = min(max(sec, open_s), close_s) - open_s
    return before * (close_s - open_s) + today


@njit(cache=True, parallel=True)
def business_durations(start_local, end_local, open_s, close_s):
    """Business-hours versions of end - start for local wall-clock seconds (-1 when missing)."""
    out = np.full(start_local.size, -1, dtype=np.int64)
    for i in prange(start_local.size):
        if start_local[i] < 0 or end_local[i] < 0:
            continue
        out[i] = _business_clock(end_local[i], open_s, close_s) - _business_clock(
            start_local[i], open_s, close_s)
    return out


def duration_columns(a: PRArrays, m: M.Metric) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) time columns of a PR duration metric, with its fallback start applied."""
    start = a.times[m.start]
    if m.fallback_start:
        start = np.where(start >= 0, start, a.times[m.fallback_start])
    return start, a.times[m.end]


def failing_deployment(a: PRArrays, repo: str) -> np.ndarray:
    """Per incident of ``repo``, the index of the failing deployment: the latest deployment at
    or before the incident opened (-1 when none precedes it)."""
    dt = a.deploy_times.get(repo, np.zeros(0, np.int64))
    inc = a.incidents.get(repo)
    if inc is None:
        return np.zeros(0, np.int64)
    return np.searchsorted(dt, inc["opened_at"], side="right") - 1


def restore_events(a: PRArrays, repo: str) -> tuple[np.ndarray, np.ndarray]:
    """(failure start, restored) times per incident: the failing deployment (or the incident's
    opening when no deployment precedes it) → its resolution."""
    dt = a.deploy_times.get(repo, np.zeros(0, np.int64))
    inc = a.incidents.get(repo)
    if inc is None or inc["opened_at"].size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    pos = failing_deployment(a, repo)
    start = np.where(pos >= 0, dt[np.maximum(pos, 0)] if dt.size else -1, inc["opened_at"])
    return start.astype(np.int64), inc["resolved_at"]


def grouped_duration_stats(start: np.ndarray, end: np.ndarray, group: np.ndarray, n_groups: int,
                           ci: bool = False, n_boot: int = 200, seed: int = 0,
                           fallback: np.ndarray | None = None):
    """Per-group stats of ``end - start`` (int64 seconds, -1 missing) for ``group`` in
    ``[0, n_groups)`` (-1 = not in any group).

    ``fallback`` is used where ``start`` is missing.
    Returns ``(stats, excluded, ci_low, ci_high)``: ``stats`` is a (5, n_groups) array of
    n, median, p75, p90, mean; ``excluded`` counts negative durations per group.
    """
    if n_groups >= MAX_GROUPS:
        raise ValueError(f"too many groups ({n_groups})")
    group = group.astype(np.int64, copy=False)
    if not ci:
        fb = start if fallback is None else fallback
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


@dataclass
class MetricTable:
    """Per-(repo, period) statistics for every metric in the registry.

    ``stats[metric][name]`` is a (repos × periods) float array. Every metric has ``n`` and
    ``value`` (the headline: the median for durations); durations add p75, p90, mean, ci_low,
    ci_high; shares add ``weighted``; deployment frequency adds ``days_per_week``.
    """

    repos: list[str]
    calendar: Calendar
    stats: dict[str, dict[str, np.ndarray]]
    excluded: dict[str, np.ndarray]
    options: dict = field(default_factory=dict)
    rule_hits: dict[str, np.ndarray] = field(default_factory=dict)
    state: dict = field(default_factory=dict)  # kept buckets for add_prs (keep_state=True)

    @property
    def periods(self) -> list[str]:
        return self.calendar.labels

    def series(self, metric: str, repo: str, stat: str = "value") -> np.ndarray:
        return self.stats[metric][stat][self.repos.index(repo)]


def population_mask(a: PRArrays, bots: str = "exclude") -> np.ndarray:
    """Which PRs count: humans only (default), bots only, or everyone."""
    if bots == "exclude":
        return ~a.is_bot
    if bots == "only":
        return a.is_bot.copy()
    if bots == "include":
        return np.ones(a.n, dtype=bool)
    raise ValueError(f"bots must be exclude, include or only, not {bots!r}")


def calendar_for(a: PRArrays, freq: str = "month", tz: str = "UTC") -> Calendar:
    times = [v[v >= 0] for v in a.times.values()]
    times += [v for v in a.deploy_times.values()]
    times = [t for t in times if t.size]
    if not times:
        now = 0
        return make_calendar(now, now, freq, tz)
    return make_calendar(min(int(t.min()) for t in times), max(int(t.max()) for t in times),
                         freq, tz)


def compute_table(a: PRArrays, freq: str = "month", tz: str = "UTC", bots: str = "exclude",
                  business_hours: tuple[int, int] | None = None, ci: bool = False,
                  calendar: Calendar | None = None, seed: int = 0,
                  metrics: tuple[str, ...] | None = None,
                  anchor: str | None = None, keep_state: bool = False) -> MetricTable:
    """Compute every registry metric per (repo, period).

    ``keep_state`` keeps each duration's per-group buckets (8 bytes per PR and metric) so that
    ``add_prs`` can fold in newly synced PRs by recomputing only the groups they touch.

    A PR duration falls in the period of the event that completes it (the metric's ``end``), or of
    the ``anchor`` time field for every duration when given (e.g. ``"merged_at"``).

    ``business_hours=(9, 17)`` measures durations in working hours (Mon–Fri) of ``tz``.
    """
    cal = calendar or calendar_for(a, freq, tz)
    n_rep, n_per = len(a.repos), cal.n
    n_groups = n_rep * n_per
    pop = population_mask(a, bots)
    repo = a.repo_idx
    wanted = set(metrics or M.BY_KEY)
    stats: dict[str, dict[str, np.ndarray]] = {}
    excluded: dict[str, np.ndarray] = {}
    period_cache: dict[str, np.ndarray] = {}
    state: dict = {}

    def group_of(field_name: str) -> np.ndarray:
        if field_name not in period_cache:
            period_cache[field_name] = group_ids(
                a.times[field_name], repo, pop, cal.hour0, cal.offsets, cal.day0,
                cal.day_period, n_per)
        return period_cache[field_name]

    def shape(x: np.ndarray) -> np.ndarray:
        return x.reshape(n_rep, n_per)

    for m in M.DURATIONS:
        if m.key not in wanted:
            continue
        start, end = a.times[m.start], a.times[m.end]
        fallback = a.times[m.fallback_start] if m.fallback_start else None
        if business_hours:
            if fallback is not None:
                start = np.where(start >= 0, start, fallback)
                fallback = None
            o, c = business_hours[0] * 3600, business_hours[1] * 3600
            dur = business_durations(cal.local_seconds(start), cal.local_seconds(end), o, c)
            start, end = np.where(dur >= 0, 0, -1), dur
        gid = group_of(anchor or m.end)
        if keep_state and not ci and not business_hours:
            values, bounds, exc = bucket_by_group(start, start if fallback is None else
                                                  fallback, end, gid, n_groups)
            st = bucket_stats(values, bounds)
            lo = hi = np.full(n_groups, np.nan)
            state.setdefault("durations", {})[m.key] = (values, bounds, {})
        else:
            st, exc, lo, hi = grouped_duration_stats(start, end, gid, n_groups, ci=ci,
                                                     seed=seed, fallback=fallback)
        d = {name: shape(st[i]) for i, name in enumerate(DURATION_STATS)}
        d["value"] = d["median"]
        d["ci_low"], d["ci_high"] = shape(lo), shape(hi)
        stats[m.key], excluded[m.key] = d, shape(exc)

    # merged-PR counts and bug-fix share, by month of merge
    g = group_of("merged_at")
    mc, hits = merged_counts(g, a.repo_idx, a.bugfix_rule, a.is_bugfix, a.is_revert,
                             a.additions, a.deletions, n_groups, n_rep)
    merged, bug, reverts, churn_all, churn_bug = mc
    with np.errstate(invalid="ignore", divide="ignore"):
        stats["throughput"] = {"n": shape(merged), "value": shape(merged),
                               "reverts": shape(reverts)}
        stats["bugfix_share"] = {"n": shape(merged), "value": shape(bug / merged),
                                 "weighted": shape(churn_bug / churn_all),
                                 "bugfixes": shape(bug)}
    rule_hits = {r: hits[i] for i, r in enumerate(a.repos)}
    if keep_state:
        state["merged"], state["hits"] = mc, hits
    stats.update(deployment_stats(a, cal))
    return MetricTable(list(a.repos), cal, stats, excluded,
                       {"freq": cal.freq, "tz": cal.tz, "bots": bots, "anchor": anchor,
                        "metrics": metrics,
                        "business_hours": business_hours, "ci": ci}, rule_hits, state)


def deployment_stats(a: PRArrays, cal: Calendar) -> dict[str, dict[str, np.ndarray]]:
    """Deployment frequency, change failure rate and time to restore per (repo, period)."""
    n_rep, n_per = len(a.repos), cal.n
    freq = np.full((n_rep, n_per), np.nan)
    days_pw = np.full((n_rep, n_per), np.nan)
    n_dep = np.zeros((n_rep, n_per))
    failed = np.zeros((n_rep, n_per))
    restore_start, restore_end, restore_group = [], [], []
    for i, repo in enumerate(a.repos):
        dt = a.deploy_times.get(repo, np.zeros(0, np.int64))
        if dt.size == 0:
            continue
        p = cal.period_of(dt)
        ok = p >= 0
        n_dep[i] = np.bincount(p[ok], minlength=n_per)
        local_day = cal.local_seconds(dt[ok]) // DAY
        uniq_day, first = np.unique(local_day, return_index=True)
        dd = np.bincount(p[ok][first], minlength=n_per)
        span = _active_weeks(cal, dt)
        freq[i] = np.where(span > 0, n_dep[i] / np.where(span > 0, span, 1), np.nan)
        days_pw[i] = np.where(span > 0, dd / np.where(span > 0, span, 1), np.nan)
        inc = a.incidents.get(repo)
        if inc is None or inc["opened_at"].size == 0:
            continue
        pos = failing_deployment(a, repo)
        bad = np.unique(pos[pos >= 0])
        bp = cal.period_of(dt[bad])
        failed[i] = np.bincount(bp[bp >= 0], minlength=n_per)
        start, end = restore_events(a, repo)
        pe = cal.period_of(end)
        restore_start.append(start)
        restore_end.append(end)
        restore_group.append(np.where(pe >= 0, i * n_per + pe, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        cfr = np.where(n_dep > 0, failed / n_dep, np.nan)
    out = {
        "deploy_frequency": {"n": n_dep, "value": freq, "days_per_week": days_pw},
        "change_failure_rate": {"n": n_dep, "value": cfr, "failed": failed},
    }
    if restore_start:
        s, e, g = (np.concatenate(x) for x in (restore_start, restore_end, restore_group))
    else:
        s = e = g = np.zeros(0, np.int64)
    st, exc, _, _ = grouped_duration_stats(s, e, g, n_rep * n_per)
    d = {name: st[j].reshape(n_rep, n_per) for j, name in enumerate(DURATION_STATS)}
    d["value"] = d["median"]
    out["time_to_restore"] = d
    return out


def _active_weeks(cal: Calendar, dt: np.ndarray) -> np.ndarray:
    """Weeks of each period during which the repo was deploying (clipped to first/last deploy)."""
    first_day = cal.local_seconds(dt[:1])[0] // DAY
    last_day = cal.local_seconds(dt[-1:])[0] // DAY
    lo = np.maximum(cal.starts, first_day)
    hi = np.minimum(cal.starts + cal.days, last_day + 1)
    return np.clip(hi - lo, 0, None) / 7.0


def update_table(table: MetricTable, a: PRArrays, touched: np.ndarray) -> MetricTable:
    """Recompute only the (repo, period) cells where ``touched`` (repos × periods, bool) is set.

    ``a`` holds the full, updated PR arrays; only PRs whose period falls in a touched cell are fed
    to the duration kernels, so the cost scales with the touched groups, not the whole history.
    """
    cal = table.calendar
    n_per = cal.n
    flat = touched.ravel()
    sel = np.zeros(a.n, dtype=bool)
    repo = a.repo_idx.astype(np.int64)
    anchor = table.options.get("anchor")
    for f in ({anchor} if anchor else {m.end for m in M.DURATIONS}) | {"merged_at"}:
        p = cal.period_of(a.times[f])
        g = np.where(p >= 0, repo * n_per + p, 0)
        sel |= (p >= 0) & flat[g]
    fresh = compute_table(a.take(sel), calendar=cal, bots=table.options["bots"],
                          business_hours=table.options["business_hours"],
                          ci=table.options["ci"], anchor=table.options.get("anchor"),
                          metrics=table.options.get("metrics"))
    for key, d in fresh.stats.items():
        for name, arr in d.items():
            if key in ("deploy_frequency", "change_failure_rate", "time_to_restore"):
                table.stats[key][name][...] = arr  # deployments are not subset: take whole
            else:
                table.stats[key][name][touched] = arr[touched]
    for key, arr in fresh.excluded.items():
        table.excluded[key][touched] = arr[touched]
    return table


def add_prs(table: MetricTable, new: PRArrays) -> int:
    """Fold newly synced PRs (not yet in the table) into a table computed with
    ``keep_state=True``: only the (repo, period) groups they touch are recomputed, from the kept
    buckets plus the new values. Returns the number of touched duration groups."""
    if "durations" not in table.state:
        raise ValueError("the table was computed without keep_state=True")
    cal = table.calendar
    n_rep, n_per = len(table.repos), cal.n
    n_groups = n_rep * n_per
    pop = population_mask(new, table.options["bots"])
    anchor = table.options.get("anchor")

    def gid(field_name: str) -> np.ndarray:
        return group_ids(new.times[field_name], new.repo_idx, pop, cal.hour0, cal.offsets,
                         cal.day0, cal.day_period, n_per)

    touched_total = 0
    for key, (values, bounds, extra) in table.state["durations"].items():
        m = M.get(key)
        start, end = new.times[m.start], new.times[m.end]
        fb = new.times[m.fallback_start] if m.fallback_start else start
        nv, nb, nexc = bucket_by_group(start, fb, end, gid(anchor or m.end), n_groups)
        touched = np.flatnonzero(np.diff(nb) > 0)
        runs = []
        for g in touched:
            extra[g] = np.concatenate([extra.get(g, np.zeros(0, np.int64)), nv[nb[g]:nb[g + 1]]])
            runs.append(np.concatenate([values[bounds[g]:bounds[g + 1]], extra[g]]))
        if runs:
            lens = np.array([r.size for r in runs], dtype=np.int64)
            st = bucket_stats(np.concatenate(runs), np.concatenate([[0], np.cumsum(lens)]))
            r, p = np.divmod(touched, n_per)
            for i, name in enumerate(DURATION_STATS):
                table.stats[key][name][r, p] = st[i]
        table.excluded[key] += nexc.reshape(n_rep, n_per)
        touched_total += touched.size
    mc, hits = merged_counts(gid("merged_at"), new.repo_idx, new.bugfix_rule, new.is_bugfix,
                             new.is_revert, new.additions, new.deletions, n_groups, n_rep)
    table.state["merged"] += mc
    table.state["hits"] += hits
    merged, bug, reverts, churn_all, churn_bug = (x.reshape(n_rep, n_per)
                                                  for x in table.state["merged"])
    with np.errstate(invalid="ignore", divide="ignore"):
        table.stats["throughput"].update(n=merged, value=merged, reverts=reverts)
        table.stats["bugfix_share"].update(n=merged, value=bug / merged,
                                           weighted=churn_bug / churn_all, bugfixes=bug)
    table.rule_hits = {r: table.state["hits"][i] for i, r in enumerate(table.repos)}
    return touched_total


def warm() -> float:
    """Compile (or load from cache) every kernel on a tiny input; returns seconds taken."""
    import time

    t0 = time.perf_counter()
    s = np.array([0, 10, 20, -1], dtype=np.int64)
    e = np.array([5, 40, 10, 3], dtype=np.int64)
    g = np.array([0, 0, 1, 1], dtype=np.int64)
    grouped_duration_stats(s, e, g, 2, ci=True, n_boot=10)
    business_durations(s, e, 9 * 3600, 17 * 3600)
    cal = make_calendar(0, 100, "month", "UTC")
    gids = group_ids(s, g, np.ones(4, dtype=np.bool_), cal.hour0, cal.offsets, cal.day0,
                     cal.day_period, cal.n)
    merged_counts(gids, np.zeros(4, np.int32), np.zeros(4, np.int8), np.zeros(4, np.bool_),
                  np.zeros(4, np.bool_), s, s, 2 * cal.n, 1)
    grouped_duration_stats(s, e, g, 2, fallback=e)
    return time.perf_counter() - t0
