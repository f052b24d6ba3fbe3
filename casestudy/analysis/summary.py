"""The one-page executive summary, written from the finished analysis (findings, statements,
recommendations, notable PRs, work rhythm, practices): a headline, three short paragraphs in
plain words with the numbers — flow, delivery and stability, people and practice — the PRs and
people behind them, strengths, weaknesses and the top three recommendations. Nothing in it is
written per repository; a figure the data cannot show is said to be unavailable, never guessed.

Every sentence is a ``Claim`` (kind ``summary``, its ``section`` the paragraph) carrying the
evidence it quotes — the same finding, with the same value, as every other claim about that
metric — so the gate can refuse a sentence its evidence does not carry; the page is written
from the sentences that passed.
"""

from __future__ import annotations

from dataclasses import replace

from .. import metrics
from ..document import (
    Claim,
    Delivery,
    Evidence,
    Executive,
    Finding,
    PracticeSection,
    PRRef,
    Recommendation,
    RhythmSection,
    Statement,
)
from .claims import evidence_of
from .gate import words_in


def _usable(f: Finding | None) -> bool:
    return f is not None and f.visible and f.level is not None and not f.too_few


def _trend(f: Finding) -> str:
    if f.trend in ("improving", "worsening") and f.change is not None:
        return (f", {'down' if f.change < 0 else 'up'} {abs(f.change):.0%} on the window "
                f"before ({f.trend} beyond the noise)")
    if f.trend == "steady":
        return ", about the same as the window before"
    return ""


def _ref(p: PRRef) -> str:
    who = f"@{p.author}" if p.author_is_login else p.author
    return f"#{p.number} “{_short(p.title)}” by {who} ({p.value_text})"


def _short(text: str, limit: int = 60) -> str:
    t = " ".join(str(text).split())
    return t if len(t) <= limit else t[: limit - 1] + "…"


class _Sentences:
    """The summary's sentences as claims, in order, each with the evidence it quotes."""

    def __init__(self, findings: list[Finding], min_n: int):
        self.findings, self.min_n, self.out = findings, min_n, []

    def add(self, section: str, text: str, *fs: Finding | Evidence,
            prs: list[PRRef] | None = None) -> None:
        ev = [x if isinstance(x, Evidence) else evidence_of(x, self.findings, self.min_n)
              for x in fs]
        metric = ev[0].metric if ev else ""
        self.out.append(Claim(metric=metric, title=text, text=text, examples=list(prs or []),
                              kind="summary", polarity="neutral", words=words_in(text),
                              evidence=ev, key=f"summary:{section}:{len(self.out)}",
                              section=section))


def _flow(say: _Sentences, mine: dict[str, Finding], span: str,
          notable: dict[str, list[PRRef]], subject: str) -> None:
    thr, who, cyc = mine.get("throughput"), mine.get("contributors"), mine.get("cycle_time")
    if thr is not None and thr.level is not None:
        authors = f" by {who.level_text}" if who is not None and who.level is not None else ""
        # counts stated, not judged: a small count is still the count
        counts = [replace(evidence_of(f, say.findings, say.min_n), too_few=False, min_n=0)
                  for f in (thr, who) if f is not None and f.level is not None]
        say.add("flow", f"In {span}, {subject} merged {thr.n:,} pull request"
                        f"{'' if thr.n == 1 else 's'}{authors}.", *counts)
    if _usable(cyc):
        say.add("flow", f"A change took a median {cyc.level_text} from first commit to merge "
                        f"(n = {cyc.n:,}){_trend(cyc)}.", cyc)
    else:
        say.add("flow", "How long changes take from first commit to merge cannot be measured "
                        "from this data (no first-commit times).")
    stages = [mine[s] for s in metrics.STAGES if _usable(mine.get(s))]
    if stages:
        slow = max(stages, key=lambda f: f.level)
        say.add("flow", f"The longest stage is {metrics.get(slow.metric).name.lower()}, at a "
                        f"median {slow.level_text} (n = {slow.n:,}).", slow)
    slowest = notable.get("Slowest merged", [])[:2] if _usable(cyc) else []
    if slowest:
        say.add("flow", "The slowest merged: " + "; ".join(_ref(p) for p in slowest) + ".",
                cyc, prs=slowest)


