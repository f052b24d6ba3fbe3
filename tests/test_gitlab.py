"""GitLab source: real python-gitlab over real HTTP against the fake GitLab on 127.0.0.1 —
records equal to the generated truth, cost per merge request and per re-sync, faults, a killed
sync resumed, a group synced by ``sync-all``, and the hosted rules for the GitLab token."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from casestudy.config import SettingError, check_api_url
from casestudy.source_kinds import GITLAB
from casestudy.sources.gitlab import GitLabClient, note_times, parse_project
from casestudy.sources.gitlab_api import GitLabError, GitLabRateLimited, Transport
from casestudy.sources.sync import SyncRequest, sync
from casestudy.store import Store
from casestudy.store.access import Visitor
from tests.conftest import ROOT
from tests.fakegitlab.server import FakeGitLab, generate_project, iso, touch

TOKEN = "glpat-good"
FIELDS = ("author", "author_is_bot", "created_at", "ready_at", "first_commit_at",
          "first_response_at", "first_approval_at", "last_approval_at", "merged_at",
          "closed_at", "additions", "deletions", "changed_files", "labels",
          "linked_issue_labels", "is_revert", "reverted_number")


def client(fake, **kw) -> GitLabClient:
    return GitLabClient(kw.pop("token", TOKEN), base_url=fake.url, **kw)


@pytest.fixture(scope="module")
def fake():
    with FakeGitLab(tokens={TOKEN: {"acme/platform/secret"}, "glpat-other": set()}) as f:
        f.add(generate_project("acme/widgets", 160, seed=3, pid=7))
        for k, name in enumerate(("api", "web", "secret")):
            p = f.add(generate_project(f"acme/platform/{name}", 25, seed=10 + k, pid=20 + k))
            p.visibility = "private" if name == "secret" else "public"
        yield f


def compare(store: Store, project) -> None:
    """Every merge request into the default branch, field by field, as the truth says."""
    got = {p.number: p for p in store.pull_requests(project.path)}
    want = {iid: t for iid, t in project.truth.items() if t["target"] == "main"}
    assert set(got) == set(want)
    for iid, t in want.items():
        for k in FIELDS:
            assert getattr(got[iid], k) == t[k], (iid, k)
    commits = store.commits(project.path)
    assert len(commits) == sum(t["commits"] for t in want.values())  # merge commits left out
    offsets = {c.pr: c.author_utc_offset for c in commits}
    assert all(offsets[i] == want[i]["offset"] for i in offsets)


def test_full_sync_equals_the_truth_at_about_3_requests_per_mr(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    fake.reset_counters()
    r = client(fake).sync(s, "acme/widgets")
    p = fake.projects["acme/widgets"]
    compare(s, p)
    assert r.prs == len(s.pull_requests("acme/widgets")) > 120
    per_mr = r.requests / r.prs
    assert r.requests == fake.requests and per_mr < 3.5  # notes, commits, diffs (+ issues)
    # drafts: the wait runs from "marked ready", not from the reviewer's note on the draft
    drafts = [i for i, t in p.truth.items() if t["ready_at"] > t["created_at"]
              and t["target"] == "main"]
    assert drafts and all(s.pull_requests("acme/widgets", [i])[0].ready_at
                          == p.truth[i]["ready_at"] for i in drafts)
    # ghosts (deleted users) are people; bots' notes and approvals are not responses
    authors = {x.author for x in s.pull_requests("acme/widgets")}
    assert "ghost" in authors and "renovate-bot" in authors
    assert {x.state for x in s.reviews("acme/widgets")} == {"APPROVED", "COMMENTED"}
    # deployments: the production tier's successful ones only
    deps = s.deployments("acme/widgets")
    want = [d for d in p.deployments if d["environment"]["name"] == "production"
            and d["status"] == "success"]
    assert r.deploy_source == "deployments" and len(deps) == len(want) > 5
    assert {d.environment for d in deps} == {"production"}
    # incidents: issues of type incident, placed on deployments
    issues = [i for i in s.incidents("acme/widgets") if i.kind == "issue"]
    assert len(issues) == len(p.issues) and all(i.resolved_at for i in issues)
    info = s.repo_info("acme/widgets")
    assert (info.source, info.host, info.account_key) == ("gitlab", fake.url.split("//")[1], "")
    assert any("rate limit" in w for w in r.warnings)  # surfaced

    # the practice audit of the tree at the default branch's head
    audit = s.audit("acme/widgets")
    assert audit["source"] == "gitlab" and audit["head"] == p.head
    assert audit["files"] == len(p.files) and "torch" in str(audit)

    # a re-sync of the unchanged project: one request per stream, the tree not read again
    fake.reset_counters()
    again = client(fake).sync(s, "acme/widgets")
    assert (again.prs, again.deployments) == (0, 0)
    assert again.requests == fake.requests <= 6, fake.by_kind
    compare(s, p)

    # two merge requests change: exactly those are read again
    touch(p, 40)
    touch(p, 41)
    fake.reset_counters()
    inc = client(fake).sync(s, "acme/widgets")
    assert inc.prs == sum(1 for i in (40, 41) if p.truth[i]["target"] == "main")
    assert inc.requests <= 6 + 4 * inc.prs


def test_pipelines_jobs_retries_and_time_to_green(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    r = client(fake).sync(s, "acme/platform/api", checks=True)
    p = fake.projects["acme/platform/api"]
    runs = s.check_runs("acme/platform/api")
    main = {i: t for i, t in p.truth.items() if t["target"] == "main"}
    assert len(runs) == sum(t["jobs"] for t in main.values())
    retried = [x for x in runs if x.attempt == 2]
    assert all(x.name == "test" and x.conclusion == "success" for x in retried)
    assert {x.conclusion for x in runs if x.attempt == 1 and x.name == "test"} >= {"success"}
    green = [x for x in s.pull_requests("acme/platform/api") if x.checks_green_at]
    assert len(green) == len(main) and r.requests / r.prs < 6.5
    # the last attempt decides: a retried job is green when its retry passed
    for x in green:
        own = [c for c in runs if c.pr == x.number]
        assert x.checks_green_at == max(c.completed_at for c in own)


@pytest.mark.parametrize("kind", ["429", "502", "timeout", "malformed", "drop"])
def test_faults_end_in_a_complete_store(fake, tmp_path, kind):
    waits = []
    fake.inject(kind, times=2, when="/merge_requests?")
    fake.inject(kind, times=1, when="/notes")
    s = Store(tmp_path / "s.sqlite")
    c = client(fake, timeout=1, progress=lambda p: waits.append((p.message, p.wait_left))
               if p.stage == "waiting" else None, sleep=lambda x: time.sleep(min(x, 0.01)))
    c.sync(s, "acme/platform/web")
    compare(s, fake.projects["acme/platform/web"])
    assert any(w > 0 for _, w in waits)  # every wait is reported with the time left
    if kind == "429":
        assert any("429" in m for m, _ in waits) and c.t.waited >= 3  # Retry-After: 1, obeyed


def test_a_spent_budget_is_waited_out_before_the_next_request(fake, tmp_path):
    """``RateLimit-Remaining: 0`` means the next request would be refused: the sync waits
    until ``RateLimit-Reset`` first, and says so, instead of spending a 429."""
    waits = []
    fake.rate_remaining = 3  # the third response says 0 left (then the window starts again)
    s = Store(tmp_path / "s.sqlite")
    c = client(fake, sleep=lambda x: None,
               progress=lambda p: waits.append(p.message) if p.stage == "waiting" else None)
    c.sync(s, "acme/platform/web")
    compare(s, fake.projects["acme/platform/web"])
    assert any("RateLimit-Remaining: 0" in m for m in waits) and c.t.waited > 0
    assert any("rate limit: 0 of 2,000" in w for w in c.warnings)


def test_a_long_retry_after_is_a_clear_error_not_a_silent_sleep(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    fake.inject("429", times=1, when="/merge_requests?")
    c = client(fake, max_wait=0.5, sleep=lambda x: None)
    with pytest.raises(GitLabRateLimited, match="asks to wait .* resumes"):
        c.sync(s, "acme/platform/web")
    assert s.sync_runs("acme/platform/web")[0]["status"] == "failed"


def test_kill_mid_sync_and_resume_without_duplicates(fake, tmp_path):
    ref = Store(tmp_path / "ref.sqlite")
    client(fake).sync(ref, "acme/widgets", checks=True)
    db = tmp_path / "killed.sqlite"
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from casestudy.sources.gitlab import GitLabClient
        from casestudy.store import Store
        GitLabClient({TOKEN!r}, base_url={fake.url!r}, per_page=20).sync(
            Store({str(db)!r}), "acme/widgets", checks=True)
    """)
    fake.delay = 0.004
    proc = subprocess.Popen([sys.executable, "-c", code])
    s = Store(db)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if s.count_prs("acme/widgets") >= 40:
                break
        except Exception:  # noqa: BLE001 - the child may be creating the schema
            pass
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    fake.delay = 0.0
    partial = s.count_prs("acme/widgets")
    assert 0 < partial < ref.count_prs("acme/widgets")
    assert s.sync_runs("acme/widgets")[0]["status"] in ("running", "abandoned")
    r = client(fake, per_page=20).sync(s, "acme/widgets", checks=True)
    assert r.prs == ref.count_prs("acme/widgets") - partial  # nothing read twice
    assert s.pull_requests("acme/widgets") == ref.pull_requests("acme/widgets")
    assert s.commits("acme/widgets") == ref.commits("acme/widgets")
    assert s.check_runs("acme/widgets") == ref.check_runs("acme/widgets")
    assert s.reviews("acme/widgets") == ref.reviews("acme/widgets")
    assert s.deployments("acme/widgets") == ref.deployments("acme/widgets")


