"""The recommendation catalogue: each rule has a trigger on the findings and facts, an evidence
sentence in this repository's own numbers, the action, its expected effect and the reference it
rests on. A rule never fires on data it cannot see (its trigger reads only visible findings and
facts that are not None). Each recommendation carries the facts that triggered it (``triggers``,
the findings and facts a rule ``uses``) and the counter-evidence checked (``checked``: the
practice audit at HEAD, what the source can see, the project's kind, ML or not), and declares
what it advises adopting (``needs_missing``), what the source must see (``needs_source``) and
whether it is ML advice, so the gate (``analysis.gate``) can hold it against the whole report.
Release and off-hours advice is framed for what the project is: a library with versioned
releases is not a service that deploys on every merge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .. import metrics
from ..document import Evidence, Finding, PracticeSection, Recommendation
from ..practice_rules import BY_KEY as PRACTICE_BY_KEY
from ..practice_rules import SIGNALS
from .claims import evidence_of
from .facts import Facts

# references as names a reader can look up
REF_CASE = ("“PyTorch Repository DORA Metrics: Faster Lead Time, Sluggish First Response "
            "Time” (Middleware case study, 2024)")
REF_CI = "“PyTorch CI deduplication” (Edward Yang, PyTorch dev notes, 2019)"
REF_VELOCITY = "“Machine Learning Developer Velocity” (essay on ML engineering velocity)"
REF_CODING = "“How GitHub Got MLOps Right” (Ram Sagar, on Pulkit Agarwal's DLDC 2020 talk)"
REF_ML = "“ML best practices”, PyTorch Developer Conference 2018 (talks by J. Pesenti, A. Karpathy)"
REF_DORA = ("Accelerate (Forsgren, Humble, Kim, 2018) and the Accelerate State of DevOps "
            "Report 2024 (DORA)")


@dataclass
class Context:
    """What rules read: the subject's findings by metric, its facts, its practice audit (None:
    not audited), the project's kind (``claims.project_kind``) and what its source can see."""

    findings: dict[str, Finding]
    facts: Facts
    practices: PracticeSection | None = None
    project: dict | None = None
    sees: frozenset[str] = frozenset()
    min_n: int = 10

    @property
    def library(self) -> bool:
        return (self.project or {}).get("kind") == "library"

    @property
    def service(self) -> bool:
        return (self.project or {}).get("kind") == "service"

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
    """One recommendation: ``uses`` names the findings and facts that trigger it (its
    evidence), ``needs_missing`` the practices or project signals it advises adopting,
    ``needs_source`` what the source must see; ``title`` and ``action`` may depend on the
    context (the project's kind, what is visible)."""

    key: str
    title: str | Callable[[Context], str]
    metric: str
    trigger: Callable[[Context], bool]
    evidence: Callable[[Context], str]
    action: str | Callable[[Context], str]
    effect: str
    reference: str
    priority: int = 2
    uses: tuple[str, ...] = ()
    needs_missing: tuple[str, ...] = ()
    needs_source: tuple[str, ...] = ()
    ml_only: bool = False


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


def _window(c: Context) -> str:
    w = next(iter(c.findings.values())).window if c.findings else []
    return w[0] if len(w) == 1 else f"{w[0]} to {w[-1]}" if w else "the latest window"


MIN_REVERTS = 3  # one or two reverts in a window are anecdotes, not a pattern to act on


def _release_title(c: Context) -> str:
    return "Shorten the release train" if c.library else "Release more often"


def _release_action(c: Context) -> str:
    if c.library:
        src = (c.project or {}).get("deploy_source", "tags")
        return ("The data shows a library with versioned releases (" + src + "), not a service "
                "that deploys each merge: keep the versioned releases, but cut a patch release "
                "when fixes land instead of holding them for the next planned one, automate "
                "tagging and publishing from CI so a release costs minutes, and publish the "
                "cadence so users know when fixes ship.")
    return ("Automate the release from the default branch (tag on green, publish from CI) and "
            "cut releases on a short fixed cadence or on every merge.")


