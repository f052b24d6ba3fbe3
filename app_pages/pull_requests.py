"""Pull requests: the PRs behind a metric in one period, sortable, with links to GitHub."""

import streamlit as st

from casestudy import metrics
from casestudy.app.data import arrays, get_store
from casestudy.app.identity import viewer
from casestudy.app.sidebar import sync_url
from casestudy.app.ui import banner, current_case_study, link_column
from casestudy.csv_cells import inert_frame
from casestudy.render.escape import esc, safe_url
from casestudy.report.drilldown import STAGE_KEYS, pr_rows

view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    st.title("Pull requests")
    periods = [p.period for p in cs.series_for("throughput").points]
    c1, c2 = st.columns(2)
    st.session_state.setdefault("w_month", view.month if view.month in periods else periods[-1])
    if st.session_state["w_month"] not in periods:
        st.session_state["w_month"] = periods[-1]
    view.month = c1.selectbox("Period", periods, key="w_month")
    st.session_state.setdefault("w_stage", view.stage if view.stage in STAGE_KEYS
                                else "cycle_time")
    view.stage = c2.selectbox("Metric", STAGE_KEYS, key="w_stage",
                              format_func=lambda k: metrics.get(k).name)
    sync_url(view)
    store = get_store()
    a = arrays(store.ident, viewer(), store.data_version(), view.repo)  # its key, not name
    opts = view.options()  # the options the case study above was built with
    df = pr_rows(store, a, view.stage, view.month, opts)
    if df.empty:
        st.info("No PRs completed this metric in that period.")
    else:
        hours = ""
        if opts.business_hours:
            start, end = opts.business_hours
            hours = (f" Durations count working hours only ({start:02d}:00–{end:02d}:00 "
                     f"Mon–Fri, {esc(opts.tz, 60)}), as the report's figures do.")
        st.caption(f"{len(df):,} PRs whose {metrics.get(view.stage).name.lower()} ended in "
                   f"{esc(view.month, 20)}, slowest first. Click a column header to sort.{hours}")
        df["link"] = df["link"].map(safe_url)  # only plain https links stay links
        # the table's "Download as CSV" writes cells as shown: a formula stays text
        df = inert_frame(df)
        st.dataframe(df, hide_index=True, width="stretch",
                     column_config={"link": link_column(), "title": st.column_config.TextColumn(
                         "title", width="large")})
