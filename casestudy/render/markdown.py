"""Markdown renderer: the whole case study for a wiki, section by section as the outline lists
them. Reads the ``CaseStudy`` only; untrusted text (PR titles, logins, labels) goes through
``escape`` so it shows literally."""

from __future__ import annotations

from collections.abc import Callable

from ..document import CaseStudy, PRRef
from ..metrics import format_duration
from .escape import code, esc, prose, safe_url
from .outline import (
    Heading,
    cannot_show,
    first_appendix,
    get_more,
    headings,
    key_figure_order,
)

Write = Callable[[str], None]


TESTS_TABLE_PERIODS = 12  # periods of the changes-tests table the body prints

def pr_line(p: PRRef) -> str:
    link = safe_url(p.url)
    ref = f"[{p.sign}{p.number}]({link})" if link else f"{p.sign}{p.number}"
    by = f"@{esc(p.author, 60)}" if p.author_is_login else esc(p.author, 60)
    return f"{ref} {esc(p.title)} by {by} — {prose(p.value_text)}"


def _dur(v: float | None) -> str:
    return "not reached" if v is None else format_duration(v)


def _hours(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f} h"


def _executive(cs: CaseStudy, w: Write, h: Heading) -> None:
    e = cs.executive
    for p in e.paragraphs:
        w(prose(p))
        w("")
    for title, items in (("Strengths", e.strengths), ("Weaknesses", e.weaknesses),
                         ("Top recommendations", e.recommendations)):
        w(f"**{title}:** " + ("; ".join(prose(x) for x in items) if items else "none beyond "
                              "the noise") + ".")
        w("")
    if e.prs:
        w("Behind the numbers: " + "; ".join(pr_line(p) for p in e.prs))
        w("")
    w(f"Definitions hash `{cs.definitions_hash}`: reports with the same hash measure the same "
      "way.")
    w("")


def _verdict(cs: CaseStudy, w: Write, h: Heading) -> None:
    w(prose(cs.verdict))
    w("")


def _key_figures(cs: CaseStudy, w: Write, h: Heading) -> None:
    w("| Metric | Level | n | Trend | DORA band | Rank |")
    w("| --- | --- | ---: | --- | --- | --- |")
    for d in key_figure_order(cs):
        if d is next(x for x in key_figure_order(cs) if x.factor == d.factor):
            w(f"| *{'DORA ' + d.factor if d.factor else 'Flow, stages and people'}* "
              "| | | | | |")
        f = cs.finding(d.key)
        if f is None:
            continue
        if not f.visible:
            w(f"| {d.name} | unavailable from this source | | | | |")
            continue
        rank = f"{f.rank} of {f.of}" if f.rank else ""
        trend = f.trend_text or f.trend
        w(f"| {d.name} | {f.level_text} | {f.n:,} | {trend} | {f.band or ''} | {rank} |")
    w("")
    if cs.delivery is not None:
        w(f"**Delivery:** {prose(cs.delivery.text)}")
        w("")
    if cs.waiting is not None and cs.waiting.waiting:
        w(f"**Waiting for release:** {prose(cs.waiting.text)}")
        w("")


def _metric(cs: CaseStudy, w: Write, h: Heading) -> None:
    m = h.item
    f = cs.finding(m.key)
    w(f"*{m.formula}.* {prose(f.sentence) if f else ''}")
    w("")
    if f is not None and not f.visible:
        return
    series = [cs.series_for(m.key, r) for r in cs.repos]
    if not any(p.n for s in series if s for p in s.points):
        w(f"No {m.name.lower()} data in any period from {cs.period_from} to {cs.period_to}.")
        w("")
        return
    w("| Period | " + " | ".join(esc(r) for r in cs.repos) + " |")
    w("| --- |" + " ---: |" * len(cs.repos))
    marks = False
    for j, pt in enumerate(series[0].points if series[0] else []):
        cells = []
        for s in series:
            p = s.points[j]
            mark = ("†" if p.small else "") + ("‡" if p.partial else "")
            marks = marks or bool(mark)
            shown = p.n or (p.value is not None and m.counted)
            cells.append(f"{m.format(p.value, cs.freq)} (n={p.n:,}){mark}" if shown else "–")
        w(f"| {pt.period} | " + " | ".join(cells) + " |")
    w("")
    if marks:
        w(f"† fewer than {cs.options.get('min_n', 10)} {m.n_of}: shown, not used for "
          "trends. ‡ partial period: the data stops inside it.")
        w("")
    if f and f.examples:
        w("Examples: " + "; ".join(f"{pr_line(p)} ({prose(p.why)})" for p in f.examples))
        w("")


