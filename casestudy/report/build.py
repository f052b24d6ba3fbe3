"""Build one ``CaseStudy`` from the store: load arrays, compute the metric table, find, judge,
recommend, and pick the notable PRs. This is the only place the pipeline is wired together.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import numpy as np

from .. import core, metrics
from ..analysis.ci import analyse as analyse_ci
from ..analysis.ci import section as ci_section
from ..analysis.drivers import drivers
from ..analysis.facts import compute_facts
from ..analysis.findings import findings_for, headline_and_verdict, strengths_weaknesses
from ..analysis.people import section as people_section
from ..analysis.practices import facts as practice_facts
from ..analysis.practices import section as practice_section
from ..analysis.recommendations import recommend
from ..analysis.rhythm import section as rhythm_section
from ..analysis.summary import executive
from ..analysis.waits import section as waits_section
from ..analysis.window import Window, duration_sample, finite, in_window
from ..analysis.work_patterns import work_pattern
from ..bugfix_rules import RULES as BUG_RULES
from ..core.periods import DAY, make_calendar
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
from ..options import Options
from ..store import Store, StoreError


class ReportError(ValueError):
    """Bad report options (period, peers) described for a person."""


def _month_start(label: str) -> int:
    try:
        return int(np.datetime64(label, "M").astype("datetime64[s]").astype(np.int64))
    except ValueError as exc:
        raise ReportError(f"bad month {label!r}: use YYYY-MM") from exc


def _span_of(label: str) -> tuple[int, int]:
    """[first second, last second] (UTC) of a period label: ``YYYY-MM``, an ISO week
    ``YYYY-Www`` or a day ``YYYY-MM-DD`` (so week reports take --from/--to too)."""
    m = re.fullmatch(r"(\d{4})-W(\d{2})", label)
    try:
        if m:
            start = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            days = 7
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", label):
            start, days = date.fromisoformat(label), 1
        else:
            first = _month_start(label)
            nxt = _month_start(str(np.datetime64(label, "M") + 1))
            return first, nxt - 1
    except ValueError as exc:
        raise ReportError(f"bad period {label!r}: use YYYY-MM, YYYY-Www or YYYY-MM-DD") from exc
    first = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
    return first, first + days * DAY - 1


def _capabilities(a: PRArrays, infos: dict) -> tuple[dict[str, set[str]],
                                                     dict[str, dict[str, str]]]:
    """Per repo, what its data can measure ("reviews", "deployments") and, for what it cannot,
    why — in words for the reader, with the option that would change it."""
    visible: dict[str, set[str]] = {}
    reasons: dict[str, dict[str, str]] = {}
    for i, repo in enumerate(a.repos):
        sel = a.repo_idx == i
        source = infos[repo].source
        v, why = set(), {}
        if (a.times["first_response_at"][sel] >= 0).any():
            v.add("reviews")
        elif source.startswith("git"):
            why["reviews"] = "a git clone has no PR reviews or comments"
        else:
            why["reviews"] = "no PR in its data has a review or comment time"
        if (a.times["checks_started_at"][sel] >= 0).any():
            v.add("checks")
        elif source == "github":
            why["checks"] = ("no CI check runs were synced (sync with `casestudy sync OWNER/NAME "
                             "--checks`)")
        else:
            why["checks"] = "its data has no CI check runs"
        if a.deploy_times.get(repo, np.zeros(0)).size and infos[repo].deploy_source != "merges":
            v.add("deployments")
        elif source.startswith("git"):
            why["deployments"] = ("no release tags were found in the clone (every tag that is "
                                  "not a pre-release counts; tag releases to measure this)")
        elif source == "github":
            why["deployments"] = ("no deployments were found (tried the Deployments API, "
                                  "workflow runs, releases and tags); choose one with "
                                  "`casestudy sync --deployments … --environment …` or "
                                  "`--workflow FILE`")
        else:
            why["deployments"] = "its data has no deployments"
        visible[repo], reasons[repo] = v, why
    return visible, reasons


def build_case_study(store: Store, opts: Options) -> CaseStudy:
    repos = [opts.subject, *[p for p in opts.peers if p != opts.subject]]
    if len(set(repos)) != len(repos):
        raise ReportError("a peer is listed twice")
    a = store.load_arrays(repos)
    if not (a.repo_idx == 0).any():
        raise ReportError(f"{opts.subject} has no pull requests in the store")
    # the report ends with the subject's last merge in the population (a bot's merge after the
    # last human one would leave an empty latest window)
    pop = core.population_mask(a, opts.bots)
    subj_merged = a.times["merged_at"][(a.repo_idx == 0) & (a.times["merged_at"] >= 0) & pop]
    if not subj_merged.size:
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
        end = _span_of(opts.period_to)[1] if opts.period_to else last
        t_from = _span_of(opts.period_from)[0] if opts.period_from else \
            end - opts.months_default * 30 * DAY
    span = core.data_span(a)  # one pass, shared by the table, the findings and the periods
    if not opts.period_from:  # by default, no periods before any repository has data
        starts = span[0]
        if (starts >= 0).any():
            earliest = int(starts[starts >= 0].min())
            if opts.freq == "month":
                earliest = _month_start(str(np.datetime64(earliest, "s").astype(
                    "datetime64[M]")))
            t_from = max(t_from, earliest)
    if t_from > end:
        raise ReportError("the period starts after it ends")
    cal = make_calendar(t_from, end, opts.freq, opts.tz)
    # keep only whole periods inside [t_from, end]
    inside = [i for i in range(cal.n) if cal.starts[i] * DAY >= t_from - DAY
              and (cal.starts[i] + cal.days[i]) * DAY <= end + DAY + 1]
    lo_p, hi_p = inside[0], inside[-1]
    table = core.compute_table(a, calendar=cal, bots=opts.bots,
                               business_hours=opts.business_hours, ci=True, span=span)
    table.options["range"] = (lo_p, hi_p)
    # a period the subject's data stops inside (more than a day before its end) is partial: its
    # durations favour quick PRs (slow ones have not finished), so the latest window leaves it
    # out (when the data reaches further back) and the charts draw it as partial
    first, last = span
    data_start, data_end = int(first[0]), int(last[0])
    start_local, end_local = cal.local_seconds(np.array([data_start, data_end]))
    partial = [j for j in range(lo_p, hi_p + 1)
               if (cal.starts[j] + cal.days[j]) * DAY > int(end_local) + DAY]
    table.options["partial"] = partial
    last_full = hi_p
    while last_full > lo_p and last_full in partial and cal.starts[last_full] * DAY > start_local:
        last_full -= 1
    n_per = last_full - lo_p + 1
    k = max(1, min(opts.window, n_per // 2 or 1))
    w = Window(list(range(last_full - k + 1, last_full + 1)),
               list(range(max(lo_p, last_full - 2 * k + 1), last_full - k + 1)), cal)
    infos = {s.repo: s for s in store.summary()}
    visible, reasons = _capabilities(a, infos)
    findings = findings_for(a, table, w, opts.min_n, visible, reasons)
    lo, hi = w.bounds(w.periods)
    subject_findings = [f for f in findings if f.repo == opts.subject]
    for f in subject_findings:
        f.examples = _examples(store, a, f.metric, lo, hi, cal, pop, f.score >= 0,
                               opts.business_hours)
    headline, verdict, best, worst = headline_and_verdict(opts.subject, findings)
    strengths, weaknesses = strengths_weaknesses(opts.subject, findings)
    ci_report = analyse_ci(store.check_runs(opts.subject))
    facts = compute_facts(a, 0, w, opts.bots, store.titles(opts.subject, lo, hi),
                          store.responder_counts(opts.subject, lo, hi),
                          store.quick_reverts(opts.subject, lo, hi, 48 * 3600), ci_report)
    partial_by_repo = _partial_periods(a, span[1], cal, lo_p, hi_p)
    rhythm = rhythm_section(store.commit_arrays(opts.subject), a, table,
                            store.pr_people(opts.subject), cal, lo_p, hi_p, pop,
                            partial_by_repo[opts.subject], opts.session_gap,
                            opts.session_allowance, infos[opts.subject].source)
    facts.update(_rhythm_facts(rhythm))
    people = people_section(a, store.pr_people(opts.subject), cal, lo, hi, pop, data_end,
                            visible[opts.subject], store.review_counts(opts.subject, lo, hi),
                            store.associations(opts.subject))
    facts["newcomer_finding"] = people.newcomer_finding
    audit = store.audit(opts.subject)
    practices = practice_section(audit, a, store.pr_changes(opts.subject), cal, lo_p, hi_p,
                                 w.periods, pop) if audit else None
    facts.update(practice_facts(practices))
    recs = recommend(findings, opts.subject, facts)
    synthetic = any(infos[r].synthetic for r in repos)
    notable = notable_prs(store, a, lo, hi, cal, pop, opts.business_hours,
                          visible[opts.subject])
    span_text = w.labels[0] if len(w.labels) == 1 else f"{w.labels[0]} to {w.labels[-1]}"
    summary_page = executive(opts.subject, span_text, headline, findings, strengths, weaknesses,
                             recs, notable, store.responder_counts(opts.subject, lo, hi),
                             store.author_counts(opts.subject, lo, hi), rhythm, practices,
                             _has_logins(store, opts.subject))
    series = _series(table, lo_p, hi_p, partial_by_repo, opts.min_n)
    summary = _summary(opts, w, findings, [cal.labels[j] for j in partial], data_end)
    return CaseStudy(
        subject=opts.subject, peers=repos[1:], period_from=cal.labels[lo_p],
        period_to=cal.labels[hi_p], freq=opts.freq, tz=opts.tz,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), synthetic=synthetic,
        headline=headline, verdict=verdict, summary=summary, window=w.labels,
        sources=[_source(infos[r], visible[r], reasons[r]) for r in repos], series=series,
        findings=findings, strengths=strengths, weaknesses=weaknesses, recommendations=recs,
        notable_prs=notable,
        definitions=[_definition(m) for m in metrics.METRICS],
        completeness=[_completeness(a, table, i, lo_p, hi_p) for i in range(len(repos))],
        options={"bots": opts.bots, "business_hours": list(opts.business_hours or []),
                 "min_n": opts.min_n, "window": k, "facts": _clean(facts),
                 "session_gap": opts.session_gap, "session_allowance": opts.session_allowance},
        work_pattern=work_pattern(a, 0, *w.bounds([lo_p, hi_p]), cal, pop),
        ci=ci_section(ci_report, opts.subject) if ci_report else None,
        ci_unavailable="" if ci_report else _no_ci_reason(infos[opts.subject]),
        rhythm=rhythm, practices=practices, executive=summary_page,
        drivers=drivers(a, w, pop, visible[opts.subject], opts.business_hours),
        people=people,
        waits=waits_section(a, cal, lo_p, hi_p, w.periods, pop, data_end,
                            visible[opts.subject], infos[opts.subject].source),
        definitions_hash=definitions_hash(opts),
        practices_unavailable="" if practices else (
            f"Its data ({infos[opts.subject].source}) has no repository tree: sync it from a "
            "clone (`casestudy sync-git`) or from GitHub to audit its practices."),
    )


def _rhythm_facts(r) -> dict:
    """The work-rhythm numbers the recommendations quote."""
    per = next((t for t in r.trends if t.measure == "per_author"), None)
    out = {"velocity_decay": r.decay, "velocity_trend": per.text if per else "",
           "coding_hours_gap": r.hours_gap, "coding_hours_hmm": r.hours_hmm,
           "review_timing": "", "review_window": ""}
    if r.review is not None and r.review.significant and r.review.median_inside is not None \
            and r.review.median_outside > r.review.median_inside:
        out["review_timing"] = r.review.text
        out["review_window"] = r.review.window
    return out


def definitions_hash(opts: Options) -> str:
    """A short hash of everything that decides what a figure means: the metric registry, the
    bug-fix, incident and practice rules, and the report's options (not its subject, peers or
    period). Two reports with the same hash measure the same way."""
    import hashlib
    import json
    from dataclasses import asdict

    from .. import bugfix_rules, practice_rules
    from ..model import INCIDENT_RULES, REVERT_HORIZON

    spec = {
        "metrics": [asdict(m) for m in metrics.METRICS],
        "bugfix": [(r.id, r.name, r.description) for r in BUG_RULES]
        + [sorted(bugfix_rules.BUG_LABELS), bugfix_rules.CONVENTIONAL_FIX.pattern,
           bugfix_rules.KEYWORD.pattern],
        "incidents": [INCIDENT_RULES, REVERT_HORIZON],
        "practices": [(p.key, p.applies, p.paths.pattern, p.content and p.content.pattern)
                      for p in practice_rules.PRACTICES],
        "options": {"freq": opts.freq, "tz": opts.tz, "bots": opts.bots,
                    "business_hours": list(opts.business_hours or []), "window": opts.window,
                    "min_n": opts.min_n, "session_gap": opts.session_gap,
                    "session_allowance": opts.session_allowance},
    }
    text = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _no_ci_reason(info) -> str:
    if info.source == "github":
        return ("No check runs were synced for this repository: sync with "
                "`casestudy sync OWNER/NAME --checks` to analyse its CI.")
    return (f"Its data ({info.source}) has no CI check runs: only a GitHub sync with --checks, "
            "or an imported check_runs table, has them.")


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in d.items()}


def _partial_periods(a: PRArrays, last: np.ndarray, cal, lo_p: int, hi_p: int
                     ) -> dict[str, set[int]]:
    """Per repo, the periods its data stops inside (more than a day before their end);
    ``last`` is each repo's last time (``core.data_span``)."""
    out = {}
    for i, repo in enumerate(a.repos):
        end_local = int(cal.local_seconds(np.array([last[i]]))[0]) if last[i] >= 0 else -1
        out[repo] = {j for j in range(lo_p, hi_p + 1) if end_local >= 0
                     and cal.starts[j] * DAY <= end_local
                     and (cal.starts[j] + cal.days[j]) * DAY > end_local + DAY}
    return out


