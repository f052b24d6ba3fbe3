"""The gate between analysis and rendering: a claim is said only when its evidence carries it.

A strength needs a DORA band Elite/High, a favourable trend beyond the noise, or rank 1 among
peers that have data — and is never band Low; a weakness mirrors that (band Medium/Low, an
unfavourable trend beyond the noise, the last rank among peers with data, or a level the metric
calls a concern in itself — never band Elite/High, never rank 1). A comparative word ("faster",
"frequent", "rising", "decay", "excels", "needs improvement", …) needs the evidence for that word.
Nothing rests on unavailable data or on fewer than the minimum n. No two claims contradict each
other (a metric both a strength and a weakness; one fact quoted with two values).

A recommendation is gated on the whole report: it names the facts that triggered it and the
counter-evidence checked; it never targets a strength, never advises adopting what the practice
audit finds at HEAD (or what it cannot confirm is missing), never rests on evidence the source
cannot have, never gives ML advice to a project that is not one, never asks to compare waits or
CI time the data does not have, never gives a service's advice (on-call, deploy on every merge)
to a library with versioned releases, and cites references by name, not by file path.

``contradictions(case_study)`` runs every rule over a built report and lists what it finds: a
validate script can call it on any ``CaseStudy``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..document import CaseStudy, Claim, Evidence, Recommendation
from ..source_kinds import kind_of

# the report's vocabulary of comparative words, found in a claim's title and text
_WORD = re.compile(r"\b(excels?|needs? improvement|faster|slower|sluggish|(?<!in)frequent|"
                   r"infrequent|rising|decay|falling|holds steady)\b", re.IGNORECASE)


def words_in(text: str) -> list[str]:
    """The comparative words ``text`` uses, lower case, each once, in order."""
    out: list[str] = []
    for m in _WORD.finditer(text):
        w = m.group(1).lower()
        w = {"excel": "excels", "need improvement": "needs improvement"}.get(w, w)
        if w not in out:
            out.append(w)
    return out


ALPHA = 0.05
STRONG = ("Elite", "High")
WEAK = ("Medium", "Low")


def _beyond_noise(e: Evidence) -> bool:
    return e.p_value is not None and e.p_value < ALPHA


def _ranked(e: Evidence) -> bool:
    """Ranked against at least one peer that had data."""
    return e.rank is not None and e.of > 1 and bool(e.peers_with_data)


def strength_support(e: Evidence) -> str:
    """'' when ``e`` carries a strength, else why not."""
    if e.band == "Low":
        return f"{e.metric} is in DORA band Low"
    if e.band in STRONG:
        return ""
    if e.favourable is True and _beyond_noise(e):
        return ""
    if _ranked(e) and e.rank == 1:
        return ""
    return (f"{e.metric} has no band Elite/High, no favourable trend beyond the noise and no "
            f"rank 1 against peers with data (band {e.band or 'none'}, trend {e.trend or 'none'}"
            f", rank {e.rank or '–'} of {e.of})")


def weakness_support(e: Evidence) -> str:
    """'' when ``e`` carries a weakness, else why not."""
    if e.band in STRONG:
        return f"{e.metric} is in DORA band {e.band}"
    if _ranked(e) and e.rank == 1:
        return f"{e.metric} ranks 1 of {e.of}"
    if e.band in WEAK:
        return ""
    if e.favourable is False and _beyond_noise(e):
        return ""
    if _ranked(e) and e.rank == e.of:
        return ""
    if e.threshold is not None and e.value is not None and e.value >= e.threshold:
        return ""
    return (f"{e.metric} has no band Medium/Low, no unfavourable trend beyond the noise, no "
            f"last rank against peers with data and no level of concern (band "
            f"{e.band or 'none'}, trend {e.trend or 'none'}, rank {e.rank or '–'} of {e.of})")


def _sound(e: Evidence) -> str:
    """'' when ``e`` is measured data with enough n."""
    if not e.visible:
        return f"it rests on {e.metric}, which the source cannot show"
    if e.too_few or (e.min_n and e.n < e.min_n):
        return f"it rests on {e.metric} with n = {e.n}, below the minimum of {e.min_n}"
    if e.value is None and not e.value_text:
        return f"it rests on {e.metric}, which has no value"
    return ""


# what each comparative word needs of the claim's evidence (a headline joins a strength and a
# weakness: a word is carried when any of its evidence carries it)
def _word_need(word: str, claim: Claim) -> str:
    ev = claim.evidence
    if not ev:
        return f"'{word}' with no evidence"
    if word == "frequent":  # "frequent deployments" (praise), "frequent failed …" (concern)
        need = weakness_support if claim.polarity == "negative" else strength_support
    elif word in ("excels", "faster"):
        need = strength_support
    elif word in ("needs improvement", "slower", "sluggish", "infrequent"):
        need = weakness_support
    elif word in ("rising", "falling", "decay"):
        want = "rising" if word == "rising" else "falling"
        ok = any(x.trend == want and _beyond_noise(x) for x in ev)
        return "" if ok else f"'{word}' needs a {want} trend beyond the noise"
    elif word == "holds steady":
        ok = any(x.trend in ("flat", "steady") for x in ev)
        return "" if ok else "'holds steady' needs a trend within the noise"
    else:
        return ""
    reasons = [need(x) for x in ev]
    return "" if "" in reasons else f"'{word}': {reasons[0]}"


def refusal(c: Claim) -> str:
    """Why the gate refuses the claim ``c`` on its own evidence ('' = it passes)."""
    if c.polarity in ("positive", "negative") and not c.evidence:
        return "a judgement with no evidence"
    for e in c.evidence:
        why = _sound(e)
        if why:
            return why
    if c.polarity == "positive" and c.evidence:
        why = strength_support(c.evidence[0])
        if why:
            return why
    if c.polarity == "negative" and c.evidence:
        why = weakness_support(c.evidence[0])
        if why:
            return why
    for w in dict.fromkeys([*c.words, *words_in(c.title), *words_in(_own_words(c))]):
        why = _word_need(w, c)
        if why:
            return why
    return ""


def _own_words(c: Claim) -> str:
    """The part of a claim's text that is its own (a verdict quotes its finding's sentence
    after a colon; the quoted figures are checked as evidence, not as words)."""
    return c.text.split(":", 1)[0] if c.kind == "verdict" else (
        c.title if c.kind in ("strength", "weakness") else c.text)


def conflict(c: Claim, others: list[Claim]) -> str:
    """Why ``c`` contradicts a claim already made ('' = it does not): the same metric as a
    strength and a weakness, or one fact quoted with two values."""
    for o in others:
        if o is c or o.refused:
            continue
        if {c.polarity, o.polarity} == {"positive", "negative"} and c.metric == o.metric \
                and c.kind in ("strength", "weakness") and o.kind in ("strength", "weakness"):
            return f"{c.metric} is already a {o.kind} ('{o.title}')"
        for e in c.evidence:
            for x in o.evidence:
                if (e.metric, e.repo, e.window) == (x.metric, x.repo, x.window) and \
                        e.value != x.value:
                    return (f"{e.metric} quoted as {e.value_text} where '{o.title}' quotes "
                            f"{x.value_text}")
    return ""


# -- recommendations -----------------------------------------------------------------------

_PATH = re.compile(r"(\.txt|\.md|\.py)\b|\b[\w-]+/[\w-]+/|reference/")
# phrases in a recommendation that need the data to have something, or the project to be a kind
_PHRASES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"review waits?|reviewers?'|first responder|reviewer assignment", re.I),
     "reviews"),
    (re.compile(r"\bCI time\b|\bCI minutes\b|correlated CI jobs", re.I), "checks"),
    (re.compile(r"on-call|on every merge|every merge", re.I), "service"),
)


@dataclass
class Context:
    """What a recommendation is checked against: the practice audit at HEAD (present practices,
    project signals; None = not audited), what the source can see, the project's kind, ML or
    not, and the report's passed strengths."""

    practices: set[str] | None = None
    signals: dict[str, list[str]] | None = None
    sees: set[str] = field(default_factory=set)  # reviews, checks, deployments, labels
    project: str = "unknown"  # library | service | unknown
    ml: bool | None = None
    strengths: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, cs: CaseStudy) -> Context:
        """The context of a built report."""
        src = cs.sources[0] if cs.sources else None
        sees = set(src.can_see) if src else set()
        if src is not None and kind_of(src.source).labels:
            sees.add("labels")
        if cs.ci is not None:
            sees.add("checks")
        p = cs.practices
        return cls(
            practices=None if p is None else {r.key for r in p.rows if r.status == "present"},
            signals=None if p is None else p.signals, sees=sees,
            project=cs.project.get("kind", "unknown"), ml=None if p is None else p.ml,
            strengths={c.metric for c in cs.passed("strength")})


