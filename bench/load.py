"""A bounded load test of the app on 127.0.0.1: start N ``streamlit run app.py`` processes on the
demo store, then drive visitor sessions over Streamlit's own websocket protocol (the messages a
browser sends: run this page, this button was clicked) for a fixed time, and time every page
until its script has finished sending it. Pages must really render: a run that shows an
exception or an error box, or draws fewer than a handful of elements, counts as failed.
Browsing sessions (``--browsers``) read a random report page every 1–3 s; exporting sessions
click "Make the PDF", wait for the download button, fetch the file over HTTP and check it is a
PDF, then do it again. Phases (``--phases 0,1``: no exporter, then one) run one after another on
the same warm processes, so the cost of an exporter is measured against the same background.

Sessions are spread over the processes as a sticky proxy would (each session keeps its
process); the proxy itself (Caddy in ``compose.yaml``) is not in the loop here.

    python bench/load.py [--processes 1] [--browsers 19] [--phases 0,1] [--seconds 60]
                         [--db PATH] [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BROWSE = ["overview", "metrics", "compare", "pull_requests", "recommendations", "rhythm",
          "people", "ci", "practices"]
REPOS = ["demo/atlas", "demo/borealis", "demo/cirrus"]
MIN_ELEMENTS = 5  # a page that draws fewer did not render
TIMEOUT = 600.0


def rss_mb(pids: list[int]) -> float:
    """Resident memory of the app processes (their render workers left out), in MB."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
            total += next((int(line.split()[1]) for line in f if line.startswith("VmRSS:")), 0)
    return total / 1024


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def servers(n: int, env: dict[str, str], logs: Path):
    """``n`` app processes on free ports of 127.0.0.1; yields their base URLs and process ids."""
    procs, urls = [], []
    try:
        for i in range(n):
            port = free_port()
            out = open(logs / f"server-{i}.log", "wb")  # noqa: SIM115 - closed with the process
            procs.append((subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                 "--server.port", str(port), "--server.address", "127.0.0.1",
                 "--server.headless", "true", "--browser.gatherUsageStats", "false"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT), out))
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            deadline = time.time() + 120
            while True:
                try:
                    urllib.request.urlopen(url + "/_stcore/health", timeout=2)
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError(f"{url} did not start") from None
                    time.sleep(0.5)
        yield urls, [proc.pid for proc, _out in procs]
    finally:
        for proc, _out in procs:
            proc.terminate()
        for proc, out in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
            out.close()


@dataclass
class Run:
    """What one script run sent back."""

    seconds: float
    elements: int = 0
    exception: str = ""
    errors: list[str] = field(default_factory=list)
    buttons: dict[str, str] = field(default_factory=dict)  # label -> widget id
    radios: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # label -> id, opts
    downloads: dict[str, str] = field(default_factory=dict)  # label -> media URL

    @property
    def ok(self) -> bool:
        return not self.exception and not self.errors and self.elements >= MIN_ELEMENTS


class Session:
    """One visitor: a websocket to one app process, as the browser keeps it."""

    def __init__(self, base: str, query: str):
        from websockets.sync.client import connect

        self.base, self.query = base, query
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(connect(
            base.replace("http", "ws", 1) + "/_stcore/stream", subprotocols=["streamlit"],
            max_size=None, open_timeout=60))

    def close(self) -> None:
        self._stack.close()

    def run(self, page: str, widgets: list | None = None) -> Run:
        """Run ``page`` (with these widget states) and read until the script has finished."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        msg.rerun_script.page_name = page
        if widgets:
            msg.rerun_script.widget_states.widgets.extend(widgets)
        t0 = time.perf_counter()
        self.ws.send(msg.SerializeToString())
        run = Run(0.0)
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=TIMEOUT))
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._read(fwd.delta.new_element, run)
            elif kind == "script_finished" and fwd.script_finished != \
                    ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                run.seconds = time.perf_counter() - t0
                return run

    @staticmethod
    def _read(el, run: Run) -> None:
        from streamlit.proto.Alert_pb2 import Alert

        kind = el.WhichOneof("type")
        run.elements += 1
        if kind == "exception":
            run.exception = el.exception.type or "exception"
        elif kind == "alert" and el.alert.format == Alert.ERROR:
            run.errors.append(el.alert.body)
        elif kind == "button":
            run.buttons[el.button.label] = el.button.id
        elif kind == "radio":
            run.radios[el.radio.label] = (el.radio.id, list(el.radio.options))
        elif kind == "download_button":
            run.downloads[el.download_button.label] = el.download_button.url


@dataclass
class Results:
    pages: list[float] = field(default_factory=list)  # seconds, pages of browsing sessions
    export_pages: list[float] = field(default_factory=list)
    pdfs: list[float] = field(default_factory=list)  # click → download offered
    failed_pages: list[str] = field(default_factory=list)
    failed_pdfs: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, attr: str, value) -> None:
        with self.lock:
            getattr(self, attr).append(value)


def browse(base: str, repo: str, seed: int, until: float, res: Results) -> None:
    rnd = random.Random(seed)
    s = Session(base, f"repo={repo}")
    try:
        while time.time() < until:
            page = rnd.choice(BROWSE)
            r = s.run(page)
            if r.ok:
                res.add("pages", r.seconds)
            else:
                res.add("failed_pages", f"{page}: {r.exception or r.errors[:1] or r.elements}")
            time.sleep(rnd.uniform(1.0, 3.0))  # the visitor reads the page
    finally:
        s.close()


def make_pdf(s: Session, paper: str) -> tuple[float, str]:
    """One PDF through the export page: choose the paper, click "Make the PDF", fetch the
    offered file. Returns (seconds from click to the download button, "" or what failed)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    first = s.run("export")
    radio_id, _ = first.radios["Paper"]
    paper_state = WidgetState(id=radio_id, string_value=paper)
    shown = s.run("export", [paper_state])  # the paper changed: the make button is back
    make = [i for label, i in shown.buttons.items() if "Make the PDF" in label]
    if not make:
        return 0.0, "no make button"
    click = s.run("export", [paper_state, WidgetState(id=make[0], trigger_value=True)])
    url = next((u for label, u in click.downloads.items() if "PDF" in label), "")
    if click.errors or click.exception or not url:
        return click.seconds, click.exception or "; ".join(click.errors) or "no download"
    body = urllib.request.urlopen(s.base + url, timeout=120).read()
    if body[:5] != b"%PDF-" or len(body) < 10_000:
        return click.seconds, f"not a PDF ({len(body)} bytes)"
    return click.seconds, ""


