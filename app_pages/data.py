"""Data: what the store holds, and adding a repository from GitHub (token for this session
only), a local git clone, or files."""

import os
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from casestudy.app.data import account, get_store, store_summary
from casestudy.app.state import account_key
from casestudy.sources.files import ImportError_, import_git_prs_csv, import_tables
from casestudy.sources.git import GitSourceError, sync_git
from casestudy.sources.github import DEFAULT_API, DEPLOY_SOURCES, GitHubClient, GitHubError

store = get_store()
st.title("Data")
for kind, text in st.session_state.pop("flash", []):
    getattr(st, kind)(text)
rows = store_summary(store.ident, account(), store.data_version())
st.subheader("What the store holds")
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
where = store.path.name if store.path else store.label
st.caption(f"Store: {where} (schema v{store.schema_version}). API requests and "
           "GraphQL points are those of the last sync.")


def _secret_token() -> str | None:
    try:
        return st.secrets.get("GITHUB_TOKEN")  # raises without a secrets.toml
    except Exception:  # noqa: BLE001 - Streamlit raises several kinds here
        return None


tab_gh, tab_git, tab_files = st.tabs(["🐙 GitHub", "🌿 Local git clone", "📁 Files"])
with tab_gh:
    with st.form("github"):
        repo = st.text_input("Repository", placeholder="owner/name", key="gh_repo")
        typed = st.text_input("Token", type="password", key="gh_token",
                              help="Used for this session only: never stored, logged or shown. "
                                   "Leave empty to use the server's GITHUB_TOKEN.")
        base_url = st.text_input("API URL", DEFAULT_API, key="gh_url",
                                 help="GitHub Enterprise: https://HOST/api/v3")
        deploy = st.selectbox("Deployments from", DEPLOY_SOURCES,
                              help="auto: Deployments API → workflow runs → releases → tags → "
                                   "merges")
        workflow = st.text_input("Workflow file (for workflow runs)", placeholder="deploy.yml")
        go = st.form_submit_button("Sync", type="primary")
    if go:
        token = typed or _secret_token() or os.environ.get("GITHUB_TOKEN")
        if typed:
            st.session_state["account_key"] = account_key(typed)
        bar = st.progress(0.0, text="Starting…")

        def show(p):
            if p.stage == "waiting":
                bar.progress(min(1.0, p.prs / p.total) if p.total else 0.0,
                             text=f"{p.message}: waiting {p.wait_left:.0f} s")
            else:
                frac = min(1.0, p.prs / p.total) if p.total else 0.0
                bar.progress(frac, text=f"{p.stage}: {p.prs:,} of {p.total or '?'} PRs · "
                                        f"{p.requests} requests · {p.points} points")

        try:
            with st.status(f"Syncing {repo}…", expanded=True) as status:
                client = GitHubClient(token, base_url=base_url, progress=show)
                r = client.sync(store, repo, deployments=deploy, workflow=workflow or None,
                                account_key=account_key(token))
                status.update(label=f"{r.repo}: {r.prs:,} PRs synced", state="complete")
            flash = [("success", f"{r.repo}: {r.prs:,} PRs with {r.requests} requests and "
                                 f"{r.points} points ({r.points_per_pr:.3f} per PR); "
                                 f"deployments from {r.deploy_source}.")]
            flash += [("warning", w) for w in r.warnings]
            st.session_state["flash"] = flash
            st.cache_data.clear()
            st.rerun()  # so the sidebar lists the new repository
        except GitHubError as exc:
            st.error(str(exc))

with tab_git:
    with st.form("git"):
        path = st.text_input("Path of the clone", placeholder="/srv/repos/project",
                             key="git_path")
        name = st.text_input("Repository name (optional)", placeholder="owner/name")
        branch = st.text_input("Branch (optional)", placeholder="main")
        go_git = st.form_submit_button("Read history", type="primary")
    if go_git:
        try:
            with st.spinner("Reading the history…"):
                c = sync_git(store, path, repo=name or None, branch=branch or None)
            st.session_state["flash"] = [
                ("success", f"{c['prs']:,} PRs and {c['tags']:,} release tags from "
                            f"{c['commits']:,} commits."),
                ("info", "Git has no PR creation, review or comment times: first response, "
                         "review and merge stages are shown as unavailable for this repository.")]
            st.cache_data.clear()
            st.rerun()
        except GitSourceError as exc:
            st.error(str(exc))

with tab_files:
    st.write("Canonical tables (`pull_requests`, optional `deployments`, `incidents`; CSV or "
             "Parquet) or a git-prs CSV (one row per landed PR).")
    files = st.file_uploader("Files", accept_multiple_files=True, type=["csv", "parquet"])
    kind = st.radio("Layout", ["canonical tables", "git-prs CSV"], horizontal=True)
    if files and st.button("Import", type="primary"):
        with tempfile.TemporaryDirectory() as tmp:
            for f in files:
                (Path(tmp) / Path(f.name).name).write_bytes(f.getvalue())
            try:
                if kind == "canonical tables":
                    counts = import_tables(store, Path(tmp))
                else:
                    counts = {}
                    for f in files:
                        counts.update(import_git_prs_csv(store, Path(tmp) / Path(f.name).name))
            except ImportError_ as exc:
                st.error(f"Nothing was imported: {exc}")
            else:
                st.success("Imported: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
                st.cache_data.clear()
