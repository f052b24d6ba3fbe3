"""Loading an organisation's PRs from PostgreSQL into the core's arrays: synthetic PRs spread
over ``--repos`` repositories are generated inside a throwaway PostgreSQL (``generate_series``),
then loaded through the binary COPY path (``store/bulk_load.py``; nothing kept: a cold load,
``--repeat`` times, with the machine's load average), again from the arrays the workers keep in
the store, and, for a smaller sample, the row-by-row path it replaces (``BENCHMARKS.md``,
"Organisation load").

    python bench/bulk_load.py [--prs 5000000] [--repos 1000] [--rows-sample 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from casestudy.store import Store  # noqa: E402
from casestudy.store.bulk_load import keep_arrays, load_arrays_postgres  # noqa: E402
from tests.pgserver import PgServer, binaries  # noqa: E402


def fill(url: str, prs: int, repos: int) -> list[str]:
    """``prs`` synthetic PRs over ``repos`` repositories (and a deployment a day each)."""
    import psycopg

    Store(url)  # the schema
    names = [f"org/r{i:04d}" for i in range(repos)]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO repos (repo, source, added_at) SELECT 'org/r' || "
                     "lpad(i::text, 4, '0'), 'github', 0 FROM generate_series(0, %s) i",
                     (repos - 1,))
        conn.execute("ALTER TABLE pull_requests SET (autovacuum_enabled = false)")
        conn.execute(f"""
            INSERT INTO pull_requests (repo, number, title, author, author_is_bot, created_at,
                ready_at, first_commit_at, first_response_at, first_approval_at,
                last_approval_at, merged_at, closed_at, additions, deletions, n_comments,
                is_draft, is_revert, bugfix_rule)
            SELECT 'org/r' || lpad((g % {repos})::text, 4, '0'), g / {repos} + 1, 'Change',
                'user' || ((g * 7919) % 40000), (g % 13 = 0)::int, c, c, c - 3600,
                c + 1800 + (g % 7) * 600, c + 7200, c + 9000,
                CASE WHEN g % 7 != 0 THEN c + 10000 + (g % 11) * 3600 END,
                CASE WHEN g % 7 != 0 THEN c + 10000 + (g % 11) * 3600 END,
                g % 500, g % 200, g % 9, 0, (g % 50 = 0)::int, (g % 4 = 0)::int
            FROM (SELECT g, 1600000000 + (g / {repos}) * 5000 AS c
                  FROM generate_series(0::bigint, {prs - 1}) g) s""")
        conn.execute(f"""
            INSERT INTO deployments (repo, id, created_at, source)
            SELECT r.repo, 'd' || d, 1600000000 + d * 86400, 'releases'
            FROM repos r, generate_series(0, {max(1, prs // repos * 5000 // 86400)}) d""")
        conn.execute("ANALYZE")
    return names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--prs", type=int, default=5_000_000)
    ap.add_argument("--repos", type=int, default=1000)
    ap.add_argument("--rows-sample", type=int, default=200_000,
                    help="PRs for the row-by-row comparison (it is slow)")
    ap.add_argument("--repeat", type=int, default=3, help="cold loads to time")
    args = ap.parse_args()
    pg = PgServer(binaries())
    try:
        url = pg.url(pg.new_database())
        t0 = time.perf_counter()
        repos = fill(url, args.prs, args.repos)
        print(f"generated {args.prs:,} PRs over {args.repos} repositories in "
              f"{time.perf_counter() - t0:.0f} s")
        store = Store(url)
        took = []
        for _ in range(args.repeat):
            load = os.getloadavg()[0]
            t0 = time.perf_counter()
            a = load_arrays_postgres(store, repos)
            took.append(time.perf_counter() - t0)
            print(f"cold load by binary COPY (nothing kept): {a.n:,} PRs in {took[-1]:.2f} s "
                  f"(load average {load:.2f} before, {os.getloadavg()[0]:.2f} after)",
                  flush=True)
        print(f"cold load: min {min(took):.2f} s, median {statistics.median(took):.2f} s "
              f"of {len(took)}", flush=True)
        t0 = time.perf_counter()
        for k in range(0, len(repos), 50):  # as workers do after their syncs
            keep_arrays(store, repos[k:k + 50])
        print(f"arrays kept for every repository in {time.perf_counter() - t0:.0f} s "
              "(workers do it after each sync)", flush=True)
        for what in ("load from the arrays kept", "again"):
            t0 = time.perf_counter()
            a = load_arrays_postgres(store, repos)
            took = time.perf_counter() - t0
            print(f"{what}: {a.n:,} PRs in {took:.2f} s ({a.n / took / 1e6:.2f} M PRs/s)",
                  flush=True)
        with store.db._connection() as conn:  # one repository written to: its arrays are stale
            conn.execute("UPDATE repos SET arrays_version = arrays_version + 1 WHERE repo = %s",
                         (repos[0],))
        t0 = time.perf_counter()
        a = load_arrays_postgres(store, repos)
        print(f"after a write to one repository: {time.perf_counter() - t0:.2f} s", flush=True)
        few = repos[:max(1, args.repos * args.rows_sample // args.prs)]
        t0 = time.perf_counter()
        b = store._load_arrays_rows(few)
        took = time.perf_counter() - t0
        keep_arrays(store, few)
        t1 = time.perf_counter()
        c = load_arrays_postgres(store, few)
        fast = time.perf_counter() - t1
        with store.db._connection() as conn:
            conn.execute("UPDATE repos SET arrays_version = arrays_version + 1")
        t1 = time.perf_counter()
        load_arrays_postgres(store, few)
        copy = time.perf_counter() - t1
        print(f"{b.n:,} PRs ({len(few)} repositories): row by row {took:.2f} s, "
              f"COPY {copy:.2f} s, kept {fast:.2f} s ({c.n:,} PRs)")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
