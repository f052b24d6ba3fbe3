"""Where a report's time goes, stage by stage (issue 31): the case study's build steps (load,
core table, findings, each analysis section, facts, recommendations, examples, summary, the
document), then charts, HTML and PDF — each in seconds and as a share of the whole, warm
(after one build) — on the demo or on a store you name.

    python bench/stages.py                                   # the demo, three repositories
    python bench/stages.py --db /tmp/brew.sqlite --repo Homebrew/brew   # a large clone
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casestudy.render.html import chart_svgs, render_html, render_pdf  # noqa: E402
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


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db", help="a store (default: a fresh demo store)")
    p.add_argument("--repo", default="demo/atlas")
    p.add_argument("--peer", action="append", default=None)
    p.add_argument("--no-pdf", action="store_true")
    args = p.parse_args()
    if args.db:
        store = Store(args.db)
        peers = tuple(args.peer or ())
    else:
        store = Store(Path(tempfile.mkdtemp()) / "demo.sqlite")
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
    html = render_html(cs, svgs=svgs)
    t3 = time.perf_counter()
    stages.update({f"charts ({len(svgs)})": t2 - t1, "HTML": t3 - t2})
    if not args.no_pdf:
        render_pdf(cs, html=html)
        stages["PDF"] = time.perf_counter() - t3
    total = sum(stages.values())
    prs = sum(s.prs for s in store.summary() if s.repo in (args.repo, *peers))
    print(f"{args.repo} (+{len(peers)} peers, {prs:,} PRs): case study {t1 - t0:.3f} s, "
          f"everything {total:.2f} s")
    print(f"{'stage':<28}{'seconds':>9}{'share':>8}")
    for name, sec in sorted(stages.items(), key=lambda x: -x[1]):
        print(f"{name:<28}{sec:>9.3f}{sec / total:>8.1%}")


if __name__ == "__main__":
    main()
