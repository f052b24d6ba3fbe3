"""AI-assisted changes: how much of the merged work carries an AI tool's mark per period, what
those PRs cost and deliver against comparable PRs, the AI reviewers as their own series and the
AI stance at HEAD — the document's AI section, laid out."""

import pandas as pd
import streamlit as st

from casestudy.app.ui import banner, current_case_study, section_start
from casestudy.render import charts
from casestudy.render.escape import esc, safe_url

view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    s = cs.ai
    if section_start(cs, "ai"):
        said = [c for c in cs.claims if c.section == "ai" and not c.refused]
        for c in said:
            st.info(esc(c.text, 2000))
        c1, c2, c3 = st.columns(3)
        c1.metric("AI-assisted merged PRs", f"{s.ai_prs:,} of {s.merged:,}")
        c2.metric("Share", f"{s.ai_prs / s.merged:.1%}" if s.merged else "–")
        c3.metric("Merged PRs an AI reviewer commented on", f"{s.reviewed_prs:,}")
        st.write(esc(s.text, 5000))
        if s.stance:
            st.caption(esc(s.stance, 2000))
        st.subheader("Per period")
        st.altair_chart(charts.ai_share_chart(cs, width=640), width="content")
        st.subheader("Against PRs of the same period and size bin")
        st.dataframe(pd.DataFrame({
            "measure": [c.name for c in s.comparisons],
            "AI-assisted": [c.ai_value for c in s.comparisons],
            "comparable": [c.other_value for c in s.comparisons],
            "ratio": [c.ratio for c in s.comparisons],
            "n (AI)": [c.ai_n for c in s.comparisons],
            "n (others)": [c.other_n for c in s.comparisons],
            "p": [c.p_value for c in s.comparisons],
            "in words": [c.text for c in s.comparisons],
            "test": [c.test for c in s.comparisons],
        }), hide_index=True, width="stretch")
        st.subheader("Detection rules")
        st.dataframe(pd.DataFrame({
            "rule": [r.name for r in s.rules], "what it matches": [r.description for r in s.rules],
            "merged PRs (report period)": [r.prs for r in s.rules],
            "commits (all read)": [r.commits for r in s.rules],
        }), hide_index=True, width="stretch")
        if s.examples:
            st.subheader("Latest AI-assisted PRs")
            st.dataframe(pd.DataFrame({
                "PR": [p.number for p in s.examples], "title": [p.title for p in s.examples],
                "tool": [p.value_text for p in s.examples],
                "rules": [p.why for p in s.examples],
                "link": [safe_url(p.url) for p in s.examples],
            }), hide_index=True, width="stretch",
                column_config={"link": st.column_config.LinkColumn("link")})
        if s.instructions:
            st.subheader("Agent-instruction files at HEAD")
            st.dataframe(pd.DataFrame({
                "path": [i.path for i in s.instructions],
                "first appeared": [i.first_seen for i in s.instructions],
            }), hide_index=True, width="stretch")
        for c in s.caveats:
            st.caption(esc(c, 1000))
