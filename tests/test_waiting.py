"""Waiting for release (issue 28, point 6): merged PRs no release carries are a figure — how
many, the oldest and its wait to the end of the data — not "no deploy time data"; counted by
hand on a clone built here."""

from __future__ import annotations

from casestudy.render import render
from casestudy.report.build import Options, build_case_study
from casestudy.sources.git import sync_git
from casestudy.store import Store
from tests.test_git import commit
from tests.test_git_dora import new_repo, tag

JAN24 = 1_704_067_200  # 2024-01-01 00:00 UTC
DAY = 86400


def test_merged_prs_after_the_last_release_are_counted_with_the_oldest_wait(tmp_path):
    r = new_repo(tmp_path, "lib", JAN24)
    for k in range(1, 41):  # a PR every two days from 2024-01-03 to 2024-03-21
        commit(r, f"Change {k} (#{k})", JAN24 + 2 * k * DAY)
        if k in (10, 20, 30):
            tag(r, f"v1.{k // 10}.0", JAN24 + 2 * k * DAY + 3600)
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    cs = build_case_study(s, Options("octo/lib"))
    w = cs.waiting
    # PRs 31–40 were merged after v1.3.0; the data ends at #40's merge (day 80)
    assert w is not None and w.waiting == 10 and w.oldest_number == 31
    assert w.oldest_wait == (40 - 31) * 2 * DAY
    assert w.last_release == "2024-03-01"  # v1.3.0: day 60
    assert sum(w.per_period.values()) == 10 and w.per_period["2024-03"] == 10
    assert "10 merged PRs are waiting for a release" in w.text and "#31" in w.text
    assert "has waited 18.0 days" in w.text
    md = render(cs, "md")
    assert "**Waiting for release:** 10 merged PRs" in md
    # every merge deploying (no tags): nothing waits, nothing is said
    r2 = new_repo(tmp_path, "app", JAN24)
    for k in range(1, 6):
        commit(r2, f"Change {k} (#{k})", JAN24 + k * DAY)
    s2 = Store(tmp_path / "s2.sqlite")
    sync_git(s2, r2)
    assert build_case_study(s2, Options("octo/app")).waiting is None


def test_delivery_kind_is_said_from_the_source_and_cadence(tmp_path):
    r = new_repo(tmp_path, "lib", JAN24)
    for k in range(1, 41):
        commit(r, f"Change {k} (#{k})", JAN24 + 2 * k * DAY)
        if k in (10, 20, 30):
            tag(r, f"v1.{k // 10}.0", JAN24 + 2 * k * DAY + 3600)
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    d = build_case_study(s, Options("octo/lib")).delivery
    # three releases 20 days apart, each carrying the ten PRs merged since the one before
    assert d.kind == "release train" and d.source == "tags" and d.deployments == 3
    assert d.gap_days == 20.0 and d.prs_per_deployment == 10
    assert "versioned releases" in d.text and "read them as release cadence" in d.text
    r2 = new_repo(tmp_path, "app", JAN24)
    for k in range(1, 6):
        commit(r2, f"Change {k} (#{k})", JAN24 + k * DAY)
    s2 = Store(tmp_path / "s2.sqlite")
    sync_git(s2, r2)
    d2 = build_case_study(s2, Options("octo/app")).delivery
    assert d2.kind == "merges" and "every merge" in d2.text


def test_sparse_tags_beside_many_merges_are_not_judged_as_delivery(tmp_path):
    """An app that tags package versions twice a year while merging daily: its tags may not be
    its deliveries, so no claim or advice rests on its deployment frequency."""
    r = new_repo(tmp_path, "app", JAN24)
    for k in range(1, 241):  # a PR a day for eight months, a tag on days 100 and 220
        commit(r, f"Change {k} (#{k})", JAN24 + k * DAY)
        if k in (100, 220):
            tag(r, f"v0.{k // 100}.0", JAN24 + k * DAY + 3600)
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    cs = build_case_study(s, Options("octo/app"))
    assert cs.delivery.kind == "unclear" and cs.delivery.gap_days == 120.0
    assert "may mark package versions" in cs.delivery.text
    assert all(c.metric != "deploy_frequency" for c in cs.strengths + cs.weaknesses)
    assert all(r.rule != "release-cadence" for r in cs.recommendations)
    assert "deployment figures are not judged" in render(cs, "md")
