"""Metrics: the trend of one metric per period with n and intervals, subject and peers."""

import pandas as pd
import streamlit as st

from casestudy.app.sidebar import sync_url
from casestudy.app.ui import banner, current_case_study
from casestudy.render import charts
from casestudy.render.escape import esc

view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    keys = [d.key for d in cs.definitions]
    st.session_state.setdefault("w_metric", view.metric)
    key = st.selectbox("Metric", keys, key="w_metric",
                       format_func=lambda k: cs.definition(k).name)
    view.metric = key
    sync_url(view)
    m = cs.definition(key)
    f = cs.finding(key)
    st.markdown(f"**{m.name}** — *{m.formula}*. {m.explanation}")
    if f is not None and not f.visible:
        st.warning(f.sentence)
    else:
        st.write(esc(f.sentence, 5000) if f else "")
        st.altair_chart(charts.metric_chart(cs, key, height=320), width="stretch")
        rows = []
        for repo in cs.repos:
            s = cs.series_for(key, repo)
            for p in s.points:
                rows.append({"repository": repo, "period": p.period, "n": p.n,
                             m.name: m.format(p.value),
                             "95% CI": f"{m.format(p.ci_low)}–{m.format(p.ci_high)}"
                             if p.ci_low is not None else "",
                             "p75": m.format(p.p75) if p.p75 is not None else "",
                             "p90": m.format(p.p90) if p.p90 is not None else ""})
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        excluded = cs.series_for(key).excluded
        if excluded:
            st.caption(f"{excluded:,} negative durations (clock skew) were left out.")
