"""Claims as data: the headline, the verdict, the strengths and weaknesses and the velocity-decay
weakness built from the findings, each carrying the evidence it rests on (``Evidence``: metric,
window, value, n, comparison, test and p, band, rank, which peers had data), and the project's
kind (a library with versioned releases or a service that deploys, ML or not) that the
recommendations are framed for. The gate (``analysis.gate``) decides which claims are said.
"""

from __future__ import annotations

from .. import metrics
from ..document import Claim, Delivery, Evidence, Finding, PracticeSection, RhythmSection
from . import gate
from .gate import words_in


def evidence_of(f: Finding, findings: list[Finding], min_n: int) -> Evidence:
    """A finding as evidence: its figures, and which peers had data for its rank."""
    m = metrics.get(f.metric)
    peers = [g.repo for g in findings if g.metric == f.metric and g.repo != f.repo
             and g.rank is not None]
    favourable = {"improving": True, "worsening": False}.get(f.trend)
    return Evidence(
        metric=f.metric, repo=f.repo, window=list(f.window), value=f.level,
        value_text=f.level_text, n=f.n, min_n=min_n if m.how.sized else 0,
        previous=f.previous, change=f.change, test=m.how.test, p_value=f.p_value,
        trend=f.trend, favourable=favourable, band=f.band, rank=f.rank, of=f.of,
        peers_with_data=peers, threshold=m.how.concern_above, visible=f.visible,
        too_few=f.too_few)


def _claim(f: Finding, findings: list[Finding], positive: bool, min_n: int) -> Claim:
    m = metrics.get(f.metric)
    title = m.wording(positive)
    title = title[0].upper() + title[1:]
    kind = "strength" if positive else "weakness"
    return Claim(metric=f.metric, title=title, text=f.sentence, examples=list(f.examples),
                 kind=kind, polarity="positive" if positive else "negative",
                 words=words_in(title), evidence=[evidence_of(f, findings, min_n)],
                 key=f"{kind}:{f.metric}")


def frame_for_delivery(claims: list[Claim], delivery: Delivery | None) -> None:
    """A project shipping versioned releases is judged on its release cadence: its
    deployment-frequency claims speak of releases, not deployments (DORA's bands are written for
    services that deploy on demand). When its tags may not be its deliveries at all (sparse tags,
    many merges each), no claim rests on its deployment frequency."""
    if delivery is not None and delivery.kind == "unclear":
        for c in claims:
            if c.metric == "deploy_frequency" and not c.refused:
                c.refused = ("its release tags are sparse beside its merges, so they may not "
                             "be how it is delivered")
        return
    if delivery is None or delivery.kind != "release train":
        return
    for c in claims:
        if c.metric == "deploy_frequency":
            c.title = c.title.replace("deployments", "releases").replace(
                "Deployments", "Releases")


def strengths_weaknesses(subject: str, findings: list[Finding], min_n: int, limit: int = 4,
                         extra_weaknesses: list[Claim] | None = None
                         ) -> tuple[list[Claim], list[Claim], list[Claim]]:
    """(strengths, weaknesses, refused): the candidates the findings' scores put forward, most
    telling first, each passed through the gate until ``limit`` of a kind have passed; a
    candidate the gate refuses is kept with its reason. A metric that is already a strength
    cannot also be a weakness (the gate refuses the second)."""
    mine = [f for f in findings if f.repo == subject and f.visible and f.level is not None]
    good = sorted((f for f in mine if f.score >= 0.15), key=lambda f: -f.score)
    bad = sorted((f for f in mine if f.score <= -0.15), key=lambda f: f.score)
    refused: list[Claim] = []
    passed: list[Claim] = []
    out: tuple[list[Claim], list[Claim]] = ([], [])
    for positive, fs, into in ((True, good, out[0]), (False, bad, out[1])):
        cands = [_claim(f, findings, positive, min_n) for f in fs]
        if not positive:
            cands = (extra_weaknesses or []) + cands
        for c in cands:
            if len(into) >= limit:
                break
            c.refused = gate.refusal(c) or gate.conflict(c, passed)
            (refused if c.refused else into).append(c)
            if not c.refused:
                passed.append(c)
    return out[0], out[1], refused


