"""Waiting for release: merged PRs that no release carries yet, as a figure instead of "no deploy
time data". Only where deployments are releases the source can see (not every merge): each
merged PR of the subject without a deployment, its wait to the end of the data, counted per
period of its merge and in the latest window."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from ..document import WaitingForRelease
from ..metrics import format_duration
from .frame import Frame


def _day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def waiting(frame: Frame, deploy_source: str) -> WaitingForRelease | None:
    """The subject's merged PRs no release carries at the end of its data; None when its
    deployments are not releases (every merge deploys, or none are visible)."""
    a, cal, subject = frame.arrays, frame.cal, frame.subject
    deploys = a.deploy_times.get(subject)
    if deploy_source == "merges" or "deployments" not in frame.visible[subject] or \
            deploys is None or not len(deploys):
        return None
    end = frame.data_end
    merged, deployed = a.times["merged_at"], a.times["deployed_at"]
    mine = frame.pop & (a.repo_idx == 0) & (merged >= 0) & (merged <= end)
    wait = mine & (deployed < 0)
    period = cal.period_of(merged)
    in_report = wait & (period >= frame.lo_p) & (period <= frame.hi_p)
    per = {cal.labels[j]: int((in_report & (period == j)).sum())
           for j in range(frame.lo_p, frame.hi_p + 1)}
    win = wait & np.isin(period, np.asarray(frame.window.periods))
    n = int(wait.sum())
    last = int(deploys[deploys <= end].max()) if (deploys <= end).any() else None
    if n == 0:
        return WaitingForRelease(subject, 0, 0, None, None, per, _day(last) if last else "",
                                 "Every merged PR is in a release.")
    oldest = int(np.flatnonzero(wait)[np.argmin(merged[wait])])
    age = float(end - merged[oldest])
    text = (f"{n:,} merged PR{'s are' if n != 1 else ' is'} waiting for a release at the end "
            f"of the data ({_day(end)})"
            + (f"; the last release was on {_day(last)}" if last else "")
            + f"; the oldest, #{int(a.number[oldest])}, has waited {format_duration(age)}."
            + (f" {int(win.sum()):,} of them merged in the latest window."
               if win.any() else ""))
    return WaitingForRelease(subject, n, int(win.sum()), age, int(a.number[oldest]), per,
                             _day(last) if last else "", text)
