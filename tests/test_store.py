"""The store on SQLite and on a real PostgreSQL server: round trip, idempotent upserts, cursors,
migrations, crash safety, credentials kept out of labels, cache keys and errors."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

from casestudy.model import Deployment, Incident, PullRequest
from casestudy.store import RepoInfo, Store, StoreError
from casestudy.store.migrations import SCHEMA_VERSION


def _pr(n: int, **kw) -> PullRequest:
    base = dict(repo="o/r", number=n, title=f"PR {n}", author="alice", created_at=1_700_000_000 + n,
                ready_at=1_700_000_000 + n, merged_at=1_700_100_000 + n, labels=("bug", "ü"),
                additions=n, deletions=1)
    base.update(kw)
    return PullRequest(**base)


def test_round_trip_keeps_every_field(store_location):
    s = Store(store_location)
    s.upsert_repo(RepoInfo("o/r", "github"))
    pr = _pr(7, title="<b>x</b> 🚀 عربى", first_response_at=1_700_000_500, is_revert=True,
             reverted_number=3, linked_issue_labels=("regression",), first_responder="bob",
             author_is_bot=True, is_draft=True, url="https://github.com/o/r/pull/7")
    s.write_batch("o/r", [pr])
    assert s.pull_requests("o/r") == [pr]


def test_upsert_is_idempotent_and_updates(store_location):
    s = Store(store_location)
    s.upsert_repo(RepoInfo("o/r", "github"))
    s.write_batch("o/r", [_pr(i) for i in range(1, 101)])
    s.write_batch("o/r", [_pr(i) for i in range(1, 101)])
    s.write_batch("o/r", [_pr(5, title="renamed")])
    assert s.count_prs("o/r") == 100
    assert s.pull_requests("o/r", [5])[0].title == "renamed"
    s.write_batch("o/r", deployments=[Deployment("o/r", "d1", 1), Deployment("o/r", "d1", 2)],
                  incidents=[Incident("o/r", "i1", 5)] * 2)
    assert [d.created_at for d in s.deployments("o/r")] == [2]
    assert len(s.incidents("o/r")) == 1


def test_cursor_written_with_its_batch(store_location):
    s = Store(store_location)
    s.upsert_repo(RepoInfo("o/r", "github"))
    assert s.get_cursor("o/r", "prs") is None
    s.write_batch("o/r", [_pr(1)], cursor=("prs", "abc"))
    assert s.get_cursor("o/r", "prs") == "abc"
    with pytest.raises(s.db.errors):
        s.write_batch("o/r", [_pr(2), _pr(3, number=None)],
                      cursor=("prs", "def"))
    # the failed batch left neither rows nor a moved cursor
    assert s.get_cursor("o/r", "prs") == "abc"
    assert s.count_prs("o/r") == 1


def test_bugfix_rule_stored_and_arrays(store_location):
    s = Store(store_location)
    s.upsert_repo(RepoInfo("o/r", "github"))
    s.write_batch("o/r", [_pr(1, labels=()), _pr(2, title="fix: crash", labels=()),
                          _pr(3, labels=("bug",), merged_at=None)],
                  deployments=[Deployment("o/r", "d", 1_700_200_000)])
    a = s.load_arrays(["o/r"])
    assert a.n == 3
    assert a.is_bugfix.tolist() == [False, True, True]
    assert a.bugfix_rule.tolist() == [0, 3, 1]
    assert a.times["merged_at"].tolist() == [1_700_100_001, 1_700_100_002, -1]
    assert a.times["first_response_at"].tolist() == [-1, -1, -1]
    # deployed_at derived from the first deployment at or after the merge
    assert a.times["deployed_at"].tolist() == [1_700_200_000, 1_700_200_000, -1]


def test_unknown_repo_and_bad_files(tmp_path):
    s = Store(tmp_path / "s.sqlite")
    with pytest.raises(StoreError, match="not in the store"):
        s.load_arrays(["no/such"])
    bad = tmp_path / "garbage.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a casestudy store"):
        Store(bad)
    newer = tmp_path / "newer.sqlite"
    sqlite3.connect(newer).execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    with pytest.raises(StoreError, match="newer than this casestudy"):
        Store(newer)


def test_migrates_from_version_1(tmp_path):
    from casestudy.store.migrations import MIGRATIONS

    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0] + "; PRAGMA user_version=1;")
    conn.close()
    s = Store(path)
    assert s.schema_version == SCHEMA_VERSION
    names = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "ix_pr_merged" in names


WRITER = textwrap.dedent(
    """
    import sys, time
    from casestudy.model import PullRequest
    from casestudy.store import Store, RepoInfo
    s = Store(sys.argv[1])
    s.upsert_repo(RepoInfo("o/r", "github"))
    start = int(s.get_cursor("o/r", "prs") or 0)
    for b in range(start, 40):
        prs = [PullRequest("o/r", b * 500 + i, title="t", created_at=b) for i in range(500)]
        s.write_batch("o/r", prs, cursor=("prs", str(b + 1)))
        print(b, flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def test_killed_import_resumes_without_duplicates(store_location):
    db = store_location
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "0.05"],
                            stdout=subprocess.PIPE, text=True)
    for _ in range(5):
        proc.stdout.readline()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    s = Store(db)
    if s.db.kind == "sqlite":
        assert s.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    done = int(s.get_cursor("o/r", "prs"))
    assert 5 <= done < 40
    assert s.count_prs("o/r") == done * 500  # every committed batch whole, nothing partial
    s.close()
    subprocess.run([sys.executable, "-c", WRITER, str(db), "0"], check=True,
                   stdout=subprocess.DEVNULL)
    s = Store(db)
    assert s.count_prs("o/r") == 40 * 500
    numbers = np.array([r[0] for r in s.conn.execute("SELECT number FROM pull_requests")])
    assert np.unique(numbers).size == numbers.size == 20_000


