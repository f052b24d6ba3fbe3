"""The numeric core against plain numpy/pandas references on random and edge-case data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from casestudy import core
from casestudy.core.periods import PeriodError, make_calendar
from casestudy.model import INCIDENT_RULES, RULE_CAUGHT, TIME_FIELDS, PRArrays


def reference(start, end, group, n_groups):
    d = end - start
    ok = (group >= 0) & (start >= 0) & (end >= 0) & (d >= 0)
    out = np.full((5, n_groups), np.nan)
    out[0] = 0
    for g in range(n_groups):
        v = d[ok & (group == g)].astype(float)
        out[0, g] = v.size
        if v.size:
            out[1:4, g] = np.percentile(v, [50, 75, 90])
            out[4, g] = v.mean()
    return out


@pytest.mark.parametrize("method", ["histogram", "buckets"])
@pytest.mark.parametrize("seed", range(6))
def test_group_stats_match_numpy_exactly(seed, method):
    rng = np.random.default_rng(seed)
    n, n_groups = int(rng.integers(0, 3000)), int(rng.integers(1, 40))
    start = rng.integers(0, 10**6, n)
    # heavy ties, missing values and clock skew
    end = start + rng.choice([0, 1, 60, 3600, *rng.integers(-500, 10**7, 20)], n)
    start[rng.random(n) < 0.05] = -1
    end[rng.random(n) < 0.05] = -1
    group = rng.integers(-1, n_groups, n)
    group[group == n_groups // 2] = n_groups - 1  # leave one group empty
    stats, excluded, _, _ = core.grouped_duration_stats(start, end, group, n_groups,
                                                        method=method)
    ref = reference(start, end, group, n_groups)
    np.testing.assert_array_equal(stats[:4], ref[:4])  # n and percentiles: exact
    np.testing.assert_allclose(stats[4], ref[4], rtol=1e-12)
    skew = (group >= 0) & (start >= 0) & (end >= 0) & (end < start)
    np.testing.assert_array_equal(excluded, np.bincount(group[skew], minlength=n_groups))
    assert stats[0, n_groups // 2] == 0 and np.isnan(stats[1, n_groups // 2])


@pytest.mark.parametrize("method", ["histogram", "buckets"])
def test_extreme_durations_and_cell_boundaries(method):
    """Zero, one second, neighbours of powers of two, centuries (past the last bin) and a group
    whose values all share one histogram cell: still exactly numpy's percentiles."""
    rng = np.random.default_rng(5)
    pow2 = 2 ** np.arange(0, 45)
    edge = np.concatenate([[0, 1, 2, 3], pow2 - 1, pow2, pow2 + 1, [10**13, 10**13 + 7]])
    same_cell = 1_000_000 + rng.integers(0, 1000, 5001)  # one cell, many ties
    end = np.concatenate([edge, rng.permutation(edge), same_cell, [5, 5, 5]]).astype(np.int64)
    group = np.concatenate([np.zeros(edge.size), np.ones(edge.size), np.full(5001, 2),
                            np.full(3, 3)]).astype(np.int64)
    start = np.zeros(end.size, dtype=np.int64)
    stats, _, _, _ = core.grouped_duration_stats(start, end, group, 4, method=method)
    ref = reference(start, end, group, 4)
    np.testing.assert_array_equal(stats[:4], ref[:4])
    np.testing.assert_allclose(stats[4], ref[4], rtol=1e-12)


@pytest.mark.parametrize("method", ["histogram", "buckets"])
def test_tiny_groups_whose_percentiles_share_ranks(method):
    """Groups of 1–7 values spread over many histogram cells: with so few values p50, p75 and
    p90 read the same ranks, which must not be counted (or gathered) twice."""
    rng = np.random.default_rng(9)
    sizes = np.tile(np.arange(1, 8), 30)
    group = np.repeat(np.arange(sizes.size), sizes)
    end = (10 ** rng.uniform(0, 9, group.size)).astype(np.int64)
    start = np.zeros(group.size, dtype=np.int64)
    stats, _, _, _ = core.grouped_duration_stats(start, end, group, sizes.size, method=method)
    ref = reference(start, end, group, sizes.size)
    np.testing.assert_array_equal(stats[:4], ref[:4])


