"""The one registry of metric definitions: what each metric means, how it is measured (its kind,
``metric_kinds``), which way is better and where the DORA 2024 bands put it. The core, the
analysis and every renderer read this.

A new PR duration is one entry with its ``start`` and ``end`` fields; a new count or share of
merged PRs is one entry with its kind (e.g. ``MergedShare(flag="is_revert")``).
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field

from .classifier_accuracy import BUGFIX as _BUGFIX
from .metric_kinds import (
    PR_DURATION,
    UNMEASURED,
    DeploymentRate,
    DistinctCount,
    FailedDeployments,
    Kind,
    MergedPRs,
    MergedShare,
    PRDuration,
    RestoreDuration,
    ReworkDeployments,
)

# What the DORA levels are and how to read them: said in the definitions appendix and beside any
# comparison of peers. Bands come only from the DORA 2024 report's cluster table (the 2025
# research publishes per-metric benchmarks in its Quick Check, which this report does not use
# until they can be verified); none is invented where DORA publishes none.
BENCHMARK_NOTE = (
    "The DORA bands are from the 2024 Accelerate State of DevOps report (Google Cloud / DORA): "
    "they describe the clusters its survey found (Elite, High, Medium, Low), as averages and "
    "ranges of the teams in each cluster, not targets. DORA groups its five metrics into "
    "throughput (change lead time, deployment frequency, failed deployment recovery time) and "
    "instability (change fail rate, deployment rework rate). Here they are proxied from "
    "repository history, as each definition says.")
PEER_CAVEAT = (
    "DORA's own guidance: its metrics describe one application or service at a time; "
    "comparing applications of different kinds says little, and the metrics are meant for "
    "improving a team against itself, not as targets. Read peers as context for this "
    "repository's own trend.")
HOUR = 3600.0
DAY = 86400.0


@dataclass(frozen=True)
class Band:
    """A DORA performance band: ``value < upper`` (or ``>= lower`` for higher-is-better)."""

    name: str  # Elite | High | Medium | Low
    limit: float  # seconds for durations, per week for frequency; upper bound (lower for freq)
    text: str


class Clusters(tuple):
    """Bands published as cluster averages, not thresholds: a value is in the nearest one."""


@dataclass(frozen=True)
class Metric:
    """A metric's definition. ``how`` is its kind (``metric_kinds``): how it is computed per
    period and over a window, tested and worded; a duration with ``start`` and ``end`` is a PR
    duration without saying so, and ``kind`` must be the family of ``how``. ``how`` is kept out
    of the dataclass fields (it is code, not definition: the definitions hash reads the
    fields); read it back as ``metric.how``."""

    key: str
    name: str
    unit: str  # "hours" | "per week" | "share" | "PRs" | "authors"
    kind: str  # "duration" | "deploy" | "share" | "count": how values are formatted
    direction: str  # "lower" | "higher" is better
    formula: str
    explanation: str
    start: str | None = None  # PR time field where the duration starts
    end: str | None = None  # PR time field that completes it (and decides the period)
    fallback_start: str | None = None  # used when ``start`` is missing
    needs: tuple[str, ...] = ()  # data a source must provide (e.g. "reviews") for this metric
    bands: tuple[Band, ...] = field(default_factory=tuple)
    band_note: str = ""
    dora: bool = False
    # DORA's two factors (dora.dev, 2024–): "throughput" (lead time, deployment frequency,
    # failed deployment recovery time) or "instability" (change fail rate, rework rate)
    factor: str = ""
    how: InitVar[Kind | None] = None

    def __post_init__(self, how: Kind | None) -> None:
        if how is None:
            how = PR_DURATION if self.kind == "duration" and self.start and self.end \
                else UNMEASURED
        elif how.family != self.kind:
            raise ValueError(f"metric {self.key!r}: kind {self.kind!r} but measured as "
                             f"{type(how).__name__} ({how.family!r})")
        object.__setattr__(self, "how", how)  # an attribute, not a field (see the docstring)

    @property
    def lower_is_better(self) -> bool:
        return self.direction == "lower"

    @property
    def n_of(self) -> str:
        """What this metric's n counts, for sentences such as "too few incidents"."""
        return self.how.n_of

    def wording(self, good: bool) -> str:
        """A strength ("High throughput") or weakness ("low throughput") in words."""
        return self.how.wording(self.name, good)


