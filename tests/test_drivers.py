"""What drove the change (issue 20): the waterfall of stage medians sums to the observed change
of their sum, and the size split puts a pure change of PR-size mix into "mix", not "speed"."""

from __future__ import annotations

import numpy as np

from casestudy.model import PullRequest
from casestudy.report.build import Options, build_case_study
from casestudy.store import RepoInfo, Store

H, DAY = 3600, 86400
OCT, NOV = 1_696_118_400, 1_698_796_800  # 2023-10-01, 2023-11-01 (UTC)


def store_with(prs: list[PullRequest]) -> Store:
    """The PRs, and one in December so that November is a whole month of data."""
    s = Store(":memory:")
    s.upsert_repo(RepoInfo("o/d", "github"))
    s.write_batch("o/d", prs + [pr(999, NOV + 35 * DAY, 1, 1, 10)])
    return s


def pr(n: int, month: int, coding: float, response: float, size: int) -> PullRequest:
    """A PR whose first commit is on day n % 25 of ``month``, ready ``coding`` h later,
    answered ``response`` h after that, approved 1 h later and merged 1 h after that."""
    first = month + (n % 25) * DAY
    ready = first + int(coding * H)
    resp = ready + int(response * H)
    return PullRequest("o/d", n, author=f"dev{n % 7}", created_at=ready, ready_at=ready,
                       first_commit_at=first, first_response_at=resp, first_responder="rev",
                       first_approval_at=resp + H, last_approval_at=resp + H,
                       merged_at=resp + 2 * H, closed_at=resp + 2 * H, additions=size)


def test_waterfall_sums_to_the_change_and_finds_the_stage_that_moved():
    rng = np.random.default_rng(1)
    prs = [pr(n, OCT, rng.uniform(1, 3), rng.uniform(2, 4), 50) for n in range(1, 61)]
    prs += [pr(n, NOV, rng.uniform(1, 3), rng.uniform(10, 14), 50) for n in range(61, 121)]
    cs = build_case_study(store_with(prs), Options("o/d", window=1, period_to="2023-11"))
    d = cs.drivers
    assert d.metric == "cycle_time" and (d.previous_span, d.latest_span) == ("2023-10", "2023-11")
    assert [s.stage for s in d.steps] == ["coding", "first_response", "review", "merge"]
    assert abs(sum(s.delta for s in d.steps) - (d.total_latest - d.total_previous)) < 1e-6
    assert d.steps[-1].end == d.total_latest and d.steps[0].start == d.total_previous
    moved = max(d.steps, key=lambda s: abs(s.delta))
    assert moved.stage == "first_response" and moved.delta > 7 * H
    # each stage's medians are the plain medians of its durations, counted independently
    fr_oct = [(p.first_response_at - p.ready_at) for p in prs[:60]]
    assert d.steps[1].previous == float(np.median(fr_oct))
    assert "first response time moved most" in d.text


def test_a_pure_size_mix_change_is_mix_not_speed():
    prs, n = [], 0
    for month, large_share in ((OCT, 0.25), (NOV, 0.75)):
        for k in range(80):
            n += 1
            large = k < 80 * large_share
            # speed depends on size only: small PRs take 2 h to answer, large ones 20 h
            prs.append(pr(n, month, 1.0, 20.0 if large else 2.0, 900 if large else 40))
    cs = build_case_study(store_with(prs), Options("o/d", window=1, period_to="2023-11"))
    d = cs.drivers
    assert d.speed is not None and abs(d.speed) < 60  # seconds: nothing at equal size
    assert d.mix > 5 * H
    assert "different mix of PR sizes" in d.text