def test_single_value_and_all_missing():
    start = np.array([0, -1, 5], dtype=np.int64)
    end = np.array([7, 3, -1], dtype=np.int64)
    stats, _, lo, hi = core.grouped_duration_stats(start, end, np.array([0, 1, 1]), 2, ci=True)
    assert stats[:, 0].tolist() == [1, 7, 7, 7, 7]
    assert stats[0, 1] == 0 and np.isnan(stats[1:, 1]).all()
    assert np.isnan(lo).all()  # no interval below n = 2


def test_bootstrap_interval_is_seeded_and_covers_median():
    rng = np.random.default_rng(1)
    start = np.zeros(400, dtype=np.int64)
    end = rng.integers(0, 10**5, 400)
    group = np.repeat([0, 1], 200)
    a = core.grouped_duration_stats(start, end, group, 2, ci=True, seed=3)
    b = core.grouped_duration_stats(start, end, group, 2, ci=True, seed=3)
    np.testing.assert_array_equal(a[2], b[2])
    assert (a[2] <= a[0][1]).all() and (a[0][1] <= a[3]).all()
    assert (a[3] - a[2] > 0).all()


@pytest.mark.parametrize("n", [2, 3, 10, 11, 40])
def test_bootstrap_matches_explicit_resampling(n):
    """The two-draws-per-resample bootstrap has the distribution of drawing n values with
    replacement: its 95% interval equals the one from explicit numpy resampling, up to one
    neighbouring value of the (discrete) support of resample medians."""
    rng = np.random.default_rng(n)
    values = np.sort(rng.choice(10**6, n, replace=False))
    draws = values[rng.integers(0, n, (100_000, n))]
    meds = np.median(draws, axis=1)
    want = np.percentile(meds, [2.5, 97.5])
    _, _, lo, hi = core.grouped_duration_stats(np.zeros(n, np.int64), values,
                                               np.zeros(n, np.int64), 1, ci=True,
                                               n_boot=100_000)
    support = np.unique(meds)
    for got, ref in ((lo[0], want[0]), (hi[0], want[1])):
        assert abs(np.searchsorted(support, got) - np.searchsorted(support, ref)) <= 1, (got, ref)


def _arrays(times: dict, n: int, repos=("o/r",), repo_idx=None, **kw) -> PRArrays:
    full = {f: np.full(n, -1, dtype=np.int64) for f in TIME_FIELDS}
    full.update({k: np.asarray(v, dtype=np.int64) for k, v in times.items()})
    z = np.zeros(n, dtype=bool)
    return PRArrays(list(repos), np.zeros(n, np.int32) if repo_idx is None else repo_idx,
                    np.arange(n), full, kw.get("additions", np.ones(n, np.int64)),
                    np.zeros(n, np.int64), np.zeros(n, np.int64), kw.get("is_bot", z), z, z,
                    kw.get("is_bugfix", z), np.zeros(n, np.int8), kw.get("deploy_times", {}),
                    kw.get("incidents", {}), kw.get("author_idx"))


def ts(s: str) -> int:
    return int(pd.Timestamp(s, tz="UTC").timestamp())


def test_month_boundaries_follow_time_zone_and_dst():
    # 2024-03-31 23:30 UTC is already April in Berlin (CEST, +2) but March in UTC
    merged = [ts("2024-03-31 23:30"), ts("2024-03-31 21:30"), ts("2024-10-31 23:30")]
    a = _arrays({"merged_at": merged, "ready_at": [m - 3600 for m in merged]}, 3)
    utc = core.compute_table(a, tz="UTC", calendar=make_calendar(merged[0] - 10**7,
                                                                 merged[2], "month", "UTC"))
    ber = core.compute_table(a, calendar=make_calendar(merged[0] - 10**7, merged[2], "month",
                                                       "Europe/Berlin"))
    n_utc = dict(zip(utc.periods, utc.stats["throughput"]["n"][0], strict=True))
    n_ber = dict(zip(ber.periods, ber.stats["throughput"]["n"][0], strict=True))
    assert n_utc["2024-03"] == 2 and n_ber["2024-03"] == 1 and n_ber["2024-04"] == 1
    # late October: CET (+1) after the DST change, so 23:30 UTC is November 00:30 in Berlin
    assert n_utc["2024-10"] == 1 and n_ber["2024-11"] == 1


