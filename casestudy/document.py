"""The ``CaseStudy`` document: everything any renderer shows, as plain dataclasses with a JSON
round trip. Renderers read this and compute nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from dataclasses import dataclass, field

from .metrics import format_value


@dataclass
class PRRef:
    """A pull request cited as evidence (title and author are untrusted text)."""

    repo: str
    number: int
    title: str
    author: str
    url: str
    value: float | None = None
    value_text: str = ""
    why: str = ""
    author_is_login: bool = True  # False when the source knows a name, not a GitHub login
    sign: str = "#"  # before its number: "#" (GitHub), "!" (a GitLab merge request)


@dataclass
class SeriesPoint:
    period: str
    n: int
    value: float | None
    p75: float | None = None
    p90: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    extra: float | None = None  # days/week for deploys, churn-weighted share, reverts
    partial: bool = False  # the repo's data stops inside this period
    small: bool = False  # a sample below the minimum n: shown faded, never drives a trend


@dataclass
class MetricSeries:
    metric: str
    repo: str
    points: list[SeriesPoint]
    excluded: int = 0  # negative durations (clock skew) left out


@dataclass
class Finding:
    """One metric for one repository over the report's latest window."""

    metric: str
    repo: str
    window: list[str]  # the periods the level is measured over
    n: int
    level: float | None
    level_text: str
    ci_low: float | None = None
    ci_high: float | None = None
    previous: float | None = None  # the same measure over the window before
    change: float | None = None  # relative change vs previous (+0.2 = 20% higher)
    p_value: float | None = None
    trend: str = "insufficient"  # improving | worsening | steady | insufficient
    trend_text: str = ""  # the trend for a table cell, e.g. "steady" or "too few incidents"
    band: str | None = None
    band_text: str = ""
    rank: int | None = None  # 1 = best among subject and peers
    of: int = 0
    peer_levels: dict[str, float | None] = field(default_factory=dict)
    score: float = 0.0  # >0 better than peers/trend, <0 worse
    episode: dict | None = None  # worst stretch: {peak_period, peak, baseline, latest}
    too_few: bool = False
    visible: bool = True  # False when the source cannot see this metric
    context: str = ""  # what else the reader must know about the figure, in words
    stale: bool = False  # the repository has no data in the window (left out of ranks)
    sentence: str = ""
    examples: list[PRRef] = field(default_factory=list)


@dataclass
class Evidence:
    """One fact a claim rests on, as measured (``analysis.claims`` copies it from a finding, a
    velocity trend or a fact; the gate reads nothing else): the metric (or fact) and repository,
    the window, the value in numbers and words, its n, the comparison with the window before
    (change, test, p, trend), the DORA band, the rank and which peers had data."""

    metric: str  # a metric key, or a fact's name ("velocity", "off_hours_share", …)
    repo: str = ""
    window: list[str] = field(default_factory=list)
    value: float | None = None
    value_text: str = ""
    n: int = 0
    min_n: int = 0  # the fewest the figure needs (0: not a sample)
    previous: float | None = None
    change: float | None = None
    test: str = ""  # the test of the change ("Mann–Whitney", "Mann–Kendall", …)
    p_value: float | None = None
    trend: str = ""  # improving | worsening | steady | insufficient (findings);
    #                  rising | falling | flat (velocity trends)
    favourable: bool | None = None  # whether the trend is good news (None: no trend)
    band: str | None = None
    rank: int | None = None  # 1 = best
    of: int = 0  # how many repositories were ranked
    peers_with_data: list[str] = field(default_factory=list)
    threshold: float | None = None  # a level that is a concern in itself, when the metric has one
    visible: bool = True  # False: the source cannot show it
    too_few: bool = False


