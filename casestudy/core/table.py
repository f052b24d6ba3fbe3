"""The numeric core: per-(repo, period) statistics over columnar PR arrays, in numba.

Design: group ids come from one parallel pass (per-hour UTC offsets and a day→period table, so
time zones and DST cost nothing per PR). Each duration's n, median, p75, p90 and mean per group
come from ``group_stats`` (histogram selection: two passes over the input, exact
``numpy.percentile(method="linear")`` values, no sort); which fields start and end each duration
is defined once, in ``durations``. Each metric's kind (``metric_kinds``) computes it from the
tallies of ``TableTallies``: counts and sums of merged PRs per group (one parallel pass each),
distinct authors, deployments. Nothing here loops over PRs in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit, prange

from .. import metrics
from ..bugfix_rules import RULES
from ..model import INCIDENT_FIELDS, INCIDENT_RULES, RULE_CAUGHT, PRArrays
from ..options import BOTS, BUSINESS_HOURS
from .deployments import covered_days
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
def grouped_sum(g, values, n_groups):
    """Per group, the sum of ``values`` (booleans count 1) over the rows with a group (g >= 0).
    Chunks run in parallel, each into its own partial sums."""
    n = g.size
    n_chunks = chunk_count(n)
    size = (n + n_chunks - 1) // n_chunks
    parts = np.zeros((n_chunks, n_groups))
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            k = g[i]
            if k >= 0:
                parts[c, k] += values[i]
    return parts.sum(axis=0)


@njit(cache=True, parallel=True)
def hits_per_repo(g, repo, rule, n_repos, n_rules):
    """Per repo, the hits of each bug-fix rule id in [0, n_rules) (0 = none; ids outside are not
    counted) among the rows with a group."""
    n = g.size
    n_chunks = chunk_count(n)
    size = (n + n_chunks - 1) // n_chunks
    parts = np.zeros((n_chunks, n_repos, n_rules), dtype=np.int64)
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            r = rule[i]
            if g[i] >= 0 and 0 <= r < n_rules:
                parts[c, repo[i], r] += 1
    return parts.sum(axis=0)


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


def rework_deployments(a: PRArrays, repo: str) -> np.ndarray:
    """Times of the deployments that restored a failed deployment (each once): the unplanned
    deployments that shipped a revert or fix of what an earlier one broke."""
    inc = _incidents(a, repo)
    r = inc["resolved_at"][(inc["failed_at"] >= 0) & (inc["resolved_at"] >= 0)]
    deploys = a.deploy_times.get(repo, np.zeros(0, np.int64))
    return np.unique(r[np.isin(r, deploys)])


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
    ci_high; each kind adds its own (``metric_kinds``: ``weighted``, ``days_per_week``, …).
    ``tallies`` are the counts the kinds computed them from (``TableTallies``), which the
    findings sum over a window.
    """

    repos: list[str]
    calendar: Calendar
    stats: dict[str, dict[str, np.ndarray]]
    excluded: dict[str, np.ndarray]
    options: dict = field(default_factory=dict)
    rule_hits: dict[str, np.ndarray] = field(default_factory=dict)
    span: tuple[np.ndarray, np.ndarray] | None = None  # ``data_span`` of the arrays
    tallies: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)

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
    """Compute every registry metric (or those named in ``only``) per (repo, period): each
    metric's kind computes it from the tallies of ``TableTallies``.

    A PR duration falls in the period of the event that completes it (the metric's ``end``), or of
    the ``anchor`` time field for every duration when given (e.g. ``"merged_at"``).

    ``business_hours=(9, 17)`` measures durations in working hours (Mon–Fri) of ``tz``.
    """
    cal = calendar or calendar_for(a, freq, tz)
    wanted = [metrics.get(k).key for k in only] if only else list(metrics.BY_KEY)
    span = span if span is not None else data_span(a)  # the caller's, when it has one
    t = TableTallies(a, cal, population_mask(a, bots), span, business_hours, ci, seed, anchor)
    stats = {m.key: m.how.per_period(m, t) for m in metrics.METRICS if m.key in wanted}
    hits = t.rule_hits()
    return MetricTable(list(a.repos), cal, stats, t.excluded,
                       {"freq": cal.freq, "tz": cal.tz, "bots": bots, "anchor": anchor,
                        "only": only,
                        "business_hours": business_hours, "ci": ci},
                       {r: hits[i] for i, r in enumerate(a.repos)}, span, t.kept)


