"""Time every page of the app once warm, on the largest demo repository (AppTest, in process).

    python bench/app_pages.py [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["overview", "metrics", "compare", "pull_requests", "recommendations", "data", "export"]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", help="store to use (default: a fresh demo store)")
    args = p.parse_args()
    from streamlit.testing.v1 import AppTest

    from casestudy.sources.demo import build_demo
    from casestudy.store import Store

    db = args.db or str(Path(tempfile.mkdtemp()) / "demo.sqlite")
    if not args.db:
        build_demo(Store(db))
    os.environ["CASESTUDY_DB"] = db
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    t0 = time.perf_counter()
    at.run()
    cold = time.perf_counter() - t0
    print(f"first load (cold caches, builds the case study): {cold:.2f} s")
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()  # warm this page's caches
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
        assert not at.exception, at.exception
        print(f"{page:<16} warm render {min(times):.3f} s (best of 3)")


if __name__ == "__main__":
    main()
