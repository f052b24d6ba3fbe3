"""Coding hours only where commits are granular: a squash-merged history (one commit per change,
days apart) is flagged, a branch history with several commits per session is not; shares hand
counted."""

from __future__ import annotations

import numpy as np

from casestudy.analysis import sessions
from casestudy.core.periods import make_calendar
from casestudy.model import Commit
from casestudy.store import RepoInfo, Store

T0 = 1_698_796_800  # 2023-11-01 00:00 UTC
H, DAY = 3600, 86400


def _result(streams: list[list[int]]):
    s = Store(":memory:")
    s.upsert_repo(RepoInfo("o/r", "import"))
    s.write_batch("o/r", commits=[
        Commit("o/r", f"{a:04d}{i:08d}", int(t), None, f"dev{a}", False, 0)
        for a, times in enumerate(streams) for i, t in enumerate(times)])
    c = s.commit_arrays("o/r")
    cal = make_calendar(T0, max(max(x) for x in streams))
    return sessions.analyse(c, cal, 0, cal.n - 1, gap_minutes=120, allowance_minutes=30)


def test_one_commit_per_change_is_not_granular_enough_for_coding_hours():
    # three authors, one squash commit every two days each: every session is one commit
    res = _result([[T0 + a * H + k * 2 * DAY for k in range(20)] for a in range(3)])
    assert res.n_sessions == 60 and res.shown_share == 0.0  # every session one commit
    assert not res.granular


def test_branch_commits_minutes_apart_are_granular():
    # per author: 10 sessions of 3 commits 20 min apart, then 2 single-commit sessions
    streams = []
    for a in range(2):
        times = [T0 + a * H + d * DAY + k * 20 * 60 for d in range(10) for k in range(3)]
        times += [T0 + a * H + (11 + d) * DAY for d in range(2)]
        streams.append(times)
    res = _result(streams)
    assert res.n_sessions == 24
    # 20 sessions of 40 min between commits; 24 sessions × 30 min assumed
    assert np.isclose(res.shown_share, 800 / (800 + 720))
    assert res.granular


def test_a_squash_merged_clone_reports_no_coding_hours_and_says_why(tmp_path):
    from casestudy.render import render
    from casestudy.report.build import Options, build_case_study
    from casestudy.sources.git import sync_git
    from tests.test_git import commit
    from tests.test_git_dora import new_repo

    jan24 = 1_704_067_200
    r = new_repo(tmp_path, "sq", jan24)
    for k in range(1, 60):
        commit(r, f"Change {k} (#{k})", jan24 + k * DAY + (k % 3) * H,
               author=f"Dev{k % 3} <dev{k % 3}@example.org>")
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    cs = build_case_study(s, Options("octo/sq"))
    rh = cs.rhythm
    assert rh.n_commits >= 59
    assert rh.hours_gap is None and rh.hours_hmm is None
    assert all(p.hours_gap is None and p.hours_hmm is None for p in rh.sessions)
    assert "coding hours are not measurable" in rh.text
    md = render(cs, "md")
    assert "coding hours per active author per week" not in md
    assert "coding hours are not measurable" in md
