"""Synthetic demo data: three deterministic repositories with a story a case study can find.

Everything is generated from one seed with numpy, so the same seed gives the same store.
All repos live under the ``demo/`` owner and are marked ``synthetic`` in the store; every view
built from them says "synthetic demo data".

The planted story (tests assert it is visible in plain counts):

* ``demo/atlas`` (subject, ~55k PRs, 2022-01 → 2026-10): the median first response slows about
  sixfold from 2025-06 to a peak in 2026-01, then recovers by 2026-06; about a third of merged PRs
  are bug fixes; weekly release tags.
* ``demo/borealis`` (peer, ~16k PRs): clearly faster everywhere (cycle time about a third of
  atlas's), deploys every weekday.
* AI-assisted changes in ``demo/atlas`` (issue 32): from 2025-06 a growing share of human PRs
  (none before, about a third by 2026-10) carry an AI co-author trailer or a generated-with
  marker (Claude, Copilot, Cursor), and their commits carry the trailer; those PRs are reworked
  (a fix touching their files within 14 days) about three times as often as comparable ones; an
  AI reviewer (``coderabbitai[bot]``) comments on about 40% of PRs from 2025-09 without ever
  being anyone's first response. Decided by hashes of the PR numbers, not the random stream.
* ``demo/cirrus`` (peer, ~7k PRs from 2023-01): slower and buggier, fortnightly releases, and a
  planted slow velocity decay: ever more people share the same flow of PRs (merged PRs per
  active author fall by about a fifth over the last two years) while coding time creeps up.

Every repository also has commits (a separate random stream, so the PRs above are unchanged):
each human PR's commits run from its first commit in coding sessions — minutes apart inside a
session, a night or more between sessions — on the author's own clock (each author has a fixed
UTC offset), for the PRs of the last 24 months; bots commit their own PRs, and maintainers push
a few commits without a PR.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

from ..core.periods import weekday
from ..model import AIReview, CheckRun, Commit, Deployment, PullRequest
from ..source_kinds import DEMO, deployment_source
from ..store import RepoInfo, Store
from .finish import finish, write_records

DEMO_OWNER = "demo"
DEFAULT_SEED = 20241001
HOUR = 3600.0
DAY = 86400


@dataclass(frozen=True)
class RepoProfile:
    name: str
    start: date
    end: date
    prs_per_weekday: float
    growth_per_year: float
    response_hours: float  # median first response, before any planted slowdown
    coding_hours: float
    review_hours: float
    merge_hours: float
    bugfix_share: float
    revert_share: float
    deploy_every_days: int  # 1 = every weekday, 7 = weekly, 14 = fortnightly
    contributors: int
    slowdown: bool = False
    decay: bool = False  # planted velocity decay (see the module docstring)
    ai: bool = False  # planted AI-assisted changes (see the module docstring)


PROFILES: tuple[RepoProfile, ...] = (
    RepoProfile("atlas", date(2022, 1, 1), date(2026, 10, 31), 41.0, 0.12, 4.0, 30.0, 10.0,
                3.0, 0.33, 0.0012, 7, 900, slowdown=True, ai=True),
    RepoProfile("borealis", date(2022, 1, 1), date(2026, 10, 31), 12.0, 0.05, 1.5, 10.0, 3.0,
                0.6, 0.22, 0.008, 1, 300),
    RepoProfile("cirrus", date(2023, 1, 1), date(2026, 10, 31), 7.0, 0.10, 9.0, 40.0, 14.0,
                4.0, 0.42, 0.01, 14, 150, decay=True),
)

# code areas only: a fix to docs, tests or the build is no bug fix (bugfix_rules, issue 29)
_AREAS = ["parser", "scheduler", "cache", "api", "cli", "templates", "storage", "auth", "metrics",
          "ui", "bundler", "locale", "network", "compiler", "runtime", "plugins", "logging", "sync"]
_FEATURE_VERBS = ["Add", "Support", "Implement", "Improve", "Refactor", "Speed up", "Simplify",
                  "Document", "Extend", "Rework", "Introduce", "Clean up"]
_FEATURE_OBJECTS = ["retry policy", "config loader", "batch mode", "streaming output",
                    "error messages", "type hints", "progress reporting", "plugin hooks",
                    "memory usage", "benchmarks", "CLI flags", "timeouts", "pagination",
                    "JSON schema", "release notes", "dark mode", "query planner", "index builder"]
_BUG_OBJECTS = ["crash on empty input", "race in worker shutdown", "off-by-one in pagination",
                "wrong timezone in logs", "memory leak in cache", "regression in startup time",
                "broken redirect after login", "incorrect exit code", "deadlock on reload",
                "segfault with large files", "flaky reconnect", "unicode handling"]
_BOTS = ["dependabot[bot]", "renovate[bot]", "github-actions[bot]"]


def _weekday_rate(days: np.ndarray) -> np.ndarray:
    """Relative PR rate per day: quiet weekends and a year-end holiday dip."""
    dow = weekday(days.astype("datetime64[D]").view("int64"))
    rate = np.where(dow >= 5, 0.18, 1.0)
    md = days.astype("datetime64[D]")
    month = (md.astype("datetime64[M]").astype(int) % 12) + 1
    dom = (md - md.astype("datetime64[M]")).astype(int) + 1
    holiday = ((month == 12) & (dom >= 22)) | ((month == 1) & (dom <= 2))
    summer = (month == 8)
    return rate * np.where(holiday, 0.25, 1.0) * np.where(summer, 0.8, 1.0)


def _slowdown_factor(t: np.ndarray) -> np.ndarray:
    """Planted first-response slowdown: ramps up 2025-06 → 2026-01 (×6), back to ×1 by 2026-06."""
    def ts(y, m):
        return datetime(y, m, 1, tzinfo=UTC).timestamp()
    a, peak, b = ts(2025, 6), ts(2026, 1), ts(2026, 6)
    f = np.ones_like(t, dtype=np.float64)
    up = (t >= a) & (t < peak)
    f[up] = 1.0 + 5.0 * (t[up] - a) / (peak - a)
    down = (t >= peak) & (t < b)
    f[down] = 6.0 - 5.0 * (t[down] - peak) / (b - peak)
    return f


def _lognormal(rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int):
    return np.exp(np.log(median) + sigma * rng.standard_normal(n))


def generate_repo(profile: RepoProfile, rng: np.random.Generator):
    """Return (prs, deployments) for one synthetic repository."""
    repo = f"{DEMO_OWNER}/{profile.name}"
    days = np.arange(np.datetime64(profile.start), np.datetime64(profile.end) + 1)
    years = (days - days[0]).astype(int) / 365.25
    lam = profile.prs_per_weekday * _weekday_rate(days) * (1 + profile.growth_per_year) ** years
    counts = rng.poisson(lam)
    n = int(counts.sum())
    day_s = np.repeat(days.astype("datetime64[s]").astype(np.int64), counts)
    # time of day: working hours peak around 14:00 UTC with a long evening tail
    secs = np.clip(rng.normal(14.0, 3.5, n), 0, 23.99) * HOUR
    created = (day_s + secs).astype(np.int64)
    created.sort()

    is_bot = rng.random(n) < 0.07
    authors = np.where(
        is_bot,
        np.array(_BOTS)[rng.integers(0, len(_BOTS), n)],
        np.char.add("dev", (rng.zipf(1.6, n) % profile.contributors).astype(str)),
    )
    additions = np.round(_lognormal(rng, 40.0, 1.5, n)).astype(np.int64)
    deletions = np.round(additions * rng.beta(1.2, 3.0, n)).astype(np.int64)
    size_factor = np.clip(np.log10(additions + deletions + 10) / 2.0, 0.5, 3.0)

    was_draft = rng.random(n) < 0.15
    ready = created + np.where(was_draft, _lognormal(rng, 20 * HOUR, 1.0, n), 0).astype(np.int64)
    coding = _lognormal(rng, profile.coding_hours * HOUR * size_factor, 1.3, n)
    if profile.decay:  # coding time creeps up by a third over the period
        coding = coding * (1.0 + np.interp(created, [created[0], created[-1]], [0.0, 1 / 3]))
        authors = _spread_authors(authors, is_bot, created, profile)
    first_commit = (created - coding).astype(np.int64)

    slow = _slowdown_factor(ready.astype(np.float64)) if profile.slowdown else 1.0
    resp = _lognormal(rng, profile.response_hours * HOUR * slow, 1.2, n)
    responded = rng.random(n) > 0.05
    first_response = np.where(responded, ready + resp.astype(np.int64), -1)
    first_review = np.where(responded, first_response + _lognormal(rng, 0.5 * HOUR, 1.0, n)
                            .astype(np.int64), -1)
    review = _lognormal(rng, profile.review_hours * HOUR * size_factor, 1.1, n)
    first_approval = np.where(responded, first_review + (review * 0.6).astype(np.int64), -1)
    last_approval = np.where(responded & (rng.random(n) < 0.4),
                             first_approval + (review * 0.4).astype(np.int64), first_approval)
    merge_wait = _lognormal(rng, profile.merge_hours * HOUR, 1.0, n).astype(np.int64)
    end_ts = int(np.datetime64(profile.end, "s").astype(np.int64)) + DAY
    merged_flag = responded & (rng.random(n) < 0.88) & ~(is_bot & (rng.random(n) < 0.2))
    merged = np.where(merged_flag, last_approval + merge_wait, -1)
    merged[merged >= end_ts] = -1
    closed_unmerged = (~merged_flag) & (rng.random(n) < 0.97)
    closed = np.where(merged >= 0, merged,
                      np.where(closed_unmerged, ready + _lognormal(rng, 9 * DAY, 1.0, n)
                               .astype(np.int64), -1))
    closed[closed >= end_ts] = -1
    still_draft = was_draft & (merged < 0) & (closed < 0) & (rng.random(n) < 0.5)
    for arr in (first_response, first_review, first_approval, last_approval):
        arr[arr >= end_ts] = -1

    # titles and labels: bug fixes (some labelled, some conventional, some keywords), features
    bug = rng.random(n) < profile.bugfix_share
    style = rng.random(n)
    areas = np.array(_AREAS)[rng.integers(0, len(_AREAS), n)]
    bug_obj = np.array(_BUG_OBJECTS)[rng.integers(0, len(_BUG_OBJECTS), n)]
    feat = np.char.add(np.char.add(np.array(_FEATURE_VERBS)[rng.integers(0, 12, n)], " "),
                       np.array(_FEATURE_OBJECTS)[rng.integers(0, 18, n)])
    responders = np.char.add("dev", (rng.zipf(2.2, n) % max(12, profile.contributors // 20))
                             .astype(str))
    n_comments = rng.poisson(2.0 * size_factor * np.where(bug, 1.4, 1.0))

    prs: list[PullRequest] = []
    number = 1
    merged_numbers: list[int] = []
    for i in range(n):
        if is_bot[i]:
            title = f"Bump {areas[i]}-lib from 1.{i % 40}.0 to 1.{i % 40 + 1}.0"
            labels: tuple[str, ...] = ("dependencies",)
        elif bug[i]:
            if style[i] < 0.4:
                title, labels = f"{areas[i]}: {bug_obj[i]}", ("bug",)
            elif style[i] < 0.75:
                title, labels = f"fix({areas[i]}): {bug_obj[i]}", ()
            else:
                title, labels = f"Fix {bug_obj[i]} in {areas[i]}", ()
        else:
            prefix = "feat: " if style[i] < 0.4 else ""
            title = f"{prefix}{feat[i]} for {areas[i]}"
            labels = ("enhancement",) if style[i] > 0.8 else ()
        pr = PullRequest(
            repo=repo, number=number, title=title, author=str(authors[i]),
            author_is_bot=bool(is_bot[i]), created_at=int(created[i]), ready_at=int(ready[i]),
            first_commit_at=int(first_commit[i]),
            first_response_at=_opt(first_response[i]),
            first_approval_at=_opt(first_approval[i]), last_approval_at=_opt(last_approval[i]),
            merged_at=_opt(merged[i]), closed_at=_opt(closed[i]), base_ref="main",
            head_ref=f"{authors[i]}/{areas[i]}-{number}", additions=int(additions[i]),
            deletions=int(deletions[i]), changed_files=int(1 + additions[i] // 60),
            n_comments=int(n_comments[i]),
            first_responder=str(responders[i]) if first_response[i] >= 0 else "",
            labels=labels, is_draft=bool(still_draft[i]),
            merge_commit_sha=_sha(repo, number) if merged[i] >= 0
            else "",
            url=f"https://github.com/{repo}/pull/{number}",
        )
        prs.append(pr)
        if merged[i] >= 0:
            merged_numbers.append(number)
        number += 1

    # reverts: a share of merged PRs is reverted by a later PR within days (the incidents are
    # built from them by sources.incidents, as for every source)
    deployments = _deployments(repo, profile, rng)
    by_number = {p.number: p for p in prs}
    candidates = np.array(merged_numbers)
    k = int(len(candidates) * profile.revert_share)
    for target in np.sort(rng.choice(candidates, size=k, replace=False)):
        orig = by_number[int(target)]
        opened = orig.merged_at + int(_lognormal(rng, 30 * HOUR, 1.0, 1)[0])
        merged_at = opened + int(_lognormal(rng, 2 * HOUR, 1.0, 1)[0])
        if merged_at >= end_ts:
            continue
        rev = PullRequest(
            repo=repo, number=number, title=f'Revert "{orig.title}"', author=orig.author,
            created_at=opened, ready_at=opened, first_commit_at=opened - 600,
            first_response_at=opened + 900,
            first_approval_at=opened + 1200, last_approval_at=opened + 1200,
            merged_at=merged_at, closed_at=merged_at, base_ref="main",
            head_ref=f"revert-{orig.number}-{orig.head_ref}", additions=orig.deletions,
            deletions=orig.additions, changed_files=orig.changed_files, n_comments=1,
            first_responder="dev1", is_revert=True, reverted_number=orig.number,
            merge_commit_sha=_sha(repo, number),
            url=f"https://github.com/{repo}/pull/{number}",
        )
        prs.append(rev)
        number += 1
    return prs, deployments


def _spread_authors(authors: np.ndarray, is_bot: np.ndarray, created: np.ndarray,
                    profile: RepoProfile) -> np.ndarray:
    """The planted velocity decay: a growing share of PRs (none at the start, a quarter at the end)
    goes to one of many further contributors, so the same flow of PRs is shared by ever more
    people. Decided by a hash of the PR's position, not the random stream."""
    share = np.interp(created, [created[0], created[-1]], [0.0, 0.25])
    pick = np.array([int(hashlib.sha1(f"{profile.name}{i}".encode()).hexdigest()[:8], 16)
                     for i in range(created.size)], dtype=np.int64)
    moved = ~is_bot & ((pick % 10_000) / 10_000 < share)
    extra = np.char.add("dev", (profile.contributors + pick % profile.contributors)
                        .astype(str))
    return np.where(moved, extra, authors)


