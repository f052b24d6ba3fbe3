"""Streamlit entry point: ``streamlit run app.py``. The sidebar (shared by every page) sets the
view; pages in ``app_pages/`` read it and lay out the case study.

The pages folder is not called ``pages/``: Streamlit treats a ``pages/`` directory as a legacy
multipage app until ``st.navigation`` has run once, so the first request would render the old
page list (seen in ``streamlit/runtime/pages_manager.py`` and in AppTest reruns)."""

import os

import streamlit as st

try:  # hosted mode may be switched on in Streamlit secrets as well as in the environment
    if st.secrets.get("hosted"):
        os.environ["CASESTUDY_HOSTED"] = "1"
except Exception:  # noqa: BLE001 - no secrets.toml: nothing to read
    pass

from casestudy.app.sidebar import view_from_sidebar  # noqa: E402

st.set_page_config(page_title="casestudy", page_icon="📊", layout="wide")

pages = [
    st.Page("app_pages/overview.py", title="Overview", icon="🏠", default=True),
    st.Page("app_pages/metrics.py", title="Metrics", icon="📈"),
    st.Page("app_pages/compare.py", title="Compare", icon="⚖️"),
    st.Page("app_pages/pull_requests.py", title="Pull requests", icon="🔎"),
    st.Page("app_pages/recommendations.py", title="Recommendations", icon="💡"),
    st.Page("app_pages/rhythm.py", title="Work rhythm", icon="⏱️"),
    st.Page("app_pages/people.py", title="People", icon="👥"),
    st.Page("app_pages/ci.py", title="CI insight", icon="🧪"),
    st.Page("app_pages/practices.py", title="Practices", icon="🧰"),
    st.Page("app_pages/data.py", title="Data", icon="🗄️"),
    st.Page("app_pages/export.py", title="Export", icon="📄"),
]
nav = st.navigation(pages)
st.session_state["view"] = view_from_sidebar()
nav.run()