def test_releases_and_tags_as_deployments(fake, tmp_path):
    s = Store(tmp_path / "s.sqlite")
    p = fake.projects["acme/platform/web"]
    r = client(fake).sync(s, "acme/platform/web", deployments="releases")
    assert r.deploy_source == "releases" and r.deployments == len(p.releases)
    t = client(fake).sync(s, "acme/platform/web", deployments="tags")
    names = {d.id for d in s.deployments("acme/platform/web")}
    assert t.deploy_source == "tags" and "v2.0.0-rc1" not in names  # pre-releases left out
    assert names == {x["name"] for x in p.tags} - {"v2.0.0-rc1"}


def test_private_project_belongs_to_its_account_and_is_refused_to_visitors(fake, tmp_path,
                                                                           monkeypatch):
    s = Store(tmp_path / "s.sqlite")
    with pytest.raises(GitLabError, match="not found"):  # another token cannot see it
        client(fake, token="glpat-other").sync(s, "acme/platform/secret")
    r = sync(s, SyncRequest(GITLAB.key, "acme/platform/secret", token=TOKEN,
                            base_url=fake.url))
    info = s.repo_info("acme/platform/secret")
    assert r.prs > 0 and info.account_key.startswith("t-")  # the token's, nobody else's
    assert "acme/platform/secret" not in s.repos(visible_to="")
    # the server's token reads a private project for a visitor only when the list names it
    # with an owner the visitor holds, on that instance
    other = Store(tmp_path / "o.sqlite")
    visitor = Visitor(("g-somebody",), signed_in=True)
    req = SyncRequest(GITLAB.key, "acme/platform/secret", token=TOKEN, base_url=fake.url,
                      visitor=visitor, server_token=True)
    with pytest.raises(GitLabError, match="not found"):
        sync(other, req)
    lst = tmp_path / "repos.toml"
    lst.write_text('[[repo]]\nname = "acme/platform"\nforge = "gitlab"\ngroup = true\n'
                   'base_url = "https://gitlab.elsewhere.example"\nowner = "group:eng"\n')
    monkeypatch.setenv("CASESTUDY_REPOS", str(lst))
    from casestudy.store.keys import parse_owner
    eng = Visitor(("p-someone", parse_owner("group:eng")), signed_in=True)
    with pytest.raises(GitLabError, match="not found"):  # listed for another host
        sync(other, SyncRequest(GITLAB.key, "acme/platform/secret", token=TOKEN,
                                base_url=fake.url, visitor=eng, server_token=True))
    lst.write_text(lst.read_text().replace("https://gitlab.elsewhere.example", fake.url))
    sync(other, SyncRequest(GITLAB.key, "acme/platform/secret", token=TOKEN,
                            base_url=fake.url, visitor=eng, server_token=True))
    assert other.repo_info("acme/platform/secret").account_key == parse_owner("group:eng")


