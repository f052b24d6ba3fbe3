"""The recommendation catalogue: each rule has a trigger on the findings and facts, an evidence
sentence in this repository's own numbers, the action, its expected effect and the reference it
rests on. A rule never fires on data it cannot see (its trigger reads only visible findings and
facts that are not None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import metrics
from ..document import Finding, Recommendation
from .facts import Facts

REF_CASE = "PyTorch DORA case study (reference/pytorch-case-study.txt)"
REF_CI = "CI job de-duplication at PyTorch (reference/pytorch-ci-deduplication.txt)"
REF_VELOCITY = "ML developer velocity (reference/ml-developer-velocity.txt)"
REF_CODING = "Modelling coding time from commit timestamps (reference/mlops-coding-time-talk.txt)"
REF_ML = "ML engineering best practices (reference/ml-best-practices-ptdc18.txt)"
REF_DORA = "Accelerate State of DevOps 2024 (DORA)"


@dataclass
class Context:
    """What rules read: the subject's findings by metric, and its facts."""

    findings: dict[str, Finding]
    facts: Facts

    def f(self, metric: str) -> Finding | None:
        """A usable finding: visible, measured, with enough PRs."""
        x = self.findings.get(metric)
        if x is None or not x.visible or x.level is None or x.too_few:
            return None
        return x


def _t(metric: str, value: float | None) -> str:
    return metrics.format_value(metrics.get(metric), value)


def _n(count, noun: str, plural: str | None = None) -> str:
    """``1 revert``, ``3 reverts``, ``1,204 first responses``."""
    k = int(count)
    return f"{k:,} " + (noun if k == 1 else plural or noun + "s")


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    metric: str
    trigger: Callable[[Context], bool]
    evidence: Callable[[Context], str]
    action: str
    effect: str
    reference: str
    priority: int = 2


def _slow_pickup(c: Context) -> bool:
    f = c.f("first_response")
    return bool(f and (f.level > 24 * 3600 or f.trend == "worsening" or (
        f.episode and not f.episode["recovered"]) or (f.rank and f.rank == f.of and f.of > 1)))


def _pickup_evidence(c: Context) -> str:
    f = c.f("first_response")
    s = f"{f.sentence}"
    w = c.facts.waiting_over_week_share
    if w is not None:
        s += f" {w * 100:.0f}% of PRs made ready in the window waited more than a week."
    return s


