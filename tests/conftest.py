"""Shared fixtures: one synthetic demo store per test session, and paths to ../shared data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from casestudy.sources.demo import build_demo
from casestudy.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SHARED_DATA = SHARED / "data"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """Path of a store holding the full synthetic demo (built once per session)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    build_demo(Store(path))
    return path


@pytest.fixture(scope="session")
def demo_store(demo_db) -> Store:
    return Store(demo_db)


@pytest.fixture
def demo_db_copy(demo_db, tmp_path) -> Path:
    """A private copy of the demo store a test may modify."""
    dst = tmp_path / "demo.sqlite"
    src = Store(demo_db)
    src.conn.execute("PRAGMA wal_checkpoint(FULL)")
    shutil.copy(demo_db, dst)
    return dst


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL server for this session (skipped where the server is not installed)."""
    from tests.pgserver import PgServer, binaries

    bindir = binaries()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (Debian package postgresql)")
    server = PgServer(bindir)
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request, tmp_path) -> str:
    """A fresh, empty store location on each engine: an SQLite file, a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "s.sqlite")
    server = request.getfixturevalue("pg_server")
    return server.url(server.new_database())


@pytest.fixture
def app_env(demo_db, monkeypatch):
    """Point the app at the demo store."""
    monkeypatch.setenv("CASESTUDY_DB", str(demo_db))
    return demo_db


def shared_file(*parts: str) -> Path:
    """A file under ../shared/data, or skip the test when it is absent."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is not available (../shared is optional)")
    return p


os.environ.setdefault("CASESTUDY_TEST", "1")
if "CASESTUDY_CACHE" not in os.environ:  # chart and array caches of the test run, not the user's
    import tempfile

    os.environ["CASESTUDY_CACHE"] = tempfile.mkdtemp(prefix="casestudy-cache-")


HOSTILE_TITLES = [
    "<script>alert('x')</script> steal cookies",
    '<img src="file:///etc/passwd"> look',
    '<link rel="attachment" href="file:///etc/passwd">',
    "<style>body{background:url(file:///etc/passwd)}</style> css",
    "javascript:alert(1) [link](javascript:alert(2)) | pipe | `code`",
    "مرحبا بالعالم RTL \u202e reversed 🚀🔥 emoji 你好世界 CJK",
    "W" * 10_000,
]


@pytest.fixture(scope="session")
def hostile_db(tmp_path_factory) -> Path:
    """A store whose PR titles, logins and labels are hostile."""
    from casestudy.model import Deployment, PullRequest
    from casestudy.store import RepoInfo

    path = tmp_path_factory.mktemp("hostile") / "hostile.sqlite"
    s = Store(path)
    s.upsert_repo(RepoInfo("evil/repo", "import"))
    prs = []
    for i in range(300):
        t = 1_700_000_000 + i * 3 * 3600
        prs.append(PullRequest(
            "evil/repo", i + 1, title=HOSTILE_TITLES[i % len(HOSTILE_TITLES)],
            author='<b onmouseover="x">me</b>', created_at=t, ready_at=t,
            first_commit_at=t - 500, first_response_at=t + 60 * (i % 50 + 1),
            last_approval_at=t + 4000, merged_at=t + 5000 + i * 30, n_comments=i % 13,
            labels=("<i>bug</i>",), additions=i * 3, deletions=i,
            url=f"https://github.com/evil/repo/pull/{i + 1}" if i % 2 else "javascript:alert(1)"))
    s.write_batch("evil/repo", prs, deployments=[
        Deployment("evil/repo", f"d{k}", 1_700_000_000 + k * 86400, source="tags")
        for k in range(40)])
    return path


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    """Debian's headless chromium, driven by playwright (for the browser tests)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