def test_the_token_only_goes_to_configured_gitlab_urls(fake, monkeypatch):
    monkeypatch.setenv("CASESTUDY_GITLAB_URLS", fake.url)
    assert check_api_url(fake.url + "/api/v4", server_token=True, forge="gitlab") == fake.url
    with pytest.raises(SettingError, match="only sent to"):
        check_api_url("https://evil.example", server_token=True, forge="gitlab")
    monkeypatch.setenv("CASESTUDY_HOSTED", "1")
    with pytest.raises(SettingError, match="only talks to"):
        check_api_url("https://evil.example", server_token=False, forge="gitlab")
    # a page link outside the API is refused before any request carries the token
    t = Transport(TOKEN, fake.url)
    with pytest.raises(GitLabError, match="outside its API"):
        t.request(fake.url + "/api/v4x/projects")


def test_page_links_naming_another_host_are_asked_of_the_configured_one(fake, tmp_path):
    """An instance whose external URL differs (or a hostile one) names another host in its
    page links: the sync asks the configured instance instead, so the token goes nowhere
    else (``evil.invalid`` does not even resolve: asking it would fail the sync)."""
    fake.link_base = "http://evil.invalid:1"
    try:
        s = Store(tmp_path / "s.sqlite")
        c = client(fake, per_page=20)
        c.sync(s, "acme/platform/api")
    finally:
        fake.link_base = ""
    compare(s, fake.projects["acme/platform/api"])
    assert any("another host" in w for w in c.warnings)


