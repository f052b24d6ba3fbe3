"""The render pool (``render.pool``) with real parts: real WeasyPrint PDFs made in spawned
worker processes and read back with pdftotext, a worker that dies once (retried on a fresh pool),
a job that always fails (one sentence for the visitor), concurrent exports, and the export page
through AppTest."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from streamlit.testing.v1 import AppTest

from casestudy.render import pool
from casestudy.report.build import Options, build_case_study
from tests import render_jobs
from tests.conftest import ROOT

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils not installed (make test installs it)")


@pytest.fixture(scope="module")
def atlas(demo_store):
    return build_case_study(demo_store, Options("demo/atlas", ("demo/borealis",)))


@pytest.fixture(autouse=True, scope="module")
def fresh_pool():
    pool.shutdown()
    yield
    pool.shutdown()


def pdftext(pdf: bytes, tmp_path, name: str = "r.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


@needs_poppler
def test_a_pdf_made_in_the_pool_reads_back(atlas, tmp_path):
    pdf = pool.render_pooled(atlas, "pdf", "Letter")
    assert pdf[:5] == b"%PDF-"
    text = pdftext(pdf, tmp_path)
    assert atlas.subject in text and atlas.headline[:40] in text
    assert atlas.definitions_hash in text


def test_html_is_made_in_the_pool_with_its_charts(atlas):
    html = pool.render_pooled(atlas, "html")
    assert atlas.subject in html and html.count("<svg") >= 3


@needs_poppler
def test_a_worker_that_dies_once_is_retried_and_the_pdf_arrives(atlas, tmp_path):
    marker = tmp_path / "crashed"
    pdf = pool.run(render_jobs.crash_once, str(marker), atlas.to_json(indent=None), "A4")
    assert marker.exists()  # the first attempt really ran and killed its worker
    assert atlas.subject in pdftext(pdf, tmp_path)
    # the pool that broke was replaced: the next export works without a retry
    assert pool.render_pooled(atlas, "pdf")[:5] == b"%PDF-"


@needs_poppler
def test_a_part_whose_worker_dies_is_retried_and_a_broken_pool_replaced(atlas, tmp_path):
    from casestudy.render.html import PAGE_MARGIN, chart_images, chart_svgs, render_html
    from casestudy.render.pdf_parts import render as render_parts
    from casestudy.render.pdf_parts import render_part

    html = render_html(atlas, "A4", chart_images(chart_svgs(atlas)))
    whole = pdftext(render_parts(html, "A4", PAGE_MARGIN), tmp_path, "whole.pdf")
    marker = tmp_path / "part-crashed"

    def first_part_dies(jobs):
        jobs = [(render_jobs.part_crash_once, (str(marker), args[0])) if fn is render_part
                and i == 0 else (fn, args) for i, (fn, args) in enumerate(jobs)]
        return pool.run_all(jobs)

    pdf = render_parts(html, "A4", PAGE_MARGIN, parts=2, run=first_part_dies)
    assert marker.exists() and pdftext(pdf, tmp_path, "parts.pdf") == whole
    # a worker dies between exports: the next export starts a fresh pool, not a failure
    with pytest.raises(pool.RenderFailed):
        pool.run(render_jobs.die)
    with pytest.raises(pool.RenderFailed):  # the pool it left is broken...
        pool.run_all([(render_jobs.die, ())])
    pool._executor().submit(render_jobs.die)  # ...or breaks as the export starts
    assert pdftext(pool.pdf_in_pool(atlas, "A4", html), tmp_path, "again.pdf") == whole


def test_a_job_that_always_fails_gives_one_sentence_after_one_retry(atlas, tmp_path):
    counter = tmp_path / "attempts"
    with pytest.raises(pool.RenderFailed) as err:
        pool.run(render_jobs.always_fail, str(counter), atlas.to_json(indent=None), "A4",
                 message=pool.FAILED["pdf"])
    assert len(counter.read_text().splitlines()) == 2  # tried, then retried once
    msg = str(err.value)
    assert msg == pool.FAILED["pdf"]
    assert msg.count(".") == 1 and "Error" not in msg and "/" not in msg


@needs_poppler
def test_concurrent_exports_all_succeed(atlas, tmp_path):
    """Four visitors export at once (the issue saw WeasyPrint's layout fail under concurrency):
    every PDF arrives whole."""
    with ThreadPoolExecutor(4) as ex:
        pdfs = list(ex.map(lambda _: pool.render_pooled(atlas, "pdf"), range(4)))
    for i, pdf in enumerate(pdfs):
        assert atlas.subject in pdftext(pdf, tmp_path, f"{i}.pdf")


def test_only_heavy_formats_go_to_the_pool(atlas):
    with pytest.raises(ValueError):
        pool.render_pooled(atlas, "md")


def test_the_pool_size_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("CASESTUDY_RENDER_WORKERS", "3")
    assert pool.workers() == 3
    monkeypatch.setenv("CASESTUDY_RENDER_WORKERS", "999")
    assert pool.workers() == 16
    monkeypatch.setenv("CASESTUDY_RENDER_WORKERS", "many")
    assert pool.workers() == pool.DEFAULT_WORKERS == 2


def test_a_hosted_process_renders_one_at_a_time_unless_told(monkeypatch):
    """Hosted, one render worker by default (it leaves a core to the pages: BENCHMARKS, Load);
    the operator's setting still wins."""
    monkeypatch.delenv("CASESTUDY_RENDER_WORKERS", raising=False)
    monkeypatch.setenv("CASESTUDY_HOSTED", "")
    assert pool.workers() == 2
    monkeypatch.setenv("CASESTUDY_HOSTED", "1")
    assert pool.workers() == 1
    monkeypatch.setenv("CASESTUDY_RENDER_WORKERS", "4")
    assert pool.workers() == 4


def export_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    return at.switch_page("app_pages/export.py").run()


@needs_poppler
def test_export_page_makes_the_pdf_then_offers_it(app_env, tmp_path):
    at = export_page()
    assert not at.exception
    assert [b.label for b in at.download_button] == ["⬇️ Markdown", "⬇️ JSON"]
    at.button(key="make_pdf").click().run()
    assert not at.exception and not at.error
    assert "⬇️ PDF" in [b.label for b in at.download_button]
    (_, pdf), = [v for k, v in at.session_state["exports_made"].items() if k == "pdf"]
    assert "demo/atlas" in pdftext(pdf, tmp_path)


def test_a_failed_export_shows_one_sentence(app_env, monkeypatch):
    """Each attempt may take 1 s: a PDF takes longer, so both attempts time out (a real
    failure of the pool, nothing patched) and the visitor reads one sentence, no traceback."""
    at = export_page()
    monkeypatch.setenv("CASESTUDY_RENDER_TIMEOUT", "0.01")
    at.button(key="make_pdf").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [pool.FAILED["pdf"]]
    assert "⬇️ PDF" not in [b.label for b in at.download_button]


def test_render_workers_run_at_a_lower_priority(atlas):
    """A worker reports its own niceness: above the page process's, so pages keep the CPU."""
    assert pool.run(os.nice, 0) >= min(19, os.nice(0) + pool.DEFAULT_NICE)


def test_workers_do_not_run_the_page_script_that_streamlit_made_main(tmp_path, monkeypatch):
    """Inside Streamlit ``__main__`` is the page script; a spawned worker would run it again
    (the whole app, in bare mode) before its first job. The pool starts workers without it."""
    import types

    script = tmp_path / "page.py"
    marker = tmp_path / "ran"
    script.write_text(f"import os\nopen({str(marker)!r}, 'w').write('ran')\n"
                      "os.environ['casestudy_marker_ran'] = '1'\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    pool.shutdown()
    monkeypatch.setitem(sys.modules, "__main__", page)
    try:
        main_file, ran = pool.run(render_jobs.main_module)
    finally:
        pool.shutdown()
    assert sys.modules["__main__"] is page  # given back to the caller
    assert (main_file, ran) == (None, False) and not marker.exists()
