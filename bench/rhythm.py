"""Work-rhythm benchmark: coding sessions over many commits — the gap rule and the two-state
HMM (Baum–Welch + Viterbi, numba) of ``analysis.sessions`` — against a pandas gap-rule baseline
run in the same process on the same commits. Prints times and the ratio.

    .venv/bin/python bench/rhythm.py [--commits 1000000] [--authors 20000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from casestudy.analysis import sessions
from casestudy.core.periods import make_calendar
from casestudy.model import NO_OFFSET, CommitArrays

T0 = 1_700_000_000


def commits(n: int, authors: int, seed: int = 1) -> CommitArrays:
    rng = np.random.default_rng(seed)
    who = np.sort(rng.integers(0, authors, n)).astype(np.int32)
    gaps = np.where(rng.random(n) < 0.7, rng.lognormal(np.log(900), 0.7, n),
                    rng.lognormal(np.log(20 * 3600), 0.8, n))
    t = np.zeros(n, dtype=np.int64)
    starts = np.flatnonzero(np.diff(who, prepend=-1))
    run_id = np.cumsum(np.isin(np.arange(n), starts)) - 1
    cum = np.cumsum(gaps)
    t = (T0 + cum - cum[starts][run_id]).astype(np.int64)
    return CommitArrays("bench/x", [f"a{i}" for i in range(authors)], who, t,
                        np.full(n, NO_OFFSET, np.int32), np.full(n, -1, np.int64),
                        np.full(n, -1, np.int64), np.zeros(n, bool))


def pandas_gap_rule(c: CommitArrays, gap: float) -> float:
    df = pd.DataFrame({"author": c.author, "t": c.authored_at})
    d = df.groupby("author")["t"].diff()
    new = d.isna() | (d > gap)
    session = new.cumsum()
    span = df.groupby(session)["t"].agg(["min", "max"])
    return float((span["max"] - span["min"]).sum() + 1800 * len(span))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--commits", type=int, default=1_000_000)
    ap.add_argument("--authors", type=int, default=20_000)
    args = ap.parse_args()
    c = commits(args.commits, args.authors)
    cal = make_calendar(int(c.authored_at.min()), int(c.authored_at.max()))
    # warm the numba kernels on a small sample (compilation is cached on disk)
    sessions.analyse(commits(5000, 50), make_calendar(T0, T0 + 86400 * 400), 0, 5)
    t = time.perf_counter()
    res = sessions.analyse(c, cal, 0, cal.n - 1)
    ours = time.perf_counter() - t
    t = time.perf_counter()
    bounds = sessions.author_bounds(c.author)
    gaps, gb, ends = sessions.gaps_of(c.authored_at, bounds)
    first = sessions.session_starts(c.n, bounds, ends, gaps > 7200)
    _, length = sessions.session_spans(c.authored_at, first, 1800.0)
    ours_gap = time.perf_counter() - t
    t = time.perf_counter()
    theirs = pandas_gap_rule(c, 7200)
    base = time.perf_counter() - t
    assert abs(float(length.sum()) - theirs) < 1e-6 * theirs  # the same sessions
    print(f"{args.commits:,} commits, {args.authors:,} authors, {cal.n} periods")
    print(f"gap rule: ours (numpy) {ours_gap:.3f} s, pandas (groupby diff, cumsum, span) "
          f"{base:.3f} s: pandas / ours = {base / ours_gap:.1f}")
    print(f"whole analysis (gap rule, HMM on the gaps under 12 h: {res.model.iterations} "
          f"Baum-Welch iterations + Viterbi, hours per period): {ours:.2f} s")


if __name__ == "__main__":
    main()