def test_many_mrs_updated_at_the_same_second_are_each_read_once(tmp_path):
    """A bulk change gives more merge requests one update time than a page holds: the
    watermark cannot move, so the sync follows GitLab's page links through them, and a sync
    killed among them resumes there without reading any twice."""
    with FakeGitLab(tokens={TOKEN: set()}) as f:
        p = f.add(generate_project("acme/bulk", 40, seed=4))
        same = p.mrs[5]["updated_at"]
        for m in p.mrs[5:30]:
            m["updated_at"] = same
        s = Store(tmp_path / "s.sqlite")
        r = client(f, per_page=5).sync(s, "acme/bulk")
        compare(s, p)
        assert r.prs == len(s.pull_requests("acme/bulk"))
        # as if killed in the middle of the bulk: the watermark is that second, 7 read at it
        seen = sorted(m["iid"] for m in p.mrs[5:12] if m["target_branch"] == "main")
        cut = Store(tmp_path / "cut.sqlite")
        client(f, per_page=5).sync(cut, "acme/bulk")
        cut.set_cursor("acme/bulk", "mrs:main:seen", json.dumps(seen))
        cut.set_cursor("acme/bulk", "mrs:main:watermark",
                       iso(same))
        again = client(f, per_page=5).sync(cut, "acme/bulk")
        at_same = [m for m in p.mrs if m["updated_at"] == same and m["target_branch"] == "main"]
        assert again.prs == len(at_same) - len(seen) + sum(
            1 for m in p.mrs if m["updated_at"] > same and m["target_branch"] == "main")
        compare(cut, p)


