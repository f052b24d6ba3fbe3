"""Data access for the Streamlit app: the store (demo-filled on first use), cached case studies
and arrays. Cache keys carry the store's ident (its path, or its URL without the password), its
data version and the viewer's account hashes (never a token), so one user's private data is never
served to another."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

import streamlit as st

from ..config import default_db_location
from ..document import CaseStudy
from ..model import PRArrays
from ..options import SESSION_GAP, Options
from ..sources.demo import build_demo
from ..store import Store
from ..store.namespaces import shown


@st.cache_resource(show_spinner=False)
def _open_store(location: str) -> Store:
    # nothing drawn in here: Streamlit replays a cached function's elements on every hit
    return Store(location)


_FILLED: set[str] = set()  # stores known to hold data (per server process)
_FILL_LOCK = threading.Lock()


def _fill_if_empty(store: Store) -> None:
    """Build the demo into an empty store, once per server process (sessions wait)."""
    if store.ident in _FILLED:
        return
    with _FILL_LOCK:
        if store.ident not in _FILLED and not store.repos():
            with st.status("Building the synthetic demo data (first start only)…"):
                build_demo(store)
        _FILLED.add(store.ident)


def get_store() -> Store:
    """The store the app reads: ``$CASESTUDY_DB`` or the user's default, demo-filled if empty."""
    store = _open_store(default_db_location())
    _fill_if_empty(store)
    return store


def _day(ts: int | None) -> str:
    """A stored time as a day; one no calendar holds (older data) shows as '?'."""
    try:
        return "" if ts is None else datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")
    except (OverflowError, OSError, ValueError):
        return "?"


@st.cache_data(show_spinner=False, ttl=300)
def store_summary(ident: str, viewer: tuple[str, ...], version: tuple[int, int, int]
                  ) -> list[dict]:
    """One row per repository this viewer may see: PR counts and date range."""
    return [
        {"repository": shown(s.repo), "synthetic": s.synthetic, "source": s.source, "PRs": s.prs,
         "merged": s.merged, "from": _day(s.first_at), "to": _day(s.last_at),
         "deployments": s.deployments, "deployment source": s.deploy_source,
         "last sync": _day(s.last_sync_at), "API requests": s.last_sync_requests,
         "GraphQL points": s.last_sync_points}
        for s in get_store().summary(visible_to=viewer)
    ]


@st.cache_data(show_spinner=False, max_entries=16)
def organisation(ident: str, viewer: tuple[str, ...], version: tuple[int, int, int],
                 owner: str, teams_text: bytes | None = None, teams_origin: str = "teams",
                 name_hidden: bool = True
                 ) -> tuple[list[dict], list[dict], str, list[str]]:
    """An owner's repositories this viewer may see, at a glance (``report.org``), and the teams
    of a team file's text when given (``sources.team_list.parse_teams``; a bad one raises
    ``TeamListError`` beginning with ``teams_origin``): one row per repository and per team
    (figures with their ranks), the window's words, the notes."""
    from ..report.org import build_org_view
    from ..sources.team_list import parse_teams

    teams = parse_teams(teams_text, teams_origin) if teams_text is not None else None
    view = build_org_view(get_store(), owner, visible_to=viewer, teams=teams,
                          name_hidden=name_hidden)
    lo, hi = view.window
    return (_org_rows(view.repositories, "repository"), _org_rows(view.teams, "team"),
            f"Merges from {_day(lo)} to {_day(hi - 1)}", view.notes)


def _org_rows(units: list, what: str) -> list[dict]:
    from ..analysis.org import COLUMNS

    rows = []
    for u in units:
        row: dict = {what: shown(u.name) if what == "repository" else u.name}
        for key, label, _direction in COLUMNS:
            value = getattr(u, key)
            row[label] = value if value is None or isinstance(value, int) else \
                round(float(value), 1)
            row[f"rank: {label}"] = u.ranks.get(key)
        rows.append(row)
    return rows


def sync_queue(viewer: tuple[str, ...]) -> list[dict] | None:
    """The task engine's queue as this viewer may see it (``engine.queue``), one row per
    repository and job; None when the store has no task engine. Read afresh on every run: the
    queue moves without the data version changing."""
    from ..engine.queue import engine_installed, queue_rows

    store = get_store()
    if not engine_installed(store):
        return None
    return [{"repository": r.repo, "job": r.job, "status": r.status,
             "attempts made": r.attempts,
             "worker": r.worker, "reason": r.reason, "last sync": _day(r.last_sync_at)}
            for r in queue_rows(store, viewer) if r.status != "done"]


@st.cache_data(show_spinner=False, max_entries=32)
def months(ident: str, viewer: tuple[str, ...], version: tuple[int, int, int]) -> list[str]:
    """Months (YYYY-MM) with merged PRs in any visible repo."""
    store = get_store()
    return store.merged_months(store.repos(visible_to=viewer))


CASE_STUDIES = 32  # case studies a server process keeps; the oldest unused ones go first


def bounded_options(opts: Options) -> Options:
    """The options a case study is built and cached with: peers once each (in the order
    given), the coding-session gap on its step (10 min): a visitor typing new values into the
    URL reaches a bounded set of case studies, and the cache itself is bounded too."""
    peers = tuple(dict.fromkeys(p for p in opts.peers if p != opts.subject))
    step = SESSION_GAP.step
    lo, hi = SESSION_GAP.bounds
    gap = min(hi, max(lo, int(round(opts.session_gap / step)) * step))
    if peers == opts.peers and gap == opts.session_gap:
        return opts
    return replace(opts, peers=peers, session_gap=gap)


def case_study(ident: str, viewer: tuple[str, ...], version: tuple[int, int, int],
               opts: Options) -> CaseStudy:
    """The case study for the view (cached per store, data version, viewer and options)."""
    return _case_study(ident, viewer, version, bounded_options(opts))


@st.cache_data(show_spinner="Computing the case study…", max_entries=CASE_STUDIES)
def _case_study(ident: str, viewer: tuple[str, ...], version: tuple[int, int, int],
                opts: Options) -> CaseStudy:
    # the one kept on disk by an earlier process when the data, options and code are the same
    # (a fresh server's first page); the viewer may see every repository of ``opts`` (checked
    # before), and what is built does not depend on who asks
    from ..report import saved

    return saved.case_study(get_store(), opts)


@st.cache_resource(show_spinner=False, max_entries=8)
def arrays(ident: str, viewer: tuple[str, ...], version: tuple[int, int, int],
           repo: str) -> PRArrays:
    return get_store().load_arrays([repo])
