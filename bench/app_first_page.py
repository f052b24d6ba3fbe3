"""The app's first page on a fresh server (issue 31): ``python -m casestudy.app.serve`` (what
``make run`` starts) and plain ``streamlit run app.py``, on the demo store. Once
``/_stcore/health`` answers, a headless Chromium opens the app and the clock runs until the
overview shows its metric tiles and its first chart. Each run starts a new server (nothing
cached in the process; the numba and array caches on disk are as a user's are after
``make run``).

    python bench/app_first_page.py [--db PATH] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


COMMANDS = {"serve": ["-m", "casestudy.app.serve"],  # what `make run` and the image start
            "streamlit run": ["-m", "streamlit", "run", str(ROOT / "app.py")]}


def one_run(db: str, browser, how: str) -> tuple[float, float]:
    """(seconds until healthy, seconds from opening the page until the overview is drawn)."""
    port = _port()
    url = f"http://127.0.0.1:{port}"
    log = open(Path(tempfile.mkdtemp()) / "streamlit.log", "wb")  # noqa: SIM115
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *COMMANDS[how], "--server.port",
         str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env={**os.environ, "CASESTUDY_DB": db}, stdout=log, stderr=subprocess.STDOUT)
    try:
        while True:
            try:
                urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t0 > 120:
                    raise SystemExit("streamlit did not start") from None
                time.sleep(0.05)
        healthy = time.perf_counter() - t0
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        t1 = time.perf_counter()
        page.goto(url, timeout=120_000)
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=120_000)
        page.locator(".vega-embed").first.wait_for(timeout=120_000)
        drawn = time.perf_counter() - t1
        page.close()
        return healthy, drawn
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", help="store to use (default: a fresh demo store)")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    from playwright.sync_api import sync_playwright

    from casestudy.sources.demo import build_demo
    from casestudy.store import Store

    db = args.db
    if not db:
        db = str(Path(tempfile.mkdtemp()) / "demo.sqlite")
        build_demo(Store(db))
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        one_run(db, browser, "serve")  # warm the disk caches (numba, snapshots) like `make run`
        for how in COMMANDS:
            runs = [one_run(db, browser, how) for _ in range(args.runs)]
            for healthy, drawn in runs:
                print(f"{how}: healthy after {healthy:.2f} s; first page drawn {drawn:.2f} s "
                      "after opening it")
            print(f"{how}: first page best {min(d for _, d in runs):.2f} s, median "
                  f"{sorted(d for _, d in runs)[len(runs) // 2]:.2f} s")
        browser.close()


if __name__ == "__main__":
    main()
