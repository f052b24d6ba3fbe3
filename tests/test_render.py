"""Reports rendered for real and read back: Markdown, HTML (autoescape) and PDF (pdftotext,
pdfinfo, pdfdetach), including a hostile-data corpus."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from casestudy.render import render
from casestudy.render.fetcher import LockedFetcher
from casestudy.render.html import render_html, render_pdf
from casestudy.render.outline import headings
from casestudy.report.build import Options, build_case_study
from casestudy.store import Store
from tests.conftest import HOSTILE_TITLES


def section_titles(cs) -> list[str]:
    return [h.title for h in headings(cs)]

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils not installed (make test installs it)")


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def atlas(demo_store):
    return build_case_study(demo_store, Options("demo/atlas", ("demo/borealis", "demo/cirrus")))


@pytest.fixture(scope="module")
def evil(hostile_db):
    return build_case_study(Store(hostile_db), Options("evil/repo"))


@pytest.fixture(scope="module")
def atlas_pdf(atlas, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "atlas.pdf"
    path.write_bytes(render_pdf(atlas))
    return path


def pdftext(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_markdown_has_everything(atlas):
    md = render(atlas, "md")
    assert atlas.headline in md
    for title in section_titles(atlas):
        assert f"## {title}" in md
    assert "Synthetic demo data" in md
    f = atlas.finding("cycle_time")
    assert f.level_text in md and f"{f.n:,}" in md
    for r in atlas.recommendations:
        assert r.title in md


def test_html_autoescapes_the_j2_template(evil):
    html = render_html(evil)
    assert "<script" not in html.lower()
    assert "&lt;script&gt;" in html
    assert '<img src="file' not in html and "<link rel=\"attachment\"" not in html
    assert 'onmouseover="x"' not in html
    assert 'href="javascript:' not in html
    # the 10,000-character title is clipped for layout but shown as text
    assert "WWWW" in html and "W" * 1000 not in html


def test_hostile_markdown_stays_inert_in_a_real_markdown_renderer(evil):
    """The Markdown rendered by CommonMark with raw HTML enabled (the worst wiki): hostile titles,
    logins and labels show as text; no tag, javascript: or file: link comes alive."""
    from markdown_it import MarkdownIt

    md = render(evil, "md")
    out = MarkdownIt("commonmark", {"html": True}).render(md)
    low = out.lower()
    for live in ("<script", "<img", "<link", "<style", "<b onmouseover", "<i>bug"):
        assert live not in low, live
    assert 'href="javascript:' not in low and 'href="file:' not in low
    assert "&lt;script&gt;alert" in out  # shown, not run
    assert "[link](javascript:alert(2))" in out  # the literal text, not a link
    assert "مرحبا بالعالم" in out and "你好世界" in out and "🚀" in out
    assert "W" * 250 in out and "W" * 1000 not in out  # the 10,000-character title is capped
    ok_links = re.findall(r'href="([^"]+)"', out)
    assert ok_links and all(u.startswith("https://github.com/evil/repo/pull/") for u in ok_links)


@needs_poppler
def test_pdf_reads_back(atlas, atlas_pdf):
    text = words(pdftext(atlas_pdf))
    assert words(atlas.headline) in text
    for title in section_titles(atlas):
        assert title in text, title
    for metric in ("cycle_time", "first_response", "bugfix_share"):
        f = atlas.finding(metric)
        assert f.level_text in text and f"{f.n:,}" in text
    assert "Synthetic demo data" in text
    info = subprocess.run(["pdfinfo", str(atlas_pdf)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 8 <= pages <= 40
    assert "595.276 x 841.89" in info  # A4
    assert "Page 2 of" in text
    assert "Contents" in text
    # charts are embedded as SVG images (render.html.chart_images) and stay vector: their text
    # reads back, and the PDF holds no raster image
    assert "per stage (latest window)" in text
    images = subprocess.run(["pdfimages", "-list", str(atlas_pdf)], capture_output=True,
                            text=True, check=True).stdout.splitlines()
    assert len(images) == 2, images  # pdfimages' two header lines, no image rows


@needs_poppler
def test_letter_paper(atlas, tmp_path):
    p = tmp_path / "letter.pdf"
    p.write_bytes(render(atlas, "pdf", paper="Letter"))
    info = subprocess.run(["pdfinfo", str(p)], capture_output=True, text=True).stdout
    assert "612 x 792" in info


@needs_poppler
def test_hostile_pdf_shows_text_literally_and_embeds_nothing(evil, tmp_path):
    fetcher = LockedFetcher()
    p = tmp_path / "evil.pdf"
    p.write_bytes(render_pdf(evil, fetcher=fetcher))
    assert fetcher.refused == []  # nothing from the data even tried to load
    text = words(pdftext(p))
    shown = {t for refs in evil.notable_prs.values() for t in (r.title for r in refs)}
    assert shown
    for t in shown & set(HOSTILE_TITLES[:5]):
        assert words(t)[:40] in text
    assert "root:x:0:0" not in text
    detach = subprocess.run(["pdfdetach", "-list", str(p)], capture_output=True, text=True)
    assert detach.stdout.strip().startswith("0 embedded files")


@needs_poppler
def test_locked_fetcher_blocks_files_and_network(tmp_path):
    html = ('<html><body><p>hello</p><img src="file:///etc/passwd">'
            '<link rel="attachment" href="file:///etc/passwd">'
            '<div style="background:url(http://127.0.0.1:9/x.png)">x</div>'
            '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
            '</body></html>')
    fetcher = LockedFetcher()
    p = tmp_path / "raw.pdf"
    p.write_bytes(render_pdf(None, html=html, fetcher=fetcher))
    assert any(u.startswith("file:///etc/passwd") for u in fetcher.refused)
    assert any(u.startswith("http://127.0.0.1") for u in fetcher.refused)
    detach = subprocess.run(["pdfdetach", "-list", str(p)], capture_output=True, text=True)
    assert detach.stdout.strip().startswith("0 embedded files")
    assert "root:x" not in pdftext(p)


def test_cli_writes_every_format(demo_db, tmp_path):
    from tests.test_cli import run

    for fmt in ("md", "json", "html"):
        out = tmp_path / f"r.{fmt}"
        r = run("report", "demo/cirrus", "--peer", "demo/borealis", "--db", str(demo_db),
                "--from", "2025-01", "--to", "2025-12", "--out", str(out))
        assert r.returncode == 0, r.stderr
        assert out.stat().st_size > 1000
    r = run("report", "demo/cirrus", "--db", str(demo_db), "--format", "pdf")
    assert r.returncode == 2 and "--out" in r.stderr
    out = tmp_path / "r.pdf"  # laid out in parts by the render pool, joined, numbered
    r = run("report", "demo/cirrus", "--peer", "demo/borealis", "--db", str(demo_db),
            "--from", "2025-01", "--to", "2025-12", "--paper", "Letter", "--out", str(out))
    assert r.returncode == 0, r.stderr
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert "612 x 792" in info and pages > 10
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True).stdout
    assert f"Page 2 of {pages}" in text and f"Page {pages} of {pages}" in text
    r = run("report", "no/such", "--db", str(demo_db), "--format", "pdf", "--out", str(out))
    assert r.returncode == 1 and "not in the store" in r.stderr and "Traceback" not in r.stderr
    r = run("report", "no/such", "--db", str(demo_db))
    assert r.returncode == 1 and "not in the store" in r.stderr
    r = run("report", "demo/cirrus", "--db", str(demo_db), "--from", "spring")
    assert r.returncode == 2 and "YYYY-MM" in r.stderr
    r = run("report", "demo/cirrus", "--db", str(demo_db), "--tz", "Mars/Base")
    assert r.returncode == 2 and "time zone" in r.stderr
