"""Deployment rework rate (issue 30): the share of deployments that restored a failed one,
worked out by hand on clones built here; names and grouping as DORA uses them now."""

from __future__ import annotations

import pytest

from casestudy import metrics
from casestudy.render import render
from casestudy.report.build import Options, build_case_study
from casestudy.sources.git import sync_git
from casestudy.store import Store
from tests.test_git import commit
from tests.test_git_dora import DAY, T0, month_stats, new_repo, tag


def test_a_release_that_ships_a_revert_of_a_failed_one_is_rework(tmp_path):
    r = new_repo(tmp_path, "reverts")
    commit(r, "Add a (#1)", T0 + 1 * DAY)
    commit(r, "Add b (#2)", T0 + 2 * DAY)
    tag(r, "v1.0", T0 + 3 * DAY)  # ships #2, which is reverted below: failed
    commit(r, 'Revert "Add b (#2)" (#3)', T0 + 4 * DAY)
    tag(r, "v1.1", T0 + 7 * DAY)  # ships the revert: rework
    commit(r, "Add y (#6)", T0 + 8 * DAY)
    tag(r, "v1.2", T0 + 9 * DAY)  # planned
    commit(r, 'Revert "Add y (#6)" (#7)', T0 + 10 * DAY)  # no release carries it: not rework
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    st = month_stats(s, "octo/reverts")
    assert st["rework_rate"]["n"] == 3 and st["rework_rate"]["rework"] == 1
    assert st["rework_rate"]["value"] == pytest.approx(1 / 3)
    assert st["change_failure_rate"]["value"] == pytest.approx(2 / 3)


def test_every_merge_deploying_makes_the_revert_merge_the_rework(tmp_path):
    r = new_repo(tmp_path, "squash")
    commit(r, "Add a (#1)", T0 + 1 * DAY)
    commit(r, "Add b (#2)", T0 + 2 * DAY)
    commit(r, 'Revert "Add a (#1)" (#3)', T0 + 2 * DAY + 6 * 3600)
    commit(r, "Add c (#4)", T0 + 3 * DAY)
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    st = month_stats(s, "octo/squash")
    assert (st["rework_rate"]["rework"], st["rework_rate"]["n"]) == (1, 4)
    cs = build_case_study(s, Options("octo/squash", min_n=1))
    md = render(cs, "md")
    # DORA's groups and today's names in the key figures
    figures = md.split("## Key figures")[1].split("\n\n")[1]
    rows = [ln.split("|")[1].strip() for ln in figures.splitlines()[2:]]
    assert rows[:7] == ["*DORA throughput*", "Lead time for changes",
                        "Failed deployment recovery time", "Deployment frequency",
                        "*DORA instability*", "Change failure rate", "Deployment rework rate"]
    assert "called time to restore service before 2023" in md
    appendix = md.split("## Definitions")[1]
    assert "2024 Accelerate State of DevOps report" in appendix and "not targets" in appendix
    assert "DORA's own guidance" not in md  # no peers compared: no caveat


def test_the_dora_factors_are_declared_once():
    dora = {m.key: m.factor for m in metrics.METRICS if m.dora}
    assert dora == {"lead_time": "throughput", "deploy_frequency": "throughput",
                    "time_to_restore": "throughput", "change_failure_rate": "instability",
                    "rework_rate": "instability"}
    assert metrics.get("rework_rate").bands == ()  # DORA publishes none: none invented
