"""What the task queue holds, as people may see it: per repository and job kind the latest job —
queued, running (on which worker), retrying or failed (with the reason) — and the repository's
last finished sync. Read with plain SQL from the store's database (procrastinate's tables beside
the store's), so the app never loads the engine.

A visitor sees a job only when they may see its repository (``Store.repos(visible_to=…)``, the
rules of ``store.access``) or the list entry names an owner they hold; a repository not synced
yet, with no owner named, is shown to nobody but the operator: it may turn out private."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..store import Store
from ..store.keys import OwnerError, parse_owner

JOBS = ("sync_repo", "refresh_practices", "rebuild_derived")
WORDS = {"sync_repo": "sync", "refresh_practices": "practices", "rebuild_derived": "derived data"}


@dataclass
class QueueRow:
    repo: str
    job: str  # "sync", "practices", "derived data"
    status: str  # queued | running | retrying | failed | done
    attempts: int
    worker: str  # the worker running its sync ('' when not known)
    reason: str  # why the last attempt failed ('' when it did not)
    last_sync_at: int | None  # the repository's last finished sync


def engine_installed(store: Store) -> bool:
    """Does the store's database hold the task queue (PostgreSQL with procrastinate's
    tables)?"""
    if store.db.kind != "postgresql":
        return False
    return bool(store.db.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
                .fetchone()[0])


def _owner_key(text: str | None) -> str:
    try:
        return parse_owner(text) if text else ""
    except OwnerError:
        return ""


def queue_rows(store: Store, viewer: Sequence[str] | None = None) -> list[QueueRow]:
    """The latest job per (repository, job kind) that is not done, or whose repository is
    visible, for ``viewer`` (account keys; None: the operator, who sees everything)."""
    if not engine_installed(store):
        return []
    marks = ",".join("?" * len(JOBS))
    rows = store.db.execute(
        "SELECT DISTINCT ON (j.task_name, j.args->'entry'->>'name') j.args->'entry'->>'name', "
        "j.task_name, j.status::text, j.attempts, j.args->'entry'->>'owner', f.message "
        "FROM procrastinate_jobs j LEFT JOIN job_failures f ON f.job_id = j.id "
        f"WHERE j.task_name IN ({marks}) "
        "ORDER BY j.task_name, j.args->'entry'->>'name', j.id DESC", JOBS).fetchall()
    visible = None if viewer is None else set(store.repos(visible_to=list(viewer)))
    keys = set(viewer or ())
    last = dict(store.db.execute(
        "SELECT repo, max(finished_at) FROM sync_runs WHERE status='ok' GROUP BY repo"
    ).fetchall())
    workers = dict(store.db.execute(
        "SELECT repo, worker FROM sync_runs WHERE status='running'").fetchall())
    out = []
    for repo, task, status, attempts, owner, reason in rows:
        if visible is not None and repo not in visible and \
                not (_owner_key(owner) and _owner_key(owner) in keys):
            continue
        word = {"todo": "retrying" if attempts else "queued", "doing": "running",
                "failed": "failed", "succeeded": "done"}.get(status, status)
        out.append(QueueRow(repo, WORDS[task], word, int(attempts),
                            workers.get(repo, "") if word == "running" else "",
                            (reason or "") if word in ("retrying", "failed") else "",
                            last.get(repo)))
    order = {"running": 0, "retrying": 1, "queued": 2, "failed": 3, "done": 4}
    return sorted(out, key=lambda r: (order.get(r.status, 5), r.repo, r.job))


def counts(rows: Sequence[QueueRow]) -> dict[str, int]:
    """How many rows are in each status."""
    out: dict[str, int] = {}
    for r in rows:
        out[r.status] = out.get(r.status, 0) + 1
    return out
