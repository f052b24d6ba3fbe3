"""Organisation: every repository of an owner at once — merged PRs, active authors, median cycle
and lead time, deployments per week, each with its rank — among the repositories this visitor
may see. Teams (repositories, people) are the command line's: ``casestudy org --teams``."""

import pandas as pd
import streamlit as st

from casestudy.app.data import get_store, organisation
from casestudy.app.identity import viewer
from casestudy.render.escape import esc

store = get_store()
st.title("Organisation")
mine = viewer()
owners = sorted({r.split("/")[0] for r in store.repos(visible_to=list(mine))})
if not owners:
    st.info("No repository to show yet: sync some on the Data page.")
else:
    owner = st.selectbox("Owner", owners, key="org_owner",
                         help="Every repository of this owner you may see, side by side.")
    rows, window, notes = organisation(store.ident, mine, store.data_version(), owner)
    st.caption(esc(window))
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    for note in notes:
        st.caption(esc(note, 1000))
    st.caption("Teams (their repositories and people) and per-team ranks: "
               "`casestudy org OWNER --teams teams.toml`.")
