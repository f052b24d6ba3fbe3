"""File import/export: canonical tables round trip, validation errors, the git-prs CSV layout,
and the real Homebrew figures (skipped without ../shared)."""

from __future__ import annotations

import numpy as np
import pytest

from casestudy import core
from casestudy.sources.files import ImportError_, export_tables, import_git_prs_csv, import_tables
from casestudy.store import Store
from tests.conftest import shared_file
from tests.test_cli import run


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip(demo_store, tmp_path, fmt):
    export_tables(demo_store, "demo/cirrus", tmp_path / "out", fmt)
    dst = Store(tmp_path / "copy.sqlite")
    counts = import_tables(dst, tmp_path / "out")
    assert counts["pull_requests"] == demo_store.count_prs("demo/cirrus")
    assert dst.pull_requests("demo/cirrus") == demo_store.pull_requests("demo/cirrus")
    assert dst.deployments("demo/cirrus") == demo_store.deployments("demo/cirrus")
    assert dst.incidents("demo/cirrus") == demo_store.incidents("demo/cirrus")
    import_tables(dst, tmp_path / "out")  # again: no duplicates
    assert dst.count_prs() == counts["pull_requests"]


def test_bad_rows_are_named_and_nothing_loads(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "pull_requests.csv").write_text(
        "repo,number,title,merged_at\n"
        "o/r,1,ok,2024-01-01T00:00:00Z\n"
        "o/r,2,bad date,yesterday-ish\n"
    )
    s = Store(tmp_path / "s.sqlite")
    with pytest.raises(ImportError_, match=r"merged_at.*rows \[3\]"):
        import_tables(s, d)
    assert s.count_prs() == 0
    (d / "pull_requests.csv").write_text("repo,number,colour\no/r,1,red\n")
    with pytest.raises(ImportError_, match="unknown columns: colour"):
        import_tables(s, d)
    (d / "pull_requests.csv").write_text("repo,number\no/r,one\n")
    with pytest.raises(ImportError_, match="number.*rows \\[2\\]"):
        import_tables(s, d)
    r = run("import", str(d), "--db", str(tmp_path / "s.sqlite"))
    assert r.returncode == 1 and "nothing was loaded" in r.stderr


GIT_PRS = '''repo,pr_number,style,landing_sha,merged_at,first_commit_authored_at,is_bot,title,\
is_revert,reverted_pr,first_tag,first_tag_at,first_stable_tag,first_stable_tag_at,author_login
x/y,1,merge,aa,2024-01-02T10:00:00Z,2024-01-01T10:00:00Z,False,Add thing,False,,v1,\
2024-01-05T00:00:00Z,v1,2024-01-05T00:00:00Z,ann
x/y,2,squash,bb,2024-01-03T10:00:00Z,,False,Fix crash (#2),False,,v1,2024-01-05T00:00:00Z,v1,\
2024-01-05T00:00:00Z,
x/y,3,squash,cc,2024-01-04T10:00:00Z,,True,Bump dep,False,,v1,2024-01-05T00:00:00Z,v1,\
2024-01-05T00:00:00Z,dependabot[bot]
x/y,4,squash,dd,2024-02-04T10:00:00Z,,False,"Revert ""Add thing""",True,1,,,,,
'''


def test_git_prs_layout(tmp_path):
    p = tmp_path / "x__y.csv"
    p.write_text(GIT_PRS)
    (tmp_path / "x__y.tags.csv").write_text(
        "repo,tag,tagged_at\nx/y,v1,2024-01-05T00:00:00Z\nx/y,v2-rc1,2024-02-01T00:00:00Z\n")
    s = Store(tmp_path / "s.sqlite")
    assert import_git_prs_csv(s, p) == {"x/y": 4}
    prs = {pr.number: pr for pr in s.pull_requests("x/y")}
    assert prs[1].first_commit_at == prs[1].merged_at - 86400
    assert prs[2].first_commit_at is None
    assert prs[3].author_is_bot and prs[4].is_revert and prs[4].reverted_number == 1
    assert [d.id for d in s.deployments("x/y")] == ["v1"]  # the rc tag is skipped
    assert len(s.incidents("x/y")) == 1
    a = s.load_arrays()
    assert a.is_bugfix.tolist() == [False, True, False, False]


def test_homebrew_monthly_figures():
    path = shared_file("git-prs", "Homebrew__brew.csv")
    import tempfile
    from pathlib import Path

    s = Store(Path(tempfile.mkdtemp()) / "brew.sqlite")
    import_git_prs_csv(s, path)
    a = s.load_arrays()
    months = ["2024-07", "2024-08", "2024-09"]
    expected = {
        "include": ([218, 205, 177], [1.14, 1.27, 1.38], [256.91, 64.23, 84.79], [2, 4, 5]),
        "exclude": ([205, 192, 162], [1.20, 1.79, 2.01], None, None),
    }
    for bots, (merged, cycle, deploy, reverts) in expected.items():
        tab = core.compute_table(a, bots=bots, anchor="merged_at")
        j = [tab.periods.index(m) for m in months]
        assert tab.stats["throughput"]["n"][0, j].tolist() == merged
        np.testing.assert_array_equal(
            np.round(tab.stats["cycle_time"]["median"][0, j] / 3600, 2), cycle)
        if deploy:
            np.testing.assert_array_equal(
                np.round(tab.stats["deploy"]["median"][0, j] / 3600, 2), deploy)
            assert tab.stats["throughput"]["reverts"][0, j].tolist() == reverts
