"""Work rhythm and velocity: velocity per active author with its trend tests, coding hours by the
gap rule and the hidden Markov model side by side, peak hours on people's own clocks and the
review-timing comparison — the document's rhythm section, laid out."""

import pandas as pd
import streamlit as st

from casestudy.app.ui import banner, current_case_study, section_start
from casestudy.render import charts
from casestudy.render.escape import esc

view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    r = cs.rhythm
    if section_start(cs, "rhythm"):
        if r.unavailable:
            st.info(esc(r.unavailable, 2000))
        if r.decay:
            st.warning(esc(r.decay, 5000))
        if r.composition:
            st.write(esc(r.composition, 5000))
        st.subheader("Velocity")
        if any(p.per_author is not None for p in r.velocity):
            st.altair_chart(charts.velocity_chart(cs, width=640), width="content")
        for t in r.trends:
            st.markdown("- " + esc(t.text, 2000))
        st.dataframe(pd.DataFrame({
            "period": [p.period for p in r.velocity],
            "merged PRs": [p.merged for p in r.velocity],
            "active authors": [p.authors for p in r.velocity],
            "per author": [p.per_author for p in r.velocity],
            "median size (lines)": [p.size_median for p in r.velocity],
            "median cycle (h)": [None if p.cycle_median is None else round(p.cycle_median / 3600,
                                                                           1)
                                 for p in r.velocity],
            "in trend test": [p.used for p in r.velocity],
        }), hide_index=True, width="stretch")
        st.subheader("Coding sessions")
        st.write(esc(r.text, 5000))
        if any(s.hours_gap is not None for s in r.sessions):
            st.altair_chart(charts.coding_hours_chart(cs, width=640), width="content")
            st.dataframe(pd.DataFrame([vars(s) for s in r.sessions]), hide_index=True,
                         width="stretch")
        st.caption(esc(f"A session ends after {r.gap_minutes:.0f} min without a commit (gap "
                       f"rule) or where the hidden Markov model decodes a break; "
                       f"{r.allowance_minutes:.0f} min are added per session for the work "
                       "before its first commit. Change the gap in the sidebar.", 1000))
        st.subheader("Peak hours (each person's own clock)")
        if r.local_hours:
            st.altair_chart(charts.local_hours_chart(cs, width=640), width="content")
        if r.review is not None:
            st.write(esc(r.review.text, 3000))