def recommendation_refusal(r: Recommendation, ctx: Context) -> str:
    """Why the gate refuses the recommendation ``r`` given the whole report ('' = it passes)."""
    if not r.triggers:
        return "names no fact that triggered it"
    if not r.checked:
        return "names no counter-evidence it checked"
    for e in r.triggers:
        why = _sound(e)
        if why:
            return why
    if r.metric and r.metric in ctx.strengths:
        return f"it targets {r.metric}, which the report lists as a strength"
    for key in r.needs_missing:
        name = _name(key)
        if ctx.practices is None:
            return f"it advises adopting {name}, and no practice audit confirms it is missing"
        if key in ctx.practices:
            return f"it advises adopting {name}, which the practice audit finds at HEAD"
        if ctx.signals is not None and key in _signal_keys():
            found = ctx.signals.get(key)
            if found is None:
                return f"it advises adopting {name}, and the audit did not look for it"
            if found:
                return (f"it advises adopting {name}, which exists at HEAD "
                        f"({', '.join(found[:2])})")
        elif key in _signal_keys():
            return f"it advises adopting {name}, and the audit did not look for it"
    for need in r.needs_source:
        if need not in ctx.sees:
            return f"it rests on {need}, which the source cannot show"
    if r.ml_only and ctx.ml is False:
        return "ML advice for a project that is not an ML project"
    text = f"{r.title} {r.action} {r.evidence}"
    for pat, need in _PHRASES:
        m = pat.search(text)
        if m is None:
            continue
        if need == "service" and ctx.project != "service":
            return f"'{m.group(0)}' is advice for a service, and this project is a {ctx.project}"
        if need in ("reviews", "checks") and need not in ctx.sees:
            return f"'{m.group(0)}' needs {need}, which the source cannot show"
    if _PATH.search(r.reference):
        return f"its reference is a file path ({r.reference})"
    return ""


