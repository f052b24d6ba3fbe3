"""CI insight: which checks fail together (heatmap by cluster), the reduced job set for PRs,
flaky jobs and job durations — the document's CI section, laid out."""

import pandas as pd
import streamlit as st

from casestudy.app.ui import banner, current_case_study, section_start
from casestudy.render import charts
from casestudy.render.escape import esc

view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    if section_start(cs, "ci"):
        ci = cs.ci
        st.write(esc(ci.text, 5000))
        st.altair_chart(charts.ci_heatmap(cs, size=min(700, 24 * len(ci.jobs) + 120)),
                        width="content")
        st.caption("Phi correlation of job failures (first attempts on PR head commits), jobs "
                   "ordered by cluster.")
        st.subheader("Jobs that fail together")
        st.dataframe(pd.DataFrame({"cluster": [", ".join(c) for c in ci.clusters],
                                   "jobs": [len(c) for c in ci.clusters]}),
                     hide_index=True, width="stretch")
        st.subheader(f"Reduced job set for PRs: {len(ci.kept)} of {len(ci.jobs)} jobs")
        st.write(esc(f"Recall {ci.recall:.0%} of the PRs any job caught (target "
                     f"{ci.target:.0%}); saves {ci.minutes_saved:,.0f} of "
                     f"{ci.minutes_all:,.0f} CI minutes. Keep: {', '.join(ci.kept)}.", 5000))
        st.dataframe(pd.DataFrame({
            "job": ci.jobs, "kept on PRs": [j in ci.kept for j in ci.jobs],
            "PRs failed": [ci.failures.get(j, 0) for j in ci.jobs],
            "flaky commits": [ci.flaky.get(j, 0) for j in ci.jobs],
            "p50 (min)": [round(ci.duration_p50.get(j, float("nan")) / 60, 1) for j in ci.jobs],
            "p90 (min)": [round(ci.duration_p90.get(j, float("nan")) / 60, 1) for j in ci.jobs],
        }), hide_index=True, width="stretch")
        st.caption("Job names are normalised before counting: " +
                   esc("; ".join(ci.rules), 3000) + ".")
