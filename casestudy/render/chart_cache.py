"""The printed report's charts, cached on disk by what they are drawn from: the case study
document (every field but the time it was generated) and the code that draws it (the chart and
outline modules' source, the Altair and vl-convert versions). A report whose numbers did not
change reads every chart's SVG back without building a single Altair chart or importing Altair
(0.6 s) — the demo's 22 charts took 0.7 s to build and hash before their cached SVG was read.
Files are written atomically (``config.write_atomically``); a chart not in the cache is drawn
through ``charts.to_svg_cached``, so a changed document that draws an unchanged chart still
reuses its SVG."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from ..document import CaseStudy


@functools.cache
def code_key() -> str:
    """What the drawing code is: the sources of the modules that draw and the versions of the
    libraries that render."""
    from ..config import code_fingerprint

    package = Path(__file__).resolve().parent.parent
    return code_fingerprint(
        [package / name for name in (
            "render/charts.py", "render/outline.py", "render/palette.py",
            "render/chart_cache.py", "document.py", "metrics.py", "metric_kinds.py",
            "core/periods.py")],  # the drawing code and what it formats with
        ("altair", "vl-convert-python", "pandas", "numpy"))


def document_key(cs: CaseStudy) -> str:
    """The document's identity for drawing: its dataclass repr (every number at full precision)
    without ``generated_at``, plus the code key."""
    doc = repr(dataclasses.replace(cs, generated_at=""))
    return hashlib.sha256((code_key() + doc).encode()).hexdigest()


def svg_for(doc_key: str, name: str, draw: Callable[[], object]) -> str:
    """The SVG of chart ``name`` of the document keyed ``doc_key``: from the cache, else drawn
    by ``draw()`` (an Altair chart) and stored."""
    from ..config import cache_dir, write_atomically

    key = hashlib.sha256(f"{doc_key}\n{name}".encode()).hexdigest()[:32]
    path = cache_dir("charts") / f"doc-{key}.svg"
    try:
        cached = path.read_text(encoding="utf-8")
        if cached.rstrip().endswith("</svg>"):
            with contextlib.suppress(OSError):
                os.utime(path)  # recently used: the last to be pruned
            return cached
    except OSError:
        pass
    from . import charts

    svg = charts.to_svg_cached(draw())
    write_atomically(path, svg)
    return svg


def limit_bytes() -> int:
    """The most the chart folder may hold (``$CASESTUDY_CHART_CACHE_MB``, default 200 MB)."""
    try:
        mb = float(os.environ.get("CASESTUDY_CHART_CACHE_MB", "").strip() or 200)
    except ValueError:
        mb = 200.0
    return int(max(mb, 1) * 2**20)


def prune(limit: int | None = None) -> int:
    """Delete the least recently used charts (documents' and specs' SVGs alike) until the
    folder holds at most ``limit`` bytes — visitors trying options on a hosted instance make
    new documents without end; returns the number of files deleted."""
    from ..config import cache_dir

    limit = limit_bytes() if limit is None else limit
    files = []
    for p in cache_dir("charts").glob("*.svg"):
        with contextlib.suppress(OSError):
            st = p.stat()
            files.append((st.st_mtime, st.st_size, p))
    total = sum(size for _, size, _ in files)
    gone = 0
    for _, size, p in sorted(files, key=lambda f: (f[0], str(f[2]))):
        if total <= limit:
            break
        with contextlib.suppress(OSError):
            p.unlink()
            gone += 1
        total -= size
    return gone
