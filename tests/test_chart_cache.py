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


def test_report_charts_are_cached_by_document_and_redrawn_when_it_changes(
        demo_store, tmp_path, monkeypatch):
    """``render.chart_cache``: the same document (whenever generated) reads every chart back
    without drawing; a changed number redraws the charts drawn from it."""
    import dataclasses

    from casestudy.render import chart_cache
    from casestudy.render.html import chart_svgs
    from casestudy.report.build import Options, build_case_study

    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path))
    cs = build_case_study(demo_store, Options("demo/atlas", ("demo/borealis",)))
    first = chart_svgs(cs)
    assert len(first) >= 10 and all(s.rstrip().endswith("</svg>") for s in first.values())

    drawn: list[str] = []
    real = chart_cache.svg_for

    def counting(doc, name, draw):
        return real(doc, name, lambda: drawn.append(name) or draw())

    monkeypatch.setattr(chart_cache, "svg_for", counting)
    later = dataclasses.replace(cs, generated_at="2099-01-01 00:00 UTC")
    assert chart_cache.document_key(later) == chart_cache.document_key(cs)
    assert chart_svgs(later) == first and drawn == []

    cycle = next(s for s in cs.series if s.metric == "cycle_time" and s.repo == "demo/atlas")
    point = next(p for p in reversed(cycle.points) if p.value is not None)
    bumped = dataclasses.replace(point, value=point.value * 50)
    series = [dataclasses.replace(s, points=[bumped if p is point else p for p in s.points])
              if s is cycle else s for s in cs.series]
    changed = dataclasses.replace(cs, series=series)
    assert chart_cache.document_key(changed) != chart_cache.document_key(cs)
    again = chart_svgs(changed)
    assert set(drawn) == set(first)  # every chart was drawn again from the new document...
    assert again["metric-cycle_time/trend"] != first["metric-cycle_time/trend"]
    assert again["metric-throughput/trend"] == first["metric-throughput/trend"]  # ...same SVG


def test_the_chart_folder_is_pruned_least_recently_used_first(tmp_path, monkeypatch):
    """Visitors trying options make new documents without end: past its limit the folder
    loses the charts used longest ago; reading a chart counts as using it."""
    import hashlib
    import os

    from casestudy.render import chart_cache

    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path))
    folder = tmp_path / "charts"
    folder.mkdir(parents=True)
    svg = "<svg>" + "x" * 994 + "</svg>"  # 1,000 bytes
    # the file svg_for would read for chart "trend" of document "d0", and nine others
    names = ["doc-" + hashlib.sha256(b"d0\ntrend").hexdigest()[:32]]
    names += [f"doc-{i:032x}" for i in range(1, 10)]
    for i, name in enumerate(names):
        (folder / f"{name}.svg").write_text(svg)
        os.utime(folder / f"{name}.svg", (1_000 + i, 1_000 + i))
    # the oldest is read again: the hit marks it used now, and nothing is drawn
    assert chart_cache.svg_for("d0", "trend", lambda: 1 / 0) == svg
    assert chart_cache.prune(limit=4_500) == 6
    assert sorted(p.stem for p in folder.glob("*.svg")) == sorted([names[0], *names[7:]])
    assert chart_cache.prune(limit=10_000) == 0
