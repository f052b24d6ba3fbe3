"""The task engine (procrastinate on the store's PostgreSQL): a token budget every worker draws
from, and three worker processes that share only PostgreSQL and the fake GitHub syncing an
organisation's repositories while one of them is killed mid-job."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from casestudy.sources.github import PR_QUERY, GitHubClient
from casestudy.sources.graphql_cost import graphql_cost
from casestudy.store import Store
from casestudy.store.budget import TokenBudget
from tests.engine_cluster import ROOT, TOKENS, Cluster, fake_org, wait_until_done, write_list
from tests.fakegithub.server import graphql_cost as fake_cost

# the whole organisation: 300 repositories (41 s here with three workers; CASESTUDY_ENGINE_REPOS
# runs it on fewer)
REPOS = int(os.environ.get("CASESTUDY_ENGINE_REPOS") or 300)


def test_the_drawn_cost_is_githubs_upper_bound():
    q = PR_QUERY.replace("CHECKS", "")
    for first in (5, 20, 50):
        assert graphql_cost(q, {"first": first}) == fake_cost(q, {"first": first})
    assert graphql_cost(q, {"first": 50}) > graphql_cost(q, {"first": 5})


def test_two_workers_share_one_budget_and_its_blocks(store_location):
    a, b = Store(store_location), Store(store_location)  # two processes' connections
    ours = TokenBudget(a, "t-one", budget=10, window=2)
    theirs = TokenBudget(b, "t-one", budget=10, window=2)
    assert ours.try_draw(6) == 0 and theirs.try_draw(4) == 0
    wait = theirs.try_draw(1)
    assert 0 < wait <= 2  # spent: until the window rolls over
    ours.settle(6, 3)  # GitHub charged less than drawn: 3 points come back
    assert theirs.try_draw(3) == 0 and theirs.try_draw(1) > 0
    assert ours.state()["spent"] == 10 and ours.state()["total"] == 10
    time.sleep(wait + 0.1)
    assert theirs.try_draw(10) == 0  # a new window
    theirs.settle(10, 0)
    ours.block(time.time() + 1.5)  # GitHub said retry-after to one worker: every worker waits
    assert theirs.try_draw(1) > 0.5
    waited: list[float] = []
    t0 = time.monotonic()
    theirs.draw(1, waited.append)
    assert time.monotonic() - t0 >= 1.0 and waited
    other = TokenBudget(a, "t-two", budget=10, window=2)
    assert other.try_draw(10) == 0  # tokens have budgets of their own


def test_a_sync_draws_every_call_from_the_shared_budget(tmp_path):
    fake = fake_org(2, prs=40)
    with fake:
        store = Store(tmp_path / "s.sqlite")
        budget = TokenBudget(store, "t-a", budget=10_000)
        client = GitHubClient(TOKENS[0], base_url=fake.base_url, min_interval=None,
                              budget=budget, per_page=20)
        client.sync(store, "org/r000")
        # what the budget kept is what GitHub charged: REST calls 1 each, GraphQL its cost
        assert budget.state()["spent"] == fake.spent[TOKENS[0]] > 0


def test_githubs_retry_after_and_reset_block_the_token_for_every_worker(tmp_path):
    fake = fake_org(1, prs=10)
    with fake:
        store = Store(tmp_path / "s.sqlite")
        budget = TokenBudget(store, "t-a", budget=10_000)
        client = GitHubClient(TOKENS[0], base_url=fake.base_url, min_interval=None,
                              budget=budget)
        fake.inject("secondary", when="PullRequests")  # 403 with Retry-After: 1
        fake.inject("primary", when="Deployments", reset=2)  # the limit spent until a reset
        t0 = time.time()
        client.sync(store, "org/r000")
        blocked = budget.state()["blocked_until"]
    assert blocked >= int(t0) + 2  # the later of the two, written where every worker reads
    other = Store(tmp_path / "s.sqlite")  # another worker on the same token
    assert TokenBudget(other, "t-a", clock=lambda: blocked - 0.5).try_draw(1) > 0
    assert TokenBudget(other, "t-a", clock=lambda: blocked + 0.1).try_draw(1) == 0


def _pr_counts(db: str) -> dict[str, int]:
    with psycopg.connect(db) as conn:
        return dict(conn.execute("SELECT repo, count(*) FROM pull_requests GROUP BY repo"))


def _runs(db: str) -> list[tuple]:
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT repo, status, worker FROM sync_runs ORDER BY id").fetchall()


def _kill_when_mid_sync(cluster: Cluster, db: str, repo: str, timeout: float = 120) -> str:
    """SIGKILL the worker syncing ``repo`` once it has written a page and asked for the next;
    returns its name."""
    t0 = time.monotonic()
    with psycopg.connect(db, autocommit=True) as conn:
        while time.monotonic() - t0 < timeout:
            row = conn.execute(
                "SELECT r.worker FROM sync_runs r JOIN sync_cursors c ON c.repo=r.repo AND "
                "c.stream='prs:main:page' AND c.cursor IS NOT NULL WHERE r.repo=%s AND "
                "r.status='running'", (repo,)).fetchone()
            if row:
                cluster.kill(row[0])
                return row[0]
            time.sleep(0.05)
    raise TimeoutError(f"{repo} was never seen mid-sync")


def test_three_workers_sync_an_organisation_once_within_the_budgets(pg_server, tmp_path):
    big = "org/r007"  # 400 PRs in slow pages: the job a worker dies in
    fake = fake_org(REPOS, big={big: 400})
    fake.slow[big] = 0.4
    # two tokens, each with a budget neither could sync the organisation within alone
    need = 9 * REPOS + 60
    budget = need * 3 // 4
    fake.budgets = {t: budget for t in TOKENS}
    db = pg_server.url(pg_server.new_database())
    with fake:
        lst = write_list(tmp_path / "repos.toml", [f"org/r{i:03d}" for i in range(REPOS)],
                         fake.base_url)
        cluster = Cluster(db, fake.base_url, tmp_path / "machines",
                          {"CASESTUDY_TOKEN_BUDGET": str(budget)})
        assert f"queued {REPOS} sync_repo" in cluster.enqueue(lst)
        assert "0 sync_repo job(s); " in cluster.enqueue(lst)  # each is waiting already
        t0 = time.monotonic()
        for name in ("w1", "w2", "w3"):
            cluster.start(name)
        try:
            killed = _kill_when_mid_sync(cluster, db, big)
            wait_until_done(db, 600, list(cluster.procs.values()))
            took = time.monotonic() - t0
        finally:
            cluster.stop()
        logs = {n: cluster.log(n) for n in cluster.procs}

    # every repository synced exactly once, fully, with no duplicate rows
    runs = _runs(db)
    ok = [r for r in runs if r[1] == "ok"]
    assert sorted(r[0] for r in ok) == [f"org/r{i:03d}" for i in range(REPOS)], logs
    expected = {f.full: sum(p["baseRefName"] == "main" for p in f.prs)
                for f in fake.repos.values()}
    assert _pr_counts(db) == expected
    # the killed job: abandoned by the killed worker, finished by another, resumed from the
    # page cursor (the first page was asked for once)
    big_runs = [r for r in runs if r[0] == big]
    assert [r[1] for r in big_runs] == ["abandoned", "ok"]
    assert big_runs[0][2] == killed and big_runs[1][2] not in ("", killed)
    assert sum(1 for repo, after in fake.pr_pages if repo == big and after is None) == 1
    assert [r for r in runs if r[0] != big and r[1] != "ok"] == []
    # no token over its budget; both drawn on; GitHub never had to refuse
    assert fake.over_budget == 0
    assert all(0 < fake.spent[t] <= budget for t in TOKENS), fake.spent
    with psycopg.connect(db) as conn:
        states = dict(conn.execute("SELECT status::text, count(*) FROM procrastinate_jobs "
                                   "WHERE task_name='sync_repo' GROUP BY 1"))
        spent = [r[0] for r in conn.execute("SELECT spent FROM token_budgets")]
    assert states == {"succeeded": REPOS}
    assert all(s <= budget for s in spent)
    workers = {r[2] for r in ok}
    assert len(workers) == 3  # all three took jobs
    Path(tmp_path / "took.txt").write_text(f"{took:.1f}")


def test_the_queue_shows_visitors_only_repositories_they_may_see(pg_server, tmp_path,
                                                                 monkeypatch, capsys):
    from streamlit.testing.v1 import AppTest

    from casestudy.engine.jobs import engine_app, enqueue, ensure_schema, record_failure
    from casestudy.engine.queue import queue_rows
    from casestudy.sources.repo_list import read_repo_list
    from casestudy.store.keys import group_key

    db = pg_server.url(pg_server.new_database())
    store = Store(db)
    app = engine_app(db)
    ensure_schema(app, db)
    with fake_org(1, prs=30) as fake:  # org/r000 synced before: public, with data
        GitHubClient(TOKENS[0], base_url=fake.base_url, min_interval=None).sync(store,
                                                                                "org/r000")
    lst = tmp_path / "repos.toml"
    lst.write_text('[[repo]]\nname = "org/r000"\n[[repo]]\nname = "org/secret"\n'
                   'owner = "group:eng"\n[[repo]]\nname = "org/unseen"\n')
    with app.open():
        assert enqueue(app, read_repo_list(lst)) == (3, 0)
        assert enqueue(app, read_repo_list(lst)) == (0, 3)  # each is waiting already
    with psycopg.connect(db) as conn:  # the secret one failed, with its reason
        job = conn.execute("SELECT id FROM procrastinate_jobs WHERE args->'entry'->>'name'="
                           "'org/secret'").fetchone()[0]
        conn.execute("UPDATE procrastinate_jobs SET status='failed' WHERE id=%s", (job,))
    record_failure(store, job, "org/secret", "sync_repo", RuntimeError("GitHub answered 502"))
    operator = {r.repo: r for r in queue_rows(store)}
    assert set(operator) == {"org/r000", "org/secret", "org/unseen"}
    assert operator["org/secret"].status == "failed"
    assert "502" in operator["org/secret"].reason
    assert operator["org/r000"].status == "queued" and operator["org/r000"].last_sync_at
    assert [r.repo for r in queue_rows(store, ())] == ["org/r000"]
    member = queue_rows(store, (group_key("eng"),))
    assert sorted(r.repo for r in member) == ["org/r000", "org/secret"]
    from casestudy.cli.main import main

    assert main(["queue", "--db", db]) == 0  # the operator's view on the command line
    out = capsys.readouterr().out
    assert "1 failed" in out and "2 queued" in out
    assert "org/secret" in out and "RuntimeError: GitHub answered 502" in out

    # the Data page: a signed-out visitor sees the public repository's job, nothing else
    monkeypatch.setenv("CASESTUDY_DB", db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.switch_page("app_pages/data.py").run()
    assert not at.exception
    assert any(s.value == "Sync queue" for s in at.subheader)
    shown = [df.value for df in at.dataframe if "job" in df.value.columns]
    assert len(shown) == 1 and list(shown[0]["repository"]) == ["org/r000"]
    assert list(shown[0]["status"]) == ["queued"]


def test_without_the_engine_sync_all_works_as_before(tmp_path, monkeypatch):
    from casestudy.cli.main import main

    fake = fake_org(3)
    with fake:
        lst = write_list(tmp_path / "repos.toml", ["org/r000", "org/r001", "org/r002"],
                         fake.base_url)
        monkeypatch.setenv("CASESTUDY_API_URLS", fake.base_url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKENS[0])
        monkeypatch.setenv("CASESTUDY_GITHUB_SPACING", "0")
        db = str(tmp_path / "s.sqlite")
        assert main(["sync-all", str(lst), "--db", db]) == 0
        assert main(["worker", "--db", db]) == 2  # the engine needs PostgreSQL, and says so
    store = Store(db)
    assert len(store.repos()) == 3
    assert [r["worker"] for r in store.sync_runs("org/r001")] == [""]  # no engine worker


def test_compose_runs_scalable_engine_workers_instead_of_a_sleep_loop():
    from tests.test_proxy_config import services

    worker = services((ROOT / "compose.yaml").read_text())["worker"]
    assert "casestudy worker" in worker and "sleep" not in worker
    # `--scale worker=4` needs replicas that publish nothing and carry no fixed name
    assert "ports:" not in worker and "container_name" not in worker
    assert "CASESTUDY_DB: postgresql://" in worker and "casestudy enqueue" in worker


def test_retries_back_off_and_stop_at_refusals():
    from procrastinate.jobs import Job

    from casestudy.engine.jobs import MAX_ATTEMPTS, SyncRetry
    from casestudy.sources.github import GitHubError, GitHubRefused, RateLimited
    from casestudy.store import StoreError

    def job(attempts: int) -> Job:
        return Job(id=1, queue="default", lock="repo:o/r", queueing_lock=None,
                   task_name="sync_repo", attempts=attempts)

    retry = SyncRetry()
    waits = [retry.get_retry_decision(exception=GitHubError("GitHub answered 502"),
                                      job=job(a)).retry_at for a in range(3)]
    assert waits[0] < waits[1] < waits[2]  # 2, 4, 8 s
    reset = time.time() + 900
    at = retry.get_retry_decision(exception=RateLimited("limit", reset), job=job(0)).retry_at
    assert abs(at.timestamp() - reset) < 1  # GitHub's reset, not a guess
    for refused in (GitHubRefused("not found (404)"), StoreError("not yours")):
        assert retry.get_retry_decision(exception=refused, job=job(0)) is None
    assert retry.get_retry_decision(exception=GitHubError("x"), job=job(MAX_ATTEMPTS)) is None


def test_the_bulk_load_from_postgresql_equals_the_row_by_row_load(pg_server):
    """The COPY path, and the arrays it keeps in the store, give the arrays the row path gives
    (authors up to their ids); a write makes what was kept stale."""
    from dataclasses import replace

    from casestudy.store.bulk_load import load_arrays_postgres

    store = Store(pg_server.url(pg_server.new_database()))
    with fake_org(3, prs=120) as fake:
        client = GitHubClient(TOKENS[0], base_url=fake.base_url, min_interval=None)
        for name in ("org/r000", "org/r001", "org/r002"):
            client.sync(store, name)
    repos = ["org/r002", "org/r000", "org/r001"]  # the order asked for is the index order
    from casestudy.store.bulk_load import _kept, keep_arrays

    copied = load_arrays_postgres(store, repos)  # by COPY
    assert _kept(store, repos) == {}
    assert keep_arrays(store, repos) == copied.n  # what a worker does after a sync
    assert set(_kept(store, repos)) == set(repos)
    kept = load_arrays_postgres(store, repos)  # from what was kept
    slow = store._load_arrays_rows(repos)
    _same(copied, slow, repos)
    _same(kept, slow, repos)
    # a write to a repository makes what was kept of it stale: read again, never served
    pr = store.pull_requests("org/r000")[0]
    store.write_batch("org/r000", [replace(pr, additions=pr.additions + 1000)])
    assert set(_kept(store, repos)) == {"org/r001", "org/r002"}
    after = load_arrays_postgres(store, repos)
    _same(after, store._load_arrays_rows(repos), repos)
    assert after.additions.sum() == kept.additions.sum() + 1000


def _same(fast, slow, repos) -> None:
    import numpy as np

    from casestudy.model import TIME_FIELDS

    assert fast.n == slow.n > 300
    for f in ("repo_idx", "number", "additions", "deletions", "n_comments", "is_bot",
              "is_draft", "is_revert", "is_bugfix", "bugfix_rule"):
        assert np.array_equal(getattr(fast, f), getattr(slow, f)), f
    for f in TIME_FIELDS:
        assert np.array_equal(fast.times[f], slow.times[f]), f
    assert (slow.times["deployed_at"] > 0).any()
    pairs = set(zip(fast.author_idx.tolist(), slow.author_idx.tolist(), strict=True))
    assert len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs})
    assert ((fast.author_idx == -1) == (slow.author_idx == -1)).all()
    for r in repos:
        assert np.array_equal(fast.deploy_times[r], slow.deploy_times[r])
        for k in slow.incidents[r]:
            assert np.array_equal(fast.incidents[r][k], slow.incidents[r][k])


def test_the_schedule_enqueues_the_list_and_the_other_jobs_run(pg_server, tmp_path):
    """No enqueue by hand: the periodic ``sync_all`` (here every second) queues the list, a
    repository waits at most once, and the practices and derived-data jobs run too."""
    from casestudy.engine.jobs import engine_app, ensure_schema

    db = pg_server.url(pg_server.new_database())
    store = Store(db)
    ensure_schema(engine_app(db), db)  # the worker would, as it starts
    repos = ["org/r000", "org/r001", "org/r002"]
    with fake_org(3, prs=20) as fake:
        lst = write_list(tmp_path / "repos.toml", [*repos, "org/gone"], fake.base_url)
        cluster = Cluster(db, fake.base_url, tmp_path / "machines",
                          {"CASESTUDY_SYNC_CRON": "* * * * * */1",
                           "CASESTUDY_REPOS": str(lst)})
        cluster.start("w1")
        try:
            t0 = time.monotonic()
            while len({r for r, status, _w in _runs(db) if status == "ok"}) < 3:
                assert time.monotonic() - t0 < 90, cluster.log("w1")
                with psycopg.connect(db) as conn:  # never two waiting jobs for one repository
                    waiting = conn.execute(
                        "SELECT count(*) FROM procrastinate_jobs WHERE task_name='sync_repo' "
                        "AND status='todo' GROUP BY args->'entry'->>'name' ORDER BY 1 DESC "
                        "LIMIT 1").fetchone()
                assert waiting is None or waiting[0] == 1
                time.sleep(0.2)
            read_at = store.audit("org/r001")["read_at"]
            time.sleep(1.1)
            for job in ("refresh_practices", "rebuild_derived"):
                out = subprocess.run(
                    [sys.executable, "-m", "casestudy", "enqueue", str(lst), "--job", job,
                     "--repo", "org/r001"], env=cluster.env("enqueuer"), capture_output=True,
                    text=True, timeout=120)
                assert f"queued 1 {job}" in out.stdout, out.stderr
            with psycopg.connect(db) as conn:
                t0 = time.monotonic()
                while conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name IN "
                                   "('refresh_practices', 'rebuild_derived') AND status != "
                                   "'succeeded'").fetchone()[0]:
                    assert time.monotonic() - t0 < 60, cluster.log("w1")
                    time.sleep(0.2)
                failures = conn.execute("SELECT repo, task, message FROM job_failures"
                                        ).fetchall()
                gone = conn.execute("SELECT status::text, attempts FROM procrastinate_jobs "
                                    "WHERE args->'entry'->>'name' = 'org/gone' ORDER BY id"
                                    ).fetchall()
        finally:
            cluster.stop()
    # a repository GitHub does not have fails once, with GitHub's reason, and is not retried
    # (each scheduled round may queue it again)
    assert [(r, t) for r, t, _m in failures] == [("org/gone", "sync_repo")] * len(failures)
    assert failures and "not found" in failures[0][2]
    ran = [(s, a) for s, a in gone if s not in ("todo", "doing")]  # a new round may wait
    assert ran and all((s, a) == ("failed", 1) for s, a in ran)  # one attempt each
    assert store.audit("org/r001")["read_at"] > read_at  # the practices were read again
    from casestudy.store.bulk_load import _kept

    assert set(_kept(store, repos)) == set(repos)  # every sync kept its arrays
