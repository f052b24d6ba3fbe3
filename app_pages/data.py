"""Data: what the store holds, and adding a repository from GitHub or GitLab (token for this
session only), a local git clone, or files."""

import pandas as pd
import streamlit as st

from casestudy.app.actions import Outcome, import_uploads, read_clone, sync_github, sync_gitlab
from casestudy.app.data import get_store, store_summary, sync_queue
from casestudy.app.identity import owners, viewer, visitor
from casestudy.config import (
    SettingError,
    api_urls,
    git_root,
    gitlab_urls,
    hosted,
    max_upload_bytes,
)
from casestudy.render.escape import esc
from casestudy.source_kinds import DEPLOY_CHOICES, DEPLOYMENT_SOURCES
from casestudy.sources.files import ImportError_
from casestudy.sources.git import GitSourceError
from casestudy.sources.github import GitHubError
from casestudy.store import StoreError


def _done(outcome: Outcome) -> None:
    """Show the outcome after a rerun (so the sidebar lists the new repository)."""
    if outcome.account is not None:
        st.session_state["account_key"] = outcome.account
    st.session_state["flash"] = outcome.messages
    st.cache_data.clear()
    st.rerun()


store = get_store()
st.title("Data")
for kind, text in st.session_state.pop("flash", []):
    getattr(st, kind)(esc(text, 2000))  # messages quote repository names: inert Markdown
rows = store_summary(store.ident, viewer(), store.data_version())
st.subheader("What the store holds")
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
where = store.path.name if store.path else store.label
st.caption(f"Store: {where} (schema v{store.schema_version}). API requests and "
           "GraphQL points are those of the last sync.")

queue = sync_queue(viewer())
if queue is not None:  # the task engine runs on this store: its queue, as this visitor may see it
    st.subheader("Sync queue")
    if queue:
        st.dataframe(pd.DataFrame(queue), hide_index=True, width="stretch")
    else:
        st.caption("No job in the queue for the repositories you may see.")


choices = owners()  # signed in: the person, or one of their groups, owns new private data
chosen = ""  # the signed-in owner of new private data ('' when not signed in)
if len(choices) > 1:
    label = st.selectbox("Private data belongs to", list(choices), key="data_owner",
                         help="Who may see what you add here, when it is private: only you, "
                              "or everyone your identity provider puts in that group.")
    chosen = choices[label]
elif choices:
    label, chosen = next(iter(choices.items()))
    st.caption(f"Private data you add belongs to {esc(label, 120)} only.")
# clones and files: else the token this session synced with (a sync uses its own token's)
owner = chosen or st.session_state.get("account_key", "")

tab_gh, tab_gl, tab_git, tab_files = st.tabs(["🐙 GitHub", "🦊 GitLab", "🌿 Local git clone",
                                              "📁 Files"])
with tab_gh:
    with st.form("github"):
        repo = st.text_input("Repository", placeholder="owner/name", key="gh_repo")
        typed = st.text_input("Token", type="password", key="gh_token",
                              help="Used for this session only: never stored, logged or shown. "
                                   "Leave empty to use the server's GITHUB_TOKEN.")
        if hosted():  # a hosted instance talks to its configured API URLs only
            base_url = st.selectbox("API URL", api_urls(), key="gh_url")
        else:
            base_url = st.text_input("API URL", api_urls()[0], key="gh_url",
                                     help="GitHub Enterprise: https://HOST/api/v3 (the "
                                          "server's token is only sent to configured URLs)")
        deploy = st.selectbox("Deployments from", DEPLOY_CHOICES,
                              help="auto: " + " → ".join(d.label for d in DEPLOYMENT_SOURCES))
        workflow = st.text_input("Workflow file (for workflow runs)", placeholder="deploy.yml")
        gh_files = st.checkbox("Read each PR's changed files (teams by paths)", key="gh_files",
                               help="About 25% more GraphQL points; PRs synced before are read "
                                    "again once, and later syncs keep reading files.")
        go = st.form_submit_button("Sync", type="primary")
    if go:
        bar = st.progress(0.0, text="Starting…")

        def show(p):
            frac = min(1.0, p.prs / p.total) if p.total else 0.0
            if p.stage == "waiting":
                bar.progress(frac, text=f"{p.message}: waiting {p.wait_left:.0f} s")
            else:
                bar.progress(frac, text=f"{p.stage}: {p.prs:,} of {p.total or '?'} PRs · "
                                        f"{p.requests} requests · {p.points} points")

        try:
            with st.status(f"Syncing {esc(repo, 120)}…", expanded=True) as status:
                outcome = sync_github(store, repo, typed, base_url, deploy, workflow, show,
                                      owner=chosen, visitor=visitor(), files=gh_files)
                status.update(label=esc(outcome.messages[0][1]), state="complete")
            _done(outcome)
        except (GitHubError, SettingError, StoreError) as exc:
            st.error(esc(str(exc), 400))