@dataclass
class Claim:
    """A sentence the report asserts, as data: what it says (``title``, ``text``), what kind
    of claim it is, which way it points, the comparative words it uses and the evidence it rests
    on. ``refused`` is the gate's reason when the evidence does not carry it (kept for the
    appendix and the JSON, never rendered as a finding)."""

    metric: str  # the metric (or topic) the claim is about
    title: str
    text: str
    examples: list[PRRef] = field(default_factory=list)
    kind: str = ""  # headline | verdict | strength | weakness | summary
    polarity: str = "neutral"  # positive | negative | neutral
    words: list[str] = field(default_factory=list)  # comparative words it uses
    evidence: list[Evidence] = field(default_factory=list)
    key: str = ""  # unique in the report, e.g. "strength:deploy_frequency"
    section: str = ""  # where a summary sentence goes: flow | delivery | people
    refused: str = ""  # why the gate refused it ("" = passed)

    @property
    def brief(self) -> str:
        """The evidence in one short line (the verdict and the appendix carry the full
        sentence): value and n, the change when it beats the noise, band, rank."""
        if not self.evidence or not self.evidence[0].value_text:
            return self.text
        e = self.evidence[0]
        parts = [e.value_text + (f" (n = {e.n:,})" if e.n else "")]
        if e.change is not None and e.favourable is not None:
            p = "" if e.p_value is None else f", p = {e.p_value:.2g}"
            parts.append(f"{abs(e.change):.0%} {'better' if e.favourable else 'worse'} than "
                         f"the window before{p}")
        if e.band:
            parts.append(f"DORA {e.band}")
        if e.rank and e.of > 1:
            parts.append(f"rank {e.rank} of {e.of}")
        return "; ".join(parts) + "."


Statement = Claim  # a strength or weakness is a claim of that kind


@dataclass
class Recommendation:
    """A recommendation, as a claim: the facts that triggered it (``triggers``) and the
    counter-evidence checked before it was made (``checked``: the practice audit at HEAD, what
    the source can see, the project's kind, ML or not), in words. ``needs_missing`` names the
    practices or project signals it advises adopting (it is refused when the audit finds them);
    ``refused`` is the gate's reason when it was refused."""

    rule: str
    title: str
    evidence: str
    action: str
    effect: str
    reference: str
    metric: str = ""
    priority: int = 2  # 1 high, 2 medium, 3 low
    triggers: list[Evidence] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    needs_missing: list[str] = field(default_factory=list)
    needs_source: list[str] = field(default_factory=list)  # what the source must see
    ml_only: bool = False
    refused: str = ""


@dataclass
class Definition:
    """A metric as the report measured it: everything a renderer needs to name, order and format
    its values, so a document read back from JSON formats itself without the live registry."""

    metric: str  # the metric's key
    name: str
    unit: str  # "hours" | "per week" | "share" | "PRs" | "authors"
    formula: str
    explanation: str
    direction: str  # "lower" | "higher" is better
    bands: list[str] = field(default_factory=list)
    band_note: str = ""
    kind: str = ""  # "duration" | "deploy" | "share" | "count"
    n_of: str = "PRs"  # what its n counts, e.g. "too few incidents"
    stage: bool = False  # one of the PR stages that add up to the cycle and lead time
    working_hours: bool = False  # counted in working hours when the report's business hours are on
    factor: str = ""  # DORA's factor: "throughput" | "instability" ("" = not a DORA metric)

    @property
    def key(self) -> str:
        return self.metric

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower"

    @property
    def is_duration(self) -> bool:
        return self.kind == "duration"

    @property
    def counted(self) -> bool:
        """A count or rate: its value means something even when no PR completed (n = 0)."""
        return self.kind in ("deploy", "count")

    def format(self, value: float | None, period: str = "month") -> str:
        """A value in this metric's unit for people ("3.2 h", "12.5%", "70 PRs/month")."""
        return format_value(self, value, period)


@dataclass
class SourceInfo:
    repo: str
    source: str
    synthetic: bool
    deploy_source: str
    prs: int
    merged: int
    can_see: list[str]  # e.g. ["reviews", "deployments"]
    cannot_see: list[str]
    notes: list[str] = field(default_factory=list)
    get_more: str = ""  # how to get what this source cannot show


@dataclass
class Completeness:
    """Per repo: what was measured and what was left out, and why."""

    repo: str
    n_per_period: dict[str, int]
    excluded: dict[str, int]  # metric -> negative durations dropped
    bots_excluded: int
    drafts_open: int
    rule_hits: dict[str, int]  # bug-fix classifier rule -> PRs
    classifier_accuracy: str = ""  # how the bug-fix and revert classifiers were measured