def _series(table: core.MetricTable, lo_p: int, hi_p: int,
            partial: dict[str, set[int]], min_n: int) -> list[MetricSeries]:
    out = []
    for m in metrics.METRICS:
        st = table.stats[m.key]
        extra_key = {"deploy_frequency": "days_per_week", "bugfix_share": "weighted",
                     "throughput": "reverts", "change_failure_rate": "failed"}.get(m.key)
        for i, repo in enumerate(table.repos):
            pts = []
            for j in range(lo_p, hi_p + 1):
                pts.append(SeriesPoint(
                    period=table.periods[j], n=int(st["n"][i, j]),
                    value=finite(st["value"][i, j]),
                    p75=finite(st["p75"][i, j]) if "p75" in st else None,
                    p90=finite(st["p90"][i, j]) if "p90" in st else None,
                    ci_low=finite(st["ci_low"][i, j]) if "ci_low" in st else None,
                    ci_high=finite(st["ci_high"][i, j]) if "ci_high" in st else None,
                    extra=finite(st[extra_key][i, j]) if extra_key else None,
                    partial=j in partial[repo],
                    small=bool(m.kind in ("duration", "share") and 0 < st["n"][i, j] < min_n)))
            exc = int(table.excluded[m.key][i, lo_p:hi_p + 1].sum()) if m.key in \
                table.excluded else 0
            out.append(MetricSeries(m.key, repo, pts, exc))
    return out


