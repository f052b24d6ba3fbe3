"""The app's server with its heavy parts loaded before it answers:
``python -m casestudy.app.serve [options of streamlit run]``.

``streamlit run app.py`` answers its health check at once but imports the app — Streamlit's
page machinery, Altair, pandas, the report builder — and loads every numba kernel only when the
first visitor's script runs, so the first page of a fresh server waited for all of that (about
2 s of its 3–5 s on this machine). This entry imports the modules the pages import and loads the
kernels (``core.warm``) first, then hands over to Streamlit's own ``streamlit run`` in the same
process, where those modules stay loaded. ``streamlit run app.py`` still works, only with a
slower first page.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path


def app_path() -> Path:
    """The app's script: ``$CASESTUDY_APP``, else ``app.py`` in the working folder (the image
    installs the package into site-packages and keeps ``app.py`` in ``/app``), else the one
    beside the package in a checkout."""
    env = os.environ.get("CASESTUDY_APP", "").strip()
    if env:
        return Path(env)
    here = Path.cwd() / "app.py"
    if here.is_file():
        return here
    return Path(__file__).resolve().parent.parent.parent / "app.py"


def hosted_from_secrets() -> None:
    """``hosted = true`` in Streamlit secrets means hosted mode, as ``app.py`` reads it — but
    before anything is loaded, so numba's cache goes to the private folder a hosted instance
    needs (``config.ensure_numba_cache_dir``)."""
    import streamlit as st

    from casestudy.config import ensure_numba_cache_dir

    try:
        if st.secrets.get("hosted"):
            os.environ["CASESTUDY_HOSTED"] = "1"
    except Exception:  # noqa: BLE001 - no secrets file: nothing to read
        pass
    ensure_numba_cache_dir()


def share_cookie_secret() -> bool:
    """Sign this process's cookies with the secret every app process shares
    (``config.cookie_secret``), so a visitor signed in through one process is signed in on every
    other behind the same proxy: it becomes Streamlit's ``server.cookieSecret`` (through the
    environment, never the command line) and the ``[auth]`` section's ``cookie_secret``, which
    is what signs the sign-in cookie (the rest of ``[auth]`` stays as the secrets file says).
    Returns whether a shared secret is set; raises ``SettingError``."""
    from casestudy.config import cookie_secret

    secret = cookie_secret()
    if not secret:
        return False
    os.environ["STREAMLIT_SERVER_COOKIE_SECRET"] = secret
    from streamlit.runtime.secrets import secrets_singleton

    if secrets_singleton.load_if_toml_exists():
        auth = secrets_singleton.to_dict().get("auth")
        if isinstance(auth, dict):
            secrets_singleton.merge_programmatic_secrets(
                {"auth": {**auth, "cookie_secret": secret}})
    return True


def preload() -> float:
    """Import what the pages import and load every kernel; returns seconds taken."""
    t0 = time.perf_counter()
    import altair  # noqa: F401
    import pandas  # noqa: F401

    import casestudy.app.guard  # noqa: F401
    import casestudy.app.sidebar  # noqa: F401
    import casestudy.app.ui  # noqa: F401
    import casestudy.render.charts  # noqa: F401
    import casestudy.report.build  # noqa: F401
    from casestudy import core

    core.warm()
    return time.perf_counter() - t0


def settle() -> None:
    """What a fresh server's first script run would otherwise pay after everything is loaded:
    Streamlit's first element asks ``inspect.stack()`` whether it runs in a REPL, and the first
    such call resolves the file of every loaded module (0.2 s here). And the objects the
    imports and the warm-up made are collected once and frozen (``gc.freeze``): a full
    collection walked them all (0.35 s on the first page while Streamlit still collected after
    every run; ``runner.postScriptGC`` is now off), and Python's own full collections now walk
    only what the visitors' runs make."""
    import gc
    import inspect

    inspect.stack()
    gc.collect()
    gc.freeze()


def warm_first_view() -> str:
    """Build the case study a first visitor sees — the view of an empty URL, as the sidebar
    makes it (``View.read`` and its default months), for a visitor who is not signed in — into
    the app's own cache; returns the repository (or why nothing was built). Hosted instances
    skip it: what a visitor may see depends on who they are."""
    from casestudy.app.data import CASE_STUDIES, case_study, get_store
    from casestudy.app.state import View
    from casestudy.config import hosted
    from casestudy.options import MONTHS

    if hosted():
        return "hosted: skipped"
    store = get_store()
    repos = store.repos(visible_to=())
    months = store.merged_months(repos)
    if not repos or not months or not CASE_STUDIES:
        return "no data"
    view, _ = View.read({}, repos, months)
    view.start = months[max(0, len(months) - MONTHS.default)]
    view.end = months[-1]
    case_study(store.ident, (), store.data_version(), view.options())
    return view.repo


def main(argv: list[str] | None = None) -> None:
    from casestudy.config import SettingError

    try:
        share_cookie_secret()
    except SettingError as exc:
        print(f"casestudy: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(2) from None
    hosted_from_secrets()
    try:
        took = preload()
    except Exception as exc:  # noqa: BLE001 - the pages will say what is wrong; still serve
        print(f"casestudy: preloading failed ({type(exc).__name__}): serving anyway",
              file=sys.stderr, flush=True)
        took = 0.0
    t0 = time.perf_counter()
    quiet = [logging.getLogger(n) for n in ("streamlit.runtime.caching.cache_data_api",
                                             "streamlit.runtime.scriptrunner_utils")]
    levels = [q.level for q in quiet]
    for q in quiet:  # "no runtime found" / "missing ScriptRunContext": expected before serving
        q.setLevel(logging.ERROR)
    try:
        first = warm_first_view()
    except Exception as exc:  # noqa: BLE001 - a warm-up is never a reason not to serve
        first = f"not built ({type(exc).__name__})"
    finally:
        for q, level in zip(quiet, levels, strict=True):
            q.setLevel(level)
    settle()
    print(f"casestudy: loaded in {took:.1f} s; first view ({first}) in "
          f"{time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(app_path()), *(sys.argv[1:] if argv is None else argv)]
    cli.main()


if __name__ == "__main__":
    main()
