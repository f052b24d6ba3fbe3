"""The one registry of source kinds: where a repository's data can come from, what that data can
show and what the report says when something is missing. The store keeps the kind's key with each
repository (``repos.source``); the sources, the report and the analysis ask the kind
(``kind_of(key)``) instead of testing a source's name. Also the one vocabulary of deployment
sources (what counts as a deployment), shared by the command line, the app and the repository
list.

A new kind is one ``SourceKind`` entry here, its module in ``sources/`` and one line in
``sources.sync.READERS``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class DeploymentSource:
    """One place deployments can be read from. A repository records the ``key`` of the one its
    deployments come from (the demo and imports record their records' ``record`` names)."""

    key: str  # chosen (``--deployments``, the Data page, repos.toml) and kept as the repo's
    record: str  # ``Deployment.source`` of the records it yields
    label: str  # for people


DEPLOYMENT_SOURCES: tuple[DeploymentSource, ...] = (
    DeploymentSource("deployments", "deployments-api", "Deployments API"),
    DeploymentSource("workflow", "workflow", "workflow runs"),
    DeploymentSource("releases", "releases", "releases"),
    DeploymentSource("tags", "tags", "tags"),
    DeploymentSource("merges", "merges", "merges"),  # the last resort: every merge deploys
)
AUTO = "auto"  # try each deployment source a kind offers, in its order, merges last
MERGES = "merges"
DEPLOY_CHOICES: tuple[str, ...] = (AUTO, *(d.key for d in DEPLOYMENT_SOURCES))
_DEPLOY_BY_KEY = {d.key: d for d in DEPLOYMENT_SOURCES}


def _look_up(table: dict, key: str, what: str):
    try:
        return table[key]
    except KeyError:
        raise ValueError(f"unknown {what} {key!r} (known: {', '.join(table)})") from None


def deployment_source(key: str) -> DeploymentSource:
    """The deployment source named ``key`` (a choice such as ``deployments``)."""
    return _look_up(_DEPLOY_BY_KEY, key, "deployment source")


@dataclass(frozen=True)
class Missing:
    """What the report says when a kind's data lacks something: reasons are clauses ("… is
    unavailable: <reason>"), the rest whole sentences."""

    reviews: str  # why no PR has a review or comment time
    checks: str  # why there are no CI check runs
    deployments: str  # why there are no deployments (and how to get them)
    start_times: str  # why no PR has an opening time (waits)
    ci: str  # the CI section's sentence when there are no check runs
    commits: str  # the work-rhythm sentence when no commits are stored
    tree: str  # the practice audit's sentence when no tree was read
    history: str = ""  # the audit's note when the tree is read without its history
    reviews_aside: str = ""  # why there are no first responses, as an aside (peak hours)


def _generic(key: str, **overrides: str) -> Missing:
    """The sentences for data that simply lacks something, with ``overrides`` where the kind
    knows better."""
    base = Missing(
        reviews="no PR in its data has a review or comment time",
        checks="its data has no CI check runs",
        deployments="its data has no deployments",
        start_times="no PR in this data has a start time",
        ci=f"Its data ({key}) has no CI check runs: only a GitHub sync with --checks, or an "
           "imported check_runs table, has them.",
        commits=f"Its data ({key}) has no commits table.",
        tree=f"Its data ({key}) has no repository tree: sync it from a clone (`casestudy "
             "sync-git`) or from GitHub to audit its practices.")
    return replace(base, **overrides)


_RESYNC_COMMITS = ("No commits are stored for this repository: sync it again (git clone or "
                   "GitHub) to read its commits.")
_CLONE = {  # what git history lacks, for a clone and for PRs recovered from one
    "reviews": "a git clone has no PR reviews or comments",
    "deployments": "no release tags were found in the clone (every tag that is not a "
                   "pre-release counts; tag releases to measure this)",
    "start_times": "a git clone has no PR opening times (and no PRs that were never merged)",
    "reviews_aside": "a git clone has no reviews",
}


@dataclass(frozen=True)
class SourceKind:
    """A kind of source and what its data can show."""

    key: str  # kept as the repository's ``source``
    label: str
    logins: bool  # authors are GitHub logins (shown as @login), not git names
    reviews: bool  # review and comment times: first response, review, approvals
    labels: bool  # PR labels (and linked issues' labels)
    first_commit_times: bool  # when a PR's work began (from git: not for squash merges)
    opening_times: bool  # when PRs were opened, and PRs never merged
    checks: bool  # CI check runs
    commits: bool  # commits as records (work rhythm)
    tree: bool  # the repository tree at HEAD (practice audit)
    history: bool  # the tree's history (when practices appeared, tests with code)
    deployment_sources: tuple[str, ...]  # what it can read, in the order ``auto`` tries them
    missing: Missing
    exact_deployments: tuple[str, ...] = ()  # deployment sources that date each PR exactly
    sync_note: str = ""  # said after a sync, about what this kind cannot show
    # one line on what a sync read (``sources.sync.SyncResult`` fields)
    summary: str = "{prs:,} PRs"
    get_more: str = ""  # how to get what this kind cannot show (one sentence)
    synthetic: bool = False  # it generates data (the demo): the only writer of synthetic repos
    # what the forge calls a proposed change, short and long (the report's words for PRs)
    nested_names: bool = False  # names keep namespaces with subgroups (``store.names``)
    change: str = "PR"
    change_long: str = "pull request"
    change_ref: str = "#"  # the sign before a change's number (#12 on GitHub, !12 on GitLab)
    # how to get the changed files of every PR ({repo}) when only some are known ("" = none)
    files_hint: str = ""


GITHUB = SourceKind(
    "github", "GitHub", logins=True, reviews=True, labels=True, first_commit_times=True,
    opening_times=True, checks=True, commits=True, tree=True, history=False,
    deployment_sources=("deployments", "workflow", "releases", "tags", MERGES),
    missing=_generic(
        "github",
        reviews="none of its PRs has a review or comment by anyone other than its author "
                "(bots left out)",
        checks="no CI check runs were synced (sync with `casestudy sync OWNER/NAME --checks`)",
        deployments="no deployments were found (tried the Deployments API, workflow runs, "
                    "releases and tags); choose one with `casestudy sync --deployments … "
                    "--environment …` or `--workflow FILE`",
        ci="No check runs were synced for this repository: sync with `casestudy sync "
           "OWNER/NAME --checks` to analyse its CI.",
        commits=_RESYNC_COMMITS,
        history="From GitHub the tree at HEAD is read, not the history: when each practice "
                "appeared and which PRs changed tests need a local clone (`casestudy "
                "sync-git`)."),
    summary="{prs:,} PRs with {requests} requests and {points} points; deployments from "
            "{deploy_source}",
    get_more="Sync with `casestudy sync OWNER/NAME --checks` for CI check runs, choose a "
             "deployment source with `--deployments`, and add a local clone (`casestudy "
             "sync-git`) for the history of practices.",
    files_hint="re-sync it with `casestudy sync {repo} --files`, or tick \"Read each PR's "
               "changed files\" on the Data page; the others are read once")
GITLAB = SourceKind(
    "gitlab", "GitLab", logins=True, reviews=True, labels=True, first_commit_times=True,
    opening_times=True, checks=True, commits=True, tree=True, history=False,
    deployment_sources=("deployments", "releases", "tags", MERGES),
    missing=_generic(
        "gitlab",
        reviews="none of its merge requests has a note or approval by anyone other than its "
                "author (bots left out)",
        checks="no pipeline jobs were synced (sync with `casestudy sync-gitlab PATH --checks`)",
        deployments="no deployments were found (tried the production-tier environments, "
                    "releases and tags); choose one with `casestudy sync-gitlab --deployments "
                    "… --environment …`",
        ci="No pipeline jobs were synced for this project: sync with `casestudy sync-gitlab "
           "PATH --checks` to analyse its CI.",
        commits="No commits are stored for this project: sync it again (GitLab or a git "
                "clone) to read its commits.",
        history="From GitLab the tree at HEAD is read, not the history: when each practice "
                "appeared and which MRs changed tests need a local clone (`casestudy "
                "sync-git`)."),
    summary="{prs:,} merge requests with {requests} requests; deployments from "
            "{deploy_source}",
    get_more="Sync with `casestudy sync-gitlab PATH --checks` for pipeline jobs, choose a "
             "deployment source with `--deployments`, and add a local clone (`casestudy "
             "sync-git`) for the history of practices.",
    nested_names=True, change="MR", change_long="merge request", change_ref="!")
GIT = SourceKind(
    "git", "git clone", logins=False, reviews=False, labels=False, first_commit_times=True,
    opening_times=False, checks=False, commits=True, tree=True, history=True,
    deployment_sources=("tags", MERGES), exact_deployments=("tags",),
    missing=_generic("git", commits=_RESYNC_COMMITS, **_CLONE),
    sync_note="Git has no PR creation, review or comment times: first response, review and "
              "merge stages are shown as unavailable for this repository.",
    summary="{prs:,} PRs and {tags:,} release tags from the clone",
    get_more="A GitHub sync (`casestudy sync OWNER/NAME --checks`) adds what git does not "
             "record: when PRs were opened, reviews and comments, PRs never merged, labels and "
             "CI check runs.")
GIT_CSV = SourceKind(
    "git-csv", "git-prs CSV (PRs recovered from git)", logins=False, reviews=False,
    labels=False, first_commit_times=True, opening_times=False, checks=False, commits=False,
    tree=False, history=False, deployment_sources=("tags", MERGES),
    missing=_generic("git-csv", **_CLONE),
    get_more="A local clone (`casestudy sync-git`) adds commits and the practice audit; a "
             "GitHub sync adds PR opening, review and comment times and CI check runs.")
IMPORT = SourceKind(
    "import", "imported tables", logins=True, reviews=True, labels=True,
    first_commit_times=True, opening_times=True, checks=True, commits=True, tree=False,
    history=False, deployment_sources=tuple(d.key for d in DEPLOYMENT_SOURCES),
    missing=_generic("import"), summary="{rows:,} rows imported",
    get_more="Import the missing tables (reviews, check_runs, deployments, commits; see "
             "README) or sync the repository from GitHub or a clone.")
DEMO = SourceKind(
    "synthetic", "synthetic demo", logins=True, reviews=True, labels=True,
    first_commit_times=True, opening_times=True, checks=True, commits=True, tree=False,
    history=False, deployment_sources=("deployments", "tags", MERGES),
    missing=_generic("synthetic"), synthetic=True)

KINDS: tuple[SourceKind, ...] = (GITHUB, GITLAB, GIT, GIT_CSV, IMPORT, DEMO)
_BY_KEY = {k.key: k for k in KINDS}


def kind_of(key: str) -> SourceKind:
    """The kind stored as ``key``; an unknown key is an error."""
    return _look_up(_BY_KEY, key, "source kind")