def _summary(opts: Options, w: Window, findings, partial: list[str], data_end: int) -> str:
    subj = [f for f in findings if f.repo == opts.subject and f.metric == "throughput"]
    n = subj[0].n if subj else 0
    peers = ", ".join(opts.peers) if opts.peers else "no peers"
    bots = {"exclude": "excluded", "include": "included", "only": "the only authors counted"}
    span = w.labels[0] if len(w.labels) == 1 else f"{w.labels[0]} to {w.labels[-1]}"
    s = (f"{opts.subject} merged {n:,} PR{'' if n == 1 else 's'} in {span} (the latest "
         f"window), compared with {peers}. Bots are "
         f"{bots[opts.bots]}; periods are calendar {opts.freq}s in {opts.tz}.")
    if opts.business_hours:
        o, c = opts.business_hours
        s += (f" PR durations count working hours only ({o:02d}:00–{c:02d}:00 Mon–Fri, "
              f"{opts.tz}); time to restore counts all hours.")
    if partial:
        until = datetime.fromtimestamp(data_end, UTC).strftime("%Y-%m-%d")
        s += (f" {', '.join(partial)} {'is' if len(partial) == 1 else 'are'} partial (data to "
              f"{until}): drawn as such and left out of the latest window.")
    return s


def _source(s, visible: set[str], reasons: dict[str, str]) -> SourceInfo:
    kinds = ["reviews", "deployments"]
    notes = []
    if "reviews" not in visible:
        notes.append(f"No reviews: {reasons.get('reviews', 'none in the data')}; first "
                     "response, review and merge stages are unavailable, not zero.")
    if "deployments" not in visible:
        notes.append(f"No deployments: {reasons.get('deployments', 'none in the data')}; lead "
                     "time is measured to the merge; deploy time, deployment frequency, change "
                     "failure rate and time to restore are unavailable.")
    if s.synthetic:
        notes.append("Synthetic demo data: generated, not a real repository.")
    return SourceInfo(s.repo, s.source, s.synthetic, s.deploy_source or "merges", s.prs,
                      s.merged, [k for k in kinds if k in visible],
                      [k for k in kinds if k not in visible], notes)


