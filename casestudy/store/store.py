"""The store: a versioned schema, idempotent upserts and sync cursors, in SQLite or PostgreSQL.

An SQLite file is the default (embedded, nothing to run); a ``postgresql://`` URL selects
PostgreSQL for a hosted, multi-user deployment with independent sync jobs (``db.py`` hides the
engine). The interface is narrow (repos, upserts, cursors, sync runs, array loading, PR look-up)
and the same tests run against both engines. Every write method runs in one transaction: a
killed process loses nothing already committed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from ..bugfix_rules import classify
from ..config import default_db_location, hosted
from ..core.deployments import deployed_at_is_exact, first_deployment_after
from ..model import (
    INCIDENT_FIELDS,
    INCIDENT_RULES,
    MISSING,
    NO_OFFSET,
    TIME_FIELDS,
    AIReview,
    CheckRun,
    Commit,
    CommitArrays,
    Deployment,
    Incident,
    PRArrays,
    PullRequest,
    Review,
)
from ..source_kinds import kind_of
from .access import acting, not_yours, refusal
from .db import DatabaseError, open_database
from .errors import StoreError
from .migrations import MIGRATIONS, SCHEMA_VERSION
from .names import NameError_, check_repo_name
from .namespaces import SEP, named_rows, shown, visible

PR_COLUMNS = [f.name for f in fields(PullRequest)]
_RULE_INDEX = {r: i for i, r in enumerate(INCIDENT_RULES)}
_JSON_COLUMNS = {"labels", "linked_issue_labels", "ai_rules"}
_BOOL_COLUMNS = {"author_is_bot", "is_draft", "is_revert"}



# a repository is complete once a sync of it finished, or when no sync run ever wrote it
# (imports and the demo are written whole)
_COMPLETE = ("(NOT EXISTS (SELECT 1 FROM sync_runs s WHERE s.repo=repos.repo) OR EXISTS "
             "(SELECT 1 FROM sync_runs s WHERE s.repo=repos.repo AND s.status='ok'))")


def sync_lease() -> int:
    """Seconds without a heartbeat after which a running sync is taken as dead
    (``$CASESTUDY_SYNC_LEASE``, default 900)."""
    try:
        return max(1, int(os.environ.get("CASESTUDY_SYNC_LEASE") or 900))
    except ValueError:
        return 900


@dataclass
class RepoInfo:
    repo: str
    source: str  # the key of its source kind (``source_kinds``)
    synthetic: bool = False
    default_branch: str = ""
    deploy_source: str = ""
    host: str = ""
    account_key: str = ""  # hash of the account that synced a private repo; "" = public


@dataclass
class RepoSummary:
    repo: str
    source: str
    synthetic: bool
    prs: int
    merged: int
    first_at: int | None
    last_at: int | None
    deployments: int
    deploy_source: str
    last_sync_at: int | None
    last_sync_requests: int
    last_sync_points: int
    releases: str = ""  # what counted as a release and what was left out (git tags)
    landings: str = ""  # how PRs landed, by style (git)
    branches: str = ""  # which branches' landings were read, backports found (git)


def bugfix_rules_version() -> int:
    """A short number naming the bug-fix rules in force (their ids and every pattern)."""
    import hashlib

    from ..bugfix_rules import RULES, definition

    text = json.dumps([[(r.id, r.name) for r in RULES], definition()], default=str)
    return int(hashlib.sha256(text.encode()).hexdigest()[:7], 16)


def _pr_row(pr: PullRequest) -> tuple:
    row = []
    for c in PR_COLUMNS:
        v = getattr(pr, c)
        if c in _JSON_COLUMNS:
            v = json.dumps(list(v), ensure_ascii=False)
        elif c in _BOOL_COLUMNS:
            v = int(bool(v))
        row.append(v)
    row.append(classify(pr.title, pr.labels, pr.linked_issue_labels))
    return tuple(row)


def _row_pr(row: Sequence) -> PullRequest:
    kw = {}
    for c, v in zip(PR_COLUMNS, row, strict=False):
        if c in _JSON_COLUMNS:
            v = tuple(json.loads(v or "[]"))
        elif c in _BOOL_COLUMNS:
            v = bool(v)
        elif c in ("merged_by", "author_association", "ai_tool") and v is None:  # older rows
            v = ""
        kw[c] = v
    return PullRequest(**kw)


def _nested_names(source: str) -> bool:
    """Whether the source kind ``source`` keeps namespaces with subgroups in its names."""
    try:
        return kind_of(source).nested_names
    except ValueError:
        return False


class Store:
    """``Store(location)`` opens (creating or migrating) an SQLite file or a ``postgresql://`` URL;
    without one, ``$CASESTUDY_DB`` or the user's default SQLite file."""

    def __init__(self, location: str | Path | None = None):
        self.location = str(location) if location else default_db_location()
        try:
            self.db = open_database(self.location)
        except DatabaseError as exc:
            raise StoreError(str(exc)) from None
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the store at {self.location}: {exc}") from exc
        self.path = self.db.path  # the SQLite file (None on PostgreSQL)
        self.label = self.db.label  # for people: never carries a password
        self.ident = self.db.ident  # for cache keys: never carries a password
        self.conn = self.db.conn
        self.worker = ""  # the task-engine worker writing through this store ('' = none)
        try:
            self._migrate()
        except self.db.errors as exc:
            raise StoreError(f"{self.label} is not a casestudy store: {exc}") from exc

    # -- schema -----------------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self.db.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.label} has schema version {version}, newer than this casestudy "
                f"({SCHEMA_VERSION}); upgrade casestudy"
            )
        for i in range(version, SCHEMA_VERSION):
            self.db.migrate(MIGRATIONS[i], i + 1)
        # a random number per database, so caches keyed by its location and revision never
        # serve a database that was deleted and created again at the same place
        import secrets

        with self.db.transaction():
            self.db.execute("INSERT INTO meta (key, value) VALUES ('instance', ?) "
                            "ON CONFLICT DO NOTHING", (secrets.randbits(62),))
        self._reclassify_bugfixes()

    def _reclassify_bugfixes(self) -> None:
        """Each PR's bug-fix rule is stored when it is written; when the rules have changed
        since (a newer casestudy), every stored PR is classified again once, so a report never
        mixes old and new rules under the new definitions' hash."""
        version = bugfix_rules_version()
        row = self.db.execute("SELECT value FROM meta WHERE key='bugfix_rules'").fetchone()
        if row is not None and int(row[0]) == version:
            return
        with self.db.transaction():
            changed = [(rule, repo, number) for repo, number, title, labels, linked, old in
                       self.db.execute("SELECT repo, number, title, labels, linked_issue_labels, "
                                       "bugfix_rule FROM pull_requests").fetchall()
                       if (rule := classify(title or "", json.loads(labels or "[]"),
                                            json.loads(linked or "[]"))) != old]
            if changed:
                self.db.executemany("UPDATE pull_requests SET bugfix_rule=? WHERE repo=? AND "
                                    "number=?", changed)
                self._bump()
                for repo in sorted({r for _rule, r, _n in changed}):  # their kept arrays too
                    self._bump(repo)
            self.db.execute("INSERT INTO meta (key, value) VALUES ('bugfix_rules', ?) "
                            "ON CONFLICT (key) DO UPDATE SET value=excluded.value", (version,))

    @property
    def instance(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key='instance'").fetchone()[0])

    @property
    def schema_version(self) -> int:
        return self.db.schema_version()

    def close(self) -> None:
        self.db.close()

    def transaction(self):
        """A context in which every write commits together or not at all (the store's own
        write methods inside it become savepoints): ``with store.transaction(): ...``."""
        return self.db.transaction()

    # -- writes -----------------------------------------------------------------------------
    def upsert_repo(self, info: RepoInfo) -> None:
        """Add or update a repository, under the write rules (``access``): its name must be
        GitHub-like (``names``); demo data is read-only; an existing repository is written only
        by its owner; a hosted instance takes no shared data from signed-out visitors; and a
        repository's identity is its name and host — a write never replaces one from another
        host when it is private or the instance hosted. A refusal raises ``StoreError`` and
        changes nothing."""
        with self.db.transaction():
            writer = self._check_write(info)
            self.db.execute(
                "INSERT INTO repos (repo, source, synthetic, default_branch, deploy_source, host, "
                "account_key, writer, added_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(repo) DO "
                "UPDATE SET source=excluded.source, synthetic=excluded.synthetic, "
                "default_branch=excluded.default_branch, deploy_source=excluded.deploy_source, "
                "host=excluded.host, account_key=excluded.account_key",
                (info.repo, info.source, int(info.synthetic), info.default_branch,
                 info.deploy_source, info.host, info.account_key, writer, int(time.time())),
            )
            self._bump(info.repo)

    def check_write(self, info: RepoInfo) -> None:
        """Raise ``StoreError`` when ``upsert_repo(info)`` would be refused (to check every
        repository of an import before writing any)."""
        self._check_write(info)

    def _check_write(self, info: RepoInfo) -> str:
        """The writer to record for a new repository, after the write rules; raises."""
        # a hosted visitor's repository is filed under a tagged key (``namespaces``); anyone
        # else names repositories by their names only
        name = shown(info.repo) if acting() is not None and hosted() else info.repo
        try:
            check_repo_name(name, nested=_nested_names(info.source))
        except NameError_ as exc:
            raise StoreError(str(exc)) from None
        visitor = acting()
        row = self.db.execute("SELECT host, account_key, source, synthetic, writer FROM repos "
                              "WHERE repo=?", (info.repo,)).fetchone()
        existing = None if row is None else dict(zip(
            ("host", "account_key", "source", "synthetic", "writer"), row, strict=True))
        if existing is None:  # a look-alike of a name already here (another case of it)
            rows = named_rows(self, name)
            if visitor is not None and SEP in info.repo:  # a visitor's: only what they see
                rows = [r for r in rows if visible(r[1], visitor.keys)]
            if any(shown(key) != name for key, _acct, _writer in rows):
                raise StoreError(not_yours(name))
        why = refusal(name, existing, info.source, info.account_key, visitor, hosted())
        if why:
            raise StoreError(why)
        if existing is not None:
            host, owner = existing["host"], existing["account_key"]
            if host != info.host and (owner or hosted()):
                raise StoreError(f"{name} is already here from another source: a "
                                 f"repository from {info.host or 'an import'} cannot replace "
                                 "it; choose another name")
        return visitor.own_key if visitor else ""

    def adopt_keys(self, old_keys: Sequence[str], new_key: str) -> int:
        """Give the repositories of ``old_keys`` (an account's keys before key namespaces) to
        ``new_key``; returns how many moved."""
        old = [k for k in old_keys if k and k != new_key]
        if not old or not new_key:
            return 0
        marks = ",".join("?" * len(old))
        with self.db.transaction():
            n = self.db.execute(f"SELECT count(*) FROM repos WHERE account_key IN ({marks}) OR "
                                f"writer IN ({marks})", (*old, *old)).fetchone()[0]
            if n:
                self.db.execute(f"UPDATE repos SET account_key=? WHERE account_key IN ({marks})",
                                (new_key, *old))
                self.db.execute(f"UPDATE repos SET writer=? WHERE writer IN ({marks})",
                                (new_key, *old))
                self._bump()
        return int(n)

    def write_batch(
        self,
        repo: str,
        prs: Iterable[PullRequest] = (),
        deployments: Iterable[Deployment] = (),
        incidents: Iterable[Incident] = (),
        cursor: tuple[str, str] | None = None,
        cursors: dict[str, str | None] | None = None,
        check_runs: Iterable[CheckRun] = (),
        commits: Iterable[Commit] = (),
        reviews: Iterable[Review] = (),
        ai_reviews: Iterable[AIReview] = (),
        pr_files: dict[int, Iterable[str]] | None = None,
    ) -> int:
        """Upsert one batch and its sync cursors (``(stream, value)`` or a dict) atomically.
        ``pr_files``: the files each PR of the batch changed (PR number → paths), each PR's
        replacing what was kept for it (an empty list records a PR known to change none)."""
        rows = [_pr_row(p) for p in prs]
        deployments, incidents, check_runs = list(deployments), list(incidents), list(check_runs)
        commits, reviews, ai_reviews = list(commits), list(reviews), list(ai_reviews)
        cols = PR_COLUMNS + ["bugfix_rule"]
        placeholders = ",".join("?" * len(cols))
        updates = ",".join(f"{c}=excluded.{c}" for c in cols if c not in ("repo", "number"))
        with self.db.transaction():
            if rows:
                self.db.executemany(
                    f"INSERT INTO pull_requests ({','.join(cols)}) VALUES ({placeholders}) "
                    f"ON CONFLICT(repo, number) DO UPDATE SET {updates}",
                    rows,
                )
            self._write_deployments(deployments)
            self._write_incidents(incidents)
            if cursor is not None:
                self._set_cursor(repo, cursor[0], cursor[1])
            for stream, value in (cursors or {}).items():
                self._set_cursor(repo, stream, value)
            self._write_check_runs(check_runs)
            self._write_commits(commits)
            self.db.executemany(
                "INSERT INTO reviews (repo, pr, reviewer, submitted_at, state) VALUES "
                "(?,?,?,?,?) ON CONFLICT(repo, pr, reviewer, submitted_at) DO UPDATE SET "
                "state=excluded.state",
                [(r.repo, r.pr, r.reviewer, r.submitted_at, r.state) for r in reviews])
            self.db.executemany(
                "INSERT INTO ai_reviews (repo, pr, reviewer, submitted_at, tool, kind) VALUES "
                "(?,?,?,?,?,?) ON CONFLICT(repo, pr, reviewer, submitted_at, kind) DO UPDATE SET "
                "tool=excluded.tool",
                [(r.repo, r.pr, r.reviewer, r.submitted_at, r.tool, r.kind) for r in ai_reviews])
            if pr_files:
                self._upsert_pr_files(repo, pr_files)
            if rows or deployments or incidents or pr_files:
                self._bump(repo)
            elif check_runs or commits or reviews or ai_reviews:
                self._bump()
            self._beat(repo)
        return len(rows)

    def _write_commits(self, commits: list[Commit]) -> None:
        self.db.executemany(
            "INSERT INTO commits (repo, sha, pr, author, author_is_bot, authored_at, "
            "author_utc_offset, committed_at, additions, deletions, ai_rule, ai_tool) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT(repo, sha) DO UPDATE SET pr=coalesce(excluded.pr, commits.pr), "
            "author=excluded.author, author_is_bot=excluded.author_is_bot, "
            "authored_at=excluded.authored_at, author_utc_offset=excluded.author_utc_offset, "
            "committed_at=excluded.committed_at, additions=excluded.additions, "
            "deletions=excluded.deletions, ai_rule=excluded.ai_rule, ai_tool=excluded.ai_tool",
            [(c.repo, c.sha, c.pr, c.author, int(c.author_is_bot), c.authored_at,
              c.author_utc_offset, c.committed_at, c.additions, c.deletions, c.ai_rule or "",
              c.ai_tool or "") for c in commits],
        )

    def _write_incidents(self, incidents: list[Incident]) -> None:
        self.db.executemany(
            "INSERT INTO incidents (repo, id, opened_at, resolved_at, kind, refs, failed_at, rule) "
            "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(repo, id) DO UPDATE SET "
            "opened_at=excluded.opened_at, resolved_at=excluded.resolved_at, "
            "kind=excluded.kind, refs=excluded.refs, failed_at=excluded.failed_at, "
            "rule=excluded.rule",
            [(i.repo, i.id, i.opened_at, i.resolved_at, i.kind, json.dumps(list(i.refs)),
              i.failed_at, i.rule) for i in incidents],
        )

    def replace_incidents(self, repo: str, incidents: Iterable[Incident]) -> None:
        """Make ``incidents`` the repository's whole incident list (one transaction)."""
        incidents = list(incidents)
        with self.db.transaction():
            self.db.execute("DELETE FROM incidents WHERE repo=?", (repo,))
            self._write_incidents(incidents)
            self._bump(repo)

    def keep_deployments(self, repo: str, deployments: list[Deployment], source: str,
                         same: bool) -> None:
        """A deployment sync's result: added to the stored list when ``same`` (the source
        read last time, incrementally), else the repository's whole list from ``source``."""
        if same:
            self.write_batch(repo, deployments=deployments)
        else:
            self.replace_deployments(repo, deployments, source)

    def replace_deployments(self, repo: str, deployments: Iterable[Deployment],
                            source: str) -> None:
        """Make ``deployments`` the repository's whole deployment list and record their source
        (one transaction): a change of deployment source replaces the old deployments instead
        of adding to them."""
        deployments = list(deployments)
        with self.db.transaction():
            self.db.execute("DELETE FROM deployments WHERE repo=?", (repo,))
            self._write_deployments(deployments)
            self.db.execute("UPDATE repos SET deploy_source=? WHERE repo=?", (source, repo))
            self._bump(repo)

    def _write_deployments(self, deployments: list[Deployment]) -> None:
        self.db.executemany(
            "INSERT INTO deployments (repo, id, created_at, sha, environment, source) "
            "VALUES (?,?,?,?,?,?) ON CONFLICT(repo, id) DO UPDATE SET "
            "created_at=excluded.created_at, sha=excluded.sha, "
            "environment=excluded.environment, source=excluded.source",
            [(d.repo, d.id, d.created_at, d.sha, d.environment, d.source) for d in deployments],
        )

    def _bump(self, repo: str | None = None) -> None:
        """The store changed (and ``repo``'s PR arrays with it, when named)."""
        import secrets

        self.db.execute("UPDATE meta SET value=value+1 WHERE key='revision'")
        # a new random stamp too: two copies of one database that change apart never share
        # (instance, revision, stamp), as they may share the first two
        self.db.execute("INSERT INTO meta (key, value) VALUES ('stamp', ?) ON CONFLICT(key) "
                        "DO UPDATE SET value=excluded.value", (secrets.randbits(62),))
        if repo is not None:
            self.db.execute("UPDATE repos SET arrays_version=arrays_version+1 WHERE repo=?",
                            (repo,))

    @property
    def revision(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key='revision'").fetchone()[0])

    @property
    def stamp(self) -> int:
        """A random number written by every change (0 before the first): with ``instance`` and
        ``revision`` it tells apart copies of one database that changed apart."""
        row = self.db.execute("SELECT value FROM meta WHERE key='stamp'").fetchone()
        return int(row[0]) if row else 0

    def _set_cursor(self, repo: str, stream: str, value: str | None) -> None:
        self.db.execute(
            "INSERT INTO sync_cursors (repo, stream, cursor, updated_at) VALUES (?,?,?,?) "
            "ON CONFLICT(repo, stream) DO UPDATE SET cursor=excluded.cursor, "
            "updated_at=excluded.updated_at",
            (repo, stream, value, int(time.time())),
        )

    def set_cursor(self, repo: str, stream: str, value: str | None) -> None:
        with self.db.transaction():
            self._set_cursor(repo, stream, value)

    def get_cursor(self, repo: str, stream: str) -> str | None:
        row = self.db.execute(
            "SELECT cursor FROM sync_cursors WHERE repo=? AND stream=?", (repo, stream)
        ).fetchone()
        return row[0] if row else None

    def start_sync(self, repo: str, source: str) -> int:
        """Record a sync run of ``repo`` as running, with a heartbeat (a run before it whose
        lease lapsed is closed as abandoned first)."""
        now = int(time.time())
        with self.db.transaction():
            self._close_abandoned(repo, now)
            run_id = self.db.execute(
                "INSERT INTO sync_runs (repo, source, started_at, status, heartbeat_at, worker) "
                "VALUES (?,?,?,?,?,?) RETURNING id",
                (repo, source, now, "running", now, self.worker),
            ).fetchone()[0]
        return int(run_id)

    def abandon_running(self, repo: str, why: str) -> int:
        """Close every running sync of ``repo`` started by a task-engine worker as abandoned,
        now: the engine holds the repository's lock, so no other engine run of it is alive (a
        sync from the command line keeps its lease). Returns how many were closed."""
        with self.db.transaction():
            return self.db.execute(
                "UPDATE sync_runs SET status='abandoned', finished_at=coalesce(heartbeat_at, "
                "started_at), message=? WHERE repo=? AND status='running' AND worker != ''",
                (why, repo)).rowcount

    def heartbeat(self, repo: str) -> None:
        """The running sync of ``repo`` is alive (every batch written renews its lease)."""
        with self.db.transaction():
            self._beat(repo)

    def _beat(self, repo: str) -> None:
        self.db.execute("UPDATE sync_runs SET heartbeat_at=? WHERE repo=? AND status='running'",
                        (int(time.time()), repo))

    def _close_abandoned(self, repo: str | None, now: int) -> None:
        """Close running runs whose heartbeat is older than the lease: their process died."""
        lapsed = now - sync_lease()
        where = "status='running' AND coalesce(heartbeat_at, started_at) < ?"
        args: tuple = (lapsed,)
        if repo is not None:
            where += " AND repo=?"
            args += (repo,)
        self.db.execute(
            "UPDATE sync_runs SET status='abandoned', finished_at=coalesce(heartbeat_at, "
            "started_at), message='the sync stopped without finishing (its process ended; no "
            f"heartbeat for over {sync_lease()} s)' WHERE {where}", args)

    def finish_sync(self, run_id: int, status: str, requests: int = 0, points: int = 0,
                    prs: int = 0, message: str = "") -> None:
        with self.db.transaction():
            self.db.execute(
                "UPDATE sync_runs SET finished_at=?, status=?, requests=?, points=?, prs=?, "
                "message=? WHERE id=?",
                (int(time.time()), status, requests, points, prs, message, run_id),
            )

    def sync_runs(self, repo: str) -> list[dict]:
        """The sync runs of ``repo``, oldest first; a running one whose lease lapsed is closed
        as ``abandoned`` first."""
        with self.db.transaction():
            self._close_abandoned(repo, int(time.time()))
        cur = self.db.execute(
            "SELECT id, source, started_at, finished_at, status, requests, points, prs, message, "
            "worker FROM sync_runs WHERE repo=? ORDER BY id", (repo,)
        )
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r, strict=False)) for r in cur.fetchall()]

    def write_check_runs(self, runs: Iterable[CheckRun]) -> None:
        runs = list(runs)
        with self.db.transaction():
            self._write_check_runs(runs)
            if runs:
                self._bump()

    def _write_check_runs(self, runs: Iterable[CheckRun]) -> None:
        self.db.executemany(
            "INSERT INTO check_runs (repo, pr, sha, name, attempt, conclusion, started_at, "
            "completed_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(repo, pr, sha, name, attempt) "
            "DO UPDATE SET conclusion=excluded.conclusion, started_at=excluded.started_at, "
            "completed_at=excluded.completed_at",
            [(r.repo, r.pr, r.sha, r.name, r.attempt, r.conclusion, r.started_at,
              r.completed_at) for r in runs],
        )

    # -- reads ------------------------------------------------------------------------------
    def repos(self, visible_to: str | Sequence[str] | None = None) -> list[str]:
        """All repos, or (with ``visible_to``: an account key, or several — a person and their
        groups) the public ones plus those belonging to any of these keys, one per name (their
        own first: ``namespaces``), leaving out any whose first sync has not finished
        (half-synced data is shown to nobody)."""
        if visible_to is None:
            return [r[0] for r in self.db.execute("SELECT repo FROM repos ORDER BY repo")]
        keys = [visible_to] if isinstance(visible_to, str) else list(visible_to)
        keys = [k for k in keys if k] or [""]
        rows = self.db.execute(
            "SELECT repo, account_key, coalesce(writer, '') FROM repos WHERE (account_key='' OR "
            f"account_key IN ({','.join('?' * len(keys))})) AND {_COMPLETE} ORDER BY repo",
            tuple(keys)).fetchall()
        # one repository per name (``namespaces``): their own first (in the order of their
        # keys), then shared data they added, then the public one
        order = {k: i for i, k in enumerate(keys)}

        def rank(row: Sequence) -> tuple:
            key, acct, writer = row
            return (order.get(acct, len(keys)) if acct else len(keys) + (writer not in order),
                    key != shown(key), key)

        best: dict[str, str] = {}
        for row in sorted(rows, key=rank):
            best.setdefault(shown(row[0]), row[0])
        return sorted(best.values())

    def named(self, name: str, visible_to: str | Sequence[str]) -> str:
        """The key of the repository a visitor holding ``visible_to`` means by ``name`` (their
        own first, then the public one: ``repos``), or '' when they see none of that name."""
        return next((k for k in self.repos(visible_to) if k == name or shown(k) == name), "")

    def data_version(self) -> tuple[int, int, int]:
        """Changes whenever data or syncs change, or the database is a new one: (instance,
        revision, last sync run id)."""
        last = self.db.execute("SELECT coalesce(max(id), 0) FROM sync_runs").fetchone()[0]
        return self.instance, self.revision, int(last)

    def repo_info(self, repo: str) -> RepoInfo:
        row = self.db.execute(
            "SELECT repo, source, synthetic, default_branch, deploy_source, host, account_key "
            "FROM repos WHERE repo=?", (repo,)
        ).fetchone()
        if row is None:
            public = ", ".join(shown(r) for r in self.repos(visible_to="")) or "none"
            # never private names
            raise StoreError(f"repository {repo!r} is not in the store (public ones: {public})")
        return RepoInfo(row[0], row[1], bool(row[2]), row[3], row[4], row[5], row[6])

    def summary(self, visible_to: str | Sequence[str] | None = None) -> list[RepoSummary]:
        out = []
        for repo in self.repos(visible_to):
            info = self.repo_info(repo)
            prs, merged, first, last = self.db.execute(
                "SELECT count(*), count(merged_at), min(coalesce(created_at, merged_at)), "
                "max(coalesce(merged_at, created_at)) FROM pull_requests WHERE repo=?", (repo,)
            ).fetchone()
            deps = self.db.execute(
                "SELECT count(*) FROM deployments WHERE repo=?", (repo,)
            ).fetchone()[0]
            last_run = self.db.execute(
                "SELECT finished_at, requests, points FROM sync_runs WHERE repo=? AND "
                "status='ok' ORDER BY id DESC LIMIT 1", (repo,)
            ).fetchone() or (None, 0, 0)
            out.append(RepoSummary(repo, info.source, info.synthetic, prs, merged, first, last,
                                   deps, info.deploy_source, *last_run,
                                   releases=self.get_cursor(repo, "releases") or "",
                                   landings=self.get_cursor(repo, "landings") or "",
                                   branches=self.get_cursor(repo, "branches") or ""))
        return out

    def count_prs(self, repo: str | None = None) -> int:
        if repo is None:
            return self.db.execute("SELECT count(*) FROM pull_requests").fetchone()[0]
        return self.db.execute(
            "SELECT count(*) FROM pull_requests WHERE repo=?", (repo,)
        ).fetchone()[0]

    def pull_requests(self, repo: str, numbers: Sequence[int] | None = None) -> list[PullRequest]:
        sql = f"SELECT {','.join(PR_COLUMNS)} FROM pull_requests WHERE repo=?"
        args: list = [repo]
        if numbers is not None:
            numbers = [int(n) for n in numbers]
            if not numbers:
                return []
            sql += f" AND number IN ({','.join('?' * len(numbers))})"
            args += numbers
        return [_row_pr(r) for r in self.db.execute(sql + " ORDER BY number", args)]

    def deployments(self, repo: str) -> list[Deployment]:
        return [
            Deployment(r[0], r[1], r[2], r[3], r[4], r[5])
            for r in self.db.execute(
                "SELECT repo, id, created_at, sha, environment, source FROM deployments "
                "WHERE repo=? ORDER BY created_at, id", (repo,)
            )
        ]

    def incidents(self, repo: str) -> list[Incident]:
        return [
            Incident(r[0], r[1], r[2], r[3], r[4], tuple(json.loads(r[5] or "[]")), r[6],
                     r[7] or "")
            for r in self.db.execute(
                "SELECT repo, id, opened_at, resolved_at, kind, refs, failed_at, rule "
                "FROM incidents "
                "WHERE repo=? ORDER BY opened_at, id", (repo,)
            )
        ]

    def merged_months(self, repos: Sequence[str]) -> list[str]:
        """Months (YYYY-MM, UTC) in which any of ``repos`` merged a PR."""
        if not repos:
            return []
        return [r[0] for r in self.db.execute(
            f"SELECT DISTINCT {self.db.month_of('merged_at')} FROM pull_requests "
            f"WHERE merged_at IS NOT NULL AND repo IN ({','.join('?' * len(repos))}) ORDER BY 1",
            list(repos))]

    def titles(self, repo: str, lo: int, hi: int) -> list[str]:
        """Titles of PRs merged in [lo, hi)."""
        return [r[0] or "" for r in self.db.execute(
            "SELECT title FROM pull_requests WHERE repo=? AND merged_at>=? AND merged_at<?",
            (repo, lo, hi))]

    def responder_counts(self, repo: str, lo: int, hi: int) -> dict[str, int]:
        """First responses per responder for responses in [lo, hi)."""
        return dict(self.db.execute(
            "SELECT first_responder, count(*) FROM pull_requests WHERE repo=? AND "
            "first_response_at>=? AND first_response_at<? AND coalesce(first_responder,'')!='' "
            "GROUP BY first_responder", (repo, lo, hi)).fetchall())

    def author_counts(self, repo: str, lo: int, hi: int) -> dict[str, int]:
        """Merged PRs per human author for merges in [lo, hi)."""
        return dict(self.db.execute(
            "SELECT author, count(*) FROM pull_requests WHERE repo=? AND merged_at>=? AND "
            "merged_at<? AND coalesce(author_is_bot, 0)=0 AND coalesce(author,'')!='' "
            "GROUP BY author", (repo, lo, hi)).fetchall())

    def quick_reverts(self, repo: str, lo: int, hi: int, within: int) -> int:
        """Reverts merged in [lo, hi) within ``within`` seconds of the reverted PR's merge."""
        return self.db.execute(
            "SELECT count(*) FROM pull_requests r JOIN pull_requests o ON o.repo=r.repo AND "
            "o.number=r.reverted_number WHERE r.repo=? AND r.is_revert=1 AND r.merged_at>=? AND "
            "r.merged_at<? AND o.merged_at IS NOT NULL AND r.merged_at-o.merged_at<=?",
            (repo, lo, hi, within)).fetchone()[0]

    def check_run_table(self, repo: str) -> dict[str, np.ndarray]:
        """The repository's check runs as columns, ordered by (PR, name, attempt), through a
        snapshot (``snapshot``): ``pr``, ``attempt``, ``started_at``, ``completed_at`` (0 when
        unknown) and codes ``sha``, ``name``, ``conclusion`` into ``shas``, ``names``,
        ``conclusions`` (codes numbered in order of first appearance)."""
        return snapshot(self, "check_runs|" + repo, lambda: self._check_run_columns(repo))

    def _check_run_columns(self, repo: str) -> dict[str, np.ndarray]:
        rows = self.db.execute(
            "SELECT pr, sha, name, coalesce(conclusion, ''), coalesce(started_at, 0), "
            "coalesce(completed_at, 0), attempt FROM check_runs WHERE repo=? "
            "ORDER BY pr, name, attempt", (repo,)).fetchall()
        out: dict[str, np.ndarray] = {}
        for col, key in ((1, "sha"), (2, "name"), (3, "conclusion")):
            codes: dict[str, int] = {}
            out[key] = np.fromiter((codes.setdefault(r[col], len(codes)) for r in rows),
                                   np.int64, len(rows))
            out[key + "s"] = np.array(list(codes), dtype=str)
        for col, key in ((0, "pr"), (4, "started_at"), (5, "completed_at"), (6, "attempt")):
            out[key] = np.fromiter((r[col] or 0 for r in rows), np.int64, len(rows))
        return out

    def check_runs(self, repo: str) -> list[CheckRun]:
        return [CheckRun(*r) for r in self.db.execute(
            "SELECT repo, pr, sha, name, conclusion, started_at, completed_at, attempt "
            "FROM check_runs WHERE repo=? ORDER BY pr, name, attempt", (repo,))]

    def commits(self, repo: str) -> list[Commit]:
        return [Commit(repo, sha, authored, pr, author or "", bool(bot), offset, committed, add,
                       dele, rule or "", tool or "")
                for sha, authored, pr, author, bot, offset, committed, add, dele, rule, tool in
                self.db.execute(
                    "SELECT sha, authored_at, pr, author, author_is_bot, author_utc_offset, "
                    "committed_at, additions, deletions, ai_rule, ai_tool FROM commits "
                    "WHERE repo=? ORDER BY authored_at, sha", (repo,))]

    def ai_marks(self, repo: str) -> dict[int, tuple[tuple[str, ...], str]]:
        """Per AI-assisted PR: (the rules that mark it, the tool)."""
        return {n: (tuple(json.loads(r)), t or "") for n, r, t in self.db.execute(
            "SELECT number, ai_rules, ai_tool FROM pull_requests WHERE repo=? AND "
            "coalesce(ai_rules, '[]') != '[]'", (repo,))}

    def ai_commit_counts(self, repo: str) -> dict[tuple[str, str], int]:
        """Commits per (AI rule, tool), over every commit stored."""
        return {(r, t): int(n) for r, t, n in self.db.execute(
            "SELECT ai_rule, ai_tool, count(*) FROM commits WHERE repo=? AND ai_rule != '' "
            "GROUP BY ai_rule, ai_tool", (repo,))}

    def ai_reviews(self, repo: str) -> list[AIReview]:
        """The reviews and comments of AI reviewer accounts, oldest first."""
        return [AIReview(repo, *r) for r in self.db.execute(
            "SELECT pr, reviewer, submitted_at, tool, kind FROM ai_reviews WHERE repo=? "
            "ORDER BY submitted_at, pr, reviewer", (repo,))]

    def set_audit(self, repo: str, audit: dict,
                  changes: list[tuple[int, bool, bool]] | None = None,
                  reworked: dict[int, bool] | None = None,
                  files: dict[int, set[str]] | None = None) -> None:
        """Keep the practice audit of ``repo`` (replacing the last one) and, when given, which
        PRs changed code and tests and the files each PR changed (replacing the last lists)."""
        with self.db.transaction():
            if files is not None:
                self._set_pr_files(repo, files)
            self.db.execute(
                "INSERT INTO repo_audit (repo, read_at, data) VALUES (?,?,?) ON CONFLICT(repo) "
                "DO UPDATE SET read_at=excluded.read_at, data=excluded.data",
                (repo, int(audit.get("read_at") or time.time()), json.dumps(audit)))
            if changes is not None:
                self.db.execute("DELETE FROM pr_changes WHERE repo=?", (repo,))
                self.db.executemany(
                    "INSERT INTO pr_changes (repo, number, changes_code, changes_tests) "
                    "VALUES (?,?,?,?)", [(repo, n, int(c), int(t)) for n, c, t in changes])
            if reworked is not None:
                self._set_rework(repo, reworked)
            self._bump()

    def set_rework(self, repo: str, reworked: dict[int, bool]) -> None:
        """Keep, per merged PR, whether a fix or revert touched its files soon after."""
        with self.db.transaction():
            self._set_rework(repo, reworked)
            self._bump()

    def _set_rework(self, repo: str, reworked: dict[int, bool]) -> None:
        self.db.execute("UPDATE pr_changes SET reworked=NULL WHERE repo=?", (repo,))
        self.db.executemany(
            "INSERT INTO pr_changes (repo, number, changes_code, changes_tests, reworked) "
            "VALUES (?,?,0,0,?) ON CONFLICT(repo, number) DO UPDATE SET "
            "reworked=excluded.reworked", [(repo, n, int(r)) for n, r in reworked.items()])

    def _set_pr_files(self, repo: str, files: dict[int, set[str]]) -> None:
        self.db.execute("DELETE FROM pr_files WHERE repo=?", (repo,))
        self.db.executemany("INSERT INTO pr_files (repo, number, paths) VALUES (?,?,?)",
                            [(repo, n, _packed_paths(paths))
                             for n, paths in sorted(files.items()) if paths])
        self._set_cursor(repo, "pr_files", str(len(files)))

    def _upsert_pr_files(self, repo: str, files: dict[int, Iterable[str]]) -> None:
        """One row per PR, replacing the PR's earlier row (a re-read PR's files may differ)."""
        self.db.executemany(
            "INSERT INTO pr_files (repo, number, paths) VALUES (?,?,?) ON CONFLICT(repo, number) "
            "DO UPDATE SET paths=excluded.paths",
            [(repo, n, _packed_paths(paths))
             for n, paths in sorted(files.items())])

    def pr_files(self, repo: str) -> dict[str, list[int]]:
        """Each path changed by a PR of ``repo`` → the numbers of the PRs that changed it
        (where the source kept files: a clone, or a GitHub sync with files;
        ``pr_files_coverage``)."""
        out: dict[str, list[int]] = {}
        for n, paths in self.db.execute("SELECT number, paths FROM pr_files WHERE repo=? "
                                        "ORDER BY number", (repo,)):
            for f in zlib.decompress(bytes(paths)).decode().split("\n"):
                if f:  # a PR known to change no file keeps an empty row
                    out.setdefault(f, []).append(int(n))
        return out

    def pr_files_coverage(self, repo: str) -> tuple[int, int]:
        """(PRs whose changed files are known, PRs synced) of ``repo``. A clone's sync reads
        every PR's files at once (the ``pr_files`` cursor); a GitHub sync keeps them PR by PR,
        so PRs synced before files were asked for are not covered until a re-sync reads them."""
        total = self.count_prs(repo)
        if self.get_cursor(repo, "pr_files") is not None:
            return total, total
        known = self.db.execute(
            "SELECT count(*) FROM pr_files f JOIN pull_requests p ON p.repo=f.repo AND "
            "p.number=f.number WHERE f.repo=?", (repo,)).fetchone()[0]
        return int(known), total

    def prs_without_files(self, repo: str, base: str) -> set[int]:
        """The numbers of ``repo``'s PRs into ``base`` whose changed files are not kept."""
        return {int(n) for (n,) in self.db.execute(
            "SELECT p.number FROM pull_requests p LEFT JOIN pr_files f ON f.repo=p.repo AND "
            "f.number=p.number WHERE p.repo=? AND p.base_ref=? AND f.number IS NULL",
            (repo, base))}

    def has_pr_files(self, repo: str) -> bool:
        """Whether the files of every PR of ``repo`` are known: a clone's sync since schema
        18, or a GitHub sync with files that has read every stored PR's
        (``pr_files_coverage``)."""
        known, total = self.pr_files_coverage(repo)
        return self.get_cursor(repo, "pr_files") is not None or 0 < total == known

    def reworked(self, repo: str) -> dict[int, bool]:
        """Per merged PR whose files were followed: whether a fix or revert reworked it."""
        return {n: bool(r) for n, r in self.db.execute(
            "SELECT number, reworked FROM pr_changes WHERE repo=? AND reworked IS NOT NULL",
            (repo,))}

    def reverted_numbers(self, repo: str) -> set[int]:
        """The PRs a revert PR of ``repo`` names."""
        return {int(n) for (n,) in self.db.execute(
            "SELECT DISTINCT reverted_number FROM pull_requests WHERE repo=? AND is_revert=1 "
            "AND reverted_number IS NOT NULL", (repo,))}

    def audit(self, repo: str) -> dict | None:
        row = self.db.execute("SELECT data FROM repo_audit WHERE repo=?", (repo,)).fetchone()
        return json.loads(row[0]) if row else None

    def pr_changes(self, repo: str) -> dict[int, tuple[bool, bool]]:
        """Per PR number: (changed code, changed tests), where the history was read."""
        return {n: (bool(c), bool(t)) for n, c, t in self.db.execute(
            "SELECT number, changes_code, changes_tests FROM pr_changes WHERE repo=?", (repo,))}

    def prs_by_authors(self, repos: Sequence[str], people: Sequence[str]
                       ) -> list[tuple[str, int]]:
        """(repository, number) of every PR of ``repos`` authored by one of ``people``."""
        if not repos or not people:
            return []
        return [(r, int(n)) for r, n in self.db.execute(
            f"SELECT repo, number FROM pull_requests WHERE repo IN ({','.join('?' * len(repos))})"
            f" AND author IN ({','.join('?' * len(people))})", (*repos, *people)).fetchall()]

    def pr_people(self, repo: str) -> dict[int, tuple[str, str, str]]:
        """Each PR's (author, first responder, merger)."""
        return {n: (a or "", r or "", m or "") for n, a, r, m in self.db.execute(
            "SELECT number, author, first_responder, merged_by FROM pull_requests WHERE repo=?",
            (repo,))}

    def associations(self, repo: str) -> dict[int, str]:
        """Each PR's author association, where the source records it (GitHub)."""
        return {n: a for n, a in self.db.execute(
            "SELECT number, author_association FROM pull_requests WHERE repo=? AND "
            "coalesce(author_association, '') != ''", (repo,))}

    def reviews(self, repo: str) -> list[Review]:
        return [Review(repo, *r) for r in self.db.execute(
            "SELECT pr, reviewer, submitted_at, state FROM reviews WHERE repo=? "
            "ORDER BY submitted_at, pr, reviewer", (repo,))]

    def review_counts(self, repo: str, lo: int, hi: int) -> dict[str, int]:
        """Reviews per reviewer submitted in [lo, hi)."""
        return dict(self.db.execute(
            "SELECT reviewer, count(*) FROM reviews WHERE repo=? AND submitted_at>=? AND "
            "submitted_at<? GROUP BY reviewer", (repo, lo, hi)).fetchall())

    def count_commits(self, repo: str) -> int:
        return int(self.db.execute("SELECT count(*) FROM commits WHERE repo=?",
                                   (repo,)).fetchone()[0])

    def commit_arrays(self, repo: str) -> CommitArrays:
        """The repository's commits as columns, sorted by (author, authored time) (through a
        snapshot: ``snapshot``)."""
        z = snapshot(self, "commits|" + repo, lambda: self._commit_columns(repo))
        return CommitArrays(repo, [str(a) for a in z["authors"]], z["author"], z["authored_at"],
                            z["utc_offset"], z["pr"], z["lines"], z["is_bot"])

    def _commit_columns(self, repo: str) -> dict[str, np.ndarray]:
        rows = self.db.execute(
            f"SELECT coalesce(author, ''), authored_at, coalesce(author_utc_offset,{NO_OFFSET}), "
            f"coalesce(pr,{MISSING}), coalesce(additions+deletions,{MISSING}), author_is_bot "
            "FROM commits WHERE repo=? ORDER BY author, authored_at, sha", (repo,)).fetchall()
        names = [r[0] for r in rows]
        authors = sorted(set(names))
        index = {a: i for i, a in enumerate(authors)}
        nums = np.array([r[1:] for r in rows], dtype=np.int64).reshape(len(rows), 5)
        author = np.array([index[a] for a in names], dtype=np.int32)
        order = np.lexsort((nums[:, 0], author))  # the database's collation may differ
        return {"authors": np.array(authors, dtype=str), "author": author[order],
                "authored_at": nums[order, 0], "utc_offset": nums[order, 1].astype(np.int32),
                "pr": nums[order, 2], "lines": nums[order, 3], "is_bot": nums[order, 4] == 1}

    def load_arrays(self, repos: Sequence[str] | None = None) -> PRArrays:
        """All PRs of ``repos`` (default: every repo) as columnar arrays, plus deployments and
        incidents per repo. ``deployed_at`` is derived from deployments where the source left it
        empty.

        Reading a million rows through sqlite3 costs seconds (one Python tuple per row), so the
        arrays are also kept as an ``.npz`` snapshot keyed by the store's revision: the next
        load of unchanged data reads the snapshot instead.
        """
        repos = list(repos) if repos is not None else self.repos()
        for r in repos:
            self.repo_info(r)  # raises a clear error for an unknown repo
        return snapshot_load(self, repos)

    def _load_arrays_sql(self, repos: list[str]) -> PRArrays:
        """The arrays from the database: PostgreSQL in one binary COPY (``bulk_load``), SQLite
        row by row."""
        if self.db.kind == "postgresql":
            from .bulk_load import load_arrays_postgres

            return load_arrays_postgres(self, repos)
        return self._load_arrays_rows(repos)

    def _load_arrays_rows(self, repos: list[str]) -> PRArrays:
        int_cols = ["number", *TIME_FIELDS, "additions", "deletions", "n_comments",
                    "author_is_bot", "is_draft", "is_revert", "bugfix_rule", "author_utc_offset"]
        select = ",".join(f"coalesce({c},{NO_OFFSET if c == 'author_utc_offset' else MISSING})"
                          for c in int_cols)
        parts, idx = [], []
        author_names: list[str] = []
        deploy_times: dict[str, np.ndarray] = {}
        incidents: dict[str, dict[str, np.ndarray]] = {}
        for i, repo in enumerate(repos):
            rows = self.db.execute(
                f"SELECT {select} FROM pull_requests WHERE repo=? ORDER BY number", (repo,)
            ).fetchall()
            block = np.array(rows, dtype=np.int64).reshape(len(rows), len(int_cols))
            parts.append(block)
            idx.append(np.full(len(rows), i, dtype=np.int32))
            author_names += [r[0] for r in self.db.execute(
                "SELECT coalesce(author, '') FROM pull_requests WHERE repo=? ORDER BY number",
                (repo,))]
            deploy_times[repo] = np.array(
                [r[0] for r in self.db.execute(
                    "SELECT created_at FROM deployments WHERE repo=? ORDER BY created_at",
                    (repo,))],
                dtype=np.int64,
            )
            inc = [(o, f, r, _RULE_INDEX.get(rule, MISSING)) for o, f, r, rule in self.db.execute(
                f"SELECT opened_at, coalesce(failed_at,{MISSING}), "
                f"coalesce(resolved_at,{MISSING}), rule FROM incidents WHERE repo=? "
                "ORDER BY opened_at, id", (repo,))]
            inc_arr = np.array(inc, dtype=np.int64).reshape(len(inc), 4)
            incidents[repo] = {k: inc_arr[:, j].copy() for j, k in enumerate(INCIDENT_FIELDS)}
        data = np.concatenate(parts) if parts else np.zeros((0, len(int_cols)), np.int64)
        col = {c: data[:, j].copy() for j, c in enumerate(int_cols)}
        repo_idx = np.concatenate(idx) if idx else np.zeros(0, np.int32)
        times = {c: col[c] for c in TIME_FIELDS}
        # deployed_at: keep the source's exact value, else the first deployment after merge
        for i, repo in enumerate(repos):
            info = self.repo_info(repo)
            if deployed_at_is_exact(info.source, info.deploy_source):
                continue  # empty = not in any release yet
            sel = (repo_idx == i) & (times["deployed_at"] < 0)
            if sel.any():
                times["deployed_at"][sel] = first_deployment_after(
                    times["merged_at"][sel], deploy_times[repo])
        return PRArrays(
            repos=repos,
            repo_idx=repo_idx,
            number=col["number"],
            times=times,
            additions=np.maximum(col["additions"], 0),
            deletions=np.maximum(col["deletions"], 0),
            n_comments=np.maximum(col["n_comments"], 0),
            is_bot=col["author_is_bot"] == 1,
            is_draft=col["is_draft"] == 1,
            is_revert=col["is_revert"] == 1,
            is_bugfix=col["bugfix_rule"] > 0,
            bugfix_rule=col["bugfix_rule"].astype(np.int8),
            deploy_times=deploy_times,
            incidents=incidents,
            author_idx=_author_ids(author_names),
            utc_offset=col["author_utc_offset"].astype(np.int32)
            if (col["author_utc_offset"] != NO_OFFSET).any() else None,
        )