@dataclass
class WorkPattern:
    """When the subject's work happens: counts per weekday (Monday first) × hour, per event."""

    repo: str
    tz: str
    counts: dict[str, list[list[int]]]  # event ("PRs opened", "merges", …) -> 7 × 24
    text: str


@dataclass
class CISection:
    """CI insight for the subject: failure correlation, clusters, a reduced PR job set, flaky
    jobs and durations (``analysis.ci``). ``jobs`` and ``phi`` are in cluster order."""

    repo: str
    n_prs: int
    n_failed_prs: int
    jobs: list[str]
    phi: list[list[float]]
    clusters: list[list[str]]
    kept: list[str]
    dropped: list[str]
    recall: float
    target: float
    minutes_all: float
    minutes_saved: float
    flaky: dict[str, int]
    failures: dict[str, int]
    duration_p50: dict[str, float]
    duration_p90: dict[str, float]
    rules: list[str]  # the job-name normalisation rules, in words
    text: str


@dataclass
class SessionPeriod:
    """Coding sessions in one period (``analysis.sessions``): hours per active author per week
    by the gap rule and by the hidden Markov model."""

    period: str
    active_authors: int
    commits: int
    sessions_gap: int
    hours_gap: float | None
    sessions_hmm: int
    hours_hmm: float | None


@dataclass
class VelocityPoint:
    """Velocity in one period (``analysis.velocity``)."""

    period: str
    merged: int
    authors: int
    per_author: float | None
    size_median: float | None  # lines changed
    cycle_median: float | None  # seconds
    used: bool  # counted in the trend tests (full period, enough merged PRs)


@dataclass
class Trend:
    """A Mann–Kendall test and Theil–Sen slope over a velocity measure's periods."""

    measure: str  # "per_author" | "size" | "cycle"
    label: str
    n: int
    tau: float | None
    p_value: float | None
    slope: float | None  # per period
    slope_low: float | None
    slope_high: float | None
    start: float | None  # the Theil–Sen line at the first and last tested period
    end: float | None
    direction: str  # "falling" | "rising" | "flat" | "insufficient"
    text: str = ""


@dataclass
class ReviewTiming:
    """First-response waits of PRs ready inside vs outside the responders' peak hours."""

    window: str
    n_inside: int
    n_outside: int
    median_inside: float | None  # seconds
    median_outside: float | None
    p_value: float | None
    significant: bool
    text: str


@dataclass
class Delivery:
    """What kind of delivery the subject has (``analysis.delivery``)."""

    kind: str  # "release train", "frequent deployments" or "merges"
    source: str  # the deployment source
    deployments: int  # in the report period
    per_week: float | None
    gap_days: float | None  # median days between deployments
    prs_per_deployment: float | None  # median merged PRs each carries
    text: str


@dataclass
class WaitingForRelease:
    """Merged PRs of the subject no release carries yet (``analysis.waiting``)."""

    repo: str
    waiting: int  # at the end of the data
    in_window: int  # of them, merged in the latest window
    oldest_wait: float | None  # seconds, to the end of the data
    oldest_number: int | None
    per_period: dict[str, int]  # merged in the period and still waiting
    last_release: str  # YYYY-MM-DD, "" when none
    text: str


@dataclass
class RhythmSection:
    """Work rhythm and velocity of the subject (``analysis.rhythm``)."""

    repo: str
    n_commits: int
    n_authors: int
    gap_minutes: float
    allowance_minutes: float
    sessions: list[SessionPeriod]
    hours_gap: float | None  # coding hours per active author per week over the range
    hours_hmm: float | None
    model: dict  # fitted HMM in words and numbers (empty when none was fitted)
    local_hours: dict[str, list[int]]  # event -> 24 counts on people's own clocks
    peaks: dict[str, str]  # event -> "10:00–14:00 (31% of 1,234)"
    review: ReviewTiming | None
    velocity: list[VelocityPoint]
    trends: list[Trend]
    decay: str  # the velocity-decay finding, "" when there is none
    text: str
    unavailable: str = ""  # why there are no commits, when there are none
    # what a change in output per author is made of (same people vs who was active), when the
    # trend test finds one; "" otherwise (``analysis.composition``)
    composition: str = ""

    def session(self, period: str) -> SessionPeriod | None:
        """The sessions row of a period (a look-up for renderers)."""
        return next((s for s in self.sessions if s.period == period), None)


