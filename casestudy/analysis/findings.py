"""The findings engine: for each metric and repository, the level over the latest window, its
trend against the window before (tested against the noise), the DORA band, the rank among peers,
and the worst stretch (episode) in the report period. Headline, verdict, strengths and weaknesses
are written from these findings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import core
from .. import metrics as M
from ..core.periods import DAY, Calendar
from ..document import Finding, Statement
from ..model import PRArrays
from .significance import mann_whitney_p, poisson_rate_p, two_proportion_p

ALPHA = 0.05  # significance level for a trend
MIN_CHANGE = 0.10  # and at least a 10% change
EPISODE_RATIO = 1.75  # a month this much worse than the usual level is an episode


@dataclass
class Window:
    """Epoch-second bounds of the latest window and the one before it, as period indexes."""

    periods: list[int]
    previous: list[int]
    cal: Calendar

    def bounds(self, idx: list[int]) -> tuple[int, int]:
        lo = int(self.cal.starts[idx[0]]) * 86400
        hi = int(self.cal.starts[idx[-1]] + self.cal.days[idx[-1]]) * 86400
        return lo, hi

    @property
    def labels(self) -> list[str]:
        return [self.cal.labels[i] for i in self.periods]


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def _in(ts: np.ndarray, lo: int, hi: int, cal: Calendar) -> np.ndarray:
    local = cal.local_seconds(ts)
    return (ts >= 0) & (local >= lo) & (local < hi)


def duration_sample(a: PRArrays, m: M.Metric, repo_i: int, lo: int, hi: int, cal: Calendar,
                    pop: np.ndarray, anchor: str | None = None):
    """Durations (seconds) of one metric for PRs whose completing event is in [lo, hi), with
    their row indexes; negative durations are dropped."""
    if m.key == "time_to_restore":
        start, end = core.restore_events(a, a.repos[repo_i])
        sel = _in(end, lo, hi, cal) & (start >= 0)
        d = end[sel] - start[sel]
        return d[d >= 0], np.zeros(0, np.int64)
    start, end = core.duration_columns(a, m)
    ev = a.times[anchor] if anchor else end
    sel = pop & (a.repo_idx == repo_i) & _in(ev, lo, hi, cal) & (start >= 0) & (end >= 0)
    rows = np.flatnonzero(sel)
    d = end[rows] - start[rows]
    keep = d >= 0
    return d[keep], rows[keep]


def _pooled(a: PRArrays, m: M.Metric, repo_i: int, w: Window, idx: list[int], pop: np.ndarray):
    """(level, n, raw) over the given periods: raw is the sample (durations) or counts."""
    lo, hi = w.bounds(idx)
    cal = w.cal
    if m.kind == "duration":
        d, _ = duration_sample(a, m, repo_i, lo, hi, cal, pop)
        return (_num(np.median(d)) if d.size else None), int(d.size), d
    repo = a.repos[repo_i]
    if m.key in ("deploy_frequency", "change_failure_rate"):
        dt = a.deploy_times.get(repo, np.zeros(0, np.int64))
        in_w = _in(dt, lo, hi, cal)
        n_dep = int(in_w.sum())
        weeks = (hi - lo) / (7 * DAY)
        if m.key == "deploy_frequency":
            return (n_dep / weeks if dt.size else None), n_dep, (n_dep, weeks)
        if not n_dep:
            return None, 0, (0, 0)
        pos = core.failing_deployment(a, repo)
        k = int(in_w[np.unique(pos[pos >= 0])].sum())
        return k / n_dep, n_dep, (k, n_dep)
    merged = a.times["merged_at"]
    sel = pop & (a.repo_idx == repo_i) & _in(merged, lo, hi, cal)
    n = int(sel.sum())
    if m.key == "throughput":
        return n / len(idx), n, (n, len(idx))
    if m.key == "contributors":  # each person once over the whole window
        if a.author_idx is None:
            return None, n, (0, len(idx))
        ids = a.author_idx[sel]
        k = int(np.unique(ids[ids >= 0]).size)
        return (float(k) if n else None), n, (k, len(idx))
    k = int(a.is_bugfix[sel].sum())
    return (k / n if n else None), n, (k, n)


def _p_value(m: M.Metric, cur_raw, prev_raw) -> float | None:
    if m.kind == "duration":
        return mann_whitney_p(cur_raw, prev_raw)
    if m.key in ("deploy_frequency", "throughput", "contributors"):
        return poisson_rate_p(cur_raw[0], cur_raw[1], prev_raw[0], prev_raw[1])
    return two_proportion_p(cur_raw[0], cur_raw[1], prev_raw[0], prev_raw[1])


def _episode(m: M.Metric, values: np.ndarray, n: np.ndarray, labels: list[str],
             min_n: int) -> dict | None:
    """The worst stretch of a series: a month ≥ EPISODE_RATIO × the usual level (lower quartile
    of the monthly values for lower-is-better metrics), with whether it has recovered."""
    ok = (n >= min_n) & ~np.isnan(values)
    if ok.sum() < 6 or m.kind not in ("duration", "share"):
        return None
    v = np.where(ok, values, np.nan)
    usual = float(np.nanpercentile(v, 25 if m.lower_is_better else 75))
    worst_i = int(np.nanargmax(v) if m.lower_is_better else np.nanargmin(v))
    worst = float(v[worst_i])
    ratio = worst / usual if m.lower_is_better else usual / max(worst, 1e-12)
    if usual <= 0 or ratio < EPISODE_RATIO:
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


def findings_for(a: PRArrays, table: core.MetricTable, w: Window, min_n: int,
                 visible: dict[str, set[str]]) -> list[Finding]:
    """Findings for every metric and repository (subject first)."""
    pop = core.population_mask(a, table.options["bots"])
    out: list[Finding] = []
    lo_p, hi_p = table.options.get("range", (0, table.calendar.n - 1))
    for m in M.METRICS:
        per_repo: list[Finding] = []
        for i, repo in enumerate(a.repos):
            f = Finding(metric=m.key, repo=repo, window=w.labels, n=0, level=None,
                        level_text="n/a", of=len(a.repos))
            f.visible = all(need in visible.get(repo, set()) for need in m.needs)
            if not f.visible:
                f.sentence = _invisible_sentence(m, repo)
                per_repo.append(f)
                continue
            level, n, cur = _pooled(a, m, i, w, w.periods, pop)
            prev, n_prev, prev_raw = _pooled(a, m, i, w, w.previous, pop) if w.previous else (
                None, 0, None)
            f.n, f.level, f.level_text = n, level, M.format_value(m, level)
            if m.kind == "duration" and n >= 2:
                st, _, lo, hi = core.grouped_duration_stats(
                    np.zeros(n, np.int64), cur.astype(np.int64), np.zeros(n, np.int64), 1,
                    ci=True, seed=17)
                f.ci_low, f.ci_high = _num(lo[0]), _num(hi[0])
            # a deployment frequency is measured by the weeks it covers, not by a sample size
            f.too_few = n < min_n and not (m.key == "deploy_frequency" and level is not None)
            f.previous = prev
            if level is not None and prev not in (None, 0) and n >= min_n and n_prev >= min_n:
                f.change = level / prev - 1
                f.p_value = _num(_p_value(m, cur, prev_raw))
                if f.p_value is not None and f.p_value < ALPHA and abs(f.change) >= MIN_CHANGE:
                    better = (f.change < 0) == m.lower_is_better
                    f.trend = "improving" if better else "worsening"
                else:
                    f.trend = "steady"
            band = M.band_for(m, level)
            if band and not f.too_few:
                f.band, f.band_text = band.name, band.text
            vals = table.stats[m.key]["value"][i, lo_p:hi_p + 1]
            ns = table.stats[m.key]["n"][i, lo_p:hi_p + 1]
            f.episode = _episode(m, vals, ns, table.periods[lo_p:hi_p + 1], min_n)
            per_repo.append(f)
        _rank(m, per_repo)
        out.extend(per_repo)
    return out


def _invisible_sentence(m: M.Metric, repo: str) -> str:
    need = " and ".join(m.needs)
    return (f"{m.name} cannot be measured for {repo}: its data source has no {need} "
            "(for example, a local git clone has no PR reviews or comments).")


def _rank(m: M.Metric, fs: list[Finding]) -> None:
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
            if m.key == "bugfix_share" and f.level >= 0.3:
                score -= 0.4
        f.score = score
        f.sentence = finding_sentence(m, f)
        f.trend_text = f"too few {m.n_of}" if f.too_few else f.trend


def _periods_text(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}"


def finding_sentence(m: M.Metric, f: Finding) -> str:
    """The numbers of a finding in words."""
    if not f.visible:
        return f.sentence
    if f.level is None or f.n == 0:
        return f"No {m.name.lower()} data for {f.repo} in {_periods_text(f.window)}."
    what = "Median " + m.name[0].lower() + m.name[1:] if m.kind == "duration" else m.name
    s = f"{what} for {f.repo} in {_periods_text(f.window)}: {f.level_text}"
    if f.ci_low is not None and f.ci_high is not None:
        s += (f" (95% CI {M.format_value(m, f.ci_low)}–{M.format_value(m, f.ci_high)}, "
              f"n = {f.n:,})")
    else:
        s += f" (n = {f.n:,})"
    if f.too_few:
        return s + f"; too few {m.n_of} for a verdict (below the minimum of 10)."
    if f.change is not None:
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
              f"{M.format_value(m, e['peak'])} in {e['peak_period']} against a usual "
              f"{M.format_value(m, e['usual'])}; ")
        s += ("since recovered" if e["recovered"] else "not yet recovered") + (
            f" ({M.format_value(m, e['latest'])} in {e['latest_period']})")
    return s + "."


_GOOD = {"duration": "Faster", "share": "Lower", "deploy": "More frequent", "count": "Higher"}
_BAD = {"duration": "sluggish", "share": "high", "deploy": "infrequent", "count": "low"}


def _adj(m: M.Metric, good: bool) -> str:
    if m.key == "change_failure_rate":
        return "Fewer failed deployments" if good else "frequent failed deployments"
    if m.key == "bugfix_share":
        return "Less time on bug fixes" if good else "much effort on bug fixes"
    if m.key == "throughput":
        return "High throughput" if good else "low throughput"
    if m.key == "contributors":
        return "Large active community" if good else "small active community"
    name = m.name.lower()
    if m.key == "deploy_frequency":
        return "Frequent deployments" if good else "infrequent deployments"
    return f"{_GOOD[m.kind]} {name}" if good else f"{_BAD[m.kind]} {name}"


def headline_and_verdict(subject: str, findings: list[Finding]) -> tuple[str, str, Finding | None,
                                                                           Finding | None]:
    """The strongest positive and the most serious negative, in a headline and a verdict."""
    mine = [f for f in findings if f.repo == subject and f.visible and f.level is not None
            and not f.too_few and f.metric not in ("throughput", "contributors")]
    best = max(mine, key=lambda f: f.score, default=None)
    worst = min(mine, key=lambda f: f.score, default=None)
    if best is not None and best.score <= 0:
        best = None
    if worst is not None and worst.score >= 0:
        worst = None
    parts = []
    if best:
        parts.append(_adj(M.get(best.metric), True))
    if worst:
        a = _adj(M.get(worst.metric), False)
        parts.append(a if parts else a[0].upper() + a[1:])
    headline = ", ".join(parts) if parts else "Too little data for a verdict"
    verdict = []
    if best:
        verdict.append(f"{subject} excels in {M.get(best.metric).name.lower()}: {best.sentence}")
    if worst:
        verdict.append(f"It needs improvement in {M.get(worst.metric).name.lower()}: "
                       f"{worst.sentence}")
    if not verdict:
        verdict.append(f"{subject} has too few PRs in the window for a verdict.")
    return headline, " ".join(verdict), best, worst


def strengths_weaknesses(subject: str, findings: list[Finding], limit: int = 4
                         ) -> tuple[list[Statement], list[Statement]]:
    mine = [f for f in findings if f.repo == subject and f.visible and f.level is not None
            and not f.too_few]
    good = sorted((f for f in mine if f.score >= 0.15), key=lambda f: -f.score)[:limit]
    bad = sorted((f for f in mine if f.score <= -0.15), key=lambda f: f.score)[:limit]

    def stmt(f: Finding, positive: bool) -> Statement:
        m = M.get(f.metric)
        title = _adj(m, positive)
        return Statement(f.metric, title[0].upper() + title[1:], f.sentence, f.examples)

    return [stmt(f, True) for f in good], [stmt(f, False) for f in bad]