def test_token_never_logged_or_in_errors(fake, tmp_path, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    s = Store(tmp_path / "s.sqlite")
    with pytest.raises(GitLabError) as exc:
        client(fake, token="glpat-wrong-secret").sync(s, "acme/widgets")
    assert "401" in str(exc.value)
    out = capsys.readouterr()
    for text in (str(exc.value), caplog.text, out.out, out.err):
        assert "glpat-wrong-secret" not in text


def test_names_notes_and_errors():
    assert parse_project("https://gitlab.com/acme/platform/api.git") == "acme/platform/api"
    assert parse_project("acme/widgets") == "acme/widgets"
    for bad in ("acme", "acme/../x", "acme/-/merge_requests", "a b/c"):
        with pytest.raises(GitLabError):
            parse_project(bad)
    with pytest.raises(GitLabError, match="no GitLab token"):
        GitLabClient(None)
    ghost = {"username": "ghost"}
    bot = {"username": "project_7_bot_1a2b", "bot": True}
    notes = [
        {"created_at": "2024-01-01T10:00:00Z", "author": {"username": "ann"}, "body": "x"},
        {"created_at": "2024-01-01T11:00:00Z", "author": bot, "system": True,
         "body": "approved this merge request"},
        {"created_at": "2024-01-01T12:00:00Z", "author": None, "body": "deleted user"},
        {"created_at": "2024-01-01T13:00:00Z", "author": ghost, "system": True,
         "body": "approved this merge request"},
    ]
    nt = note_times("ann", 1704103200, notes)
    assert (nt.responder, nt.first_response_at) == ("ghost", 1704110400)
    assert nt.first_approval_at == nt.last_approval_at == 1704114000 and nt.discussion == 1


def test_sync_all_syncs_a_group_and_cli_sync_gitlab(fake, tmp_path):
    lst = tmp_path / "repos.toml"
    lst.write_text(f'[[repo]]\nname = "acme/platform"\nforge = "gitlab"\ngroup = true\n'
                   f'base_url = "{fake.url}"\nowner = "group:eng"\n\n'
                   f'[[repo]]\nname = "nobody/here"\nforge = "gitlab"\nbase_url = "{fake.url}"\n')
    db = tmp_path / "all.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GITLAB_TOKEN": TOKEN,
           "CASESTUDY_GITLAB_URLS": fake.url}
    r = subprocess.run([sys.executable, "-m", "casestudy", "sync-all", str(lst), "--db", str(db)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1, r.stderr  # one entry failed, the group's projects did not
    assert "synced 3 of 4 repositories; failed: nobody/here" in r.stdout
    for name in ("api", "web", "secret"):
        assert f"acme/platform/{name}: " in r.stdout and "merge requests with" in r.stdout
    s = Store(db)
    assert {"acme/platform/api", "acme/platform/web", "acme/platform/secret"} <= set(s.repos())
    assert s.repo_info("acme/platform/secret").account_key.startswith("g-")
    assert s.repo_info("acme/platform/api").account_key == ""
    assert TOKEN not in r.stdout + r.stderr

    cli = subprocess.run([sys.executable, "-m", "casestudy", "sync-gitlab", "acme/widgets",
                          "--base-url", fake.url, "--db", str(db)],
                         capture_output=True, text=True, env=env, timeout=120)
    assert cli.returncode == 0, cli.stderr
    assert "merge requests synced with" in cli.stdout and "per MR" in cli.stdout
    assert TOKEN not in cli.stdout + cli.stderr
    bad = subprocess.run([sys.executable, "-m", "casestudy", "sync", "--forge", "gitlab",
                          "acme/widgets", "--base-url", fake.url, "--db", str(db)],
                         capture_output=True,
                         text=True, env={**env, "GITLAB_TOKEN": "glpat-nope"}, timeout=60)
    assert bad.returncode == 1 and "401" in bad.stderr and "glpat-nope" not in bad.stderr


def test_the_report_says_merge_request_where_the_source_is_gitlab(fake, tmp_path):
    """The case study of a GitLab project speaks of merge requests and MRs — sentences,
    headings, tables, chart labels, definitions — while its data (titles, names) stays as
    read; the figures are the same as under GitHub's words."""
    import re

    from casestudy.render import render
    from casestudy.report.build import Options, build_case_study

    s = Store(tmp_path / "s.sqlite")
    client(fake).sync(s, "acme/widgets", checks=True)
    cs = build_case_study(s, Options("acme/widgets", min_n=5))
    assert (cs.change, cs.change_long) == ("MR", "merge request")
    for fmt in ("md", "html"):
        text = render(cs, fmt)
        said = re.findall(r".{30}\b(?:PRs?|[Pp]ull requests?)\b.{30}", text)
        assert not said, (fmt, said[:5])
        assert re.search(r"\bMRs\b", text) and "erge request" in text
        # an MR is !N (on GitLab #N is an issue), in sentences and in its links alike
        assert re.search(r"!\d+", text)
        assert not re.search(r"#\d+(?: “|</a>|\]\(| \(reverted)|reverted by #", text)
    titles = {p.title for refs in cs.notable_prs.values() for p in refs}
    assert titles <= {m["title"] for m in fake.projects["acme/widgets"].mrs}
    again = type(cs).from_json(cs.to_json())  # the words survive the JSON round trip
    assert again.change == "MR" and again.findings == cs.findings


def test_reword_keeps_other_words():
    from casestudy.change_words import reword

    text = ("Pull requests: 3 PRs (one PR's title: 'PRy'); a pull request waits; a PR; PROD; "
            "#12 “Fix PR #3” by @PR-bot, reverted by #15 (&#12;)")
    assert reword(text) == text
    assert reword(text, "MR", "merge request", "!") == (
        "Merge requests: 3 MRs (one MR's title: 'PRy'); a merge request waits; an MR; PROD; "
        "!12 “Fix PR #3” by @PR-bot, reverted by !15 (&#12;)")


def test_a_project_is_its_host_and_namespace(fake, tmp_path, monkeypatch):
    """The same path from another host is another project: on a hosted instance a GitLab
    sync never replaces a GitHub repository of the same name, and changes nothing."""
    from casestudy.store import RepoInfo, StoreError

    monkeypatch.setenv("CASESTUDY_HOSTED", "1")
    monkeypatch.setenv("CASESTUDY_GITLAB_URLS", fake.url)
    s = Store(tmp_path / "s.sqlite")
    s.upsert_repo(RepoInfo("acme/widgets", "github", host="api.github.com"))
    with pytest.raises(StoreError, match="another source"):
        sync(s, SyncRequest(GITLAB.key, "acme/widgets", token=TOKEN, base_url=fake.url))
    assert s.repo_info("acme/widgets").source == "github" and not s.count_prs("acme/widgets")
    r = sync(s, SyncRequest(GITLAB.key, "acme/platform/api", token=TOKEN, base_url=fake.url))
    assert r.repo == "acme/platform/api" and s.repo_info(r.repo).host == fake.url.split("//")[1]
