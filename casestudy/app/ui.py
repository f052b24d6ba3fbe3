"""Small building blocks the app's pages share: the current case study, banners, errors."""

from __future__ import annotations

import streamlit as st

from ..core.periods import PeriodError
from ..document import CaseStudy
from ..render.escape import esc
from ..render.outline import section
from ..report.build import ReportError
from ..store import StoreError
from ..store.namespaces import SEP, shown
from .data import case_study, get_store
from .identity import viewer
from .sidebar import sync_url
from .state import View


def current_case_study(view: View) -> CaseStudy | None:
    """The case study for the view, or None after showing a readable error."""
    if not view.repo:
        st.info("No repository selected.")
        return None
    store = get_store()
    try:
        cs = case_study(store.ident, viewer(), store.data_version(), view.options())
    except (ReportError, PeriodError, StoreError, ValueError) as exc:
        st.error(esc(f"Cannot build the case study: {exc}", 400))
        return None
    first_view = not st.session_state.get("defs_seen")
    st.session_state["defs_seen"] = True
    if view.defs != cs.definitions_hash:
        if view.defs and first_view:  # a shared link made under other definitions or options
            st.warning(f"This link was made from a report with definitions {view.defs}; this "
                       f"one measures with {cs.definitions_hash}: its figures may not compare.")
        view.defs = cs.definitions_hash
        sync_url(view)
    return as_shown(cs)


def as_shown(cs: CaseStudy) -> CaseStudy:
    """The case study as a visitor reads it: a repository filed under a tagged key (a hosted
    visitor's own, ``store.namespaces``) named by its name. For what is shown and exported
    only: the store is read by the view's keys (``View.repo``), never by these names."""
    keys = [r for r in (cs.subject, *cs.peers) if SEP in r]
    if not keys:
        return cs
    text = cs.to_json(indent=None)
    for key in sorted(keys, key=len, reverse=True):
        text = text.replace(key, shown(key))
    return CaseStudy.from_json(text)


def section_start(cs: CaseStudy, key: str) -> bool:
    """A page's outline section begins: its title, then the sentence that stands in when the
    document has no such section (False: nothing more to lay out)."""
    s = section(key)
    st.title(s.title)
    if s.present(cs):
        return True
    st.info(esc(s.missing(cs), 2000))
    return False


def banner(cs: CaseStudy) -> None:
    if cs.synthetic:
        st.info("You are looking at **synthetic demo data**: generated repositories, not real "
                "ones.", icon="🧪")


def link_column(label: str = "PR") -> st.column_config.LinkColumn:
    return st.column_config.LinkColumn(label, display_text=r"https://.*/pull/(\d+)")


def hours(seconds: float | None) -> float | None:
    """Seconds as hours with one decimal, for tables (None stays None)."""
    return None if seconds is None else round(seconds / 3600, 1)
