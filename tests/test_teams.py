"""Teams in organisation views: a monorepo built here with two service folders, synced with
``sync-git`` (each PR's changed files kept), teams by paths, people and repositories checked
against plain ``git log --first-parent -- PATH``; strict team files; the Organisation page's team
table from the server's file or a pasted one, for what the visitor may see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from casestudy.cli.main import main
from casestudy.report.org import PATH_TEAM_DEPLOYS, build_org_view
from casestudy.sources.team_list import (
    MAX_BYTES,
    TeamListError,
    matches_any,
    parse_teams,
    read_team_list,
)
from casestudy.store import Store
from tests.test_git import T0, git

PEOPLE = ("Alice <a@x.org>", "Bob <b@x.org>", "Carol <c@x.org>")
PR_NUMBER = re.compile(r"^Merge pull request #(\d+) |\(#(\d+)\)$")
TEAMS = """
[[team]]
name = "api"
repos = ["acme/mono"]
paths = ["services/api/**"]

[[team]]
name = "web"
paths = ["services/web/"]

[[team]]
name = "docs"
paths = ["**/*.md"]

[[team]]
name = "bob and carol"
people = ["Bob", "Carol"]
"""


def _change(repo: Path, files: list[str], line: str) -> None:
    for f in files:
        p = repo / f
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text((p.read_text() if p.exists() else "") + line + "\n")
        git(repo, "add", "--", f)


@pytest.fixture(scope="module")
def monorepo(tmp_path_factory) -> Path:
    """36 PRs into main (merge-button and squash), each touching the API service, the web
    service, both, or only docs; pushes without a PR touch the services too."""
    r = tmp_path_factory.mktemp("mono") / "mono"
    r.mkdir()
    git(r, "init", "-q", "-b", "main")
    _change(r, ["README.md", "services/api/app.py", "services/web/index.js"], "start")
    git(r, "commit", "-q", "-m", "Initial layout", when=T0)
    layouts = (["services/api/app.py"], ["services/web/index.js"],
               ["services/api/handlers/users.py", "services/web/index.js"],
               ["docs/guide.md"], ["services/api/café.py"], ["services/web/README.md"])
    t = T0
    for n in range(1, 37):
        files, author = layouts[n % len(layouts)], PEOPLE[n % 3]
        t += 7200
        if n % 2:  # squash: one mainline commit "(#n)"
            _change(r, files, f"pr {n}")
            git(r, "commit", "-q", "-m", f"Change {n} (#{n})", when=t, author=author)
        else:  # merge button: branch commits, then a merge commit onto main
            git(r, "checkout", "-q", "-b", f"pr{n}")
            _change(r, files, f"pr {n} a")
            git(r, "commit", "-q", "-m", f"work {n}", when=t - 3000, author=author)
            _change(r, ["services/api/app.py"] if n % 4 == 0 else files, f"pr {n} b")
            git(r, "commit", "-q", "-m", f"more {n}", when=t - 2000, author=author)
            git(r, "checkout", "-q", "main")
            git(r, "merge", "-q", "--no-ff", f"pr{n}", "-m",
                f"Merge pull request #{n} from x/pr{n}", when=t)
        if n % 7 == 0:  # a push without a PR: no team's PR
            _change(r, ["services/api/app.py", "services/web/index.js"], f"push {n}")
            git(r, "commit", "-q", "-m", f"Direct push {n}", when=t + 60)
    return r


def _prs_touching(repo: Path, *pathspec: str) -> set[int]:
    """PR numbers of the mainline commits that changed ``pathspec``: plain git, independently."""
    out = git(repo, "-c", "core.quotePath=false", "log", "--first-parent", "--format=%s", "--",
              *pathspec)
    return {int(m.group(1) or m.group(2)) for s in out.splitlines()
            if (m := PR_NUMBER.search(s))}


def test_path_teams_count_the_prs_git_log_finds(monorepo, store_location, tmp_path, capsys):
    teams = tmp_path / "teams.toml"
    teams.write_text(TEAMS)
    assert main(["sync-git", str(monorepo), "--repo", "acme/mono", "--db", store_location]) == 0
    store = Store(store_location)
    assert store.has_pr_files("acme/mono")
    view = build_org_view(store, "acme", teams, since="2023-01", until="2024-12")
    by = {u.name: u for u in view.teams}
    api = _prs_touching(monorepo, "services/api")
    web = _prs_touching(monorepo, "services/web")
    docs = _prs_touching(monorepo, ":(glob)**/*.md")
    assert by["api"].merged == len(api) and 0 < len(api) < 36
    assert by["web"].merged == len(web) and 0 < len(web) < 36
    assert by["docs"].merged == len(docs) and api & web and web & docs
    # a PR's author: the squash commit's, or (merge button) its branch commits' author
    authors = {}
    log = git(monorepo, "log", "--first-parent", "--format=%s%x1f%an%x1f%P")
    for line in log.splitlines():  # (the root commit's empty parents are stripped)
        subject, name, parents = (line + "\x1f\x1f").split("\x1f")[:3]
        if m := PR_NUMBER.search(subject):
            if " " in parents:
                name = git(monorepo, "log", "-1", "--format=%an", parents.split()[1])
            authors[int(m.group(1) or m.group(2))] = name
    assert len(authors) == 36
    assert by["bob and carol"].merged == sum(a in ("Bob", "Carol") for a in authors.values())
    # the one repository is measured as a whole; path teams share its deployments
    assert view.repositories[0].merged == 36
    assert all(by[t].deploys_week is None for t in ("api", "web", "docs"))
    assert PATH_TEAM_DEPLOYS in view.notes
    # the same from the command line
    assert main(["org", "acme", "--teams", str(teams), "--from", "2023-01", "--to", "2024-12",
                 "--db", store_location]) == 0
    out = capsys.readouterr().out
    assert re.search(rf"\| api \| {len(api)} ", out) and "not applied" not in out


def test_files_are_the_first_parent_diff_and_resync_replaces_them(monorepo, tmp_path):
    db = str(tmp_path / "s.sqlite")
    assert main(["sync-git", str(monorepo), "--repo", "acme/mono", "--db", db]) == 0
    files = Store(db).pr_files("acme/mono")
    assert set(files["services/api/café.py"]) == _prs_touching(monorepo, "services/api/café.py")
    # merge-button PRs: both branch commits' files, through the merge
    assert 4 in files["services/api/app.py"] and 4 in files["services/api/café.py"]
    assert 8 in files["services/api/app.py"] and 8 in files["services/web/index.js"]
    assert 7 not in files["services/api/app.py"]  # its push after it is no PR's
    assert main(["sync-git", str(monorepo), "--repo", "acme/mono", "--db", db]) == 0
    assert Store(db).pr_files("acme/mono") == files


def test_path_teams_on_a_source_without_files_say_so(monorepo, tmp_path, capsys):
    db = str(tmp_path / "s.sqlite")
    assert main(["sync-git", str(monorepo), "--repo", "acme/mono", "--db", db]) == 0
    store = Store(db)
    with store.transaction():  # as a clone synced before files were kept
        store.db.execute("DELETE FROM sync_cursors WHERE stream='pr_files'")
        store.db.execute("DELETE FROM pr_files")
    teams = tmp_path / "t.toml"
    teams.write_text('[[team]]\nname = "api"\npaths = ["services/api"]\n')
    assert main(["org", "acme", "--teams", str(teams), "--db", db]) == 0
    out = capsys.readouterr().out
    assert "not applied to acme/mono" in out and "sync\\-git" in out and "GitHub" in out


def test_globs():
    assert matches_any("services/api/x/y.py", ("services/api/**",))
    assert matches_any("services/api/x/y.py", ("services/api",))
    assert matches_any("services/api/x/y.py", ("services/api/",))
    assert not matches_any("services/apix/y.py", ("services/api",))
    assert matches_any("a/b/c.md", ("**/*.md",)) and matches_any("c.md", ("**/*.md",))
    assert not matches_any("a/c.md", ("*.md",)) and matches_any("c.md", ("*.md",))
    assert matches_any("lib/x1/m.py", ("lib/x?/*.py",))
    assert not matches_any("lib/x1/deep/m.py", ("lib/x?/*.py",))


@pytest.mark.parametrize("text, words", [
    ('[[team]]\nname = "x"\nrepos = "acme/s0"\n', "repos must be a list of text"),
    ('[[team]\nname = "x"\n', "not valid TOML"),
    ('[[team]]\nname = "x"\nmembers = ["a"]\n', "unknown field members"),
    ('[[team]]\nname = "x"\n', "names no repositories, people or paths"),
    ('[[team]]\nrepos = ["a/b"]\n', "team 1 needs a name"),
    ('[[team]]\nname = "a\\u202eb"\nrepos = ["a/b"]\n', "team 1 needs a name"),
    ('[[team]]\nname = "x"\npaths = ["../etc"]\n', "relative to the repository's root"),
    ('[[team]]\nname = "x"\nrepos = ["a/b"]\n[[team]]\nname = "x"\nrepos = ["a/c"]\n',
     "'x' is used twice"),
    ('name = "x"\n', "unknown top-level name"),
    ('[[team]]\nname = "x"\nrepos = ["' + "a" * 400 + '"]\n', "entry 1 is not one line"),
    ('[[team]]\nname = "x"\nrepos = ["a/b"]\n#' + "x" * MAX_BYTES + "\n", "larger than 64 KB"),
])
def test_bad_team_files_are_refused_with_what_is_wrong(text, words, tmp_path):
    with pytest.raises(TeamListError, match=re.escape(words)):
        parse_teams(text.encode(), "the pasted team file")
    f = tmp_path / "t.toml"
    f.write_text(text)
    with pytest.raises(TeamListError) as exc:
        read_team_list(f, "the server's team file")
    assert str(exc.value).startswith("the server's team file:")
    assert main(["org", "--teams", str(f), "--db", str(tmp_path / "s.sqlite")]) == 2


def _page(db: Path, monkeypatch, teams: str | None):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("CASESTUDY_DB", str(db))
    if teams is not None:
        f = db.parent / "server-teams.toml"
        f.write_text(teams)
        monkeypatch.setenv("CASESTUDY_TEAMS", str(f))
    else:
        monkeypatch.delenv("CASESTUDY_TEAMS", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("app_pages/organisation.py").run()
    assert not at.exception
    return at


HOSTILE = "<img src=x onerror=alert(1)> [click](javascript:alert(1)) **b**"


def test_the_organisation_page_shows_the_servers_teams(demo_db_copy, monkeypatch):
    store = Store(demo_db_copy)
    repos = store.repos()
    with store.transaction():  # a private repository the visitor may not see
        store.db.execute("UPDATE repos SET account_key='g-secret' WHERE repo=?", (repos[2],))
    author = store.pull_requests(repos[0])[0].author
    at = _page(demo_db_copy, monkeypatch,
               f'[[team]]\nname = "first"\nrepos = ["{repos[0]}", "{repos[2]}"]\n'
               f'[[team]]\nname = "{HOSTILE}"\npeople = ["{author}"]\n'
               f'[[team]]\nname = "paths"\nrepos = ["{repos[1]}"]\npaths = ["src/**"]\n')
    assert at.radio(key="org_teams").value == "the server's team file"
    shown = at.dataframe[0].value
    assert repos[2] not in set(shown["repository"])
    teams = at.dataframe[1].value.set_index("team")
    first = shown.set_index("repository").loc[repos[0], "merged PRs"]
    assert teams.loc["first", "merged PRs"] == first > 0  # the private one is left out
    assert teams.loc[HOSTILE, "merged PRs"] > 0  # shown literally, in a table cell
    words = " ".join(str(c.value) for c in [*at.caption, *at.markdown, *at.error])
    assert repos[2] not in words  # not even named
    assert "DORA measures applications and services" in words
    assert "not applied" in words and "sync\\-git" in words  # demo data keeps no files
    assert "javascript:" not in words and "<img" not in words


def test_a_pasted_team_file_is_checked_and_its_errors_said(demo_db_copy, monkeypatch):
    at = _page(demo_db_copy, monkeypatch, None)
    assert len(at.dataframe) == 1  # no teams yet
    at.radio(key="org_teams").set_value("paste or upload a team file").run()
    at.text_area(key="org_teams_text").input('[[team]]\nname = "x"\nrepos = "demo/atlas"\n')
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "the pasted team file: team 1 \\(x\\): repos must be a list of text"]
    assert len(at.dataframe) == 1  # the repositories still shown
    repo = Store(demo_db_copy).repos()[0]
    at.text_area(key="org_teams_text").input(
        f'[[team]]\nname = "mine"\nrepos = ["{repo}", "nobody/else"]\n').run()
    assert not at.error
    assert at.dataframe[1].value["team"].tolist() == ["mine"]
    words = " ".join(c.value for c in at.caption)
    assert "nobody/else" in words  # the visitor's own name for it, said back
