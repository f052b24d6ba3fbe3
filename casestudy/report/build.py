"""Build one ``CaseStudy`` from the store: load arrays, compute the metric table, find, judge,
recommend, and pick the notable PRs. This is the only place the pipeline is wired together.

Between analysis and rendering stands the gate (``analysis.gate``): every claim (headline,
verdict, strengths, weaknesses, summary sentences) and every recommendation is judged on its
evidence and on the whole report; what it refuses is kept in the document (``claims`` with
``refused``, ``refused_recommendations``), and only what passed is rendered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from .. import classifier_check, core, metrics
from ..analysis import ai as ai_analysis
from ..analysis import claims as claim_rules
from ..analysis import gate
from ..analysis.ci import CIReport
from ..analysis.ci import analyse_table as analyse_ci
from ..analysis.ci import section as ci_section
from ..analysis.delivery import delivery as delivery_kind
from ..analysis.drivers import drivers
from ..analysis.facts import Facts, compute_facts
from ..analysis.findings import findings_for
from ..analysis.frame import Frame, ReportError, frame_for
from ..analysis.people import section as people_section
from ..analysis.practices import facts as practice_facts
from ..analysis.practices import section as practice_section
from ..analysis.recommendations import recommend
from ..analysis.rhythm import facts as rhythm_facts
from ..analysis.rhythm import section as rhythm_section
from ..analysis.summary import executive, summary_claims
from ..analysis.waiting import waiting as waiting_for_release
from ..analysis.waits import section as waits_section
from ..analysis.window import finite
from ..analysis.work_patterns import work_pattern
from ..bugfix_rules import RULES as BUG_RULES
from ..core.threads import threads_for
from ..document import (
    AISection,
    CaseStudy,
    Claim,
    Completeness,
    Definition,
    Delivery,
    Drivers,
    Executive,
    Finding,
    MetricSeries,
    PeopleSection,
    PracticeSection,
    PRRef,
    Recommendation,
    RhythmSection,
    SeriesPoint,
    SourceInfo,
    Statement,
    WaitsSection,
    WorkPattern,
)
from ..model import PRArrays
from ..options import Options
from ..source_kinds import MERGES, kind_of
from ..store import RepoSummary, Store, StoreError
from .notable import examples, has_logins, notable_prs
from .words import in_forge_words


def _capabilities(a: PRArrays, infos: dict) -> tuple[dict[str, set[str]],
                                                     dict[str, dict[str, str]]]:
    """Per repo, what its data can measure ("reviews", "checks", "deployments") and, for what it
    cannot, why — in its source kind's words for the reader, with the option that would change
    it."""
    visible: dict[str, set[str]] = {}
    reasons: dict[str, dict[str, str]] = {}
    for i, repo in enumerate(a.repos):
        sel = a.repo_idx == i
        missing = kind_of(infos[repo].source).missing
        v, why = set(), {}
        if (a.times["first_response_at"][sel] >= 0).any():
            v.add("reviews")
        else:
            why["reviews"] = missing.reviews
        if (a.times["checks_started_at"][sel] >= 0).any():
            v.add("checks")
        else:
            why["checks"] = missing.checks
        if a.deploy_times.get(repo, np.zeros(0)).size and infos[repo].deploy_source != MERGES:
            v.add("deployments")
        else:
            why["deployments"] = missing.deployments
        visible[repo], reasons[repo] = v, why
    return visible, reasons


def build_case_study(store: Store, opts: Options) -> CaseStudy:
    """The case study of ``opts.subject`` beside its peers, step by step."""
    a = _load(store, opts)
    with threads_for(a.n):
        return _build(store, opts, a)


def _build(store: Store, opts: Options, a: PRArrays) -> CaseStudy:
    infos = {s.repo: s for s in store.summary()}
    frame = frame_for(a, opts, *_capabilities(a, infos))
    table = _table(frame)
    findings = _findings(store, frame, table)
    sections = _sections(store, frame, table, infos[opts.subject])
    sections.people.text += ai_analysis.people_note(sections.ai)  # AI reviewers: apart
    if sections.ai is not None:  # the latest AI-assisted PRs, with their tool, as references
        marks = store.ai_marks(opts.subject)
        sections.ai.examples = [
            PRRef(p.repo, p.number, p.title, p.author, p.url, None, marks[p.number][1],
                  ", ".join(marks[p.number][0]))
            for p in sorted(store.pull_requests(opts.subject, sections.ai.latest),
                            key=lambda p: -(p.merged_at or 0))]
    delivery = delivery_kind(frame, infos[opts.subject].deploy_source)
    judged = _Judgement.of(opts.subject, findings, sections.rhythm, opts.min_n, delivery)
    facts = _facts(store, frame, sections)
    project = claim_rules.project_kind(infos[opts.subject].deploy_source or "merges",
                                       sections.practices, delivery)
    sees = set(frame.visible[opts.subject]) | (
        {"labels"} if kind_of(infos[opts.subject].source).labels else set())
    recs, refused_recs = gate.judge_recommendations(
        recommend(findings, opts.subject, facts, sections.practices, project, sees, opts.min_n),
        gate.Context(
            practices=None if sections.practices is None else {
                r.key for r in sections.practices.rows if r.status == "present"},
            signals=None if sections.practices is None else sections.practices.signals,
            sees=sees, project=project["kind"], ml=project["ml"],
            strengths={c.metric for c in judged.strengths}))
    notable = notable_prs(store, frame)
    sentences, people = summary_claims(
        opts.subject, frame.window_text, findings, notable,
        store.responder_counts(opts.subject, frame.lo, frame.hi),
        store.author_counts(opts.subject, frame.lo, frame.hi), sections.rhythm,
        sections.practices, has_logins(store, opts.subject), opts.min_n, delivery)
    sentences += ai_analysis.claims(sections.ai, frame)
    judged.claims += gate.judge([*judged.said, *sentences])[len(judged.said):]
    summary_page = executive(judged.headline, sentences, people, judged.strengths,
                             judged.weaknesses, recs)
    doc = _document(frame, table, infos, findings, judged, sections, facts, recs, notable,
                    summary_page, refused_recs, project, delivery)
    return in_forge_words(doc, kind_of(infos[opts.subject].source))


def _load(store: Store, opts: Options) -> PRArrays:
    """The subject's and the peers' PRs as arrays (subject first)."""
    repos = [opts.subject, *[p for p in opts.peers if p != opts.subject]]
    if len(set(repos)) != len(repos):
        raise ReportError("a peer is listed twice")
    a = store.load_arrays(repos)
    if not (a.repo_idx == 0).any():
        raise ReportError(f"{opts.subject} has no pull requests in the store")
    return a


def _table(frame: Frame) -> core.MetricTable:
    """The metric table per (repo, period), over the frame's calendar."""
    opts = frame.opts
    table = core.compute_table(frame.arrays, calendar=frame.cal, bots=opts.bots,
                               business_hours=opts.business_hours, ci=True, span=frame.span)
    table.options["range"] = (frame.lo_p, frame.hi_p)
    table.options["partial"] = frame.partial
    return table


