"""A throwaway PostgreSQL server for the tests: initdb in a temp dir, started on 127.0.0.1.

Uses the Debian server binaries (package ``postgresql``, installed by ``make test``). PostgreSQL
refuses to run as root, so as root the server runs as the ``postgres`` system user. Each test
gets its own database.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


def binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, bindir: Path):
        # not under pytest's tmp dir: that one is private to root, and the server runs as postgres
        root = self.root = Path(tempfile.mkdtemp(prefix="casestudy-pg-"))
        self.bindir, self.data, self.port = bindir, root / "data", _free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(root, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "casestudy", "--no-sync",
                  "-E", "UTF8", "--locale", "C.UTF-8")
        self.opts = (f"-p {self.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                     "-c synchronous_commit=off -c full_page_writes=off")
        self._start()

    def _start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-o", self.opts, "-l", str(self.root / "log"),
                  "-w", "start")

    def restart(self) -> None:
        """Stop the server (fast: open connections are cut) and start it again."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self._start()

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def url(self, db: str = "postgres", password: str = "") -> str:
        auth = f"casestudy:{password}" if password else "casestudy"
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return name

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
