"""Data: what the store holds, and adding a repository (file import; GitHub and local git
where those sources are available)."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from casestudy.appdata import account, get_store, store_summary
from casestudy.sources.files import ImportError_, import_git_prs_csv, import_tables

store = get_store()
st.title("Data")
rows = store_summary(str(store.path), account(), store.data_version())
st.subheader("What the store holds")
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
st.caption(f"Store: {store.path.name} (schema v{store.schema_version})")

st.subheader("Import files")
st.write("Either canonical tables (`pull_requests`, optional `deployments` and `incidents`, as "
         "CSV or Parquet) or a git-prs CSV (one row per landed PR, recovered from git).")
files = st.file_uploader("Files", accept_multiple_files=True, type=["csv", "parquet"])
kind = st.radio("Layout", ["canonical tables", "git-prs CSV"], horizontal=True)
if files and st.button("Import", type="primary"):
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            (Path(tmp) / Path(f.name).name).write_bytes(f.getvalue())
        try:
            if kind == "canonical tables":
                counts = import_tables(store, Path(tmp))
            else:
                counts = {}
                for f in files:
                    counts.update(import_git_prs_csv(store, Path(tmp) / Path(f.name).name))
        except ImportError_ as exc:
            st.error(f"Nothing was imported: {exc}")
        else:
            st.success("Imported: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
            st.cache_data.clear()