def _delivery(say: _Sentences, mine: dict[str, Finding], notable: dict[str, list[PRRef]],
              delivery: Delivery | None = None) -> None:
    freq, deploy = mine.get("deploy_frequency"), mine.get("deploy")
    cfr, ttr = mine.get("change_failure_rate"), mine.get("time_to_restore")
    if freq is None or not freq.visible:
        why = freq.context if freq is not None and freq.context else ""
        say.add("delivery", "Deployments are not visible from this source, so deployment "
                            "frequency, change failure rate and failed deployment recovery time "
                            "are unavailable, not zero" + (f": {why}" if why else "."))
        return
    before = len(say.out)
    if _usable(freq) and delivery is not None and delivery.kind == "unclear":
        say.add("delivery", f"Its release tags are a median {delivery.gap_days:.1f} days apart, "
                            f"each carrying a median {delivery.prs_per_deployment:.0f} merged "
                            "PRs: they may mark package versions, not how the product is "
                            "delivered, so its deployment figures are not judged.", freq)
    elif _usable(freq) and delivery is not None and delivery.kind == "release train":
        band = (f"; DORA's band {freq.band} is written for services that deploy on demand"
                if freq.band else "")
        say.add("delivery", f"It ships versioned releases: {freq.level_text} in the latest "
                            f"window, a median {delivery.gap_days:.1f} days apart over the "
                            f"report period{band}.", freq)
    # DORA's two factors, one line each, from the figures that can carry a sentence
    lead = mine.get("lead_time") if _usable(mine.get("lead_time")) else (
        deploy if _usable(deploy) else None)
    parts, evidence = [], []
    if _usable(freq) and (delivery is None or delivery.kind not in ("unclear",
                                                                     "release train")):
        parts.append(f"it shipped {freq.level_text}" + (f" (DORA {freq.band})" if freq.band
                                                         else ""))
        evidence.append(freq)
    if lead is not None:
        what = ("a change reached a release" if lead.metric == "deploy" else
                "lead time for changes was")
        parts.append(f"{what} a median {lead.level_text} (n = {lead.n:,}){_trend(lead)}")
        evidence.append(lead)
    if _usable(ttr):
        parts.append(f"failed deployments were recovered in a median {ttr.level_text} "
                     f"(n = {ttr.n:,})")
        evidence.append(ttr)
    if parts:
        say.add("delivery", "Throughput: " + "; ".join(parts) + ".", *evidence)
    rework = mine.get("rework_rate")
    parts, evidence = [], []
    if _usable(cfr):
        parts.append(f"{cfr.level_text} of {cfr.n:,} deployments failed"
                     + (f" (DORA {cfr.band})" if cfr.band else ""))
        evidence.append(cfr)
    if _usable(rework):
        parts.append(f"{rework.level_text} of {rework.n:,} were rework, shipping a fix or "
                     "revert of what an earlier one broke")
        evidence.append(rework)
    if parts:
        say.add("delivery", "Instability: " + "; ".join(parts) + ".", *evidence)
    if not _usable(ttr) and ttr is not None and ttr.visible:
        say.add("delivery", "Too few failures to measure failed deployment recovery time.")
    reverted = notable.get("Reverted", [])[:2]
    if reverted:
        say.add("delivery", "Reverted: " + "; ".join(_ref(p) for p in reverted) + ".",
                prs=reverted)
    if len(say.out) == before:
        say.add("delivery", "Too few deployments in the window to say more.")


def _velocity_evidence(rhythm: RhythmSection) -> Evidence | None:
    per = next((t for t in rhythm.trends if t.measure == "per_author"), None)
    if per is None:
        return None
    return Evidence(metric="velocity", repo=rhythm.repo,
                    window=[p.period for p in rhythm.velocity if p.used],
                    value=per.end, value_text="" if per.end is None else f"{per.end:.2f}",
                    n=per.n, previous=per.start, test="Mann–Kendall", p_value=per.p_value,
                    trend=per.direction,
                    favourable={"falling": False, "rising": True}.get(per.direction))


def _freq(rhythm: RhythmSection) -> str:
    labels = [p.period for p in rhythm.velocity]
    return "week" if labels and "W" in labels[0] else "month"