with tab_gl:
    with st.form("gitlab"):
        project = st.text_input("Project", placeholder="group/subgroup/project", key="gl_repo")
        gl_typed = st.text_input("Token", type="password", key="gl_token",
                                 help="Used for this session only: never stored, logged or "
                                      "shown. Leave empty to use the server's GITLAB_TOKEN.")
        if hosted():  # a hosted instance talks to its configured GitLab URLs only
            gl_url = st.selectbox("GitLab URL", gitlab_urls(), key="gl_url")
        else:
            gl_url = st.text_input("GitLab URL", gitlab_urls()[0], key="gl_url",
                                   help="gitlab.com or a self-managed instance (the server's "
                                        "token is only sent to configured URLs)")
        gl_deploy = st.selectbox("Deployments from", DEPLOY_CHOICES, key="gl_deploy",
                                 help="auto: production-tier environments → releases → tags "
                                      "→ merges")
        gl_env = st.text_input("Environment (optional)", placeholder="production", key="gl_env")
        gl_checks = st.checkbox("Read pipeline jobs (CI insight, time to green)", key="gl_checks")
        go_gl = st.form_submit_button("Sync", type="primary")
    if go_gl:
        gl_bar = st.progress(0.0, text="Starting…")

        def show_gl(p):
            if p.stage == "waiting":
                gl_bar.progress(0.0, text=f"{p.message}: waiting {p.wait_left:.0f} s")
            else:
                gl_bar.progress(0.0, text=f"{p.stage}: {p.prs:,} merge requests · "
                                          f"{p.requests} requests")

        try:
            with st.status(f"Syncing {esc(project, 120)}…", expanded=True) as status:
                outcome = sync_gitlab(store, project, gl_typed, gl_url, gl_deploy, gl_env,
                                      gl_checks, show_gl, owner=chosen, visitor=visitor())
                status.update(label=esc(outcome.messages[0][1]), state="complete")
            _done(outcome)
        except (GitHubError, SettingError, StoreError) as exc:  # GitLabError is one
            st.error(esc(str(exc), 400))

with tab_git:
    if hosted() and git_root() is None:
        st.info("Reading local clones is off on this hosted instance.")
    elif hosted():
        st.caption(f"Clones inside {git_root()} only.")
    with st.form("git"):
        path = st.text_input("Path of the clone", placeholder="/srv/repos/project",
                             key="git_path")
        name = st.text_input("Repository name (optional)", placeholder="owner/name")
        branch = st.text_input("Branch (optional)", placeholder="main")
        go_git = st.form_submit_button("Read history", type="primary")
    if go_git:
        try:
            with st.spinner("Reading the history…"):
                outcome = read_clone(store, path, name, branch, owner=owner,
                                     visitor=visitor())
            _done(outcome)
        except (GitSourceError, SettingError, StoreError) as exc:
            st.error(esc(str(exc), 400))

with tab_files:
    st.write("Canonical tables (`pull_requests`, optional `deployments`, `incidents`; CSV or "
             "Parquet) or a git-prs CSV (one row per landed PR).")
    files = st.file_uploader("Files", accept_multiple_files=True, type=["csv", "parquet"],
                             help=f"At most {max_upload_bytes() / 2**20:.0f} MB in all.")
    kind = st.radio("Layout", ["canonical tables", "git-prs CSV"], horizontal=True)
    if files and st.button("Import", type="primary"):
        try:
            outcome = import_uploads(store, [(f.name, f.getvalue()) for f in files], kind,
                                     owner=owner, visitor=visitor())
        except (ImportError_, StoreError) as exc:
            st.error(esc(f"Nothing was imported: {exc}", 400))
        else:
            for level, text in outcome.messages:
                getattr(st, level)(esc(text, 2000))
            st.cache_data.clear()
