"""Who may write which repository — the store's half of the private-data rules (the other half,
about tokens and names asked for, is in ``sources/sync.py``).

A write comes from the operator (the command line, ``sync-all``: ``visitor`` is None) or from a
``Visitor`` of the app: the account keys they act for (``keys``: their own first, then their
groups'), and whether they signed in. The rules:

- demo data is read-only: only the demo builder writes a synthetic repository;
- an existing repository is written only by its owner: a private one by a visitor holding its
  account key, a shared one by the visitor who added it (the operator may write either);
- a hosted instance lets no signed-out visitor add shared (non-private) data;
- every refusal of an existing name reads the same, whoever's it is, so the answer never tells
  a private repository from a shared one; on a hosted instance a visitor only ever meets names
  they can see (``namespaces``: names are held per owner).

The sync entry sets the visitor for the length of one sync (``acting_as``); the store reads it
in ``upsert_repo``. A context variable keeps concurrent app sessions (threads) apart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from ..source_kinds import kind_of


@dataclass(frozen=True)
class Visitor:
    """An app visitor, as the write rules see them."""

    keys: tuple[str, ...] = ()  # account keys they act for; the first is their own
    signed_in: bool = False

    @property
    def own_key(self) -> str:
        return self.keys[0] if self.keys else ""

    def with_token(self, key: str) -> Visitor:
        """Also acting for the account of a token they typed (their own, unless signed in)."""
        if not key or key in self.keys:
            return self
        keys = (*self.keys, key) if self.signed_in else (key, *self.keys)
        return Visitor(keys, self.signed_in)


_ACTING: ContextVar[Visitor | None] = ContextVar("casestudy_visitor", default=None)


@contextmanager
def acting_as(visitor: Visitor | None) -> Iterator[None]:
    """Writes inside the block are ``visitor``'s (None: the operator's)."""
    token = _ACTING.set(visitor)
    try:
        yield
    finally:
        _ACTING.reset(token)


def acting() -> Visitor | None:
    return _ACTING.get()


def not_yours(repo: str) -> str:
    """The one answer for a name this writer may not use, whoever's it is."""
    return f"{repo} is already here and is not yours to change: choose another name"


def refusal(repo: str, existing: dict | None, source: str, account_key: str,
            visitor: Visitor | None, hosted: bool) -> str:
    """Why this write is refused ('' = allowed). ``existing`` is the stored row (host,
    account_key, source, synthetic, writer) or None for a new repository."""
    if existing is None:
        if visitor is None:
            return ""
        if account_key and account_key not in visitor.keys:
            return f"{repo}: private data can only belong to you or a group you are in"
        if not account_key and hosted and not visitor.signed_in:
            return (f"{repo}: sign in to add repositories others can see (a private one belongs "
                    "to the token that synced it)")
        return ""
    if existing["synthetic"] and not (kind_of(source).synthetic and visitor is None):
        return f"{repo} is synthetic demo data, which is read-only: choose another name"
    if visitor is None:
        return ""
    owner = existing["account_key"] or existing["writer"]
    if not owner or owner not in visitor.keys:
        return not_yours(repo)
    if existing["account_key"] and account_key != existing["account_key"] and \
            existing["account_key"] != visitor.own_key:  # a group's data stays the group's
        return not_yours(repo)
    return ""
