"""The export page's heavy buttons: a PDF or HTML report is made in the render pool
(``render.pool``) when the visitor asks for it, kept for this session while the view is the same,
then offered as a download; a render that fails twice shows one sentence, never a traceback."""

from __future__ import annotations

import streamlit as st

from ..document import CaseStudy
from ..render.pool import RenderFailed, render_pooled

_MADE = "exports_made"  # session key: {fmt: (view key, bytes or text)}
LABELS = {"pdf": ("📄 Make the PDF", "⬇️ PDF"), "html": ("🌐 Make the HTML", "⬇️ HTML")}


def _view_key(cs: CaseStudy, paper: str) -> tuple:
    """What the file depends on: the subject, peers, period, definitions (options) and paper."""
    return (cs.subject, tuple(cs.peers), cs.period_from, cs.period_to, cs.definitions_hash,
            paper)


def made(fmt: str, cs: CaseStudy, paper: str) -> str | bytes | None:
    """The file this session already made for this view, if any."""
    entry = st.session_state.get(_MADE, {}).get(fmt)
    return entry[1] if entry and entry[0] == _view_key(cs, paper) else None


def export_button(col, cs: CaseStudy, fmt: str, paper: str, file_name: str, mime: str) -> None:
    """In ``col``: the download of the made file, else the button that makes it (in the pool);
    a failure is one sentence in the column."""
    make_label, download_label = LABELS[fmt]
    slot = col.empty()  # the make button, replaced by the download once the file is made
    data = made(fmt, cs, paper)
    if data is None:
        if not slot.button(make_label, key=f"make_{fmt}"):
            return
        with col, st.spinner(f"Making the {fmt.upper()}…"):
            try:
                data = render_pooled(cs, fmt, paper)
            except RenderFailed as exc:
                col.error(str(exc))
                return
        st.session_state.setdefault(_MADE, {})[fmt] = (_view_key(cs, paper), data)
    slot.download_button(download_label, data=data, file_name=file_name, mime=mime,
                         on_click="ignore", key=f"dl_{fmt}")
