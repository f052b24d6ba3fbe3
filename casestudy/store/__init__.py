"""The store: canonical records in SQLite (default) or PostgreSQL, sync cursors, array loading."""

from .store import RepoInfo, RepoSummary, Store, StoreError

__all__ = ["RepoInfo", "RepoSummary", "Store", "StoreError"]
