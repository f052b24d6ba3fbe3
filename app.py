"""Streamlit entry point: ``streamlit run app.py``. Pages live in ``pages/``."""

import streamlit as st

st.set_page_config(page_title="casestudy", page_icon="📊", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon="🏠", default=True),
]
st.navigation(pages).run()
