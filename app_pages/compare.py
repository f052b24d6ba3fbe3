"""Compare: subject and peers side by side over the same months, with ranks."""

import pandas as pd
import streamlit as st

from casestudy.app.ui import banner, current_case_study
from casestudy.render import charts
from casestudy.render.outline import NO_STAGES, any_stage

view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    st.title("Compare")
    if not cs.peers:
        st.info("Choose peers in the sidebar to compare.")
    rows = []
    for m in cs.definitions:
        row = {"metric": m.name, "better": "lower" if m.lower_is_better else "higher"}
        for repo in cs.repos:
            f = cs.finding(m.key, repo)
            if f is None or not f.visible:
                row[repo] = "unavailable"
            elif f.too_few:
                row[repo] = f"{f.level_text} (too few)"
            else:
                row[repo] = f.level_text + (f" · #{f.rank}" if f.rank else "")
        rows.append(row)
    st.caption(f"Latest window {cs.window[0]} to {cs.window[-1]}; #1 is best.")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", height="content")
    key = view.metric if any(d.key == view.metric for d in cs.definitions) else "cycle_time"
    st.markdown(f"#### {cs.definition(key).name} over time (choose the metric on the Metrics "
                "page)")
    st.altair_chart(charts.metric_chart(cs, key, height=320), width="stretch")
    if any_stage(cs):
        st.altair_chart(charts.stages_chart(cs), width="stretch")
    else:
        st.caption(NO_STAGES)
