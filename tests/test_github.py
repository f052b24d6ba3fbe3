"""GitHub source: real PyGithub over real HTTP against the fake GitHub on 127.0.0.1."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from casestudy.sources.github import GitHubClient, GitHubError, RateLimited, parse_repo
from casestudy.store import Store
from tests.conftest import ROOT
from tests.fakegithub.server import FakeGitHub, generate_repo, touch

TOKEN = "good-token"


def client(fake, **kw) -> GitHubClient:
    kw.setdefault("min_interval", None)
    return GitHubClient(kw.pop("token", TOKEN), base_url=fake.base_url, **kw)


@pytest.fixture
def fake():
    with FakeGitHub(tokens={TOKEN: {"acme/secret"}, "other-token": set(),
                            "expired-token": "expired", "sso-token": "sso"}) as f:
        f.add(generate_repo("acme", "widgets", 600, seed=3))
        yield f


def expected(repo) -> dict[int, dict]:
    """The truth, computed from the fake's dataset the way the metric definitions say."""
    def login(x: dict) -> str:  # a deleted account is "ghost"
        return (x["author"] or {}).get("login") or "ghost"

    out = {}
    for p in repo.prs:
        if p["baseRefName"] != "main":
            continue
        author = login(p)
        human = [r for r in p["reviews"] if not login(r).endswith("[bot]")
                 and login(r) != author]
        human_c = [c for c in p["comments"] if not login(c).endswith("[bot]")
                   and login(c) != author]
        ready = p["readyAt"] or p["createdAt"]  # feedback on a draft does not end the wait
        times = [t for t in [r["submittedAt"] for r in human] + [c["createdAt"] for c in human_c]
                 if t >= ready]
        # approvals by humans other than the author (bots' approvals do not count)
        appr = sorted(r["submittedAt"] for r in human if r["state"] == "APPROVED")
        out[p["number"]] = {
            "title": p["title"], "author": author, "author_is_bot": author.endswith("[bot]"),
            "created_at": int(p["createdAt"]), "ready_at": int(p["readyAt"] or p["createdAt"]),
            "first_commit_at": int(p["firstCommitAt"]),
            "first_response_at": int(min(times)) if times else None,
            "first_approval_at": int(appr[0]) if appr else None,
            "last_approval_at": int(appr[-1]) if appr else None,
            "merged_at": int(p["mergedAt"]) if p["mergedAt"] else None,
            "closed_at": int(p["closedAt"]) if p["closedAt"] else None,
            "additions": p["additions"], "labels": tuple(p["labels"]),
            "linked_issue_labels": tuple(x for lbls in p["closingIssueLabels"] for x in lbls),
            "is_draft": p["isDraft"], "merge_commit_sha": (p["mergeCommit"] or {}).get("oid", ""),
        }
    return out


def compare(store: Store, repo) -> None:
    want = expected(repo)
    got = {p.number: p for p in store.pull_requests(repo.full)}
    assert set(got) == set(want)
    for number, fields in want.items():
        for k, v in fields.items():
            assert getattr(got[number], k) == v, (number, k)


