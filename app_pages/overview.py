"""Overview: headline, verdict, key figures with DORA bands and the change against the window
before (coloured only when it beats the noise)."""

import streamlit as st

from casestudy.app.ui import banner, current_case_study, hours
from casestudy.render import charts
from casestudy.render.escape import code, esc
from casestudy.render.outline import NO_STAGES, any_stage, key_figure_order, section


def _figures(cs, shown) -> None:
    cols = st.columns(4)
    for i, m in enumerate(shown):
        f = cs.finding(m.key)
        delta = None if f.change is None else f"{f.change * 100:+.0f}% vs the window before"
        colour = ("inverse" if m.lower_is_better else "normal") if f.trend in (
            "improving", "worsening") else "off"  # grey: within the noise
        label = m.name + (f" · {f.band}" if f.band else "")
        cols[i % 4].metric(label, f.level_text, delta, delta_color=colour,
                           help=f"{m.formula}. n = {f.n:,}. {f.trend_text or f.trend}.")


def _rest(cs) -> None:
    if cs.waits is not None:
        with st.expander(f"{section('waits').title} (censoring-aware)"):
            st.write(esc(cs.waits.text, 5000))
            rows = [e for e in cs.waits.periods if e.n]
            if rows:
                import pandas as pd

                st.dataframe(pd.DataFrame({
                    "wait": ["first response" if e.measure == "first_response" else
                             "open → merge" for e in rows],
                    "period": [e.span for e in rows], "PRs": [e.n for e in rows],
                    "censored": [e.censored for e in rows],
                    "naive median (h)": [hours(e.naive_median) for e in rows],
                    "Kaplan–Meier median (h)": [hours(e.median) for e in rows],
                    "95% CI low (h)": [hours(e.median_low) for e in rows],
                    "95% CI high (h)": [hours(e.median_high) for e in rows],
                    "no event in 7 days": [e.waiting_7d for e in rows],
                }), hide_index=True, width="stretch")
    st.markdown("#### Where the time goes (median per stage, latest window)")
    if any_stage(cs):
        st.altair_chart(charts.stages_chart(cs, width=700), width="stretch")
    else:
        st.caption(NO_STAGES)
    st.markdown(f"#### {section('work_pattern').title} ({cs.period_from} to {cs.period_to}, "
                f"{cs.tz})")
    if cs.work_pattern:
        st.write(esc(cs.work_pattern.text, 5000))
        if cs.work_pattern.counts:
            st.altair_chart(charts.work_pattern_chart(cs, width=700), width="content")
    with st.expander("Summary and data sources"):
        st.write(esc(cs.summary, 5000))
        for src in cs.sources:
            st.markdown(f"**{esc(src.repo)}** — source {code(src.source)}, deployments from "
                        f"{code(src.deploy_source)}. " + " ".join(esc(n, 2000)
                                                                 for n in src.notes))


view = st.session_state["view"]
cs = current_case_study(view)
if cs is not None:
    banner(cs)
    st.title(esc(cs.subject))
    st.subheader(esc(cs.headline))
    st.caption(f"{cs.period_from} to {cs.period_to} · latest window {cs.window[0]} to "
               f"{cs.window[-1]} · peers: {esc(', '.join(cs.peers) or 'none')}")
    e = cs.executive
    if e is not None:
        with st.container(border=True):
            st.markdown(f"##### {section('executive').title}")
            for p in e.paragraphs:
                st.write(esc(p, 3000))
            c1, c2 = st.columns(2)
            c1.markdown("**Strengths**\n" + "".join(f"\n- {esc(s, 300)}" for s in e.strengths)
                        if e.strengths else "**Strengths**: none beyond the noise")
            c2.markdown("**Weaknesses**\n" + "".join(f"\n- {esc(s, 300)}" for s in e.weaknesses)
                        if e.weaknesses else "**Weaknesses**: none beyond the noise")
            if e.recommendations:
                st.markdown("**Top recommendations**\n" + "".join(
                    f"\n{i}. {esc(r, 600)}" for i, r in enumerate(e.recommendations, 1)))
            st.caption(f"Definitions hash {cs.definitions_hash}: reports with the same hash "
                       "measure the same way (it is in the URL).")
    st.write(esc(cs.verdict, 5000))
    shown = [m for m in key_figure_order(cs) if (f := cs.finding(m.key)) and f.visible]
    groups = [(factor, [m for m in shown if m.factor == factor])
              for factor in ("throughput", "instability", "")]
    for factor, ms in groups:
        if ms:
            st.markdown(f"##### {'DORA ' + factor if factor else 'Flow, stages and people'}")
            _figures(cs, ms)
    if cs.delivery is not None:
        st.caption(esc(cs.delivery.text, 2000))
    if cs.waiting is not None and cs.waiting.waiting:
        st.info("Waiting for release: " + esc(cs.waiting.text, 2000))
    _rest(cs)
