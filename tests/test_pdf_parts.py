"""The PDF laid out in parts (``render.pdf_parts``) against the same report laid out whole:
real WeasyPrint, read back with pdftotext and pikepdf — the same pages and text, the same
outline, every link landing on the same page, page numbers on every page but the cover; and
the parts laid out side by side by the real render pool."""

from __future__ import annotations

import io
import itertools
import random
import re
import shutil
import subprocess

import pikepdf
import pytest

from casestudy.render import pdf_parts, pool
from casestudy.render.html import PAGE_MARGIN, chart_images, chart_svgs, render_html
from casestudy.report.build import Options, build_case_study

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils not installed (make test installs it)")


@pytest.fixture(scope="module")
def html(demo_store) -> str:
    cs = build_case_study(demo_store, Options("demo/atlas", ("demo/borealis", "demo/cirrus")))
    return render_html(cs, "A4", chart_images(chart_svgs(cs)))


@pytest.fixture(scope="module")
def whole(html) -> bytes:
    return pdf_parts.render(html, "A4", PAGE_MARGIN, parts=1)


@pytest.fixture(scope="module")
def in_three(html) -> bytes:
    return pdf_parts.render(html, "A4", PAGE_MARGIN, parts=3)


def pages_text(pdf: bytes, tmp_path) -> list[str]:
    path = tmp_path / "x.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return out.split("\f")[:-1]


def structure(pdf: bytes) -> tuple[dict, list, list]:
    """Named destinations (name → page), links (page, rectangle, target page or URL) and the
    outline (depth, title, page), read with pikepdf."""
    doc = pikepdf.open(io.BytesIO(pdf))
    index = {p.objgen: i for i, p in enumerate(doc.pages)}
    names = {str(k): index[v[0].objgen]
             for k, v in pikepdf.NameTree(doc.Root.Names.Dests).items()}
    links = []
    for i, page in enumerate(doc.pages):
        for a in page.get("/Annots", []):
            rect = tuple(round(float(x), 1) for x in a.Rect)
            if "/Dest" in a:
                links.append((i, rect, names[str(a.Dest)]))
            else:
                links.append((i, rect, str(a.A.URI)))
    with doc.open_outline() as outline:
        def walk(items, depth=0):
            for it in items:
                yield depth, it.title, index[it.destination[0].objgen]
                yield from walk(it.children, depth + 1)
        marks = list(walk(outline.root))
    return names, sorted(links), marks


def test_split_cuts_only_at_forced_page_breaks(html):
    parts = pdf_parts.split(html, 3)
    assert len(parts) == 3
    head = html[:html.index(">", html.index("<body")) + 1]
    assert all(p.startswith(head) and p.rstrip().endswith("</html>") for p in parts)
    bodies = [p[len(head):p.rindex("</body>")] for p in parts]
    assert "".join(bodies) == html[len(head):html.rindex("</body>")].replace(
        pdf_parts.PAGE_START, "")
    # every later part opens with an element that forces a page break anyway
    for b in bodies[1:]:
        assert re.match(r'\s*<(h1|div|section) class="[a-z ]*page-start', b)
    assert pdf_parts.split(html, 1) == [html]
    assert pdf_parts.split("<p>no marks</p>", 4) == ["<p>no marks</p>"]


def test_balanced_cuts_are_the_best_possible():
    rng = random.Random(31)
    for _ in range(200):
        costs = [rng.randint(1, 100) for _ in range(rng.randint(1, 9))]
        k = rng.randint(1, len(costs))
        runs = pdf_parts._balanced(costs, k)
        assert runs[0][0] == 0 and runs[-1][1] == len(costs) and len(runs) == k
        assert all(a < b for a, b in runs)
        assert all(r[1] == s[0] for r, s in zip(runs, runs[1:], strict=False))
        got = max(sum(costs[a:b]) for a, b in runs)
        best = min(max(sum(costs[a:b])
                       for a, b in zip((0, *cuts), (*cuts, len(costs)), strict=True))
                   for cuts in itertools.combinations(range(1, len(costs)), k - 1))
        assert got == best


@needs_poppler
def test_parts_give_the_same_pages_text_links_and_outline(whole, in_three, tmp_path):
    a, b = pages_text(whole, tmp_path), pages_text(in_three, tmp_path)
    assert len(a) == len(b) > 20
    assert a == b
    n = len(a)
    assert "Page 1 of" not in a[0] and "casestudy ·" not in a[0]  # the cover
    for i, text in enumerate(a[1:], start=2):
        assert f"Page {i} of {n}" in text
        assert "casestudy ·" in text
    names_a, links_a, outline_a = structure(whole)
    names_b, links_b, outline_b = structure(in_three)
    assert names_a == names_b and len(names_a) > 20
    assert links_a == links_b
    assert outline_a == outline_b and len(outline_a) > 20
    # the contents on the cover link to every section, the appendix's (another part) included
    toc = {target for page, _, target in links_b if page == 0}
    assert names_b["appendices"] in toc and names_b["metric-cycle_time"] in toc
    for page in (p for _, t, p in outline_b if t == "Definitions"):
        assert b[page].lstrip().startswith("Definitions")
    # a part that starts inside the appendix carries the running title
    later = [i for i, t in enumerate(b) if t.lstrip().startswith(("Cycle time", "Definitions"))]
    assert later and all("casestudy · Appendices" in b[i] for i in later)


@needs_poppler
def test_the_pool_lays_parts_out_side_by_side(html, whole, tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_RENDER_WORKERS", "2")
    pool.shutdown()
    try:
        pool.prestart()
        made = pool.pdf_in_pool(None, "A4", html)  # type: ignore[arg-type]
    finally:
        pool.shutdown()
    assert pages_text(made, tmp_path) == pages_text(whole, tmp_path)
    assert structure(made) == structure(whole)
