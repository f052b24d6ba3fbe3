"""Each PR's changed files from GitHub (``sync --files``), for teams by paths: real PyGithub
over real HTTP against the fake GitHub on 127.0.0.1, real SQLite and PostgreSQL. Teams are
checked against the fake's own file lists, matched here with plain string tests (not the
code under test's globs); PRs past 100 files, re-reads replacing files, repositories synced
before files were asked for, and a sync cut short then resumed."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

from casestudy.cli.main import main
from casestudy.report.org import build_org_view
from casestudy.sources.github import GitHubClient, RateLimited
from casestudy.sources.repo_list import read_repo_list
from casestudy.sources.sync import entry_request
from casestudy.sources.team_list import Team
from casestudy.store import Store
from tests.conftest import ROOT
from tests.fakegithub.server import FakeGitHub, generate_repo, touch

TOKEN = "good-token"
REPO = "acme/mono"
TEAMS = [Team("api", repos=(REPO,), paths=("services/api/**",)),
         Team("money", paths=("libs/money",)),
         Team("docs", paths=("**/*.md",))]
# the same teams as plain tests on a path, written apart from ``team_list``'s globs
TRUTH = {"api": lambda p: p.startswith("services/api/"),
         "money": lambda p: p.startswith("libs/money/"),
         "docs": lambda p: p.endswith(".md")}
WINDOW = {"since": "2023-01", "until": "2026-12"}


@pytest.fixture
def fake():
    with FakeGitHub(tokens={TOKEN: set()}) as f:
        f.add(generate_repo("acme", "mono", 300, seed=5))
        yield f


def client(fake, **kw) -> GitHubClient:
    kw.setdefault("min_interval", None)
    return GitHubClient(TOKEN, base_url=fake.base_url, **kw)


def main_prs(fake) -> list[dict]:
    return [p for p in fake.repos[REPO].prs if p["baseRefName"] == "main"]


def files_truth(fake) -> dict[str, list[int]]:
    """Path → the numbers of the PRs into main that changed it, from the fake's data."""
    out: dict[str, list[int]] = {}
    for p in sorted(main_prs(fake), key=lambda p: p["number"]):
        for f in sorted(set(p["files"])):
            out.setdefault(f, []).append(p["number"])
    return out


def merged_truth(fake, team: str) -> int:
    """Merged PRs by people (bots are left out of merged counts) that changed a team's path."""
    return sum(1 for p in main_prs(fake) if p["mergedAt"] and not (
        (p["author"] or {}).get("login") or "").endswith("[bot]")
        and any(TRUTH[team](f) for f in p["files"]))


def check_teams(store: Store, fake) -> None:
    view = build_org_view(store, "acme", teams=TEAMS, **WINDOW)
    by = {u.name: u for u in view.teams}
    for team in TRUTH:
        assert by[team].merged == merged_truth(fake, team), team
        assert 0 < by[team].merged < view.repositories[0].merged
    assert not any("not applied" in n for n in view.notes)


