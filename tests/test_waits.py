"""Censoring-aware waits (issue 20): a Kaplan–Meier estimate on exponential waits with planted
censoring recovers the true median within its interval, while the naive median over the PRs
that got a response is biased low; and the report's waits against a hand count."""

from __future__ import annotations

import math

import numpy as np

from casestudy.analysis import survival, waits
from casestudy.analysis.frame import Frame
from casestudy.analysis.window import Window
from casestudy.core.periods import make_calendar
from casestudy.model import PullRequest
from casestudy.report.build import Options
from casestudy.store import RepoInfo, Store

H, DAY = 3600, 86400
T0 = 1_698_796_800  # 2023-11-01


def test_kaplan_meier_recovers_an_exponential_median_under_censoring():
    rng = np.random.default_rng(42)
    mean = 10 * H
    truth = mean * math.log(2)  # the median of an exponential
    wait = rng.exponential(mean, 4000)
    censor = rng.exponential(mean, 4000)  # half the PRs leave or the data ends first
    d = np.minimum(wait, censor)
    obs = wait <= censor
    c = survival.kaplan_meier(d, obs)
    med, low, high = survival.quantile(c, 0.5)
    assert low <= truth <= high and abs(med - truth) < 0.1 * truth
    p90, lo90, hi90 = survival.quantile(c, 0.9)
    assert lo90 <= mean * math.log(10) <= hi90
    # S(t) tracks exp(-t / mean)
    for t in (2 * H, 10 * H, 20 * H):
        assert abs(survival.survival_at(c, t) - math.exp(-t / mean)) < 0.03
    naive = survival.naive_median(d, obs)
    # the naive median sees min(wait, censor) among the responded: an exponential of half the
    # mean, so its median is about half the truth
    assert naive < 0.6 * truth


def test_no_censoring_gives_the_plain_median_and_step_survival():
    d = np.array([1.0, 2.0, 3.0, 4.0])
    c = survival.kaplan_meier(d, np.ones(4, bool))
    assert survival.quantile(c, 0.5)[0] == 2.0  # S drops to 0.5 at t = 2
    assert survival.survival_at(c, 2.5) == 0.5 and survival.survival_at(c, 0.5) == 1.0
    # one censored at 2: S(1) = 3/4, then 2 at risk at t = 3: S(3) = 3/4 · 1/2 = 3/8
    c = survival.kaplan_meier(d, np.array([True, False, True, True]))
    assert survival.survival_at(c, 2.5) == 0.75 and survival.survival_at(c, 3) == 0.375
    assert survival.quantile(c, 0.5)[0] == 3.0


def test_report_waits_count_open_and_closed_prs_as_censored():
    s = Store(":memory:")
    s.upsert_repo(RepoInfo("o/w", "github"))
    prs = []
    for n in range(1, 21):  # 20 PRs ready on Nov 1–20; the odd ones get a response after n h
        ready = T0 + n * DAY
        prs.append(PullRequest("o/w", n, author="dev", created_at=ready, ready_at=ready,
                               first_response_at=ready + n * H if n % 2 else None,
                               closed_at=ready + 2 * DAY if n % 4 == 0 else None,
                               merged_at=None))
    s.write_batch("o/w", prs)
    a = s.load_arrays(["o/w"])
    cal = make_calendar(T0, T0 + 40 * DAY)
    nov = cal.index("2023-11")
    data_end = T0 + 25 * DAY
    frame = Frame(Options("o/w"), a, np.ones(a.n, bool), cal, nov, nov, [], {"o/w": set()},
                  Window([nov], [], cal), (np.array([T0]), np.array([data_end])),
                  {"o/w": {"reviews"}}, {"o/w": {}})
    sec = waits.section(frame, "github")
    fr = next(e for e in sec.window if e.measure == "first_response")
    assert (fr.n, fr.events, fr.censored) == (20, 10, 10)
    assert fr.naive_median == np.median([n * H for n in range(1, 21, 2)])
    # by hand: even PRs are censored at 48 h (closed) or at the data's end (25 - n days)
    _, d, obs = waits.sample(a, "first_response", np.arange(a.n), data_end)
    by_hand = survival.kaplan_meier(d, obs)
    assert fr.median == survival.quantile(by_hand, 0.5)[0]
    assert "censored" not in sec.unavailable and "first response" in sec.text
