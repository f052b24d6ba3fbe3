"""Benchmark of the numeric core against pandas, polars, DuckDB and a numpy-only version.

All run in this process on the same synthetic PRs and compute the same monthly table per
(repo, month of merge): count, median, p75, p90 and mean of two durations (cycle time and first
response), merged-PR count and bug-fix share, plus deployment counts. Results are checked to agree.
Prints seconds, ratios to our core, the floor of one ``np.sort`` per duration column, extra
memory and numba's compile versus warm-start time.

    python bench/core.py [--sizes 100000,1000000,10000000] [--big]
"""

from __future__ import annotations

import argparse
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casestudy import core  # noqa: E402
from casestudy.core.periods import make_calendar  # noqa: E402
from casestudy.model import TIME_FIELDS, PRArrays  # noqa: E402

T0 = 1_600_000_000  # 2020-09
SPAN = 4 * 365 * 86400
N_REPOS = 20
DURS = ("cycle_time", "first_response")


def make_prs(n: int, seed: int = 0) -> PRArrays:
    rng = np.random.default_rng(seed)
    merged = np.sort(T0 + rng.integers(0, SPAN, n))
    cycle = rng.lognormal(11, 1.5, n).astype(np.int64)
    first_commit = merged - cycle
    first_commit[rng.random(n) < 0.05] = -1
    ready = merged - (cycle * rng.random(n)).astype(np.int64)
    first_resp = ready + rng.lognormal(9, 1.6, n).astype(np.int64)
    first_resp[rng.random(n) < 0.1] = -1
    first_resp[rng.random(n) < 0.001] -= 10**7  # clock skew: excluded and counted
    times = {k: np.full(n, -1, dtype=np.int64) for k in TIME_FIELDS}
    times.update(merged_at=merged, first_commit_at=first_commit, ready_at=ready,
                 first_response_at=first_resp)
    repos = [f"org/r{i}" for i in range(N_REPOS)]
    deploys = {r: np.sort(T0 + rng.integers(0, SPAN, 200)) for r in repos}
    return PRArrays(repos, rng.integers(0, N_REPOS, n).astype(np.int32), np.arange(n), times,
                    rng.integers(0, 500, n), rng.integers(0, 100, n), np.zeros(n, np.int64),
                    np.zeros(n, bool), np.zeros(n, bool), np.zeros(n, bool),
                    rng.random(n) < 0.33, np.zeros(n, np.int8), deploys, {})


def columns(a: PRArrays) -> dict[str, np.ndarray]:
    t = a.times
    start = np.where(t["first_commit_at"] >= 0, t["first_commit_at"], t["ready_at"])
    cyc = (t["merged_at"] - start).astype(float)
    fr = (t["first_response_at"] - t["ready_at"]).astype(float)
    fr[(t["first_response_at"] < 0) | (fr < 0)] = np.nan
    cyc[cyc < 0] = np.nan
    return {"repo": a.repo_idx, "merged": t["merged_at"], "cycle": cyc, "fr": fr,
            "bug": a.is_bugfix}


def ours(a: PRArrays, cal):
    return core.compute_table(a, calendar=cal, anchor="merged_at", only=DURS)


def pandas_table(c):
    import pandas as pd

    df = pd.DataFrame({"repo": c["repo"], "cycle": c["cycle"], "fr": c["fr"], "bug": c["bug"],
                       "month": c["merged"].astype("datetime64[s]").astype("datetime64[M]")})
    g = df.groupby(["repo", "month"], sort=True)
    out = {}
    for col in ("cycle", "fr"):
        s = g[col]
        out[col] = pd.DataFrame({"n": s.count(), "median": s.median(), "p75": s.quantile(0.75),
                                 "p90": s.quantile(0.9), "mean": s.mean()})
    out["bug"] = g["bug"].mean()
    out["merged"] = g.size()
    return out


