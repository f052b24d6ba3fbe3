"""Data access for the Streamlit app: the store (demo-filled on first use) and cached reads."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from .config import default_db_path
from .demo import build_demo
from .store import Store


@st.cache_resource(show_spinner=False)
def _open_store(path: str) -> Store:
    store = Store(path)
    if not store.repos():
        with st.status("Building the synthetic demo data (first start only)…"):
            build_demo(store)
    return store


def get_store() -> Store:
    """The store the app reads: ``$CASESTUDY_DB`` or the user's default, demo-filled if empty."""
    return _open_store(str(default_db_path()))


def _day(ts: int | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")


@st.cache_data(show_spinner=False, ttl=60)
def store_summary(path: str) -> list[dict]:
    """One row per repository: PR counts and date range."""
    return [
        {"repository": s.repo, "synthetic": s.synthetic, "source": s.source, "PRs": s.prs,
         "merged": s.merged, "from": _day(s.first_at), "to": _day(s.last_at),
         "deployments": s.deployments, "deployment source": s.deploy_source}
        for s in Store(path).summary()
    ]
