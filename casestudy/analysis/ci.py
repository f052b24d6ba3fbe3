"""CI insight, after the PyTorch CI de-duplication study: which checks fail together, a reduced
set of jobs for PRs that still catches the failures, flaky jobs and job durations.

Input: the check runs of PR head commits (one per job and attempt). Job names are normalised
first (``NORMALISE``, shown in the report): matrix suffixes and the build/test suffixes the study
stripped, so ``test (ubuntu, 3.11)`` and ``test (macos, 3.12)`` are one job. A job *failed* on a
PR when its first attempt on the PR's head commit failed and no re-run on that commit passed;
re-runs are kept apart (``attempt``), and a failure that a re-run turned green makes the job
*flaky* on that commit. Everything is numpy over a
PR × job matrix; clustering is scipy's hierarchical clustering with complete linkage on the
distance between rows of the phi correlation matrix, cut at 10% of the largest distance, as in the
reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..document import CISection
from ..model import CheckRun

FAILED = frozenset({"failure", "timed_out", "cancelled", "startup_failure"})
PASSED = frozenset({"success"})
NORMALISE: tuple[tuple[str, str, str], ...] = (
    (r"\s*\([^()]*\)\s*$", "", "a matrix suffix in parentheses: `test (ubuntu, 3.11)` → `test`"),
    (r"[-_ ](shard|part)[-_ ]?\d+([-_ ]?(of|/)[-_ ]?\d+)?$", "",
     "a shard number: `test-shard-2-of-4` → `test`"),
    (r"[-_ ]NO_AVX(_NO_AVX2)?$|[-_ ]NO_AVX2$", "", "an instruction-set variant (the study's)"),
    (r"[-_ ]multigpu$", "", "a multi-GPU variant (the study's)"),
    (r"[-_ ](build|test)$", "", "a build/test suffix (the study's): `linux-py3-build` → "
                                "`linux-py3`"),
)
_RULES = [(re.compile(p, re.IGNORECASE), r) for p, r, _ in NORMALISE]


def normalise(name: str) -> str:
    """A job's name without matrix, shard and build/test suffixes (rules applied in order,
    repeatedly, so ``x-test (linux)`` becomes ``x``)."""
    prev = None
    name = name.strip()
    while prev != name:
        prev = name
        for pattern, repl in _RULES:
            name = pattern.sub(repl, name).strip()
    return name or prev


@dataclass
class CIReport:
    """What the CI section shows. Matrices are indexed like ``jobs``."""

    jobs: list[str]
    n_prs: int  # PRs with check runs
    n_failed_prs: int  # PRs on which any job failed (first attempt)
    failures: dict[str, int]  # PRs each job failed on
    phi: np.ndarray
    jaccard: np.ndarray
    order: list[int]  # jobs ordered by cluster, for the heatmap
    clusters: list[list[str]]  # clusters of two or more jobs
    kept: list[str]  # the reduced job set
    dropped: list[str]
    recall: float  # share of failed PRs the reduced set still catches
    target: float
    minutes_all: float  # CI minutes of all jobs over the PRs analysed
    minutes_saved: float
    flaky: dict[str, int]  # job → commits on which it failed and then passed
    duration_p50: dict[str, float] = field(default_factory=dict)  # seconds
    duration_p90: dict[str, float] = field(default_factory=dict)


@dataclass
class RunColumns:
    """Check runs as columns (one element per run): the analysis works on these."""

    pr: np.ndarray  # int64 PR number
    sha: np.ndarray  # int64 code into ``shas``
    name: np.ndarray  # int64 code into ``names``
    attempt: np.ndarray
    failed: np.ndarray  # bool: the run's conclusion is a failure
    passed: np.ndarray  # bool: success
    seconds: np.ndarray  # float: completed - started (0 when unknown)
    start: np.ndarray  # int64 (0 when unknown)
    names: list[str]
    shas: list[str]


def columns(runs: list[CheckRun]) -> RunColumns:
    """Check-run objects into columns: the store's table shape (``Store.check_run_table``),
    read by ``table_columns`` — one rule for timings and conclusions."""
    n = len(runs)
    table: dict[str, np.ndarray] = {}
    for field_, key in (("sha", "sha"), ("name", "name"), ("conclusion", "conclusion")):
        codes: dict[str, int] = {}
        table[key] = np.fromiter((codes.setdefault(getattr(r, field_) or "", len(codes))
                                  for r in runs), np.int64, n)
        table[key + "s"] = np.array(list(codes), dtype=str)
    for field_ in ("pr", "started_at", "completed_at", "attempt"):
        table[field_] = np.fromiter((getattr(r, field_) or 0 for r in runs), np.int64, n)
    return table_columns(table)


def table_columns(t: dict[str, np.ndarray]) -> RunColumns:
    """``columns`` from the store's check-run table (``Store.check_run_table``), all numpy."""
    timed = (t["started_at"] != 0) & (t["completed_at"] != 0) & (
        t["completed_at"] >= t["started_at"])
    start = np.where(timed, t["started_at"], 0)
    end = np.where(timed, t["completed_at"], 0)
    concl = t["conclusions"][t["conclusion"]] if t["conclusion"].size else t["conclusions"]
    return RunColumns(t["pr"], t["sha"], t["name"], t["attempt"], np.isin(concl, list(FAILED)),
                      np.isin(concl, list(PASSED)), (end - start).astype(float), start,
                      [str(x) for x in t["names"]], [str(x) for x in t["shas"]])


