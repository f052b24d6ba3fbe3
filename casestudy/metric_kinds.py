"""Metric kinds: how a family of metrics is measured per period and over a window, which test
decides whether it changed, and how it is worded. Each entry of the registry (``metrics.py``) has
a kind; the table (``core``) and the findings (``analysis``) ask it instead of switching on a
metric's key.

A kind computes from the *tallies* its caller hands it (``Tallies``): the core's kernels count
merged PRs, lines, distinct authors and deployments per (repo, period); over a window the counts
are the sums of the window's periods (so a finding and the table cells it sums up agree),
distinct values are counted again over the window's PRs and durations are sampled. One formula
per kind serves both. Kinds import no other layer: the numba kernels stay in ``core`` and the
significance tests in ``analysis`` (a kind names its test).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np

# the significance tests a kind can name (``analysis.findings`` runs them)
MANN_WHITNEY = "Mann–Whitney"  # two samples of durations
POISSON_RATE = "Poisson rate"  # two event counts over their exposures (periods, weeks)
TWO_PROPORTIONS = "two proportions"  # two shares (part of a whole)

# context notes a finding of a kind carries (``analysis.findings`` writes them)
FAILURE_PLACEMENT = "how the window's failures were placed on deployments"
OPEN_FAILURES = "failures not restored yet"


class Described(Protocol):
    """What a kind reads from its metric: its name and, for a PR duration, its time fields."""

    key: str
    name: str
    start: str | None
    end: str | None
    fallback_start: str | None


class Tallies(Protocol):
    """Counts per group: numbers for one repository over a window, (repos × periods) arrays in
    the table. ``flag`` names a boolean PR field of ``model.PRArrays`` (e.g. ``"is_bugfix"``)."""

    def periods(self): ...  # how many periods a group spans
    def merged(self, flag: str | None = None): ...  # merged PRs (with ``flag`` set)
    def lines(self, flag: str | None = None): ...  # lines changed by them
    def distinct(self, field: str): ...  # distinct ids of a PR field among them (NaN: no field)
    def has_deployments(self): ...  # whether the repository has a deployment source at all
    def deployments(self): ...
    def deployment_days(self): ...  # days with at least one deployment
    def covered_days(self): ...  # days the repository's data covers
    def failed(self): ...  # deployments that failed
    def open_failures(self): ...  # failed deployments not restored yet
    def caught(self): ...  # reverts of changes never deployed
    def rework(self): ...  # deployments that restored a failed deployment


class PerPeriod(Tallies, Protocol):
    """The table's tallies, and its duration statistics per (repo, period)."""

    def duration_stats(self, m: Described) -> dict[str, np.ndarray]: ...
    def restore_stats(self) -> dict[str, np.ndarray]: ...


class OverWindow(Tallies, Protocol):
    """One repository's tallies over a window, and its duration samples."""

    def duration_sample(self, m: Described) -> np.ndarray: ...
    def restore_sample(self) -> np.ndarray: ...


@dataclass
class Pooled:
    """A metric over a window: its level, its n, and what its test compares (a sample of
    durations, or counts as (events, exposure))."""

    level: float | None
    n: int
    sample: np.ndarray | None = None
    counts: tuple[float, float] | None = None


def finite(x) -> float | None:
    """A plain float, or None for missing, NaN and infinite values (for the JSON document)."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


def ratio(part, whole):
    """part ÷ whole, NaN where the whole is empty (arrays or numbers)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.asarray(whole) > 0, np.asarray(part) / np.asarray(whole), np.nan)


@dataclass(frozen=True)
class Kind:
    """How a family of metrics is measured, tested and worded. The class says what the family
    shares (its ``family``, test, wording); an instance is one metric's: ``praise``/``concern``
    word a strength/weakness ("High throughput"/"low throughput"; by default the kind's
    ``better``/``worse`` word and the metric's name), ``concern_above`` is a level that is a
    weakness in itself (whatever the peers do), ``without`` = (data, note) is what a finding
    says when its repository's source lacks that data."""

    praise: str = ""
    concern: str = ""
    concern_above: float | None = None
    without: tuple[str, ...] = ()

    family: ClassVar[str]  # "duration" | "count" | "share" | "deploy": how values are formatted
    n_of: ClassVar[str] = "PRs"  # what n counts, for "too few …"
    test: ClassVar[str]  # the significance test of a change
    better: ClassVar[str] = "Better"
    worse: ClassVar[str] = "poor"
    of_a_sample: ClassVar[bool] = False  # a median or share: no sample, no level; has episodes
    sized: ClassVar[bool] = True  # a small n means no verdict (a rate over weeks is not a sample)
    in_verdict: ClassVar[bool] = True  # may be a headline or a verdict (volumes are context)
    working_hours: ClassVar[bool] = False  # measured in working hours when the report asks
    notes: ClassVar[tuple[str, ...]] = ()  # context notes its findings carry
    extra: ClassVar[str | None] = None  # the stat a series shows beside the value, if any

    def wording(self, name: str, good: bool) -> str:
        if good:
            return self.praise or f"{self.better} {name.lower()}"
        return self.concern or f"{self.worse} {name.lower()}"

    def per_period(self, m: Described, t: PerPeriod) -> dict[str, np.ndarray]:
        """``n``, ``value`` and the kind's other stats per (repo, period)."""
        raise NotImplementedError

    def over_window(self, m: Described, t: OverWindow) -> Pooled:
        raise NotImplementedError


