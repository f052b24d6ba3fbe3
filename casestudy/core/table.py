"""The numeric core: per-(repo, period) statistics over columnar PR arrays, in numba.

Design: group ids come from one parallel pass (per-hour UTC offsets and a day→period table, so
time zones and DST cost nothing per PR). Each duration's n, median, p75, p90 and mean per group
come from ``group_stats`` (histogram selection: two passes over the input, exact
``numpy.percentile(method="linear")`` values, no sort); which fields start and end each duration
is defined once, in ``durations``. Merged counts, bug-fix share and rule hits are one more pass.
Nothing here loops over PRs in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from .. import metrics
from ..bugfix_rules import RULES
from ..model import INCIDENT_FIELDS, INCIDENT_RULES, RULE_CAUGHT, PRArrays
from ..options import BOTS, BUSINESS_HOURS
from .deployments import covered_days, per_week
from .durations import business_durations, duration_inputs
from .group_stats import DURATION_STATS, chunk_count, grouped_duration_stats
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
    n_chunks = chunk_count(n)
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
    values by group, then one pass that stamps each value with the last group it was seen in."""
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
    return out


def _incidents(a: PRArrays, repo: str) -> dict[str, np.ndarray]:
    inc = a.incidents.get(repo)
    if inc is None:
        return {k: np.zeros(0, np.int64) for k in INCIDENT_FIELDS}
    return inc


def failed_deployments(a: PRArrays, repo: str) -> np.ndarray:
    """Times of the deployments that failed (each once), from the incidents' attribution."""
    f = _incidents(a, repo)["failed_at"]
    return np.unique(f[f >= 0])


def restore_events(a: PRArrays, repo: str) -> tuple[np.ndarray, np.ndarray]:
    """(failing deployment, restored) times per incident; -1 where an incident failed no
    deployment (caught before release, none before it) or is not restored yet (open)."""
    inc = _incidents(a, repo)
    return inc["failed_at"], inc["resolved_at"]


