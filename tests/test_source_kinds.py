"""Source kinds: a GitHub repository is told what is missing in GitHub's words and its authors
keep their @, every front door goes through the one sync entry, the one finishing step makes
every merge a deployment when a source has none, and no room tests a source by its name."""

from __future__ import annotations

import re

import pytest

from casestudy.cli.main import build_parser
from casestudy.render import render
from casestudy.report.build import Options, build_case_study
from casestudy.source_kinds import (
    DEPLOY_CHOICES,
    DEPLOYMENT_SOURCES,
    GIT,
    GITHUB,
    IMPORT,
    KINDS,
    deployment_source,
    kind_of,
)
from casestudy.sources.sync import SyncRequest, sync
from casestudy.store import Store
from tests.conftest import ROOT
from tests.fakegithub.server import FakeGitHub, generate_repo
from tests.test_git import commit
from tests.test_git_dora import DAY, T0, new_repo, tag
from tests.test_github import TOKEN


@pytest.fixture
def quiet_github(tmp_path):
    """A GitHub repository nobody reviews or comments on, with no deployments, releases or
    tags, synced through the one sync entry."""
    with FakeGitHub(tokens={TOKEN: set()}) as fake:
        repo = fake.add(generate_repo("acme", "quiet", 300, seed=11, with_deployments=False))
        for p in repo.prs:
            p["reviews"], p["comments"] = [], []
        s = Store(tmp_path / "s.sqlite")
        r = sync(s, SyncRequest(GITHUB.key, "acme/quiet", token=TOKEN, base_url=fake.base_url))
    assert r.kind == "github" and r.repo == "acme/quiet" and r.prs > 200
    assert r.deploy_source == "merges" and r.requests > 0
    return s


def test_a_github_repository_keeps_its_logins_and_github_words(quiet_github):
    cs = build_case_study(quiet_github, Options("acme/quiet", min_n=5))
    cited = [p for refs in cs.notable_prs.values() for p in refs]
    assert cited and all(p.author_is_login for p in cited)
    md = render(cs, "md")
    assert f"@{cited[0].author}" in md  # a GitHub author is a login
    notes = " ".join(cs.sources[0].notes)
    assert "No reviews" in notes and "No deployments" in notes
    said = " ".join([notes, md, cs.finding("first_response").sentence,
                     cs.finding("deploy_frequency").sentence])
    # (the definitions appendix may explain what a clone measures; nothing claims this is one)
    assert "a git clone has no" not in said and "found in the clone" not in said
    assert "Deployments API" in cs.finding("deploy_frequency").sentence  # how to get them
    assert "review or comment by anyone other than its author" in notes


def test_a_clone_still_says_what_a_clone_lacks(tmp_path):
    r = new_repo(tmp_path, "sq", T0)
    for k in range(1, 30):
        commit(r, f"Change {k} (#{k})", T0 + k * DAY, author="Rin <rin@example.jp>")
    s = Store(tmp_path / "s.sqlite")
    res = sync(s, SyncRequest(GIT.key, str(r)))
    assert (res.kind, res.repos, res.tags, res.deploy_source) == ("git", {"octo/sq": 29}, 0,
                                                                 "merges")
    assert res.summary() == "29 PRs and 0 release tags from the clone"
    cs = build_case_study(s, Options("octo/sq"))
    notes = " ".join(cs.sources[0].notes)
    assert "a git clone has no PR reviews" in notes and "no release tags were found" in notes
    assert not any(p.author_is_login for refs in cs.notable_prs.values() for p in refs)


def test_merges_stand_in_until_a_source_has_deployments(tmp_path):
    """The one finishing step: a clone without tags deploys every merge, made again from all
    its PRs on the next sync; once it has release tags, they replace the merges."""
    r = new_repo(tmp_path, "grow", T0)
    for k in range(1, 4):
        commit(r, f"Change {k} (#{k})", T0 + k * DAY)
    s = Store(tmp_path / "s.sqlite")
    assert sync(s, SyncRequest(GIT.key, str(r))).deployments == 3
    commit(r, "Change 4 (#4)", T0 + 4 * DAY)
    again = sync(s, SyncRequest(GIT.key, str(r)))
    assert (again.deploy_source, again.deployments) == ("merges", 4)
    tag(r, "v1.0.0", T0 + 5 * DAY)
    tagged = sync(s, SyncRequest(GIT.key, str(r)))
    assert (tagged.deploy_source, tagged.deployments, tagged.tags) == ("tags", 1, 1)
    assert [d.source for d in s.deployments("octo/grow")] == ["tags"]


def test_imported_tables_without_deployments_deploy_every_merge(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    rows = [f"o/r,{k},Change {k},2024-01-{k:02d}T10:00:00Z" for k in range(1, 6)]
    (d / "pull_requests.csv").write_text("repo,number,title,merged_at\n" + "\n".join(rows[:3]))
    s = Store(tmp_path / "s.sqlite")
    res = sync(s, SyncRequest(IMPORT.key, str(d)))
    assert res.tables == {"pull_requests": 3} and res.summary() == "3 rows imported"
    assert len(s.deployments("o/r")) == 3
    (d / "pull_requests.csv").write_text("repo,number,title,merged_at\n" + "\n".join(rows))
    sync(s, SyncRequest(IMPORT.key, str(d)))  # the merges are made again from every PR
    assert len(s.deployments("o/r")) == 5 and s.repo_info("o/r").deploy_source == "merges"


def test_the_registry_is_the_one_vocabulary():
    assert len({k.key for k in KINDS}) == len(KINDS)
    assert all(kind_of(k.key) is k for k in KINDS)
    with pytest.raises(ValueError, match="unknown source kind 'bitbucket'"):
        kind_of("bitbucket")
    with pytest.raises(ValueError, match="unknown source kind"):
        sync(Store(":memory:"), SyncRequest("bitbucket", "o/r"))
    for k in KINDS:  # every kind offers known deployment sources, merges last
        assert all(deployment_source(d) for d in k.deployment_sources)
        assert k.deployment_sources[-1] == "merges"
    assert deployment_source("deployments").record == "deployments-api"
    assert DEPLOY_CHOICES == ("auto", *(d.key for d in DEPLOYMENT_SOURCES))
    parser = build_parser()  # the command line offers exactly these
    for choice in DEPLOY_CHOICES:
        assert parser.parse_args(["sync", "o/r", "--deployments", choice]).deployments == choice
    assert "secret" not in repr(SyncRequest(GITHUB.key, "o/r", token="secret"))


def test_no_room_tests_a_source_by_its_name():
    banned = re.compile(r'startswith\("git"\)|== "github"|(?<!\w)source (?:==|!=|in \()')
    for path in (ROOT / "casestudy").rglob("*.py"):
        if path.name == "source_kinds.py":
            continue
        hits = [ln for ln in path.read_text().splitlines() if banned.search(ln)]
        assert not hits, (path, hits)