@dataclass
class PracticeRow:
    """One practice of the audit at HEAD (``analysis.practices``)."""

    key: str
    name: str
    applies: str  # "all" | "ml"
    status: str  # "present" | "missing" | "not applicable"
    evidence: list[str]  # paths (and dependency files) that prove it, the first few
    more: int  # further evidence paths not listed
    first_seen: str  # e.g. "2018-05-11 (tests/unit_test.go)", "" when unknown
    why: str


@dataclass
class TestShare:
    """Merged PRs that changed code, and how many of them also changed tests, in a period."""

    period: str
    code_prs: int
    with_tests: int
    share: float | None


@dataclass
class PracticeSection:
    repo: str
    source: str
    head: str
    ml: bool
    frameworks: dict[str, str]  # framework -> the dependency file naming it
    rows: list[PracticeRow]
    present: int
    applicable: int
    files: int
    notebooks: int
    notebook_share: float | None  # notebooks ÷ (code files + notebooks)
    tests_with_code: list[TestShare]
    window_share: float | None  # over the report's latest window
    window_n: int
    text: str
    history_note: str = ""
    # project signals at HEAD that are not scored practices (issue templates, PR template,
    # contributing guide): key -> the paths that prove it; a key absent = not audited
    signals: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Executive:
    """The one-page summary at the top of the report (``analysis.summary``)."""

    headline: str
    paragraphs: list[str]  # flow; delivery and stability; people and practice
    prs: list[PRRef]  # the PRs the paragraphs name
    people: list[str]  # the people they name
    strengths: list[str]
    weaknesses: list[str]
    recommendations: list[str]  # the top three, "title: action"


@dataclass
class WaitEstimate:
    """A wait over every PR that started in a span, censoring-aware (``analysis.waits``)."""

    measure: str  # "first_response" | "merge"
    span: str  # a period label, or "a to b" for the latest window
    n: int  # PRs that started waiting
    events: int  # ... that got the response / were merged
    censored: int  # still waiting at the data's end, or closed without it
    median: float | None  # Kaplan–Meier, seconds (None: fewer than half have had it)
    median_low: float | None
    median_high: float | None
    p90: float | None
    p90_low: float | None
    p90_high: float | None
    naive_median: float | None  # over the PRs that had the event only
    waiting_7d: float | None  # share without the event after 7 days
    waiting_30d: float | None


@dataclass
class WaitsSection:
    repo: str
    window: list[WaitEstimate]  # each measure over the latest window
    periods: list[WaitEstimate]  # each measure per period
    text: str
    unavailable: dict[str, str] = field(default_factory=dict)  # measure -> why not


@dataclass
class StageStep:
    """One bar of the waterfall: a stage's median in the window before and the latest, and
    where its bar starts and ends on the running total (seconds)."""

    stage: str
    name: str
    previous: float | None
    latest: float | None
    delta: float
    start: float
    end: float
    n_previous: int
    n_latest: int


@dataclass
class Drivers:
    """What moved the cycle or lead time between the window before and the latest
    (``analysis.drivers``)."""

    metric: str
    previous_span: str
    latest_span: str
    steps: list[StageStep]
    total_previous: float  # sum of the stage medians
    total_latest: float
    observed_previous: float | None  # the metric's own median
    observed_latest: float | None
    mix: float | None  # change explained by PR size mix (seconds)
    speed: float | None  # change at equal size
    size_edges: list[float]  # size-bin edges (lines), from the window before
    text: str


