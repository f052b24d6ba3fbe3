"""PR commits as records from GitHub (issue 18): every non-merge commit of every PR with its
author (login, else git name), UTC author time and the author's own clock; a PR with more
commits than one page; re-syncs add nothing; the cost per PR does not grow."""

from __future__ import annotations

import pytest

from casestudy.sources.github import GitHubClient
from casestudy.store import Store
from tests.fakegithub.server import FakeGitHub, generate_repo

TOKEN = "good-token"


@pytest.fixture
def fake():
    with FakeGitHub(tokens={TOKEN: set()}) as f:
        f.add(generate_repo("acme", "widgets", 300, seed=3))
        yield f


def client(fake) -> GitHubClient:
    return GitHubClient(TOKEN, base_url=fake.base_url, min_interval=None)


def test_every_pr_commit_is_stored_with_its_clock(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    client(fake).sync(s, "acme/widgets")
    got = {c.sha: c for c in s.commits("acme/widgets")}
    truth = [(p, c) for p in fake.repos["acme/widgets"].prs if p["baseRefName"] == "main"
             for c in p["commits"]]
    wanted = [(p, c) for p, c in truth if c["parents"] == 1]
    assert {c["oid"] for _, c in wanted} == set(got)  # merges of the base left out
    assert any(c["parents"] == 2 for _, c in truth)
    for p, c in wanted:
        rec = got[c["oid"]]
        assert rec.pr == p["number"]
        assert rec.authored_at == int(c["authored"])
        assert rec.author_utc_offset == c["offset"]
        assert rec.author == (c["login"] or c["name"])  # no account: the git name
        assert rec.author_is_bot == (c["login"] or "").endswith("[bot]")
        assert (rec.additions, rec.deletions) == (c["additions"], c["deletions"])
    seven = next(p for p in fake.repos["acme/widgets"].prs if p["number"] == 7)
    assert seven["baseRefName"] == "main"
    assert sum(1 for c in got.values() if c.pr == 7) == 130  # beyond the first page of 100
    assert {c.author_utc_offset for c in got.values()} == {9 * 3600, -5 * 3600, 3600, 0}
    # a PR's first commit time is its earliest commit
    prs = {p.number: p for p in s.pull_requests("acme/widgets")}
    for p, c in wanted:
        assert prs[p["number"]].first_commit_at <= int(c["authored"])
    assert prs[1].merged_by in ("", "maintainer0")


def test_resync_adds_nothing_and_costs_no_more_points_per_pr(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    c = client(fake)
    c.sync(s, "acme/widgets")
    n = s.count_commits("acme/widgets")
    prs = s.count_prs("acme/widgets")
    # one follow-up query, for the only PR with more than a page of commits; the PR pages cost
    # what they cost with one commit per PR (the fake charges as GitHub does: per connection
    # and parent, not per node)
    assert fake.ops["PullRequestCommits"] == 1
    page_cost = fake.points - fake.ops["PullRequestCommits"] - sum(
        v for k, v in fake.ops.items() if k not in ("PullRequests", "PullRequestCommits"))
    assert page_cost / fake.ops["PullRequests"] <= 4, page_cost
    assert c.points / prs < 0.2
    client(fake).sync(s, "acme/widgets")
    assert s.count_commits("acme/widgets") == n


def test_every_human_review_is_stored(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    client(fake).sync(s, "acme/widgets")
    got = sorted((r.pr, r.reviewer, r.submitted_at, r.state) for r in s.reviews("acme/widgets"))

    def login(x: dict) -> str:
        return (x["author"] or {}).get("login") or "ghost"

    want = sorted({(p["number"], login(r), int(r["submittedAt"]), r["state"])
                   for p in fake.repos["acme/widgets"].prs if p["baseRefName"] == "main"
                   for r in p["reviews"] if not login(r).endswith("[bot]")
                   and login(r) != login(p)})
    assert got == want and len(got) > 100