@njit(cache=True, parallel=True)
def _span(times, repo, n_rep):
    """Per repo, the smallest and largest valid time over every column of ``times`` (a tuple of
    equally long int64 arrays): one parallel pass, partial results per chunk."""
    n = repo.size
    n_chunks = chunk_count(n)
    size = (n + n_chunks - 1) // n_chunks
    lo = np.full((n_chunks, n_rep), np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full((n_chunks, n_rep), -1, dtype=np.int64)
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            r = repo[i]
            for col in times:
                t = col[i]
                if t >= 0:
                    if t < lo[c, r]:
                        lo[c, r] = t
                    if t > hi[c, r]:
                        hi[c, r] = t
    out_lo = np.full(n_rep, -1, dtype=np.int64)
    out_hi = np.full(n_rep, -1, dtype=np.int64)
    for r in range(n_rep):
        m = np.iinfo(np.int64).max
        x = -1
        for c in range(n_chunks):
            m = min(m, lo[c, r])
            x = max(x, hi[c, r])
        if x >= 0:
            out_lo[r], out_hi[r] = m, x
    return out_lo, out_hi


SPAN_FIELDS = ("first_commit_at", "created_at", "merged_at", "closed_at")


def data_span(a: PRArrays) -> tuple[np.ndarray, np.ndarray]:
    """Per repo, the first and last time its data knows of: a PR's first commit, opening,
    merge or close, or a deployment (-1 for a repo without data). Later events of a PR (a
    deployment, CI going green) come after its merge, and deployments are read as well."""
    n_rep = len(a.repos)
    if a.n:
        first, last = _span(tuple(a.times[f] for f in SPAN_FIELDS), a.repo_idx, n_rep)
    else:
        first = np.full(n_rep, -1, dtype=np.int64)
        last = np.full(n_rep, -1, dtype=np.int64)
    for i, repo in enumerate(a.repos):
        dt = a.deploy_times.get(repo, np.zeros(0, np.int64))
        dt = dt[dt >= 0]
        if dt.size:
            first[i] = int(dt.min()) if first[i] < 0 else min(int(first[i]), int(dt.min()))
            last[i] = max(int(last[i]), int(dt.max()))
    return first, last


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
    span: tuple[np.ndarray, np.ndarray] | None = None  # ``data_span`` of the arrays

    @property
    def periods(self) -> list[str]:
        return self.calendar.labels

    def series(self, metric: str, repo: str, stat: str = "value") -> np.ndarray:
        return self.stats[metric][stat][self.repos.index(repo)]


def population_mask(a: PRArrays, bots: str = BOTS.default) -> np.ndarray:
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


def compute_table(a: PRArrays, freq: str = "month", tz: str = "UTC", bots: str = BOTS.default,
                  business_hours: tuple[int, int] | None = None, ci: bool = False,
                  calendar: Calendar | None = None, seed: int = 0,
                  only: tuple[str, ...] | None = None,
                  anchor: str | None = None,
                  span: tuple[np.ndarray, np.ndarray] | None = None) -> MetricTable:
    """Compute every registry metric per (repo, period).

    A PR duration falls in the period of the event that completes it (the metric's ``end``), or of
    the ``anchor`` time field for every duration when given (e.g. ``"merged_at"``).

    ``business_hours=(9, 17)`` measures durations in working hours (Mon–Fri) of ``tz``.
    """
    cal = calendar or calendar_for(a, freq, tz)
    n_rep, n_per = len(a.repos), cal.n
    n_groups = n_rep * n_per
    pop = population_mask(a, bots)
    repo = a.repo_idx
    wanted = set(only or metrics.BY_KEY)
    stats: dict[str, dict[str, np.ndarray]] = {}
    excluded: dict[str, np.ndarray] = {}
    period_cache: dict[str, np.ndarray] = {}

    def group_of(field_name: str) -> np.ndarray:
        if field_name not in period_cache:
            period_cache[field_name] = group_ids(
                a.times[field_name], repo, pop, cal.hour0, cal.offsets, cal.day0,
                cal.day_period, n_per)
        return period_cache[field_name]

    def shape(x: np.ndarray) -> np.ndarray:
        return x.reshape(n_rep, n_per)

    for m in metrics.DURATIONS:
        if m.key not in wanted:
            continue
        start, fallback, end = duration_inputs(a, m)
        if business_hours:
            if fallback is not None:
                start = np.where(start >= 0, start, fallback)
                fallback = None
            o, c = business_hours[0] * 3600, business_hours[1] * 3600
            dur = business_durations(cal.local_seconds(start), cal.local_seconds(end), o, c)
            start, end = np.where(dur >= 0, 0, -1), dur
        gid = group_of(anchor or m.end)
        st, exc, lo, hi = grouped_duration_stats(start, end, gid, n_groups, ci=ci, seed=seed,
                                                 fallback=fallback)
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
    if "contributors" in wanted:
        authors = np.full(n_groups, np.nan)
        if a.author_idx is not None:
            n_authors = int(a.author_idx.max(initial=-1)) + 1
            authors = distinct_per_group(g, a.author_idx, n_groups, n_authors).astype(float)
        stats["contributors"] = {"n": shape(merged), "value": shape(authors)}
    span = span if span is not None else data_span(a)  # the caller's, when it has one
    stats.update(deployment_stats(a, cal, span))
    return MetricTable(list(a.repos), cal, stats, excluded,
                       {"freq": cal.freq, "tz": cal.tz, "bots": bots, "anchor": anchor,
                        "only": only,
                        "business_hours": business_hours, "ci": ci}, rule_hits, span)


def deployment_stats(a: PRArrays, cal: Calendar, span: tuple[np.ndarray, np.ndarray]
                     ) -> dict[str, dict[str, np.ndarray]]:
    """Deployment frequency, change failure rate and time to restore per (repo, period).

    Frequency = deployments ÷ covered weeks (``deployments.per_week``: the days of the period
    the repository's data covers), so a period after the last deployment is 0, not missing, and
    the findings use the same formula. A failed deployment counts in its own period; a restore
    in the period it happened. Open failures (not restored yet) and reverts caught before
    release are counted per period too (``open``, ``caught``)."""
    n_rep, n_per = len(a.repos), cal.n
    shape = (n_rep, n_per)
    freq, days_pw = np.full(shape, np.nan), np.full(shape, np.nan)
    n_dep, failed, still_open, caught = (np.zeros(shape) for _ in range(4))
    covered = np.zeros(shape)
    first, last = span
    restore_start, restore_end, restore_group = [], [], []
    caught_rule = INCIDENT_RULES.index(RULE_CAUGHT)
    for i, repo in enumerate(a.repos):
        if first[i] >= 0:
            covered[i] = covered_days(cal, int(first[i]), int(last[i]))
        dt = a.deploy_times.get(repo, np.zeros(0, np.int64))
        if dt.size == 0:
            continue
        p = cal.period_of(dt)
        ok = p >= 0
        n_dep[i] = np.bincount(p[ok], minlength=n_per)
        local_day = cal.local_seconds(dt[ok]) // DAY
        _, first_of_day = np.unique(local_day, return_index=True)
        dd = np.bincount(p[ok][first_of_day], minlength=n_per)
        freq[i] = per_week(n_dep[i], covered[i])
        days_pw[i] = per_week(dd, covered[i])
        inc = _incidents(a, repo)
        if inc["opened_at"].size == 0:
            continue
        fp = cal.period_of(failed_deployments(a, repo))
        failed[i] = np.bincount(fp[fp >= 0], minlength=n_per)
        op = cal.period_of(inc["failed_at"][(inc["failed_at"] >= 0) & (inc["resolved_at"] < 0)])
        still_open[i] = np.bincount(op[op >= 0], minlength=n_per)
        cp = cal.period_of(inc["opened_at"][inc["rule"] == caught_rule])
        caught[i] = np.bincount(cp[cp >= 0], minlength=n_per)
        start, end = restore_events(a, repo)
        pe = cal.period_of(end)
        restore_start.append(start)
        restore_end.append(end)
        restore_group.append(np.where((pe >= 0) & (start >= 0), i * n_per + pe, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        cfr = np.where(n_dep > 0, failed / n_dep, np.nan)
    out = {
        "deploy_frequency": {"n": n_dep, "value": freq, "days_per_week": days_pw,
                             "days": covered},
        "change_failure_rate": {"n": n_dep, "value": cfr, "failed": failed,
                                "open": still_open, "caught": caught},
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
                 {"o/r": {"opened_at": times["closed_at"], "failed_at": times["merged_at"],
                          "resolved_at": times["deployed_at"], "rule": np.zeros(n, np.int64)}},
                 np.arange(n, dtype=np.int32) % 3)
    compute_table(a)
    compute_table(a, ci=True)
    compute_table(a, business_hours=BUSINESS_HOURS.preset)
    grouped_duration_stats(times["created_at"], times["merged_at"], np.zeros(n, np.int64), 1,
                           ci=True, n_boot=10)  # the pooled intervals of the analysis
    return time.perf_counter() - t0
