"""CLI commands beyond ``demo``/``info``: each registers its sub-parser and handler here."""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from ..source_kinds import AUTO, DEPLOY_CHOICES, DEPLOYMENT_SOURCES
from ..store import Store
from .errors import EXIT_OK, CLIError
from .report_args import add_report_arguments, report_options


def _fmt_ts(ts: int | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d")


def _owner(args: argparse.Namespace) -> str:
    """The account key ``--owner`` names ('' when not given)."""
    from ..store.keys import OwnerError, parse_owner

    try:
        return parse_owner(args.owner) if getattr(args, "owner", None) else ""
    except OwnerError as exc:
        raise CLIError(str(exc), 2) from exc


def cmd_demo(args: argparse.Namespace) -> int:
    from ..source_kinds import DEMO
    from ..sources.sync import SyncRequest, sync

    store = Store(args.db)
    if args.if_missing and store.repos():
        print(f"the store at {store.label} already holds data; nothing to do")
        return EXIT_OK
    t0 = time.perf_counter()
    r = sync(store, SyncRequest(DEMO.key, seed=args.seed))
    took = time.perf_counter() - t0
    for repo, n in r.repos.items():
        print(f"{repo}: {n:,} PRs (synthetic demo data)")
    print(f"built the synthetic demo store at {store.label} in {took:.1f} s")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    store = Store(args.db)
    rows = store.summary()
    print(f"store: {store.label} (schema v{store.schema_version})")
    if not rows:
        print("the store is empty: run `casestudy demo` or `casestudy sync owner/repo`")
        return EXIT_OK
    print(f"{'repository':<28} {'source':<12} {'PRs':>8} {'merged':>8} {'from':>10} {'to':>10} "
          f"{'deploys':>8}  last sync")
    for r in rows:
        label = r.repo + (" (synthetic)" if r.synthetic else "")
        sync = _fmt_ts(r.last_sync_at)
        if r.last_sync_requests or r.last_sync_points:
            sync += f" ({r.last_sync_requests} requests, {r.last_sync_points} points)"
        print(f"{label:<28} {r.source:<12} {r.prs:>8,} {r.merged:>8,} {_fmt_ts(r.first_at):>10} "
              f"{_fmt_ts(r.last_at):>10} {r.deployments:>8,}  {sync}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from ..source_kinds import GIT_CSV, IMPORT
    from ..sources.files import ImportError_
    from ..sources.sync import SyncRequest, sync

    store = Store(args.db)
    path = Path(args.path)
    if path.is_dir():
        kind = IMPORT.key
    elif path.suffix == ".csv":
        kind = GIT_CSV.key
    else:
        raise CLIError(f"{path}: give a folder of canonical tables or a git-prs .csv file")
    try:
        r = sync(store, SyncRequest(kind, str(path), repo=args.repo, account_key=_owner(args)))
    except ImportError_ as exc:
        raise CLIError(f"import failed, nothing was loaded: {exc}") from exc
    for k, v in (r.tables or r.repos).items():
        print(f"{k}: {v:,} rows imported")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..sources.files import export_tables

    store = Store(args.db)
    store.repo_info(args.repo)
    for p in export_tables(store, args.repo, Path(args.out), args.format):
        print(p)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import sys

    from ..render import FORMATS
    from ..render.html import PAPER

    opts = report_options(args)
    fmt = args.format or (Path(args.out).suffix.lstrip(".") if args.out else "md")
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise CLIError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}", 2)
    if fmt == "pdf" and not args.out:
        raise CLIError(f"--format {fmt} is binary: give --out FILE", 2)
    if args.paper not in PAPER:
        raise CLIError(f"unknown paper size {args.paper!r}: use A4 or Letter", 2)
    if fmt != "pdf":
        data = _report_text(args, opts, fmt)
        if args.out:
            Path(args.out).write_bytes(data if isinstance(data, bytes) else data.encode())
            print(f"wrote {args.out} ({fmt})", file=sys.stderr)
        else:
            sys.stdout.write(data)
        return 0
    from ..render import pool

    # the render pool's workers start now (WeasyPrint and fonts, ~1 s of their own) while this
    # process opens the store, checks the request and builds or reads the case study
    os.environ.setdefault("CASESTUDY_RENDER_NICE", "0")  # nothing else here to yield to
    pool.prestart()
    try:
        data = _report_pdf(args, opts)
    finally:
        pool.stop()
    Path(args.out).write_bytes(data)
    print(f"wrote {args.out} (pdf)", file=sys.stderr)
    return 0


def _case_study(args: argparse.Namespace, opts):
    """The case study the report asks for (kept or built: ``report.saved``); a period the
    subject's data does not reach, or a bad one, is a usage error."""
    from ..analysis.frame import ReportError, require_data_in_period
    from ..core.periods import PeriodError
    from ..report import saved

    store = Store(args.db)
    try:
        # a --from/--to the subject's data does not reach: said, instead of an empty report
        span = next(((r.first_at, r.last_at) for r in store.summary()
                     if r.repo == opts.subject), (None, None))
        require_data_in_period(opts.subject, *span, opts)
        return saved.case_study(store, opts, rebuild=args.rebuild)
    except (ReportError, PeriodError) as exc:
        raise CLIError(str(exc), 2) from exc


def _report_text(args: argparse.Namespace, opts, fmt: str) -> str | bytes:
    from ..render import render

    return render(_case_study(args, opts), fmt, paper=args.paper)


def _report_pdf(args: argparse.Namespace, opts) -> bytes:
    """``report --format pdf`` (the pool's workers started by the caller): the parts laid out
    side by side (``render/pdf_parts.py``); a failed render names its cause."""
    from ..render import pool
    from ..render.html import pdf_html

    cs = _case_study(args, opts)
    try:
        return pool.pdf_in_pool(cs, args.paper, pdf_html(cs, args.paper))
    except pool.RenderFailed as exc:
        cause = exc.__cause__
        why = f" ({type(cause).__name__}: {str(cause)[:200]})" if cause else ""
        raise CLIError(f"{exc}{why}", 1) from exc


def cmd_sync(args: argparse.Namespace) -> int:
    import os
    import sys

    from ..source_kinds import GITHUB
    from ..sources.github import DEFAULT_API, GitHubError, Progress
    from ..sources.sync import SyncRequest, sync

    if getattr(args, "forge", "github") == "gitlab":  # `sync --forge gitlab` = `sync-gitlab`
        args.project = args.repo
        return cmd_sync_gitlab(args)

    def show(p: Progress) -> None:
        if p.stage == "waiting":
            line = f"{p.repo}: {p.message}, waiting {p.wait_left:.0f}s"
        else:
            total = f"/{p.total:,}" if p.total else ""
            line = (f"{p.repo}: {p.stage}: {p.prs:,}{total} PRs, {p.pages} pages, "
                    f"{p.requests} requests, {p.points} points")
        print("\r" + line.ljust(100), end="", file=sys.stderr, flush=True)

    store = Store(args.db)
    try:
        r = sync(store, SyncRequest(
            GITHUB.key, args.repo, token=os.environ.get("GITHUB_TOKEN"),
            base_url=args.base_url or DEFAULT_API, since=args.since,
            deployments=args.deployments, environment=args.environment,
            workflow=args.workflow, checks=args.checks,
            incident_labels=tuple(args.incident_label or ()), actions_jobs=args.actions_jobs,
            progress=show, account_key=_owner(args), files=args.files))
    except GitHubError as exc:
        print(file=sys.stderr)
        raise CLIError(str(exc)) from exc
    print(file=sys.stderr)
    print(f"{r.repo}: {r.prs:,} PRs synced with {r.requests} requests and {r.points} GraphQL "
          f"points ({r.points_per_pr:.3f} points per PR); deployments from {r.deploy_source} "
          f"(+{r.deployments})")
    for w in r.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def cmd_sync_gitlab(args: argparse.Namespace) -> int:
    """Sync a GitLab project (``GITLAB_TOKEN``; the server's token only goes to a configured
    GitLab URL, ``CASESTUDY_GITLAB_URLS``, unless the URL is given and the instance is not
    hosted)."""
    import os
    import sys

    from ..config import SettingError, check_api_url
    from ..source_kinds import GITLAB
    from ..sources.github import GitHubError, Progress
    from ..sources.sync import SyncRequest, sync

    def show(p: Progress) -> None:
        if p.stage == "waiting":
            line = f"{p.repo}: {p.message}, waiting {p.wait_left:.0f}s"
        else:
            line = f"{p.repo}: {p.stage}: {p.prs:,} MRs, {p.pages} pages, {p.requests} requests"
        print("\r" + line.ljust(100), end="", file=sys.stderr, flush=True)

    try:
        url = check_api_url(args.base_url, server_token=False, forge=GITLAB.key)
    except SettingError as exc:
        raise CLIError(str(exc), 2) from exc
    store = Store(args.db)
    try:
        r = sync(store, SyncRequest(
            GITLAB.key, args.project, token=os.environ.get("GITLAB_TOKEN"), base_url=url,
            since=args.since, deployments=args.deployments, environment=args.environment,
            checks=args.checks, progress=show, account_key=_owner(args)))
    except GitHubError as exc:  # GitLabError is one
        print(file=sys.stderr)
        raise CLIError(str(exc)) from exc
    print(file=sys.stderr)
    per = r.requests / r.prs if r.prs else 0.0
    left = f"; rate limit left: {r.rate_remaining:,}" if r.rate_remaining is not None else ""
    print(f"{r.repo}: {r.prs:,} merge requests synced with {r.requests} requests ({per:.1f} per "
          f"MR); deployments from {r.deploy_source} (+{r.deployments}){left}")
    for w in r.warnings:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def cmd_sync_git(args: argparse.Namespace) -> int:
    from ..source_kinds import GIT
    from ..sources.git import GitSourceError
    from ..sources.sync import SyncRequest, sync

    store = Store(args.db)
    t0 = time.perf_counter()
    try:
        r = sync(store, SyncRequest(GIT.key, args.path, repo=args.repo, branch=args.branch,
                                    release_tags=args.release_tags,
                                    account_key=_owner(args)))
    except GitSourceError as exc:
        raise CLIError(str(exc)) from exc
    print(f"{r.prs:,} PRs, {r.tags:,} release tags and {r.incidents:,} reverts/hotfixes "
          f"from {r.commits:,} commits in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_sync_all(args: argparse.Namespace) -> int:
    """Sync every repository of a list file, each on its own: one failure does not stop the
    rest; the summary names what failed and the exit status is 1 when anything did."""
    import os
    import sys

    from ..sources.repo_list import RepoListError, read_repo_list
    from ..sources.sync import expand_entry, sync_entry

    try:
        listed = read_repo_list(Path(args.file))
    except RepoListError as exc:
        raise CLIError(str(exc), 2) from exc
    store = Store(args.db)
    token = os.environ.get("GITHUB_TOKEN")
    gitlab_token = os.environ.get("GITLAB_TOKEN")
    failed, entries = [], []
    for e in listed:  # a GitLab group stands for its projects
        try:
            entries += expand_entry(e, gitlab_token)
        except Exception as exc:  # noqa: BLE001 - report it and go on with the next one
            failed.append(e.name)
            entries.append(e)
            print(f"{e.name}: FAILED: {exc}", file=sys.stderr)
    for e in entries:
        if e.group:
            continue  # a group whose projects could not be listed (said above)
        t0 = time.perf_counter()
        try:
            line = sync_entry(store, e, token, gitlab_token)
        except Exception as exc:  # noqa: BLE001 - report it and go on with the next one
            failed.append(e.name)
            print(f"{e.name}: FAILED: {exc}", file=sys.stderr)
            continue
        print(f"{e.name}: {line} ({time.perf_counter() - t0:.1f} s)")
    ok = len(entries) - len(failed)
    print(f"synced {ok} of {len(entries)} repositories" +
          (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def _engine(args: argparse.Namespace):
    """The task engine's app on the store's PostgreSQL, its tables created if missing."""
    from ..config import SettingError
    from ..engine.jobs import engine_app, ensure_schema
    from ..store.db import DatabaseError

    url = args.db or os.environ.get("CASESTUDY_DB", "")
    try:
        Store(url)  # the store's own schema first
        app = engine_app(url)
        ensure_schema(app, url)
    except (SettingError, DatabaseError) as exc:
        raise CLIError(str(exc), 2 if isinstance(exc, SettingError) else 1) from exc
    return app, url


def cmd_worker(args: argparse.Namespace) -> int:
    """Run a task-engine worker until stopped (SIGINT/SIGTERM: it finishes its job first)."""
    import socket

    app, url = _engine(args)
    name = args.name or f"{socket.gethostname()}-{os.getpid()}"
    os.environ["CASESTUDY_WORKER"] = name
    os.environ["CASESTUDY_DB"] = url
    if args.file:  # the list the periodic sync_all enqueues
        os.environ["CASESTUDY_REPOS"] = str(Path(args.file).resolve())
    app.run_worker(name=name, concurrency=args.concurrency, wait=not args.until_empty,
                   update_heartbeat_interval=args.heartbeat,
                   stalled_worker_timeout=max(args.heartbeat * 3, 3.0))
    return EXIT_OK


def cmd_enqueue(args: argparse.Namespace) -> int:
    """Queue a job per repository of a list file for the task engine's workers."""
    from ..engine.jobs import enqueue
    from ..sources.repo_list import RepoListError, read_repo_list

    try:
        entries = read_repo_list(Path(args.file))
    except RepoListError as exc:
        raise CLIError(str(exc), 2) from exc
    if args.repo:
        entries = [e for e in entries if e.name in args.repo]
    app, _url = _engine(args)
    with app.open():
        queued, waiting = enqueue(app, entries, args.job)
    print(f"queued {queued} {args.job} job(s); {waiting} already waiting in the queue")
    return EXIT_OK


def cmd_queue(args: argparse.Namespace) -> int:
    """What the task queue holds (the operator sees every repository)."""
    from ..engine.queue import counts, queue_rows

    store = Store(args.db)
    rows = queue_rows(store)
    if not rows:
        print("the task queue is empty (or the engine is not set up in this store)")
        return EXIT_OK
    print(", ".join(f"{n} {s}" for s, n in counts(rows).items()))
    for r in rows:
        if r.status == "done" and not args.all:
            continue
        extra = f" on {r.worker}" if r.worker else ""
        extra += f" (attempt {r.attempts + 1})" if r.attempts else ""
        extra += f": {r.reason}" if r.reason else ""
        print(f"{r.repo:<40} {r.job:<13} {r.status}{extra}  last sync {_fmt_ts(r.last_sync_at)}")
    return EXIT_OK


def cmd_org(args: argparse.Namespace) -> int:
    """A view of many repositories at once: an owner's, and/or the teams of a team file."""
    import sys

    from ..render.org_md import org_markdown
    from ..report.org import build_org_view
    from ..sources.team_list import TeamListError

    if not args.owner and not args.teams:
        raise CLIError("give an owner, --teams FILE, or both", 2)
    store = Store(args.db)
    try:
        view = build_org_view(store, args.owner, Path(args.teams) if args.teams else None,
                              args.since, args.until)
    except (TeamListError, ValueError) as exc:
        raise CLIError(str(exc), 2) from exc
    text = org_markdown(view)
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_health(args: argparse.Namespace) -> int:
    """Is this instance able to serve? The store answers, caches are private and writable,
    the numeric core loads. Exit 0 and one line when healthy, 1 and the reason when not."""
    from .. import core
    from ..config import cache_dir

    store = Store(args.db)
    n = len(store.repos())
    probe = cache_dir("health") / "probe"
    probe.write_text("ok")
    t = core.warm()
    print(f"ok: store {store.label} (schema v{store.schema_version}, {n} repositories), "
          f"caches in {probe.parent.parent}, numeric core ready in {t:.2f} s")
    return EXIT_OK


def cmd_warm(args: argparse.Namespace) -> int:
    from .. import core

    print(f"numeric core ready in {core.warm():.2f} s")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
OWNER_HELP = ("who the data is private to: group:NAME, email:ADDRESS or person:ISSUER SUBJECT "
              "(a private GitHub repository is otherwise private to the token's own key; "
              "imports and clones are otherwise shared)")


def register(sub, common) -> None:
    """Add the sub-commands; their handlers go into ``COMMANDS``."""
    p = sub.add_parser("demo", parents=[common], help="build the synthetic demo store")
    p.add_argument("--seed", type=int, default=20241001)
    p.add_argument("--if-missing", action="store_true",
                   help="do nothing when the store already holds repositories")
    sub.add_parser("info", parents=[common], help="what the store holds")
    p = sub.add_parser("import", parents=[common],
                       help="load canonical tables (folder of CSV/Parquet) or a git-prs CSV")
    p.add_argument("path")
    p.add_argument("--repo", help="owner/name to file the rows under (canonical tables only)")
    p.add_argument("--owner", metavar="OWNER", help=OWNER_HELP)
    p = sub.add_parser("export", parents=[common], help="write a repo's tables as files")
    p.add_argument("repo")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    sub.add_parser("warm", parents=[common], help="compile the numeric core once (cached)")
    p = sub.add_parser("sync", parents=[common], help="sync a GitHub repository (GITHUB_TOKEN)")
    p.add_argument("repo", help="owner/name (GitLab: the project's full path)")
    p.add_argument("--forge", choices=["github", "gitlab"], default="github",
                   help="gitlab: the same as `sync-gitlab` (GITLAB_TOKEN)")
    p.add_argument("--since", metavar="DATE", help="first sync only: PRs updated since DATE")
    p.add_argument("--base-url", help="GitHub Enterprise API URL, e.g. https://ghe.example/api/v3")
    p.add_argument("--deployments", default=AUTO, choices=DEPLOY_CHOICES,
                   help="where deployments are read from (auto: " + " → ".join(
                       d.label for d in DEPLOYMENT_SOURCES) + ")")
    p.add_argument("--environment", help="deployment environment (Deployments API)")
    p.add_argument("--workflow", help="workflow file whose successful runs are deployments")
    p.add_argument("--checks", action="store_true",
                   help="also fetch check runs of each PR's head commit (for CI analysis)")
    p.add_argument("--actions-jobs", action="store_true",
                   help="also read the GitHub Actions jobs of PR runs over REST (every attempt)")
    p.add_argument("--files", action="store_true",
                   help="also read each PR's changed files, for teams by paths (+1 GraphQL "
                        "point per 50 PRs; PRs synced before are read again once; later syncs "
                        "keep reading them)")
    p.add_argument("--incident-label", action="append", metavar="LABEL",
                   help="issues with this label are incidents (repeatable)")
    p.add_argument("--owner", metavar="OWNER", help=OWNER_HELP)
    p = sub.add_parser("sync-gitlab", parents=[common],
                       help="sync a GitLab project (GITLAB_TOKEN)")
    p.add_argument("project", help="the project's full path, e.g. group/subgroup/project")
    p.add_argument("--base-url", help="the GitLab instance, e.g. https://gitlab.example.com "
                                      "(default: the first of CASESTUDY_GITLAB_URLS, else "
                                      "https://gitlab.com)")
    p.add_argument("--since", metavar="DATE",
                   help="first sync only: merge requests updated since DATE")
    p.add_argument("--deployments", default=AUTO, choices=DEPLOY_CHOICES,
                   help="where deployments are read from (auto: production-tier environments "
                        "→ releases → tags → merges)")
    p.add_argument("--environment", help="deployment environment (default: every environment "
                                         "of the production tier)")
    p.add_argument("--checks", action="store_true",
                   help="also read the jobs (retries included) of each MR's head pipelines")
    p.add_argument("--owner", metavar="OWNER", help=OWNER_HELP)
    p = sub.add_parser("sync-all", parents=[common],
                       help="sync every repository of a list file (TOML), each on its own")
    p.add_argument("file", help="the repository list, e.g. repos.toml")
    sub.add_parser("health", parents=[common], help="check the store, caches and numeric core")
    p = sub.add_parser("worker", parents=[common],
                       help="run a task-engine worker (PostgreSQL store): syncs queued "
                            "repositories, and enqueues the list's every hour")
    p.add_argument("file", nargs="?", help="the repository list the periodic sync enqueues "
                                           "(default: $CASESTUDY_REPOS)")
    p.add_argument("--name", help="this worker's name (default: host-pid)")
    p.add_argument("--concurrency", type=int, default=1, help="jobs at once (default 1)")
    p.add_argument("--heartbeat", type=float, default=10.0,
                   help="seconds between the worker's heartbeats (default 10)")
    p.add_argument("--until-empty", action="store_true",
                   help="stop once the queue is empty instead of waiting for more")
    p = sub.add_parser("enqueue", parents=[common],
                       help="queue a job per repository of a list for the workers")
    p.add_argument("file", help="the repository list, e.g. repos.toml")
    p.add_argument("--job", default="sync_repo",
                   choices=["sync_repo", "refresh_practices", "rebuild_derived"])
    p.add_argument("--repo", action="append", metavar="OWNER/NAME",
                   help="only this repository of the list (repeatable)")
    p = sub.add_parser("org", parents=[common],
                       help="many repositories at once: an owner's, or teams from a file")
    p.add_argument("owner", nargs="?", help="every synced repository of this owner")
    p.add_argument("--teams", metavar="FILE",
                   help="teams (TOML [[team]]: name, repos, people, paths — monorepo path "
                        "globs, applied where the store keeps PRs' files: clones via sync-git)")
    p.add_argument("--from", dest="since", metavar="YYYY-MM", help="first month of merges")
    p.add_argument("--to", dest="until", metavar="YYYY-MM", help="last month of merges")
    p.add_argument("--out", metavar="FILE", help="write the Markdown here")
    p = sub.add_parser("queue", parents=[common], help="what the task queue holds")
    p.add_argument("--all", action="store_true", help="also the jobs that are done")
    p = sub.add_parser("sync-git", parents=[common], help="read PR landings from a local clone")
    p.add_argument("path", help="path of the clone")
    p.add_argument("--repo", help="owner/name to file it under (default: from origin)")
    p.add_argument("--branch", help="branch to read (default: the default branch)")
    p.add_argument("--release-tags", metavar="PATTERN",
                   help="regular expression naming the product's release tags, e.g. '^v\\d' "
                        "(default: the tag family with the most final-version releases)")
    p.add_argument("--owner", metavar="OWNER", help=OWNER_HELP)
    p = sub.add_parser("report", parents=[common], help="build a case study report")
    p.add_argument("repo", help="the subject repository, owner/name")
    add_report_arguments(p)
    p.add_argument("--format", choices=["md", "markdown", "json", "html", "pdf"])
    p.add_argument("--paper", choices=["A4", "Letter"], default="A4")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--rebuild", action="store_true",
                   help="build the case study afresh instead of reading the one kept from an "
                        "earlier report of the same data, options and code")
    COMMANDS.update({"demo": cmd_demo, "info": cmd_info, "import": cmd_import,
                     "export": cmd_export, "warm": cmd_warm, "report": cmd_report,
                     "sync": cmd_sync, "sync-gitlab": cmd_sync_gitlab,
                     "sync-git": cmd_sync_git,
                     "sync-all": cmd_sync_all, "health": cmd_health, "worker": cmd_worker,
                     "enqueue": cmd_enqueue, "queue": cmd_queue, "org": cmd_org})
