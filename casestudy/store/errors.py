"""The store's one error: a problem described for a person (kept apart so every store module
can raise it without importing the store)."""

from __future__ import annotations


class StoreError(Exception):
    """A store problem described for a person (bad path, newer schema, unknown repo)."""