class TableTallies:
    """The tallies metric kinds compute from (``metric_kinds.PerPeriod``), per (repo, period):
    each computed once, when a kind first asks, and kept (``kept``) for the findings, which sum
    them over a window. PRs count in the period of their merge (durations: of their end),
    deployments and failures in the period of the deployment, restores of the restore."""

    def __init__(self, a: PRArrays, cal: Calendar, pop: np.ndarray,
                 span: tuple[np.ndarray, np.ndarray],
                 business_hours: tuple[int, int] | None = None, ci: bool = False,
                 seed: int = 0, anchor: str | None = None) -> None:
        self.a, self.cal, self.pop, self.span = a, cal, pop, span
        self.business_hours, self.ci, self.seed, self.anchor = business_hours, ci, seed, anchor
        self.shape = (len(a.repos), cal.n)
        self.n_groups = len(a.repos) * cal.n
        self.kept: dict[tuple[str, ...], np.ndarray] = {}
        self.excluded: dict[str, np.ndarray] = {}
        self._groups: dict[str, np.ndarray] = {}

    def group_of(self, field_name: str) -> np.ndarray:
        """Each PR's group (repo × periods + period) by one of its time fields; -1 outside."""
        if field_name not in self._groups:
            cal = self.cal
            self._groups[field_name] = group_ids(
                self.a.times[field_name], self.a.repo_idx, self.pop, cal.hour0, cal.offsets,
                cal.day0, cal.day_period, cal.n)
        return self._groups[field_name]

    def _keep(self, name: tuple[str, ...], compute) -> np.ndarray:
        if name not in self.kept:
            self.kept[name] = compute()
        return self.kept[name]

    def _merged_sum(self, values: np.ndarray) -> np.ndarray:
        return grouped_sum(self.group_of("merged_at"), values, self.n_groups).reshape(self.shape)

    def periods(self) -> np.ndarray:
        return np.ones(self.shape)

    def merged(self, flag: str | None = None) -> np.ndarray:
        return self._keep(("merged", flag or ""), lambda: self._merged_sum(
            getattr(self.a, flag) if flag else np.ones(self.a.n, dtype=bool)))

    def lines(self, flag: str | None = None) -> np.ndarray:
        def compute() -> np.ndarray:
            lines = self.a.additions + self.a.deletions
            return self._merged_sum(np.where(getattr(self.a, flag), lines, 0) if flag else lines)
        return self._keep(("lines", flag or ""), compute)

    def distinct(self, field_name: str) -> np.ndarray:
        ids = getattr(self.a, field_name)
        if ids is None:
            return np.full(self.shape, np.nan)
        n_ids = int(ids.max(initial=-1)) + 1
        return distinct_per_group(self.group_of("merged_at"), ids, self.n_groups,
                                  n_ids).astype(float).reshape(self.shape)

    def rule_hits(self) -> np.ndarray:
        """Per repo, the merged PRs each bug-fix rule id classified (0 = no rule)."""
        return hits_per_repo(self.group_of("merged_at"), self.a.repo_idx, self.a.bugfix_rule,
                             len(self.a.repos), N_RULES)

    def has_deployments(self) -> np.ndarray:
        return self._deployments()[("has_deployments",)]

    def deployments(self) -> np.ndarray:
        return self._deployments()[("deployments",)]

    def deployment_days(self) -> np.ndarray:
        return self._deployments()[("deployment_days",)]

    def covered_days(self) -> np.ndarray:
        return self._deployments()[("covered_days",)]

    def failed(self) -> np.ndarray:
        return self._deployments()[("failed",)]

    def open_failures(self) -> np.ndarray:
        return self._deployments()[("open_failures",)]

    def caught(self) -> np.ndarray:
        return self._deployments()[("caught",)]

    def rework(self) -> np.ndarray:
        return self._deployments()[("rework",)]

    def _deployments(self) -> dict[tuple[str, ...], np.ndarray]:
        """Every deployment tally in one pass over the repositories: the days of each period
        the data covers (the denominator of a per-week rate, so a period after the last
        deployment is 0, not missing), deployments, days with one, failed deployments (each
        once, in its own period), failures still open, reverts caught before release and the
        deployments that restored a failed one (rework)."""
        if ("deployments",) in self.kept:
            return self.kept
        a, cal = self.a, self.cal
        n_per = cal.n
        has = np.zeros(self.shape, dtype=bool)
        covered, n_dep, days, failed, still_open, caught, rework = (np.zeros(self.shape)
                                                                    for _ in range(7))
        first, last = self.span
        caught_rule = INCIDENT_RULES.index(RULE_CAUGHT)
        for i, repo in enumerate(a.repos):
            if first[i] >= 0:
                covered[i] = covered_days(cal, int(first[i]), int(last[i]))
            dt = a.deploy_times.get(repo, np.zeros(0, np.int64))
            if dt.size == 0:
                continue
            has[i] = True
            p = cal.period_of(dt)
            ok = p >= 0
            n_dep[i] = np.bincount(p[ok], minlength=n_per)
            _, first_of_day = np.unique(cal.local_seconds(dt[ok]) // DAY, return_index=True)
            days[i] = np.bincount(p[ok][first_of_day], minlength=n_per)
            inc = _incidents(a, repo)
            if inc["opened_at"].size == 0:
                continue
            fp = cal.period_of(failed_deployments(a, repo))
            failed[i] = np.bincount(fp[fp >= 0], minlength=n_per)
            op = cal.period_of(inc["failed_at"][(inc["failed_at"] >= 0)
                                                & (inc["resolved_at"] < 0)])
            still_open[i] = np.bincount(op[op >= 0], minlength=n_per)
            cp = cal.period_of(inc["opened_at"][inc["rule"] == caught_rule])
            caught[i] = np.bincount(cp[cp >= 0], minlength=n_per)
            rp = cal.period_of(rework_deployments(a, repo))
            rework[i] = np.bincount(rp[rp >= 0], minlength=n_per)
        self.kept.update({("has_deployments",): has, ("covered_days",): covered,
                          ("deployments",): n_dep, ("deployment_days",): days,
                          ("failed",): failed, ("open_failures",): still_open,
                          ("caught",): caught, ("rework",): rework})
        return self.kept

    def _stats(self, start: np.ndarray, end: np.ndarray, group: np.ndarray,
               fallback: np.ndarray | None = None, ci: bool = False):
        """Duration statistics per group: (stats, excluded, interval low, interval high)."""
        st, exc, lo, hi = grouped_duration_stats(start, end, group, self.n_groups, ci=ci,
                                                 seed=self.seed, fallback=fallback)
        d = {name: st[j].reshape(self.shape) for j, name in enumerate(DURATION_STATS)}
        d["value"] = d["median"]
        return d, exc.reshape(self.shape), lo.reshape(self.shape), hi.reshape(self.shape)

    def duration_stats(self, m: metrics.Metric) -> dict[str, np.ndarray]:
        """A PR duration's n, median, p75, p90, mean and bootstrap interval of the median (when
        the table asks for intervals) per group of its end (or of the ``anchor`` field); in
        working hours when asked. The PRs left out (an end without a start, a negative
        duration) are counted in ``excluded``."""
        start, fallback, end = duration_inputs(self.a, m)
        if self.business_hours:
            if fallback is not None:
                start = np.where(start >= 0, start, fallback)
                fallback = None
            o, c = self.business_hours[0] * 3600, self.business_hours[1] * 3600
            dur = business_durations(self.cal.local_seconds(start), self.cal.local_seconds(end),
                                     o, c)
            start, end = np.where(dur >= 0, 0, -1), dur
        d, self.excluded[m.key], d["ci_low"], d["ci_high"] = self._stats(
            start, end, self.group_of(self.anchor or m.end), fallback, ci=self.ci)
        return d

    def restore_stats(self) -> dict[str, np.ndarray]:
        """Time to restore per incident, in the period of the restore (repositories with
        deployments only); open failures are left out."""
        a, n_per = self.a, self.cal.n
        starts, ends, groups = [], [], []
        for i, repo in enumerate(a.repos):
            if a.deploy_times.get(repo, np.zeros(0)).size == 0 or \
                    _incidents(a, repo)["opened_at"].size == 0:
                continue
            start, end = restore_events(a, repo)
            pe = self.cal.period_of(end)
            starts.append(start)
            ends.append(end)
            groups.append(np.where((pe >= 0) & (start >= 0), i * n_per + pe, -1))
        if starts:
            s, e, g = (np.concatenate(x) for x in (starts, ends, groups))
        else:
            s = e = g = np.zeros(0, np.int64)
        return self._stats(s, e, g)[0]


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