LEAD_BANDS = (
    Band("Elite", DAY, "less than one day"),
    Band("High", 7 * DAY, "between one day and one week"),
    Band("Medium", 30 * DAY, "between one week and one month"),
    Band("Low", float("inf"), "more than one month"),
)
RESTORE_BANDS = (
    Band("Elite", HOUR, "less than one hour"),
    Band("High", DAY, "less than one day"),
    Band("Medium", 7 * DAY, "less than one week"),
    Band("Low", float("inf"), "one week or more"),
)
FREQ_BANDS = (  # deploys per week, lower limits
    Band("Elite", 7.0, "on demand (daily or more)"),
    Band("High", 1.0, "between daily and weekly"),
    Band("Medium", 0.25, "between weekly and monthly"),
    Band("Low", 0.0, "less than monthly"),
)
CFR_CLUSTERS = Clusters((  # cluster averages, not thresholds
    Band("Elite", 0.05, "about 5%"),
    Band("Medium", 0.10, "about 10%"),
    Band("High", 0.20, "about 20%"),
    Band("Low", 0.40, "about 40%"),
))

_STAGE_NOTE = "Bots excluded by default; the month is the one in which the stage ended."

METRICS: tuple[Metric, ...] = (
    Metric("cycle_time", "Cycle time", "hours", "duration", "lower",
           "first commit (or ready for review, when no commit time) → merge",
           "How long a change takes from its first commit until it is merged. "
           + _STAGE_NOTE, start="first_commit_at", end="merged_at", fallback_start="ready_at"),
    Metric("lead_time", "Lead time for changes", "hours", "duration", "lower",
           "first commit (or ready) → first deployment containing the merge",
           "DORA's lead time for changes: from the first commit of a change until it runs in "
           "production: the first deployment that contains the merge (from a git clone, the "
           "first release tag whose history holds it or its copy on a release branch (a "
           "backport), so a merge after a release branch forked and never copied to it waits "
           "for a later branch; from other sources, the first deployment at or after the "
           "merge). Without a deployment "
           "source it falls back to merge time, and the report says so.",
           start="first_commit_at", end="deployed_at", fallback_start="ready_at",
           bands=LEAD_BANDS, dora=True, factor="throughput",
           how=PRDuration(without=("deployments", "No deployment source: measured to the merge "
                                   "(every merge stands in for a deployment), so it equals the "
                                   "cycle time."))),
    Metric("coding", "Coding time", "hours", "duration", "lower",
           "first commit → ready for review",
           "Time spent on a change before asking for review. " + _STAGE_NOTE,
           start="first_commit_at", end="ready_at"),
    Metric("first_response", "First response time", "hours", "duration", "lower",
           "ready for review → first review or comment by a non-author non-bot",
           "How long a PR waits for a human other than its author to react (pickup time). "
           + _STAGE_NOTE, start="ready_at", end="first_response_at", needs=("reviews",)),
    Metric("review", "Review time", "hours", "duration", "lower",
           "first response → last approval",
           "From the first reaction to the last approval. " + _STAGE_NOTE,
           start="first_response_at", end="last_approval_at", needs=("reviews",)),
    Metric("merge", "Merge time", "hours", "duration", "lower",
           "last approval → merge", "From the last approval to the merge. " + _STAGE_NOTE,
           start="last_approval_at", end="merged_at", needs=("reviews",)),
    Metric("deploy", "Deploy time", "hours", "duration", "lower",
           "merge → first deployment containing the merge",
           "How long merged work waits to be released. " + _STAGE_NOTE,
           start="merged_at", end="deployed_at", needs=("deployments",)),
    Metric("time_to_restore", "Failed deployment recovery time", "hours", "duration", "lower",
           "failing deployment → first deployment carrying the revert or fix (or the incident "
           "issue closed); failures not restored yet are counted, not measured",
           "DORA's failed deployment recovery time (called time to restore service before "
           "2023), proxied by reverts, hotfix PRs and incident "
           "issues (see change failure rate for which deployment failed); the month is the one "
           "in which service was restored. Open failures are left out of the median and counted "
           "beside it.",
           needs=("deployments",), bands=RESTORE_BANDS, dora=True, factor="throughput",
           how=RestoreDuration()),
    Metric("deploy_frequency", "Deployment frequency", "per week", "deploy", "higher",
           "deployments ÷ weeks of the period covered by the repository's data (also: days "
           "with a deployment per week)",
           "DORA's deployment frequency, counted from the deployment source shown in the "
           "appendix (Deployments API → workflow runs → releases/tags → merges). A period the "
           "data covers only in part is divided by the weeks it covers.",
           needs=("deployments",), bands=FREQ_BANDS, dora=True, factor="throughput",
           how=DeploymentRate(praise="Frequent deployments", concern="infrequent deployments")),
    Metric("change_failure_rate", "Change failure rate", "share", "share", "lower",
           "failed deployments ÷ deployments, by the period of the deployment",
           "DORA's change failure rate, proxied: a deployment failed when it first shipped a "
           "change that was later reverted. Hotfix PRs and labelled incident issues name no "
           "root cause and fall back to the latest deployment before them; a revert of a change "
           "never deployed was caught before release and is counted apart, not as a failure. "
           "The finding says which rule placed each failure.",
           needs=("deployments",), bands=CFR_CLUSTERS,
           band_note="DORA 2024 publishes change failure rates as cluster averages (Elite ≈5%, "
           "High ≈20%, Medium ≈10%, Low ≈40%), not thresholds; the nearest average is shown.",
           dora=True, factor="instability",
           how=FailedDeployments(praise="Fewer failed deployments",
                                 concern="frequent failed deployments")),
    Metric("rework_rate", "Deployment rework rate", "share", "share", "lower",
           "deployments that restored a failed deployment ÷ deployments, by the period of the "
           "restoring deployment",
           "DORA's fifth metric (2024–): the share of deployments that were unplanned, made to "
           "fix what an earlier deployment broke. Proxied from what the source shows: a "
           "deployment that first shipped the revert or fix of a failed deployment (the change "
           "failure rate's construction links them). DORA publishes no bands for it; none are "
           "shown.",
           needs=("deployments",), dora=True, factor="instability",
           how=ReworkDeployments(praise="Little rework", concern="frequent rework deployments")),
    Metric("time_to_green", "Time to green", "hours", "duration", "lower",
           "first check run on the PR's head commit started → every check's latest attempt "
           "there passed",
           "How long a PR's CI takes to go green, re-runs of flaky jobs included; a PR whose "
           "checks are not all green is left out. The month is the one in which CI went green.",
           start="checks_started_at", end="checks_green_at", needs=("checks",)),
    Metric("throughput", "Merged PRs", "PRs", "count", "higher",
           "merged PRs in the period", "How many PRs were merged (bots excluded by default).",
           how=MergedPRs(beside=("reverts", "is_revert"), praise="High throughput",
                         concern="low throughput")),
    Metric("contributors", "Active authors", "authors", "count", "higher",
           "distinct authors of the PRs merged in the period",
           "How many people had a pull request merged — the size of the active community "
           "(bots excluded by default). Over a window of several periods each person counts "
           "once.",
           how=DistinctCount(field="author_idx", praise="Large active community",
                             concern="small active community")),
    Metric("bugfix_share", "Bug-fix share", "share", "share", "lower",
           "merged bug-fix PRs ÷ merged PRs (also weighted by lines changed)",
           "The share of merged work that fixes bugs, classified by labels, linked issues, then "
           "title conventions (`fix:` and `BUG:` prefixes, words naming a fault; docs, test, CI "
           "and build fixes are not bug fixes). Measured on hand-labelled titles: precision "
           f"{_BUGFIX['precision']:.2f}, recall {_BUGFIX['recall']:.2f} on {_BUGFIX['n']} "
           "held-out titles (rule hits and how it was measured in the appendix).",
           how=MergedShare(flag="is_bugfix", praise="Less time on bug fixes",
                           concern="much effort on bug fixes", concern_above=0.3)),
)
BY_KEY = {m.key: m for m in METRICS}
DURATIONS = tuple(m for m in METRICS if m.kind == "duration" and m.end)
STAGES = ("coding", "first_response", "review", "merge", "deploy")


