"""Database connections behind one small interface: an SQLite file (default) or PostgreSQL (hosted).

The store writes its SQL once, with ``?`` placeholders and the upsert/RETURNING syntax both
engines share; a ``Database`` runs it on its engine and hides the few real differences: schema
version bookkeeping, column types in DDL, the month-of-a-timestamp expression, transactions and
error classes. A PostgreSQL location is a ``postgresql://`` URL; its password never appears in
``label`` (shown to people) or ``ident`` (used in cache keys).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PG_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(location: str) -> bool:
    return location.startswith(PG_SCHEMES)


def masked(url: str) -> str:
    """The URL without its password (and without query parameters, which may carry one)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))


class DatabaseError(Exception):
    """An engine error, described without credentials."""


class DatabaseBusy(DatabaseError):
    """No pooled connection came free in time: the database is busy (one sentence)."""


def engine_errors() -> tuple[type[Exception], ...]:
    """Every error an engine may raise (SQLite's, and psycopg's where it is installed)."""
    errors: list[type[Exception]] = [sqlite3.Error, DatabaseError]
    try:
        import psycopg
        from psycopg_pool import PoolTimeout
    except ImportError:
        return tuple(errors)
    return (*errors, psycopg.Error, PoolTimeout)


class SQLiteDatabase:
    """One SQLite file in WAL mode (``:memory:`` works too)."""

    kind = "sqlite"

    def __init__(self, path: Path):
        self.path = path
        self.label = str(path)
        self.ident = str(path if str(path) == ":memory:" else path.resolve())
        self.errors: tuple[type[Exception], ...] = (sqlite3.Error,)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
        self.lock = threading.RLock()  # one connection, many app threads: one at a time
        self._depth = 0  # open transactions of the thread holding the lock (nested: savepoints)
        try:
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise DatabaseError(f"{path} is not a casestudy store: {exc}") from None

    def execute(self, sql: str, args: Sequence = ()):
        with self.lock:
            return self.conn.execute(sql, args)

    def executemany(self, sql: str, rows: list) -> None:
        if rows:
            with self.lock:
                self.conn.executemany(sql, rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction; a transaction opened inside another is a savepoint of it, so
        nothing is committed before the outermost one ends (and an error inside undoes only
        what the inner one did, if the outer one goes on)."""
        with self.lock:
            depth, self._depth = self._depth, self._depth + 1
            try:
                if depth == 0:
                    with self.conn:  # commit, or roll back on an exception
                        if not self.conn.in_transaction:
                            self.conn.execute("BEGIN")
                        yield
                    return
                name = f"casestudy_{depth}"
                self.conn.execute(f"SAVEPOINT {name}")
                try:
                    yield
                except BaseException:
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                    raise
                self.conn.execute(f"RELEASE {name}")
            finally:
                self._depth = depth

    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def migrate(self, ddl: str, version: int) -> None:
        """Run one migration script and record its version, atomically."""
        with self.conn:
            self.conn.executescript(f"BEGIN;{ddl};PRAGMA user_version={version};")

    @staticmethod
    def month_of(column: str) -> str:
        return f"strftime('%Y-%m', {column}, 'unixepoch')"

    def close(self) -> None:
        self.conn.close()


class _Rows:
    """A query's rows read in full, so the pooled connection goes back at once; behaves like
    the cursor the store expects (fetchone, fetchall, iteration, description)."""

    def __init__(self, rows: list | None, description, rowcount: int):
        self._rows = rows or []
        self.description = description
        self.rowcount = rowcount
        self._i = 0

    def fetchone(self):
        if self._i >= len(self._rows):
            return None
        self._i += 1
        return self._rows[self._i - 1]

    def fetchall(self) -> list:
        rest, self._i = self._rows[self._i:], len(self._rows)
        return rest

    def __iter__(self):
        return iter(self.fetchall())


class PostgresDatabase:
    """A PostgreSQL database reached by URL, through a connection pool (psycopg_pool): app
    sessions and threads use their own connections, a connection is checked before use, so a
    database restart costs the failed connections and nothing else; autocommit outside
    transactions."""

    kind = "postgresql"

    def __init__(self, url: str):
        import os

        import psycopg
        from psycopg_pool import ConnectionPool, PoolTimeout

        self.label = masked(url)
        self.ident = "pg-" + hashlib.sha256(self.label.encode()).hexdigest()[:24]
        self.path = None
        self.errors = (psycopg.Error, PoolTimeout)
        self._local = threading.local()  # the connection of this thread's open transaction
        self._timeout = float(os.environ.get("CASESTUDY_PG_TIMEOUT", "15"))
        try:
            self.pool = ConnectionPool(
                url, min_size=1, max_size=int(os.environ.get("CASESTUDY_PG_POOL", "4")),
                kwargs={"autocommit": True, "connect_timeout": 10},
                check=ConnectionPool.check_connection, timeout=self._timeout, open=False,
                name="casestudy")
            self.pool.open(wait=True, timeout=15)
        except (psycopg.Error, PoolTimeout) as exc:
            # psycopg's message names host and user, never the password
            raise DatabaseError(f"cannot connect to {self.label}: "
                                f"{str(exc).strip().splitlines()[0]}") from None
        self.conn = self  # no single connection: ``store.conn.execute`` goes through the pool
        self.execute("CREATE TABLE IF NOT EXISTS casestudy_schema (version INTEGER)")

    @contextmanager
    def _connection(self):
        """A pooled connection; none free within the timeout (``$CASESTUDY_PG_TIMEOUT``
        seconds, default 15) is ``DatabaseBusy``, said in one sentence."""
        from psycopg_pool import PoolTimeout

        with ExitStack() as stack:
            try:
                conn = stack.enter_context(self.pool.connection())
            except PoolTimeout:
                raise DatabaseBusy(f"the database is busy (no connection came free within "
                                   f"{self._timeout:g} s): try again in a moment") from None
            yield conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("%", "%%").replace("?", "%s")

    def execute(self, sql: str, args: Sequence = ()):
        conn = getattr(self._local, "conn", None)
        if conn is not None:  # inside this thread's transaction
            return conn.execute(self._sql(sql), tuple(args))
        with self._connection() as conn:
            cur = conn.execute(self._sql(sql), tuple(args))
            rows = cur.fetchall() if cur.description else None
            return _Rows(rows, cur.description, cur.rowcount)

    def executemany(self, sql: str, rows: list) -> None:
        if not rows:
            return
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            with conn.cursor() as cur:
                cur.executemany(self._sql(sql), rows)
            return
        with self._connection() as conn, conn.cursor() as cur:
            cur.executemany(self._sql(sql), rows)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction on one pooled connection; nested: a savepoint of the outer one."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:  # nested: part of the outer one (psycopg makes a savepoint)
            with conn.transaction():
                yield
            return
        with self._connection() as conn, conn.transaction():
            self._local.conn = conn
            try:
                yield
            finally:
                self._local.conn = None

    def schema_version(self) -> int:
        row = self.execute("SELECT max(version) FROM casestudy_schema").fetchone()
        return int(row[0] or 0)

    def migrate(self, ddl: str, version: int) -> None:
        ddl = re.sub(r"INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY", ddl)
        ddl = re.sub(r"\bINTEGER\b", "BIGINT", ddl)
        with self.transaction():
            self.execute("LOCK TABLE casestudy_schema IN EXCLUSIVE MODE")
            if self.schema_version() >= version:  # another process migrated meanwhile
                return
            self._local.conn.execute(ddl)
            self.execute("INSERT INTO casestudy_schema VALUES (?)", (version,))

    @staticmethod
    def month_of(column: str) -> str:
        return f"to_char(to_timestamp({column}) AT TIME ZONE 'UTC', 'YYYY-MM')"

    def close(self) -> None:
        self.pool.close()


def open_database(location: str | Path) -> SQLiteDatabase | PostgresDatabase:
    """An SQLite file path or a ``postgresql://`` URL."""
    text = str(location)
    if is_postgres(text):
        return PostgresDatabase(text)
    return SQLiteDatabase(Path(text).expanduser())
