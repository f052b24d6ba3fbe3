"""Overview page: what the store holds (repositories, PR counts, date ranges)."""

import pandas as pd
import streamlit as st

from casestudy.appdata import get_store, store_summary

store = get_store()
rows = store_summary(str(store.path))
st.title("casestudy")
if any(r["synthetic"] for r in rows):
    st.info("You are looking at **synthetic demo data**: generated repositories, not real ones.")
st.subheader("Repositories in the store")
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