def _packed_paths(paths: Iterable[str]) -> bytes:
    """A PR's changed files as one ``pr_files`` row holds them: sorted, distinct, one a line,
    zlib-compressed (``Store.pr_files`` reads them back)."""
    return zlib.compress("\n".join(sorted(set(paths))).encode())


def _author_ids(names: list[str]) -> np.ndarray:
    """One int32 id per distinct author name ('' = unknown = -1)."""
    ids: dict[str, int] = {"": -1}
    return np.array([ids.setdefault(n, len(ids) - 1) for n in names], dtype=np.int32)


_SNAPSHOT_FIELDS = ("repo_idx", "number", "additions", "deletions", "n_comments", "is_bot",
                    "is_draft", "is_revert", "is_bugfix", "bugfix_rule", "author_idx")
_OPTIONAL_FIELDS = ("utc_offset",)
_SNAPSHOT_FORMAT = 3  # bump when what the arrays hold changes (2: exact deploys kept empty;
# 3: commits too)


def snapshot(store: Store, what: str, build: Callable[[], dict[str, np.ndarray]]
             ) -> dict[str, np.ndarray]:
    """Columns ``build()`` reads from the store, through an on-disk ``.npz`` snapshot keyed by
    (store, ``what``, the store's revision): the next read of unchanged data loads the snapshot
    (numpy, no Python object per row) instead of running the queries again. Keyed by the
    revision and the change stamp (``Store.stamp``)."""
    import hashlib

    from ..config import cache_dir

    if store.ident == ":memory:":
        return build()
    ident = hashlib.sha256(f"{store.ident}|{store.instance}|{what}|"
                           f"{_SNAPSHOT_FORMAT}".encode()).hexdigest()[:24]
    folder = cache_dir("arrays")
    revision, stamp = store.revision, store.stamp  # read once: the build may race a write
    # the change stamp too: copies of one database that changed apart share the revision
    path = folder / f"{ident}-{revision}-{stamp}.npz"
    try:
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - a torn or foreign file (BadZipFile, EOFError, …): redo
        path.unlink(missing_ok=True)
    data = build()
    if (store.revision, store.stamp) != (revision, stamp):
        return data  # written meanwhile: what was read may be newer than ``revision``
    import tempfile

    tmp = ""
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{ident}-", suffix=".tmp.npz")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **data)
        os.replace(tmp, path)
        tmp = ""
        for old in folder.glob(f"{ident}-*.npz"):  # older revisions (temp files start with ".")
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # no snapshot is no reason to fail
    finally:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
    return data