def _off_hours_action(c: Context) -> str:
    duty = "on-call and review duty" if c.service else "review and merge duty"
    return (f"Look at who carries the off-hours load; spread {duty} across time zones; avoid "
            "merge windows that force late work.")


def _velocity_action(c: Context) -> str:
    seen = ["PR size"]
    if "reviews" in c.sees:
        seen.append("review waits")
    if "checks" in c.sees:
        seen.append("CI time")
    listed = seen[0] if len(seen) == 1 else ", ".join(seen[:-1]) + " and " + seen[-1]
    return (f"Look at the months where output per author fell: compare {listed} then and now; "
            "pay down the glue code and flaky tests that grew with the project; keep a "
            "recurring slot for refactoring and tooling.")


_ML_ACTIONS = {"data and model versioning": "version data and models (DVC or git-lfs)",
               "experiment tracking or model registry": "record runs in an experiment tracker "
                                                        "or a model registry",
               "model or data cards": "write a model card per released model",
               "automated tests": "add tests", "continuous integration": "run CI on every change"}


def _ml_gaps_action(c: Context) -> str:
    todo = [_ML_ACTIONS[m] for m in (c.facts.practices_missing or []) if m in _ML_ACTIONS]
    text = "; ".join(todo) if todo else "close the missing practices"
    return text[0].upper() + text[1:] + "."


