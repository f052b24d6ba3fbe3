"""The app in a real headless Chromium (Debian chromium driven by Python playwright) against
``streamlit run`` on a free port: pages, period change, URL reload, PDF download, screenshots, a
team file uploaded on the Organisation page."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from casestudy import metrics
from casestudy.store import Store
from tests.conftest import CHROMIUM, ROOT
from tests.streamlit_server import streamlit_server, wait_ready

ARTIFACTS = ROOT / "test-artifacts" / "browser"
CAPTION = '[data-testid="stMain"] [data-testid="stCaptionContainer"]'

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]


@pytest.fixture(scope="module")
def server(demo_db, tmp_path_factory):
    env = {**os.environ, "CASESTUDY_DB": str(demo_db)}
    with streamlit_server(env, tmp_path_factory.mktemp("app") / "streamlit.log") as url:
        yield url


def test_pages_period_url_and_pdf(server, browser, tmp_path):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    page.goto(server, timeout=60_000)
    wait_ready(page)
    page.get_by_text("synthetic demo data").first.wait_for(timeout=60_000)
    assert page.locator("h1").first.inner_text().strip() == "demo/atlas"
    # one tile per metric of the registry
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(len(metrics.METRICS),
                                                                  timeout=60_000)
    page.locator(".vega-embed").first.wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    assert "repo=demo%2Fatlas" in page.url or "repo=demo/atlas" in page.url

    # switch pages through the navigation; the URL keeps the view
    for title, slug in (("Metrics", "metrics"), ("Compare", "compare"),
                        ("Pull requests", "pull_requests"), ("Recommendations",
                                                             "recommendations"),
                        ("CI insight", "ci"),
                        ("Data", "data"), ("Export", "export")):
        page.get_by_role("link", name=title).first.click()
        wait_ready(page, slug)
        page.screenshot(path=str(ARTIFACTS / f"{slug}.png"), full_page=True)
        if slug != "data":  # the URL keeps the view after a page switch
            page.wait_for_function("() => location.search.includes('repo=demo')",
                                   timeout=30_000)
        assert not page.locator('[data-testid="stException"]').count(), slug

    # change the period: From = 2025-01
    page.get_by_role("link", name="Overview").first.click()
    wait_ready(page)
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text="From")
    box.click()
    page.keyboard.type("2025-01")  # filter the (virtualised) option list, then pick
    page.get_by_role("option", name="2025-01", exact=True).click(timeout=30_000)
    wait_ready(page)
    page.wait_for_function("() => location.search.includes('start=2025-01')", timeout=60_000)
    shared = page.url
    expect(page.locator(CAPTION).first).to_contain_text("2025-01 to", timeout=60_000)

    # another person opens the copied URL and sees the same view
    other = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    other.goto(shared, timeout=60_000)
    wait_ready(other)
    expect(other.locator(CAPTION).first).to_contain_text("2025-01 to", timeout=60_000)
    other.context.close()

    # download the PDF of the current view
    page.get_by_role("link", name="Export").first.click()
    wait_ready(page)
    page.get_by_role("button", name="Make the PDF").click()  # made in the render pool
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_test_id("stDownloadButton").filter(has_text="PDF").click(timeout=120_000)
    target = tmp_path / "view.pdf"
    dl.value.save_as(target)
    assert target.read_bytes()[:5] == b"%PDF-"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True,
                              text=True).stdout
        assert "demo/atlas" in text and "2025-01" in text
    # Markdown and JSON are made when their button is clicked (deferred), for the same view
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_test_id("stDownloadButton").filter(has_text="JSON").click(timeout=60_000)
    doc = json.loads(Path(dl.value.path()).read_text())
    assert doc["subject"] == "demo/atlas" and doc["period_from"] == "2025-01"
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_test_id("stDownloadButton").filter(has_text="Markdown").click(timeout=60_000)
    md = Path(dl.value.path()).read_text()
    assert "demo/atlas" in md and "2025-01" in md
    ctx.close()


def _upload(page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    wait_ready(page)


def test_an_uploaded_team_file_gets_its_teams_and_a_bad_one_its_reason(server, browser,
                                                                      demo_db, tmp_path):
    """A team file uploaded on the Organisation page (AppTest cannot upload files): the
    teams of the uploaded file get their table, a bad file is refused with its reason, an
    oversized one before it is read."""
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
    expect(page.get_by_text("Per team")).to_have_count(0, timeout=60_000)  # the run ends

    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * (70 * 1024) + "\n")
    _upload(page, big)
    expect(page.locator('[data-testid="stAlert"]').first).to_contain_text(
        "larger than 64 KB", timeout=60_000)
    ctx.close()
