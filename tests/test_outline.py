"""One outline of the report: the Markdown, the HTML/PDF and the app's navigation all follow it,
and a report formats from its own document, so one read back from JSON renders the same even
when the live metric registry has changed since."""

from __future__ import annotations

import dataclasses
import re
from types import SimpleNamespace

import pytest

from casestudy import metrics
from casestudy.document import CaseStudy
from casestudy.render import escape, outline
from casestudy.render.html import TEMPLATES, chart_svgs, render_html
from casestudy.render.markdown import WRITERS, render_markdown
from casestudy.report.build import Options, build_case_study
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def atlas(demo_store) -> CaseStudy:
    return build_case_study(demo_store, Options("demo/atlas", ("demo/borealis", "demo/cirrus")))


@pytest.fixture(scope="module")
def live(atlas) -> tuple[str, str]:
    """The Markdown and HTML of the live document, rendered before anything is patched."""
    return render_markdown(atlas), render_html(atlas)


def _patch_the_registry(monkeypatch) -> None:
    """Another registry than the one the report was built with: metrics renamed, re-worded,
    in another unit and order, with other stages."""
    changed = tuple(dataclasses.replace(m, name=f"Renamed {m.name}", formula="another formula",
                                        explanation="other words", unit="widgets",
                                        kind="count", direction="higher", how=None)
                    for m in reversed(metrics.METRICS))
    monkeypatch.setattr(metrics, "METRICS", changed)
    monkeypatch.setattr(metrics, "BY_KEY", {m.key: m for m in changed})
    monkeypatch.setattr(metrics, "STAGES", ("review",))


def test_a_report_read_back_from_json_renders_the_same(atlas, live):
    again = CaseStudy.from_json(atlas.to_json())
    assert again == atlas
    assert render_markdown(again) == live[0]
    assert render_html(again) == live[1]


def test_it_formats_from_the_document_not_the_live_registry(atlas, live, monkeypatch):
    text = atlas.to_json()
    _patch_the_registry(monkeypatch)
    for cs in (CaseStudy.from_json(text), atlas):
        assert render_markdown(cs) == live[0]
        assert render_html(cs) == live[1]
    assert "Renamed" not in live[0] + live[1] and "widgets" not in live[0]


def test_definitions_carry_what_formatting_needs(atlas):
    d = atlas.definition("throughput")
    assert (d.key, d.kind, d.unit, d.n_of) == ("throughput", "count", "PRs", "merged PRs")
    assert d.format(70.0, "week") == "70 PRs/week"
    assert atlas.definition("cycle_time").format(5400.0) == "1.5 h"
    assert atlas.definition("cycle_time").working_hours
    assert not atlas.definition("time_to_restore").working_hours
    assert atlas.definition("deploy_frequency").counted
    assert [d.key for d in atlas.stages()] == list(metrics.STAGES)
    assert [d.key for d in atlas.definitions] == [m.key for m in metrics.METRICS]
    with pytest.raises(KeyError):
        atlas.definition("no_such_metric")


def test_every_section_has_its_writers_and_a_page_that_exists():
    keys = [s.key for s in outline.SECTIONS]
    assert len(set(keys)) == len(keys)
    generic = {s.key for s in outline.SECTIONS if s.content is not None}
    boxed = {outline.CANNOT_SHOW.key}  # what the data cannot show, in one box
    assert set(WRITERS) | generic == set(keys) | boxed
    templates = {p.name.removesuffix(".html.j2") for p in (TEMPLATES / "sections").iterdir()}
    assert templates - {"generic"} | generic == set(keys) | boxed
    pages = {p.key for p in outline.PAGES}
    assert {p.stem for p in (ROOT / "app_pages").glob("*.py")} == pages
    assert {s.page for s in outline.SECTIONS} - {""} <= pages
    assert [p.key for p in outline.PAGES if p.default] == ["overview"]
    assert outline.sections_on("recommendations") == [
        outline.section(k) for k in ("strengths", "weaknesses", "recommendations")]