def _name(key: str) -> str:
    """A practice's or project signal's name for people ("automated tests", "issue templates")."""
    from ..practice_rules import BY_KEY, SIGNALS

    if key in BY_KEY:
        return BY_KEY[key].name.lower()
    return SIGNALS[key][0] if key in SIGNALS else key


def _signal_keys() -> set[str]:
    from ..practice_rules import SIGNALS

    return set(SIGNALS)


def judge_recommendations(recs: list[Recommendation], ctx: Context
                          ) -> tuple[list[Recommendation], list[Recommendation]]:
    """(passed, refused) with each refused one's reason set."""
    passed, refused = [], []
    for r in recs:
        r.refused = recommendation_refusal(r, ctx)
        (refused if r.refused else passed).append(r)
    return passed, refused


def judge(claims: list[Claim]) -> list[Claim]:
    """Set ``refused`` on each claim its evidence, or an earlier claim, contradicts (in order);
    returns the claims."""
    for i, c in enumerate(claims):
        if not c.refused:
            c.refused = refusal(c) or conflict(c, claims[:i])
    return claims


def contradictions(cs: CaseStudy) -> list[str]:
    """Every contradiction in a built report's said claims and recommendations, in words
    (empty: the report says nothing its evidence does not carry)."""
    out: list[str] = []
    said = [c for c in cs.claims if not c.refused]
    out += [f"{c.kind} '{c.title}' is said although refused: {c.refused}"
            for c in cs.claims if c.refused]
    for i, c in enumerate(said):
        why = refusal(c) or conflict(c, said[:i])
        if why:
            out.append(f"{c.kind} '{c.title}': {why}")
    ctx = Context.of(cs)
    for r in cs.recommendations:
        why = recommendation_refusal(r, ctx) or conflict(
            Claim(r.metric, r.title, r.evidence, evidence=r.triggers), said)
        if why:
            out.append(f"recommendation '{r.title}': {why}")
    for c in said:  # an example is labelled: typical (near the median), fastest or slowest
        for p in c.examples:
            if c.kind in ("strength", "weakness") and not p.why:
                out.append(f"{c.kind} '{c.title}': example #{p.number} has no label")
    # what is rendered is what passed
    titles = [c.title for c in cs.passed("strength")]
    if [s.title for s in cs.strengths] != titles:
        out.append("the strengths shown are not the strengths that passed the gate")
    if [s.title for s in cs.weaknesses] != [c.title for c in cs.passed("weakness")]:
        out.append("the weaknesses shown are not the weaknesses that passed the gate")
    head = cs.passed("headline")
    if head and cs.headline != head[0].text:
        out.append("the headline shown is not the headline that passed the gate")
    if any(r.refused for r in cs.recommendations):
        out.append("a refused recommendation is shown")
    return out