def _definition(m: metrics.Metric) -> Definition:
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


def _refs(store: Store, repo: str, rows_values: list[tuple[int, float, str]], metric: metrics.Metric
          ) -> list[PRRef]:
    prs = {p.number: p for p in store.pull_requests(repo, [n for n, _, _ in rows_values])}
    login = _has_logins(store, repo)
    out = []
    for number, value, why in rows_values:
        p = prs.get(number)
        if p is None:
            continue
        out.append(PRRef(repo, number, p.title, p.author, p.url, float(value),
                         metrics.format_value(metric, value), why, login))
    return out


def _has_logins(store: Store, repo: str) -> bool:
    """Whether the repo's authors are GitHub logins (a git clone knows names)."""
    return not store.repo_info(repo).source.startswith("git")


def _examples(store: Store, a: PRArrays, metric: str, lo: int, hi: int, cal, pop,
              fastest: bool, business_hours: tuple[int, int] | None = None,
              k: int = 3) -> list[PRRef]:
    m = metrics.get(metric)
    if m.kind != "duration" or m.key == "time_to_restore":
        return []
    d, rows = duration_sample(a, m, 0, lo, hi, cal, pop, business_hours)
    if not d.size:
        return []
    order = np.argsort(d, kind="stable")
    pick = order[:k] if fastest else order[::-1][:k]
    why = "among the fastest" if fastest else "among the slowest"
    return _refs(store, a.repos[0], [(int(a.number[rows[j]]), float(d[j]), why) for j in pick], m)


