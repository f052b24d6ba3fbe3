"""A team file uploaded on the Organisation page, in a real headless Chromium against a real
Streamlit server (AppTest cannot upload files): the teams of the uploaded file get their table,
a bad file is refused with its reason, an oversized one before it is read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from casestudy.store import Store
from tests.conftest import CHROMIUM
from tests.streamlit_server import streamlit_server, wait_ready

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    env = {**os.environ, "CASESTUDY_DB": str(demo_db)}
    env.pop("CASESTUDY_TEAMS", None)
    with streamlit_server(env, tmp_path_factory.mktemp("app") / "streamlit.log") as url:
        yield url


def _upload(page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    wait_ready(page)


def test_an_uploaded_team_file_gets_its_teams_and_a_bad_one_its_reason(server, browser,
                                                                      demo_db, tmp_path):
    from playwright.sync_api import expect

    repos = Store(demo_db).repos()
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.goto(server.rstrip("/") + "/organisation", timeout=60_000)
    wait_ready(page, "organisation")
    page.get_by_text("paste or upload a team file").click()
    wait_ready(page)
    assert page.get_by_text("Per team").count() == 0

    good = tmp_path / "teams.toml"
    good.write_text(f'[[team]]\nname = "platform"\nrepos = ["{repos[0]}", "{repos[1]}"]\n')
    _upload(page, good)
    page.get_by_text("Per team").first.wait_for(timeout=60_000)
    assert page.locator('[data-testid="stAlert"]').count() == 0

    bad = tmp_path / "bad.toml"
    bad.write_text('[[team]]\nname = "x"\nrepos = ["no/such"]\ncolour = "red"\n')
    _upload(page, bad)  # replaces the file before: one file at a time
    alert = page.locator('[data-testid="stAlert"]').first
    expect(alert).to_contain_text("unknown field colour", timeout=60_000)
    assert alert.inner_text().startswith("the uploaded team file")
    assert page.get_by_text("Per team").count() == 0

    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * (70 * 1024) + "\n")
    _upload(page, big)
    expect(page.locator('[data-testid="stAlert"]').first).to_contain_text(
        "larger than 64 KB", timeout=60_000)
    ctx.close()
