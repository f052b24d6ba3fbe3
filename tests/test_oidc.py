"""Sign-in through OpenID Connect, end to end: ``streamlit run`` in hosted mode with an
``[auth]`` section pointing at a real (small) OIDC provider on 127.0.0.1, Debian chromium
driven by playwright clicking *Sign in*, typing who they are on the provider's page and coming
back signed in. A private repository synced by one signed-in person belongs to that identity
(or to a group the provider puts them in, for everyone in it): seen again after signing in from
a fresh browser, never by another person or a visitor, and not overwritable by another person's
sync even with a token that can read it."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import pytest

from casestudy.store import RepoInfo, Store
from casestudy.store.keys import group_key, legacy_person_keys, person_key
from tests.conftest import CHROMIUM
from tests.fakegithub.server import FakeGitHub, generate_repo
from tests.fakeoidc import FakeOIDC
from tests.streamlit_server import free_port, streamlit_server, wait_ready

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]

A, B = "token-of-alice", "token-of-bob"
SIDEBAR = '[data-testid="stSidebar"]'
SYNCED = re.compile(r"acme/secret: \d+ PRs with")
MALLORY = "alice@example.com#mallory"  # claims Alice's address, unverified, her own subject
TEAM_SYNCED = re.compile(r"acme/team: \d+ PRs with")


@pytest.fixture
def hosted_app(tmp_path, demo_db_copy):
    """(app URL, identity provider, fake GitHub, store path): a hosted instance with sign-in."""
    port = free_port()
    app_url = f"http://127.0.0.1:{port}"
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    groups = {"alice@example.com": ["acme-eng"], "carol@example.com": ["acme-eng", "ops"]}
    with FakeOIDC("casestudy", secrets.token_urlsafe(16), f"{app_url}/oauth2callback",
                  groups, unverified={MALLORY}) as idp, \
            FakeGitHub(tokens={A: {"acme/secret", "acme/team"}, B: {"acme/secret"}}) as gh:
        gh.add(generate_repo("acme", "secret", 12, seed=5)).private = True
        gh.add(generate_repo("acme", "team", 8, seed=6)).private = True
        (home / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "{idp.redirect_uri}"\n'
            f'cookie_secret = "{secrets.token_urlsafe(24)}"\n'
            f'client_id = "{idp.client_id}"\n'
            f'client_secret = "{idp.client_secret}"\n'
            f'server_metadata_url = "{idp.metadata_url}"\n')
        env = {k: v for k, v in os.environ.items() if k != "GITHUB_TOKEN"}
        env.update(HOME=str(home), CASESTUDY_HOSTED="1", CASESTUDY_DB=str(demo_db_copy),
                   CASESTUDY_API_URLS=gh.base_url, CASESTUDY_CACHE=str(tmp_path / "cache"))
        with streamlit_server(env, tmp_path / "streamlit.log", port) as url:
            yield url, idp, gh, demo_db_copy


def _open(browser, url: str):
    page = browser.new_context(viewport={"width": 1300, "height": 900}).new_page()
    page.goto(url, timeout=60_000)
    wait_ready(page)
    return page


def _sign_in(browser, app_url: str, idp: FakeOIDC, email: str, shown: str = ""):
    """A fresh browser (no cookies) signs in through the provider's page."""
    from playwright.sync_api import expect

    page = _open(browser, app_url)
    page.locator(SIDEBAR).get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{idp.issuer}/authorize*", timeout=60_000)
    page.fill("#email", email)
    page.click("#continue")
    page.wait_for_url(f"{app_url}/**", timeout=60_000)
    wait_ready(page)
    expect(page.locator(SIDEBAR)).to_contain_text(f"Signed in as {shown or email}",
                                                  timeout=60_000)
    return page


def _title_for(page, app_url: str, repo: str) -> str:
    page.goto(f"{app_url}/?repo={repo}", timeout=60_000)
    wait_ready(page)
    page.locator("h1").first.wait_for(timeout=180_000)  # a cold report compiles the core
    return page.locator("h1").first.inner_text().strip()


def _success(page, pattern: re.Pattern):
    """The success message of a finished sync (the status box may still show it too)."""
    return page.get_by_test_id("stAlertContentSuccess").filter(has_text=pattern)


def _sync(page, app_url: str, repo: str, token: str, owner: str = "") -> None:
    page.goto(f"{app_url}/data", timeout=60_000)
    wait_ready(page)
    if owner:  # who the private data will belong to
        page.locator('[data-testid="stSelectbox"]').filter(
            has_text="Private data belongs to").click()
        page.get_by_role("option", name=owner, exact=True).click(timeout=30_000)
        wait_ready(page)
    form = page.get_by_role("tabpanel", name="🐙 GitHub")
    form.get_by_role("textbox", name="Repository").fill(repo)
    form.get_by_role("textbox", name="Token").fill(token)
    form.get_by_role("textbox", name="Token").press("Tab")
    form.get_by_role("button", name="Sync").click()
    wait_ready(page)