def headline_and_verdict(subject: str, strengths: list[Claim], weaknesses: list[Claim],
                         findings: list[Finding]) -> list[Claim]:
    """The headline and the verdict's sentences, written only from claims that passed the gate:
    the strongest strength and the most serious weakness among the metrics that may head a
    report (volumes are context)."""
    score = {f.metric: f.score for f in findings if f.repo == subject
             if metrics.get(f.metric).how.in_verdict}
    score["velocity"] = -0.15  # heads a report only when no metric weakness does

    def top(cs: list[Claim], best: bool) -> Claim | None:
        ok = [c for c in cs if c.metric in score]
        return (max if best else min)(ok, key=lambda c: score[c.metric], default=None)

    best, worst = top(strengths, True), top(weaknesses, False)
    parts = [c for c in (best, worst) if c is not None]
    out: list[Claim] = []
    if parts:
        text = ", ".join([parts[0].title] + [c.title[0].lower() + c.title[1:]
                                             for c in parts[1:]])
        out.append(Claim(metric=parts[0].metric, title=text, text=text, kind="headline",
                         polarity="neutral", words=words_in(text),
                         evidence=[e for c in parts for e in c.evidence],
                         key="headline"))
    else:
        out.append(Claim(metric="", title="Too little data for a verdict",
                         text="Too little data for a verdict", kind="headline", key="headline"))
    if best is not None:
        name = _name(best.metric)
        out.append(Claim(metric=best.metric, title=f"Excels in {name}",
                         text=f"{subject} excels in {name}: {best.brief}", kind="verdict",
                         polarity="positive", words=["excels"], evidence=list(best.evidence),
                         key="verdict:best"))
    if worst is not None:
        name = _name(worst.metric)
        lead = "It needs" if best is not None else f"{subject} needs"
        out.append(Claim(metric=worst.metric, title=f"Needs improvement in {name}",
                         text=f"{lead} improvement in {name}: {worst.brief}", kind="verdict",
                         polarity="negative", words=["needs improvement"],
                         evidence=list(worst.evidence), key="verdict:worst"))
    if best is None and worst is None:
        out.append(Claim(metric="", title="No verdict",
                         text=f"{subject} has too few PRs in the window, or nothing beyond the "
                              "noise, for a verdict.", kind="verdict", key="verdict:none"))
    return out


def _name(metric: str) -> str:
    return "output per active author" if metric == "velocity" else \
        metrics.get(metric).name.lower()


def velocity_decay(rhythm: RhythmSection | None) -> list[Claim]:
    """The velocity-decay weakness, when output per author falls beyond the noise (its evidence
    is the Mann–Kendall trend the rhythm section printed, quoted with the same numbers)."""
    if rhythm is None or not rhythm.decay:
        return []
    t = next(t for t in rhythm.trends if t.measure == "per_author")
    ev = Evidence(metric="velocity", repo=rhythm.repo,
                  window=[p.period for p in rhythm.velocity if p.used],
                  value=t.end, value_text=f"{t.end:.2f}" if t.end is not None else "",
                  n=t.n, min_n=6, previous=t.start, test="Mann–Kendall", p_value=t.p_value,
                  trend=t.direction, favourable=False if t.direction == "falling" else None)
    return [Claim(metric="velocity", title="Velocity decay", text=rhythm.decay, kind="weakness",
                  polarity="negative", words=words_in("Velocity decay"), evidence=[ev],
                  key="weakness:velocity")]


LIBRARY, SERVICE, UNKNOWN = "library", "service", "unknown"


def project_kind(deploy_source: str, practices: PracticeSection | None,
                 delivery: Delivery | None = None) -> dict:
    """What the data shows the project to be, for the recommendations' checks: a library with
    versioned releases (the delivery analysis finds a release train), a service that deploys
    (frequent deployments), or unknown (no deployments, or too few to tell); and whether it is
    an ML project (its dependency files name an ML framework; None without a tree audit). Read
    from ``analysis.delivery`` when it has a verdict (one fact, computed once there), else from
    the deployment source."""
    kind = {"release train": LIBRARY, "frequent deployments": SERVICE}.get(
        delivery.kind if delivery is not None else "", "")
    if delivery is not None and delivery.kind == "unclear":
        kind = UNKNOWN
    elif not kind:
        kind = (LIBRARY if deploy_source in ("tags", "releases") else
                SERVICE if deploy_source in ("deployments-api", "deployments", "workflow")
                else UNKNOWN)
    if kind == LIBRARY:
        why = ("a library with versioned releases: what ships is a release "
               f"({deploy_source}), not a deployment of every merge")
    elif kind == SERVICE:
        why = f"a service that deploys often (deployments from {deploy_source})"
    elif delivery is not None and delivery.kind == "unclear":
        why = ("its release tags are sparse beside its merges, so whether it ships as a library "
               "or deploys as a service is not known from this data")
    else:
        why = ("no deployments in the data, so whether it ships as a library or deploys as a "
               "service is not known")
    ml = practices.ml if practices is not None else None
    ml_text = ("not audited (no repository tree), so ML or not is unknown" if ml is None else
               "an ML project (its dependency files name an ML framework)" if ml else
               "not an ML project (no ML framework in its dependency files)")
    return {"kind": kind, "text": why, "ml": ml, "ml_text": ml_text,
            "deploy_source": deploy_source}