RULES: tuple[Rule, ...] = (
    Rule("first-response-sla", "Set a first-response SLA", "first_response", _slow_pickup,
         _pickup_evidence,
         "Commit to a first human response on every PR within one working day, show the PRs "
         "past the SLA on a shared board, and review the number each week.",
         "Pickup time drops toward the SLA; cycle time falls by roughly the waiting removed.",
         REF_CASE, 1),
    Rule("first-responder-rotation", "Rotate a dedicated first responder", "first_response",
         lambda c: bool(c.f("first_response") and (c.facts.waiting_over_week_share or 0) > 0.05),
         lambda c: (f"{c.facts.waiting_over_week_share * 100:.0f}% of PRs "
                    f"({_n(c.facts.waiting_over_week, 'PR')}) waited over a week for a first "
                    "response; "
                    f"p90 wait context: {c.f('first_response').sentence}"),
         "Rotate one maintainer per day or week as first responder: triage, label, acknowledge "
         "and assign every new PR.", "The long tail of PRs waiting for days disappears first.",
         REF_CASE, 1),
    Rule("review-load-balancing", "Balance the review load", "review",
         lambda c: (c.facts.top3_response_share or 0) > 0.5 and (c.facts.responders or 0) > 3,
         lambda c: (f"Three people gave {c.facts.top3_response_share * 100:.0f}% of the "
                    f"{_n(c.facts.responses, 'first response')} in the window "
                    f"({_n(c.facts.responders, 'responder')} in all)."),
         "Use CODEOWNERS with team aliases and automatic reviewer assignment (round-robin or "
         "load-balanced); grow the reviewer pool by pairing new reviewers with experienced ones.",
         "Less queueing behind a few busy reviewers; fewer stalls when one of them is away.",
         REF_VELOCITY),
    Rule("smaller-prs", "Ship smaller pull requests", "cycle_time",
         lambda c: (c.facts.size_cycle_ratio or 0) >= 2.0,
         lambda c: (f"The largest quarter of merged PRs (≥ {c.facts.large_pr_lines:,.0f} lines "
                    f"changed) took a median {_t('cycle_time', c.facts.large_pr_cycle)} from "
                    f"first commit to merge, {c.facts.size_cycle_ratio:.1f}× the "
                    f"{_t('cycle_time', c.facts.small_pr_cycle)} of the smallest quarter "
                    f"(≤ {c.facts.small_pr_lines:,.0f} lines)."),
         "Split work into stacked or feature-flagged PRs of a few hundred lines; flag PRs over a "
         "size limit in CI.", "Shorter reviews and cycle times; fewer risky merges.", REF_DORA),
    Rule("automated-tests", "Automate tests to cut bug-fix work", "bugfix_share",
         lambda c: bool(c.f("bugfix_share") and c.f("bugfix_share").level >= 0.25),
         lambda c: c.f("bugfix_share").sentence + _tests_scorecard(c),
         "Require unit and integration tests with every change; measure coverage on changed "
         "lines; run the suite on every PR.",
         "Fewer bugs escape, so a smaller share of merged work is spent fixing them.", REF_CASE, 1),
    Rule("regression-tests", "Add a regression test with every fix", "change_failure_rate",
         lambda c: bool((c.f("change_failure_rate") and c.f("change_failure_rate").level > 0.15)
                        or (c.facts.revert_share or 0) > 0.01),
         lambda c: (c.f("change_failure_rate").sentence if c.f("change_failure_rate") else
                    f"{_n(c.facts.reverts, 'revert')} in the window "
                    f"({c.facts.revert_share * 100:.1f}% of merged PRs)."),
         "Make a failing test that reproduces the bug part of every fix and revert follow-up.",
         "The same failure does not ship twice; change failure rate trends down.", REF_DORA, 1),
    Rule("ci-deduplication", "De-duplicate correlated CI jobs", "cycle_time",
         lambda c: (c.facts.ci_jobs or 0) >= 10 and (c.facts.ci_clusters or 0) >= 1
         and (c.facts.ci_saved_share or 0) >= 0.2,
         lambda c: (f"{_n(c.facts.ci_jobs, 'job')} run on PRs and "
                    f"{_n(c.facts.ci_clusters, 'cluster')} of them fail together; keeping "
                    f"{c.facts.ci_kept} jobs still catches {c.facts.ci_recall:.0%} of the "
                    f"{_n(c.facts.ci_failed_prs, 'PR')} with a failure and saves "
                    f"{c.facts.ci_minutes_saved:,.0f} CI minutes "
                    f"({c.facts.ci_saved_share:.0%})."),
         "Cluster jobs by their failure correlation, keep one representative per cluster on PRs, "
         "and offer an opt-in full run (a label) before merge.",
         "Less CI time and cost per PR at nearly the same failure recall.", REF_CI),
    Rule("bug-report-template", "Adopt a bug-report template", "bugfix_share",
         lambda c: bool(c.f("bugfix_share") and c.f("bugfix_share").level >= 0.2
                        and (c.facts.bugfix_title_only_share or 0) >= 0.5),
         lambda c: (f"{c.facts.bugfix_title_only_share * 100:.0f}% of the merged bug fixes were "
                    "recognisable only from their title: no bug label and no linked issue."),
         "Add an issue template with steps to reproduce, expected and actual behaviour, versions "
         "and logs; link fixes to their issue.",
         "Bugs arrive reproducible, fixes are traceable, and triage is faster.", REF_CASE),
    Rule("release-cadence", "Release more often", "deploy",
         lambda c: bool((c.f("deploy") and c.f("deploy").level > 3 * 86400) or (
             c.f("deploy_frequency") and c.f("deploy_frequency").band in ("Medium", "Low"))),
         lambda c: " ".join(x.sentence for x in (c.f("deploy"), c.f("deploy_frequency")) if x),
         "Automate the release from the default branch (tag on green, publish from CI) and cut "
         "releases on a short fixed cadence or on every merge.",
         "Merged work reaches users sooner; lead time for changes falls.",
         REF_VELOCITY),
    Rule("stale-pr-triage", "Triage stale pull requests", "first_response",
         lambda c: (c.facts.stale_prs or 0) >= 10 and (c.facts.stale_share or 0) > 0.2,
         lambda c: (f"{c.facts.stale_prs:,} of {_n(c.facts.open_prs, 'open PR')} "
                    f"({c.facts.stale_share * 100:.0f}%) were older than 30 days at the end of "
                    "the window."),
         "Run a weekly stale-PR review: close, adopt or ask for changes; label and auto-ping PRs "
         "idle for two weeks.", "A shorter open tail and clearer priorities.", REF_CASE, 3),
    Rule("revert-discipline", "Tighten revert discipline", "change_failure_rate",
         lambda c: (c.facts.quick_reverts or 0) >= 3,
         lambda c: (f"{_n(c.facts.quick_reverts, 'PR')} "
                    f"{'was' if c.facts.quick_reverts == 1 else 'were'} reverted within 48 "
                    f"hours of the merge in the window ({_n(c.facts.reverts, 'revert')} in "
                    "all)."),
         "Write a short post-merge note for each revert (cause, missing test), and gate risky "
         "areas behind pre-merge checks or feature flags.",
         "Fewer quick reverts; failures are caught before merge.", REF_DORA),
    Rule("off-hours-load", "Reduce off-hours work", "cycle_time",
         lambda c: (c.facts.off_hours_share or 0) > 0.3,
         lambda c: (f"{c.facts.off_hours_share * 100:.0f}% of PR openings and merges happened "
                    f"on weekends or outside 08:00–19:00 (peak hour {c.facts.peak_hour}:00)."),
         "Look at who carries the off-hours load; spread on-call and review duty across time "
         "zones; avoid merge windows that force late work.",
         "A sustainable pace and fewer tired-hour mistakes.", REF_CODING, 3),
    Rule("ml-data-test-practices", "Adopt data and model testing practices", "bugfix_share",
         lambda c: (c.facts.ml_title_share or 0) > 0.05 and bool(
             c.f("bugfix_share") and c.f("bugfix_share").level >= 0.2),
         lambda c: (f"{c.facts.ml_title_share * 100:.0f}% of merged PR titles mention models, "
                    f"training, tensors or GPUs; {c.f('bugfix_share').sentence}"
                    + _ml_scorecard(c)),
         "Version data and models, test data pipelines and numerical kernels with fixed seeds "
         "and tolerances, and add small end-to-end training smoke tests to CI.",
         "Fewer silent numerical regressions reach users.", REF_ML),
    Rule("shorten-reviews", "Shorten review rounds", "review",
         lambda c: bool(c.f("review") and (c.f("review").level > 2 * 86400
                                           or c.f("review").trend == "worsening")),
         lambda c: c.f("review").sentence,
         "Agree on a review checklist, review within a day of each update, and prefer "
         "synchronous review for PRs that pass two rounds.",
         "Fewer, faster review rounds; shorter cycle time.", REF_DORA),
    Rule("review-in-peak-hours", "Ask for review inside reviewers' peak hours", "first_response",
         lambda c: bool(c.facts.review_timing),
         lambda c: c.facts.review_timing,
         "Mark PRs ready for review inside the reviewers' peak hours "
         "(" + "{window}" + "), schedule draft-to-ready for then, and for PRs that cannot wait "
         "name a reviewer in another time zone.",
         "PRs get their first response within the reviewers' working block instead of after a "
         "night or a weekend; first-response time and cycle time fall.", REF_CODING, 2),
    Rule("velocity-decay", "Find what slows each author down", "cycle_time",
         lambda c: bool(c.facts.velocity_decay),
         lambda c: c.facts.velocity_decay,
         "Look at the months where output per author fell: compare PR size, review waits and "
         "CI time then and now; pay down the glue code and flaky tests that grew with the "
         "project; keep a recurring slot for refactoring and tooling.",
         "Output per author stops falling; the Theil–Sen slope of merged PRs per author turns "
         "flat or positive in the next quarters.", REF_VELOCITY, 1),
    Rule("tests-with-code", "Change tests with the code", "bugfix_share",
         lambda c: c.facts.tests_with_code_share is not None
         and c.facts.tests_with_code_share < 0.3 and (c.facts.tests_with_code_n or 0) >= 20,
         lambda c: (f"Only {c.facts.tests_with_code_share:.0%} of the "
                    f"{_n(c.facts.tests_with_code_n, 'merged PR')} that changed code in the "
                    "latest window also changed a test" + _tests_scorecard(c)),
         "Ask for a test in the PR template and in review for every behaviour change; show the "
         "share of code PRs with a test change on the team dashboard.",
         "More changes arrive with a test that pins them; fewer regressions and reverts.",
         REF_ML, 2),
    Rule("ml-practice-gaps", "Close the ML engineering gaps", "bugfix_share",
         lambda c: bool(c.facts.practices_ml) and any(
             m in (c.facts.practices_missing or []) for m in
             ("data and model versioning", "experiment tracking or model registry",
              "model or data cards", "automated tests", "continuous integration")),
         lambda c: (f"An ML project ({c.facts.ml_frameworks}) with "
                    f"{c.facts.practices_present} of {c.facts.practices_applicable} "
                    "applicable practices in place; missing at HEAD: "
                    f"{', '.join(c.facts.practices_missing)}."),
         "Version data and models (DVC or git-lfs), record runs in an experiment tracker or a "
         "model registry, write a model card per released model, and keep tests and CI on "
         "every change.",
         "Results can be reproduced and traced to their data; silent regressions are caught.",
         REF_ML, 1),
    Rule("set-up-ci", "Run CI on every change", "cycle_time",
         lambda c: c.facts.ci_present is False,
         lambda c: ("No CI configuration at HEAD (no GitHub Actions workflow, CircleCI, "
                    "Travis, GitLab CI, Azure Pipelines, Jenkinsfile or Buildkite file)."
                    + (f" Tests exist ({c.facts.tests_evidence}) but nothing runs them on "
                       "each PR." if c.facts.tests_present else "")),
         "Add a workflow that installs the locked environment and runs the tests and linters "
         "on every pull request; require it to pass before merge.",
         "Breakages are caught before merge rather than by users.", REF_ML, 1),
    Rule("lock-environment", "Lock the environment", "change_failure_rate",
         lambda c: c.facts.locked_env_present is False,
         lambda c: ("No lock file or fully pinned requirements at HEAD (poetry.lock, "
                    "uv.lock, Pipfile.lock, conda-lock, package-lock.json, Cargo.lock, "
                    "go.sum, …)."),
         "Commit a lock file (or pin every requirement) and build CI and releases from it; "
         "update it on purpose, in its own PRs.",
         "The same code gives the same result on every machine; fewer 'works for me' failures.",
         REF_ML, 3),
    Rule("welcome-newcomers", "Answer first-time contributors first", "first_response",
         lambda c: bool(c.facts.newcomer_finding),
         lambda c: c.facts.newcomer_finding,
         "Label first-time contributors' PRs automatically, put them at the top of the triage "
         "queue and answer within a working day, with a pointer to the contributing guide.",
         "Newcomers get an answer as fast as regulars; more of them come back.", REF_CASE, 2),
    Rule("faster-recovery", "Speed up recovery", "time_to_restore",
         lambda c: bool(c.f("time_to_restore") and c.f("time_to_restore").level > 86400),
         lambda c: c.f("time_to_restore").sentence,
         "Make reverting a one-click, pre-approved path and ship the revert with the next "
         "automated release instead of waiting for the regular one.",
         "Time to restore moves from days toward hours.", REF_DORA, 1),
)
BY_KEY = {r.key: r for r in RULES}


