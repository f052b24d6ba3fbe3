"""Where things live: the default store (SQLite path or PostgreSQL URL) and cache folders."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

APP_NAME = "casestudy"


def default_db_location() -> str:
    """``$CASESTUDY_DB`` if set (a file path or a ``postgresql://`` URL), else
    ``casestudy.sqlite`` in the user's cache directory."""
    env = os.environ.get("CASESTUDY_DB")
    if env:
        return env if env.startswith(("postgresql://", "postgres://")) else \
            str(Path(env).expanduser())
    return str(Path(platformdirs.user_cache_dir(APP_NAME)) / "casestudy.sqlite")


def cache_dir(name: str) -> Path:
    """A writable cache folder (``$CASESTUDY_CACHE`` or the user's cache dir) for ``name``."""
    base = Path(os.environ.get("CASESTUDY_CACHE") or platformdirs.user_cache_dir(APP_NAME))
    path = base / name
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        path = Path(tempfile.gettempdir()) / APP_NAME / name
        path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_numba_cache_dir() -> None:
    """Point numba's ``cache=True`` at a writable directory when the package dir is read-only."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    pkg_dir = Path(__file__).parent
    if os.access(pkg_dir, os.W_OK):
        return
    os.environ["NUMBA_CACHE_DIR"] = str(cache_dir("numba"))
