"""Where a report's time goes (issue 31). In process, warm (after one build): the case
study's build steps (load, core table, findings, each analysis section, facts, recommendations,
examples, summary, the document), then charts, HTML and PDF — each in seconds and as a share of
the whole. Then what a person waits for, from a fresh process: ``report --format json`` and
``--format pdf`` with warm caches (the case study kept from the last report, best of 3), built
again with the charts kept (``--rebuild``), and the first report after a sync (an empty cache
folder: no kept case study, charts or array snapshots). On the demo or on a store you name.

    python bench/report.py                                   # the demo, three repositories
    python bench/report.py --db /tmp/brew.sqlite --repo Homebrew/brew   # a large clone
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casestudy.render import pool  # noqa: E402
from casestudy.render.html import (  # noqa: E402
    chart_images,
    chart_svgs,
    render_html,
    render_pdf,
)
from casestudy.report import build  # noqa: E402
from casestudy.report.build import Options, build_case_study  # noqa: E402
from casestudy.sources.demo import build_demo  # noqa: E402
from casestudy.store import Store  # noqa: E402

# the build's steps, by the names build.py calls them (a name it no longer has is skipped)
STEPS = ("_load", "frame_for", "_table", "_findings", "analyse_ci", "rhythm_section",
         "people_section", "practice_section", "waits_section", "drivers", "work_pattern",
         "_facts", "recommend", "notable_prs", "executive", "waiting_for_release",
         "delivery_kind", "_document")
NESTED = {"_facts": ("compute_facts",)}  # steps whose time includes others' (not double counted)

spent: dict[str, float] = defaultdict(float)


def _timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - t0
    return wrapper


def _wall(db: str, repo: str, peers: tuple[str, ...], fmt: str, cache: str,
          rebuild: bool = False) -> float:
    """Seconds from starting ``casestudy report`` in a fresh interpreter until it exits."""
    out = Path(tempfile.mkdtemp()) / f"report.{fmt}"
    cmd = [sys.executable, "-m", "casestudy", "report", repo, "--db", db, "--format", fmt,
           "--out", str(out), *[a for p in peers for a in ("--peer", p)],
           *(["--rebuild"] if rebuild else [])]
    env = {**os.environ, "CASESTUDY_CACHE": cache,
           "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    return time.perf_counter() - t0


def fresh_processes(db: str, repo: str, peers: tuple[str, ...], pdf: bool) -> None:
    print("\nfrom a fresh process (wall seconds):")
    warm = tempfile.mkdtemp()
    for fmt in ("json", "pdf") if pdf else ("json",):
        _wall(db, repo, peers, fmt, warm)  # fills the caches
        runs = [_wall(db, repo, peers, fmt, warm) for _ in range(3)]
        built = [_wall(db, repo, peers, fmt, warm, rebuild=True) for _ in range(3)]
        cold = _wall(db, repo, peers, fmt, tempfile.mkdtemp())
        print(f"  report --format {fmt}: warm caches (the case study kept) {min(runs):.2f} s "
              f"(runs {', '.join(f'{r:.2f}' for r in runs)}); built again (--rebuild, charts "
              f"kept) {min(built):.2f} s (runs {', '.join(f'{r:.2f}' for r in built)}); "
              f"empty cache folder (the first report after a sync) {cold:.2f} s")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", help="a store (default: a fresh demo store)")
    p.add_argument("--repo", default="demo/atlas")
    p.add_argument("--peer", action="append", default=None)
    p.add_argument("--no-pdf", action="store_true")
    args = p.parse_args()
    db = args.db
    if db:
        store = Store(db)
        peers = tuple(args.peer or ())
    else:
        db = str(Path(tempfile.mkdtemp()) / "demo.sqlite")
        store = Store(db)
        build_demo(store)
        peers = tuple(args.peer or ("demo/borealis", "demo/cirrus"))
    for name in STEPS:
        if hasattr(build, name):
            setattr(build, name, _timed(name, getattr(build, name)))
    opts = Options(args.repo, peers)
    chart_svgs(build_case_study(store, opts))  # warm: numba, imports, vl-convert, caches
    if not args.no_pdf:
        render_pdf(None, html="<p>warm up fonts</p>")
    spent.clear()
    t0 = time.perf_counter()
    cs = build_case_study(store, opts)
    t1 = time.perf_counter()
    stages = dict(spent)
    stages["(build, between steps)"] = (t1 - t0) - sum(spent.values())
    svgs = chart_svgs(cs)
    t2 = time.perf_counter()
    render_html(cs, svgs=svgs)  # the HTML export
    t3 = time.perf_counter()
    stages.update({f"charts ({len(svgs)})": t2 - t1, "HTML": t3 - t2})
    if not args.no_pdf:
        html = render_html(cs, svgs=chart_images(svgs))
        render_pdf(cs, html=html)
        stages["PDF (one process)"] = time.perf_counter() - t3
        pool.prestart()
        pool.pdf_in_pool(cs, "A4", html)  # warm workers
        t4 = time.perf_counter()
        pool.pdf_in_pool(cs, "A4", html)
        parts_s = time.perf_counter() - t4
        pool.shutdown()
    total = sum(stages.values())
    if not args.no_pdf:  # not a stage of the sum: the same PDF, laid out in parts side by side
        print(f"PDF in {pool.workers()} parts by the render pool (warm workers): {parts_s:.2f} s "
              f"(one process: {stages['PDF (one process)']:.2f} s)")
    prs = sum(s.prs for s in store.summary() if s.repo in (args.repo, *peers))
    print(f"{args.repo} (+{len(peers)} peers, {prs:,} PRs): case study {t1 - t0:.3f} s, "
          f"everything {total:.2f} s")
    print(f"{'stage':<28}{'seconds':>9}{'share':>8}")
    for name, sec in sorted(stages.items(), key=lambda x: -x[1]):
        print(f"{name:<28}{sec:>9.3f}{sec / total:>8.1%}")
    fresh_processes(db, args.repo, peers, not args.no_pdf)


if __name__ == "__main__":
    main()