@dataclass
class Cohort:
    """PRs of one kind of author in the latest window (``analysis.cohorts``)."""

    name: str  # "first-time contributors" | "returning contributors" | "maintainers"
    prs: int
    authors: int
    first_response: float | None  # Kaplan–Meier median, seconds
    first_response_naive: float | None
    first_response_n: int
    merge_rate: float | None  # merged ÷ (merged + closed unmerged), PRs opened in the window
    merge_n: int
    cycle: float | None  # median cycle time of those merged in the window
    cycle_n: int


@dataclass
class Reviewer:
    name: str
    responses: int  # first responses
    share: float  # of the reviews when they are known, else of the first responses
    median_wait: float | None  # their first responses' median wait (ready → response)
    reviews: int | None = None  # every review they submitted (GitHub source)


@dataclass
class PeopleSection:
    """Contributor cohorts and review load of the subject in the latest window."""

    repo: str
    cohort_rule: str  # how authors were put in cohorts, in words
    cohorts: list[Cohort]
    newcomer_finding: str  # "" when newcomers do not wait longer beyond the noise
    reviewers: list[Reviewer]  # the busiest first, up to 10
    responses: int
    top3_share: float | None
    load_finding: str  # "" when the load is not concentrated
    text: str
    reviews: int = 0  # every human review in the window (0: the source has none)


@dataclass
class AIRuleHits:
    """One AI-detection rule and what it found (PRs and commits it marks)."""

    name: str
    description: str
    prs: int
    commits: int = 0


@dataclass
class AIComparison:
    """AI-assisted PRs against the other PRs of the same repository, period and size bin."""

    key: str  # cycle_time, coding, first_response, review, merge, size, reverted, reworked
    name: str
    kind: str  # duration | lines | share
    ai_n: int
    other_n: int
    ai_value: float | None  # median (duration, lines) or share; None below the minimum n
    other_value: float | None
    ratio: float | None  # AI ÷ comparable others, within strata (durations, lines)
    test: str  # "Mann–Whitney (within period × size bin)" | "Cochran–Mantel–Haenszel"
    p_value: float | None
    text: str


@dataclass
class AIPoint:
    period: str
    merged: int  # merged PRs counted
    ai: int  # of them AI-assisted
    ai_reviewed: int = 0  # merged PRs an AI reviewer reviewed or commented on


@dataclass
class AIInstruction:
    path: str
    first_seen: str  # YYYY-MM-DD, "" when the history does not reach it


@dataclass
class AISection:
    """AI-assisted changes of the subject (``analysis.ai``): the rules and their hits, the share
    of merged PRs per period and its trend, what AI-assisted PRs cost and deliver against
    comparable PRs, the AI reviewers as their own series, and the AI stance at HEAD."""

    repo: str
    rules: list[AIRuleHits]
    tools: dict[str, int]  # AI-assisted merged PRs per tool (report period)
    merged: int  # merged PRs in the report period
    ai_prs: int  # of them AI-assisted
    points: list[AIPoint]
    trend: str  # rising | falling | flat | insufficient
    trend_p: float | None
    comparisons: list[AIComparison]
    reviewers: dict[str, int]  # AI reviews and comments per tool (report period)
    reviewed_prs: int  # merged PRs an AI reviewer reviewed or commented on
    instructions: list[AIInstruction]
    stance: str  # the AI stance in words ("" = not audited)
    stance_before: float | None  # AI share in the months before the first instruction file
    stance_after: float | None
    stance_p: float | None
    rework_days: int
    min_n: int
    text: str
    caveats: list[str] = field(default_factory=list)
    latest: list[int] = field(default_factory=list)  # the latest AI-assisted merged PRs
    examples: list[PRRef] = field(default_factory=list)  # them, as references (with the tool)