def _people(say: _Sentences, mine: dict[str, Finding], responders: dict[str, int],
            authors: dict[str, int], rhythm: RhythmSection | None,
            practices: PracticeSection | None, logins: bool) -> list[str]:
    people = []
    before = len(say.out)
    at = "@" if logins else ""
    if authors:
        ranked = sorted(authors.items(), key=lambda kv: (-kv[1], kv[0]))
        top, total = ranked[:3], sum(authors.values())
        edge = top[-1][1]
        tied = sum(1 for _, n in ranked if n == edge)
        cut = tied > sum(1 for _, n in top if n == edge)  # naming one of a tie picks at random
        if cut:
            top = [(who, n) for who, n in top if n > edge]
        tail = f"; {tied:,} authors are tied next with {edge:,} each" if cut else ""
        if top:
            say.add("people", "The most merged PRs came from " + ", ".join(
                f"{at}{who} ({n:,})" for who, n in top) + f", {sum(n for _, n in top) / total:.0%}"
                f" of {total:,}{tail}.")
        else:
            say.add("people", f"No author stands out: {tied:,} authors merged {edge:,} PRs each, "
                              f"the most any did, of {total:,}.")
        people += [who for who, _ in top]
    fr = mine.get("first_response")
    if _usable(fr):
        say.add("people", f"A PR waited a median {fr.level_text} for its first human response "
                          f"(n = {fr.n:,}){_trend(fr)}.", fr)
    total = sum(responders.values())
    if total >= 10:
        top = sorted(responders.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        share = sum(n for _, n in top) / total
        names = ", ".join(f"{at}{who} ({n:,})" for who, n in top)
        say.add("people", f"{share:.0%} of the {total:,} first responses came from three "
                          f"people: {names}.")
        people += [who for who, _ in top if who not in people]
    elif fr is None or not fr.visible:
        say.add("people", "Reviews are not visible from this source.")
    if rhythm is not None:
        per = next((t for t in rhythm.trends if t.measure == "per_author"), None)
        ev = _velocity_evidence(rhythm)
        if rhythm.decay and per is not None:
            say.add("people", f"Output per active author is falling beyond the noise: its "
                              f"fitted trend line runs from {per.start:.2f} to {per.end:.2f} "
                              f"merged PRs per {_freq(rhythm)} over {per.n} {_freq(rhythm)}s "
                              "(velocity decay).", ev)
        elif per is not None and per.direction in ("flat", "rising"):
            say.add("people", "Output per active author holds steady." if per.direction == "flat"
                    else "Output per active author is rising.", ev)
        if rhythm.hours_gap is not None:
            say.add("people", f"Commits suggest about {rhythm.hours_gap:.1f} coding hours per "
                              "active author per week (gap rule).",
                    Evidence("coding_hours_gap", rhythm.repo, [], rhythm.hours_gap,
                             f"{rhythm.hours_gap:.1f} h", rhythm.n_commits))
    if practices is not None:
        missing = [r.name.lower() for r in practices.rows if r.status == "missing"]
        say.add("people", f"{practices.present} of {practices.applicable} engineering practices "
                          "are in place" + (f"; missing: {', '.join(missing)}." if missing
                                            else "."),
                Evidence("practices", practices.repo, [], float(practices.present),
                         f"{practices.present} of {practices.applicable}",
                         practices.applicable))
    if len(say.out) == before:
        say.add("people", "Too little review data to say more.")
    return people


def summary_claims(subject: str, span: str, findings: list[Finding],
                   notable: dict[str, list[PRRef]], responders: dict[str, int],
                   authors: dict[str, int], rhythm: RhythmSection | None,
                   practices: PracticeSection | None, logins: bool, min_n: int = 10,
                   delivery: Delivery | None = None) -> tuple[list[Claim], list[str]]:
    """The summary's sentences as claims (flow; delivery and stability; people and practice)
    and the people they name."""
    mine = {f.metric: f for f in findings if f.repo == subject}
    say = _Sentences(findings, min_n)
    _flow(say, mine, span, notable, subject)
    _delivery(say, mine, notable, delivery)
    people = _people(say, mine, responders, authors, rhythm, practices, logins)
    return say.out, people


def executive(headline: str, sentences: list[Claim], people: list[str],
              strengths: list[Statement], weaknesses: list[Statement],
              recs: list[Recommendation]) -> Executive:
    """The page, from the claims that passed the gate only."""
    said = [c for c in sentences if not c.refused]
    # AI-assisted changes close the people-and-practice paragraph (the page stays three)
    paragraphs = [" ".join(c.text for c in said if c.section in secs)
                  for secs in (("flow",), ("delivery",), ("people", "ai"))]
    return Executive(
        headline=headline, paragraphs=[p for p in paragraphs if p],
        prs=[p for c in said for p in c.examples], people=people,
        strengths=[s.title for s in strengths], weaknesses=[s.title for s in weaknesses],
        recommendations=[f"{r.title}: {r.action.rstrip('.')}" for r in recs[:3]])
