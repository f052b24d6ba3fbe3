"""Private and shared data on a hosted instance, held against its own visitors (issue 26,
findings 1–5, 15 and 16). Real parts: the fake GitHub on 127.0.0.1 driven through PyGithub, the
command line and ``sync-all``, real SQLite and PostgreSQL stores, the synthetic demo store, real
git clones, the app's Data page in AppTest, and a real ``casestudy sync`` process killed with
SIGKILL. The sign-in itself (issuer + subject, unverified e-mails) is driven in Chromium against
the fake OIDC provider in ``tests/test_oidc.py``."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time

import pytest

from casestudy.app.actions import import_uploads, read_clone, sync_github
from casestudy.cli import main
from casestudy.source_kinds import GIT
from casestudy.sources.github import GitHubError
from casestudy.sources.sync import SyncRequest, Visitor, sync
from casestudy.store import RepoInfo, Store, StoreError
from casestudy.store.keys import (
    PREFIXES,
    email_key,
    group_key,
    legacy_person_keys,
    legacy_token_keys,
    person_key,
    token_key,
)
from casestudy.store.namespaces import shown
from tests.conftest import ROOT
from tests.fakegithub.server import FakeGitHub, generate_repo
from tests.test_git_dora import new_repo

SERVER, A, B = "server-token", "token-of-a", "token-of-b"
ISSUER = "https://login.example.org"
ALICE = Visitor((person_key(ISSUER, "alice"), email_key("alice@example.com"),
                 group_key("acme-eng")), signed_in=True)
BOB = Visitor((person_key(ISSUER, "bob"),), signed_in=True)
ANON = Visitor()
IDENTITY_TOKEN = "oidc:alice@example.com"  # a "token" spelled like Alice's old identity


def _quiet(_p) -> None:
    pass


@pytest.fixture
def fake():
    tokens = {SERVER: {"acme/secret", "acme/listed"}, A: {"acme/secret"}, B: {"acme/secret"},
              IDENTITY_TOKEN: set()}
    with FakeGitHub(tokens=tokens) as f:
        f.add(generate_repo("acme", "secret", 20, seed=2)).private = True
        f.add(generate_repo("acme", "listed", 15, seed=5)).private = True
        f.add(generate_repo("acme", "one", 15, seed=3))
        yield f


@pytest.fixture
def hosted(fake, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", SERVER)
    monkeypatch.setenv("CASESTUDY_API_URLS", fake.base_url)
    monkeypatch.setenv("CASESTUDY_HOSTED", "1")
    return fake


def _csv(repo: str, title: str = "taken over", rows: int = 1) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["repo", "number", "title", "merged_at"])
    w.writerows([repo, k, title, f"2024-01-{k:02d}T00:00:00Z"] for k in range(1, rows + 1))
    return out.getvalue().encode()


def _names(keys: list[str]) -> list[str]:
    """The names stored keys show (a hosted visitor's repository is filed under a tag)."""
    return [shown(k) for k in keys]


def _upload(store: Store, repo: str, owner: str = "", visitor: Visitor = ANON, **kw):
    return import_uploads(store, [("pull_requests.csv", _csv(repo, **kw))], "canonical tables",
                          owner=owner, visitor=visitor)


# -- finding 1 ------------------------------------------------------------------------------

def test_the_server_token_reads_no_private_repository_for_a_visitor_unless_listed(
        hosted, store_location, tmp_path, monkeypatch):
    s = Store(store_location)
    fake = hosted
    with pytest.raises(GitHubError) as missing:
        sync_github(s, "acme/nope", "", fake.base_url, "auto", None, _quiet, visitor=ALICE)
    revision = s.revision
    for who, owner in ((ALICE, ALICE.keys[0]), (ALICE, group_key("acme-eng")), (ANON, "")):
        with pytest.raises(GitHubError) as refused:
            sync_github(s, "acme/secret", "", fake.base_url, "auto", None, _quiet,
                        owner=owner, visitor=who)
        # the same words as for a repository that is not there: existence is not confirmed
        assert str(refused.value) == str(missing.value)
    assert "acme/secret" not in s.repos() and s.revision == revision
    assert not any("acme/secret" in str(r) for r in s.summary())

    # the operator's list names a private repository and its owner: members of that group may
    # sync it with the server's token, and it is theirs (the group's), nobody else's
    lst = tmp_path / "repos.toml"
    lst.write_text('[[repo]]\nname = "acme/listed"\nowner = "group:acme-eng"\n')
    monkeypatch.setenv("CASESTUDY_REPOS", str(lst))
    for who in (BOB, ANON):
        with pytest.raises(GitHubError) as refused:
            sync_github(s, "acme/listed", "", fake.base_url, "auto", None, _quiet, visitor=who)
        assert str(refused.value) == str(missing.value)
    out = sync_github(s, "acme/listed", "", fake.base_url, "auto", None, _quiet,
                      owner=ALICE.keys[0], visitor=ALICE)
    assert out.messages[0][0] == "success"
    listed = s.named("acme/listed", ALICE.keys)
    assert s.repo_info(listed).account_key == group_key("acme-eng")
    assert "acme/listed" not in _names(s.repos(visible_to=BOB.keys))
    assert "acme/listed" not in _names(s.repos(visible_to=""))
    with pytest.raises(GitHubError):  # still not the unlisted one
        sync_github(s, "acme/secret", "", fake.base_url, "auto", None, _quiet, visitor=ALICE)
    # a visitor's own token may read their private repository: it is theirs
    sync_github(s, "acme/secret", A, fake.base_url, "auto", None, _quiet)
    assert s.repo_info(s.named("acme/secret", token_key(A))).account_key == token_key(A)


def test_the_data_page_does_not_confirm_a_private_repository_to_a_signed_out_visitor(
        hosted, demo_db_copy, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("CASESTUDY_DB", str(demo_db_copy))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180).run()
    at.switch_page("app_pages/data.py").run()
    at.text_input(key="gh_repo").set_value("acme/secret")
    at.button[0].click().run()
    assert not at.exception
    assert not any("acme/secret" in m.value for m in at.success)
    assert any("not found" in e.value for e in at.error), [e.value for e in at.error]
    assert "acme/secret" not in Store(demo_db_copy).repos()


# -- finding 2 ------------------------------------------------------------------------------

def test_the_worker_and_the_cli_never_publish_a_private_repository(fake, store_location,
                                                                  tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", SERVER)
    monkeypatch.setenv("CASESTUDY_API_URLS", fake.base_url)
    db = ["--db", store_location, "--base-url", fake.base_url]
    assert main(["sync", "acme/secret", *db]) == 0
    assert main(["sync", "acme/listed", "--owner", "group:acme-eng", *db]) == 0
    assert main(["sync", "acme/one", "--owner", "bogus", *db]) == 2
    s = Store(store_location)
    assert s.repo_info("acme/secret").account_key == token_key(SERVER)  # no visitor holds it
    assert s.repo_info("acme/listed").account_key == group_key("acme-eng")
    assert s.repos(visible_to="") == []
    lst = tmp_path / "repos.toml"
    lst.write_text(f'[[repo]]\nname = "acme/secret"\nbase_url = "{fake.base_url}"\n'
                   f'[[repo]]\nname = "acme/listed"\nbase_url = "{fake.base_url}"\n'
                   'owner = "email:alice@example.com"\n'
                   f'[[repo]]\nname = "acme/one"\nbase_url = "{fake.base_url}"\n')
    assert main(["sync-all", str(lst), "--db", store_location]) == 0
    assert s.repo_info("acme/secret").account_key == token_key(SERVER)
    assert s.repo_info("acme/listed").account_key == email_key("alice@example.com")
    assert s.repos(visible_to="") == ["acme/one"]  # only the public repository is shared
    assert "acme/listed" in s.repos(visible_to=ALICE.keys)  # her verified address holds it
    bad = tmp_path / "bad.toml"
    bad.write_text('[[repo]]\nname = "acme/secret"\nowner = "everyone"\n')
    assert main(["sync-all", str(bad), "--db", store_location]) == 2


# -- finding 3 ------------------------------------------------------------------------------

def test_demo_data_is_read_only_for_visitors_and_the_operator(demo_db_copy, monkeypatch,
                                                             tmp_path):
    monkeypatch.setenv("CASESTUDY_HOSTED", "1")
    s = Store(demo_db_copy)
    title = s.pull_requests("demo/atlas", [1])[0].title
    deploys = len(s.deployments("demo/cirrus"))
    borealis = s.count_prs("demo/borealis")
    revision = s.revision
    with pytest.raises(StoreError, match="read-only"):
        _upload(s, "demo/atlas")
    with pytest.raises(StoreError, match="read-only"):
        import_uploads(s, [("pull_requests.csv", _csv("demo/cirrus")),
                           ("deployments.csv", b"repo,id,created_at\ndemo/cirrus,x,"
                                               b"2024-01-01T00:00:00Z\n")],
                       "canonical tables", visitor=ANON)
    with pytest.raises(StoreError, match="read-only"):
        _upload(s, "demo/borealis", owner=ALICE.keys[0], visitor=ALICE)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "pull_requests.csv").write_bytes(_csv("demo/atlas"))
    assert main(["import", str(tmp_path / "t"), "--db", str(demo_db_copy)]) == 1
    assert s.pull_requests("demo/atlas", [1])[0].title == title
    assert s.repo_info("demo/atlas").synthetic
    assert len(s.deployments("demo/cirrus")) == deploys
    assert s.count_prs("demo/borealis") == borealis
    assert s.repo_info("demo/borealis").account_key == ""
    assert s.revision == revision  # nobody's cached case study was invalidated


def test_shared_data_is_written_only_by_whoever_added_it(hosted, store_location, tmp_path,
                                                         monkeypatch):
    s = Store(store_location)
    with pytest.raises(StoreError, match="sign in"):  # hosted: no shared data from signed-out
        _upload(s, "acme/shared")
    assert s.repos() == []
    _upload(s, "acme/shared", visitor=ALICE, title="first", rows=3)  # shared by a signed-in
    [shared] = s.repos(visible_to="")
    assert shown(shared) == "acme/shared"
    revision = s.revision
    for who, owner in ((BOB, ""), (BOB, BOB.keys[0]), (ANON, "")):
        with pytest.raises(StoreError, match="not yours"):
            _upload(s, "acme/shared", owner=owner, visitor=who)
    monkeypatch.setenv("CASESTUDY_GIT_ROOT", str(tmp_path))
    with pytest.raises(StoreError, match="not yours"):
        read_clone(s, str(new_repo(tmp_path, "x")), "acme/shared", visitor=BOB)
    assert [p.title for p in s.pull_requests(shared)] == ["first"] * 3
    assert s.repo_info(shared).account_key == "" and s.revision == revision
    _upload(s, "acme/shared", visitor=ALICE, title="second", rows=3)  # her own: she may
    assert [p.title for p in s.pull_requests(shared)] == ["second"] * 3
    # a group's private repository: every member writes it, none takes it for themselves
    carol = Visitor((person_key(ISSUER, "carol"), group_key("acme-eng")), True)
    _upload(s, "acme/team", owner=group_key("acme-eng"), visitor=ALICE)
    _upload(s, "acme/team", owner=group_key("acme-eng"), visitor=carol, title="carol")
    with pytest.raises(StoreError, match="not yours"):
        _upload(s, "acme/team", owner=carol.keys[0], visitor=carol)
    team = s.named("acme/team", carol.keys)
    assert s.repo_info(team).account_key == group_key("acme-eng")
    assert [p.title for p in s.pull_requests(team)] == ["carol"]
    with pytest.raises(StoreError, match="only belong to you"):  # nobody else's key
        _upload(s, "acme/bobs", owner=BOB.keys[0], visitor=ALICE)


BAD_NAMES = ["a/" + "x" * 5000, "x/<img src=x onerror=alert(1)>", "acme/one\nacme/two",
             "acme/\u202eeno", "\u0430cme/one",  # a Cyrillic а
             "-acme/one", "acme/..", "acme", "ac--me/one", "a/b/c"]


def test_names_are_githubs(hosted, store_location, tmp_path):
    s = Store(store_location)
    _upload(s, "Acme/One", visitor=ALICE)
    clone = new_repo(tmp_path, "clone")
    for name in BAD_NAMES + ["acme/one"]:  # the last: a look-alike of Acme/One by case
        with pytest.raises(StoreError):
            _upload(s, name, visitor=ALICE)
        with pytest.raises((StoreError, GitHubError)):
            sync_github(s, name, A, hosted.base_url, "auto", None, _quiet, visitor=ALICE)
        with pytest.raises(StoreError):
            sync(s, SyncRequest(GIT.key, str(clone), repo=name, visitor=ALICE))
        assert main(["sync-git", str(clone), f"--repo={name}", "--db", store_location]) == 1
    assert _names(s.repos()) == ["Acme/One"]
    with pytest.raises(StoreError) as err:
        _upload(s, BAD_NAMES[1], visitor=ALICE)
    assert "<img" not in str(err.value) and len(str(err.value)) < 400


# -- finding 4 ------------------------------------------------------------------------------

def test_token_keys_and_identity_keys_never_collide(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_API_URLS", "https://api.github.com")
    monkeypatch.delenv("CASESTUDY_HOSTED", raising=False)
    keys = {token_key(IDENTITY_TOKEN), person_key(ISSUER, "alice"),
            email_key("alice@example.com"), group_key("alice@example.com"),
            *legacy_person_keys("alice@example.com", "", True)}
    assert len(keys) == 5
    assert {k[:2] for k in keys if k[:2] in PREFIXES} == set(PREFIXES)
    s = Store(tmp_path / "s.sqlite")
    old = legacy_person_keys("alice@example.com", "", True)[0]  # Alice's key before namespaces
    s.upsert_repo(RepoInfo("acme/alices", "import", account_key=old))
    s.upsert_repo(RepoInfo("acme/hers", "import", account_key=email_key("alice@example.com")))
    # unhosted, a visitor may send their own token anywhere: the fake GitHub takes this one
    out = sync_github(s, "acme/one", IDENTITY_TOKEN, fake.base_url, "auto", None, _quiet)
    assert out.account == token_key(IDENTITY_TOKEN)
    seen = s.repos(visible_to=out.account)
    assert "acme/alices" not in seen and "acme/hers" not in seen
    assert s.repo_info("acme/alices").account_key == old  # not adopted by the token
    assert legacy_token_keys(IDENTITY_TOKEN) == []
    # a real token's old key is its own: its repositories come along
    s.upsert_repo(RepoInfo("acme/mine", "import", account_key=legacy_token_keys(B)[0]))
    sync_github(s, "acme/secret", B, fake.base_url, "auto", None, _quiet)
    assert "acme/mine" in s.repos(visible_to=token_key(B))


# -- finding 5 ------------------------------------------------------------------------------

def _signed_in_options(user: dict) -> list[str]:
    """The repositories the app's sidebar offers a session signed in with these claims."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1/oauth2callback",
                          "cookie_secret": "x" * 32, "client_id": "casestudy",
                          "client_secret": "y" * 16,
                          "server_metadata_url": f"{ISSUER}/.well-known/openid-configuration"}
    at.user = dict(user, is_logged_in=True)
    at.run()
    assert not at.exception
    return list(at.sidebar.selectbox(key="w_repo").options)


def test_a_person_is_their_issuer_and_subject_and_an_unverified_email_is_nothing(
        demo_db_copy, monkeypatch):
    """The claims as the provider hands them to the app (AppTest's ``st.user``); the same
    through a real sign-in in Chromium: ``test_oidc.test_an_unverified_email_is_nobodys_...``."""
    from dataclasses import replace

    monkeypatch.setenv("CASESTUDY_DB", str(demo_db_copy))
    s = Store(demo_db_copy)
    prs = s.pull_requests("demo/atlas")[:300]
    for name, key in (("acme/by-email", email_key("alice@example.com")),
                      ("acme/by-person", person_key(ISSUER, "alice-sub"))):
        s.upsert_repo(RepoInfo(name, "import", account_key=key))
        s.write_batch(name, [replace(p, repo=name) for p in prs])
    mine = {"acme/by-email", "acme/by-person"}
    alice = {"iss": ISSUER, "sub": "alice-sub", "email": "alice@example.com",
             "email_verified": True}
    assert mine <= set(_signed_in_options(alice))
    # her address, unverified, with another subject; her subject at another issuer
    for other in ({**alice, "sub": "mallory", "email_verified": False},
                  {**alice, "sub": "mallory", "email_verified": "false"},
                  {**alice, "sub": "mallory", "email_verified": None},
                  {**alice, "iss": "https://evil.example", "email_verified": False}):
        assert not mine & set(_signed_in_options(other)), other
    # a verified address is hers wherever she signs in from; the person key is not
    elsewhere = {**alice, "iss": "https://other-idp.example", "sub": "a2"}
    assert set(_signed_in_options(elsewhere)) & mine == {"acme/by-email"}


# -- finding 16 -----------------------------------------------------------------------------

def test_a_name_held_privately_by_another_account_is_free_to_everyone_else(
        hosted, store_location, tmp_path, monkeypatch):
    """Names are held per owner (``store.namespaces``): a private repository of A's is not
    there for Bob, whose uploads, clones and syncs of the name make his own repositories; a
    name Bob can see (Alice's shared data) is refused as before. The byte-for-byte comparison
    with a store holding no such repository is ``test_names_per_owner``."""
    monkeypatch.setenv("CASESTUDY_GIT_ROOT", str(tmp_path))
    s = Store(store_location)
    sync_github(s, "acme/secret", A, hosted.base_url, "auto", None, _quiet)  # A's, private
    a_key = s.named("acme/secret", token_key(A))
    before = s.count_prs(a_key)
    _upload(s, "acme/carols", visitor=ALICE)  # shared, Alice's to write
    dave = Visitor((person_key(ISSUER, "dave"),), signed_in=True)
    out = [_upload(s, "acme/secret", owner=BOB.keys[0], visitor=BOB, rows=2).messages,
           read_clone(s, str(new_repo(tmp_path, "clone")), "acme/secret", owner=dave.keys[0],
                      visitor=dave).messages,
           sync_github(s, "acme/secret", B, hosted.base_url, "auto", None, _quiet).messages]
    assert [m[0][0] for m in out] == ["success"] * 3, out
    theirs = [s.named("acme/secret", k) for k in (BOB.keys, dave.keys, token_key(B))]
    assert len({a_key, *theirs}) == 4 and {shown(k) for k in theirs} == {"acme/secret"}
    assert s.repo_info(theirs[0]).account_key == BOB.keys[0]
    assert s.count_prs(theirs[0]) == 2 and s.count_prs(theirs[2]) == before
    assert s.count_prs(a_key) == before and s.repo_info(a_key).account_key == token_key(A)
    answers = []
    for who in (BOB, ANON):
        with pytest.raises(StoreError) as err:
            _upload(s, "acme/carols", visitor=who)
        answers.append(str(err.value))
    assert "not yours" in answers[0]


# -- finding 15 -----------------------------------------------------------------------------

def test_a_killed_sync_is_recognised_and_its_half_synced_repository_hidden(
        store_location, monkeypatch):
    with FakeGitHub(tokens={SERVER: set()}) as fake:
        repo = fake.add(generate_repo("acme", "widgets", 300, seed=9))
        into_main = sum(p["baseRefName"] == "main" for p in repo.prs)
        env = dict(os.environ, GITHUB_TOKEN=SERVER, PYTHONPATH=str(ROOT))
        args = ["sync", "acme/widgets", "--db", store_location, "--base-url", fake.base_url]
        fake.delay = 0.3
        proc = subprocess.Popen([sys.executable, "-m", "casestudy", *args], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        s = Store(store_location)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if s.count_prs("acme/widgets") >= 50:
                    break
            except Exception:  # noqa: BLE001 - the child may be creating the schema
                pass
            time.sleep(0.05)
        assert s.sync_runs("acme/widgets")[-1]["status"] == "running"  # alive: its lease holds
        assert "acme/widgets" not in s.repos(visible_to="")  # half-synced: shown to nobody
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        fake.delay = 0.0
        assert 0 < s.count_prs("acme/widgets") < into_main
        monkeypatch.setenv("CASESTUDY_SYNC_LEASE", "1")
        time.sleep(2.2)
        runs = s.sync_runs("acme/widgets")
        assert [r["status"] for r in runs] == ["abandoned"]
        assert "stopped without finishing" in runs[0]["message"] and runs[0]["finished_at"]
        assert "acme/widgets" not in s.repos(visible_to="")
        assert not any(r.repo == "acme/widgets" for r in s.summary(visible_to=""))
        monkeypatch.setenv("GITHUB_TOKEN", SERVER)
        assert main(args) == 0  # resumes
        assert [r["status"] for r in s.sync_runs("acme/widgets")] == ["abandoned", "ok"]
        assert s.count_prs("acme/widgets") == into_main
        assert "acme/widgets" in s.repos(visible_to="")


def test_the_demo_builder_is_the_one_writer_that_may_rebuild_demo_data(tmp_path):
    from casestudy.sources.demo import build_demo

    s = Store(tmp_path / "s.sqlite")
    first = build_demo(s)
    assert build_demo(s) == first  # the operator's `casestudy demo` rebuilds it in place
    with pytest.raises(StoreError, match="read-only"):
        s.upsert_repo(RepoInfo("demo/atlas", GIT.key))
