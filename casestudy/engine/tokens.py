"""The server's GitHub tokens a worker may use, and which one a job takes.

``$CASESTUDY_GITHUB_TOKENS`` (comma-separated) lists several tokens (or App installation
tokens); else ``$GITHUB_TOKEN`` is the one. A job takes the token whose shared budget
(``store.budget``) has the most left, and draws every call from it. A private repository's
owner never depends on which token read it: without an owner in the list, it belongs to the
first token's key."""

from __future__ import annotations

import os

from ..store import Store
from ..store.budget import TokenBudget, least_spent
from ..store.keys import token_key


def server_tokens() -> list[str]:
    """The tokens configured for workers (never printed)."""
    many = [t.strip() for t in os.environ.get("CASESTUDY_GITHUB_TOKENS", "").split(",")]
    many = [t for t in many if t]
    if many:
        return many
    one = os.environ.get("GITHUB_TOKEN", "").strip()
    return [one] if one else []


def owner_of_private(tokens: list[str]) -> str:
    """Who a private repository without an owner in the list belongs to: the first token's
    key, whichever token read it."""
    return token_key(tokens[0]) if tokens else ""


def take_token(store: Store, tokens: list[str]) -> tuple[str | None, TokenBudget | None]:
    """The token with the most budget left now, and its shared budget."""
    if not tokens:
        return None, None
    keys = [token_key(t) for t in tokens]
    for k in keys:  # every token has its row before they are compared
        TokenBudget(store, k)
    i = least_spent(store, keys)
    return tokens[i], TokenBudget(store, keys[i])
