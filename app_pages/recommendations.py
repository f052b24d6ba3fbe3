"""Recommendations: what to do, with the evidence from this repository's numbers."""

import streamlit as st

from casestudy.app.ui import banner, current_case_study
from casestudy.render.escape import esc
from casestudy.render.outline import section

view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    st.title(section("recommendations").title)
    if not cs.recommendations:
        st.success("No rule in the catalogue fired on this data.")
    for r in cs.recommendations:
        icon = {1: "🔴", 2: "🟠", 3: "🟡"}.get(r.priority, "🟠")
        with st.expander(f"{icon} {r.title}", expanded=r.priority == 1):
            st.markdown(f"**Evidence.** {esc(r.evidence, 5000)}")
            st.markdown(f"**Action.** {r.action}")
            if r.triggers:
                st.markdown("**Triggered by.** " + "; ".join(
                    f"{esc(cs.label(e.metric))}: {esc(e.value_text, 300)}" for e in r.triggers))
            if r.checked:
                st.markdown("**Checked.** " + "; ".join(esc(x, 500) for x in r.checked))
            st.markdown(f"**Expected effect.** {r.effect}")
            st.caption(f"Reference: {r.reference}")
    cols = st.columns(2)
    with cols[0]:
        st.subheader(section("strengths").title)
        for s in cs.strengths:
            st.markdown(f"**{esc(s.title)}.** {esc(s.text, 5000)}")
    with cols[1]:
        st.subheader(section("weaknesses").title)
        for s in cs.weaknesses:
            st.markdown(f"**{esc(s.title)}.** {esc(s.text, 5000)}")
    refused = [(c.kind, c.title, c.refused) for c in cs.refused] + [
        ("recommendation", r.title, r.refused) for r in cs.refused_recommendations]
    if refused:
        with st.expander(f"{section('refused').title} ({len(refused)})"):
            for kind, title, why in refused:
                st.markdown(f"- *{esc(kind)}* **{esc(title, 300)}**: {esc(why, 600)}")