def _peers(cs: CaseStudy, w: Write, h: Heading) -> None:
    w("| Metric | " + " | ".join(esc(r) for r in cs.repos) + " |")
    w("| --- |" + " ---: |" * len(cs.repos))
    for d in cs.definitions:
        cells = []
        for r in cs.repos:
            f = cs.finding(d.key, r)
            if f is None or not f.visible:
                cells.append("unavailable")
            else:
                rank = f" (#{f.rank})" if f.rank else ""
                cells.append(f"{f.level_text}{rank}")
        w(f"| {d.name} | " + " | ".join(cells) + " |")
    w("")
    if cs.peer_caveat:
        w(f"*{prose(cs.peer_caveat)}*")
        w("")


def _drivers(cs: CaseStudy, w: Write, h: Heading) -> None:
    d = cs.drivers
    w(prose(d.text))
    w("")
    w(f"| Stage | {d.previous_span} | {d.latest_span} | change |")
    w("| --- | ---: | ---: | ---: |")
    for s in d.steps:
        w(f"| {s.name} | {_dur(s.previous)} (n={s.n_previous:,}) | {_dur(s.latest)} "
          f"(n={s.n_latest:,}) | {'+' if s.delta >= 0 else '−'}"
          f"{format_duration(abs(s.delta))} |")
    w("")


def _waits(cs: CaseStudy, w: Write, h: Heading) -> None:
    w(prose(cs.waits.text))
    w("")


def _work_pattern(cs: CaseStudy, w: Write, h: Heading) -> None:
    w(prose(cs.work_pattern.text))
    w("")


def _rhythm(cs: CaseStudy, w: Write, h: Heading) -> None:
    r = cs.rhythm
    if r.unavailable:
        w(prose(r.unavailable))
        w("")
    if r.decay:
        w(f"**{prose(r.decay)}**")
        w("")
    if r.composition:
        w(prose(r.composition))
        w("")
    w(prose(r.text))
    w("")
    if r.review is not None:
        w(prose(r.review.text))
        w("")
    for t in r.trends:
        w(f"- {prose(t.text)}")
    w("")