def get(key: str) -> Metric:
    """The registry's metric of that key; a ``KeyError`` naming it when there is none."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown metric {key!r} (the registry has {', '.join(BY_KEY)})") from None


def band_for(metric: Metric, value: float | None) -> Band | None:
    """The DORA band a value falls in (None when the metric has no bands or no value)."""
    if value is None or not metric.bands or value != value:
        return None
    if isinstance(metric.bands, Clusters):
        return min(metric.bands, key=lambda b: abs(b.limit - value))
    if metric.direction == "higher":
        for b in metric.bands:
            if value >= b.limit:
                return b
        return metric.bands[-1]
    for b in metric.bands:
        if value < b.limit:
            return b
    return metric.bands[-1]


def format_value(metric, value: float | None, period: str = "month") -> str:
    """A value in the metric's unit for people: durations in minutes/hours/days, counts with
    their unit ("70 PRs/month", "22 authors"). ``metric`` is anything with the strings ``kind``
    and ``unit`` (a registry ``Metric``, a document's ``Definition``)."""
    if value is None or value != value:
        return "n/a"
    if metric.kind == "duration":
        return format_duration(value)
    if metric.unit == "share":
        return f"{value * 100:.1f}%"
    if metric.unit == "per week":
        return f"{value:.1f}/week"
    if metric.unit == "PRs":
        return f"{value:,.0f} PR{'' if round(value) == 1 else 's'}/{period}"
    if metric.unit == "authors":
        return f"{value:,.0f} author" + ("" if round(value) == 1 else "s")
    return f"{value:,.0f}"


def format_duration(seconds: float) -> str:
    if seconds < HOUR:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * DAY:
        return f"{seconds / HOUR:.1f} h"
    return f"{seconds / DAY:.1f} days"
