"""The printed report's charts, cached on disk by what they are drawn from: the case study
document (every field but the time it was generated) and the code that draws it (the chart and
outline modules' source, the Altair and vl-convert versions). A report whose numbers did not
change reads every chart's SVG back without building a single Altair chart or importing Altair
(0.6 s) — the demo's 22 charts took 0.7 s to build and hash before their cached SVG was read.
Files are written atomically (``charts._write_atomically``); a chart not in the cache is drawn
through ``charts.to_svg_cached``, so a changed document that draws an unchanged chart still
reuses its SVG."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from ..document import CaseStudy


@functools.cache
def code_key() -> str:
    """What the drawing code is: the sources of the modules that draw and the versions of the
    libraries that render."""
    h = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in ("charts.py", "outline.py", "palette.py", "chart_cache.py"):
        h.update((here / name).read_bytes())
    for dist in ("altair", "vl-convert-python", "vega-datasets"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{dist}=none".encode())
    return h.hexdigest()


def document_key(cs: CaseStudy) -> str:
    """The document's identity for drawing: its dataclass repr (every number at full precision)
    without ``generated_at``, plus the code key."""
    doc = repr(dataclasses.replace(cs, generated_at=""))
    return hashlib.sha256((code_key() + doc).encode()).hexdigest()


def svg_for(doc_key: str, name: str, draw: Callable[[], object]) -> str:
    """The SVG of chart ``name`` of the document keyed ``doc_key``: from the cache, else drawn
    by ``draw()`` (an Altair chart) and stored."""
    from ..config import cache_dir

    key = hashlib.sha256(f"{doc_key}\n{name}".encode()).hexdigest()[:32]
    path = cache_dir("charts") / f"doc-{key}.svg"
    try:
        cached = path.read_text(encoding="utf-8")
        if cached.rstrip().endswith("</svg>"):
            return cached
    except OSError:
        pass
    from . import charts

    svg = charts.to_svg_cached(draw())
    charts._write_atomically(path, svg)
    return svg
