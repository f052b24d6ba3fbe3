"""Shared fixtures: one synthetic demo store per test session, and paths to ../shared data."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from casestudy.demo import build_demo
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
