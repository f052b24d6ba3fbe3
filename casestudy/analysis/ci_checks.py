"""CI checks: how many checks a PR runs and how often failing checks fail together (the facts
the CI recommendation rests on)."""

from __future__ import annotations

import numpy as np

from ..model import CheckRun

FAILED = ("failure", "timed_out", "cancelled")


def check_run_stats(runs: list[CheckRun]) -> dict:
    """Checks per PR and how correlated their failures are (None without check runs): two
    checks that failed on at least 3 PRs each are correlated when the Jaccard index of the PRs
    they failed on is at least 0.8."""
    if not runs:
        return {"checks_per_pr": None, "correlated_check_pairs": None}
    per_pr: dict[int, set[str]] = {}
    fails: dict[str, set[int]] = {}
    for r in runs:
        per_pr.setdefault(r.pr, set()).add(r.name)
        if r.conclusion in FAILED:
            fails.setdefault(r.name, set()).add(r.pr)
    names = sorted(n for n, prs in fails.items() if len(prs) >= 3)
    pairs = corr = 0
    for i, x in enumerate(names):
        for y in names[i + 1:]:
            pairs += 1
            inter = len(fails[x] & fails[y])
            corr += inter / len(fails[x] | fails[y]) >= 0.8
    return {"checks_per_pr": float(np.median([len(v) for v in per_pr.values()])),
            "check_names": len({r.name for r in runs}), "failing_checks": len(names),
            "correlated_check_pairs": int(corr), "check_pairs": int(pairs)}
