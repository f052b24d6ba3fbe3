"""Engineering practices: the audit of the repository at HEAD (which practices apply, the paths
that prove them, when they first appeared) and the share of code-changing PRs that also changed
tests — the document's practices section, laid out."""

import pandas as pd
import streamlit as st

from casestudy.app.ui import banner, current_case_study, section_start
from casestudy.render import charts
from casestudy.render.escape import esc

view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    p = cs.practices
    if section_start(cs, "practices"):
        st.metric("Practices in place at HEAD", f"{p.present} of {p.applicable}")
        st.write(esc(p.text, 5000))
        if p.history_note:
            st.caption(esc(p.history_note, 1000))
        st.dataframe(pd.DataFrame({
            "practice": [r.name for r in p.rows],
            "applies to": ["every project" if r.applies == "all" else "ML projects"
                           for r in p.rows],
            "status": [r.status for r in p.rows],
            "evidence": [", ".join(r.evidence) + (f" and {r.more:,} more" if r.more else "")
                         for r in p.rows],
            "first appeared": [r.first_seen for r in p.rows],
            "why it matters": [r.why for r in p.rows],
        }), hide_index=True, width="stretch")
        if any(s.code_prs for s in p.tests_with_code):
            st.subheader("PRs that change code also change tests")
            st.altair_chart(charts.tests_with_code_chart(cs, width=640), width="content")
