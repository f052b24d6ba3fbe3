"""Organisation and team views: every synced repository of an owner, and teams from a file
(repositories and people), with per-repository and per-team figures and ranks, the same from
SQLite (row path) and PostgreSQL (binary COPY)."""

from __future__ import annotations

import pytest

from casestudy.analysis.org import DORA_NOTE, MIN_N
from casestudy.cli.main import main
from casestudy.report.org import build_org_view
from casestudy.sources.github import GitHubClient
from casestudy.sources.team_list import TeamListError, read_team_list
from casestudy.store import Store
from tests.engine_cluster import TOKENS
from tests.fakegithub.server import FakeGitHub, generate_repo


@pytest.fixture(scope="module")
def synced_fake():
    fake = FakeGitHub(tokens={TOKENS[0]: set()})
    for i, n in enumerate((150, 90, 40, 8)):
        fake.add(generate_repo("acme", f"s{i}", n, seed=10 + i))
    fake.add(generate_repo("other", "x", 30, seed=99))
    with fake:
        yield fake


def _sync_all(fake, store: Store) -> None:
    client = GitHubClient(TOKENS[0], base_url=fake.base_url, min_interval=None)
    for full in ("acme/s0", "acme/s1", "acme/s2", "acme/s3", "other/x"):
        client.sync(store, full)


def _teams(tmp_path):
    f = tmp_path / "teams.toml"
    f.write_text('[[team]]\nname = "core"\nrepos = ["acme/s0", "acme/s1"]\n'
                 '[[team]]\nname = "people"\npeople = ["user3", "user4"]\n'
                 'paths = ["services/billing/"]\n')
    return f


def test_an_owner_and_its_teams_with_breakdowns_and_ranks(synced_fake, store_location,
                                                          tmp_path):
    store = Store(store_location)
    _sync_all(synced_fake, store)
    view = build_org_view(store, "acme", _teams(tmp_path), since="2020-01", until="2030-12")
    by = {u.name: u for u in view.repositories}
    assert set(by) == {"acme/s0", "acme/s1", "acme/s2", "acme/s3"}  # not other/x
    for name, u in by.items():  # merged human PRs, counted from the stored records
        prs = store.pull_requests(name)
        assert u.merged == sum(p.merged_at is not None and not p.author_is_bot for p in prs)
        assert u.authors == len({p.author for p in prs if p.merged_at is not None and
                                 not p.author_is_bot and p.author})
    ranked = [u for u in view.repositories if u.merged >= MIN_N]
    assert sorted(u.ranks["merged"] for u in ranked) == list(range(1, len(ranked) + 1))
    assert by["acme/s0"].ranks["merged"] == 1 and "merged" not in by["acme/s3"].ranks
    fastest = min(ranked, key=lambda u: u.cycle_h)
    assert fastest.ranks["cycle_h"] == 1
    teams = {u.name: u for u in view.teams}
    assert teams["core"].merged == by["acme/s0"].merged + by["acme/s1"].merged
    assert teams["core"].deploys_week == pytest.approx(
        by["acme/s0"].deploys_week + by["acme/s1"].deploys_week)
    people = sum(p.merged_at is not None and not p.author_is_bot and
                 p.author in ("user3", "user4")
                 for r in by for p in store.pull_requests(r))
    assert teams["people"].merged == people > 0
    assert teams["people"].deploys_week is None  # people's deployments are not theirs
    assert DORA_NOTE in view.notes
    assert any("services/billing/" in n and "not applied" in n for n in view.notes)


def test_postgresql_and_sqlite_give_the_same_view(synced_fake, pg_server, tmp_path):
    views = []
    for location in (str(tmp_path / "s.sqlite"), pg_server.url(pg_server.new_database())):
        store = Store(location)
        _sync_all(synced_fake, store)
        views.append(build_org_view(store, "acme", _teams(tmp_path), "2020-01", "2030-12"))
    assert views[0] == views[1]


def test_the_org_command_writes_markdown_and_refuses_bad_team_files(synced_fake, tmp_path,
                                                                    capsys):
    db = str(tmp_path / "s.sqlite")
    _sync_all(synced_fake, Store(db))
    assert main(["org", "acme", "--teams", str(_teams(tmp_path)), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "## Per repository" in out and "## Per team" in out and "(#1)" in out
    assert "acme/s0" in out and "other/x" not in out and "DORA" in out
    bad = tmp_path / "bad.toml"
    bad.write_text('[[team]]\nname = "x"\nrepos = "acme/s0"\n')
    with pytest.raises(TeamListError, match="list of text"):
        read_team_list(bad)
    assert main(["org", "--teams", str(bad), "--db", db]) == 2
    assert main(["org", "nobody", "--db", db]) == 1


def test_the_organisation_page_shows_an_owners_visible_repositories(demo_db_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("CASESTUDY_DB", str(demo_db_copy))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("app_pages/organisation.py").run()
    assert not at.exception
    assert at.selectbox(key="org_owner").value == "demo"
    table = at.dataframe[0].value
    assert sorted(table["repository"]) == sorted(Store(demo_db_copy).repos())
    assert table["rank: merged PRs"].min() == 1


def test_a_visitor_sees_only_the_repositories_they_may_see(synced_fake, tmp_path):
    store = Store(tmp_path / "s.sqlite")
    _sync_all(synced_fake, store)
    with store.transaction():
        store.db.execute("UPDATE repos SET account_key='g-team' WHERE repo='acme/s2'")
    stranger = build_org_view(store, "acme", visible_to=())
    member = build_org_view(store, "acme", visible_to=("g-team",))
    assert "acme/s2" not in {u.name for u in stranger.repositories}
    assert "acme/s2" in {u.name for u in member.repositories}
