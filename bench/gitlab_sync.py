"""What a GitLab sync costs, against the fake GitLab (``tests/fakegitlab``) through real
python-gitlab: requests per merge request (by endpoint), with and without pipeline jobs, the
cost of re-syncing an unchanged project, and of a re-sync after a few merge requests changed.

    python bench/gitlab_sync.py [--mrs 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casestudy.sources.gitlab import GitLabClient  # noqa: E402
from casestudy.store import Store  # noqa: E402
from tests.fakegitlab.server import FakeGitLab, generate_project, touch  # noqa: E402

TOKEN = "glpat-bench"


def run(fake: FakeGitLab, store: Store, path: str, checks: bool) -> tuple[int, int, float, dict]:
    fake.reset_counters()
    t0 = time.perf_counter()
    r = GitLabClient(TOKEN, base_url=fake.url).sync(store, path, checks=checks)
    return r.prs, r.requests, time.perf_counter() - t0, dict(fake.by_kind)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mrs", type=int, default=1000)
    args = ap.parse_args()
    with FakeGitLab(tokens={TOKEN: set()}) as fake, tempfile.TemporaryDirectory() as tmp:
        p = fake.add(generate_project("acme/bench", args.mrs, seed=5))
        for checks in (False, True):
            s = Store(Path(tmp) / f"s{int(checks)}.sqlite")
            prs, req, took, kinds = run(fake, s, p.path, checks)
            label = "with pipeline jobs" if checks else "without pipeline jobs"
            print(f"full sync {label}: {prs:,} MRs, {req:,} requests = {req / prs:.2f} per MR "
                  f"in {took:.1f} s; by endpoint: {kinds}")
        prs, req, took, kinds = run(fake, s, p.path, True)
        print(f"re-sync, nothing changed: {prs} MRs, {req} requests ({kinds}) in {took:.2f} s")
        for iid in range(10, 20):
            touch(p, iid)
        prs, req, took, kinds = run(fake, s, p.path, True)
        print(f"re-sync after 10 MRs got a note: {prs} MRs read again, {req} requests "
              f"({kinds}) in {took:.2f} s")


if __name__ == "__main__":
    main()
