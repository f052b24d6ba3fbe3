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

from casestudy.app.guard import database_trouble_told  # noqa: E402
from casestudy.app.sidebar import view_from_sidebar  # noqa: E402
from casestudy.render.outline import PAGES  # noqa: E402

st.set_page_config(page_title="casestudy", page_icon="📊", layout="wide")

# the navigation is the outline's: each report section names the page that shows it
# every page listed (13 of them; Streamlit collapses a menu of more than twelve behind "View more")
nav = st.navigation([st.Page(p.path, title=p.title, icon=p.icon, default=p.default)
                     for p in PAGES], expanded=True)
with database_trouble_told():  # a busy or vanished database: one sentence, no traceback
    st.session_state["view"] = view_from_sidebar()
    nav.run()