@dataclass(frozen=True)
class Unmeasured(Kind):
    """A metric made only to format values (no kind of measurement): asking it is an error."""

    family: ClassVar[str] = ""
    test: ClassVar[str] = ""

    @staticmethod
    def refuse(m: Described) -> ValueError:
        return ValueError(f"metric {m.key!r} has no kind of measurement (give it one in the "
                          "registry, metrics.py)")

    def per_period(self, m: Described, t: PerPeriod) -> dict[str, np.ndarray]:
        raise self.refuse(m)

    def over_window(self, m: Described, t: OverWindow) -> Pooled:
        raise self.refuse(m)


@dataclass(frozen=True)
class Duration(Kind):
    """The median of durations (seconds); a change is tested by Mann–Whitney."""

    family: ClassVar[str] = "duration"
    test: ClassVar[str] = MANN_WHITNEY
    better: ClassVar[str] = "Faster"
    worse: ClassVar[str] = "sluggish"
    of_a_sample: ClassVar[bool] = True

    def sample(self, m: Described, t: OverWindow) -> np.ndarray:
        raise NotImplementedError

    def over_window(self, m: Described, t: OverWindow) -> Pooled:
        d = self.sample(m, t)
        return Pooled(finite(np.median(d)) if d.size else None, int(d.size), sample=d)


@dataclass(frozen=True)
class PRDuration(Duration):
    """A PR's time from its metric's ``start`` (or ``fallback_start``) to its ``end`` field, in
    the period of the end (``core.durations`` measures it)."""

    working_hours: ClassVar[bool] = True

    def per_period(self, m: Described, t: PerPeriod) -> dict[str, np.ndarray]:
        return t.duration_stats(m)

    def sample(self, m: Described, t: OverWindow) -> np.ndarray:
        return t.duration_sample(m)


@dataclass(frozen=True)
class RestoreDuration(Duration):
    """From a failing deployment to the restore, per incident, in the period of the restore."""

    n_of: ClassVar[str] = "incidents"
    notes: ClassVar[tuple[str, ...]] = (OPEN_FAILURES,)

    def per_period(self, m: Described, t: PerPeriod) -> dict[str, np.ndarray]:
        return t.restore_stats()

    def sample(self, m: Described, t: OverWindow) -> np.ndarray:
        return t.restore_sample()


@dataclass(frozen=True)
class Counted(Kind):
    """A kind whose value is a formula over counts (``stats``), the same per period and over a
    window; ``counts`` gives its test's (events, exposure)."""

    def stats(self, t: Tallies) -> dict:
        raise NotImplementedError

    def counts(self, s: dict, t: Tallies) -> tuple[float, float]:
        raise NotImplementedError

    def level(self, s: dict) -> float | None:
        return finite(s["value"])

    def per_period(self, m: Described, t: PerPeriod) -> dict[str, np.ndarray]:
        return self.stats(t)

    def over_window(self, m: Described, t: OverWindow) -> Pooled:
        s = self.stats(t)
        return Pooled(self.level(s), int(s["n"]), counts=self.counts(s, t))


@dataclass(frozen=True)
class MergedCount(Counted):
    """A count among the merged PRs; a change is tested as a Poisson rate per period. A volume
    is context, never a headline or a verdict."""

    family: ClassVar[str] = "count"
    n_of: ClassVar[str] = "merged PRs"
    test: ClassVar[str] = POISSON_RATE
    better: ClassVar[str] = "Higher"
    worse: ClassVar[str] = "low"
    in_verdict: ClassVar[bool] = False