OFFSETS_H = (-8, -5, -3, 0, 1, 2, 5.5, 8, 9)  # authors' clocks (UTC offsets, hours)


def author_offset(name: str) -> int:
    """Seconds east of UTC of a demo author's clock (fixed per name)."""
    h = OFFSETS_H[int(hashlib.sha1(name.encode()).hexdigest()[:6], 16) % len(OFFSETS_H)]
    return int(h * HOUR)


def commits_for(repo: str, prs: list[PullRequest], rng: np.random.Generator,
                since: int) -> list[Commit]:
    """Commits of the PRs created since ``since``, in coding sessions from each PR's first
    commit; plus a few direct pushes by the most active authors."""
    out: list[Commit] = []
    for p in prs:
        if p.created_at is None or p.created_at < since or p.first_commit_at is None:
            continue
        offset = 0 if p.author_is_bot else author_offset(p.author)
        k = 1 if p.author_is_bot else 1 + int(rng.poisson(2.0))
        t, times = p.first_commit_at, [p.first_commit_at]
        for _ in range(k - 1):
            if rng.random() < 0.3:  # a break: the next session starts the next morning or later
                local = t + offset
                next_day = (local // DAY + 1 + int(rng.integers(0, 2))) * DAY
                t = next_day - offset + int(rng.normal(10, 1.5) * HOUR)
            else:
                t += int(_lognormal(rng, 15 * 60, 0.7, 1)[0])
            times.append(t)
        end = max(p.ready_at or p.created_at, p.first_commit_at)
        times = [x for x in times if x <= end]  # the PR was opened: later sessions never came
        k = len(times)
        lines = max(1, p.additions + p.deletions)
        for j, x in enumerate(times):
            out.append(Commit(repo, _commit_sha(repo, f"{p.number}/{j}"), int(x), p.number,
                              p.author, p.author_is_bot, offset if not p.author_is_bot
                              else None, int(x), lines // k, 0))
    humans = sorted({p.author for p in prs if not p.author_is_bot})[:5]
    last = max((p.created_at for p in prs if p.created_at), default=since)
    for j in range(60):  # direct pushes without a PR
        who = humans[j % len(humans)] if humans else "dev0"
        t = since + int(rng.integers(0, max(1, last - since)))
        out.append(Commit(repo, _commit_sha(repo, f"push/{j}"), t, None, who, False,
                          author_offset(who), t, int(rng.integers(1, 40)), 0))
    return out


AI_FROM, AI_TO = datetime(2025, 6, 1, tzinfo=UTC), datetime(2026, 10, 31, tzinfo=UTC)
AI_REVIEWS_FROM = datetime(2025, 9, 1, tzinfo=UTC)
_AI_TOOLS = (("Claude", "co-author-trailer"), ("Claude", "co-author-trailer"),
             ("Copilot", "co-author-trailer"), ("Cursor", "co-author-trailer"),
             ("Claude", "generated-marker"))


def _u(repo: str, key: str) -> float:
    """A uniform number in [0, 1) from a hash (apart from every random stream)."""
    return int(hashlib.sha1(f"{repo}~{key}".encode()).hexdigest()[:8], 16) / 2**32


def plant_ai(repo: str, prs: list[PullRequest]) -> tuple[list[AIReview], dict[int, bool]]:
    """The planted AI story: marks AI-assisted PRs in place; returns the AI reviewer's comments
    and, per merged PR since AI_FROM, whether it was reworked."""
    t0, t1 = AI_FROM.timestamp(), AI_TO.timestamp()
    reviews: list[AIReview] = []
    rework: dict[int, bool] = {}
    for p in prs:
        if p.author_is_bot or p.created_at is None or p.created_at < t0:
            continue
        share = 0.35 * min(1.0, (p.created_at - t0) / (t1 - t0))
        if not p.is_revert and _u(repo, f"ai{p.number}") < share:
            tool, rule = _AI_TOOLS[int(_u(repo, f"tool{p.number}") * len(_AI_TOOLS))]
            p.ai_rules, p.ai_tool = (rule,), tool
        if p.merged_at is not None:
            rework[p.number] = _u(repo, f"rw{p.number}") < (0.18 if p.ai_rules else 0.06)
        if p.created_at >= AI_REVIEWS_FROM.timestamp() and _u(repo, f"rv{p.number}") < 0.4:
            reviews.append(AIReview(repo, p.number, "coderabbitai[bot]",
                                    int((p.ready_at or p.created_at) + 240), "CodeRabbit",
                                    "comment"))
    return reviews, rework


def _commit_sha(repo: str, key: str) -> str:
    return hashlib.sha1(f"{repo}@{key}".encode()).hexdigest()


def _sha(repo: str, number: int) -> str:
    return hashlib.sha1(f"{repo}#{number}".encode()).hexdigest()


def _opt(v) -> int | None:
    v = int(v)
    return v if v >= 0 else None


def _deployments(repo: str, profile: RepoProfile, rng: np.random.Generator) -> list[Deployment]:
    days = np.arange(np.datetime64(profile.start), np.datetime64(profile.end) + 1)
    dow = weekday(days.view("int64"))
    if profile.deploy_every_days == 1:
        chosen = days[dow < 5]
    else:
        weekly = days[dow == 1]  # Tuesdays
        step = profile.deploy_every_days // 7
        chosen = weekly[::step]
    t = chosen.astype("datetime64[s]").astype(np.int64) + (16 * 3600) + rng.integers(
        0, 3600, chosen.size)
    tagged = profile.deploy_every_days > 1  # releases tagged, else the Deployments API
    record = deployment_source("tags" if tagged else "deployments").record
    return [
        Deployment(repo, f"v{i // 52 + 1}.{i % 52}.0" if tagged else f"deploy-{i}",
                   int(ts), sha=f"{i:012x}", environment="production", source=record)
        for i, ts in enumerate(t)
    ]


# the CI story planted in demo/atlas: job → (failure family, base minutes); jobs of one family
# fail together, "integration" is flaky (fails, then passes when re-run on the same commit)
CI_JOBS = {
    "lint": ("lint", 2), "typecheck": ("types", 4), "docs-build": ("docs", 6),
    "unit-test (ubuntu, 3.11)": ("unit", 9), "unit-test (macos, 3.11)": ("unit", 14),
    "unit-test (windows, 3.11)": ("unit", 16), "integration-test": ("integration", 12),
    "e2e-chrome": ("e2e", 18), "e2e-firefox": ("e2e", 19), "e2e-safari": ("e2e", 21),
    "gpu-build": ("gpu", 25), "gpu-test": ("gpu", 30), "package-build": ("package", 8),
    "benchmarks": ("bench", 45), "security-scan": ("security", 3),
}
CI_FAILURE_RATE = {"lint": 0.04, "types": 0.03, "unit": 0.06, "e2e": 0.05, "gpu": 0.03,
                   "docs": 0.01, "package": 0.01, "bench": 0.0, "security": 0.005,
                   "integration": 0.0}
CI_FLAKY = 0.08  # integration fails on its first attempt, then passes


def ci_runs(repo: str, prs: list[PullRequest], rng: np.random.Generator,
            last: int = 1500) -> list[CheckRun]:
    """Check runs of the last ``last`` merged PRs' head commits, with the planted structure."""
    merged = sorted((p for p in prs if p.merged_at and not p.author_is_bot),
                    key=lambda p: p.merged_at)[-last:]
    out = []
    for p in merged:
        sha = _sha(repo, p.number)[:12] + "head"
        start = (p.ready_at or p.merged_at) + 120
        failing = {fam for fam, rate in CI_FAILURE_RATE.items() if rng.random() < rate}
        for name, (fam, minutes) in CI_JOBS.items():
            dur = int(minutes * 60 * (0.8 + 0.4 * rng.random()))
            out.append(CheckRun(repo, p.number, sha, name,
                                "failure" if fam in failing else "success", start,
                                start + dur))
            if fam == "integration" and rng.random() < CI_FLAKY:
                out[-1].conclusion = "failure"
                out.append(CheckRun(repo, p.number, sha, name, "success", start + dur + 60,
                                    start + 2 * dur + 60, attempt=2))
    return out


def build_demo(store: Store, seed: int = DEFAULT_SEED, profiles=PROFILES) -> dict[str, int]:
    """Generate all demo repos into ``store`` (idempotent: re-running upserts the same rows)."""
    rng = np.random.default_rng(seed)
    counts = {}
    for profile in profiles:
        prs, deps = generate_repo(profile, rng)
        repo = f"{DEMO_OWNER}/{profile.name}"
        ai_reviews, rework = plant_ai(repo, prs) if profile.ai else ([], {})
        store.upsert_repo(RepoInfo(repo, source=DEMO.key, synthetic=True,
                                   default_branch="main", deploy_source=deps[0].source))
        run = store.start_sync(repo, DEMO.key)
        since = int(datetime(profile.end.year - 2, profile.end.month, 1,
                             tzinfo=UTC).timestamp())
        commits = commits_for(repo, prs, np.random.default_rng(seed + 2 + len(counts)), since)
        marked = {p.number: p for p in prs if p.ai_rules}
        for c in commits:
            if c.pr in marked:
                c.ai_rule, c.ai_tool = marked[c.pr].ai_rules[0], marked[c.pr].ai_tool
        write_records(store, repo, prs, commits)
        if ai_reviews or rework:
            store.write_batch(repo, ai_reviews=ai_reviews)
            store.set_rework(repo, rework)
        ci = profile is profiles[0]  # CI data for the first repository
        if ci:
            store.write_check_runs(ci_runs(repo, prs, np.random.default_rng(seed + 1)))
        finish(store, repo, deps, deps[0].source, checks=ci)
        store.finish_sync(run, "ok", prs=len(prs))
        counts[repo] = len(prs)
    return counts