def _tests_scorecard(c: Context) -> str:
    """The testing part of the practice scorecard, for evidence sentences ('' without one)."""
    if c.facts.tests_present is None:
        return ""
    if not c.facts.tests_present:
        return " No test files or test configuration at HEAD."
    s = f" Tests at HEAD: {c.facts.tests_evidence}"
    share, n = c.facts.tests_with_code_share, c.facts.tests_with_code_n
    if share is not None:
        s += (f"; {share:.0%} of the {_n(n, 'merged PR')} that changed code in the latest "
              "window also changed tests")
    return s + "."


def _ml_scorecard(c: Context) -> str:
    missing = c.facts.practices_missing
    if not c.facts.practices_ml or missing is None:
        return ""
    return (f" Practice scorecard: {c.facts.practices_present} of "
            f"{c.facts.practices_applicable} in place"
            + (f"; missing {', '.join(missing)}." if missing else "."))


def recommend(findings: list[Finding], subject: str, facts: Facts) -> list[Recommendation]:
    """Every rule whose trigger holds, most important first."""
    ctx = Context({f.metric: f for f in findings if f.repo == subject}, facts)
    out = []
    for r in RULES:
        try:
            fired = r.trigger(ctx)
        except (TypeError, AttributeError):  # a needed fact or finding is missing: stay silent
            fired = False
        if fired:
            action = r.action.replace("{window}", str(facts.review_window or ""))
            out.append(Recommendation(r.key, r.title, r.evidence(ctx), action, r.effect,
                                      r.reference, r.metric, r.priority))
    out.sort(key=lambda x: x.priority)
    return out
