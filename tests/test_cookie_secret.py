"""One cookie secret for every app process behind the proxy (``compose.yaml`` runs app1–app3
behind Caddy): a visitor signed in through one process is signed in on another, because each
signs its cookies with the secret of ``$CASESTUDY_COOKIE_SECRET`` or the file
``$CASESTUDY_COOKIE_SECRET_FILE``. Real parts: the app as ``make run`` starts it, three times on
127.0.0.1, the fake OIDC provider, and Debian chromium (browsers share cookies across ports of
one host, as they do across the processes behind one proxy)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import pytest

from casestudy.config import SettingError, cookie_secret
from tests.conftest import CHROMIUM
from tests.fakeoidc import FakeOIDC
from tests.streamlit_server import streamlit_server, wait_ready
from tests.switch_proxy import SwitchProxy
from tests.test_oidc import SIDEBAR, _open, _sign_in


def test_the_secret_comes_from_the_environment_or_a_file(tmp_path, monkeypatch):
    monkeypatch.delenv("CASESTUDY_COOKIE_SECRET", raising=False)
    monkeypatch.delenv("CASESTUDY_COOKIE_SECRET_FILE", raising=False)
    assert cookie_secret() == ""  # none: each process makes up its own (Streamlit's default)
    secret = secrets.token_hex(32)
    (tmp_path / "secret").write_text(secret + "\n")
    monkeypatch.setenv("CASESTUDY_COOKIE_SECRET_FILE", str(tmp_path / "secret"))
    assert cookie_secret() == secret
    monkeypatch.setenv("CASESTUDY_COOKIE_SECRET", "e" * 40)  # the variable wins over the file
    assert cookie_secret() == "e" * 40
    monkeypatch.setenv("CASESTUDY_COOKIE_SECRET", "short-one")
    with pytest.raises(SettingError, match="at least 32") as err:
        cookie_secret()
    assert "short-one" not in str(err.value)
    monkeypatch.delenv("CASESTUDY_COOKIE_SECRET")
    for path in (tmp_path / "missing", tmp_path / "empty"):
        if path.name == "empty":
            path.write_text("\n")
        monkeypatch.setenv("CASESTUDY_COOKIE_SECRET_FILE", str(path))
        with pytest.raises(SettingError, match="CASESTUDY_COOKIE_SECRET_FILE"):
            cookie_secret()


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
def test_a_sign_in_through_one_process_holds_on_the_others(tmp_path, demo_db_copy, browser):
    """Three app processes behind one proxy (``tests/switch_proxy.py``, one origin as behind
    Caddy): the first two share the secret (one from the variable, one from the file), the
    third has another. A visitor signs in through the first; the proxy then sends them to the
    second (a restart, a lost sticky cookie), where they are still signed in, and to the third,
    where they are not."""
    from playwright.sync_api import expect

    shared, other = secrets.token_hex(32), secrets.token_hex(32)
    (tmp_path / "cookie_secret").write_text(shared + "\n")
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    proxy = SwitchProxy([])
    with FakeOIDC("casestudy", secrets.token_urlsafe(16), f"{proxy.url}/oauth2callback",
                  {}) as idp:
        # one secrets file for every process, with no cookie_secret of its own
        (home / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "{idp.redirect_uri}"\n'
            f'client_id = "{idp.client_id}"\n'
            f'client_secret = "{idp.client_secret}"\n'
            f'server_metadata_url = "{idp.metadata_url}"\n')
        env = {k: v for k, v in os.environ.items() if not k.startswith(
            ("CASESTUDY_COOKIE_SECRET", "STREAMLIT_SERVER_COOKIE_SECRET"))}
        env.update(HOME=str(home), CASESTUDY_HOSTED="1", CASESTUDY_DB=str(demo_db_copy),
                   CASESTUDY_CACHE=str(tmp_path / "cache"))
        envs = [dict(env, CASESTUDY_COOKIE_SECRET=shared),
                dict(env, CASESTUDY_COOKIE_SECRET_FILE=str(tmp_path / "cookie_secret")),
                dict(env, CASESTUDY_COOKIE_SECRET=other)]  # a process with another secret
        with contextlib.ExitStack() as stack:
            proxy.backends = [stack.enter_context(streamlit_server(e, tmp_path / f"app{i}.log"))
                              for i, e in enumerate(envs)]
            stack.enter_context(proxy)
            page = _sign_in(browser, proxy.url, idp, "alice@example.com")
            proxy.use(1)  # the same browser, its next page served by the second process
            page.goto(proxy.url, timeout=60_000)
            wait_ready(page)
            expect(page.locator(SIDEBAR)).to_contain_text("Signed in as alice@example.com",
                                                          timeout=60_000)
            fresh = _open(browser, proxy.url)  # nobody else is signed in there
            expect(fresh.locator(SIDEBAR).get_by_role("button", name="Sign in")).to_be_visible(
                timeout=60_000)
            proxy.use(2)  # her cookie means nothing to a process with another secret
            page.goto(proxy.url, timeout=60_000)
            wait_ready(page)
            expect(page.locator(SIDEBAR).get_by_role("button", name="Sign in")).to_be_visible(
                timeout=60_000)
    for i in range(3):  # the secret is never printed
        log = (tmp_path / f"app{i}.log").read_text()
        assert shared not in log and other not in log
