"""Names held per owner (issue 26, finding 16): whether another account's private repository
of a name exists changes nothing a visitor can observe. Account A holds a private
``acme/secret`` (synced by the operator for Alice under its plain name, or by Alice herself in
the app); visitors who cannot see it upload, import, clone and sync ``acme/secret``, and every
outcome — messages, refusals, the keys their repositories are filed under, what they see
afterwards — is compared, byte for byte, with the same steps on a store that holds no such
repository. Real parts: the fake GitHub on 127.0.0.1, real git clones, SQLite and a real
PostgreSQL server, the app's Data-page actions and the app itself in AppTest."""

from __future__ import annotations

import pytest

from casestudy.app.actions import import_uploads, read_clone, sync_github
from casestudy.source_kinds import GITHUB
from casestudy.sources.sync import SyncRequest, Visitor, sync
from casestudy.store import RepoInfo, Store, StoreError
from casestudy.store.keys import email_key, person_key, token_key
from casestudy.store.namespaces import shown
from tests import test_private_data as private
from tests.conftest import ROOT
from tests.test_git_dora import new_repo
from tests.test_private_data import ISSUER, _csv, _quiet

A, B = "token-of-a", "token-of-b"
ALICE = Visitor((person_key(ISSUER, "alice"), email_key("alice@example.com")), signed_in=True)
BOB = Visitor((person_key(ISSUER, "bob"),), signed_in=True)
CAROL = Visitor((person_key(ISSUER, "carol"),), signed_in=True)
DAVE = Visitor((person_key(ISSUER, "dave"),), signed_in=True)
ERIN = Visitor((person_key(ISSUER, "erin"),), signed_in=True)
ANON = Visitor()
fake, hosted = private.fake, private.hosted  # the fake GitHub and a hosted instance
OTHERS = {"bob": BOB, "carol": CAROL, "dave": DAVE, "erin": ERIN, "anon": ANON}


@pytest.fixture
def two_stores(request, tmp_path) -> tuple[str, str]:
    """Two fresh store locations on one engine (``engine`` parameter)."""
    if request.param == "sqlite":
        return str(tmp_path / "a.sqlite"), str(tmp_path / "b.sqlite")
    server = request.getfixturevalue("pg_server")
    return server.url(server.new_database()), server.url(server.new_database())


def _outcome(fn, *args, **kw) -> tuple[str, str]:
    """What the visitor is told: the Data page's messages, or the error's class and words."""
    try:
        return "ok", repr(fn(*args, **kw).messages)
    except Exception as exc:  # noqa: BLE001 - every refusal is compared, whatever its class
        return type(exc).__name__, str(exc)


