"""People: contributor cohorts (first-time, returning, maintainers) and the review load — the
document's people section, laid out."""

import pandas as pd
import streamlit as st

from casestudy.app.ui import banner, current_case_study, hours, section_start
from casestudy.render.escape import esc

view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    p = cs.people
    if section_start(cs, "people"):
        if p.newcomer_finding:
            st.warning(esc(p.newcomer_finding, 2000))
        st.write(esc(p.text, 5000))
        st.caption(esc(f"Cohorts: {p.cohort_rule}.", 1000))

        st.dataframe(pd.DataFrame({
            "cohort": [c.name for c in p.cohorts], "PRs": [c.prs for c in p.cohorts],
            "people": [c.authors for c in p.cohorts],
            "first response (h, Kaplan–Meier)": [hours(c.first_response) for c in p.cohorts],
            "n (first response)": [c.first_response_n for c in p.cohorts],
            "merged of closed": [c.merge_rate for c in p.cohorts],
            "cycle time (h)": [hours(c.cycle) for c in p.cohorts],
            "n (cycle)": [c.cycle_n for c in p.cohorts],
        }), hide_index=True, width="stretch")
        if p.reviewers:
            st.subheader("Review load")
            st.dataframe(pd.DataFrame({
                "reviewer": [r.name for r in p.reviewers],
                "reviews": [r.reviews for r in p.reviewers],
                "first responses": [r.responses for r in p.reviewers],
                "share": [r.share for r in p.reviewers],
                "median wait (h)": [hours(r.median_wait) for r in p.reviewers],
            }), hide_index=True, width="stretch")
