"""The chart disk cache under contention: many threads in several processes render, delete and
read the same cached chart at once, and every SVG anyone reads or gets back is the whole chart
(each writer has its own temporary file, renamed into place)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from casestudy.render.charts import to_svg, to_svg_cached
from tests import chart_cache_jobs as jobs


def test_concurrent_writers_and_readers_never_see_a_partial_svg(tmp_path):
    cache = str(tmp_path / "cache")
    expected = to_svg(jobs.chart())
    assert expected.rstrip().endswith("</svg>")
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(4, mp_context=spawn) as ex:
        futures = [ex.submit(jobs.hammer, cache, expected, 6, 25) for _ in range(4)]
        bad = [b for f in futures for b in f.result(timeout=600)]
    bad += jobs.hammer(cache, expected, 6, 25)  # and threads of this process alongside
    assert bad == []
    assert not list((tmp_path / "cache" / "charts").glob("*.tmp"))  # no temp file left over


def test_the_atomic_writer_under_many_processes_and_threads(tmp_path):
    """Large texts, no rendering: the writes themselves race as fast as they can."""
    path = str(tmp_path / "c.svg")
    texts = [f"<svg>{str(i) * 200_000}</svg>" for i in range(3)]
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(4, mp_context=spawn) as ex:
        futures = [ex.submit(jobs.write_and_read, path, texts, 150) for _ in range(8)]
        bad = [b for f in futures for b in f.result(timeout=600)]
    assert bad == []
    assert (tmp_path / "c.svg").read_text() in texts


def test_a_torn_file_from_an_older_version_is_rendered_again(tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path))
    c = jobs.chart()
    whole = to_svg_cached(c)
    (cached,) = (tmp_path / "charts").glob("*.svg")
    cached.write_text("")  # what the old shared ".tmp" name left behind about 2% of the time
    assert to_svg_cached(c) == whole
    assert cached.read_text() == whole
