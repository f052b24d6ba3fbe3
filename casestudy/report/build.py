"""Build one ``CaseStudy`` from the store: load arrays, compute the metric table, find, judge,
recommend, and pick the notable PRs. This is the only place the pipeline is wired together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from .. import core
from .. import metrics as M
from ..analysis.facts import compute_facts
from ..analysis.findings import (
    Window,
    _in,
    _num,
    duration_sample,
    findings_for,
    headline_and_verdict,
    strengths_weaknesses,
)
from ..analysis.recommendations import recommend
from ..analysis.work_patterns import work_pattern
from ..bugfix_rules import RULES as BUG_RULES
from ..core.periods import make_calendar
from ..document import (
    CaseStudy,
    Completeness,
    Definition,
    MetricSeries,
    PRRef,
    SeriesPoint,
    SourceInfo,
)
from ..model import PRArrays
from ..store import Store, StoreError


class ReportError(ValueError):
    """Bad report options (period, peers) described for a person."""


@dataclass
class Options:
    subject: str
    peers: tuple[str, ...] = ()
    period_from: str | None = None  # "YYYY-MM" (or an ISO week label with freq="week")
    period_to: str | None = None
    freq: str = "month"
    tz: str = "UTC"
    bots: str = "exclude"
    business_hours: tuple[int, int] | None = None
    window: int = 3
    min_n: int = 10
    months_default: int = 24


def _month_start(label: str) -> int:
    try:
        return int(np.datetime64(label, "M").astype("datetime64[s]").astype(np.int64))
    except ValueError as exc:
        raise ReportError(f"bad month {label!r}: use YYYY-MM") from exc


def _visible(a: PRArrays) -> dict[str, set[str]]:
    out = {}
    for i, repo in enumerate(a.repos):
        sel = a.repo_idx == i
        v = set()
        if (a.times["first_response_at"][sel] >= 0).any():
            v.add("reviews")
        if a.deploy_times.get(repo, np.zeros(0)).size:
            v.add("deployments")
        out[repo] = v
    return out


def build_case_study(store: Store, opts: Options) -> CaseStudy:
    repos = [opts.subject, *[p for p in opts.peers if p != opts.subject]]
    if len(set(repos)) != len(repos):
        raise ReportError("a peer is listed twice")
    a = store.load_arrays(repos)
    if not (a.repo_idx == 0).any():
        raise ReportError(f"{opts.subject} has no pull requests in the store")
    subj_merged = a.times["merged_at"][(a.repo_idx == 0) & (a.times["merged_at"] >= 0)]
    last = int(subj_merged.max()) if subj_merged.size else int(a.times["created_at"].max())
    if opts.freq == "month":
        t_to = _month_start(opts.period_to) if opts.period_to else _month_start(
            str(np.datetime64(last, "s").astype("datetime64[M]")))
        t_from = _month_start(opts.period_from) if opts.period_from else int(
            (np.datetime64(t_to, "s").astype("datetime64[M]") - (opts.months_default - 1))
            .astype("datetime64[s]").astype(np.int64))
        end = int((np.datetime64(t_to, "s").astype("datetime64[M]") + 1)
                  .astype("datetime64[s]").astype(np.int64)) - 1
    else:
        end = last
        t_from = last - opts.months_default * 30 * 86400
    if t_from > end:
        raise ReportError("the period starts after it ends")
    cal = make_calendar(t_from, end, opts.freq, opts.tz)
    # keep only whole periods inside [t_from, end]
    inside = [i for i in range(cal.n) if cal.starts[i] * 86400 >= t_from - 86400 * 7
              and (cal.starts[i] + cal.days[i]) * 86400 <= end + 86400 * 7]
    lo_p, hi_p = inside[0], inside[-1]
    table = core.compute_table(a, calendar=cal, bots=opts.bots,
                               business_hours=opts.business_hours, ci=True)
    table.options["range"] = (lo_p, hi_p)
    n_per = hi_p - lo_p + 1
    k = max(1, min(opts.window, n_per // 2 or 1))
    w = Window(list(range(hi_p - k + 1, hi_p + 1)),
               list(range(max(lo_p, hi_p - 2 * k + 1), hi_p - k + 1)), cal)
    visible = _visible(a)
    findings = findings_for(a, table, w, opts.min_n, visible)
    lo, hi = w.bounds(w.periods)
    pop = core.population_mask(a, opts.bots)
    subject_findings = [f for f in findings if f.repo == opts.subject]
    for f in subject_findings:
        f.examples = _examples(store, a, f.metric, lo, hi, cal, pop, f.score >= 0)
    headline, verdict, best, worst = headline_and_verdict(opts.subject, findings)
    strengths, weaknesses = strengths_weaknesses(opts.subject, findings)
    facts = compute_facts(store, a, 0, w, opts.bots, store.titles(opts.subject, lo, hi))
    recs = recommend(findings, opts.subject, facts)
    infos = {s.repo: s for s in store.summary()}
    synthetic = any(infos[r].synthetic for r in repos)
    series = _series(table, lo_p, hi_p)
    summary = _summary(opts, w, findings, table)
    return CaseStudy(
        subject=opts.subject, peers=repos[1:], period_from=cal.labels[lo_p],
        period_to=cal.labels[hi_p], freq=opts.freq, tz=opts.tz,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), synthetic=synthetic,
        headline=headline, verdict=verdict, summary=summary, window=w.labels,
        sources=[_source(infos[r], visible[r]) for r in repos], series=series,
        findings=findings, strengths=strengths, weaknesses=weaknesses, recommendations=recs,
        notable_prs=notable_prs(store, a, lo, hi, cal, pop),
        definitions=[_definition(m) for m in M.METRICS],
        completeness=[_completeness(a, table, i, lo_p, hi_p) for i in range(len(repos))],
        options={"bots": opts.bots, "business_hours": list(opts.business_hours or []),
                 "min_n": opts.min_n, "window": k, "facts": _clean(facts)},
        work_pattern=work_pattern(a, 0, *w.bounds([lo_p, hi_p]), cal, pop),
    )


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in d.items()}


def _series(table: core.MetricTable, lo_p: int, hi_p: int) -> list[MetricSeries]:
    out = []
    for m in M.METRICS:
        st = table.stats[m.key]
        extra_key = {"deploy_frequency": "days_per_week", "bugfix_share": "weighted",
                     "throughput": "reverts", "change_failure_rate": "failed"}.get(m.key)
        for i, repo in enumerate(table.repos):
            pts = []
            for j in range(lo_p, hi_p + 1):
                pts.append(SeriesPoint(
                    period=table.periods[j], n=int(st["n"][i, j]),
                    value=_num(st["value"][i, j]),
                    p75=_num(st["p75"][i, j]) if "p75" in st else None,
                    p90=_num(st["p90"][i, j]) if "p90" in st else None,
                    ci_low=_num(st["ci_low"][i, j]) if "ci_low" in st else None,
                    ci_high=_num(st["ci_high"][i, j]) if "ci_high" in st else None,
                    extra=_num(st[extra_key][i, j]) if extra_key else None))
            exc = int(table.excluded[m.key][i, lo_p:hi_p + 1].sum()) if m.key in \
                table.excluded else 0
            out.append(MetricSeries(m.key, repo, pts, exc))
    return out


def _summary(opts: Options, w: Window, findings, table) -> str:
    subj = [f for f in findings if f.repo == opts.subject and f.metric == "throughput"]
    n = subj[0].n if subj else 0
    peers = ", ".join(opts.peers) if opts.peers else "no peers"
    return (f"{opts.subject} merged {n:,} PRs in {w.labels[0]} to {w.labels[-1]} (the latest "
            f"window), compared with {peers}. Bots are "
            f"{'excluded' if opts.bots == 'exclude' else opts.bots}; periods are calendar "
            f"{opts.freq}s in {opts.tz}.")


def _source(s, visible: set[str]) -> SourceInfo:
    kinds = ["reviews", "deployments"]
    notes = []
    if "reviews" not in visible:
        notes.append("No PR creation, review or comment times: first response, review and "
                     "merge stages cannot be measured and are shown as unavailable, not zero.")
    if "deployments" not in visible:
        notes.append("No deployment source: lead time falls back to merge time; deployment "
                     "frequency, change failure rate and time to restore are unavailable.")
    if s.synthetic:
        notes.append("Synthetic demo data: generated, not a real repository.")
    return SourceInfo(s.repo, s.source, s.synthetic, s.deploy_source or "merges", s.prs,
                      s.merged, [k for k in kinds if k in visible],
                      [k for k in kinds if k not in visible], notes)


def _definition(m: M.Metric) -> Definition:
    bands = [f"{b.name}: {b.text}" for b in m.bands]
    return Definition(m.key, m.name, m.unit, m.formula, m.explanation, m.direction, bands,
                      m.band_note)


def _completeness(a: PRArrays, table: core.MetricTable, i: int, lo_p: int, hi_p: int):
    sel = a.repo_idx == i
    hits = table.rule_hits.get(a.repos[i], np.zeros(5))
    return Completeness(
        repo=a.repos[i],
        n_per_period={table.periods[j]: int(table.stats["throughput"]["n"][i, j])
                      for j in range(lo_p, hi_p + 1)},
        excluded={k: int(v[i, lo_p:hi_p + 1].sum()) for k, v in table.excluded.items()},
        bots_excluded=int((a.is_bot & sel).sum()) if table.options["bots"] == "exclude" else 0,
        drafts_open=int((a.is_draft & sel).sum()),
        rule_hits={r.name: int(hits[r.id]) for r in BUG_RULES},
    )


def _refs(store: Store, repo: str, rows_values: list[tuple[int, float, str]], metric: M.Metric
          ) -> list[PRRef]:
    prs = {p.number: p for p in store.pull_requests(repo, [n for n, _, _ in rows_values])}
    out = []
    for number, value, why in rows_values:
        p = prs.get(number)
        if p is None:
            continue
        out.append(PRRef(repo, number, p.title, p.author, p.url, float(value),
                         M.format_value(metric, value), why))
    return out


def _examples(store: Store, a: PRArrays, metric: str, lo: int, hi: int, cal, pop,
              fastest: bool, k: int = 3) -> list[PRRef]:
    m = M.get(metric)
    if m.kind != "duration" or m.key == "time_to_restore":
        return []
    d, rows = duration_sample(a, m, 0, lo, hi, cal, pop)
    if not d.size:
        return []
    order = np.argsort(d, kind="stable")
    pick = order[:k] if fastest else order[::-1][:k]
    why = "among the fastest" if fastest else "among the slowest"
    return _refs(store, a.repos[0], [(int(a.number[rows[j]]), float(d[j]), why) for j in pick], m)


def notable_prs(store: Store, a: PRArrays, lo: int, hi: int, cal, pop) -> dict[str, list[PRRef]]:
    """Fastest/slowest merged, longest first-response wait, most discussed, reverted, largest."""
    repo = a.repos[0]
    out: dict[str, list[PRRef]] = {}
    cyc = M.get("cycle_time")
    d, rows = duration_sample(a, cyc, 0, lo, hi, cal, pop)
    if d.size:
        order = np.argsort(d, kind="stable")
        out["Fastest merged"] = _refs(store, repo, [(int(a.number[rows[j]]), float(d[j]),
                                                     "first commit → merge")
                                                    for j in order[:3]], cyc)
        out["Slowest merged"] = _refs(store, repo, [(int(a.number[rows[j]]), float(d[j]),
                                                     "first commit → merge")
                                                    for j in order[::-1][:3]], cyc)
    fr = M.get("first_response")
    d, rows = duration_sample(a, fr, 0, lo, hi, cal, pop)
    if d.size:
        order = np.argsort(d, kind="stable")[::-1][:3]
        out["Longest wait for a first response"] = _refs(
            store, repo, [(int(a.number[rows[j]]), float(d[j]), "ready → first response")
                          for j in order], fr)
    merged = pop & (a.repo_idx == 0) & _in(a.times["merged_at"], lo, hi, cal)
    idx = np.flatnonzero(merged)
    count = M.Metric("comments", "Comments", "PRs", "count", "lower", "", "")
    if idx.size:
        top = idx[np.argsort(a.n_comments[idx], kind="stable")[::-1][:3]]
        out["Most discussed"] = [
            r for r in _refs(store, repo, [(int(a.number[j]), float(a.n_comments[j]),
                                            "comments") for j in top], count)]
        for r in out["Most discussed"]:
            r.value_text = f"{int(r.value)} comments"
        size = (a.additions + a.deletions)[idx]
        top = idx[np.argsort(size, kind="stable")[::-1][:3]]
        out["Largest"] = _refs(store, repo, [(int(a.number[j]), float(
            a.additions[j] + a.deletions[j]), "lines changed") for j in top], count)
        for r in out["Largest"]:
            r.value_text = f"{int(r.value):,} lines"
        rev = idx[a.is_revert[idx]][:5]
        reverted = []
        for p in store.pull_requests(repo, [int(a.number[j]) for j in rev]):
            if p.reverted_number:
                for o in store.pull_requests(repo, [p.reverted_number]):
                    reverted.append(PRRef(repo, o.number, o.title, o.author, o.url, None,
                                          f"reverted by #{p.number}", "reverted"))
        out["Reverted"] = reverted
    return {k: v for k, v in out.items() if v}


__all__ = ["Options", "ReportError", "StoreError", "build_case_study"]