RULES: tuple[Rule, ...] = (
    Rule("first-response-sla", "Set a first-response SLA", "first_response", _slow_pickup,
         _pickup_evidence,
         "Commit to a first human response on every PR within one working day, show the PRs "
         "past the SLA on a shared board, and review the number each week.",
         "Pickup time drops toward the SLA; cycle time falls by roughly the waiting removed.",
         REF_CASE, 1, uses=("first_response", "waiting_over_week_share"),
         needs_source=("reviews",)),
    Rule("first-responder-rotation", "Rotate a dedicated first responder", "first_response",
         lambda c: bool(c.f("first_response") and (c.facts.waiting_over_week_share or 0) > 0.05),
         lambda c: (f"{c.facts.waiting_over_week_share * 100:.0f}% of PRs "
                    f"({_n(c.facts.waiting_over_week, 'PR')}) waited over a week for a first "
                    "response; "
                    f"p90 wait context: {c.f('first_response').sentence}"),
         "Rotate one maintainer per day or week as first responder: triage, label, acknowledge "
         "and assign every new PR.", "The long tail of PRs waiting for days disappears first.",
         REF_CASE, 1, uses=("first_response", "waiting_over_week_share"),
         needs_source=("reviews",)),
    Rule("review-load-balancing", "Balance the review load", "review",
         lambda c: (c.facts.top3_response_share or 0) > 0.5 and (c.facts.responders or 0) > 3,
         lambda c: (f"Three people gave {c.facts.top3_response_share * 100:.0f}% of the "
                    f"{_n(c.facts.responses, 'first response')} in the window "
                    f"({_n(c.facts.responders, 'responder')} in all)."),
         "Use CODEOWNERS with team aliases and automatic reviewer assignment (round-robin or "
         "load-balanced); grow the reviewer pool by pairing new reviewers with experienced ones.",
         "Less queueing behind a few busy reviewers; fewer stalls when one of them is away.",
         REF_VELOCITY, uses=("top3_response_share", "responses", "responders"),
         needs_source=("reviews",)),
    Rule("smaller-prs", "Ship smaller pull requests", "cycle_time",
         lambda c: (c.facts.size_cycle_ratio or 0) >= 2.0,
         lambda c: (f"The largest quarter of merged PRs (≥ {c.facts.large_pr_lines:,.0f} lines "
                    f"changed) took a median {_t('cycle_time', c.facts.large_pr_cycle)} from "
                    f"first commit to merge, {c.facts.size_cycle_ratio:.1f}× the "
                    f"{_t('cycle_time', c.facts.small_pr_cycle)} of the smallest quarter "
                    f"(≤ {c.facts.small_pr_lines:,.0f} lines)."),
         "Split work into stacked or feature-flagged PRs of a few hundred lines; flag PRs over a "
         "size limit in CI.", "Shorter reviews and cycle times; fewer risky merges.", REF_DORA,
         uses=("size_cycle_ratio", "large_pr_cycle", "small_pr_cycle")),
    Rule("automated-tests", "Automate tests to cut bug-fix work", "bugfix_share",
         lambda c: bool(c.f("bugfix_share") and c.f("bugfix_share").level >= 0.25),
         lambda c: c.f("bugfix_share").sentence + _tests_scorecard(c),
         "Require unit and integration tests with every change; measure coverage on changed "
         "lines; run the suite on every PR.",
         "Fewer bugs escape, so a smaller share of merged work is spent fixing them.", REF_CASE, 1,
         uses=("bugfix_share",), needs_missing=("tests",)),
    Rule("regression-tests", "Add a regression test with every fix", "change_failure_rate",
         lambda c: bool((c.f("change_failure_rate") and c.f("change_failure_rate").level > 0.15)
                        or ((c.facts.revert_share or 0) > 0.01
                            and (c.facts.reverts or 0) >= MIN_REVERTS)),
         lambda c: (c.f("change_failure_rate").sentence if c.f("change_failure_rate") else
                    f"{_n(c.facts.reverts, 'revert')} in the window "
                    f"({c.facts.revert_share * 100:.1f}% of merged PRs)."),
         "Make a failing test that reproduces the bug part of every fix and revert follow-up.",
         "The same failure does not ship twice; change failure rate trends down.", REF_DORA, 1,
         uses=("change_failure_rate", "revert_share", "reverts")),
    Rule("ci-deduplication", "De-duplicate correlated CI jobs", "ci",
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
         "Less CI time and cost per PR at nearly the same failure recall.", REF_CI,
         uses=("ci_jobs", "ci_clusters", "ci_saved_share"), needs_source=("checks",)),
    Rule("bug-report-template", "Adopt a bug-report template", "bugfix_share",
         lambda c: bool(c.f("bugfix_share") and c.f("bugfix_share").level >= 0.2
                        and (c.facts.bugfix_title_only_share or 0) >= 0.5),
         lambda c: (f"{c.facts.bugfix_title_only_share * 100:.0f}% of the merged bug fixes were "
                    "recognisable only from their title: no bug label and no linked issue."),
         "Add an issue template with steps to reproduce, expected and actual behaviour, versions "
         "and logs; link fixes to their issue.",
         "Bugs arrive reproducible, fixes are traceable, and triage is faster.", REF_CASE,
         uses=("bugfix_share", "bugfix_title_only_share"), needs_missing=("issue_template",),
         needs_source=("labels",)),
    Rule("release-cadence", _release_title, "deploy_frequency",
         lambda c: (c.library or c.service) and bool(
             (c.f("deploy") and c.f("deploy").level > 3 * 86400) or (
                 c.f("deploy_frequency") and c.f("deploy_frequency").band in ("Medium", "Low"))),
         lambda c: " ".join(x.sentence for x in (c.f("deploy"), c.f("deploy_frequency")) if x),
         _release_action,
         "Merged work reaches users sooner; lead time for changes falls.",
         REF_DORA, uses=("deploy", "deploy_frequency")),
    Rule("stale-pr-triage", "Triage stale pull requests", "first_response",
         lambda c: (c.facts.stale_prs or 0) >= 10 and (c.facts.stale_share or 0) > 0.2,
         lambda c: (f"{c.facts.stale_prs:,} of {_n(c.facts.open_prs, 'open PR')} "
                    f"({c.facts.stale_share * 100:.0f}%) were older than 30 days at the end of "
                    "the window."),
         "Run a weekly stale-PR review: close, adopt or ask for changes; label and auto-ping PRs "
         "idle for two weeks.", "A shorter open tail and clearer priorities.", REF_CASE, 3,
         uses=("stale_prs", "open_prs", "stale_share")),
    Rule("revert-discipline", "Tighten revert discipline", "change_failure_rate",
         lambda c: (c.facts.quick_reverts or 0) >= 3,
         lambda c: (f"{_n(c.facts.quick_reverts, 'PR')} "
                    f"{'was' if c.facts.quick_reverts == 1 else 'were'} reverted within 48 "
                    f"hours of the merge in the window ({_n(c.facts.reverts, 'revert')} in "
                    "all)."),
         "Write a short post-merge note for each revert (cause, missing test), and gate risky "
         "areas behind pre-merge checks or feature flags.",
         "Fewer quick reverts; failures are caught before merge.", REF_DORA,
         uses=("quick_reverts", "reverts")),
    Rule("off-hours-load", "Reduce off-hours work", "off_hours",
         lambda c: (c.facts.off_hours_share or 0) > 0.3,
         lambda c: (f"In the latest window ({_window(c)}), {c.facts.off_hours_share * 100:.0f}% "
                    "of PR openings and merges happened on weekends or outside 08:00–19:00 on "
                    "the authors' own clocks."),
         _off_hours_action,
         "A sustainable pace and fewer tired-hour mistakes.", REF_CODING, 3,
         uses=("off_hours_share",)),
    Rule("ml-data-test-practices", "Adopt data and model testing practices", "bugfix_share",
         lambda c: (c.facts.ml_title_share or 0) > 0.05 and bool(
             c.f("bugfix_share") and c.f("bugfix_share").level >= 0.2),
         lambda c: (f"{c.facts.ml_title_share * 100:.0f}% of merged PR titles mention models, "
                    f"training, tensors or GPUs; {c.f('bugfix_share').sentence}"
                    + _ml_scorecard(c)),
         "Version data and models, test data pipelines and numerical kernels with fixed seeds "
         "and tolerances, and add small end-to-end training smoke tests to CI.",
         "Fewer silent numerical regressions reach users.", REF_ML,
         uses=("ml_title_share", "bugfix_share"), ml_only=True),
    Rule("shorten-reviews", "Shorten review rounds", "review",
         lambda c: bool(c.f("review") and (c.f("review").level > 2 * 86400
                                           or c.f("review").trend == "worsening")),
         lambda c: c.f("review").sentence,
         "Agree on a review checklist, review within a day of each update, and prefer "
         "synchronous review for PRs that pass two rounds.",
         "Fewer, faster review rounds; shorter cycle time.", REF_DORA, uses=("review",),
         needs_source=("reviews",)),
    Rule("review-in-peak-hours", "Ask for review inside reviewers' peak hours", "first_response",
         lambda c: bool(c.facts.review_timing),
         lambda c: c.facts.review_timing,
         "Mark PRs ready for review inside the reviewers' peak hours "
         "(" + "{window}" + "), schedule draft-to-ready for then, and for PRs that cannot wait "
         "name a reviewer in another time zone.",
         "PRs get their first response within the reviewers' working block instead of after a "
         "night or a weekend; first-response time and cycle time fall.", REF_CODING, 2,
         uses=("review_timing",), needs_source=("reviews",)),
    Rule("velocity-decay", "Find what slows each author down", "velocity",
         lambda c: bool(c.facts.velocity_decay),
         lambda c: c.facts.velocity_decay,
         _velocity_action,
         "Output per author stops falling; the Theil–Sen slope of merged PRs per author turns "
         "flat or positive in the next quarters.", REF_VELOCITY, 1, uses=("velocity_decay",)),
    Rule("tests-with-code", "Change tests with the code", "bugfix_share",
         lambda c: c.facts.tests_with_code_share is not None
         and c.facts.tests_with_code_share < 0.3 and (c.facts.tests_with_code_n or 0) >= 20,
         lambda c: (f"Only {c.facts.tests_with_code_share:.0%} of the "
                    f"{_n(c.facts.tests_with_code_n, 'merged PR')} that changed code in the "
                    "latest window also changed a test" + _tests_scorecard(c)),
         "Ask for a test in the PR template and in review for every behaviour change; show the "
         "share of code PRs with a test change on the team dashboard.",
         "More changes arrive with a test that pins them; fewer regressions and reverts.",
         REF_ML, 2, uses=("tests_with_code_share", "tests_with_code_n")),
    Rule("ml-practice-gaps", "Close the ML engineering gaps", "bugfix_share",
         lambda c: bool(c.facts.practices_ml) and any(
             m in (c.facts.practices_missing or []) for m in
             ("data and model versioning", "experiment tracking or model registry",
              "model or data cards", "automated tests", "continuous integration")),
         lambda c: (f"An ML project ({c.facts.ml_frameworks}) with "
                    f"{c.facts.practices_present} of {c.facts.practices_applicable} "
                    "applicable practices in place; missing at HEAD: "
                    f"{', '.join(c.facts.practices_missing)}."),
         _ml_gaps_action,
         "Results can be reproduced and traced to their data; silent regressions are caught.",
         REF_ML, 1, uses=("practices_missing",), ml_only=True),
    Rule("set-up-ci", "Run CI on every change", "ci",
         lambda c: c.facts.ci_present is False,
         lambda c: ("No CI configuration at HEAD (no GitHub Actions workflow, CircleCI, "
                    "Travis, GitLab CI, Azure Pipelines, Jenkinsfile or Buildkite file)."
                    + (f" Tests exist ({c.facts.tests_evidence}) but nothing runs them on "
                       "each PR." if c.facts.tests_present else "")),
         "Add a workflow that installs the locked environment and runs the tests and linters "
         "on every pull request; require it to pass before merge.",
         "Breakages are caught before merge rather than by users.", REF_ML, 1,
         uses=("ci_present",), needs_missing=("ci",)),
    Rule("lock-environment", "Lock the environment", "locked_env",
         lambda c: c.facts.locked_env_present is False,
         lambda c: ("No lock file or fully pinned requirements at HEAD (poetry.lock, "
                    "uv.lock, Pipfile.lock, conda-lock, package-lock.json, Cargo.lock, "
                    "go.sum, …)."),
         "Commit a lock file (or pin every requirement) and build CI and releases from it; "
         "update it on purpose, in its own PRs.",
         "The same code gives the same result on every machine; fewer 'works for me' failures.",
         REF_ML, 3, uses=("locked_env_present",), needs_missing=("locked_env",)),
    Rule("welcome-newcomers", "Answer first-time contributors first", "first_response",
         lambda c: bool(c.facts.newcomer_finding),
         lambda c: c.facts.newcomer_finding,
         "Label first-time contributors' PRs automatically, put them at the top of the triage "
         "queue and answer within a working day, with a pointer to the contributing guide.",
         "Newcomers get an answer as fast as regulars; more of them come back.", REF_CASE, 2,
         uses=("newcomer_finding",), needs_source=("reviews",)),
    Rule("faster-recovery", "Speed up recovery", "time_to_restore",
         lambda c: bool(c.f("time_to_restore") and c.f("time_to_restore").level > 86400),
         lambda c: c.f("time_to_restore").sentence,
         "Make reverting a one-click, pre-approved path and ship the revert with the next "
         "automated release instead of waiting for the regular one.",
         "Time to restore moves from days toward hours.", REF_DORA, 1,
         uses=("time_to_restore",)),
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


def _fact_evidence(c: Context, name: str) -> Evidence | None:
    """A fact (or a usable finding) named by a rule, as evidence; None when the data has no
    such fact."""
    if name in c.findings:
        f = c.f(name)
        return evidence_of(f, list(c.findings.values()), c.min_n) if f is not None else None
    v = getattr(c.facts, name, None)
    if v is None or v == "" or v == []:
        return None
    window = next(iter(c.findings.values())).window if c.findings else []
    if isinstance(v, bool):
        return Evidence(name, c.facts.repo, list(window), float(v), "yes" if v else "no")
    if isinstance(v, int | float):
        text = f"{v:.0%}" if name.endswith("_share") else f"{v:,.2f}".rstrip("0").rstrip(".")
        return Evidence(name, c.facts.repo, list(window), float(v), text)
    # a list is quoted; a finding in words is stated in the evidence sentence, not twice
    text = ", ".join(v) if isinstance(v, list) else "found (see the evidence)"
    return Evidence(name, c.facts.repo, list(window), None, text)


def _audit_line(c: Context, key: str) -> str:
    """What the practice audit at HEAD says about a practice or project signal."""
    p = c.practices
    name = (PRACTICE_BY_KEY[key].name.lower() if key in PRACTICE_BY_KEY
            else SIGNALS[key][0] if key in SIGNALS else key)
    if p is None:
        return f"Practice audit at HEAD: none (the source has no tree), so {name} are not known"
    if key in PRACTICE_BY_KEY:
        row = next((r for r in p.rows if r.key == key), None)
        if row is not None and row.status == "present":
            return f"Practice audit at HEAD: {name} present ({', '.join(row.evidence[:2])})"
        return f"Practice audit at HEAD: {name} missing"
    found = p.signals.get(key)
    if found is None:
        return f"Practice audit at HEAD: {name} not looked for (audit predates it; sync again)"
    return (f"Practice audit at HEAD: {name} present ({', '.join(found[:2])})" if found
            else f"Practice audit at HEAD: no {name}")


def _checked(r: Rule, c: Context) -> list[str]:
    """The counter-evidence a recommendation was checked against, in words."""
    out = [_audit_line(c, k) for k in r.needs_missing]
    if not r.needs_missing:
        p = c.practices
        out.append("Practice audit at HEAD: none (the source has no tree)" if p is None else
                   f"Practice audit at HEAD: {p.present} of {p.applicable} applicable "
                   "practices in place")
    seen = sorted(c.sees) or ["none of reviews, CI checks, deployments or labels"]
    out.append(f"What the source can see: {', '.join(seen)}")
    project = c.project or {}
    if project:
        out.append(f"Project: {project['text']}")
        out.append(f"ML: {project['ml_text']}")
    return out


def recommend(findings: list[Finding], subject: str, facts: Facts,
              practices: PracticeSection | None = None, project: dict | None = None,
              sees: set[str] | frozenset[str] = frozenset(), min_n: int = 10
              ) -> list[Recommendation]:
    """Every rule whose trigger holds, most important first, each with the facts that
    triggered it and the counter-evidence it was checked against (the gate decides which are
    said)."""
    ctx = Context({f.metric: f for f in findings if f.repo == subject}, facts, practices,
                  project, frozenset(sees), min_n)
    out = []
    for r in RULES:
        try:
            fired = r.trigger(ctx)
        except (TypeError, AttributeError):  # a needed fact or finding is missing: stay silent
            fired = False
        if fired:
            action = r.action(ctx) if callable(r.action) else r.action
            action = action.replace("{window}", str(facts.review_window or ""))
            title = r.title(ctx) if callable(r.title) else r.title
            triggers = [e for e in (_fact_evidence(ctx, u) for u in r.uses) if e is not None]
            out.append(Recommendation(
                r.key, title, r.evidence(ctx), action, r.effect, r.reference, r.metric,
                r.priority, triggers=triggers, checked=_checked(r, ctx),
                needs_missing=list(r.needs_missing), needs_source=list(r.needs_source),
                ml_only=r.ml_only))
    out.sort(key=lambda x: x.priority)
    return out