def test_private_repositories_belong_to_the_signed_in_identity(hosted_app, browser):
    from playwright.sync_api import expect

    app_url, idp, gh, db = hosted_app
    alice = _sign_in(browser, app_url, idp, "alice@example.com")
    _sync(alice, app_url, "acme/secret", A)
    expect(_success(alice, SYNCED)).to_be_visible(timeout=120_000)
    alice_key = person_key(idp.issuer, idp.subject("alice@example.com"))
    secret = Store(db).named("acme/secret", alice_key)  # filed under her key's tag
    assert f"acme/secret: {Store(db).count_prs(secret)} PRs" in _success(
        alice, SYNCED).inner_text()
    assert Store(db).repo_info(secret).account_key == alice_key
    assert _title_for(alice, app_url, "acme/secret") == "acme/secret"
    # ... and one for her group, which the provider says Carol is in too
    _sync(alice, app_url, "acme/team", A, owner="group acme-eng")
    expect(_success(alice, TEAM_SYNCED)).to_be_visible(timeout=120_000)
    team = Store(db).named("acme/team", group_key("acme-eng"))
    assert Store(db).repo_info(team).account_key == group_key("acme-eng")
    assert _title_for(alice, app_url, "acme/team") == "acme/team"

    # Alice again, from another browser with no cookies and no token typed: her identity
    # is the provider's, so her private repository is there
    again = _sign_in(browser, app_url, idp, "alice@example.com")
    assert _title_for(again, app_url, "acme/secret") == "acme/secret"

    # Bob, signed in: not by URL, not in the sidebar's list; his sync of the same name (with a
    # token GitHub lets read it) is his own repository, as if Alice's were not there, and
    # changes nothing of hers
    bob = _sign_in(browser, app_url, idp, "bob@example.com")
    assert _title_for(bob, app_url, "acme/secret") != "acme/secret"
    assert "acme/secret" not in bob.locator(SIDEBAR).inner_text()
    before = Store(db).count_prs(secret)
    _sync(bob, app_url, "acme/secret", B)
    expect(_success(bob, SYNCED)).to_be_visible(timeout=120_000)
    assert not bob.get_by_text("not yours").count()
    bob_key = person_key(idp.issuer, idp.subject("bob@example.com"))
    bobs = Store(db).named("acme/secret", bob_key)
    assert bobs not in ("", secret) and Store(db).repo_info(bobs).account_key == bob_key
    assert _title_for(bob, app_url, "acme/secret") == "acme/secret"  # his own, by its name
    assert Store(db).count_prs(secret) == before
    assert Store(db).repo_info(secret).account_key == alice_key

    assert _title_for(bob, app_url, "acme/team") != "acme/team"

    # Carol, in Alice's group: the group's repository, not Alice's own
    carol = _sign_in(browser, app_url, idp, "carol@example.com")
    assert _title_for(carol, app_url, "acme/team") == "acme/team"
    assert _title_for(carol, app_url, "acme/secret") != "acme/secret"

    # a visitor who did not sign in sees the public repositories only
    visitor = _open(browser, app_url)
    expect(visitor.locator(SIDEBAR).get_by_role("button", name="Sign in")).to_be_visible()
    assert _title_for(visitor, app_url, "acme/secret") != "acme/secret"
    assert _title_for(visitor, app_url, "acme/team") != "acme/team"

    # signing out ends it
    again.locator(SIDEBAR).get_by_role("button", name="Sign out").click()
    wait_ready(again)
    expect(again.locator(SIDEBAR).get_by_role("button", name="Sign in")).to_be_visible(
        timeout=60_000)
    assert _title_for(again, app_url, "acme/secret") != "acme/secret"

    # the app authenticated itself to the provider and used PKCE on every exchange
    assert [e.email for e in idp.exchanges] == ["alice@example.com", "alice@example.com",
                                                "bob@example.com", "carol@example.com"]
    assert all(e.client_ok and e.pkce_ok for e in idp.exchanges)
    assert gh.requests > 0


def test_an_unverified_email_is_nobodys_identity(hosted_app, browser):
    """Finding 5: a person is their provider's issuer and subject. Mallory's provider lets her
    set Alice's address without verifying it: she gets nothing of Alice's — not a repository
    kept under Alice's pre-namespace e-mail key — while Alice, whose address is verified,
    takes that repository over under her new key on first sign-in."""
    from dataclasses import replace

    app_url, idp, _gh, db = hosted_app
    s = Store(db)
    old_key = legacy_person_keys("alice@example.com", "", True)[0]  # hash of "oidc:<e-mail>"
    s.upsert_repo(RepoInfo("acme/legacy", "import", account_key=old_key))
    s.write_batch("acme/legacy", [replace(p, repo="acme/legacy")
                                  for p in s.pull_requests("demo/atlas")[:400]])
    assert "acme/legacy" not in s.repos(visible_to="")

    mallory = _sign_in(browser, app_url, idp, MALLORY, shown="Alice")
    assert _title_for(mallory, app_url, "acme/legacy") != "acme/legacy"
    assert "acme/legacy" not in mallory.locator(SIDEBAR).inner_text()
    assert Store(db).repo_info("acme/legacy").account_key == old_key  # not adopted by her

    alice = _sign_in(browser, app_url, idp, "alice@example.com")
    assert _title_for(alice, app_url, "acme/legacy") == "acme/legacy"
    alice_key = person_key(idp.issuer, idp.subject("alice@example.com"))
    assert Store(db).repo_info("acme/legacy").account_key == alice_key
    assert _title_for(mallory, app_url, "acme/legacy") != "acme/legacy"
    assert [e.email for e in idp.exchanges] == [MALLORY, "alice@example.com"]