def _others_act(s: Store, fake, tmp_path) -> list:
    """Every way a visitor who cannot see A's repository can name ``acme/secret``, and what
    each of them sees afterwards."""
    clone = new_repo(tmp_path, "clone")
    upload = [("pull_requests.csv", _csv("acme/secret", title="bob's", rows=3))]
    seen = [
        # signed out: no shared data on a hosted instance, the same refusal as for a free name
        _outcome(import_uploads, s, upload, "canonical tables", visitor=ANON),
        # the server's token reads no unlisted private repository for a visitor
        _outcome(sync_github, s, "acme/secret", "", fake.base_url, "auto", None, _quiet,
                 visitor=BOB),
        # Bob's own token reads it on GitHub: his own repository
        _outcome(sync_github, s, "acme/secret", B, fake.base_url, "auto", None, _quiet,
                 visitor=BOB),
        # Carol uploads tables private to her; Dave reads a clone under the name, private to
        # him; Erin adds shared data under the name
        _outcome(import_uploads, s, upload, "canonical tables", owner=CAROL.own_key,
                 visitor=CAROL),
        _outcome(read_clone, s, str(clone), "acme/secret", owner=DAVE.own_key, visitor=DAVE),
        _outcome(import_uploads, s, [("pull_requests.csv", _csv("acme/secret", "erin's", 2))],
                 "canonical tables", visitor=ERIN),
        # each of them again: their own repository, found through what they can see
        _outcome(sync_github, s, "acme/secret", B, fake.base_url, "auto", None, _quiet,
                 visitor=BOB),
        _outcome(import_uploads, s, upload, "canonical tables", owner=CAROL.own_key,
                 visitor=CAROL),
        _outcome(read_clone, s, str(clone), "acme/secret", owner=DAVE.own_key, visitor=DAVE),
        # a look-alike by case of a name they can see (Erin's shared one) is refused
        _outcome(import_uploads, s, [("pull_requests.csv", _csv("Acme/Secret"))],
                 "canonical tables", visitor=CAROL),
        # a sync entry's request, straight (a GitHub sync with Bob's token again, no owner)
        repr(sync(s, SyncRequest(GITHUB.key, "acme/secret", token=B, base_url=fake.base_url,
                                 visitor=BOB)).summary()),
    ]
    for who, v in OTHERS.items():
        keys = v.with_token(token_key(B)).keys if who == "bob" else v.keys
        key = s.named("acme/secret", keys)
        seen.append((who, [shown(r) for r in s.repos(visible_to=keys)], key,
                     [(p.number, p.title) for p in s.pull_requests(key)] if key else None))
    return seen


def _a_state(s: Store, key: str) -> tuple:
    info = s.repo_info(key)
    return (info.account_key, info.source, [(p.number, p.title, p.merged_at)
                                            for p in s.pull_requests(key)],
            len(s.deployments(key)), s.count_commits(key))


@pytest.mark.parametrize("two_stores", ["sqlite", "postgresql"], indirect=True)
@pytest.mark.parametrize("how", ["operator", "app"])
def test_a_hidden_private_repository_changes_nothing_another_visitor_sees(
        hosted, two_stores, how, tmp_path, monkeypatch):
    fake = hosted
    fake.tokens[A], fake.tokens[B] = {"acme/secret"}, {"acme/secret"}
    monkeypatch.setenv("CASESTUDY_GIT_ROOT", str(tmp_path))
    with_a, without = Store(two_stores[0]), Store(two_stores[1])
    if how == "operator":  # the command line's sync, private to Alice: filed under its name
        sync(with_a, SyncRequest(GITHUB.key, "acme/secret", token=A, base_url=fake.base_url,
                                 account_key=ALICE.keys[1]))
        a_key = "acme/secret"
    else:  # Alice's own sync in the app, with her token
        sync_github(with_a, "acme/secret", A, fake.base_url, "auto", None, _quiet,
                    visitor=ALICE)
        a_key = with_a.named("acme/secret", ALICE.with_token(token_key(A)).keys)
    assert with_a.repo_info(a_key).account_key in (ALICE.keys[1], token_key(A))
    before = _a_state(with_a, a_key)

    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    seen_with = _others_act(with_a, fake, tmp_path / "1")
    seen_without = _others_act(without, fake, tmp_path / "2")
    assert seen_with == seen_without  # byte for byte: nothing tells A's repository is there
    # and they did get their own repositories (or the refusals a free name gets)
    kinds = [o[0] for o in seen_with[:10]]
    assert kinds == ["StoreError", "GitHubRefused", "ok", "ok", "ok", "ok", "ok", "ok", "ok",
                     "StoreError"], seen_with[:10]
    assert "sign in" in seen_with[0][1] and "acme/secret: 20 PRs" in seen_with[2][1]
    views = {v[0]: v for v in seen_with[11:]}
    assert views["carol"][3] == [(1, "bob's"), (2, "bob's"), (3, "bob's")]
    assert views["anon"][3] == [(1, "erin's"), (2, "erin's")]  # Erin's shared data
    assert len({views[w][2] for w in ("bob", "carol", "dave", "erin")}) == 4  # four of them

    # A's data untouched, still private, still A's; A still finds hers first
    assert _a_state(with_a, a_key) == before
    a_keys = ALICE.keys if how == "operator" else ALICE.with_token(token_key(A)).keys
    assert with_a.named("acme/secret", a_keys) == a_key
    assert a_key not in with_a.repos(visible_to="")
    for v in OTHERS.values():
        assert a_key not in with_a.repos(visible_to=v.with_token(token_key(B)).keys)