def test_path_teams_on_a_github_sync_are_the_prs_that_touched_the_paths(
        fake, store_location, monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("CASESTUDY_GITHUB_SPACING", "0")
    assert main(["sync", REPO, "--base-url", fake.base_url, "--files",
                 "--db", store_location]) == 0
    store = Store(store_location)
    assert store.has_pr_files(REPO)
    assert store.pr_files_coverage(REPO) == (len(main_prs(fake)),) * 2
    assert store.pr_files(REPO) == files_truth(fake)
    check_teams(store, fake)
    # PRs of 250 files into main: every file read, two follow-up pages of 100 each
    big = [p for p in main_prs(fake) if len(p["files"]) > 100]
    assert big
    files = store.pr_files(REPO)
    for p in big:
        assert {f for f, ns in files.items() if p["number"] in ns} == set(p["files"])
    assert fake.ops["PullRequestFiles"] == 2 * len(big)


def test_files_cost_one_point_more_per_page_and_are_opt_in(fake, tmp_path):
    plain = Store(tmp_path / "plain.sqlite")
    r0 = client(fake).sync(plain, REPO)
    assert not plain.has_pr_files(REPO) and plain.pr_files(REPO) == {}
    assert "PullRequestFiles" not in fake.ops
    pages = fake.ops["PullRequests"]
    fake.reset_counters()
    with_files = Store(tmp_path / "files.sqlite")
    r1 = client(fake).sync(with_files, REPO, files=True)
    big = [p for p in main_prs(fake) if len(p["files"]) > 100]
    # the bulk page: one more point per page of 50 PRs; each big PR: one per extra 100 files
    assert r1.points - r0.points == pages + 2 * len(big)
    assert r1.prs == r0.prs and r1.points == fake.points
    # an operator's list asks for them per repository
    listed = tmp_path / "repos.toml"
    listed.write_text(f'[[repo]]\nname = "{REPO}"\nfiles = true\n\n[[repo]]\nname = "a/b"\n')
    first, second = read_repo_list(listed)
    assert entry_request(first, TOKEN).files and not entry_request(second, TOKEN).files


def test_resync_replaces_a_prs_files(fake, store_location):
    store = Store(store_location)
    client(fake).sync(store, REPO, files=True)
    pr = main_prs(fake)[4]
    old = set(pr["files"])
    pr["files"] = ["services/web/new.py", "libs/money/new.py"]
    touch(fake.repos[REPO], [pr["number"]], time.time())
    fake.reset_counters()
    r = client(fake).sync(store, REPO)  # no flag: a repository synced with files keeps them
    assert r.prs == 1 and fake.ops.get("PullRequestFiles", 0) == 0
    files = store.pr_files(REPO)
    assert {f for f, ns in files.items() if pr["number"] in ns} == set(pr["files"])
    assert all(pr["number"] not in files.get(f, []) for f in old - set(pr["files"]))
    assert files == files_truth(fake)
    rows = store.db.execute("SELECT count(*), count(DISTINCT number) FROM pr_files WHERE "
                            "repo=?", (REPO,)).fetchone()
    assert tuple(rows) == (len(main_prs(fake)),) * 2  # one row per PR, none twice
    check_teams(store, fake)
    fake.reset_counters()
    assert client(fake).sync(store, REPO).prs == 0 and fake.requests <= 3


def test_a_repository_synced_before_files_says_how_many_it_lacks_then_catches_up(
        fake, store_location):
    store = Store(store_location)
    client(fake).sync(store, REPO)  # without files: as before this change
    n = len(main_prs(fake))
    assert store.pr_files_coverage(REPO) == (0, n) and not store.has_pr_files(REPO)
    view = build_org_view(store, "acme", teams=TEAMS, **WINDOW)
    note = next(x for x in view.notes if x.startswith("Team api:"))
    assert f"not applied to {REPO} (files known for 0 of {n} PRs: re-sync it with " \
           f"`casestudy sync {REPO} --files`" in note
    assert {u.name: u.merged for u in view.teams}["api"] == 0
    # a re-sync with files cut short by a long rate limit after its second page
    pages: list[int] = []

    def cut(p) -> None:
        if p.pages == 2 and not pages:
            pages.append(p.pages)
            fake.inject("primary", when="POST graphql PullRequests", reset=7200)

    with pytest.raises(RateLimited):
        client(fake, per_page=40, max_wait=1, progress=cut).sync(store, REPO, files=True)
    known, total = store.pr_files_coverage(REPO)
    assert (known, total) == (80, n) and not store.has_pr_files(REPO)
    view = build_org_view(store, "acme", teams=TEAMS, **WINDOW)
    assert any(f"(files known for 80 of {n} PRs" in x for x in view.notes)
    # what was written is whole: each PR with files has exactly the fake's
    truth = {p["number"]: set(p["files"]) for p in main_prs(fake)}
    got: dict[int, set[str]] = {}
    for f, ns in store.pr_files(REPO).items():
        for k in ns:
            got.setdefault(k, set()).add(f)
    assert len(got) == 80 and all(got[k] == truth[k] for k in got)
    # resumed without the flag (the repository now asks for files): every PR, once
    client(fake, per_page=40).sync(store, REPO)
    assert store.has_pr_files(REPO) and store.pr_files_coverage(REPO) == (n, n)
    assert store.pr_files(REPO) == files_truth(fake)
    check_teams(store, fake)
    fake.reset_counters()
    assert client(fake).sync(store, REPO).prs == 0 and fake.requests <= 3


def test_the_data_page_syncs_files_when_asked(demo_db_copy, monkeypatch, fake):
    from tests.test_app import app

    monkeypatch.setenv("CASESTUDY_DB", str(demo_db_copy))
    at = app().run()
    at.switch_page("app_pages/data.py").run()
    at.text_input(key="gh_repo").set_value(REPO)
    at.text_input(key="gh_token").set_value(TOKEN)
    at.text_input(key="gh_url").set_value(fake.base_url)
    at.checkbox(key="gh_files").check()
    at.button[0].click().run()
    assert not at.exception
    assert any("PRs with" in s.value for s in at.success), [e.value for e in at.error]
    store = Store(demo_db_copy)
    key = next(r for r in store.repos() if r.endswith(REPO))
    assert store.has_pr_files(key) and store.pr_files(key) == files_truth(fake)


def test_a_gitlab_project_is_named_as_a_source_without_files(tmp_path):
    """GitLab syncs keep no files: path teams are not applied, and the note says why (without
    a re-sync with GitHub's ``--files`` for the project, which GitLab cannot do)."""
    from casestudy.sources.gitlab import GitLabClient
    from tests.fakegitlab.server import FakeGitLab, generate_project

    store = Store(tmp_path / "s.sqlite")
    with FakeGitLab(tokens={"glpat-good": set()}) as fake:
        fake.add(generate_project("acme/platform/api", 30, seed=4, pid=9))
        GitLabClient("glpat-good", base_url=fake.url).sync(store, "acme/platform/api")
    assert store.count_prs("acme/platform/api") > 0 and not store.has_pr_files(
        "acme/platform/api")
    view = build_org_view(store, teams=[Team("api", repos=("acme/platform/api",),
                                             paths=("services/api",))], **WINDOW)
    note = next(x for x in view.notes if x.startswith("Team api:"))
    assert "not applied to acme/platform/api: paths need" in note
    assert "GitLab syncs and imports do not fetch them" in note
    assert "sync acme/platform/api --files" not in note and "files known for" not in note


def test_a_fault_inside_a_page_writes_none_of_it_and_the_resume_completes(fake, store_location):
    """A long rate limit on a big PR's second page of files: the PR page it belongs to is not
    written (no PR without its files, no half list); the resumed sync reads it whole."""
    store = Store(store_location)
    fake.inject("primary", when="POST graphql PullRequestFiles", reset=7200)
    with pytest.raises(RateLimited):
        client(fake, per_page=40, max_wait=1).sync(store, REPO, files=True)
    order = sorted(main_prs(fake), key=lambda p: (-p["updatedAt"], -p["number"]))
    first_big = next(i for i, p in enumerate(order) if len(p["files"]) > 100)
    stored = store.count_prs(REPO)
    assert stored == first_big // 40 * 40  # the pages before the big PR's, and no more
    assert 0 < stored < len(order)
    assert store.pr_files_coverage(REPO) == (stored, stored)
    truth = {p["number"]: set(p["files"]) for p in order}
    for f, ns in store.pr_files(REPO).items():
        assert all(f in truth[k] for k in ns)
    client(fake, per_page=40).sync(store, REPO)
    assert store.pr_files(REPO) == files_truth(fake)
    assert store.pr_files_coverage(REPO) == (len(order),) * 2
    check_teams(store, fake)


def test_killed_and_resumed_sync_keeps_files_whole(fake, tmp_path):
    """SIGKILL in the middle of a sync with files (a real process), then a resume: the same
    files as the fake's, one row per PR."""
    db = tmp_path / "killed.sqlite"
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from casestudy.sources.github import GitHubClient
        from casestudy.store import Store
        c = GitHubClient({TOKEN!r}, base_url={fake.base_url!r}, min_interval=None, per_page=20)
        c.sync(Store({str(db)!r}), {REPO!r}, files=True)
    """)
    fake.delay = 0.1
    proc = subprocess.Popen([sys.executable, "-c", code])
    s = Store(db)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if s.get_cursor(REPO, "prs:main:page") and s.count_prs(REPO) >= 100:
                break
        except Exception:  # noqa: BLE001 - the child may be creating the schema
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    fake.delay = 0.0
    partial = s.count_prs(REPO)
    assert 0 < partial < len(main_prs(fake))
    assert s.pr_files_coverage(REPO) == (partial, partial)
    client(fake, per_page=20).sync(s, REPO)
    assert s.pr_files(REPO) == files_truth(fake)
    rows = s.db.execute("SELECT count(*), count(DISTINCT number) FROM pr_files WHERE repo=?",
                        (REPO,)).fetchone()
    assert tuple(rows) == (len(main_prs(fake)),) * 2


def test_a_stored_pr_github_no_longer_lists_is_looked_for_once(fake, tmp_path):
    """A PR stored without files that GitHub's list of PRs into main no longer holds (it was
    retargeted): one whole pass looks for it, later syncs stay a few requests, and the view says
    what is lacking."""
    store = Store(tmp_path / "s.sqlite")
    client(fake).sync(store, REPO)  # without files
    n = len(main_prs(fake))
    gone = main_prs(fake)[7]
    gone["baseRefName"] = "release"  # no longer a PR into main; its row stays in the store
    fake.reset_counters()
    client(fake).sync(store, REPO, files=True)
    whole_pass = fake.requests
    assert store.pr_files_coverage(REPO) == (n - 1, n) and not store.has_pr_files(REPO)
    fake.reset_counters()
    assert client(fake).sync(store, REPO).prs == 0
    assert fake.requests <= 3 < whole_pass
    view = build_org_view(store, "acme", teams=TEAMS, **WINDOW)
    assert any(f"(files known for {n - 1} of {n} PRs" in x for x in view.notes)
    # listed again (retargeted back and updated): read, and the repository is whole again
    gone["baseRefName"] = "main"
    touch(fake.repos[REPO], [gone["number"]], time.time())
    assert client(fake).sync(store, REPO).prs == 1
    assert store.has_pr_files(REPO) and store.pr_files(REPO) == files_truth(fake)