def test_headings_anchors_and_contents_follow_the_outline(atlas, live):
    md, html = live
    heads = outline.headings(atlas)
    titles = [h.title for h in heads]
    assert titles[:3] == ["Executive summary", "Verdict", "Key figures"]
    assert re.findall(r"^## (.+)$", md, re.M)[1:] == titles  # after the headline
    # the metrics in detail, the definitions and the data completeness are appendices
    body, appendix = md.split("\n# Appendices\n")
    assert "## Cycle time" in appendix and "## Definitions" in appendix
    assert "## Cycle time" not in body and "## Key figures" in body
    assert html.count('<h1 class="appendices page-start" id="appendices"') == 1
    ids = re.findall(r'<h2 id="([^"]+)">', html)
    assert ids == [h.key for h in heads] and len(set(ids)) == len(ids)
    assert "metric-cycle_time" in ids and "ci" in ids  # derived from keys, not counted
    toc = re.findall(r'<li><a href="#([^"]+)">', html)
    assert toc == ids


def test_a_missing_section_shows_its_stand_in_everywhere(atlas):
    cs = dataclasses.replace(atlas, ci=None, ci_unavailable="No <b>CI</b> here.", people=None,
                             drivers=None)
    md = render_markdown(cs)
    # sections the data cannot fill collapse into one box at the end of the body
    assert "## CI insight" not in md and "## People" not in md
    box = md.split("## What this data cannot show, and how to get it\n\n")[1]
    box = box.split("# Appendices")[0]
    assert "- **CI insight**: No &lt;b&gt;CI&lt;/b&gt; here.\n" in box
    assert "- **People**: Not computed for this report.\n" in box
    assert "- **What drove the change**: Nothing to compare: no stage has a median" in box
    svgs = chart_svgs(cs)
    assert "ci/heatmap" not in svgs and "drivers/waterfall" not in svgs
    assert "verdict/stages" in svgs and "metric-cycle_time/trend" in svgs
    html = render_html(cs, svgs=svgs)
    assert '<h2 id="ci">' not in html
    assert "<li><strong>CI insight</strong>: No &lt;b&gt;CI&lt;/b&gt; here.</li>" in html


def test_the_escaper_keeps_hostile_text_inert():
    assert escape.esc("<script>alert(1)</script> [x](javascript:y)") == (
        "&lt;script&gt;alert\\(1\\)&lt;/script&gt; \\[x\\]\\(javascript:y\\)")
    assert escape.esc("W" * 500) == "W" * 299 + "…"
    assert escape.clip("a\n\n b", 400) == "a b"
    assert escape.code("a`b\nc") == "`a'b c`"
    assert escape.prose("1 < 2 & 'q'") == "1 &lt; 2 &amp; 'q'"
    assert escape.safe_url("https://github.com/o/r/pull/1") == "https://github.com/o/r/pull/1"
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "http://x.org/",
                'https://x.org/"onmouseover', None):
        assert escape.safe_url(bad) == ""


def test_a_plain_new_section_is_one_outline_entry(atlas, monkeypatch):
    """A section without a writer or template of its own is drawn from its content (text and a
    table) in Markdown, HTML and the contents, escaped like everything else."""
    part = SimpleNamespace(text="First <b>paragraph</b>.\n\nSecond one.",
                           headers=["Who", "How many"], rows=[["<script>x</script>", "3"]])
    extra = outline.Section("extra", "An extra section", content=lambda cs: part)
    monkeypatch.setattr(outline, "SECTIONS", (*outline.SECTIONS, extra))
    md = render_markdown(atlas)
    assert "## An extra section" in md
    assert "First &lt;b&gt;paragraph&lt;/b&gt;." in md and "Second one." in md
    assert "| Who | How many |" in md and "<script>" not in md
    html = render_html(atlas)
    assert '<h2 id="extra">An extra section</h2>' in html and 'href="#extra"' in html
    assert "<p>Second one.</p>" in html and "<td>&lt;script&gt;x&lt;/script&gt;</td>" in html
