"""The app as ``make run`` starts it (``python -m casestudy.app.serve``, which ends in
``streamlit run app.py``) on a free port of 127.0.0.1 for the browser tests, its output in a
file (a pipe nobody reads fills up and stalls the server), and the wait for a page to settle."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str], log: Path, port: int | None = None) -> Iterator[str]:
    """The app's URL while it runs; stopped (and killed if it lingers) on exit."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "casestudy.app.serve", "--server.port",
             str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 90
            while time.time() < deadline and proc.poll() is None:
                try:
                    urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            else:
                pytest.fail("streamlit did not start: " + log.read_text()[-2000:])
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)


# the app's root says whether a script run is in progress (Streamlit's own attribute)
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SETTLED = (
    "() => document.querySelector('" + IDLE.replace("'", "\\'") + "')"
    " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    " && !document.querySelector('[data-stale=\"true\"]')")


def wait_ready(page, path: str | None = None) -> None:
    """Wait until the app is drawn, its script run has finished and no element is stale —
    conditions, never a fixed sleep. With ``path``, first wait until the URL is that page's
    (a click on a page link changes the URL before the new run starts)."""
    if path is not None:
        page.wait_for_url(re.compile(rf"/{re.escape(path)}(\?|#|$)"), timeout=60_000)
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    page.wait_for_function(SETTLED, timeout=90_000)
