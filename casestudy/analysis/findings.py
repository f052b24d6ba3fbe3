"""The findings engine: for each metric and repository, the level over the latest window, its
trend against the window before (tested against the noise), the DORA band, the rank among peers,
and the worst stretch (episode) in the report period. Headline, verdict, strengths and weaknesses
are claims written from these findings (``claims``) and judged by the gate (``gate``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np

from .. import core, metrics
from ..document import Finding
from ..metric_kinds import (
    FAILURE_PLACEMENT,
    MANN_WHITNEY,
    OPEN_FAILURES,
    POISSON_RATE,
    TWO_PROPORTIONS,
    Pooled,
)
from ..model import INCIDENT_RULES, RULE_CAUGHT, RULE_LONG_AFTER, RULE_UNKNOWN, PRArrays
from .frame import Frame
from .significance import mann_whitney_p, poisson_rate_p, two_proportion_p
from .window import Window, WindowTallies, finite, in_window

ALPHA = 0.05  # significance level for a trend
MIN_CHANGE = 0.10  # and at least a 10% change
EPISODE_RATIO = 1.75  # a month this much worse than the usual level is an episode


# the p-value of a change, by the test a metric's kind names
TESTS = {
    MANN_WHITNEY: lambda cur, prev: mann_whitney_p(cur.sample, prev.sample),
    POISSON_RATE: lambda cur, prev: poisson_rate_p(*cur.counts, *prev.counts),
    TWO_PROPORTIONS: lambda cur, prev: two_proportion_p(*cur.counts, *prev.counts),
}


def _pooled(a: PRArrays, table: core.MetricTable, m: metrics.Metric, repo_i: int, w: Window,
            idx: list[int], pop: np.ndarray) -> Pooled:
    """The metric over the given periods, as its kind measures it."""
    return m.how.over_window(m, WindowTallies(a, table, w, idx, repo_i, pop))


def _episode(m: metrics.Metric, values: np.ndarray, n: np.ndarray, labels: list[str],
             min_n: int) -> dict | None:
    """The worst stretch of a series: a month ≥ EPISODE_RATIO × the usual level (lower quartile
    of the monthly values for lower-is-better metrics), with whether it has recovered."""
    ok = (n >= min_n) & ~np.isnan(values)
    if ok.sum() < 6 or not m.how.of_a_sample:
        return None
    v = np.where(ok, values, np.nan)
    usual = float(np.nanpercentile(v, 25 if m.lower_is_better else 75))
    worst_i = int(np.nanargmax(v) if m.lower_is_better else np.nanargmin(v))
    worst = float(v[worst_i])
    if usual <= 0:  # a usual level of zero (e.g. deploy time when every merge deploys): no ratio
        return None
    ratio = worst / usual if m.lower_is_better else usual / max(worst, 1e-12)
    if ratio < EPISODE_RATIO:
        return None
    latest_i = int(np.flatnonzero(ok)[-1])
    latest = float(v[latest_i])
    # the stretch: consecutive months around the peak that stay ≥ half-way to the peak
    half = usual + (worst - usual) / 2
    s = e = worst_i
    while s > 0 and ok[s - 1] and (v[s - 1] >= half if m.lower_is_better else v[s - 1] <= half):
        s -= 1
    while e < len(v) - 1 and ok[e + 1] and (v[e + 1] >= half if m.lower_is_better
                                             else v[e + 1] <= half):
        e += 1
    recovered = (latest <= usual * 1.3) if m.lower_is_better else (latest >= usual / 1.3)
    return {"peak_period": labels[worst_i], "peak": worst, "usual": usual, "ratio": ratio,
            "start_period": labels[s], "end_period": labels[e], "latest_period": labels[latest_i],
            "latest": latest, "recovered": bool(recovered)}


def findings_for(frame: Frame, table: core.MetricTable) -> list[Finding]:
    """Findings for every metric and repository (subject first) over the frame's window.

    A metric a repository's data cannot give (the frame's ``visible`` lacks what it ``needs``)
    is unavailable, with the reason from the frame's ``reasons``; a repository with no data in
    the window (a peer whose history ends before it or starts after it) is named with its
    range. Neither is ranked, scored or put in a headline."""
    a, w, min_n, pop = frame.arrays, frame.window, frame.opts.min_n, frame.pop
    visible, reasons = frame.visible, frame.reasons
    out: list[Finding] = []
    lo_p, hi_p = frame.lo_p, frame.hi_p
    first, last = table.span
    lo_w, hi_w = w.bounds(w.periods)
    for m in metrics.METRICS:
        per_repo: list[Finding] = []
        for i, repo in enumerate(a.repos):
            f = Finding(metric=m.key, repo=repo, window=w.labels, n=0, level=None,
                        level_text="n/a", of=len(a.repos))
            f.visible = all(need in visible.get(repo, set()) for need in m.needs)
            if not f.visible:
                why = [(reasons or {}).get(repo, {}).get(need) for need in m.needs
                       if need not in visible.get(repo, set())]
                f.sentence = _invisible_sentence(m, repo, [x for x in why if x])
                f.level_text = "unavailable"
                per_repo.append(f)
                continue
            if first[i] < 0 or last[i] < lo_w or first[i] >= hi_w:
                f.stale = True
                f.level_text = "no data in the window"
                f.sentence = _stale_sentence(repo, w, int(first[i]), int(last[i]))
                per_repo.append(f)
                continue
            cur = _pooled(a, table, m, i, w, w.periods, pop)
            before = _pooled(a, table, m, i, w, w.previous, pop) if w.previous else Pooled(None, 0)
            level, n, prev = cur.level, cur.n, before.level
            f.n, f.level = n, level
            f.level_text = metrics.format_value(m, level, w.cal.freq)
            if cur.sample is not None and n >= 2:  # the interval of a median
                st, _, lo, hi = core.grouped_duration_stats(
                    np.zeros(n, np.int64), cur.sample.astype(np.int64), np.zeros(n, np.int64),
                    1, ci=True, seed=17)
                f.ci_low, f.ci_high = finite(lo[0]), finite(hi[0])
            # a rate over weeks (deployment frequency) is measured by them, not by a sample size
            f.too_few = n < min_n and (m.how.sized or level is None)
            f.previous = prev
            if level is not None and prev is not None and n >= min_n and before.n >= min_n:
                # from a zero baseline there is no relative change, but there is a trend
                f.change = level / prev - 1 if prev != 0 else None
                f.p_value = finite(TESTS[m.how.test](cur, before))
                big = abs(f.change) >= MIN_CHANGE if f.change is not None else level != prev
                if f.p_value is not None and f.p_value < ALPHA and big:
                    better = (level < prev) == m.lower_is_better
                    f.trend = "improving" if better else "worsening"
                else:
                    f.trend = "steady"
            band = metrics.band_for(m, level)
            if band and not f.too_few:
                f.band, f.band_text = band.name, band.text
            vals = table.stats[m.key]["value"][i, lo_p:hi_p + 1]
            ns = table.stats[m.key]["n"][i, lo_p:hi_p + 1].copy()
            for j in table.options.get("partial", ()):  # partial periods never drive episodes
                if lo_p <= j <= hi_p:
                    ns[j - lo_p] = 0
            f.episode = _episode(m, vals, ns, table.periods[lo_p:hi_p + 1], min_n)
            if m.how.notes:
                f.context = _failure_context(a, m.how.notes, repo, *w.bounds(w.periods), w.cal)
            if m.how.without and m.how.without[0] not in visible.get(repo, set()):
                f.context = m.how.without[1]
            bh = table.options.get("business_hours")
            if bh and m.how.working_hours:
                f.context = (f"Working hours only ({bh[0]:02d}:00–{bh[1]:02d}:00 Mon–Fri, "
                             f"{w.cal.tz}).")
            per_repo.append(f)
        _rank(m, per_repo)
        out.extend(per_repo)
    return out


def _failure_context(a: PRArrays, notes: tuple[str, ...], repo: str, lo: int, hi: int,
                     cal) -> str:
    """The ``notes`` a kind asks for: how the window's failures were placed (and how many
    reverts were caught before release), how many are open."""
    inc = a.incidents.get(repo)
    if inc is None or inc["opened_at"].size == 0:
        return "No reverts, hotfixes or incidents were found."
    failed = in_window(inc["failed_at"], lo, hi, cal)
    still_open = failed & (inc["resolved_at"] < 0)
    parts = []
    if FAILURE_PLACEMENT in notes:
        rules = {r: int((failed & (inc["rule"] == k)).sum())
                 for k, r in enumerate(INCIDENT_RULES)}
        placed = ", ".join(f"{n} by the {r}" for r, n in rules.items() if n)
        if placed:
            parts.append(f"Failures placed: {placed}")
        opened = in_window(inc["opened_at"], lo, hi, cal)
        for rule, text in ((RULE_CAUGHT, "of changes never deployed (caught before release, "
                                         "not failures)"),
                           (RULE_UNKNOWN, "whose reverted change could not be found (placed on "
                                          "no deployment)"),
                           (RULE_LONG_AFTER, "more than 90 days after the change shipped (a "
                                             "change of direction, not a failure)")):
            k = int((opened & (inc["rule"] == INCIDENT_RULES.index(rule))).sum())
            if k:
                parts.append(f"{plural(k, 'revert')} {text}")
    if OPEN_FAILURES in notes and still_open.any():
        parts.append(f"{plural(int(still_open.sum()), 'failure')} not yet restored "
                     "(left out of the time to restore)")
    return "; ".join(parts) + "." if parts else ""


def plural(n: int, noun: str) -> str:
    """``1 revert``, ``3 reverts``."""
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _invisible_sentence(m: metrics.Metric, repo: str, why: list[str]) -> str:
    if not why:
        why = [f"its data source has no {' and '.join(m.needs)}"]
    return f"{m.name} is unavailable for {repo}: {'; '.join(why)}."


def _stale_sentence(repo: str, w: Window, first: int, last: int) -> str:
    span = _periods_text(w.labels)
    if first < 0:
        return f"{repo} has no data, so it is left out of the comparison."
    a, b = (datetime.fromtimestamp(t, UTC).strftime("%Y-%m") for t in (first, last))
    return (f"{repo} has no data in {span} (its data runs from {a} to {b}), so it is left out "
            "of the comparison for this window.")


def _rank(m: metrics.Metric, fs: list[Finding]) -> None:
    valid = [f for f in fs if f.level is not None and not f.too_few and f.visible]
    order = sorted(valid, key=lambda f: f.level if m.lower_is_better else -f.level)
    for r, f in enumerate(order, start=1):
        f.rank, f.of = r, len(valid)
    for f in fs:
        f.peer_levels = {g.repo: g.level for g in fs if g.repo != f.repo}
        peers = [g.level for g in valid if g.repo != f.repo]
        score = 0.0
        if f.level is not None and not f.too_few and f.visible:
            if peers and f.level > 0 and np.median(peers) > 0:
                rel = f.level / float(np.median(peers))
                score += -math.log(rel) if m.lower_is_better else math.log(rel)
            score += {"improving": 0.25, "worsening": -0.35}.get(f.trend, 0.0)
            if f.episode and not f.episode["recovered"]:
                score -= 0.5
            score += {"Elite": 0.3, "Low": -0.4}.get(f.band or "", 0.0)
            if m.how.concern_above is not None and f.level >= m.how.concern_above:
                score -= 0.4
        f.score = score
        f.sentence = finding_sentence(m, f)
        f.trend_text = "no data in the window" if f.stale else (
            _no_times(m) if f.too_few and f.n == 0 and m.start else
            f"too few {m.n_of}" if f.too_few else f.trend)


def _no_times(m: metrics.Metric) -> str:
    """Why a PR duration has no value at all: no PR has its start time (e.g. squash merges
    carry no first-commit time), not too few PRs."""
    start = (m.start or "").removesuffix("_at").replace("_", "-")
    why = " (a squash merge carries none)" if m.start == "first_commit_at" else ""
    return f"no {start} times{why}"


def _periods_text(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"


def finding_sentence(m: metrics.Metric, f: Finding) -> str:
    """The numbers of a finding in words."""
    if not f.visible or f.stale:
        return f.sentence
    if f.level is None or (f.n == 0 and m.how.of_a_sample):
        return f"No {m.name.lower()} data for {f.repo} in {_periods_text(f.window)}."
    what = "Median " + m.name[0].lower() + m.name[1:] if m.kind == "duration" else m.name
    s = f"{what} for {f.repo} in {_periods_text(f.window)}: {f.level_text}"
    if f.ci_low is not None and f.ci_high is not None:
        s += (f" (95% CI {metrics.format_value(m, f.ci_low)}–{metrics.format_value(m, f.ci_high)}, "
              f"n = {f.n:,})")
    else:
        s += f" (n = {f.n:,})"
    if f.too_few:
        return s + f"; too few {m.n_of} for a verdict (below the minimum of 10)." + (
            " " + f.context if f.context else "")
    if f.change is None and f.trend in ("improving", "worsening") and f.previous == 0:
        s += (f", up from {metrics.format_value(m, 0.0)} in the window before — {f.trend} "
              f"beyond the noise (p = {f.p_value:.3g})")
    elif f.change is not None:
        direction = "higher" if f.change > 0 else "lower"
        pct = f"{abs(f.change) * 100:.0f}% {direction} than the window before"
        if round(abs(f.change) * 100) == 0:
            pct = "about the same as the window before"
        if f.trend in ("improving", "worsening"):
            s += f", {pct} — {f.trend} beyond the noise (p = {f.p_value:.3g})"
        else:
            s += f", {pct} — within the noise, steady"
    if f.rank is not None and f.of > 1:
        s += f"; ranks {f.rank} of {f.of} with peers"
    if f.band:
        s += f"; DORA 2024 band: {f.band} ({f.band_text})"
    if f.episode:
        e = f.episode
        s += (f". Worst stretch {e['start_period']} to {e['end_period']}, peaking at "
              f"{metrics.format_value(m, e['peak'])} in {e['peak_period']} against a usual "
              f"{metrics.format_value(m, e['usual'])}; ")
        s += ("since recovered" if e["recovered"] else "not yet recovered") + (
            f" ({metrics.format_value(m, e['latest'])} in {e['latest_period']})")
    return s + "." + (" " + f.context if f.context else "")