def failure_matrix(cols: RunColumns) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray,
                                               dict[str, int], np.ndarray]:
    """(PR numbers, jobs, failed[PR, job], ran[PR, job], flaky commits per job, minutes[PR, job]).

    A job failed on a PR when its first attempt on the PR's head commit failed and no run of
    it on that commit passed; a commit where it both failed and passed makes it flaky."""
    jobs_of_name = [normalise(x) for x in cols.names]
    jobs = sorted(set(jobs_of_name))
    job_index = np.array([jobs.index(j) for j in jobs_of_name], dtype=np.int64)
    job = job_index[cols.name] if cols.name.size else cols.name
    prs, pr_i = np.unique(cols.pr, return_inverse=True)
    n_pr, n_job, n_sha = prs.size, len(jobs), len(cols.shas)
    g = pr_i * n_job + job  # (PR, job) cell of each run
    c = cols.sha * n_job + job  # (commit, job) of each run
    passed_c = np.bincount(c[cols.passed], minlength=n_sha * n_job) > 0
    failed_c = np.bincount(c[cols.failed], minlength=n_sha * n_job) > 0
    # the first attempt of each cell: most cells hold one run; only the others are sorted
    count = np.bincount(g, minlength=n_pr * n_job)
    single = np.flatnonzero(count[g] == 1)
    multi = np.flatnonzero(count[g] > 1)
    order = multi[np.lexsort((cols.start[multi], cols.attempt[multi], g[multi]))]
    gs = g[order]
    first = np.concatenate([single, order[np.r_[True, gs[1:] != gs[:-1]]] if gs.size
                            else order])
    failed = np.zeros(n_pr * n_job, dtype=bool)
    failed[g[first]] = cols.failed[first] & ~passed_c[c[first]]
    ran = count > 0
    minutes = np.bincount(g, weights=cols.seconds / 60.0, minlength=n_pr * n_job)
    flaky_jobs = np.bincount(np.flatnonzero(passed_c & failed_c) % n_job, minlength=n_job)
    flaky = {jobs[j]: int(k) for j, k in enumerate(flaky_jobs) if k}
    shape = (n_pr, n_job)
    return prs, jobs, failed.reshape(shape), ran.reshape(shape), flaky, minutes.reshape(shape)