def notable_prs(store: Store, a: PRArrays, lo: int, hi: int, cal, pop,
                business_hours: tuple[int, int] | None = None,
                visible: set[str] = frozenset({"reviews"})) -> dict[str, list[PRRef]]:
    """Fastest/slowest merged, longest first-response wait, most discussed, reverted, largest
    (durations in working hours when ``business_hours`` is set, as the findings). A kind is
    listed only when the source measures what it ranks by: discussion needs review and
    comment data, size needs line counts."""
    repo = a.repos[0]
    out: dict[str, list[PRRef]] = {}
    cyc = metrics.get("cycle_time")
    d, rows = duration_sample(a, cyc, 0, lo, hi, cal, pop, business_hours)
    if d.size:
        order = np.argsort(d, kind="stable")
        out["Fastest merged"] = _refs(store, repo, [(int(a.number[rows[j]]), float(d[j]),
                                                     "first commit → merge")
                                                    for j in order[:3]], cyc)
        out["Slowest merged"] = _refs(store, repo, [(int(a.number[rows[j]]), float(d[j]),
                                                     "first commit → merge")
                                                    for j in order[::-1][:3]], cyc)
    fr = metrics.get("first_response")
    d, rows = duration_sample(a, fr, 0, lo, hi, cal, pop, business_hours)
    if d.size:
        order = np.argsort(d, kind="stable")[::-1][:3]
        out["Longest wait for a first response"] = _refs(
            store, repo, [(int(a.number[rows[j]]), float(d[j]), "ready → first response")
                          for j in order], fr)
    merged = pop & (a.repo_idx == 0) & in_window(a.times["merged_at"], lo, hi, cal)
    idx = np.flatnonzero(merged)
    count = metrics.Metric("comments", "Comments", "PRs", "count", "lower", "", "")
    if idx.size and "reviews" in visible and a.n_comments[idx].max() > 0:
        top = idx[np.argsort(a.n_comments[idx], kind="stable")[::-1][:3]]
        out["Most discussed"] = [
            r for r in _refs(store, repo, [(int(a.number[j]), float(a.n_comments[j]),
                                            "comments") for j in top], count)]
        for r in out["Most discussed"]:
            r.value_text = f"{int(r.value)} comment" + ("" if r.value == 1 else "s")
    size = (a.additions + a.deletions)[idx]
    if idx.size and size.max() > 0:
        top = idx[np.argsort(size, kind="stable")[::-1][:3]]
        out["Largest"] = _refs(store, repo, [(int(a.number[j]), float(
            a.additions[j] + a.deletions[j]), "lines changed") for j in top], count)
        for r in out["Largest"]:
            r.value_text = f"{int(r.value):,} line" + ("" if r.value == 1 else "s")
    if idx.size:
        rev = idx[a.is_revert[idx]][:5]
        reverted = []
        for p in store.pull_requests(repo, [int(a.number[j]) for j in rev]):
            if p.reverted_number:
                for o in store.pull_requests(repo, [p.reverted_number]):
                    reverted.append(PRRef(repo, o.number, o.title, o.author, o.url, None,
                                          f"reverted by #{p.number}", "reverted",
                                          _has_logins(store, repo)))
        out["Reverted"] = reverted
    return {k: v for k, v in out.items() if v}


__all__ = ["Options", "ReportError", "StoreError", "build_case_study"]