def _findings(store: Store, frame: Frame, table: core.MetricTable) -> list[Finding]:
    """Every metric's finding per repository, the subject's with example PRs."""
    findings = findings_for(frame, table)
    for f in findings:
        if f.repo == frame.subject:
            f.examples = examples(store, frame, f.metric)
    return findings


@dataclass
class _Judgement:
    """The strengths and weaknesses that passed the gate, and the headline and verdict written
    from them; ``claims`` holds every claim made, the refused ones with their reason."""

    headline: str
    verdict: str
    strengths: list[Statement]
    weaknesses: list[Statement]
    claims: list[Claim]

    @property
    def said(self) -> list[Claim]:
        return [c for c in self.claims if not c.refused]

    @classmethod
    def of(cls, subject: str, findings: list[Finding], rhythm: RhythmSection | None,
           min_n: int, delivery: Delivery | None = None) -> _Judgement:
        good, bad, refused = claim_rules.strengths_weaknesses(
            subject, findings, min_n, extra_weaknesses=claim_rules.velocity_decay(rhythm))
        claim_rules.frame_for_delivery([*good, *bad, *refused], delivery)
        refused += [c for c in [*good, *bad] if c.refused]
        good, bad = [c for c in good if not c.refused], [c for c in bad if not c.refused]
        top = gate.judge(claim_rules.headline_and_verdict(subject, good, bad, findings))
        head = next((c.text for c in top if c.kind == "headline" and not c.refused),
                    "Too little data for a verdict")
        verdict = " ".join(c.text for c in top if c.kind == "verdict" and not c.refused)
        return cls(head, verdict, good, bad, [*top, *good, *bad, *refused])


@dataclass
class _Sections:
    """The subject's analysis sections beyond the metric findings."""

    ci_report: CIReport | None
    rhythm: RhythmSection
    people: PeopleSection
    practices: PracticeSection | None
    waits: WaitsSection
    drivers: Drivers | None
    work_pattern: WorkPattern
    ai: AISection | None = None


