"""The report's PDF laid out in parts, side by side, then joined (issue 31).

WeasyPrint lays a document out in one thread; the demo's 33 pages took 2.5–3 s of one core. The
report's HTML marks every place where a page break is forced anyway (``PAGE_START``: the
appendices, each appendix section), so it can be cut there into parts that paginate exactly as
the whole would. Each part is laid out and drawn by its own process (``render_part``), then
``join`` puts the pages together with pikepdf (qpdf): the outline (bookmarks) rebuilt from every
part, the links that cross parts added and every anchor kept as a named destination, and the page
numbers ("Page 4 of 33", which no part can know) laid over every page but the cover from one small
document of numbered empty pages (``page_numbers``).

With one process the parts are laid out one after another: the same pages, the same bytes of
text."""

from __future__ import annotations

import gc
import io
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

PAGE_START = "<!--casestudy:page-start-->"  # the template writes it before each forced break
_DATA_URL = re.compile(r"data:[^\"']*")
_SCALE = 0.75  # CSS px → PDF pt (WeasyPrint's own scale at zoom 1)
CHART_COST = 3000  # a chart costs about as much layout and drawing as 3,000 characters of text
# (fitted on the demo's 21 chunks laid out one by one, best of 3: 23 µs a character, 74 ms a chart)

# a job runner: [(function, args), …] → [result, …], each in some process, all at once
Runner = Callable[[Sequence[tuple[Callable[..., Any], tuple]]], list[Any]]


@dataclass
class PartLayout:
    """What one laid-out part hands back (picklable): its PDF, its page sizes in pt, its anchors
    and bookmarks (PDF coordinates, page index within the part) and the links to anchors it
    does not hold (they are in another part)."""

    pdf: bytes
    pages: int
    anchors: dict[str, tuple[int, float, float]] = field(default_factory=dict)
    bookmarks: list = field(default_factory=list)  # WeasyPrint's bookmark tree, pt coordinates
    foreign_links: list[tuple[int, tuple[float, float, float, float], str]] = field(
        default_factory=list)


def cost(html: str) -> int:
    """Rough layout-and-drawing cost of a piece of the report: characters outside ``data:``
    URLs, plus ``CHART_COST`` per chart image."""
    return len(_DATA_URL.sub("", html)) + CHART_COST * html.count("<img")


def split(html: str, parts: int) -> list[str]:
    """``html`` cut at its ``PAGE_START`` marks into at most ``parts`` documents of about equal
    cost, each with the whole ``<head>`` (styles, paper size). Contiguous, in order."""
    if parts <= 1 or PAGE_START not in html:
        return [html]
    head_end = html.index("<body")
    body_open = html.index(">", head_end) + 1
    body_close = html.rindex("</body>")
    head, body, tail = html[:body_open], html[body_open:body_close], html[body_close:]
    chunks = body.split(PAGE_START)
    costs = [cost(c) for c in chunks]
    groups = _balanced(costs, min(parts, len(chunks)))
    return [head + "".join(chunks[a:b]) + tail for a, b in groups]


def _balanced(costs: list[int], k: int) -> list[tuple[int, int]]:
    """Cut ``costs`` into ``k`` contiguous runs whose largest sum is smallest (exact: a few dozen
    chunks, so every cut is tried by dynamic programming)."""
    n = len(costs)
    prefix = [0]
    for c in costs:
        prefix.append(prefix[-1] + c)
    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(k + 1)]  # best[j][i]: first i chunks in j runs
    cut = [[0] * (n + 1) for _ in range(k + 1)]
    best[0][0] = 0
    for j in range(1, k + 1):
        for i in range(j, n + 1):
            for m in range(j - 1, i):
                worst = max(best[j - 1][m], prefix[i] - prefix[m])
                if worst < best[j][i]:
                    best[j][i], cut[j][i] = worst, m
    runs, i = [], n
    for j in range(k, 0, -1):
        runs.append((cut[j][i], i))
        i = cut[j][i]
    return runs[::-1]


