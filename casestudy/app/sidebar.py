"""The sidebar shared by every page: choose repos, period and options; keeps ``st.query_params``
equal to the view so the URL always reproduces what is on screen."""

from __future__ import annotations

import streamlit as st

from ..options import (
    BOTS,
    BUSINESS_HOURS,
    FREQ,
    MONTHS,
    PEERS,
    PERIOD_FROM,
    PERIOD_TO,
    SESSION_GAP,
    TZ,
    OptionError,
)
from ..render.escape import esc
from ..store.namespaces import shown
from .data import get_store, months
from .identity import adopt_legacy_keys, oidc_configured, person, viewer
from .state import View


def _init(key: str, value) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def view_from_sidebar() -> View:
    """Read the view from the URL (first load) and the sidebar widgets; write it back to the
    URL. Page-specific fields (metric, month, stage) pass through untouched."""
    store = get_store()
    adopt_legacy_keys(store)  # a store from before key namespaces: this person's data
    acct = viewer()
    version = store.data_version()
    repos = store.repos(visible_to=acct)
    all_months = months(store.ident, acct, version)
    params = {k: st.query_params.get(k) for k in st.query_params}
    if not params and "view_params" in st.session_state:
        params = dict(st.session_state["view_params"])  # page switch dropped the URL: restore
    view, problems = View.read(params, repos, all_months)
    _init("w_repo", view.repo)
    _init("w_peers", view.peers)
    default_end = all_months[-1] if all_months else ""
    default_start = all_months[max(0, len(all_months) - MONTHS.default)] if all_months else ""
    _init("w_start", view.start or default_start)
    _init("w_end", view.end or default_end)
    _init("w_freq", view.freq)
    _init("w_tz", view.tz)
    _init("w_bots", view.bots)
    _init("w_bh", view.bh)
    _init("w_gap", view.gap)
    with st.sidebar:
        st.markdown("### 📊 casestudy")
        _sign_in()
        for problem in problems:  # they quote the URL: inert text, never live Markdown
            st.warning(esc(problem, 200))
        if not repos:
            st.warning("The store holds no repositories: add one on the Data page.")
            return view
        if st.session_state["w_repo"] not in repos:
            st.session_state["w_repo"] = repos[0]
        view.repo = st.selectbox("Repository", repos, key="w_repo", format_func=shown)
        st.session_state["w_peers"] = [p for p in st.session_state["w_peers"]
                                       if p in repos and p != view.repo]
        view.peers = st.multiselect(PEERS.label, [r for r in repos if r != view.repo],
                                    key="w_peers", format_func=shown)
        if all_months:
            for key, fallback in (("w_start", default_start), ("w_end", default_end)):
                if st.session_state[key] not in all_months:
                    st.session_state[key] = fallback
            c1, c2 = st.columns(2)
            view.start = c1.selectbox(PERIOD_FROM.label, all_months, key="w_start")
            view.end = c2.selectbox(PERIOD_TO.label, all_months, key="w_end")
            if view.start > view.end:
                st.warning("‘From’ is after ‘To’: the two were swapped.")
                view.start, view.end = view.end, view.start
        view.freq = st.radio(FREQ.label, list(FREQ.choices), key="w_freq", horizontal=True,
                             format_func=FREQ.choices.get, help=FREQ.help)
        tz = st.text_input(TZ.label, key="w_tz", help=TZ.help)
        try:
            view.tz = TZ.check(tz)
        except OptionError as exc:
            st.error(esc(f"{exc.sentence} — using {TZ.default}", 200))
            view.tz = TZ.default
        view.bots = st.radio(BOTS.label, list(BOTS.choices), key="w_bots", horizontal=True,
                             format_func=BOTS.choices.get, help=BOTS.help)
        start, end = BUSINESS_HOURS.preset
        view.bh = st.toggle(f"{BUSINESS_HOURS.label} (Mon–Fri {start:02d}–{end:02d})",
                            key="w_bh", help=BUSINESS_HOURS.help)
        view.gap = int(st.number_input(
            SESSION_GAP.label, min_value=SESSION_GAP.bounds[0], max_value=SESSION_GAP.bounds[1],
            step=SESSION_GAP.step, key="w_gap", help=SESSION_GAP.help))
        if any(r.startswith("demo/") for r in [view.repo, *view.peers]):
            st.caption("Synthetic demo data.")
    sync_url(view)
    return view


def _sign_in() -> None:
    """Sign-in through the host's OIDC provider, when one is configured (Streamlit's native
    ``st.login``); private repositories then belong to the signed-in user."""
    if not oidc_configured():
        return
    who = person()
    if who:
        st.caption(f"Signed in as {esc(who, 80)}")
        if st.button("Sign out", key="w_logout"):
            st.logout()
    elif st.button("Sign in", key="w_login"):
        st.login()


def sync_url(view: View) -> None:
    """Make the URL equal to the view (and remember it for page switches)."""
    params = view.to_params()
    st.session_state["view_params"] = params
    current = {k: st.query_params.get(k) for k in st.query_params}
    if current != params:
        st.query_params.from_dict(params)
