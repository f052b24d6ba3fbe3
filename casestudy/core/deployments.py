"""Deployment rules over times, one definition each: which deployment first ships a change, which
deployment an unattributed failure falls back to, and the days of each period a repository's data
covers (the denominator of every per-week rate, so a table cell and a finding agree)."""

from __future__ import annotations

import numpy as np

from ..model import MISSING
from ..source_kinds import kind_of
from .periods import DAY, Calendar


def first_deployment_after(times: np.ndarray, deploy_times: np.ndarray) -> np.ndarray:
    """First deployment at or after each time (-1 when none yet or the time is missing).

    ``deploy_times`` must be sorted. Used where a source cannot tell which deployment contains a
    merge (sources that can, like the git source's tags, set ``deployed_at`` themselves: see
    ``deployed_at_is_exact``)."""
    out = np.full(times.shape, MISSING, dtype=np.int64)
    if deploy_times.size == 0:
        return out
    pos = np.searchsorted(deploy_times, times, side="left")
    ok = (times >= 0) & (pos < deploy_times.size)
    out[ok] = deploy_times[pos[ok]]
    return out


def deployed_at_is_exact(source: str, deploy_source: str) -> bool:
    """Whether a repository's PRs carry the deployment that contains them, so an empty
    ``deployed_at`` means "not released yet" rather than "unknown": the git source's release
    tags, dated by ancestry (a merge after a release branch forked is not in that branch's
    later tags, however late they come). Elsewhere the first deployment after the merge is the
    estimate (``first_deployment_after``). ``source`` is the repository's source kind."""
    return deploy_source in kind_of(source).exact_deployments


def latest_deployment_before(t: int, deploy_times: np.ndarray) -> int | None:
    """The latest deployment at or before ``t`` (None when none precedes it); sorted times."""
    k = int(np.searchsorted(deploy_times, t, side="right")) - 1
    return int(deploy_times[k]) if k >= 0 else None


def covered_days(cal: Calendar, first: int, last: int) -> np.ndarray:
    """Days of each period inside [first, last] (epoch seconds; the span a repository's data
    covers): whole periods count fully, the first and last partly, others 0."""
    lo_day = cal.local_seconds(np.array([first]))[0] // DAY
    hi_day = cal.local_seconds(np.array([last]))[0] // DAY + 1
    lo = np.maximum(cal.starts, lo_day)
    hi = np.minimum(cal.starts + cal.days, hi_day)
    return np.clip(hi - lo, 0, None).astype(float)


def per_week(count: np.ndarray | float, days: np.ndarray | float):
    """A count per week over ``days`` covered days (NaN where nothing is covered)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.asarray(days) > 0, np.asarray(count) / (np.asarray(days) / 7.0),
                        np.nan)