def test_iso_weeks():
    cal = make_calendar(ts("2024-12-28"), ts("2025-01-07"), "week", "UTC")
    p = cal.period_of(np.array([ts("2024-12-29 23:59"), ts("2024-12-30 00:00"),
                                ts("2025-01-05 12:00"), ts("2025-01-06 00:00")]))
    labels = [cal.labels[i] for i in p]
    assert labels == ["2024-W52", "2025-W01", "2025-W01", "2025-W02"]
    assert set(cal.days.tolist()) == {7}


def test_bad_calendar_inputs():
    with pytest.raises(PeriodError, match="time zone"):
        make_calendar(0, 10, "month", "Mars/Olympus")
    with pytest.raises(PeriodError, match="period"):
        make_calendar(0, 10, "fortnight", "UTC")


def test_table_against_pandas_groupby():
    rng = np.random.default_rng(5)
    n = 20_000
    merged = ts("2024-01-01") + rng.integers(0, 200 * 86400, n)
    first = merged - rng.lognormal(10, 2, n).astype(np.int64)
    first[rng.random(n) < 0.1] = -1
    ready = merged - rng.integers(0, 86400, n)
    repo_idx = rng.integers(0, 2, n).astype(np.int32)
    is_bot = rng.random(n) < 0.1
    bug = rng.random(n) < 0.3
    a = _arrays({"merged_at": merged, "first_commit_at": first, "ready_at": ready}, n,
                repos=("a/a", "b/b"), repo_idx=repo_idx, is_bot=is_bot, is_bugfix=bug)
    tab = core.compute_table(a)
    df = pd.DataFrame({"repo": repo_idx, "bot": is_bot, "bug": bug,
                       "cycle": merged - np.where(first >= 0, first, ready),
                       "month": pd.to_datetime(merged, unit="s").strftime("%Y-%m")})
    df = df[~df.bot]
    g = df.groupby(["repo", "month"])
    med = g.cycle.median()
    share = g.bug.mean()
    for (r, mth), v in med.items():
        j = tab.periods.index(mth)
        assert tab.stats["cycle_time"]["median"][r, j] == v
        assert tab.stats["bugfix_share"]["value"][r, j] == pytest.approx(share[(r, mth)])
        assert tab.stats["throughput"]["n"][r, j] == g.size()[(r, mth)]
    bots = core.compute_table(a, bots="only")
    assert bots.stats["throughput"]["n"].sum() == is_bot.sum()


def test_business_hours_exclude_nights_and_weekends():
    fri = ts("2024-06-07 16:00")  # Friday 16:00 UTC
    mon = ts("2024-06-10 10:00")  # Monday 10:00 UTC
    a = _arrays({"ready_at": [fri], "first_response_at": [mon]}, 1)
    tab = core.compute_table(a, business_hours=(9, 17), only=("first_response",))
    j = tab.periods.index("2024-06")
    assert tab.stats["first_response"]["median"][0, j] == 2 * 3600  # Fri 16–17 + Mon 9–10
    ber = core.compute_table(a, business_hours=(9, 17), tz="Europe/Berlin",
                             only=("first_response",))
    # in Berlin (+2) that is Friday 18:00 → Monday 12:00: 0 h Friday + 3 h Monday
    assert ber.stats["first_response"]["median"][0, ber.periods.index("2024-06")] == 3 * 3600


