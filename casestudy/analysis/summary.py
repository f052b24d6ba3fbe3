"""The one-page executive summary, written from the finished analysis (findings, statements,
recommendations, notable PRs, work rhythm, practices): a headline, three short paragraphs in
plain words with the numbers — flow, delivery and stability, people and practice — the PRs and
people behind them, strengths, weaknesses and the top three recommendations. Nothing in it is
written per repository; a figure the data cannot show is said to be unavailable, never guessed.
"""

from __future__ import annotations

from .. import metrics
from ..document import (
    Executive,
    Finding,
    PracticeSection,
    PRRef,
    Recommendation,
    RhythmSection,
    Statement,
)


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


def _flow(mine: dict[str, Finding], span: str, notable: dict[str, list[PRRef]],
          subject: str) -> tuple[str, list[PRRef]]:
    thr, who, cyc = mine.get("throughput"), mine.get("contributors"), mine.get("cycle_time")
    parts, prs = [], []
    if thr is not None and thr.level is not None:
        authors = f" by {who.level_text}" if who is not None and who.level is not None else ""
        parts.append(f"In {span}, {subject} merged {thr.n:,} pull request"
                     f"{'' if thr.n == 1 else 's'}{authors}.")
    if _usable(cyc):
        parts.append(f"A change took a median {cyc.level_text} from first commit to merge "
                     f"(n = {cyc.n:,}){_trend(cyc)}.")
    else:
        parts.append("How long changes take from first commit to merge cannot be measured "
                     "from this data (no first-commit times).")
    stages = [mine[s] for s in metrics.STAGES if _usable(mine.get(s))]
    if stages:
        slow = max(stages, key=lambda f: f.level)
        parts.append(f"The longest stage is {metrics.get(slow.metric).name.lower()}, at a "
                     f"median {slow.level_text} (n = {slow.n:,}).")
    slowest = notable.get("Slowest merged", [])[:2] if _usable(cyc) else []
    if slowest:
        parts.append("The slowest merged: " + "; ".join(_ref(p) for p in slowest) + ".")
        prs += slowest
    return " ".join(parts), prs


def _delivery(mine: dict[str, Finding], notable: dict[str, list[PRRef]]
              ) -> tuple[str, list[PRRef]]:
    freq, deploy = mine.get("deploy_frequency"), mine.get("deploy")
    cfr, ttr = mine.get("change_failure_rate"), mine.get("time_to_restore")
    if freq is None or not freq.visible:
        why = freq.context if freq is not None and freq.context else ""
        return ("Deployments are not visible from this source, so deployment frequency, change "
                "failure rate and time to restore are unavailable, not zero"
                + (f": {why}" if why else ".")), []
    parts = []
    if _usable(freq):
        band = f" (DORA {freq.band})" if freq.band else ""
        parts.append(f"It shipped {freq.level_text}{band}.")
    if _usable(deploy):
        parts.append(f"A merged change reached a release in a median {deploy.level_text} "
                     f"(n = {deploy.n:,}){_trend(deploy)}.")
    if _usable(cfr):
        parts.append(f"{cfr.level_text} of {cfr.n:,} deployments failed"
                     + (f" (DORA {cfr.band})." if cfr.band else "."))
    if _usable(ttr):
        parts.append(f"Service was restored in a median {ttr.level_text} (n = {ttr.n:,}).")
    elif ttr is not None and ttr.visible:
        parts.append("Too few failures to measure time to restore.")
    reverted = notable.get("Reverted", [])[:2]
    if reverted:
        parts.append("Reverted: " + "; ".join(_ref(p) for p in reverted) + ".")
    return " ".join(parts) or "Too few deployments in the window to say more.", reverted


def _people(mine: dict[str, Finding], responders: dict[str, int], authors: dict[str, int],
            rhythm: RhythmSection | None, practices: PracticeSection | None,
            logins: bool) -> tuple[str, list[str]]:
    parts, people = [], []
    at = "@" if logins else ""
    if authors:
        top = sorted(authors.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        total = sum(authors.values())
        parts.append("The most merged PRs came from " + ", ".join(
            f"{at}{who} ({n:,})" for who, n in top) + f", {sum(n for _, n in top) / total:.0%} "
            f"of {total:,}.")
        people += [who for who, _ in top]
    fr = mine.get("first_response")
    if _usable(fr):
        parts.append(f"A PR waited a median {fr.level_text} for its first human response "
                     f"(n = {fr.n:,}){_trend(fr)}.")
    total = sum(responders.values())
    if total >= 10:
        top = sorted(responders.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        share = sum(n for _, n in top) / total
        names = ", ".join(f"{at}{who} ({n:,})" for who, n in top)
        parts.append(f"{share:.0%} of the {total:,} first responses came from three people: "
                     f"{names}.")
        people += [who for who, _ in top if who not in people]
    elif fr is None or not fr.visible:
        parts.append("Reviews are not visible from this source.")
    if rhythm is not None:
        per = next((t for t in rhythm.trends if t.measure == "per_author"), None)
        if rhythm.decay:
            parts.append(rhythm.decay.split(". ")[0] + ".")
        elif per is not None and per.direction in ("flat", "rising"):
            parts.append("Output per active author holds steady." if per.direction == "flat"
                         else "Output per active author is rising.")
        if rhythm.hours_gap is not None:
            parts.append(f"Commits suggest about {rhythm.hours_gap:.1f} coding hours per active "
                         "author per week (gap rule).")
    if practices is not None:
        missing = [r.name.lower() for r in practices.rows if r.status == "missing"]
        parts.append(f"{practices.present} of {practices.applicable} engineering practices are "
                     "in place" + (f"; missing: {', '.join(missing)}." if missing else "."))
    return " ".join(parts) or "Too little review data to say more.", people


def executive(subject: str, span: str, headline: str, findings: list[Finding],
              strengths: list[Statement], weaknesses: list[Statement],
              recs: list[Recommendation], notable: dict[str, list[PRRef]],
              responders: dict[str, int], authors: dict[str, int],
              rhythm: RhythmSection | None, practices: PracticeSection | None,
              logins: bool) -> Executive:
    mine = {f.metric: f for f in findings if f.repo == subject}
    flow, prs1 = _flow(mine, span, notable, subject)
    delivery, prs2 = _delivery(mine, notable)
    people_text, people = _people(mine, responders, authors, rhythm, practices, logins)
    return Executive(
        headline=headline, paragraphs=[flow, delivery, people_text], prs=prs1 + prs2,
        people=people, strengths=[s.title for s in strengths],
        weaknesses=[s.title for s in weaknesses] + (
            ["Velocity decay"] if rhythm is not None and rhythm.decay else []),
        recommendations=[f"{r.title}: {r.action.rstrip('.')}" for r in recs[:3]])
