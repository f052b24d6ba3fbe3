"""Benchmark of the CI analysis: 20,000 PRs × 80 jobs (1.6M check runs, a few re-runs) with
planted families of jobs that fail together. Prints the seconds to build the check runs (not
part of the analysis) and to analyse them: failure matrix, phi, Jaccard, clustering, reduced
set, flaky jobs and durations.

    python bench/ci.py [--prs 20000] [--jobs 80]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casestudy.analysis.ci import analyse_columns, columns  # noqa: E402
from casestudy.model import CheckRun  # noqa: E402


def make_runs(n_prs: int, n_jobs: int, seed: int = 1) -> list[CheckRun]:
    rng = np.random.default_rng(seed)
    family = np.arange(n_jobs) // 4  # jobs fail in families of four
    n_fam = int(family.max()) + 1
    rates = rng.uniform(0.0, 0.05, n_fam)
    fails = rng.random((n_prs, n_fam)) < rates
    flaky = rng.random((n_prs, n_jobs)) < 0.002
    dur = rng.integers(60, 3600, n_jobs)
    runs = []
    for pr in range(n_prs):
        sha = f"{pr:040x}"
        t = 1_700_000_000 + pr * 600
        for j in range(n_jobs):
            bad = bool(fails[pr, family[j]]) or bool(flaky[pr, j])
            runs.append(CheckRun("o/r", pr, sha, f"job-{j:02d} (linux)",
                                 "failure" if bad else "success", t, t + int(dur[j])))
            if flaky[pr, j]:
                runs.append(CheckRun("o/r", pr, sha, f"job-{j:02d} (linux)", "success", t,
                                     t + int(dur[j]), attempt=2))
    return runs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--prs", type=int, default=20_000)
    ap.add_argument("--jobs", type=int, default=80)
    args = ap.parse_args()
    t0 = time.perf_counter()
    runs = make_runs(args.prs, args.jobs)
    t1 = time.perf_counter()
    best = best_cols = float("inf")
    for _ in range(3):
        s = time.perf_counter()
        cols = columns(runs)
        m = time.perf_counter()
        ci = analyse_columns(cols)
        e = time.perf_counter()
        best_cols, best = min(best_cols, m - s), min(best, e - m)
    print(f"{args.prs:,} PRs × {args.jobs} jobs = {len(runs):,} check runs "
          f"(objects built in {t1 - t0:.1f} s): to columns {best_cols:.2f} s, analysis "
          f"{best:.2f} s (best of 3); "
          f"{len(ci.clusters)} clusters, {len(ci.kept)} jobs kept, recall {ci.recall:.1%}, "
          f"{len(ci.flaky)} flaky jobs")


if __name__ == "__main__":
    main()
