"""Sync throughput against the number of task-engine workers: an organisation of small
repositories on the fake GitHub (answering each GraphQL query after ``--latency`` seconds, as a
remote API does), two tokens, a throwaway PostgreSQL; 1, 2, 3 … worker processes, each in its
own working directory, GitHub requests spaced as PyGithub spaces them (0.25 s). Prints the wall
time per worker count and repositories per hour per token (``BENCHMARKS.md``, "Sync workers").

    python bench/engine.py [--repos 60] [--workers 1,2,3,4] [--latency 0.1]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.engine_cluster import TOKENS, Cluster, fake_org, wait_until_done, write_list  # noqa: E402
from tests.pgserver import PgServer, binaries  # noqa: E402


def run(pg: PgServer, repos: int, workers: int, latency: float, spacing: str) -> tuple[float, dict]:
    """Seconds to sync ``repos`` repositories with ``workers`` workers; points per token."""
    db = pg.url(pg.new_database())
    with fake_org(repos) as fake:
        fake.delay = latency
        root = Path(tempfile.mkdtemp(prefix="casestudy-bench-engine-"))
        lst = write_list(root / "repos.toml", [f"org/r{i:03d}" for i in range(repos)],
                         fake.base_url)
        cluster = Cluster(db, fake.base_url, root, {"CASESTUDY_GITHUB_SPACING": spacing})
        cluster.enqueue(lst)
        t0 = time.monotonic()
        for i in range(workers):
            cluster.start(f"w{i + 1}")
        try:
            wait_until_done(db, 3600, list(cluster.procs.values()))
            took = time.monotonic() - t0
        finally:
            cluster.stop()
        return took, dict(fake.spent)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repos", type=int, default=60)
    ap.add_argument("--workers", default="1,2,3,4")
    ap.add_argument("--latency", type=float, default=0.1,
                    help="seconds the fake GitHub takes per GraphQL query")
    ap.add_argument("--spacing", default="0.25", help="seconds between a sync's requests")
    args = ap.parse_args()
    pg = PgServer(binaries())
    try:
        print(f"{args.repos} repositories (6 PRs each), {len(TOKENS)} tokens, GraphQL latency "
              f"{args.latency} s, requests spaced {args.spacing} s")
        print(f"{'workers':>7} {'wall s':>8} {'repos/h':>9} {'repos/h/token':>14} "
              f"{'points/repo':>12}")
        base = None
        for n in (int(x) for x in args.workers.split(",")):
            took, spent = run(pg, args.repos, n, args.latency, args.spacing)
            base = base or took
            per_hour = args.repos / took * 3600
            points = sum(spent.values()) / args.repos
            print(f"{n:>7} {took:>8.1f} {per_hour:>9.0f} {per_hour / len(TOKENS):>14.0f} "
                  f"{points:>12.1f}   (x{base / took:.2f})", flush=True)
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
