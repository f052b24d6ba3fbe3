"""Several task-engine workers as separate processes, as if on separate machines: each runs
``casestudy worker`` in its own empty working directory with its own cache folder, and they
share nothing but the store's PostgreSQL (over TCP) and the fake GitHub (over HTTP). Used by
``tests/test_engine.py`` and ``bench/engine.py``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tests.fakegithub.server import FakeGitHub, generate_repo

ROOT = Path(__file__).resolve().parent.parent
TOKENS = ("token-a", "token-b")


def fake_org(n: int, prs: int = 6, owner: str = "org", big: dict[str, int] | None = None
             ) -> FakeGitHub:
    """A fake GitHub serving ``n`` small repositories ``org/r000`` … (``big``: more PRs for
    some), readable with the two tokens."""
    fake = FakeGitHub(tokens={t: set() for t in TOKENS})
    for i in range(n):
        name = f"r{i:03d}"
        fake.add(generate_repo(owner, name, (big or {}).get(f"{owner}/{name}", prs), seed=i + 1))
    return fake


def write_list(path: Path, repos: list[str], base_url: str) -> Path:
    path.write_text("".join(f'[[repo]]\nname = "{r}"\nbase_url = "{base_url}"\n'
                            for r in repos))
    return path


@dataclass
class Cluster:
    """Workers started with ``start``; ``kill`` one with SIGKILL; ``stop`` the rest."""

    db: str
    base_url: str
    root: Path
    env_extra: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def env(self, name: str) -> dict[str, str]:
        home = self.root / name
        home.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASESTUDY_")}
        env.pop("GITHUB_TOKEN", None)
        env.update({
            "PYTHONPATH": str(ROOT), "CASESTUDY_DB": self.db,
            "CASESTUDY_CACHE": str(home / "cache"), "NUMBA_CACHE_DIR": str(home / "numba"),
            "CASESTUDY_API_URLS": self.base_url, "CASESTUDY_GITHUB_TOKENS": ",".join(TOKENS),
            "CASESTUDY_STALLED_AFTER": "3", "CASESTUDY_STALLED_CRON": "* * * * * */1",
            "CASESTUDY_SYNC_CRON": "0 0 1 1 *", "CASESTUDY_GITHUB_SPACING": "0",
            "HOME": str(home), **self.env_extra})
        return env

    def enqueue(self, list_file: Path) -> str:
        out = subprocess.run([sys.executable, "-m", "casestudy", "enqueue", str(list_file)],
                             env=self.env("enqueuer"), cwd=self.root / "enqueuer",
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return out.stdout

    def start(self, name: str) -> subprocess.Popen:
        home = self.root / name
        env = self.env(name)
        log = open(home / "worker.log", "w")  # noqa: SIM115 - closed with the process
        p = subprocess.Popen([sys.executable, "-m", "casestudy", "worker", "--name", name,
                              "--heartbeat", "1"], env=env, cwd=home, stdout=log,
                             stderr=subprocess.STDOUT)
        self.procs[name] = p
        return p

    def kill(self, name: str) -> None:
        self.procs[name].send_signal(signal.SIGKILL)
        self.procs[name].wait(timeout=30)

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()

    def log(self, name: str) -> str:
        return (self.root / name / "worker.log").read_text(errors="replace")


def jobs_left(db: str) -> int:
    """Sync jobs not finished yet (queued, running or waiting for a retry)."""
    with psycopg.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name="
                            "'sync_repo' AND status IN ('todo', 'doing')").fetchone()[0]


def wait_until_done(db: str, timeout: float, procs: list[subprocess.Popen] | None = None
                    ) -> float:
    """Seconds until no sync job is left (raises after ``timeout``)."""
    t0 = time.monotonic()
    while jobs_left(db):
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"{jobs_left(db)} sync jobs left after {timeout} s")
        if procs and all(p.poll() is not None for p in procs):
            raise RuntimeError("every worker exited")
        time.sleep(0.2)
    return time.monotonic() - t0