def _sections(store: Store, frame: Frame, table: core.MetricTable, info: RepoSummary
              ) -> _Sections:
    subject = frame.subject
    pr_people = store.pr_people(subject)
    audit = store.audit(subject)
    rhythm = rhythm_section(frame, table, store.commit_arrays(subject), pr_people, info.source)
    return _Sections(
        ci_report=analyse_ci(store.check_run_table(subject)),
        rhythm=rhythm,
        people=people_section(frame, pr_people, store.review_counts(subject, frame.lo, frame.hi),
                              store.associations(subject)),
        practices=practice_section(frame, audit, store.pr_changes(subject)) if audit else None,
        waits=waits_section(frame, info.source),
        drivers=drivers(frame),
        work_pattern=work_pattern(frame, set(rhythm.peaks)),
        ai=ai_analysis.section(frame, store.ai_marks(subject), store.reverted_numbers(subject),
                               store.reworked(subject), store.ai_reviews(subject),
                               store.ai_commit_counts(subject), audit),
    )


def _facts(store: Store, frame: Frame, sections: _Sections) -> Facts:
    """What the recommendation rules read besides the findings."""
    subject, lo, hi = frame.subject, frame.lo, frame.hi
    facts = compute_facts(frame, store.titles(subject, lo, hi),
                          store.responder_counts(subject, lo, hi),
                          store.quick_reverts(subject, lo, hi, 48 * 3600), sections.ci_report)
    return facts.with_(**rhythm_facts(sections.rhythm),
                       newcomer_finding=sections.people.newcomer_finding,
                       **practice_facts(sections.practices))


def _document(frame: Frame, table: core.MetricTable, infos: dict, findings: list[Finding],
              judged: _Judgement, sections: _Sections, facts: Facts,
              recs: list[Recommendation], notable: dict[str, list[PRRef]],
              summary_page: Executive, refused_recs: list[Recommendation],
              project: dict, delivery: Delivery | None) -> CaseStudy:
    """Everything in one ``CaseStudy`` for the renderers."""
    opts, cal, repos = frame.opts, frame.cal, frame.repos
    info = infos[opts.subject]
    return CaseStudy(
        subject=opts.subject, peers=repos[1:], period_from=cal.labels[frame.lo_p],
        period_to=cal.labels[frame.hi_p], freq=opts.freq, tz=opts.tz,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        synthetic=any(infos[r].synthetic for r in repos),
        headline=judged.headline, verdict=judged.verdict,
        summary=_summary(opts, frame, findings), window=frame.window.labels,
        sources=[_source(infos[r], frame.visible[r], frame.reasons[r]) for r in repos],
        series=_series(table, frame.lo_p, frame.hi_p, frame.partial_by_repo, opts.min_n),
        findings=findings, strengths=judged.strengths, weaknesses=judged.weaknesses,
        recommendations=recs, notable_prs=notable,
        definitions=[_definition(m) for m in metrics.METRICS],
        completeness=[_completeness(frame.arrays, table, i, frame.lo_p, frame.hi_p)
                      for i in range(len(repos))],
        options={"bots": opts.bots, "business_hours": list(opts.business_hours or []),
                 "min_n": opts.min_n, "window": len(frame.window.periods),
                 "facts": facts.as_dict(), "session_gap": opts.session_gap,
                 "session_allowance": opts.session_allowance},
        work_pattern=sections.work_pattern,
        ci=ci_section(sections.ci_report, opts.subject) if sections.ci_report else None,
        ci_unavailable="" if sections.ci_report else _no_ci_reason(info),
        rhythm=sections.rhythm, practices=sections.practices, executive=summary_page,
        drivers=sections.drivers, people=sections.people, waits=sections.waits,
        definitions_hash=definitions_hash(opts),
        practices_unavailable="" if sections.practices else kind_of(info.source).missing.tree,
        waiting=waiting_for_release(frame, info.deploy_source),
        delivery=delivery,
        benchmark_note=metrics.BENCHMARK_NOTE,
        peer_caveat=metrics.PEER_CAVEAT if len(repos) > 1 else "",
        claims=judged.said, refused_claims=[c for c in judged.claims if c.refused],
        refused_recommendations=refused_recs, project=project, ai=sections.ai,
    )