def _rhythm_detail(cs: CaseStudy, w: Write, h: Heading) -> None:
    """The work rhythm's per-period tables (an appendix: the section says what they show)."""
    r = cs.rhythm
    sized = any(p.size_median is not None for p in r.velocity)
    timed = any(p.cycle_median is not None for p in r.velocity)
    w(f"| Period | Merged {cs.change}s | Active authors | Per author |"
      + (" Median size |" if sized else "")
      + (" Median cycle time |" if timed else ""))
    w("| --- | ---: | ---: | ---: |" + " ---: |" * (sized + timed))
    for p in r.velocity:
        mark = "" if p.used else "*"
        per = "–" if p.per_author is None else f"{p.per_author:.2f}"
        size = "–" if p.size_median is None else f"{p.size_median:,.0f} lines"
        cyc = "–" if p.cycle_median is None else format_duration(p.cycle_median)
        w(f"| {p.period}{mark} | {p.merged:,} | {p.authors:,} | {per} |"
          + (f" {size} |" if sized else "") + (f" {cyc} |" if timed else ""))
    w("")
    w(f"\\* left out of the trend tests (partial period or fewer than 5 merged {cs.change}s).")
    w("")
    if any(s.hours_gap is not None for s in r.sessions):
        w(f"Coding hours per active author per week (gap rule: a session ends after "
          f"{r.gap_minutes:.0f} min; hidden Markov model; {r.allowance_minutes:.0f} min added "
          "per session):")
        w("")
        w("| Period | Active authors | Commits | Sessions (gap) | Hours (gap) | Sessions (HMM) "
          "| Hours (HMM) |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for s in r.sessions:
            w(f"| {s.period} | {s.active_authors:,} | {s.commits:,} | {s.sessions_gap:,} | "
              f"{_hours(s.hours_gap)} | {s.sessions_hmm:,} | {_hours(s.hours_hmm)} |")
        w("")

def _people(cs: CaseStudy, w: Write, h: Heading) -> None:
    p = cs.people
    if p.newcomer_finding:
        w(f"**{prose(p.newcomer_finding)}**")
        w("")
    w(prose(p.text))
    w("")
    w(f"*Cohorts: {prose(p.cohort_rule)}.*")
    w("")
    w(f"| Cohort | {cs.change}s | people | first response (n) | merged of closed | "
      "cycle time (n) |")
    w("| --- | ---: | ---: | ---: | ---: | ---: |")
    for c in p.cohorts:
        fr = f"{_dur(c.first_response)} ({c.first_response_n:,})" if c.first_response_n else "–"
        rate = f"{c.merge_rate:.0%} of {c.merge_n:,}" if c.merge_rate is not None else "–"
        cyc = f"{_dur(c.cycle)} ({c.cycle_n:,})" if c.cycle_n else "–"
        w(f"| {c.name} | {c.prs:,} | {c.authors:,} | {fr} | {rate} | {cyc} |")
    w("")
    if p.reviewers:
        w("| Reviewer | reviews | first responses | share | median first-response wait |")
        w("| --- | ---: | ---: | ---: | ---: |")
        for r in p.reviewers:
            wait = _dur(r.median_wait) if r.median_wait is not None else "–"
            reviews = f"{r.reviews:,}" if r.reviews is not None else "–"
            w(f"| {esc(r.name, 60)} | {reviews} | {r.responses:,} | {r.share:.0%} | {wait} |")
        w("")


def _ci(cs: CaseStudy, w: Write, h: Heading) -> None:
    ci = cs.ci
    w(prose(ci.text))
    w("")
    for c in ci.clusters:
        w(f"- Fail together: {', '.join(code(j) for j in c)}")
    w("")
    w(f"Reduced job set for {cs.change}s ({len(ci.kept)} of {len(ci.jobs)} jobs, recall "
      f"{ci.recall:.0%}): {', '.join(code(j) for j in ci.kept) or 'none needed'}.")
    w("")
    w(f"| Job | {cs.change}s failed | p50 | p90 | flaky commits |")
    w("| --- | ---: | ---: | ---: | ---: |")
    for j in ci.jobs:
        p50, p90 = ci.duration_p50.get(j), ci.duration_p90.get(j)
        w(f"| {code(j)} | {ci.failures.get(j, 0):,} | "
          f"{format_duration(p50) if p50 is not None else '–'} | "
          f"{format_duration(p90) if p90 is not None else '–'} | "
          f"{ci.flaky.get(j, 0)} |")
    w("")
    w("Job names are normalised before counting: " + "; ".join(prose(r) for r in ci.rules)
      + ".")
    w("")


def _practices(cs: CaseStudy, w: Write, h: Heading) -> None:
    p = cs.practices
    w(prose(p.text))
    if p.history_note:
        w("")
        w(f"*{prose(p.history_note)}*")
    w("")
    w("| Practice | Applies to | Status | Evidence at HEAD | First appeared |")
    w("| --- | --- | --- | --- | --- |")
    for r in p.rows:
        ev = ", ".join(code(e) for e in r.evidence) + (f" and {r.more:,} more" if r.more else "")
        applies = "every project" if r.applies == "all" else "ML projects"
        w(f"| {r.name} | {applies} | {r.status} | {ev or 'none at HEAD'} | "
          f"{esc(r.first_seen)} |")
    w("")
    shown = [s for s in p.tests_with_code if s.code_prs]
    if shown:
        more = len(shown) - TESTS_TABLE_PERIODS
        shown = shown[-TESTS_TABLE_PERIODS:]  # a body section, not a data dump
        w(f"Merged {cs.change}s that changed code, and the share that also changed tests"
          + (f" (the latest {len(shown)} periods; {more} earlier ones are in the JSON export "
             "and the app):" if more > 0 else ":"))
        w("")
        w(f"| Period | {cs.change}s changing code | also changing tests | share |")
        w("| --- | ---: | ---: | ---: |")
        for s in shown:
            w(f"| {s.period} | {s.code_prs:,} | {s.with_tests:,} | {s.share:.0%} |")
        w("")


def _statements(cs: CaseStudy, w: Write, h: Heading) -> None:
    items = cs.strengths if h.key == "strengths" else cs.weaknesses
    if not items:
        w("Nothing stands out beyond the noise.")
    for s in items:
        w(f"- **{prose(s.title)}.** {prose(s.brief)}")
        for p in s.examples:
            w(f"  - {pr_line(p)} ({prose(p.why)})")
    w("")


def _recommendations(cs: CaseStudy, w: Write, h: Heading) -> None:
    if not cs.recommendations:
        w("No rule in the catalogue fired on this data.")
    for i, r in enumerate(cs.recommendations, 1):
        w(f"{i}. **{prose(r.title)}** — {prose(r.action)}")
        w(f"   - Evidence: {prose(r.evidence)}")
        if r.triggers:
            w("   - Triggered by: " + "; ".join(
                f"{prose(cs.label(e.metric))}: {prose(e.value_text)}" for e in r.triggers))
        if r.checked:
            w("   - Checked: " + "; ".join(prose(x) for x in r.checked))
        w(f"   - Expected effect: {prose(r.effect)}")
        first = next(k for k, x in enumerate(cs.recommendations, 1)
                     if x.reference == r.reference)
        w(f"   - Reference: {prose(r.reference)}" if first == i
          else f"   - Reference: as for {first} above.")
    w("")


def _notable(cs: CaseStudy, w: Write, h: Heading) -> None:
    for kind, prs in cs.notable_prs.items():
        w(f"**{esc(kind)}**")
        w("")
        for p in prs:
            w(f"- {pr_line(p)}")
        w("")


def _definitions(cs: CaseStudy, w: Write, h: Heading) -> None:
    if cs.benchmark_note:
        w(prose(cs.benchmark_note))
        w("")
    for d in cs.definitions:
        bands = f" DORA 2024 bands: {'; '.join(d.bands)}." if d.bands else ""
        note = f" {d.band_note}" if d.band_note else ""
        better = "lower" if d.lower_is_better else "higher"
        w(f"- **{d.name}** ({d.unit}; {better} is better): {d.formula}. {d.explanation}"
          f"{bands}{note}")
    w("")


def _completeness(cs: CaseStudy, w: Write, h: Heading) -> None:
    for s in cs.sources:
        can = ", ".join(s.can_see) or "none"
        cannot = f"cannot see {', '.join(s.cannot_see)}" if s.cannot_see else "nothing missing"
        w(f"- **{esc(s.repo)}**: source {code(s.source)}, deployments from "
          f"{code(s.deploy_source)}; {s.prs:,} {cs.change}s ({s.merged:,} merged); sees {can}; "
          f"{cannot}. " + " ".join(prose(n) for n in s.notes))
    w("")
    if cs.waits and cs.waits.periods:
        w(f"Naive (over {cs.change}s that got there) vs censoring-aware (Kaplan–Meier, over "
          f"every {cs.change} that started waiting) medians:")
        w("")
        w(f"| Wait | Period | {cs.change}s | censored | naive median | "
          "Kaplan–Meier median (95% CI) |")
        w("| --- | --- | ---: | ---: | ---: | --- |")
        for e in cs.waits.periods:
            if not e.n:
                continue
            km = _dur(e.median) + (f" ({_dur(e.median_low)}–{_dur(e.median_high)})"
                                   if e.median is not None else "")
            w(f"| {'first response' if e.measure == 'first_response' else 'open → merge'} | "
              f"{e.span} | {e.n:,} | {e.censored:,} | {_dur(e.naive_median)} | {km} |")
        w("")
    for c in cs.completeness:
        exc = ", ".join(f"{k} {v}" for k, v in c.excluded.items() if v) or "none"
        hits = ", ".join(f"{k} {v:,}" for k, v in c.rule_hits.items())
        w(f"- **{esc(c.repo)}**: bots excluded {c.bots_excluded:,}; open drafts "
          f"{c.drafts_open:,}; negative durations dropped: {exc}; bug-fix rule hits: {hits}.")
    if cs.completeness and cs.completeness[0].classifier_accuracy:
        w("- Classifiers measured against hand-labelled data (`tests/data/labels`): "
          f"{cs.completeness[0].classifier_accuracy}.")
    w("")


# Each outline section's Markdown writer, by section key: it writes the body under the heading
# of a present section (a missing one gets its stand-in sentence instead).
def _generic(cs: CaseStudy, w: Write, h: Heading) -> None:
    """A section without a writer of its own: its content's text and table."""
    part = h.section.content(cs) if h.section.content else None
    if part is None:
        raise KeyError(f"section {h.section.key!r} has neither a Markdown writer nor content")
    for para in str(getattr(part, "text", "") or "").split("\n\n"):
        if para.strip():
            w(prose(para.strip()))
            w("")
    headers, rows = getattr(part, "headers", None), getattr(part, "rows", None)
    if headers and rows:
        w("| " + " | ".join(esc(x) for x in headers) + " |")
        w("|" + "---|" * len(headers))
        for r in rows:
            w("| " + " | ".join(esc(x) for x in r) + " |")
        w("")


def _cannot_show(cs: CaseStudy, w: Write, h: Heading) -> None:
    for title, why in cannot_show(cs):
        w(f"- **{esc(title)}**: {prose(why)}")
    w("")
    more = get_more(cs)
    if more:
        w(prose(more))
        w("")


WRITERS: dict[str, Callable[[CaseStudy, Write, Heading], None]] = {
    "executive": _executive, "verdict": _verdict, "key_figures": _key_figures,
    "metric": _metric, "peers": _peers, "drivers": _drivers, "waits": _waits,
    "work_pattern": _work_pattern, "rhythm": _rhythm,
    "rhythm_detail": _rhythm_detail, "people": _people, "ci": _ci,
    "practices": _practices, "strengths": _statements, "weaknesses": _statements,
    "recommendations": _recommendations, "notable": _notable, "definitions": _definitions,
    "completeness": _completeness, "cannot_show": _cannot_show,
}


def render_markdown(cs: CaseStudy) -> str:
    out: list[str] = []
    w = out.append
    w(f"# Engineering case study: {esc(cs.subject)}")
    w("")
    if cs.synthetic:
        w("> **Synthetic demo data** — generated repositories, not real ones.")
        w("")
    w(f"## {prose(cs.headline)}")
    w("")
    w(f"*{prose(cs.summary)}* Period {cs.period_from} to {cs.period_to}; latest window "
      f"{cs.window[0]} to {cs.window[-1]}. Generated {cs.generated_at}.")
    w("")
    appendix = first_appendix(cs)
    for h in headings(cs):
        if h.key == appendix:
            w("# Appendices")
            w("")
        w(f"## {h.title}")
        w("")
        if h.present:
            WRITERS.get(h.section.key, _generic)(cs, w, h)
        else:
            w(prose(h.missing))
            w("")
    return "\n".join(out)