@dataclass(frozen=True)
class MergedPRs(MergedCount):
    """Merged PRs (those with ``flag`` set, when given) per period; ``beside`` = (stat, flag)
    also counts the merged PRs with another flag, shown beside the value (e.g. reverts)."""

    flag: str | None = None
    beside: tuple[str, str] | None = None

    @property
    def extra(self) -> str | None:
        return self.beside[0] if self.beside else None

    def stats(self, t: Tallies) -> dict:
        n = t.merged(self.flag)
        out = {"n": n, "value": n / t.periods()}
        if self.beside:
            out[self.beside[0]] = t.merged(self.beside[1])
        return out

    def counts(self, s: dict, t: Tallies) -> tuple[float, float]:
        return s["n"], t.periods()


@dataclass(frozen=True)
class DistinctCount(MergedCount):
    """Distinct ids of a PR field (e.g. ``author_idx``: active authors) among the merged PRs:
    over a window each id counts once, and a window without merged PRs has no level."""

    field: str = "author_idx"

    def stats(self, t: Tallies) -> dict:
        return {"n": t.merged(), "value": t.distinct(self.field)}

    def level(self, s: dict) -> float | None:
        return finite(s["value"]) if s["n"] else None

    def counts(self, s: dict, t: Tallies) -> tuple[float, float]:
        return s["value"], t.periods()


@dataclass(frozen=True)
class Share(Counted):
    """A part of a whole (``n``); a change is tested as two proportions."""

    family: ClassVar[str] = "share"
    test: ClassVar[str] = TWO_PROPORTIONS
    better: ClassVar[str] = "Lower"
    worse: ClassVar[str] = "high"
    of_a_sample: ClassVar[bool] = True
    part: ClassVar[str] = "part"  # the stat that counts the part

    def counts(self, s: dict, t: Tallies) -> tuple[float, float]:
        return s[self.part], s["n"]


@dataclass(frozen=True)
class MergedShare(Share):
    """The share of merged PRs with ``flag`` set (also ``weighted`` by lines changed)."""

    flag: str = ""

    n_of: ClassVar[str] = "merged PRs"
    extra: ClassVar[str | None] = "weighted"

    def stats(self, t: Tallies) -> dict:
        n, part = t.merged(), t.merged(self.flag)
        return {"n": n, "value": ratio(part, n), "weighted": ratio(t.lines(self.flag), t.lines()),
                "part": part}


@dataclass(frozen=True)
class FailedDeployments(Share):
    """Failed deployments ÷ deployments, in the period of the deployment (also counted: the
    failures not restored yet, the reverts caught before release)."""

    n_of: ClassVar[str] = "deployments"
    extra: ClassVar[str | None] = "failed"
    part: ClassVar[str] = "failed"
    notes: ClassVar[tuple[str, ...]] = (FAILURE_PLACEMENT, OPEN_FAILURES)

    def stats(self, t: Tallies) -> dict:
        n, failed = t.deployments(), t.failed()
        return {"n": n, "value": ratio(failed, n), "failed": failed, "open": t.open_failures(),
                "caught": t.caught()}


@dataclass(frozen=True)
class ReworkDeployments(Share):
    """Deployments that restored a failed deployment (shipped its revert or fix) ÷
    deployments, in the period of the restoring deployment."""

    n_of: ClassVar[str] = "deployments"
    extra: ClassVar[str | None] = None
    part: ClassVar[str] = "rework"

    def stats(self, t: Tallies) -> dict:
        n, rework = t.deployments(), t.rework()
        return {"n": n, "value": ratio(rework, n), "rework": rework}


@dataclass(frozen=True)
class DeploymentRate(Counted):
    """Deployments per week of the days the data covers (also days with a deployment per
    week); NaN for a repository without deployments. A change is tested as a Poisson rate per
    week; the weeks, not n, decide whether there is enough data."""

    family: ClassVar[str] = "deploy"
    n_of: ClassVar[str] = "deployments"
    test: ClassVar[str] = POISSON_RATE
    better: ClassVar[str] = "More frequent"
    worse: ClassVar[str] = "infrequent"
    sized: ClassVar[bool] = False
    extra: ClassVar[str | None] = "days_per_week"

    def stats(self, t: Tallies) -> dict:
        n, days, has = t.deployments(), t.covered_days(), t.has_deployments()
        weeks = np.where(has, days, 0.0) / 7.0
        return {"n": n, "value": ratio(n, weeks),
                "days_per_week": ratio(t.deployment_days(), weeks), "days": days}

    def counts(self, s: dict, t: Tallies) -> tuple[float, float]:
        return s["n"], s["days"] / 7.0


PR_DURATION = PRDuration()
UNMEASURED = Unmeasured()
