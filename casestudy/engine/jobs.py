"""The jobs, on procrastinate (a PostgreSQL-backed task queue) in the store's own database.

Three jobs, each about one repository of the operator's list (``sources.repo_list``):

- ``sync_repo``: sync it through the one sync entry (``sources.sync``): GitHub with the server
  token that has the most budget left (drawing every call from the token's shared budget,
  ``store.budget``), or its clone;
- ``refresh_practices``: read the practice audit at HEAD again (GitHub: the tree; a clone: its
  history pass);
- ``rebuild_derived``: derive deployments-from-merges, incidents and time to green again from
  the stored records.

After a sync or a rebuild the job keeps the repository's arrays in the store
(``store.bulk_load.keep_arrays``), so loading an organisation reads them instead of its rows.

Guarantees, and what gives them:

- at most one running job per repository: every job of a repository carries the procrastinate
  ``lock`` ``repo:<name>`` (jobs with the same lock run one after another), and a
  ``queueing_lock`` per (job, repository), so a repository waits in the queue at most once per
  job kind — a periodic enqueue of a repository still queued is skipped;
- retries with backoff: ``SyncRetry`` retries a failed job after 2, 4, 8 … seconds (at most an
  hour), a rate-limited one at the reset GitHub named, and never one GitHub refused for good
  (bad token, not found) or the store refused (a name that is not the list's to write);
- a job whose worker died is taken up by another: workers send procrastinate heartbeats, and
  the periodic ``retry_stalled`` job (the documented recipe) puts the jobs of workers silent for
  ``$CASESTUDY_STALLED_AFTER`` seconds back in the queue; the next worker closes the dead run as
  abandoned and the sync resumes from the cursor its pages were written with (upserts: no
  duplicate rows);
- periodic scheduling: ``sync_all`` enqueues every repository of ``$CASESTUDY_REPOS`` on
  ``$CASESTUDY_SYNC_CRON`` (default hourly), instead of a worker sleeping between rounds.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from dataclasses import asdict, replace
from pathlib import Path

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued

from ..config import SettingError
from ..sources.repo_list import Entry, RepoListError, read_repo_list
from ..store import Store, StoreError
from ..store.budget import BudgetTooSmall
from ..store.db import DatabaseError, is_postgres
from .tokens import owner_of_private, server_tokens, take_token

SYNC, PRACTICES, DERIVED = "sync_repo", "refresh_practices", "rebuild_derived"
JOB_KINDS = (SYNC, PRACTICES, DERIVED)
PERMANENT = (StoreError, SettingError, RepoListError, BudgetTooSmall)  # + GitHubRefused
MAX_ATTEMPTS = 6


def _seconds(name: str, default: float) -> float:
    try:
        return max(0.5, float(os.environ.get(name) or default))
    except ValueError:
        return default


def stalled_after() -> float:
    """Seconds without a worker heartbeat after which its jobs are stalled (default 60)."""
    return _seconds("CASESTUDY_STALLED_AFTER", 60)


class SyncRetry(procrastinate.BaseRetryStrategy):
    """Exponential backoff (2, 4, 8 … s, at most an hour), GitHub's reset for a rate limit,
    no retry for a refusal that trying again cannot change."""

    def get_retry_decision(self, *, exception: BaseException,
                           job) -> procrastinate.RetryDecision | None:
        if job.attempts + 1 >= MAX_ATTEMPTS:
            return None
        if isinstance(exception, PERMANENT) or getattr(exception, "permanent", False):
            return None
        reset = getattr(exception, "reset_at", None)
        if reset:
            return procrastinate.RetryDecision(
                retry_at=dt.datetime.fromtimestamp(reset, tz=dt.UTC))
        return procrastinate.RetryDecision(retry_in={"seconds": min(2 ** (job.attempts + 1),
                                                                    3600)})


# -- one store per worker process ---------------------------------------------------------------
_STORES: dict[str, Store] = {}
_LOCK = threading.Lock()


def worker_store(url: str | None = None) -> Store:
    """This process's store (``$CASESTUDY_DB``), its writes signed with the worker's name."""
    url = url or os.environ.get("CASESTUDY_DB", "")
    with _LOCK:
        if url not in _STORES:
            store = Store(url)
            store.worker = os.environ.get("CASESTUDY_WORKER") or \
                f"{socket.gethostname()}-{os.getpid()}"
            _STORES[url] = store
        return _STORES[url]


def record_failure(store: Store, job_id: int, repo: str, task: str, exc: BaseException) -> None:
    """Why a job's last attempt failed (the Data page shows it beside the job)."""
    import time

    message = f"{type(exc).__name__}: {exc}"[:500]
    with store.transaction():
        store.db.execute(
            "INSERT INTO job_failures (job_id, repo, task, failed_at, message) VALUES "
            "(?,?,?,?,?) ON CONFLICT(job_id) DO UPDATE SET failed_at=excluded.failed_at, "
            "message=excluded.message", (job_id, repo, task, int(time.time()), message))


# -- the jobs -----------------------------------------------------------------------------------
def _entry_request(store: Store, e: Entry):
    """The sync request of a list entry, with a server token and its shared budget."""
    from ..sources.sync import entry_request

    if e.path:
        return entry_request(e, None)
    tokens = server_tokens()
    token, budget = take_token(store, tokens)
    req = entry_request(e, token)
    return replace(req, budget=budget, account_key=e.owner_key or owner_of_private(tokens))


def _run(context, name: str, task: str, work) -> str:
    store = worker_store()
    try:
        # this job holds the repository's lock: a run still marked running was a dead worker's
        store.abandon_running(name, f"its worker stopped; the job was taken up by "
                                    f"{store.worker}")
        return work(store)
    except Exception as exc:
        record_failure(store, context.job.id, name, task, exc)
        raise