def phi_matrix(failed: np.ndarray) -> np.ndarray:
    """Phi (Pearson on 0/1) correlation between the jobs' failure columns; 0 where a job never
    or always failed (no variance)."""
    x = failed.astype(float)
    x -= x.mean(axis=0)
    norm = np.sqrt((x * x).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        c = (x.T @ x) / np.outer(norm, norm)
    c[~np.isfinite(c)] = 0.0
    np.fill_diagonal(c, 1.0)
    return c


def jaccard_matrix(failed: np.ndarray) -> np.ndarray:
    """Jaccard index of the sets of PRs two jobs failed on (0 when neither failed)."""
    f = failed.astype(np.int64)
    inter = f.T @ f
    counts = f.sum(axis=0)
    union = counts[:, None] + counts[None, :] - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        j = np.where(union > 0, inter / union, 0.0)
    return j


def cluster_jobs(phi: np.ndarray, cut: float = 0.1) -> np.ndarray:
    """Cluster ids per job: complete linkage on the Euclidean distance between phi rows, cut at
    ``cut`` × the largest distance (the reference's recipe)."""
    from scipy.cluster import hierarchy
    from scipy.spatial.distance import pdist

    n = phi.shape[0]
    if n < 2:
        return np.ones(n, dtype=int)
    d = pdist(phi)
    if not np.isfinite(d).all() or d.max() == 0:
        return np.ones(n, dtype=int)
    return hierarchy.fcluster(hierarchy.linkage(d, method="complete"), cut * d.max(),
                              "distance")


def reduced_set(failed: np.ndarray, cost: np.ndarray, target: float = 0.95
                ) -> tuple[np.ndarray, float]:
    """Jobs to keep on PRs: greedily the job that catches the most failed PRs not yet caught
    (the cheaper on a tie), until ``target`` of the PRs any job caught are caught. Returns (kept
    job mask, recall)."""
    caught_any = failed.any(axis=1)
    total = int(caught_any.sum())
    kept = np.zeros(failed.shape[1], dtype=bool)
    if total == 0:
        return kept, 1.0
    covered = np.zeros(failed.shape[0], dtype=bool)
    while covered.sum() < target * total:
        gain = failed[~covered].sum(axis=0).astype(float)
        gain[kept] = -1
        if gain.max() <= 0:
            break
        best = np.flatnonzero(gain == gain.max())
        j = int(best[np.argmin(cost[best])])
        kept[j] = True
        covered |= failed[:, j]
    return kept, float(covered.sum() / total)


def analyse(runs: list[CheckRun], target: float = 0.95) -> CIReport | None:
    """The CI report of a repository's check runs (None without any)."""
    if not runs:
        return None
    return analyse_columns(columns(runs), target)


def analyse_table(table: dict[str, np.ndarray], target: float = 0.95) -> CIReport | None:
    """The CI report from the store's check-run table (None without any run)."""
    if not table["pr"].size:
        return None
    return analyse_columns(table_columns(table), target)


def analyse_columns(cols: RunColumns, target: float = 0.95) -> CIReport:
    """The CI report from check runs in columns (all numpy)."""
    prs, jobs, failed, ran, flaky, minutes = failure_matrix(cols)
    phi = phi_matrix(failed)
    ids = cluster_jobs(phi)
    order = [int(i) for i in np.lexsort((np.arange(len(jobs)), ids))]
    clusters = []
    for c in np.unique(ids):
        members = [jobs[i] for i in np.flatnonzero(ids == c)]
        if len(members) > 1 and failed[:, ids == c].any():
            clusters.append(members)
    kept, recall = reduced_set(failed, minutes.sum(axis=0), target)
    durations = {}
    for j, job in enumerate(jobs):
        m = minutes[ran[:, j], j] * 60  # a job's time per PR (its matrix legs summed)
        durations[job] = m[m > 0]
    return CIReport(
        jobs=jobs, n_prs=len(prs), n_failed_prs=int(failed.any(axis=1).sum()),
        failures={job: int(failed[:, j].sum()) for j, job in enumerate(jobs)},
        phi=phi, jaccard=jaccard_matrix(failed), order=order,
        clusters=sorted(clusters, key=len, reverse=True),
        kept=[jobs[j] for j in np.flatnonzero(kept)],
        dropped=[jobs[j] for j in np.flatnonzero(~kept)], recall=recall, target=target,
        minutes_all=float(minutes.sum()), minutes_saved=float(minutes[:, ~kept].sum()),
        flaky=dict(sorted(flaky.items())),
        duration_p50={k: float(np.percentile(v, 50)) for k, v in durations.items() if v.size},
        duration_p90={k: float(np.percentile(v, 90)) for k, v in durations.items() if v.size},
    )


def section(report: CIReport, repo: str) -> CISection:
    """The CI report as the document's section, with its numbers in words."""
    n_jobs = len(report.jobs)
    share = report.minutes_saved / report.minutes_all if report.minutes_all else 0.0
    parts = [f"{report.n_prs:,} PRs ran {n_jobs} distinct job{'s' if n_jobs != 1 else ''} on "
             f"their head commits; {report.n_failed_prs:,} had at least one failing job."]
    if report.clusters:
        big = report.clusters[0]
        k = len(report.clusters)
        parts.append(f"{k} cluster{'s' if k != 1 else ''} of jobs "
                     f"fail{'s' if k == 1 else ''} together (largest: {', '.join(big[:4])}"
                     f"{', …' if len(big) > 4 else ''}).")
    if report.n_failed_prs:
        parts.append(f"Keeping {len(report.kept)} of {n_jobs} jobs on PRs still catches "
                     f"{report.recall:.0%} of the PRs any job caught (target "
                     f"{report.target:.0%}) and saves {report.minutes_saved:,.0f} of "
                     f"{report.minutes_all:,.0f} CI minutes ({share:.0%}).")
    if report.flaky:
        top = sorted(report.flaky.items(), key=lambda kv: -kv[1])[:3]
        parts.append("Flaky (failed, then passed on the same commit): " + ", ".join(
            f"{job} ({k} commit{'s' if k != 1 else ''})" for job, k in top) + ".")
    order = report.order
    return CISection(
        repo=repo, n_prs=report.n_prs, n_failed_prs=report.n_failed_prs,
        jobs=[report.jobs[i] for i in order],
        phi=[[round(float(report.phi[i, j]), 3) for j in order] for i in order],
        clusters=report.clusters, kept=report.kept, dropped=report.dropped,
        recall=report.recall, target=report.target, minutes_all=report.minutes_all,
        minutes_saved=report.minutes_saved, flaky=report.flaky, failures=report.failures,
        duration_p50=report.duration_p50, duration_p90=report.duration_p90,
        rules=[what for _, _, what in NORMALISE], text=" ".join(parts))


def facts(report: CIReport | None) -> dict:
    """What the CI recommendation triggers on and quotes (None without check runs)."""
    if report is None:
        return {"ci_jobs": None}
    share = report.minutes_saved / report.minutes_all if report.minutes_all else 0.0
    return {"ci_jobs": len(report.jobs), "ci_clusters": len(report.clusters),
            "ci_kept": len(report.kept), "ci_recall": report.recall,
            "ci_minutes_saved": report.minutes_saved, "ci_saved_share": share,
            "ci_flaky": len(report.flaky), "ci_failed_prs": report.n_failed_prs}
