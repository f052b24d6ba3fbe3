"""What kind of delivery a project has, from its deployment source and cadence: versioned
releases (a release train: a library or an app shipped in versions) or frequent deployments
(a service that deploys on merge or on demand). The DORA deployment-frequency bands are
written for the second; the judgement layer reads this to frame release-cadence findings."""

from __future__ import annotations

import numpy as np

from ..document import Delivery
from .frame import Frame

RELEASE_SOURCES = ("tags", "releases")  # versions: each carries the changes merged before it
FREQUENT_PER_WEEK = 3.0  # a versioned project shipping this often still deploys frequently
# release tags this far apart, each carrying this many merged PRs, may mark package versions of a
# product that is delivered some other way (an app deployed from its default branch)
SPARSE_GAP_DAYS = 90.0
SPARSE_PRS = 50


def delivery(frame: Frame, deploy_source: str) -> Delivery | None:
    """The subject's delivery over the report period; None when it has no deployments."""
    a, subject = frame.arrays, frame.subject
    deploys = a.deploy_times.get(subject)
    lo, hi = frame.window.bounds([frame.lo_p, frame.hi_p])
    lo, hi = max(lo, frame.data_start), min(hi, frame.data_end)
    if deploys is None or hi <= lo:
        return None
    inside = deploys[(deploys >= lo) & (deploys <= hi)]
    if deploy_source == "merges":
        return Delivery("merges", "every merge counts as a deployment", 0, None, None, None,
                        "No deployment source was found, so every merge to the default "
                        "branch counts as a deployment: the cadence shows merging, not "
                        "delivery.")
    if inside.size < 2:
        return None
    weeks = (hi - lo) / (7 * 86400)
    per_week = inside.size / weeks
    gaps = np.diff(np.sort(inside)) / 86400
    merged, deployed = a.times["merged_at"], a.times["deployed_at"]
    mine = frame.pop & (a.repo_idx == 0) & (merged >= lo) & (merged <= hi) & (deployed >= 0)
    _, per_release = np.unique(deployed[mine], return_counts=True)
    prs = float(np.median(per_release)) if per_release.size else None
    versioned = deploy_source in RELEASE_SOURCES and per_week < FREQUENT_PER_WEEK
    kind = "release train" if versioned else "frequent deployments"
    gap = float(np.median(gaps))
    if versioned and gap > SPARSE_GAP_DAYS and prs is not None and prs >= SPARSE_PRS:
        return Delivery(
            "unclear", deploy_source, int(inside.size), per_week, gap, prs,
            f"Its {inside.size:,} release tags in the report period are a median {gap:.1f} days "
            f"apart, each carrying a median {prs:.0f} merged PRs: tags this sparse may mark "
            "package versions rather than how the product is delivered (an app deployed from "
            "its default branch shows no tag). Deployment figures here come from those tags; "
            "read its real deployments from GitHub (`casestudy sync --deployments` or "
            "`--workflow FILE`) before judging its delivery.")
    n = int(inside.size)
    cadence = (f"{n:,} {'releases' if versioned else 'deployments'} in the report period "
               f"({per_week:.1f} a week), a median {float(np.median(gaps)):.1f} days apart"
               + (f", each carrying a median {prs:.0f} merged PR{'s' if prs != 1 else ''}"
                  if prs is not None else ""))
    if versioned:
        text = (f"It ships versioned releases (from {deploy_source}): {cadence}. DORA's "
                "deployment-frequency bands are written for services that deploy on demand; "
                "for versioned releases, read them as release cadence, and deploy time as the "
                "wait for the next release.")
    else:
        text = (f"It deploys often (from {deploy_source}): {cadence}. DORA's bands apply as "
                "written.")
    return Delivery(kind, deploy_source, n, per_week, float(np.median(gaps)), prs, text)