@pytest.mark.parametrize("two_stores", ["sqlite"], indirect=True)
def test_the_app_shows_each_visitor_their_own_repository_by_its_name(hosted, two_stores,
                                                                    monkeypatch):
    from streamlit.testing.v1 import AppTest

    fake = hosted
    fake.tokens[A], fake.tokens[B] = {"acme/secret"}, {"acme/secret"}
    s = Store(two_stores[0])
    sync(s, SyncRequest(GITHUB.key, "acme/secret", token=A, base_url=fake.base_url,
                        account_key=token_key(A)))
    sync_github(s, "acme/secret", B, fake.base_url, "auto", None, _quiet, visitor=BOB)
    bob_keys = BOB.with_token(token_key(B)).keys
    bob_key = s.named("acme/secret", bob_keys)
    assert bob_key != "acme/secret" and shown(bob_key) == "acme/secret"
    monkeypatch.setenv("CASESTUDY_DB", two_stores[0])
    titles = {}
    for who, key in (("a", token_key(A)), ("b", token_key(B))):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
        at.session_state["account_key"] = key
        at.query_params["repo"] = "acme/secret"
        at.run()
        assert not at.exception
        titles[who] = (at.title[0].value, at.sidebar.selectbox[0].value,
                       at.query_params.get("repo"))
        shown_text = " ".join(str(e.value) for e in [*at.title, *at.markdown, *at.caption,
                                                    *at.subheader])
        assert "~" not in shown_text and "acme/secret" in shown_text  # the name, no tag
        if who == "b":  # the drill-down reads Bob's repository by its key
            at.switch_page("app_pages/pull_requests.py").run()
            assert not at.exception and at.title[0].value == "Pull requests"
            rows = at.dataframe[0].value if at.dataframe else None
            assert rows is None or len(rows) <= 20
    # each sees "acme/secret" — their own — and the URL names it without its key's tag
    assert titles["a"] == ("acme/secret", "acme/secret", "acme/secret")
    assert titles["b"][0] == "acme/secret" and titles["b"][2] == "acme/secret"
    assert titles["b"][1] == bob_key  # the selection is Bob's repository


def test_nobody_names_a_repository_with_a_tag(hosted, tmp_path, monkeypatch):
    """A tag is the store's, never typed: a file naming ``acme/x~<tag>`` (say, another
    visitor's key) is refused like any name GitHub would not allow, hosted or not, and so is
    the operator's."""
    s = Store(tmp_path / "s.sqlite")
    import_uploads(s, [("pull_requests.csv", _csv("acme/x"))], "canonical tables",
                   owner=CAROL.own_key, visitor=CAROL)
    carols = s.named("acme/x", CAROL.keys)
    assert shown(carols) == "acme/x" and carols != "acme/x"
    for hosted_mode in ("1", ""):
        monkeypatch.setenv("CASESTUDY_HOSTED", hosted_mode)
        for who, owner in ((BOB, BOB.own_key), (CAROL, CAROL.own_key), (ANON, "")):
            outcome = _outcome(import_uploads, s, [("pull_requests.csv", _csv(carols))],
                               "canonical tables", owner=owner, visitor=who)
            assert outcome[0] == "StoreError" and "not a repository name" in outcome[1]
    with pytest.raises(StoreError, match="not a repository name"):
        s.upsert_repo(RepoInfo(carols + "x", "import"))  # the operator's, straight
    assert s.repos() == [carols] and s.count_prs(carols) == 1