class _NoForeignAnchor(logging.Filter):
    """A part's links to anchors in other parts are expected: WeasyPrint's complaint about
    each is dropped (``join`` adds those links)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("No anchor #")


def render_part(html: str, fetcher: Any = None) -> PartLayout:
    """Lay out and draw one part (in whatever process runs it)."""
    from weasyprint import HTML

    from .fetcher import LockedFetcher

    log = logging.getLogger("weasyprint")
    log.setLevel(logging.ERROR)
    quiet = _NoForeignAnchor()
    log.addFilter(quiet)
    # WeasyPrint allocates millions of short-lived objects; with a large heap around (the
    # store's arrays, the app's caches) the cyclic GC would rescan it repeatedly: ~20% slower.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        doc = HTML(string=html, base_url="about:blank",
                   url_fetcher=fetcher or LockedFetcher()).render()
        pdf = doc.write_pdf()
    finally:
        log.removeFilter(quiet)
        if was_enabled:
            gc.enable()
    anchors: dict[str, tuple[int, float, float]] = {}
    for i, page in enumerate(doc.pages):
        for name, (x, y, _, _) in page.anchors.items():
            anchors.setdefault(name, (i, x * _SCALE, (page.height - y) * _SCALE))
    foreign = []
    for i, page in enumerate(doc.pages):
        for kind, target, (x1, y1, x2, y2), _box in page.links:
            if kind == "internal" and target not in anchors:
                h = page.height
                foreign.append((i, (x1 * _SCALE, (h - y1) * _SCALE, x2 * _SCALE,
                                    (h - y2) * _SCALE), target))  # WeasyPrint's own order
    return PartLayout(pdf=pdf, pages=len(doc.pages), anchors=anchors,
                      bookmarks=doc.make_bookmark_tree(_SCALE, transform_pages=True),
                      foreign_links=foreign)


def page_numbers(paper: str, margin: str, total: int) -> bytes:
    """``total`` empty pages of ``paper`` whose footer says "Page N of TOTAL", the first page
    (the cover) left blank: laid over the joined parts. Kept on disk (``numbers_kept``): they
    depend only on the paper, the margin and the count, and cost 0.25 s to lay out."""
    from ..config import write_atomically

    pdf = _numbers_pdf(paper, margin, total)
    write_atomically(_numbers_path(paper, margin, total), pdf)
    return pdf


def _numbers_pdf(paper: str, margin: str, total: int) -> bytes:
    from weasyprint import HTML

    from .fetcher import LockedFetcher

    css = (f"@page {{ size: {paper}; margin: {margin}; @bottom-right {{ content: \"Page \" "
           "counter(page) \" of \" counter(pages); font-family: \"DejaVu Sans\", sans-serif; "
           "font-size: 8pt; color: #667; } } @page :first { @bottom-right { content: none; } }"
           " div { break-before: page; }")
    html = f"<html><head><style>{css}</style></head><body><p></p>{'<div></div>' * (total - 1)}"
    return HTML(string=html + "</body></html>", base_url="about:blank",
                url_fetcher=LockedFetcher()).write_pdf()


def _numbers_path(paper: str, margin: str, total: int):
    from pathlib import Path

    from ..config import cache_dir, code_fingerprint

    key = code_fingerprint([Path(__file__)], ("weasyprint",), seed=f"{paper}|{margin}|{total}")
    return cache_dir("pdf") / f"numbers-{key[:32]}.pdf"


def numbers_kept(paper: str, margin: str, total: int) -> bytes | None:
    """The page-number pages of an earlier PDF of the same paper, margin and page count (None
    when there is none, or it is not a whole PDF)."""
    try:
        pdf = _numbers_path(paper, margin, total).read_bytes()
    except OSError:
        return None
    return pdf if pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF") else None


def join(parts: list[PartLayout], numbers: bytes | None) -> bytes:
    """The parts' pages in order as one PDF: one outline, every anchor a named destination of
    the whole, links across parts restored, page numbers laid over."""
    import pikepdf

    opened = [pikepdf.open(io.BytesIO(p.pdf)) for p in parts]
    out = opened[0]
    for other in opened[1:]:
        out.pages.extend(other.pages)
    offsets, start = [], 0
    for p in parts:
        offsets.append(start)
        start += p.pages
    pages = out.pages
    # every anchor of every part (the first of a name wins, as WeasyPrint does)
    dests: dict[str, tuple[int, float, float]] = {}
    for off, p in zip(offsets, parts, strict=True):
        for name, (i, x, y) in p.anchors.items():
            dests.setdefault(name, (off + i, x, y))
    if len(parts) > 1:
        names = pikepdf.Array()
        for name in sorted(dests):
            i, x, y = dests[name]
            names.append(pikepdf.String(name))
            names.append(pikepdf.Array([pages[i].obj, pikepdf.Name.XYZ, x, y, 0]))
        if pikepdf.Name.Names not in out.Root:
            out.Root.Names = pikepdf.Dictionary()
        out.Root.Names.Dests = out.make_indirect(pikepdf.Dictionary(Names=names))
        for off, p in zip(offsets, parts, strict=True):
            for i, rect, target in p.foreign_links:
                if target not in dests:
                    continue
                link = out.make_indirect(pikepdf.Dictionary(
                    Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                    Rect=pikepdf.Array(list(rect)), BS=pikepdf.Dictionary(W=0),
                    Dest=pikepdf.String(target)))
                page = pages[off + i].obj
                if pikepdf.Name.Annots not in page:
                    page.Annots = pikepdf.Array()
                page.Annots.append(link)
        with out.open_outline() as outline:
            outline.root.clear()
            for off, p in zip(offsets, parts, strict=True):
                outline.root.extend(_outline_items(p.bookmarks, off))
    if numbers is not None:
        furniture = pikepdf.open(io.BytesIO(numbers))
        for page, overlay in zip(pages, furniture.pages, strict=True):
            page.add_overlay(overlay)
        opened.append(furniture)
    buf = io.BytesIO()
    out.save(buf)
    for pdf in opened:
        pdf.close()
    return buf.getvalue()


def _outline_items(tree: list, offset: int) -> list:
    """WeasyPrint's bookmark tree (label, (page, x, y), children, state) as pikepdf outline
    items, pages shifted by ``offset``."""
    import pikepdf

    items = []
    for label, (page, x, y), children, state in tree:
        item = pikepdf.OutlineItem(label, offset + page, "XYZ", left=x, top=y)
        item.children.extend(_outline_items(children, offset))
        item.is_closed = state == "closed"
        items.append(item)
    return items


def warm() -> None:
    """Import WeasyPrint and load its fonts (a worker, while the case study is being built)."""
    _numbers_pdf("A4", "10mm", 1)


def in_process(jobs: Sequence[tuple[Callable[..., Any], tuple]]) -> list[Any]:
    """The plain runner: every job here, one after another."""
    return [fn(*args) for fn, args in jobs]


def render(html: str, paper: str, margin: str, parts: int = 1, run: Runner = in_process,
           fetcher: Any = None) -> bytes:
    """The PDF of the report ``html``: cut into ``parts`` (see ``split``), each laid out by
    ``run`` (processes side by side, or ``in_process``), joined, numbered. A ``fetcher`` (tests:
    to see what was refused) forces the layout into this process."""
    pieces = split(html, parts)
    if fetcher is not None:
        layouts = [render_part(p, fetcher) for p in pieces]
        numbers = page_numbers(paper, margin, sum(p.pages for p in layouts))
    else:
        layouts = run([(render_part, (p,)) for p in pieces])
        total = sum(p.pages for p in layouts)
        numbers = numbers_kept(paper, margin, total) or \
            run([(page_numbers, (paper, margin, total))])[0]
    return join(layouts, numbers)
