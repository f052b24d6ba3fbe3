"""Drill-down: the PRs behind one metric in one period, with every stage's duration — measured
by the core's one definition of each duration, in the core's calendar, with the report's own
options (periods, time zone, bots, working hours), so each duration is the one its figure counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import core, metrics
from ..metric_kinds import PRDuration
from ..model import PRArrays
from ..options import Options
from ..store import Store

STAGE_KEYS = ("cycle_time", "lead_time", *metrics.STAGES)


def pr_rows(store: Store, a: PRArrays, metric: str, period: str, opts: Options,
            limit: int = 1000) -> pd.DataFrame:
    """PRs of ``a.repos[0]`` whose ``metric`` completed in ``period`` (of ``opts``' periods and
    time zone, among the PRs its bot setting counts): durations in hours — working hours when
    ``opts`` has business hours —, size, author, title and link, slowest first (at most
    ``limit`` rows)."""
    m = metrics.get(metric)
    if not isinstance(m.how, PRDuration):  # a drill-down lists PRs: restore time has none
        m = metrics.get("cycle_time")
    _, end = core.duration_columns(a, m)
    sel_any = (a.repo_idx == 0) & core.population_mask(a, opts.bots) & (end >= 0)
    if not sel_any.any():
        return pd.DataFrame()
    cal = core.calendar_for(a, opts.freq, opts.tz)
    if period not in cal.labels:
        return pd.DataFrame()
    rows = np.flatnonzero(sel_any & (cal.period_of(end) == cal.index(period)))
    data: dict[str, np.ndarray] = {"number": a.number[rows]}
    for key in STAGE_KEYS:
        d = core.duration_values(a, metrics.get(key), rows, cal, opts.business_hours)
        data[metrics.get(key).name + " (h)"] = np.round(d / 3600, 2)
    data["lines changed"] = (a.additions + a.deletions)[rows]
    data["comments"] = a.n_comments[rows]
    df = pd.DataFrame(data)
    sort_col = m.name + " (h)"
    df = df.sort_values(sort_col, ascending=False, na_position="last").head(limit)
    prs = {p.number: p for p in store.pull_requests(a.repos[0], df["number"].tolist())}
    df.insert(1, "title", [prs[n].title if n in prs else "" for n in df["number"]])
    df.insert(2, "author", [prs[n].author if n in prs else "" for n in df["number"]])
    df.insert(3, "bug fix", a.is_bugfix[rows][df.index.to_numpy()] if len(df) else [])
    df["link"] = [prs[n].url if n in prs else "" for n in df["number"]]
    return df.reset_index(drop=True)