def snapshot_load(store: Store, repos: list[str]) -> PRArrays:
    """``Store._load_arrays_sql`` through a snapshot (``snapshot``)."""

    def build() -> dict[str, np.ndarray]:
        a = store._load_arrays_sql(repos)
        data = {f: getattr(a, f) for f in _SNAPSHOT_FIELDS}
        data.update({f: getattr(a, f) for f in _OPTIONAL_FIELDS if getattr(a, f) is not None})
        data.update({"t_" + f: v for f, v in a.times.items()})
        for i, r in enumerate(repos):
            data[f"d_{i}"] = a.deploy_times[r]
            for k in INCIDENT_FIELDS:
                data[f"i{i}_{k}"] = a.incidents[r][k]
        return data

    z = snapshot(store, "prs|" + "|".join(repos), build)
    try:
        times = {f: z["t_" + f] for f in TIME_FIELDS}
        cols = {f: z[f] for f in _SNAPSHOT_FIELDS}
        cols.update({f: z.get(f) for f in _OPTIONAL_FIELDS})
        deploys = {r: z[f"d_{i}"] for i, r in enumerate(repos)}
        incidents = {r: {k: z[f"i{i}_{k}"] for k in INCIDENT_FIELDS}
                     for i, r in enumerate(repos)}
    except KeyError:  # a snapshot of an older layout under the same name: read the store
        return store._load_arrays_sql(repos)
    return PRArrays(repos=repos, times=times, deploy_times=deploys, incidents=incidents, **cols)