def sync_repo(context, entry: dict) -> str:
    """Sync one repository of the list (``entry``: its fields)."""
    from ..sources.sync import sync

    e = Entry(**entry)

    def work(store: Store) -> str:
        line = sync(store, _entry_request(store, e)).summary()
        _keep_arrays(store, e.name)
        return line

    return _run(context, e.name, SYNC, work)


def _keep_arrays(store: Store, repo: str) -> None:
    """Keep the repository's arrays in the store for organisation loads (PostgreSQL). Not
    keeping them fails nothing: a load then reads the repository by COPY."""
    if store.db.kind != "postgresql":
        return
    import sys

    from ..store.bulk_load import keep_arrays

    try:
        keep_arrays(store, [repo])
    except store.db.errors as exc:
        print(f"{repo}: its arrays were not kept ({type(exc).__name__}); an organisation load "
              "reads it by COPY", file=sys.stderr)


def refresh_practices(context, entry: dict) -> str:
    """Read the practice audit of one repository again."""
    from ..sources.github import GitHubClient, parse_repo
    from ..sources.sync import sync

    e = Entry(**entry)

    def work(store: Store) -> str:
        req = _entry_request(store, e)
        if e.path:  # a clone's audit comes with its one history pass
            sync(store, req)
            return f"{e.name}: practices read from the clone"
        client = GitHubClient(req.token, base_url=req.base_url, budget=req.budget)
        owner, name = parse_repo(e.name)
        branch = store.repo_info(e.name).default_branch or "main"
        store.set_audit(e.name, client.tree_audit(owner, name, branch))
        return f"{e.name}: practices read at {branch}"

    return _run(context, e.name, PRACTICES, work)


def rebuild_derived(context, entry: dict) -> str:
    """Derive deployments (from merges), incidents and time to green of one repository again,
    and keep its arrays."""
    from ..sources.finish import finish

    e = Entry(**entry)

    def work(store: Store) -> str:
        checks = bool(store.check_runs(e.name))
        done = finish(store, e.name, checks=checks)
        _keep_arrays(store, e.name)
        return f"{e.name}: {done.deployments} deployments, {done.incidents} incidents"

    return _run(context, e.name, DERIVED, work)


# -- the app ------------------------------------------------------------------------------------
_APPS: dict[str, procrastinate.App] = {}


def engine_app(url: str | None = None) -> procrastinate.App:
    """The procrastinate app on the store's PostgreSQL (``$CASESTUDY_DB``), its jobs
    registered (once per process and database)."""
    url = url or os.environ.get("CASESTUDY_DB", "")
    if not is_postgres(url):
        raise SettingError("the task engine runs on the store's PostgreSQL: set CASESTUDY_DB "
                           "(or --db) to a postgresql:// URL")
    if url in _APPS:
        return _APPS[url]
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    for func in (sync_repo, refresh_practices, rebuild_derived):
        app.task(name=func.__name__, pass_context=True, retry=SyncRetry())(func)

    async def retry_stalled(context, timestamp: int) -> int:
        """Put the jobs of workers silent too long back in the queue (another worker takes
        them up)."""
        jobs = await context.app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=stalled_after())
        n = 0
        for job in jobs:
            await context.app.job_manager.retry_job(job)
            n += 1
        return n

    async def sync_all(context, timestamp: int) -> int:
        """Enqueue every repository of the operator's list (``$CASESTUDY_REPOS``)."""
        path = os.environ.get("CASESTUDY_REPOS", "").strip()
        if not path:
            return 0
        return (await enqueue_async(context.app, read_repo_list(Path(path))))[0]

    stall_cron = os.environ.get("CASESTUDY_STALLED_CRON", "* * * * *")
    sync_cron = os.environ.get("CASESTUDY_SYNC_CRON", "0 * * * *")
    # ahead of the syncs waiting in the queue (a higher priority is fetched first)
    app.periodic(cron=stall_cron, priority=100)(app.task(
        name="retry_stalled", pass_context=True, queueing_lock="retry_stalled")(retry_stalled))
    app.periodic(cron=sync_cron, priority=50)(app.task(
        name="sync_all", pass_context=True, queueing_lock="sync_all")(sync_all))
    _APPS[url] = app
    return app


def _configure(app: procrastinate.App, kind: str, e: Entry):
    return app.configure_task(kind, lock=f"repo:{e.name}", queueing_lock=f"{kind}:{e.name}",
                              task_kwargs={"entry": asdict(e)})


def enqueue(app: procrastinate.App, entries: list[Entry], kind: str = SYNC) -> tuple[int, int]:
    """Queue ``kind`` for each entry; returns (queued, already waiting)."""
    queued = waiting = 0
    for e in entries:
        try:
            _configure(app, kind, e).defer()
            queued += 1
        except AlreadyEnqueued:
            waiting += 1
    return queued, waiting


async def enqueue_async(app: procrastinate.App, entries: list[Entry],
                        kind: str = SYNC) -> tuple[int, int]:
    """``enqueue`` from a running worker."""
    queued = waiting = 0
    for e in entries:
        try:
            await _configure(app, kind, e).defer_async()
            queued += 1
        except AlreadyEnqueued:
            waiting += 1
    return queued, waiting


def ensure_schema(app: procrastinate.App, url: str) -> bool:
    """Create procrastinate's tables in the store's database unless they are there (one
    process at a time: an advisory lock); returns True when it created them."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(724033)")
            try:
                if conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0]:
                    return False
                conn.execute(app.schema_manager.get_schema())
                return True
            finally:
                conn.execute("SELECT pg_advisory_unlock(724033)")
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot set up the task queue: {str(exc).splitlines()[0]}") from None