def polars_table(c):
    import polars as pl

    df = pl.DataFrame({"repo": c["repo"], "merged": c["merged"], "cycle": c["cycle"],
                       "fr": c["fr"], "bug": c["bug"]}).with_columns(
        pl.col("cycle").fill_nan(None), pl.col("fr").fill_nan(None),
        month=pl.from_epoch("merged", time_unit="s").dt.truncate("1mo"))
    aggs = [pl.len().alias("merged"), pl.col("bug").mean().alias("bug")]
    for col in ("cycle", "fr"):
        aggs += [pl.col(col).count().alias(f"{col}_n"), pl.col(col).median().alias(f"{col}_med"),
                 pl.col(col).quantile(0.75, "linear").alias(f"{col}_p75"),
                 pl.col(col).quantile(0.9, "linear").alias(f"{col}_p90"),
                 pl.col(col).mean().alias(f"{col}_mean")]
    return df.group_by(["repo", "month"]).agg(aggs).sort(["repo", "month"])


def duckdb_table(c):
    import duckdb
    import pyarrow as pa

    cyc = c["cycle"]
    tbl = pa.table({"repo": c["repo"], "merged": c["merged"],
                    "cycle": pa.array(cyc, mask=np.isnan(cyc)),
                    "fr": pa.array(c["fr"], mask=np.isnan(c["fr"])), "bug": c["bug"]})
    con = duckdb.connect()
    con.register("prs", tbl)
    parts = []
    for col in ("cycle", "fr"):
        parts.append(f"count({col}) {col}_n, median({col}) {col}_med, "
                     f"quantile_cont({col}, 0.75) {col}_p75, quantile_cont({col}, 0.9) "
                     f"{col}_p90, avg({col}) {col}_mean")
    sql = ("SELECT repo, date_trunc('month', to_timestamp(merged)) AS month, count(*) merged, "
           "avg(bug::INT) bug, " + ", ".join(parts) +
           " FROM prs GROUP BY ALL ORDER BY repo, month")
    out = con.execute(sql).fetchnumpy()
    con.close()
    return out


def numpy_table(c, cal):
    """numpy only: one sort of a packed (group << 40 | seconds) key per duration, then every
    group's percentiles by index arithmetic on the sorted run (vectorised, no Python loop)."""
    month = cal.period_of(c["merged"]).astype(np.int64)
    g = c["repo"].astype(np.int64) * cal.n + month
    out = {}
    for col in ("cycle", "fr"):
        v = c[col]
        ok = ~np.isnan(v)
        key = np.sort((g[ok] << 40) | v[ok].astype(np.int64))
        grp = key >> 40
        vals = (key & ((1 << 40) - 1)).astype(float)
        starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
        n = np.diff(np.r_[starts, key.size])
        pct = []
        for q in (0.5, 0.75, 0.9):
            vi = (n - 1) * q
            lo = np.floor(vi).astype(np.int64)
            gamma = vi - lo
            x = vals[starts + lo]
            y = vals[starts + np.minimum(lo + 1, n - 1)]
            pct.append(np.where(gamma >= 0.5, y - (y - x) * (1 - gamma), x + (y - x) * gamma))
        out[col] = {"group": grp[starts], "n": n, "median": pct[0], "p75": pct[1],
                    "p90": pct[2], "mean": np.add.reduceat(vals, starts) / n}
    return out


def check_numpy_agrees(tab, npt) -> None:
    for col, key in (("cycle", "cycle_time"), ("fr", "first_response")):
        r, j = np.divmod(npt[col]["group"], tab.calendar.n)
        for stat in ("n", "median", "p75", "p90", "mean"):
            np.testing.assert_allclose(tab.stats[key][stat][r, j], npt[col][stat], rtol=1e-9,
                                       err_msg=f"numpy-only {stat}")


