"""Export: the current view as PDF, HTML, Markdown or JSON (built on demand)."""

import streamlit as st

from casestudy.app.exports import export_button
from casestudy.app.ui import banner, current_case_study
from casestudy.render import render
from casestudy.render.escape import esc

view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    st.title("Export")
    st.write(f"The case study of **{esc(cs.subject)}** for {cs.period_from} to {cs.period_to}"
             f"{' against ' + ', '.join(cs.peers) if cs.peers else ''}, as on screen.")
    paper = st.radio("Paper", ["A4", "Letter"], horizontal=True)
    stem = f"casestudy-{cs.subject.replace('/', '-')}-{cs.period_to}"
    cols = st.columns(4)
    export_button(cols[0], cs, "pdf", paper, f"{stem}.pdf", "application/pdf")
    export_button(cols[1], cs, "html", paper, f"{stem}.html", "text/html")
    # made when clicked (a callable), not on every run of this page: the JSON alone took 33 ms
    # of the page process for each of an exporting visitor's runs
    cols[2].download_button("⬇️ Markdown", data=lambda: render(cs, "md"),
                            file_name=f"{stem}.md", mime="text/markdown", on_click="ignore",
                            key="dl_md")
    cols[3].download_button("⬇️ JSON", data=cs.to_json, file_name=f"{stem}.json",
                            mime="application/json", on_click="ignore", key="dl_json")
    st.caption("PDF and HTML are made when you ask (a few seconds for the PDF), then offered "
               "as a download.")
