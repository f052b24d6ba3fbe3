"""The store's schema as numbered migrations (the same SQL on SQLite and PostgreSQL)."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: initial schema
    """
    CREATE TABLE repos (
        repo TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        synthetic INTEGER NOT NULL DEFAULT 0,
        default_branch TEXT NOT NULL DEFAULT '',
        deploy_source TEXT NOT NULL DEFAULT '',
        host TEXT NOT NULL DEFAULT '',
        added_at INTEGER NOT NULL
    );
    CREATE TABLE pull_requests (
        repo TEXT NOT NULL, number INTEGER NOT NULL, title TEXT, author TEXT,
        author_is_bot INTEGER, created_at INTEGER, ready_at INTEGER, first_commit_at INTEGER,
        first_response_at INTEGER, first_review_at INTEGER, first_approval_at INTEGER,
        last_approval_at INTEGER, merged_at INTEGER, closed_at INTEGER, deployed_at INTEGER,
        base_ref TEXT, head_ref TEXT, additions INTEGER, deletions INTEGER, changed_files INTEGER,
        n_comments INTEGER, first_responder TEXT, labels TEXT, linked_issue_labels TEXT,
        merge_commit_sha TEXT,
        is_draft INTEGER, is_revert INTEGER, reverted_number INTEGER, url TEXT,
        bugfix_rule INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (repo, number)
    );
    CREATE TABLE deployments (
        repo TEXT NOT NULL, id TEXT NOT NULL, created_at INTEGER NOT NULL, sha TEXT,
        environment TEXT, source TEXT, PRIMARY KEY (repo, id)
    );
    CREATE TABLE incidents (
        repo TEXT NOT NULL, id TEXT NOT NULL, opened_at INTEGER NOT NULL, resolved_at INTEGER,
        kind TEXT, refs TEXT, PRIMARY KEY (repo, id)
    );
    CREATE TABLE sync_cursors (
        repo TEXT NOT NULL, stream TEXT NOT NULL, cursor TEXT, updated_at INTEGER,
        PRIMARY KEY (repo, stream)
    );
    CREATE TABLE sync_runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, repo TEXT NOT NULL, source TEXT NOT NULL,
        started_at INTEGER NOT NULL, finished_at INTEGER, status TEXT, requests INTEGER DEFAULT 0,
        points INTEGER DEFAULT 0, prs INTEGER DEFAULT 0, message TEXT
    );
    """,
    # 2: indexes for period queries and drill-down
    """
    CREATE INDEX IF NOT EXISTS ix_pr_merged ON pull_requests (repo, merged_at);
    CREATE INDEX IF NOT EXISTS ix_dep_time ON deployments (repo, created_at);
    """,
    # 3: CI check runs per PR head commit
    """
    CREATE TABLE IF NOT EXISTS check_runs (
        repo TEXT NOT NULL, pr INTEGER NOT NULL, sha TEXT NOT NULL, name TEXT NOT NULL,
        conclusion TEXT, started_at INTEGER, completed_at INTEGER,
        PRIMARY KEY (repo, pr, sha, name)
    );
    """,
    # 4: repositories synced with a token belong to that account (hash), '' = public
    """
    ALTER TABLE repos ADD COLUMN account_key TEXT NOT NULL DEFAULT '';
    """,
    # 5: a revision counter bumped by every write (keys the array snapshot cache)
    """
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta VALUES ('revision', 0) ON CONFLICT DO NOTHING;
    """,
    # 6: each incident's failing deployment and the rule that placed it (sources.incidents)
    """
    ALTER TABLE incidents ADD COLUMN failed_at INTEGER;
    ALTER TABLE incidents ADD COLUMN rule TEXT NOT NULL DEFAULT '';
    """,
    # 7: the PR author's UTC offset (git author dates carry it): local working hours
    """
    ALTER TABLE pull_requests ADD COLUMN author_utc_offset INTEGER;
    """,
    # 8: re-runs of a check on the same commit are kept apart (attempt in the key)
    """
    CREATE TABLE check_runs_v8 (
        repo TEXT NOT NULL, pr INTEGER NOT NULL, sha TEXT NOT NULL, name TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 1, conclusion TEXT, started_at INTEGER,
        completed_at INTEGER, PRIMARY KEY (repo, pr, sha, name, attempt)
    );
    INSERT INTO check_runs_v8 (repo, pr, sha, name, attempt, conclusion, started_at,
                               completed_at)
        SELECT repo, pr, sha, name, 1, conclusion, started_at, completed_at FROM check_runs;
    DROP TABLE check_runs;
    ALTER TABLE check_runs_v8 RENAME TO check_runs;
    """,
    # 9: time to green (first check started → all checks green on the head commit)
    """
    ALTER TABLE pull_requests ADD COLUMN checks_started_at INTEGER;
    ALTER TABLE pull_requests ADD COLUMN checks_green_at INTEGER;
    """,
    # 10: commits as records (work rhythm: coding sessions, local hours)
    """
    CREATE TABLE IF NOT EXISTS commits (
        repo TEXT NOT NULL, sha TEXT NOT NULL, pr INTEGER, author TEXT,
        author_is_bot INTEGER NOT NULL DEFAULT 0, authored_at INTEGER NOT NULL,
        author_utc_offset INTEGER, committed_at INTEGER, additions INTEGER, deletions INTEGER,
        PRIMARY KEY (repo, sha)
    );
    CREATE INDEX IF NOT EXISTS ix_commit_author ON commits (repo, author, authored_at);
    """,
    # 11: who merged each PR (merges on the merger's clock)
    """
    ALTER TABLE pull_requests ADD COLUMN merged_by TEXT;
    """,
    # 12: the engineering-practice audit at HEAD, and which PRs changed code and tests
    """
    CREATE TABLE IF NOT EXISTS repo_audit (
        repo TEXT PRIMARY KEY, read_at INTEGER NOT NULL, data TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS pr_changes (
        repo TEXT NOT NULL, number INTEGER NOT NULL, changes_code INTEGER NOT NULL,
        changes_tests INTEGER NOT NULL, PRIMARY KEY (repo, number)
    );
    """,
    # 13: every human review (review load per reviewer)
    """
    CREATE TABLE IF NOT EXISTS reviews (
        repo TEXT NOT NULL, pr INTEGER NOT NULL, reviewer TEXT NOT NULL,
        submitted_at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (repo, pr, reviewer, submitted_at)
    );
    """,
    # 14: the author's association with the repository (contributor cohorts)
    """
    ALTER TABLE pull_requests ADD COLUMN author_association TEXT;
    """,
    # 15: who added a repository (its writer: a shared one is written only by them), and each
    # sync run's heartbeat (a run whose process died is recognised by its lapsed lease)
    """
    ALTER TABLE repos ADD COLUMN writer TEXT NOT NULL DEFAULT '';
    UPDATE repos SET writer=account_key;
    ALTER TABLE sync_runs ADD COLUMN heartbeat_at INTEGER;
    """,
    # 16: the task engine (``casestudy.engine``): which worker ran each sync, the rate budget
    # every worker draws from per token (its key, never the token), and why a job failed; each
    # repository's arrays kept for an organisation's load (``bulk_load``), valid while its
    # ``arrays_version`` (bumped by every write to it) is the one they were read at
    """
    ALTER TABLE sync_runs ADD COLUMN worker TEXT NOT NULL DEFAULT '';
    CREATE TABLE IF NOT EXISTS token_budgets (
        token_key TEXT PRIMARY KEY, budget INTEGER NOT NULL, window_seconds INTEGER NOT NULL,
        window_start INTEGER NOT NULL, spent INTEGER NOT NULL DEFAULT 0,
        blocked_until INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS job_failures (
        job_id INTEGER PRIMARY KEY, repo TEXT NOT NULL, task TEXT NOT NULL,
        failed_at INTEGER NOT NULL, message TEXT NOT NULL
    );
    ALTER TABLE repos ADD COLUMN arrays_version INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE IF NOT EXISTS repo_arrays (
        repo TEXT PRIMARY KEY, version INTEGER NOT NULL, data BYTEA NOT NULL
    );
    """,
    # 17: AI-assisted changes (ai_rules): the rules that mark each PR and commit and the tool
    # they name, the reviews and comments of AI reviewer accounts (kept apart from people's),
    # and whether a merged PR was reworked (a fix or revert touching its files soon after)
    """
    ALTER TABLE pull_requests ADD COLUMN ai_rules TEXT;
    ALTER TABLE pull_requests ADD COLUMN ai_tool TEXT;
    ALTER TABLE commits ADD COLUMN ai_rule TEXT NOT NULL DEFAULT '';
    ALTER TABLE commits ADD COLUMN ai_tool TEXT NOT NULL DEFAULT '';
    ALTER TABLE pr_changes ADD COLUMN reworked INTEGER;
    CREATE TABLE IF NOT EXISTS ai_reviews (
        repo TEXT NOT NULL, pr INTEGER NOT NULL, reviewer TEXT NOT NULL,
        submitted_at INTEGER NOT NULL, tool TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT 'review',
        PRIMARY KEY (repo, pr, reviewer, submitted_at, kind)
    );
    """,
    # 18: the files each PR changed (a clone's first-parent diff of its landing commits), for
    # teams declared by paths in a monorepo (``sources/team_list``): one row per PR, its paths
    # one a line (git quotes a name holding a line break), zlib-compressed — on Homebrew/brew
    # 1.8 MB for 15,126 PRs' 174,033 files, where a row per file took 40 MB
    """
    CREATE TABLE IF NOT EXISTS pr_files (
        repo TEXT NOT NULL, number INTEGER NOT NULL, paths BYTEA NOT NULL,
        PRIMARY KEY (repo, number)
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
