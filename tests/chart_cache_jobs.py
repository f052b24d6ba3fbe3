"""Work for the chart-cache race test, importable by spawned processes: threads that render one
chart through the disk cache (deleting the cached file now and then so writes keep happening)
and read the cached file back, reporting every SVG that is not the whole chart."""

from __future__ import annotations

import os
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import altair as alt
import pandas as pd


def chart() -> alt.Chart:
    df = pd.DataFrame({"month": [f"2025-{m:02d}" for m in range(1, 13)],
                       "value": [3, 5, 2, 8, 13, 21, 9, 4, 7, 11, 6, 10]})
    return alt.Chart(df).mark_bar().encode(x="month:N", y="value:Q").properties(width=300)


def cached_file(cache: str) -> Path:
    return Path(cache) / "charts"


def hammer(cache: str, expected: str, threads: int, rounds: int) -> list[str]:
    """``threads`` threads × ``rounds`` renders through the cache in ``cache``; returns the
    SVGs (cut to 80 characters) that were not ``expected``, read or returned."""
    os.environ["CASESTUDY_CACHE"] = cache
    from casestudy.render.charts import to_svg_cached

    c = chart()
    folder = cached_file(cache)

    def one(seed: int) -> list[str]:
        rnd, bad = random.Random(seed), []
        for _ in range(rounds):
            if rnd.random() < 0.4:
                for p in folder.glob("*.svg"):
                    p.unlink(missing_ok=True)  # a miss: this or another thread writes again
            got = to_svg_cached(c)
            if got != expected:
                bad.append("returned:" + got[:80])
            for p in folder.glob("*.svg"):
                try:
                    text = p.read_text(encoding="utf-8")
                except FileNotFoundError:
                    continue
                if text != expected:
                    bad.append("read:" + text[:80])
        return bad

    with ThreadPoolExecutor(threads) as ex:
        return [b for bad in ex.map(one, range(os.getpid(), os.getpid() + threads))
                for b in bad]


def write_and_read(path: str, texts: list[str], rounds: int) -> list[str]:
    """Write each of ``texts`` to ``path`` (the cache's atomic writer) and read it back,
    ``rounds`` times; returns the reads that were none of ``texts``."""
    from casestudy.config import write_atomically

    p, bad = Path(path), []
    for i in range(rounds):
        write_atomically(p, texts[i % len(texts)])
        try:
            text = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        if text not in texts:
            bad.append(f"{len(text)} characters")
    return bad