def definitions_hash(opts: Options) -> str:
    """A short hash of everything that decides what a figure means: the metric registry, the
    bug-fix, incident and practice rules, and the report's options (not its subject, peers or
    period). Two reports with the same hash measure the same way."""
    import hashlib
    import json
    from dataclasses import asdict

    from .. import ai_rules, bugfix_rules, practice_rules
    from ..model import INCIDENT_RULES, REVERT_HORIZON
    from ..sources import reverts

    spec = {
        "metrics": [asdict(m) for m in metrics.METRICS],
        "bugfix": [(r.id, r.name, r.description) for r in BUG_RULES]
        + bugfix_rules.definition(),
        "incidents": [INCIDENT_RULES, REVERT_HORIZON, reverts.definition()],
        "ai": ai_rules.definition(),
        "practices": [(p.key, p.applies, p.paths.pattern, p.content and p.content.pattern)
                      for p in practice_rules.PRACTICES]
        + [practice_rules.TRACKERS, sorted(practice_rules.TRACKER_SETTINGS),
           practice_rules.DEV_DIRS.pattern, practice_rules.LOCAL_INSTALL.pattern],
        "options": {"freq": opts.freq, "tz": opts.tz, "bots": opts.bots,
                    "business_hours": list(opts.business_hours or []), "window": opts.window,
                    "min_n": opts.min_n, "session_gap": opts.session_gap,
                    "session_allowance": opts.session_allowance},
    }
    text = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _no_ci_reason(info) -> str:
    return kind_of(info.source).missing.ci


def _series(table: core.MetricTable, lo_p: int, hi_p: int,
            partial: dict[str, set[int]], min_n: int) -> list[MetricSeries]:
    out = []
    for m in metrics.METRICS:
        st = table.stats[m.key]
        extra_key = m.how.extra  # the stat its kind shows beside the value
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


def _summary(opts: Options, frame: Frame, findings) -> str:
    subj = [f for f in findings if f.repo == opts.subject and f.metric == "throughput"]
    n = subj[0].n if subj else 0
    peers = ", ".join(opts.peers) if opts.peers else "no peers"
    bots = {"exclude": "excluded", "include": "included", "only": "the only authors counted"}
    s = (f"{opts.subject} merged {n:,} PR{'' if n == 1 else 's'} in {frame.window_text} (the "
         f"latest window), compared with {peers}. Bots are "
         f"{bots[opts.bots]}; periods are calendar {opts.freq}s in {opts.tz}.")
    if opts.business_hours:
        o, c = opts.business_hours
        s += (f" PR durations count working hours only ({o:02d}:00–{c:02d}:00 Mon–Fri, "
              f"{opts.tz}); time to restore counts all hours.")
    partial = [frame.cal.labels[j] for j in frame.partial]
    if partial:
        until = datetime.fromtimestamp(frame.data_end, UTC).strftime("%Y-%m-%d")
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
    if s.landings:
        notes.append(s.landings[0].upper() + s.landings[1:] + ".")
    if s.branches:
        notes.append(s.branches[0].upper() + s.branches[1:] + ".")
    if s.releases:
        notes.append(f"Releases: {s.releases}")
    if s.synthetic:
        notes.append("Synthetic demo data: generated, not a real repository.")
    return SourceInfo(s.repo, s.source, s.synthetic, s.deploy_source or "merges", s.prs,
                      s.merged, [k for k in kinds if k in visible],
                      [k for k in kinds if k not in visible], notes, kind_of(s.source).get_more)


def _definition(m: metrics.Metric) -> Definition:
    return Definition(m.key, m.name, m.unit, m.formula, m.explanation, m.direction,
                      [f"{b.name}: {b.text}" for b in m.bands], m.band_note, kind=m.kind,
                      n_of=m.n_of, stage=m.key in metrics.STAGES,
                      working_hours=m.kind == "duration" and m.end is not None,
                      factor=m.factor)


def _completeness(a: PRArrays, table: core.MetricTable, i: int, lo_p: int, hi_p: int):
    sel = a.repo_idx == i
    hits = table.rule_hits.get(a.repos[i], np.zeros(len(BUG_RULES) + 1))
    return Completeness(
        repo=a.repos[i],
        n_per_period={table.periods[j]: int(table.stats["throughput"]["n"][i, j])
                      for j in range(lo_p, hi_p + 1)},
        excluded={k: int(v[i, lo_p:hi_p + 1].sum()) for k, v in table.excluded.items()},
        bots_excluded=int((a.is_bot & sel).sum()) if table.options["bots"] == "exclude" else 0,
        drafts_open=int((a.is_draft & sel).sum()),
        rule_hits={r.name: int(hits[r.id]) for r in BUG_RULES},
        classifier_accuracy=classifier_check.summary(),  # measured, never at report time
    )


__all__ = ["Options", "ReportError", "StoreError", "build_case_study"]