@dataclass
class CaseStudy:
    subject: str
    peers: list[str]
    period_from: str
    period_to: str
    freq: str
    tz: str
    generated_at: str
    synthetic: bool
    headline: str
    verdict: str
    summary: str
    window: list[str]
    sources: list[SourceInfo]
    series: list[MetricSeries]
    findings: list[Finding]  # subject and peers (repo field tells)
    strengths: list[Statement]
    weaknesses: list[Statement]
    recommendations: list[Recommendation]
    notable_prs: dict[str, list[PRRef]]
    definitions: list[Definition]
    completeness: list[Completeness]
    options: dict = field(default_factory=dict)
    work_pattern: WorkPattern | None = None
    ci: CISection | None = None
    ci_unavailable: str = ""  # why there is no CI section
    rhythm: RhythmSection | None = None
    practices: PracticeSection | None = None
    practices_unavailable: str = ""
    executive: Executive | None = None
    waits: WaitsSection | None = None
    drivers: Drivers | None = None
    people: PeopleSection | None = None
    waiting: WaitingForRelease | None = None  # merged PRs no release carries yet
    delivery: Delivery | None = None  # versioned releases or frequent deployments
    benchmark_note: str = ""  # what the DORA levels are (``metrics.BENCHMARK_NOTE``)
    peer_caveat: str = ""  # how to read a comparison with peers (``metrics.PEER_CAVEAT``)
    definitions_hash: str = ""  # metric definitions + rules + options: equal hashes compare
    # the claims the report makes (headline, verdict, strengths, weaknesses, summary sentences),
    # each with its evidence; those the gate refused, with the reason; refused recommendations
    claims: list[Claim] = field(default_factory=list)
    refused_claims: list[Claim] = field(default_factory=list)
    refused_recommendations: list[Recommendation] = field(default_factory=list)
    project: dict = field(default_factory=dict)  # what kind of project the data shows
    ai: AISection | None = None  # AI-assisted changes (None: none found, nothing to say)
    change: str = "PR"  # what the subject's forge calls a proposed change (``report.words``)
    change_long: str = "pull request"
    change_ref: str = "#"  # the sign before a change's number

    def passed(self, kind: str) -> list[Claim]:
        """The claims of ``kind`` that passed the gate, in the report's order (a look-up for a
        story page or a validate script)."""
        return [c for c in self.claims if c.kind == kind and not c.refused]

    @property
    def refused(self) -> list[Claim]:
        """The claims the gate refused."""
        return self.refused_claims

    # -- look-ups renderers use (no computation) ----------------------------------------------
    def finding(self, metric: str, repo: str | None = None) -> Finding | None:
        repo = repo or self.subject
        return next((f for f in self.findings if f.metric == metric and f.repo == repo), None)

    def definition(self, metric: str) -> Definition:
        """The definition the report measured ``metric`` with (KeyError when it has none)."""
        for d in self.definitions:
            if d.metric == metric:
                return d
        raise KeyError(metric)

    def label(self, key: str) -> str:
        """A metric's name, or a fact's key in words ("velocity_decay" → "velocity decay")."""
        d = next((d for d in self.definitions if d.metric == key), None)
        return d.name if d is not None else key.replace("_", " ")

    def stages(self) -> list[Definition]:
        """The PR stages, in the report's order (coding → … → deploy)."""
        return [d for d in self.definitions if d.stage]

    def series_for(self, metric: str, repo: str | None = None) -> MetricSeries | None:
        repo = repo or self.subject
        return next((s for s in self.series if s.metric == metric and s.repo == repo), None)

    @property
    def repos(self) -> list[str]:
        return [self.subject, *self.peers]

    # -- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False,
                          default=_json_default)

    @classmethod
    def from_dict(cls, data: dict) -> CaseStudy:
        return _decode(cls, data)

    @classmethod
    def from_json(cls, text: str) -> CaseStudy:
        return cls.from_dict(json.loads(text))


def _json_default(o):
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


@functools.cache
def _hints(tp) -> dict:
    """A dataclass's resolved field types (resolving them is most of a decode's time)."""
    return typing.get_type_hints(tp)


def _decode(tp, value):
    """Rebuild dataclasses (and lists/dicts of them) from plain JSON values."""
    origin = typing.get_origin(tp)
    if dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        return tp(**{k: _decode(hints[k], v) for k, v in value.items() if k in hints})
    if origin is list:
        (item,) = typing.get_args(tp)
        return [_decode(item, v) for v in value]
    if origin is dict:
        _, item = typing.get_args(tp)
        return {k: _decode(item, v) for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(args[0], value)
    return value