def test_full_sync_equals_dataset_and_costs_little(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    r = client(fake).sync(s, "acme/widgets")
    compare(s, fake.repos["acme/widgets"])
    assert r.prs == len(expected(fake.repos["acme/widgets"]))
    assert fake.points / r.prs <= 0.15  # the cost budget, at the server's own counter
    assert r.points == fake.points and r.requests == fake.requests
    assert r.deploy_source == "deployments" and r.deployments > 10
    runs = s.sync_runs("acme/widgets")
    assert runs[-1]["status"] == "ok" and runs[-1]["points"] == fake.points
    # some PRs had > 15 reviews, most by the author: their first response needed the rest
    long = [p for p in fake.repos["acme/widgets"].prs if len(p["reviews"]) > 15
            and p["baseRefName"] == "main"]
    assert long and all(s.pull_requests("acme/widgets", [p["number"]])[0].first_response_at
                        for p in long if any((r["author"] or {}).get("login") !=
                                             (p["author"] or {}).get("login")
                                             for r in p["reviews"]))


def test_ghosts_draft_feedback_and_long_threads(fake, tmp_path):
    """The dataset holds each hard case (the full-sync test checks every value against the
    truth); here: each exists, the sync survives it, and the figures follow the rules."""
    prs = [p for p in fake.repos["acme/widgets"].prs if p["baseRefName"] == "main"]
    ghost_authors = [p for p in prs if p["author"] is None]
    ghost_reviewers = [p for p in prs if any(x["author"] is None
                                              for x in p["reviews"] + p["comments"])]
    drafts = [p for p in prs if p["readyAt"] and p["comments"]
              and p["comments"][0]["createdAt"] < p["readyAt"]]
    long = [p for p in prs if len(p["comments"]) > 15]
    assert ghost_authors and ghost_reviewers and drafts and long
    s = Store(tmp_path / "s.sqlite")
    client(fake).sync(s, "acme/widgets")
    got = {p.number: p for p in s.pull_requests("acme/widgets")}
    assert all(got[p["number"]].author == "ghost" for p in ghost_authors)
    for p in drafts:  # the wait starts when the PR is ready; the draft comment does not end it
        fr = got[p["number"]].first_response_at
        assert fr is None or fr >= int(p["readyAt"])
    for p in long:  # the discussion is counted in full (GitHub's totalCount)
        assert got[p["number"]].n_comments >= 3


def test_resync_unchanged_costs_at_most_3_requests(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    client(fake).sync(s, "acme/widgets")
    fake.reset_counters()
    r = client(fake).sync(s, "acme/widgets")
    assert r.prs == 0 and fake.requests <= 3


def test_incremental_picks_up_exactly_the_changes(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    client(fake).sync(s, "acme/widgets")
    repo = fake.repos["acme/widgets"]
    changed = [p["number"] for p in repo.prs if p["baseRefName"] == "main"][5:12]
    touch(repo, changed, time.time())
    r = client(fake).sync(s, "acme/widgets")
    assert r.prs == len(changed)
    compare(s, repo)


def test_kill_and_resume_ends_with_the_same_store(fake, tmp_path):
    ref = Store(tmp_path / "ref.sqlite")
    client(fake).sync(ref, "acme/widgets")
    db = tmp_path / "killed.sqlite"
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from casestudy.sources.github import GitHubClient
        from casestudy.store import Store
        c = GitHubClient({TOKEN!r}, base_url={fake.base_url!r}, min_interval=None, per_page=20)
        c.sync(Store({str(db)!r}), "acme/widgets")
    """)
    fake.delay = 0.1
    proc = subprocess.Popen([sys.executable, "-c", code])
    s = Store(db)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if s.get_cursor("acme/widgets", "prs:main:page"):
                if s.count_prs("acme/widgets") >= 100:
                    break
        except Exception:  # the child may be creating the schema
            pass
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    fake.delay = 0.0
    partial = s.count_prs("acme/widgets")
    assert 0 < partial < ref.count_prs("acme/widgets")
    client(fake, per_page=20).sync(s, "acme/widgets")
    assert s.pull_requests("acme/widgets") == ref.pull_requests("acme/widgets")
    assert s.deployments("acme/widgets") == ref.deployments("acme/widgets")
    assert s.commits("acme/widgets") == ref.commits("acme/widgets")  # no loss, no duplicate


@pytest.mark.parametrize("kind", ["secondary", "429", "primary", "502", "timeout", "malformed",
                                  "partial", "drop"])
def test_faults_end_in_a_complete_store(fake, tmp_path, kind):
    waits = []
    fake.inject(kind, times=2, when="POST graphql PullRequests")
    s = Store(tmp_path / "s.sqlite")
    c = client(fake, timeout=1, progress=lambda p: waits.append(p.wait_left)
               if p.stage == "waiting" else None, sleep=lambda x: time.sleep(min(x, 0.01)))
    c.sync(s, "acme/widgets")
    compare(s, fake.repos["acme/widgets"])
    if kind == "partial":  # fetched again at once, and said so
        assert any("partial data" in w for w in c.warnings)
    else:  # every wait was reported with the time left
        assert any(w > 0 for w in waits)


def test_big_pages_that_time_out_shrink(fake, tmp_path):
    fake.inject("502-big", when="POST graphql PullRequests")
    s = Store(tmp_path / "s.sqlite")
    c = client(fake, sleep=lambda x: None)
    c.sync(s, "acme/widgets")
    compare(s, fake.repos["acme/widgets"])
    assert any("page size reduced" in w for w in c.warnings)


def test_long_rate_limit_is_a_clear_error_not_a_silent_sleep(fake, tmp_path):
    fake.inject("primary", when="POST graphql PullRequests", reset=7200)
    with pytest.raises(RateLimited, match="resumes where it stopped"):
        client(fake, max_wait=1).sync(Store(tmp_path / "s.sqlite"), "acme/widgets")


@pytest.mark.parametrize("token,repo,message", [
    (TOKEN, "acme/nope", "not found"),
    (TOKEN, "not a repo", "not a repository name"),
    ("bogus", "acme/widgets", "401"),
    ("expired-token", "acme/widgets", "wrong, expired or revoked"),
    ("sso-token", "acme/widgets", "403"),
    ("other-token", "acme/secret", "private repositories need a token"),
])
def test_clear_errors(fake, tmp_path, token, repo, message):
    fake.add(generate_repo("acme", "secret", 5)).private = True
    with pytest.raises(GitHubError, match=message):
        client(fake, token=token).sync(Store(tmp_path / "s.sqlite"), repo)


def test_no_token_and_unreachable_host(tmp_path):
    with pytest.raises(GitHubError, match="no GitHub token"):
        GitHubClient(None)
    c = GitHubClient(TOKEN, base_url="http://127.0.0.1:9/api/v3", min_interval=None,
                     timeout=1, max_retries=1, sleep=lambda x: None)
    with pytest.raises(GitHubError, match="network problem talking to 127.0.0.1:9"):
        c.sync(Store(tmp_path / "s.sqlite"), "acme/widgets")


def test_empty_repo(fake, tmp_path):
    fake.add(generate_repo("acme", "empty", 0, with_deployments=False))
    s = Store(tmp_path / "s.sqlite")
    r = client(fake).sync(s, "acme/empty")
    assert r.prs == 0 and any("no pull requests" in w for w in r.warnings)
    assert r.deploy_source == "merges"


def test_private_repo_belongs_to_its_account(fake, tmp_path):
    fake.add(generate_repo("acme", "secret", 30)).private = True
    s = Store(tmp_path / "s.sqlite")
    client(fake).sync(s, "acme/secret", account_key="k1")
    assert "acme/secret" in s.repos(visible_to="k1")
    assert "acme/secret" not in s.repos(visible_to="k2")
    assert "acme/secret" not in s.repos(visible_to="")


def test_token_never_logged_or_in_errors(fake, tmp_path, caplog, capsys):
    secret = "ghp_SUPERSECRET_token_value_123"
    fake.tokens[secret] = set()
    caplog.set_level(logging.DEBUG)
    fake.inject("secondary", when="POST graphql")
    s = Store(tmp_path / "s.sqlite")
    client(fake, token=secret, sleep=lambda x: None).sync(s, "acme/widgets")
    with pytest.raises(GitHubError) as err:
        client(fake, token=secret).sync(s, "acme/nope")
    out = capsys.readouterr()
    assert secret not in caplog.text and secret not in out.out + out.err
    assert secret not in str(err.value) and secret not in repr(err.value)
    dump = "\n".join(s.conn.iterdump())
    assert secret not in dump


def test_parse_repo():
    assert parse_repo("https://github.com/pytorch/pytorch/") == ("pytorch", "pytorch")
    with pytest.raises(GitHubError):
        parse_repo("pytorch")


def test_cli_sync(fake, tmp_path):
    env = {"GITHUB_TOKEN": TOKEN, "PATH": "/usr/bin:/bin"}
    db = tmp_path / "c.sqlite"
    r = subprocess.run([sys.executable, "-m", "casestudy", "sync", "acme/widgets", "--db",
                        str(db), "--base-url", fake.base_url], capture_output=True, text=True,
                       env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "points" in r.stdout and "acme/widgets" in r.stdout
    assert TOKEN not in r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "casestudy", "sync", "acme/widgets", "--db",
                        str(db), "--base-url", fake.base_url], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin"}, cwd=ROOT, timeout=300)
    assert r.returncode == 1 and "GITHUB_TOKEN" in r.stderr


# -- real recorded GraphQL payloads (../shared/data/github-api, skipped when absent) ----------

@pytest.mark.parametrize("number,first_response,responder,approval", [
    # read by hand from the files: typescript-bot comments and the author's own review do not
    # count as a first response
    (43136, "2020-03-14T19:22:34Z", "RReverser", "2020-03-14T19:22:34Z"),
    (44437, "2020-05-02T12:17:22Z", "kamontat", "2020-05-02T12:17:22Z"),
    (45890, "2020-07-04T21:51:00Z", "peterblazejewicz", "2020-07-05T08:20:29Z"),
])
def test_recorded_definitelytyped_payloads(number, first_response, responder, approval):
    import json

    from casestudy.sources.github import iso_time, review_times
    from tests.conftest import shared_file

    pr = json.loads(shared_file("github-api", "dt-mergebot_DefinitelyTyped",
                                f"{number}.json").read_text())["data"]["repository"][
        "pullRequest"]
    rt = review_times(pr["author"]["login"], pr["reviews"]["nodes"], pr["comments"]["nodes"])
    assert rt.first_response_at == iso_time(first_response) and rt.responder == responder
    assert rt.last_approval_at == iso_time(approval)


def test_all_recorded_payloads_parse():
    import json

    from casestudy.sources.github import review_times
    from tests.conftest import shared_file

    folder = shared_file("github-api", "dt-mergebot_DefinitelyTyped")
    n = 0
    for f in sorted(folder.glob("*.json")):
        pr = json.loads(f.read_text())["data"]["repository"]["pullRequest"]
        author = (pr.get("author") or {}).get("login", "")
        rt = review_times(author, pr["reviews"]["nodes"], pr["comments"]["nodes"])
        if rt.first_response_at is not None:
            n += 1
            assert rt.responder != author and not rt.responder.endswith(("[bot]", "-bot"))
    assert n > 30


def test_check_runs_and_incident_issues_when_asked(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    r = client(fake).sync(s, "acme/widgets", checks=True, incident_labels=("incident",))
    runs = s.check_runs("acme/widgets")
    assert len(runs) == 25 * r.prs
    assert r.points / r.prs <= 0.3  # checks roughly double the cost, and say so in the docs
    from casestudy.analysis.ci import analyse

    # the fake plants two clusters: jobs 1–2 and jobs 3–5 fail together, the rest never fail
    ci = analyse(runs)
    assert len(ci.jobs) == 25
    assert ci.clusters == [["job-3", "job-4", "job-5"], ["job-1", "job-2"]]
    assert len(ci.kept) == 2 and ci.recall == 1.0 and not ci.flaky
    issues = [i for i in s.incidents("acme/widgets") if i.kind == "issue"]
    assert sorted(i.resolved_at - i.opened_at for i in issues) == [7200 * k for k in range(1, 6)]
    # the CI de-duplication rule now has data to fire on
    from casestudy.report.build import Options, build_case_study

    cs = build_case_study(s, Options("acme/widgets", min_n=5))
    rec = next(x for x in cs.recommendations if x.rule == "ci-deduplication")
    assert "25 jobs run on PRs and 2 clusters of them fail together; keeping 2 jobs still " \
        "catches 100%" in rec.evidence
    assert cs.ci is not None and cs.ci.kept == ci.kept
