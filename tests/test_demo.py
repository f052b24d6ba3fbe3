"""The synthetic demo: deterministic, big enough, and carrying the story it promises."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from casestudy.sources.demo import PROFILES, generate_repo


def _month(ts: np.ndarray) -> np.ndarray:
    return ts.astype("datetime64[s]").astype("datetime64[M]")


def test_same_seed_same_data():
    small = PROFILES[2]
    a = generate_repo(small, np.random.default_rng(7))
    b = generate_repo(small, np.random.default_rng(7))
    c = generate_repo(small, np.random.default_rng(8))
    assert a == b
    assert a[0] != c[0]


def test_sizes_and_span(demo_store):
    summary = {s.repo: s for s in demo_store.summary()}
    assert set(summary) == {"demo/atlas", "demo/borealis", "demo/cirrus"}
    atlas = summary["demo/atlas"]
    assert atlas.prs >= 50_000 and atlas.synthetic
    assert (atlas.last_at - atlas.first_at) >= 4 * 365 * 86400
    assert all(s.deployments > 50 for s in summary.values())


def test_planted_story_visible_in_plain_counts(demo_store):
    a = demo_store.load_arrays(["demo/atlas", "demo/borealis"])
    t = a.times
    human = ~a.is_bot
    resp = t["first_response_at"] - t["ready_at"]
    ok = human & (t["first_response_at"] >= 0) & (a.repo_idx == 0)
    months = _month(t["first_response_at"])

    def med(month: str) -> float:
        return float(np.median(resp[ok & (months == np.datetime64(month))]))

    # first response slowed for months, then recovered
    assert med("2026-01") > 3.5 * med("2025-03")
    assert med("2025-09") > 2 * med("2025-03")
    assert med("2026-09") < 1.5 * med("2025-03")
    # about a third of atlas's merged human PRs are bug fixes
    merged = human & (t["merged_at"] >= 0)
    share = a.is_bugfix[merged & (a.repo_idx == 0)].mean()
    assert 0.28 < share < 0.40
    # borealis is clearly faster: median cycle time under half of atlas's
    cycle = t["merged_at"] - t["first_commit_at"]
    atlas = np.median(cycle[merged & (a.repo_idx == 0)])
    bore = np.median(cycle[merged & (a.repo_idx == 1)])
    assert bore < 0.5 * atlas
    # weekends are quiet
    dow = ((t["created_at"] // 86400) + 3) % 7
    assert (dow[a.repo_idx == 0] >= 5).mean() < 0.1
    # reverts and bots exist
    assert a.is_revert.sum() > 100 and a.is_bot.sum() > 1000


def test_dates_are_utc_and_in_range(demo_store):
    a = demo_store.load_arrays(["demo/cirrus"])
    start = datetime(2023, 1, 1, tzinfo=UTC).timestamp()
    assert a.times["created_at"].min() >= start


def test_commits_follow_their_prs_on_their_authors_clocks(demo_store):
    import pandas as pd

    for repo in ("demo/atlas", "demo/borealis", "demo/cirrus"):
        commits = pd.DataFrame(map(vars, demo_store.commits(repo)))
        assert len(commits) > 5_000
        prs = pd.DataFrame(map(vars, demo_store.pull_requests(repo))).set_index("number")
        with_pr = commits[commits.pr.notna()].join(prs[["first_commit_at", "ready_at"]],
                                                   on="pr")
        # every commit of a PR lies between its first commit and the PR opening for review
        assert (with_pr.authored_at >= with_pr.first_commit_at).all()
        assert (with_pr.authored_at <= with_pr[["ready_at", "first_commit_at"]].max(axis=1)).all()
        # each person keeps one clock
        human = commits[~commits.author_is_bot]
        assert (human.groupby("author").author_utc_offset.nunique() == 1).all()
        assert commits.pr.isna().sum() > 0  # some direct pushes


def test_planted_velocity_decay_in_cirrus_only(demo_store):
    """Merged PRs per active author per month (bots aside, the last 24 whole months), tested
    with Kendall's tau against the month index — computed here with pandas, not the app."""
    import pandas as pd
    from scipy.stats import kendalltau

    taus = {}
    for repo in ("demo/atlas", "demo/borealis", "demo/cirrus"):
        prs = pd.DataFrame(map(vars, demo_store.pull_requests(repo)))
        merged = prs[prs.merged_at.notna() & ~prs.author_is_bot]
        month = pd.to_datetime(merged.merged_at, unit="s").dt.strftime("%Y-%m")
        per = merged.groupby(month).agg(n=("number", "size"), people=("author", "nunique"))
        per = per.loc["2024-11":"2026-10"]
        assert len(per) == 24
        taus[repo] = kendalltau(np.arange(24), per.n / per.people)
    assert taus["demo/cirrus"].statistic < -0.3 and taus["demo/cirrus"].pvalue < 0.01
    assert taus["demo/borealis"].pvalue > 0.05  # flat
    assert taus["demo/atlas"].statistic > 0  # growing, not declining
