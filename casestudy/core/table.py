"""The numeric core: per-(repo, period) statistics over columnar PR arrays, in numba.

Design: group ids come from one parallel pass (per-hour UTC offsets and a day→period table, so
time zones and DST cost nothing per PR). Each duration's n, median, p75, p90 and mean per group
come from ``group_stats`` (histogram selection: two passes over the input, exact
``numpy.percentile(method="linear")`` values, no sort). Merged counts, bug-fix share and rule
hits are one more pass. Kept per-group buckets let ``add_prs`` fold in new PRs by recomputing
only the groups they touch. Nothing here loops over PRs in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from .. import metrics as M
from ..bugfix_rules import RULES
from ..model import PRArrays
from . import kept_buckets
from .group_stats import DURATION_STATS, grouped_duration_stats, plan
from .periods import DAY, Calendar, make_calendar

N_RULES = len(RULES) + 1  # rule ids 1.. and 0 = no rule

@njit(cache=True, parallel=True)
def group_ids(ts, repo, pop, hour0, offsets, day0, day_period, n_per):
    """repo * n_per + period (int32) of each timestamp in local time; -1 when missing, out of
    the calendar or outside the population. One pass, no temporaries."""
    n = ts.size
    out = np.empty(n, dtype=np.int32)  # half the memory traffic of int64 for every later pass
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
def merged_counts(g, repo, rule, is_bug, is_revert, additions, deletions, n_groups, n_repos,
                  n_rules):
    """Per group: merged PRs, bug fixes, reverts, lines changed, lines changed by bug fixes (a
    (5, n_groups) array); and per repo the hits of each bug-fix rule id in [0, n_rules) (0 = none;
    ids outside are not counted). Chunks run in parallel; a group's five sums share a cache line."""
    n = g.size
    n_chunks = max(1, min(64, n // 65536))
    size = (n + n_chunks - 1) // n_chunks
    parts = np.zeros((n_chunks, n_groups, 5))
    hit_parts = np.zeros((n_chunks, n_repos, n_rules), dtype=np.int64)
    for c in prange(n_chunks):
        p = parts[c]
        for i in range(c * size, min(n, (c + 1) * size)):
            k = g[i]
            if k < 0:
                continue
            churn = float(additions[i] + deletions[i])
            p[k, 0] += 1.0
            p[k, 3] += churn
            if is_bug[i]:
                p[k, 1] += 1.0
                p[k, 4] += churn
            if is_revert[i]:
                p[k, 2] += 1.0
            r = rule[i]
            if 0 <= r < n_rules:
                hit_parts[c, repo[i], r] += 1
    return parts.sum(axis=0).T.copy(), hit_parts.sum(axis=0)


@njit(cache=True)
def distinct_per_group(g, values, n_groups, n_values):
    """How many distinct values (ids in [0, n_values)) each group holds: a counting sort of the
    values by group, then one pass that stamps each value with the last group it was seen in.
    Returns (distinct counts, the bucketed values, their group bounds)."""
    bounds = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(g.size):
        if g[i] >= 0 and values[i] >= 0:
            bounds[g[i] + 1] += 1
    bounds = np.cumsum(bounds)
    pos = bounds[:-1].copy()
    bucketed = np.empty(bounds[-1], dtype=np.int32)
    for i in range(g.size):
        if g[i] >= 0 and values[i] >= 0:
            bucketed[pos[g[i]]] = values[i]
            pos[g[i]] += 1
    stamp = np.full(n_values, -1, dtype=np.int64)
    out = np.zeros(n_groups, dtype=np.int64)
    for k in range(n_groups):
        for j in range(bounds[k], bounds[k + 1]):
            v = bucketed[j]
            if stamp[v] != k:
                stamp[v] = k
                out[k] += 1
    return out, bucketed, bounds


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
            st, exc, kept = kept_buckets.keep(start, start if fallback is None else fallback,
                                              end, gid, n_groups, plan(a.n, n_groups)[1])
            lo = hi = np.full(n_groups, np.nan)
            state.setdefault("durations", {})[m.key] = kept
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
                             a.additions, a.deletions, n_groups, n_rep, N_RULES)
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
    if "contributors" in wanted:
        authors = np.full(n_groups, np.nan)
        if a.author_idx is not None:
            n_authors = int(a.author_idx.max(initial=-1)) + 1
            distinct, bucketed, bounds = distinct_per_group(g, a.author_idx, n_groups, n_authors)
            authors = distinct.astype(float)
            if keep_state:
                state["authors"] = (bucketed, bounds, {})
        stats["contributors"] = {"n": shape(merged), "value": shape(authors)}
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
    for key, kept in table.state["durations"].items():
        m = M.get(key)
        start, end = new.times[m.start], new.times[m.end]
        fb = new.times[m.fallback_start] if m.fallback_start else start
        touched, st, nexc = kept_buckets.add(kept, start, fb, end, gid(anchor or m.end))
        r, p = np.divmod(touched, n_per)
        for i, name in enumerate(DURATION_STATS):
            table.stats[key][name][r, p] = st[i]
        table.excluded[key] += nexc.reshape(n_rep, n_per)
        touched_total += touched.size
    mc, hits = merged_counts(gid("merged_at"), new.repo_idx, new.bugfix_rule, new.is_bugfix,
                             new.is_revert, new.additions, new.deletions, n_groups, n_rep,
                             N_RULES)
    table.state["merged"] += mc
    table.state["hits"] += hits
    merged, bug, reverts, churn_all, churn_bug = (x.reshape(n_rep, n_per)
                                                  for x in table.state["merged"])
    with np.errstate(invalid="ignore", divide="ignore"):
        table.stats["throughput"].update(n=merged, value=merged, reverts=reverts)
        table.stats["bugfix_share"].update(n=merged, value=bug / merged,
                                           weighted=churn_bug / churn_all, bugfixes=bug)
    table.rule_hits = {r: table.state["hits"][i] for i, r in enumerate(table.repos)}
    if "authors" in table.state and new.author_idx is not None:
        _add_authors(table, gid("merged_at"), new.author_idx)
    return touched_total


def _add_authors(table: MetricTable, g: np.ndarray, author_idx: np.ndarray) -> None:
    """Distinct authors of the groups the new PRs touch: kept run plus what was added."""
    bucketed, bounds, added = table.state["authors"]
    ok = (g >= 0) & (author_idx >= 0)
    n_per = table.calendar.n
    st = table.stats["contributors"]
    st["n"] = table.stats["throughput"]["n"]
    for k in np.unique(g[ok]):
        added[k] = np.concatenate([added.get(k, np.zeros(0, np.int32)),
                                   author_idx[ok & (g == k)]])
        run = np.concatenate([bucketed[bounds[k]:bounds[k + 1]], added[k]])
        st["value"][k // n_per, k % n_per] = np.unique(run).size


def warm() -> float:
    """Compile (or load from the cache) every kernel with the argument types production uses,
    by computing tiny tables in each mode; returns seconds taken."""
    import time

    from ..model import TIME_FIELDS

    t0 = time.perf_counter()
    n = 6
    times = {f: np.full(n, -1, dtype=np.int64) for f in TIME_FIELDS}
    for k, f in enumerate(TIME_FIELDS):
        times[f] = np.arange(n, dtype=np.int64) * 86400 + k * 3600
    z = np.zeros(n, dtype=bool)
    a = PRArrays(["o/r"], np.zeros(n, np.int32), np.arange(n), times, np.ones(n, np.int64),
                 np.ones(n, np.int64), np.zeros(n, np.int64), z, z, z, z, np.zeros(n, np.int8),
                 {"o/r": times["merged_at"].copy()},
                 {"o/r": {"opened_at": times["closed_at"], "resolved_at": times["deployed_at"]}},
                 np.arange(n, dtype=np.int32) % 3)
    compute_table(a)
    compute_table(a, ci=True)
    compute_table(a, business_hours=(9, 17))
    add_prs(compute_table(a, keep_state=True), a)
    grouped_duration_stats(times["created_at"], times["merged_at"], np.zeros(n, np.int64), 1,
                           ci=True, n_boot=10)  # the pooled intervals of the analysis
    return time.perf_counter() - t0
