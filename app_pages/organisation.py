"""Organisation: every repository of an owner at once — merged PRs, active authors, median cycle
and lead time, deployments per week, each with its rank — among the repositories this visitor
may see, and teams (repositories, people, monorepo paths) from the server's team file
(``CASESTUDY_TEAMS``) or one the visitor pastes or uploads (``sources.team_list``)."""

import pandas as pd
import streamlit as st

from casestudy.app.data import get_store, organisation
from casestudy.app.identity import viewer
from casestudy.config import teams_file
from casestudy.render.escape import esc
from casestudy.report.org import TeamScopeError
from casestudy.sources.team_list import MAX_BYTES, TeamListError, read_team_bytes

NONE, SERVER, OWN = "none", "the server's team file", "paste or upload a team file"
EXAMPLE = ('[[team]]\nname = "platform"\nrepos = ["acme/api"]\npeople = ["alice"]\n\n'
           '[[team]]\nname = "billing"\nrepos = ["acme/monorepo"]\n'
           'paths = ["services/billing/**"]\n')


def _teams_input() -> tuple[bytes | None, str, bool]:
    """The team file's text this run (None: no teams), the words its refusals begin with, and
    whether a repository it names that the visitor may not see can be named back to them."""
    server = teams_file()
    choices = [NONE, *([SERVER] if server else []), OWN]
    choice = st.radio("Teams", choices, index=1 if server else 0, key="org_teams",
                      horizontal=True,
                      help="A team is a set of repositories, people (logins) and paths in a "
                           "monorepo; each team gets its row and its ranks.")
    if choice == SERVER and server:
        try:  # refusals say "the server's team file", never its path
            return read_team_bytes(server, SERVER), SERVER, False
        except TeamListError as exc:
            st.error(esc(str(exc), 600))
            return None, "", False
    if choice == OWN:
        upload = st.file_uploader("Upload a team file (TOML)", type=["toml"],
                                  key="org_teams_upload")
        if upload is not None:
            if upload.size > MAX_BYTES:
                st.error(f"The uploaded team file is larger than {MAX_BYTES // 1024} KB.")
                return None, "", True
            return upload.getvalue(), "the uploaded team file", True
        text = st.text_area("…or paste one", key="org_teams_text", height=160,
                            max_chars=MAX_BYTES, placeholder=EXAMPLE)
        if text.strip():
            return text.encode(), "the pasted team file", True
    return None, "", True


store = get_store()
st.title("Organisation")
mine = viewer()
owners = sorted({r.split("/")[0] for r in store.repos(visible_to=list(mine))})
if not owners:
    st.info("No repository to show yet: sync some on the Data page.")
else:
    owner = st.selectbox("Owner", owners, key="org_owner",
                         help="Every repository of this owner you may see, side by side.")
    teams_text, origin, name_hidden = _teams_input()
    try:
        rows, team_rows, window, notes = organisation(
            store.ident, mine, store.data_version(), owner, teams_text, origin, name_hidden)
    except TeamListError as exc:
        st.error(esc(str(exc), 600))
        rows, team_rows, window, notes = organisation(store.ident, mine,
                                                      store.data_version(), owner)
    except TeamScopeError as exc:  # e.g. a team of paths naming no repository
        st.error(esc(str(exc), 600))
        rows, team_rows, window, notes = organisation(store.ident, mine,
                                                      store.data_version(), owner)
    st.caption(esc(window))
    st.subheader("Per repository")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if team_rows:
        st.subheader("Per team")
        st.dataframe(pd.DataFrame(team_rows), hide_index=True, width="stretch")
    for note in notes:
        st.caption(esc(note, 1000))
    if teams_text is None:
        st.caption("A team file (TOML) names each team's repositories, people and monorepo "
                   "paths; the same file works on the command line: "
                   "`casestudy org OWNER --teams teams.toml`.")
