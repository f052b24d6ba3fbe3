"""Incidents derived from pull requests: revert PRs and hotfix PRs mark failures; the failure is
restored by the first deployment carrying the revert or fix (or its merge, without deployments).
Labelled incident issues, when a source provides them, are stored by the source directly."""

from __future__ import annotations

import re

import numpy as np

from ..model import Incident, derive_deployed_at
from ..store import Store

_HOTFIX = re.compile(r"\bhot\s*-?fix\b", re.IGNORECASE)


def derive_incidents(store: Store, repo: str) -> int:
    """(Re)build the revert/hotfix incidents of ``repo`` from its PRs and deployments."""
    deploys = np.array(sorted(d.created_at for d in store.deployments(repo)), dtype=np.int64)
    out = []
    for p in store.pull_requests(repo):
        if not p.merged_at:
            continue
        hotfix = bool(_HOTFIX.search(p.title)) or any(_HOTFIX.search(x) for x in p.labels)
        if not (p.is_revert or hotfix):
            continue
        restored = p.deployed_at or int(derive_deployed_at(
            np.array([p.merged_at], dtype=np.int64), deploys)[0])
        kind = "revert" if p.is_revert else "hotfix"
        refs = (str(p.reverted_number or ""), str(p.number))
        out.append(Incident(repo, f"{kind}-{p.number}", p.created_at or p.merged_at,
                            restored if restored > 0 else p.merged_at, kind, refs))
    store.write_batch(repo, incidents=out)
    return len(out)
