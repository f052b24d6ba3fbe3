"""Time the report: build the CaseStudy, draw the charts, render HTML and PDF
(three repositories, the demo data).

    python bench/report.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casestudy.render.html import chart_svgs, render_html, render_pdf  # noqa: E402
from casestudy.report.build import Options, build_case_study  # noqa: E402
from casestudy.sources.demo import build_demo  # noqa: E402
from casestudy.store import Store  # noqa: E402


def main() -> None:
    import os

    os.environ["CASESTUDY_CACHE"] = tempfile.mkdtemp()  # start with an empty chart cache
    store = Store(Path(tempfile.mkdtemp()) / "demo.sqlite")
    build_demo(store)
    opts = Options("demo/atlas", ("demo/borealis", "demo/cirrus"))
    build_case_study(store, opts)  # warm numba
    render_pdf(None, html="<p>warm up fonts</p>")
    for label in ("cold chart cache", "warm chart cache"):
        t0 = time.perf_counter()
        cs = build_case_study(store, opts)
        t1 = time.perf_counter()
        svgs = chart_svgs(cs)
        t2 = time.perf_counter()
        html = render_html(cs, svgs=svgs)
        t3 = time.perf_counter()
        pdf = render_pdf(cs, html=html)
        t4 = time.perf_counter()
        print(f"{label}: case study {t1 - t0:.2f} s, {len(svgs)} charts {t2 - t1:.2f} s, "
              f"HTML {t3 - t2:.2f} s, PDF {t4 - t3:.2f} s; charts+HTML+PDF {t4 - t1:.2f} s; "
              f"PDF {len(pdf) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