def test_load_arrays_speed_is_reasonable(tmp_path):
    """Not a timing assertion: checks 200k PRs load as arrays with correct shapes and values."""
    s = Store(tmp_path / "big.sqlite")
    s.upsert_repo(RepoInfo("o/r", "github"))
    rows = [PullRequest("o/r", i, created_at=i, merged_at=i + 10) for i in range(200_000)]
    s.write_batch("o/r", rows)
    t0 = time.perf_counter()
    a = s.load_arrays()
    took = time.perf_counter() - t0
    assert a.n == 200_000 and (a.times["merged_at"] - a.times["created_at"] == 10).all()
    print(f"loaded 200k PRs in {took:.2f}s")


def test_array_snapshot_follows_every_write(store_location, tmp_path, monkeypatch):
    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path / "cache"))
    s = Store(store_location)
    s.upsert_repo(RepoInfo("o/r", "github"))
    s.write_batch("o/r", [_pr(i) for i in range(1, 50)])
    first = s.load_arrays()
    assert list((tmp_path / "cache" / "arrays").glob("*.npz"))
    again = s.load_arrays()  # from the snapshot
    for f in ("number", "is_bugfix", "repo_idx"):
        assert (getattr(first, f) == getattr(again, f)).all()
    assert (first.times["merged_at"] == again.times["merged_at"]).all()
    s.write_batch("o/r", [_pr(5, merged_at=1)])  # an update, same row count
    assert s.load_arrays().times["merged_at"][4] == 1
    assert len(list((tmp_path / "cache" / "arrays").glob("*.npz"))) == 1  # old ones removed


def test_commit_and_check_run_snapshots_follow_every_write(store_location, tmp_path,
                                                           monkeypatch):
    """``commit_arrays`` and ``check_run_table`` read through the same revision-keyed snapshot
    as the PR arrays: equal to the rows, and a write shows in the next read."""
    from casestudy.analysis.ci import analyse, analyse_table
    from casestudy.model import CheckRun, Commit

    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path / "cache"))
    s = Store(store_location)
    s.upsert_repo(RepoInfo("o/r", "github"))
    commits = [Commit("o/r", f"{i:040x}", 1_000 + 37 * i, pr=i % 9 or None,
                      author=("bo", "al", "cy")[i % 3], author_utc_offset=(60, None)[i % 2],
                      additions=i, deletions=1) for i in range(60)]
    runs = [CheckRun("o/r", pr, f"{pr:040x}", job, ("failure", "success", None)[(pr + k) % 3],
                     100 * pr, 100 * pr + 30 * k if k else None, attempt)
            for pr in range(1, 30) for k, job in enumerate(("lint", "test", "docs"))
            for attempt in (1, 2)]
    s.write_batch("o/r", [_pr(i) for i in range(1, 30)], commits=commits, check_runs=runs)
    for _ in range(2):  # from the database, then from the snapshot
        c = s.commit_arrays("o/r")
        assert c.authors == ["al", "bo", "cy"] and c.n == 60
        assert [(c.authors[a], t) for a, t in zip(c.author, c.authored_at, strict=True)] == \
            sorted((x.author, x.authored_at) for x in commits)
        assert sorted(c.lines.tolist()) == sorted(x.additions + 1 for x in commits)
        t = s.check_run_table("o/r")
        assert t["pr"].size == len(runs)
        got, want = analyse_table(t), analyse(s.check_runs("o/r"))
        for f in want.__dataclass_fields__:
            np.testing.assert_equal(getattr(got, f), getattr(want, f), err_msg=f)
    s.write_batch("o/r", [], commits=[Commit("o/r", "f" * 40, 5, author="zed")],
                  check_runs=[CheckRun("o/r", 99, "e" * 40, "lint", "failure", 1, 2)])
    assert "zed" in s.commit_arrays("o/r").authors
    assert 99 in s.check_run_table("o/r")["pr"]