def export(base: str, repo: str, seed: int, until: float, res: Results) -> None:
    rnd = random.Random(seed)
    s = Session(base, f"repo={repo}")
    papers = ["Letter", "A4"]
    try:
        i = 0
        while time.time() < until:
            seconds, failure = make_pdf(s, papers[i % 2])
            i += 1
            if failure:
                res.add("failed_pdfs", failure)
            else:
                res.add("pdfs", seconds)
            time.sleep(rnd.uniform(1.0, 3.0))
    finally:
        s.close()


def warm(urls: list[str]) -> float:
    """Every page of every demo repository once per process, and one PDF per process (builds
    the case studies, starts the render workers): the measured minute is warm. The processes
    are warmed side by side."""

    def one(base: str) -> None:
        for repo in REPOS:
            s = Session(base, f"repo={repo}")
            for page in BROWSE + ["export"]:
                s.run(page)
            s.close()
        s = Session(base, f"repo={REPOS[0]}")
        make_pdf(s, "Letter")
        s.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=one, args=(base,)) for base in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def p(values: list[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def phase(urls: list[str], browsers: int, exporters: int, seconds: float) -> Results:
    """``browsers`` sessions reading pages and ``exporters`` making PDFs, for ``seconds``."""
    res = Results()
    until = time.time() + seconds
    threads = []
    for i in range(browsers + exporters):
        target = export if i < exporters else browse
        t = threading.Thread(target=target, args=(urls[i % len(urls)], REPOS[i % len(REPOS)],
                                                  i, until, res))
        t.start()
        threads.append(t)
        time.sleep(0.05)
    for t in threads:
        t.join()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--browsers", type=int, default=19, help="sessions that read pages")
    ap.add_argument("--phases", default="0,1",
                    help="exporting sessions in each phase, e.g. 0,1,0,1: the phases run one "
                         "after another on the same warm processes, each --seconds long")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--render-workers", type=int, default=None,
                    help="CASESTUDY_RENDER_WORKERS for each process (default: the app's)")
    ap.add_argument("--db", help="store to use (default: a fresh demo store)")
    ap.add_argument("--json", help="append the results, one JSON line per phase, to this file")
    a = ap.parse_args()
    phases = [int(x) for x in a.phases.split(",")]
    if not 1 <= a.browsers + max(phases) <= 50 or not 1 <= a.processes <= 8 \
            or not 0 < a.seconds <= 600 or min(phases) < 0 or len(phases) > 8:
        ap.error("bounded: 1-50 sessions, 1-8 processes, up to 600 s, up to 8 phases")
    tmp = Path(tempfile.mkdtemp(prefix="casestudy-load-"))
    db = a.db
    if not db:
        from casestudy.sources.demo import build_demo
        from casestudy.store import Store

        db = str(tmp / "demo.sqlite")
        build_demo(Store(db))
    env = dict(os.environ, CASESTUDY_DB=db, CASESTUDY_CACHE=str(tmp / "cache"),
               PYTHONPATH=str(ROOT))
    if a.render_workers:
        env["CASESTUDY_RENDER_WORKERS"] = str(a.render_workers)
    with servers(a.processes, env, tmp) as (urls, pids):
        warm_s = warm(urls)
        for n, exporters in enumerate(phases):
            load = os.getloadavg()[0]
            res = phase(urls, a.browsers, exporters, a.seconds)
            out = {"processes": a.processes, "phase": n, "browsers": a.browsers,
                   "exporters": exporters, "seconds": a.seconds,
                   "render_workers": a.render_workers or "default",
                   "warmup_s": round(warm_s, 1), "pages": len(res.pages),
                   "page_p50": p(res.pages, 50), "page_p95": p(res.pages, 95),
                   "pdfs": len(res.pdfs), "pdf_p50": p(res.pdfs, 50),
                   "pdf_p95": p(res.pdfs, 95), "pdf_max": max(res.pdfs, default=None),
                   "failed_pages": len(res.failed_pages), "failed_pdfs": len(res.failed_pdfs),
                   "failures": (res.failed_pages + res.failed_pdfs)[:5],
                   "cpus": os.cpu_count(), "load_1min_before": load,
                   "load_1min_after": os.getloadavg()[0], "rss_mb": rss_mb(pids)}
            print(json.dumps({k: round(v, 2) if isinstance(v, float) else v
                              for k, v in out.items()}), flush=True)
            if a.json:
                with open(a.json, "a") as f:
                    f.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
