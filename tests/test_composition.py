"""Composition before behaviour: the split of a change in output per author into the same
people's change and turnover, checked against pandas on planted histories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from casestudy.analysis import composition

LABELS = [f"2025-{m:02d}" for m in range(1, 13)]


def _history(rows: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(author, period, PRs merged) triples to one row per merged PR."""
    author = np.array([a for a, _, k in rows for _ in range(k)], dtype=np.int64)
    period = np.array([p for _, p, k in rows for _ in range(k)], dtype=np.int64)
    return author, period


def _first(author: np.ndarray, period: np.ndarray) -> np.ndarray:
    out = np.full(int(author.max()) + 1, 10**9, dtype=np.int64)
    np.minimum.at(out, author, period)
    return out


def _pandas_rates(author, period, lo, hi):
    df = pd.DataFrame({"a": author, "p": period})
    w = df[(df.p >= lo) & (df.p <= hi)]
    return len(w) / len(w.drop_duplicates()), w


def test_a_top_contributor_leaving_is_composition_not_a_slowdown():
    # ten people merge 2 PRs a month all year; one who merged 20 a month leaves after March;
    # ten first-timers merging 1 a month arrive in October
    rows = [(a, p, 2) for a in range(10) for p in range(12)]
    rows += [(10, p, 20) for p in range(3)]
    rows += [(11 + j, p, 1) for j in range(10) for p in range(9, 12)]
    author, period = _history(rows)
    names = [f"dev{i}" for i in range(21)]
    c = composition.decompose(author, period, _first(author, period), (0, 1, 2), (9, 10, 11), names)
    assert c is not None
    r0, _ = _pandas_rates(author, period, 0, 2)
    r1, _ = _pandas_rates(author, period, 9, 11)
    assert c.rate_early == pytest.approx(r0) and c.rate_late == pytest.approx(r1)
    assert c.rate_late < c.rate_early
    assert c.stayers_early.authors == 10 and c.stayers_early.rate == pytest.approx(2.0)
    assert c.stayers_late.rate == pytest.approx(2.0)
    assert c.leavers.authors == 1 and c.leavers.merged == 60
    assert c.joiners.authors == 10 and c.first_timers == 10
    assert c.top_leaver == "dev10" and c.top_leaver_share == pytest.approx(60 / 120)
    assert c.behaviour == pytest.approx(0.0)
    assert c.behaviour + c.composition == pytest.approx(c.change)
    assert c.reading == "composition"
    text = composition.sentence(c, LABELS)
    assert "composition, not a slowdown" in text
    assert "dev10, 50%" in text and "2025-01–2025-03" in text


def test_the_same_people_slowing_down_is_behaviour():
    rows = [(a, p, 4 if p < 6 else 1) for a in range(8) for p in range(12)]
    author, period = _history(rows)
    c = composition.decompose(author, period, _first(author, period), (0, 1, 2), (9, 10, 11))
    assert c is not None
    assert c.reading == "behaviour" and c.p_value < composition.ALPHA
    assert c.composition == pytest.approx(0.0)
    assert c.behaviour == pytest.approx(c.change) == pytest.approx(1.0 - 4.0)
    assert "beyond the noise" in composition.sentence(c, LABELS)


def test_too_few_stayers_are_not_tested_and_unknown_authors_are_left_out():
    rows = [(0, p, 3) for p in range(12)] + [(1, 0, 5)]
    author, period = _history(rows)
    author = np.concatenate([author, [-1, -1]])
    period = np.concatenate([period, [0, 11]])
    c = composition.decompose(author, period, _first(author[author >= 0],
                                                     period[author >= 0]), (0, 1, 2), (9, 10, 11))
    assert c is not None and c.p_value is None and c.reading == "untested"
    assert c.stayers_early.authors == 1 and c.leavers.merged == 5
    assert "too few to test" in composition.sentence(c, LABELS)


def test_an_empty_window_has_no_decomposition():
    author, period = _history([(0, 0, 3)])
    assert composition.decompose(author, period, _first(author, period), (0, 1, 2), (9, 10, 11)) \
        is None


def test_the_split_matches_an_independent_pandas_computation_on_random_histories():
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = 600
        author = rng.integers(0, 40, n)
        period = rng.integers(0, 12, n)
        c = composition.decompose(author, period, _first(author, period), (0, 1, 2, 3),
                                  (8, 9, 10, 11))
        assert c is not None
        df = pd.DataFrame({"a": author, "p": period})
        e, l_ = df[df.p <= 3], df[df.p >= 8]
        stay = set(e.a) & set(l_.a)
        ap = lambda d: len(d.drop_duplicates())  # noqa: E731 - author-periods
        se, sl = e[e.a.isin(stay)], l_[l_.a.isin(stay)]
        w = ap(se) / ap(e)
        expected_behaviour = w * (len(sl) / ap(sl) - len(se) / ap(se))
        assert c.behaviour == pytest.approx(expected_behaviour)
        assert c.behaviour + c.composition == pytest.approx(len(l_) / ap(l_) - len(e) / ap(e))
        assert c.leavers.authors == len(set(e.a) - stay)
        assert c.joiners.authors == len(set(l_.a) - stay)