def test_postgres_credentials_stay_out_of_labels_keys_and_errors(pg_server, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path / "cache"))
    url = pg_server.url(pg_server.new_database(), password="hunter2-secret")
    s = Store(url)
    s.upsert_repo(RepoInfo("o/r", "github"))
    s.write_batch("o/r", [_pr(1)])
    s.load_arrays()
    assert s.schema_version == SCHEMA_VERSION
    assert "hunter2" not in s.label and "hunter2" not in s.ident
    assert s.label.startswith("postgresql://casestudy@127.0.0.1:")
    for f in (tmp_path / "cache").rglob("*"):
        assert "hunter2" not in f.name
    unreachable = f"postgresql://casestudy:hunter2-secret@127.0.0.1:{_closed_port()}/x"
    with pytest.raises(StoreError) as err:
        Store(unreachable)
    assert "cannot connect" in str(err.value) and "hunter2" not in str(err.value)


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_postgres_concurrent_writers_and_second_open(pg_server):
    """Two processes syncing different repos into one PostgreSQL database at once (the hosted
    set-up), and a second ``Store`` on the same database, migrated already."""
    url = pg_server.url(pg_server.new_database())
    Store(url)
    code = textwrap.dedent(
        """
        import sys
        from casestudy.model import PullRequest
        from casestudy.store import Store, RepoInfo
        s = Store(sys.argv[1]); repo = sys.argv[2]
        s.upsert_repo(RepoInfo(repo, "github"))
        for b in range(20):
            s.write_batch(repo, [PullRequest(repo, b * 100 + i, created_at=b) for i in range(100)],
                          cursor=("prs", str(b + 1)))
        """)
    procs = [subprocess.Popen([sys.executable, "-c", code, url, repo]) for repo in ("a/a", "b/b")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    s = Store(url)
    assert s.repos() == ["a/a", "b/b"]
    assert s.count_prs("a/a") == s.count_prs("b/b") == 2000
    assert s.get_cursor("b/b", "prs") == "20"
    assert s.revision >= 42  # every batch and repo upsert bumped it


def test_demo_case_study_is_identical_on_postgres(pg_server, demo_store, tmp_path, monkeypatch):
    """The whole pipeline on PostgreSQL: the synthetic demo written there gives the very same
    CaseStudy as on SQLite."""
    from casestudy.report.build import Options, build_case_study
    from casestudy.sources.demo import build_demo

    monkeypatch.setenv("CASESTUDY_CACHE", str(tmp_path / "cache"))
    pg = Store(pg_server.url(pg_server.new_database()))
    build_demo(pg)
    def counts(store):
        return [(r.repo, r.prs, r.merged, r.first_at, r.last_at, r.deployments)
                for r in store.summary()]

    assert counts(pg) == counts(demo_store)
    assert pg.merged_months(pg.repos()) == demo_store.merged_months(demo_store.repos())
    opts = Options("demo/atlas", ("demo/borealis", "demo/cirrus"))
    mine, ref = build_case_study(pg, opts).to_dict(), build_case_study(demo_store, opts).to_dict()
    for d in (mine, ref):
        d.pop("generated_at", None)
    assert mine == ref


def test_one_store_shared_by_threads(store_location):
    """The app shares one Store between sessions: concurrent batches from several threads each
    commit whole (their transactions never interleave on the shared connection)."""
    import threading

    s = Store(store_location)
    errors = []

    def sync(repo: str) -> None:
        try:
            s.upsert_repo(RepoInfo(repo, "github"))
            for b in range(15):
                s.write_batch(repo, [_pr(b * 20 + i, repo=repo) for i in range(1, 21)],
                              cursor=("prs", str(b + 1)))
                s.repos()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=sync, args=(f"o/r{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert [s.count_prs(f"o/r{k}") for k in range(4)] == [300] * 4
    assert {s.get_cursor(f"o/r{k}", "prs") for k in range(4)} == {"15"}


def test_postgres_restart_mid_session_costs_nothing(pg_server):
    """A database restart cuts every open connection; the pool checks connections before use,
    so the next read and write work without reopening the store."""
    s = Store(pg_server.url(pg_server.new_database()))
    s.upsert_repo(RepoInfo("o/r", "test"))
    s.write_batch("o/r", [PullRequest("o/r", 1, title="before", merged_at=1_700_000_000)])
    pg_server.restart()
    assert [p.title for p in s.pull_requests("o/r")] == ["before"]
    s.write_batch("o/r", [PullRequest("o/r", 2, title="after", merged_at=1_700_000_100)])
    assert s.count_prs("o/r") == 2


def test_a_database_made_again_at_the_same_path_is_not_served_from_the_old_cache(tmp_path):
    """The array snapshot is keyed by location, revision and the database's own instance
    number: a store deleted and built again with other data at the same path (same revision
    count) reads its own rows."""
    from casestudy.model import PullRequest
    from casestudy.store import RepoInfo

    path = tmp_path / "again.sqlite"
    for merged in (1_700_000_000, 1_600_000_000):
        for f in tmp_path.glob("again.sqlite*"):
            f.unlink()
        s = Store(path)
        s.upsert_repo(RepoInfo("o/r", "import"))
        s.write_batch("o/r", [PullRequest("o/r", 1, created_at=merged - 60, merged_at=merged)])
        assert int(s.load_arrays(["o/r"]).times["merged_at"][0]) == merged
        s.close()


def test_visibility_by_any_of_several_account_keys(store_location):
    """A person sees public repositories, their own and their groups'; nobody else's."""
    s = Store(store_location)
    for repo, owner in (("o/public", ""), ("o/mine", "me"), ("o/team", "team"),
                        ("o/other", "someone")):
        s.upsert_repo(RepoInfo(repo, "github", account_key=owner))
    assert s.repos(visible_to=("me", "team")) == ["o/mine", "o/public", "o/team"]
    assert s.repos(visible_to="me") == ["o/mine", "o/public"]
    assert s.repos(visible_to=()) == s.repos(visible_to="") == ["o/public"]
    assert [r.repo for r in s.summary(visible_to=("team",))] == ["o/public", "o/team"]
    assert len(s.repos()) == 4


def test_stored_bugfix_rules_follow_the_rules_in_force(store_location):
    """A store written under older bug-fix rules is classified again, once, when it is opened
    by a casestudy whose rules differ: the rule ids in the arrays are today's."""
    s = Store(store_location)
    s.upsert_repo(RepoInfo("o/r", "github"))
    s.write_batch("o/r", [_pr(1, title="Make model rebuilding logic thread safe", labels=()),
                          _pr(2, title="docs: fix typo", labels=()),
                          _pr(3, title="Add a feature", labels=("bug",))])
    assert s.load_arrays(["o/r"]).bugfix_rule.tolist() == [7, 0, 1]
    # as an older casestudy left it: other rules, other answers
    with s.transaction():
        s.db.execute("UPDATE pull_requests SET bugfix_rule=4 WHERE number=2")
        s.db.execute("UPDATE pull_requests SET bugfix_rule=0 WHERE number=1")
        s.db.execute("UPDATE meta SET value=1 WHERE key='bugfix_rules'")
    before = s.revision
    s.close()
    again = Store(store_location)
    assert again.revision > before  # cached arrays of the old answers are not served
    assert again.load_arrays(["o/r"]).bugfix_rule.tolist() == [7, 0, 1]
    same = again.revision
    again.close()
    assert Store(store_location).revision == same  # rules unchanged: nothing to do