def timed(fn, *args, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best, result


def peak_extra_mb(fn, *args) -> float:
    """Extra resident memory (MB) while running ``fn``: peak RSS minus RSS before (Linux)."""
    def status(field: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
        return 0
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return float("nan")
    before = status("VmRSS:")
    fn(*args)
    return (status("VmHWM:") - before) / 1024


def check_agree(tab, pdt, a: PRArrays) -> None:
    for col, key in (("cycle", "cycle_time"), ("fr", "first_response")):
        ref = pdt[col]
        r = ref.index.get_level_values(0).to_numpy()
        months = ref.index.get_level_values(1).to_numpy().astype("datetime64[M]").astype(str)
        j = np.array([tab.calendar.labels.index(m) for m in months])
        for stat in ("n", "median", "p75", "p90", "mean"):
            mine = tab.stats[key][stat][r, j]
            np.testing.assert_allclose(mine, ref[stat].to_numpy(), rtol=1e-9, err_msg=stat)


def compile_times() -> tuple[float, tuple[float, float], float]:
    """numba's cost in fresh interpreters: the kernels compiled with an empty cache; the best of
    three warm starts as (import of casestudy.core with numpy and numba, loading every kernel
    from the ``cache=True`` cache); and numba's own floor, the same for a one-line cached
    function (import numba + its first call)."""
    code = ("import time; t=time.perf_counter(); from casestudy import core; "
            "t1=time.perf_counter(); core.warm(); print(t1-t, time.perf_counter()-t1)")
    floor = ("import time; t=time.perf_counter(); import trivial; trivial.f(1); "
             "print(0, time.perf_counter()-t)")
    with tempfile.TemporaryDirectory() as d:
        env = {**os.environ, "NUMBA_CACHE_DIR": d, "PYTHONPATH": d}
        Path(d, "trivial.py").write_text("from numba import njit\n\n\n@njit(cache=True)\n"
                                         "def f(x):\n    return x + 1\n")
        root = str(Path(__file__).resolve().parent.parent)

        def run(src: str) -> tuple[float, float]:
            out = subprocess.run([sys.executable, "-c", src], env=env, cwd=root,
                                 capture_output=True, text=True, check=True).stdout.split()
            return float(out[0]), float(out[1])

        cold = run(code)[1]
        run(floor)
        warm = min((run(code) for _ in range(5)), key=sum)
        base = min(run(floor)[1] for _ in range(5))
    return cold, warm, base


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="100000,1000000,10000000")
    p.add_argument("--big", action="store_true", help="also time our core alone on 30M PRs")
    p.add_argument("--skip", default="", help="comma list of rivals to skip")
    args = p.parse_args()
    core.warm()
    cold, (imp, load), base = compile_times()
    print(f"numba compile (cold, empty cache): {cold:.2f} s; warm start in a fresh interpreter "
          f"(best of 5): import of numpy + numba + casestudy.core {imp:.2f} s, then every kernel "
          f"loaded from the cache {load:.2f} s (total {imp + load:.2f} s; numba's own floor, "
          f"import + first call of a one-line cached function: {base:.2f} s)")
    skip = set(args.skip.split(","))
    rows = []
    for n in [int(x) for x in args.sizes.split(",")]:
        a = make_prs(n)
        cal = make_calendar(T0 - 86400, T0 + SPAN + 86400, "month", "UTC")
        c = columns(a)
        t_ours, tab = timed(ours, a, cal)
        t_sort, _ = timed(np.sort, c["cycle"])
        res = {"n": n, "ours": t_ours, "np.sort": t_sort}
        if "pandas" not in skip:
            res["pandas"], pdt = timed(pandas_table, c, repeat=1 if n >= 10**7 else 3)
            check_agree(tab, pdt, a)
        for name, fn, fargs in (("polars", polars_table, (c,)), ("duckdb", duckdb_table, (c,)),
                                ("numpy", numpy_table, (c, cal))):
            if name not in skip:
                res[name], out = timed(fn, *fargs, repeat=1 if n >= 10**7 else 3)
                if name == "numpy":
                    check_numpy_agrees(tab, out)
        res["mem_mb"] = peak_extra_mb(ours, a, cal)
        rows.append(res)
        line = (f"{n:>11,} PRs  ours {t_ours:.3f}s  (np.sort of one column {t_sort:.3f}s, "
                f"ours = {t_ours / t_sort / len(DURS):.2f}× per duration column; "
                f"extra memory {res['mem_mb']:.0f} MB)")
        for name in ("pandas", "polars", "duckdb", "numpy"):
            if name in res:
                line += f"\n{'':>16}{name:<7} {res[name]:.3f}s = {res[name] / t_ours:.1f}× ours"
        print(line, flush=True)
        del a, c, tab
    if args.big:
        a = make_prs(30_000_000)
        cal = make_calendar(T0 - 86400, T0 + SPAN + 86400, "month", "UTC")
        t, _ = timed(ours, a, cal, repeat=2)
        print(f"30,000,000 PRs  ours {t:.3f}s")


if __name__ == "__main__":
    main()