def test_deployments_cfr_and_restore():
    d = np.array([ts("2024-05-01"), ts("2024-05-08"), ts("2024-05-15"), ts("2024-05-22")])
    caught = INCIDENT_RULES.index(RULE_CAUGHT)
    # two incidents placed on the 05-08 deployment (restored by 05-15), one caught before
    # release, one failure of 05-22 still open
    inc = {"opened_at": np.array([ts("2024-05-09"), ts("2024-05-10"), ts("2024-05-11"),
                                  ts("2024-05-23")]),
           "failed_at": np.array([ts("2024-05-08"), ts("2024-05-08"), -1, ts("2024-05-22")]),
           "resolved_at": np.array([ts("2024-05-15"), ts("2024-05-15"), -1, -1]),
           "rule": np.array([0, 0, caught, 0])}
    a = _arrays({"merged_at": [ts("2024-05-02")], "created_at": [ts("2024-05-01")],
                 "closed_at": [ts("2024-05-31") + 3600]}, 1, deploy_times={"o/r": d},
                incidents={"o/r": inc})
    tab = core.compute_table(a)
    j = tab.periods.index("2024-05")
    st = tab.stats
    assert st["deploy_frequency"]["n"][0, j] == 4
    # May is covered whole (the data runs from 05-01 to 05-31): 4 deployments in 31/7 weeks
    assert st["deploy_frequency"]["value"][0, j] == pytest.approx(4 / (31 / 7))
    # two failed deployments (05-08 and 05-22) of four
    assert st["change_failure_rate"]["value"][0, j] == 0.5
    assert st["change_failure_rate"]["open"][0, j] == 1
    assert st["change_failure_rate"]["caught"][0, j] == 1
    assert st["time_to_restore"]["n"][0, j] == 2
    assert st["time_to_restore"]["median"][0, j] == 7 * 86400


def test_distinct_authors_per_group_against_pandas():
    rng = np.random.default_rng(4)
    n = 20_000
    merged = ts("2024-01-01") + rng.integers(0, 200 * 86400, n)
    merged[rng.random(n) < 0.1] = -1  # open PRs
    authors = rng.integers(-1, 300, n).astype(np.int32)  # -1 = unknown author
    bots = rng.random(n) < 0.05
    a = _arrays({"merged_at": merged}, n, repos=("a/a", "b/b"),
                repo_idx=rng.integers(0, 2, n).astype(np.int32), author_idx=authors,
                is_bot=bots)
    cal = make_calendar(ts("2024-01-01"), ts("2024-08-01"), "month", "UTC")
    got = core.compute_table(a, calendar=cal).stats["contributors"]["value"]
    df = pd.DataFrame({"repo": a.repo_idx, "author": authors,
                       "month": cal.period_of(merged)})
    df = df[(merged >= 0) & ~bots & (authors >= 0)]
    want = np.zeros_like(got)
    for (r, p), k in df.groupby(["repo", "month"])["author"].nunique().items():
        want[r, p] = k
    np.testing.assert_array_equal(got, want)


def test_one_thread_below_the_size_threshold_gives_the_same_table():
    """Small inputs run the parallel kernels on the calling thread (core.threads); the table,
    bootstrap intervals included, is the same whichever thread count computed it."""
    import numba

    from casestudy.core.threads import PARALLEL_MIN_ROWS, threads_for

    rng = np.random.default_rng(8)
    n = 5_000
    merged = ts("2024-01-01") + rng.integers(0, 300 * 86400, n)
    first = merged - rng.lognormal(9, 2, n).astype(np.int64)
    a = _arrays({"merged_at": merged, "first_commit_at": first}, n)
    before = numba.get_num_threads()
    with threads_for(n) as used:
        assert used == 1 == numba.get_num_threads()
        small = core.compute_table(a, ci=True)
    assert numba.get_num_threads() == before
    with threads_for(PARALLEL_MIN_ROWS) as used:
        assert used == before == numba.get_num_threads()
        wide = core.compute_table(a, ci=True)
    for key, cols in small.stats.items():
        for col, v in cols.items():
            np.testing.assert_array_equal(v, wide.stats[key][col], err_msg=f"{key}.{col}")
