"""DORA figures from git history, on repositories built here with fixed dates: release branches
with stable tags never merged back, squash-only without tags, reverts before and after a
release, PyTorch-style trailer landings with a bot revert and a ghstack landing. Every figure is
an exact value worked out by hand from the dates below."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from casestudy import core
from casestudy.model import RULE_CAUGHT, RULE_REVERTED
from casestudy.render import render
from casestudy.report.build import Options, build_case_study
from casestudy.sources.git import sync_git
from casestudy.store import Store
from tests.test_git import commit, git

T0 = 1_700_000_000  # 2023-11-14 22:13 UTC; every event below falls in 2023-11
DAY = 86400


def new_repo(base: Path, name: str, when: int = T0) -> Path:
    """An empty clone of github.com/octo/<name> with one initial commit at ``when``."""
    r = base / name
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    git(r, "remote", "add", "origin", f"https://github.com/octo/{name}.git")
    commit(r, "Initial commit", when)
    return r


def tag(repo: Path, name: str, when: int | None = None) -> None:
    """An annotated tag dated ``when`` (tagger date), or a lightweight one without it."""
    if when is None:
        git(repo, "tag", name)
    else:
        git(repo, "tag", "-a", name, "-m", name, when=when)


def month_stats(store: Store, repo: str) -> dict:
    a = store.load_arrays([repo])
    t = core.compute_table(a)
    j = t.periods.index("2023-11")
    return {k: {s: float(v[0, j]) for s, v in d.items()} for k, d in t.stats.items()}


def prs_by_number(store: Store, repo: str) -> dict:
    return {p.number: p for p in store.pull_requests(repo)}


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dora")


def test_release_branch_tags_deploy_main_up_to_their_fork_point(base, tmp_path):
    r = new_repo(base, "branches")
    commit(r, "Add a (#1)", T0 + 1 * DAY)
    git(r, "checkout", "-q", "-b", "1-0-stable")
    commit(r, "Bump version to 1.0.0", T0 + 2 * DAY)
    tag(r, "v1.0.0", T0 + 3 * DAY)  # annotated: the tagger date counts
    git(r, "checkout", "-q", "main")
    commit(r, "Add b (#2)", T0 + 4 * DAY)
    tag(r, "v2.0.0rc1", T0 + 5 * DAY)  # a pre-release on main: not a deployment
    commit(r, "Add c (#3)", T0 + 6 * DAY)
    git(r, "checkout", "-q", "-b", "2-0-stable")
    commit(r, "Bump version to 2.0.0", T0 + 7 * DAY)
    tag(r, "v2.0.0")  # lightweight: its commit's date counts
    git(r, "checkout", "-q", "main")
    commit(r, "Add d (#4)", T0 + 8 * DAY)

    s = Store(tmp_path / "s.sqlite")
    c = sync_git(s, r)
    assert c["prs"] == 4 and c["tags"] == 2
    assert sorted(d.id for d in s.deployments("octo/branches")) == ["v1.0.0", "v2.0.0"]
    assert s.repo_info("octo/branches").deploy_source == "tags"
    prs = prs_by_number(s, "octo/branches")
    assert prs[1].deployed_at == T0 + 3 * DAY
    assert prs[2].deployed_at == T0 + 7 * DAY
    assert prs[3].deployed_at == T0 + 7 * DAY
    assert prs[4].deployed_at is None
    st = month_stats(s, "octo/branches")
    # deploy times 2, 3 and 1 days: median 2 days, n = 3 (#4 is not deployed yet)
    assert st["deploy"]["n"] == 3 and st["deploy"]["median"] == 2 * DAY
    assert st["deploy_frequency"]["n"] == 2
    assert st["change_failure_rate"]["value"] == 0.0


def test_a_later_patch_release_does_not_ship_main_after_its_fork_point(base, tmp_path):
    """numpy's shape: 2.0.x patch releases keep coming from the release branch after main moved
    on; a merge to main after the fork is in none of them, however late they are tagged."""
    r = new_repo(base, "patches")
    commit(r, "Add a (#1)", T0 + 1 * DAY)
    git(r, "checkout", "-q", "-b", "maintenance/2.0.x")
    tag(r, "v2.0.0", T0 + 2 * DAY)
    git(r, "checkout", "-q", "main")
    commit(r, "Add b (#2)", T0 + 3 * DAY)
    commit(r, 'Revert "Add b (#2)" (#3)', T0 + 4 * DAY)
    git(r, "checkout", "-q", "maintenance/2.0.x")
    commit(r, "Backport a fix", T0 + 5 * DAY)
    tag(r, "v2.0.1", T0 + 6 * DAY)  # later than #2 and #3, and contains neither
    git(r, "checkout", "-q", "main")

    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    ancestors = {sha for sha in git(r, "rev-list", "v2.0.1").split()}
    prs = prs_by_number(s, "octo/patches")
    assert prs[1].deployed_at == T0 + 2 * DAY
    assert prs[1].merge_commit_sha in ancestors and prs[2].merge_commit_sha not in ancestors
    assert prs[2].deployed_at is None and prs[3].deployed_at is None
    a = s.load_arrays(["octo/patches"])
    deployed = dict(zip(a.number.tolist(), a.times["deployed_at"].tolist(), strict=True))
    assert deployed[2] < 0 and deployed[3] < 0  # not filled in by the next tag in time
    st = month_stats(s, "octo/patches")
    assert st["deploy"]["n"] == 1 and st["deploy"]["median"] == 1 * DAY
    assert st["deploy_frequency"]["n"] == 2
    # the revert undid a change no release carried: not a change failure
    assert st["change_failure_rate"]["value"] == 0.0


def test_squash_only_without_tags_deploys_every_merge_and_reports(base, tmp_path):
    r = new_repo(base, "squash")
    commit(r, "Add a (#1)", T0 + 1 * DAY)
    commit(r, "Add b (#2)", T0 + 2 * DAY)
    commit(r, 'Revert "Add a (#1)" (#3)', T0 + 2 * DAY + 6 * 3600)
    commit(r, "Add c (#4)", T0 + 3 * DAY)
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    assert s.repo_info("octo/squash").deploy_source == "merges"
    assert len(s.deployments("octo/squash")) == 4
    st = month_stats(s, "octo/squash")
    # #1's merge was a deployment that failed; the revert's merge restored it 1 day 6 h later
    assert st["change_failure_rate"]["failed"] == 1 and st["change_failure_rate"]["n"] == 4
    assert st["change_failure_rate"]["value"] == 0.25
    assert st["time_to_restore"]["median"] == DAY + 6 * 3600
    assert st["deploy"]["median"] == 0  # every merge deploys itself
    cs = build_case_study(s, Options("octo/squash"))  # no crash on a zero baseline
    md = render(cs, "md")
    assert "Traceback" not in md and "octo/squash" in md


def test_reverts_before_and_after_a_release(base, tmp_path):
    r = new_repo(base, "reverts")
    commit(r, "Add a (#1)", T0 + 1 * DAY)
    commit(r, "Add b (#2)", T0 + 2 * DAY)
    tag(r, "v1.0", T0 + 3 * DAY)
    commit(r, 'Revert "Add b (#2)" (#3)', T0 + 4 * DAY)  # #2 shipped in v1.0: v1.0 failed
    commit(r, "Add x (#4)", T0 + 5 * DAY)
    commit(r, 'Revert "Add x (#4)" (#5)', T0 + 6 * DAY)  # #4 never shipped: caught
    tag(r, "v1.1", T0 + 7 * DAY)  # carries the revert of #2: v1.0 restored after 4 days
    commit(r, "Add y (#6)", T0 + 8 * DAY)
    tag(r, "v1.2", T0 + 9 * DAY)
    commit(r, 'Revert "Add y (#6)" (#7)', T0 + 10 * DAY)  # no release carries it yet: open
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    inc = {i.id: i for i in s.incidents("octo/reverts")}
    assert set(inc) == {"revert-3", "revert-5", "revert-7"}
    assert (inc["revert-3"].rule, inc["revert-3"].failed_at, inc["revert-3"].resolved_at) == (
        RULE_REVERTED, T0 + 3 * DAY, T0 + 7 * DAY)
    assert (inc["revert-5"].rule, inc["revert-5"].failed_at) == (RULE_CAUGHT, None)
    assert (inc["revert-7"].rule, inc["revert-7"].failed_at, inc["revert-7"].resolved_at) == (
        RULE_REVERTED, T0 + 9 * DAY, None)
    st = month_stats(s, "octo/reverts")
    assert st["deploy_frequency"]["n"] == 3
    assert st["change_failure_rate"]["failed"] == 2  # v1.0 and v1.2
    assert st["change_failure_rate"]["value"] == pytest.approx(2 / 3)
    assert st["change_failure_rate"]["open"] == 1 and st["change_failure_rate"]["caught"] == 1
    assert st["time_to_restore"]["n"] == 1 and st["time_to_restore"]["median"] == 4 * DAY
    cs = build_case_study(s, Options("octo/reverts", min_n=1))
    cfr = next(f for f in cs.findings if f.metric == "change_failure_rate")
    assert "1 revert of changes never deployed (caught before release" in cfr.sentence
    assert "1 failure not yet restored" in cfr.sentence
    assert "2 by the reverted change's deployment" in cfr.sentence
    ttr = next(f for f in cs.findings if f.metric == "time_to_restore")
    assert ttr.level == 4 * DAY and "1 failure not yet restored" in ttr.sentence


def test_pytorch_trailers_bot_revert_and_ghstack(base, tmp_path):
    r = new_repo(base, "pt")
    bot = "PyTorch MergeBot <pytorchmergebot@users.noreply.github.com>"
    fix = commit(r, "Fix thing\n\nPull Request resolved: https://github.com/octo/pt/pull/11",
                 T0 + 1 * DAY, committed=T0 + 1 * DAY + 3600)
    commit(r, "Add op\n\nghstack-source-id: 4242\n"
              "Pull Request resolved: https://github.com/octo/pt/pull/12",
           T0 + 1 * DAY, committed=T0 + 2 * DAY)
    tag(r, "v0.1", T0 + 3 * DAY)
    commit(r, f'Revert "Fix thing"\n\nThis reverts commit {fix}.\n\n'
              "Reverted https://github.com/octo/pt/pull/11 on behalf of "
              "https://github.com/someone due to broke trunk", T0 + 4 * DAY, author=bot)
    tag(r, "v0.2", T0 + 5 * DAY)
    s = Store(tmp_path / "s.sqlite")
    c = sync_git(s, r)
    prs = prs_by_number(s, "octo/pt")
    assert set(prs) == {11, 12} and c["reverts_without_pr"] == 1  # the bot revert is no PR
    assert prs[11].first_commit_at is None  # squashed by the bot: no first-commit time
    assert prs[12].first_commit_at == T0 + 1 * DAY  # ghstack keeps the author date
    (inc,) = s.incidents("octo/pt")
    assert inc.refs[0] == "11" and inc.rule == RULE_REVERTED
    assert (inc.failed_at, inc.resolved_at) == (T0 + 3 * DAY, T0 + 5 * DAY)
    st = month_stats(s, "octo/pt")
    assert st["change_failure_rate"]["value"] == 0.5
    assert st["time_to_restore"]["median"] == 2 * DAY


def test_changing_the_deployment_source_replaces_old_deployments(base, tmp_path):
    r = new_repo(base, "switch")
    commit(r, "Add a (#1)", T0 + 1 * DAY)
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    assert [d.source for d in s.deployments("octo/switch")] == ["merges"]
    tag(r, "v1.0", T0 + 2 * DAY)
    sync_git(s, r)
    assert [(d.id, d.source) for d in s.deployments("octo/switch")] == [("v1.0", "tags")]
    a = s.load_arrays(["octo/switch"])
    np.testing.assert_array_equal(a.deploy_times["octo/switch"], [T0 + 2 * DAY])


OCT1 = 1_696_118_400  # 2023-10-01 00:00 UTC


@pytest.fixture(scope="module")
def two_months(base) -> Path:
    """12 releases in October without a failure, 12 in November of which 4 are reverted after
    they shipped (each revert ships with the next release); data to 30 November."""
    r = base / "two"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    git(r, "remote", "add", "origin", "https://github.com/octo/two.git")
    commit(r, "Initial commit", OCT1)
    n = 1
    for month0 in (OCT1, OCT1 + 31 * DAY):
        for k in range(12):
            t = month0 + k * 2 * DAY + 3600
            commit(r, f"Change {n} (#{n})", t)
            if month0 != OCT1 and k in (2, 4, 6, 8):  # revert the change shipped before
                commit(r, f'Revert "Change {n - 2} (#{n - 2})" (#{n + 1000})', t + 60)
            tag(r, f"v{n}.0", t + 3600)
            n += 1
    commit(r, f"Last change (#{n})", OCT1 + 60 * DAY)  # 2023-11-30
    return r


def test_trend_from_a_zero_baseline_is_a_trend(two_months, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, two_months)
    cs = build_case_study(s, Options("octo/two", period_from="2023-10", period_to="2023-11",
                                     window=1))
    assert cs.window == ["2023-11"]
    cfr = next(f for f in cs.findings if f.metric == "change_failure_rate")
    assert cfr.previous == 0.0 and cfr.level == pytest.approx(4 / 12) and cfr.n == 12
    assert cfr.trend == "worsening" and "up from 0.0% in the window before" in cfr.sentence
    freq = next(f for f in cs.findings if f.metric == "deploy_frequency")
    table_nov = next(p for s_ in cs.series if s_.metric == "deploy_frequency"
                     for p in s_.points if p.period == "2023-11")
    assert freq.level == pytest.approx(table_nov.value) == pytest.approx(12 / (30 / 7))


def test_partial_period_left_out_and_week_reports_take_from_to(two_months, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, two_months)
    # data stops on 30 November: a December report period would be partial; November is not
    cs = build_case_study(s, Options("octo/two", period_from="2023-10", period_to="2023-11",
                                     window=1))
    assert not any(p.partial for ser in cs.series for p in ser.points)
    # cut the data on 15 November: November becomes partial and the window falls back
    s.db.execute("DELETE FROM pull_requests WHERE merged_at > ?", (OCT1 + 45 * DAY,))
    s.db.execute("DELETE FROM deployments WHERE created_at > ?", (OCT1 + 45 * DAY,))
    s.db.execute("UPDATE meta SET value=value+1 WHERE key='revision'")
    cs = build_case_study(s, Options("octo/two", period_from="2023-09", period_to="2023-11",
                                     window=1))
    assert cs.window == ["2023-10"]
    assert "2023-11 is partial (data to 2023-11-13)" in cs.summary  # the last event
    nov = next(p for ser in cs.series if ser.metric == "throughput" for p in ser.points
               if p.period == "2023-11")
    assert nov.partial
    wk = build_case_study(s, Options("octo/two", period_from="2023-W41", period_to="2023-W43",
                                     freq="week"))
    assert (wk.period_from, wk.period_to) == ("2023-W41", "2023-W43")


def test_business_hours_reach_findings_and_say_so(base, tmp_path):
    r = new_repo(base, "hours")
    for n in range(1, 13):  # PRs merged Friday 16:00 → tagged Monday 10:00 UTC
        fri = 1_700_179_200 + (n - 1) * 7 * DAY + 16 * 3600  # 2023-11-17 is a Friday
        commit(r, f"Change {n} (#{n})", fri)
        tag(r, f"v{n}.0", fri + 2 * DAY + 18 * 3600)
    s = Store(tmp_path / "s.sqlite")
    sync_git(s, r)
    cs = build_case_study(s, Options("octo/hours", business_hours=(9, 17), window=2))
    deploy = next(f for f in cs.findings if f.metric == "deploy")
    assert deploy.level == 2 * 3600  # Fri 16–17 + Mon 09–10
    assert "Working hours only (09:00–17:00 Mon–Fri, UTC)" in deploy.sentence
    assert "working hours only" in cs.summary
    plain = build_case_study(s, Options("octo/hours", window=2))
    assert next(f for f in plain.findings if f.metric == "deploy").level == 2 * DAY + 18 * 3600
