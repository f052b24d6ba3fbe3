"""Metric kinds: a new count or share metric is one registry entry (its kind computes it per
period and over the window, tests and words it); an unknown metric is an error, never a
fallback; values format from anything that carries a kind and a unit."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import numpy as np
import pytest

from casestudy import core, metrics
from casestudy.analysis.significance import poisson_rate_p, two_proportion_p
from casestudy.metric_kinds import MergedPRs, MergedShare
from casestudy.model import TIME_FIELDS, PRArrays
from casestudy.render.markdown import render_markdown
from casestudy.report.build import Options, build_case_study

# two metrics a contributor could add: one entry each in metrics.METRICS, nothing else
REVERT_SHARE = metrics.Metric(
    "revert_share", "Revert share", "share", "share", "lower", "merged reverts ÷ merged PRs",
    "The share of merged PRs that revert an earlier change.", how=MergedShare(flag="is_revert"))
REVERTS = metrics.Metric(
    "reverts", "Merged reverts", "PRs", "count", "lower", "merged reverts in the period",
    "How many reverts were merged.", how=MergedPRs(flag="is_revert"))


@pytest.fixture
def registered(monkeypatch):
    """The registry with the two new entries, as if written at the end of ``METRICS``."""
    added = (*metrics.METRICS, REVERT_SHARE, REVERTS)
    monkeypatch.setattr(metrics, "METRICS", added)
    monkeypatch.setattr(metrics, "BY_KEY", {m.key: m for m in added})


def _month(label: str, shift: int = 0) -> int:
    y, m = map(int, label.split("-"))
    m += shift
    y, m = y + (m - 1) // 12, (m - 1) % 12 + 1
    return int(datetime(y, m, 1, tzinfo=UTC).timestamp())


def _reverts(store, repo: str, lo: int, hi: int) -> tuple[int, int]:
    """(merged reverts, merged PRs) by humans in [lo, hi), by plain SQL."""
    k, n = store.conn.execute(
        "SELECT coalesce(sum(is_revert), 0), count(*) FROM pull_requests WHERE repo=? AND "
        "author_is_bot=0 AND merged_at>=? AND merged_at<?", (repo, lo, hi)).fetchone()
    return int(k), int(n)


def test_a_new_share_and_count_metric_is_one_registry_entry(registered, demo_store):
    """Registered, the two metrics get per-period values in the document's series and a
    finding over the window (level, n, the kind's test, the kind's wording) equal to plain SQL
    counts, and the Markdown report shows them: no other module knows them."""
    cs = build_case_study(demo_store, Options("demo/atlas", ("demo/borealis",), window=9))
    for p in cs.series_for("revert_share").points:
        k, n = _reverts(demo_store, "demo/atlas", _month(p.period), _month(p.period, 1))
        assert p.n == n and p.value == pytest.approx(k / n)
    for p in cs.series_for("reverts").points:
        assert p.value == _reverts(demo_store, "demo/atlas", _month(p.period),
                                   _month(p.period, 1))[0]
    k = len(cs.window)
    now = _reverts(demo_store, "demo/atlas", _month(cs.window[0]), _month(cs.window[-1], 1))
    before = _reverts(demo_store, "demo/atlas", _month(cs.window[0], -k), _month(cs.window[0]))
    assert now[0] > 0 and before[0] > 0
    share = cs.finding("revert_share")
    assert (share.level, share.n, share.previous) == (now[0] / now[1], now[1],
                                                      before[0] / before[1])
    assert share.p_value is not None
    assert share.p_value == two_proportion_p(now[0], now[1], before[0], before[1])
    assert share.trend in ("improving", "worsening", "steady") and share.rank is not None
    count = cs.finding("reverts")
    assert (count.level, count.n, count.previous) == (now[0] / k, now[0], before[0] / k)
    assert count.n >= 10 and count.p_value is not None
    assert count.p_value == poisson_rate_p(now[0], k, before[0], k)
    assert count.sentence.startswith(f"Merged reverts for demo/atlas in {cs.window[0]} to ")
    assert REVERT_SHARE.wording(False) == "high revert share"
    md = render_markdown(cs)
    assert "Revert share" in md and "Merged reverts" in md


def _arrays(n: int = 4) -> PRArrays:
    times = {f: np.full(n, -1, dtype=np.int64) for f in TIME_FIELDS}
    times["merged_at"] = 1_700_000_000 + np.arange(n, dtype=np.int64) * 86400
    z = np.zeros(n, dtype=bool)
    return PRArrays(["o/r"], np.zeros(n, np.int32), np.arange(n), times, np.ones(n, np.int64),
                    np.zeros(n, np.int64), np.zeros(n, np.int64), z, z, z, z,
                    np.zeros(n, np.int8))


def test_an_unknown_metric_is_an_error_not_a_fallback(monkeypatch):
    with pytest.raises(KeyError, match="'nope'"):
        metrics.get("nope")
    with pytest.raises(KeyError, match="'nope'"):
        core.compute_table(_arrays(), only=("nope",))
    # a metric registered without a kind of measurement (not a PR duration) is not guessed at
    bare = metrics.Metric("comments", "Comments", "PRs", "count", "lower", "", "")
    monkeypatch.setattr(metrics, "METRICS", (*metrics.METRICS, bare))
    monkeypatch.setattr(metrics, "BY_KEY", {m.key: m for m in metrics.METRICS})
    with pytest.raises(ValueError, match="'comments' has no kind"):
        core.compute_table(_arrays())
    # a kind must be of the metric's family
    with pytest.raises(ValueError, match="'x'"):
        metrics.Metric("x", "X", "share", "share", "lower", "", "", how=MergedPRs())


def test_values_format_from_any_object_with_a_kind_and_a_unit():
    """The renderers may pass a document's definitions: formatting needs no registry object."""
    for m in metrics.METRICS:
        plain = SimpleNamespace(key=m.key, kind=m.kind, unit=m.unit)
        for v in (None, float("nan"), 0.0, 0.123, 1.0, 42.0, 3 * 86400.0):
            assert metrics.format_value(plain, v, "week") == metrics.format_value(m, v, "week")
    assert metrics.format_value(metrics.get("throughput"), 70, "month") == "70 PRs/month"
    assert metrics.band_for(metrics.get("change_failure_rate"), 0.12).name == "Medium"
