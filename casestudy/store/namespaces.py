"""Per-owner names: what a hosted visitor's repository is stored under, so that nothing a
visitor does or reads depends on repositories they cannot see (issue 26, finding 16).

A repository is identified by its name *and* who holds it. On a hosted instance the stored key
of a repository a visitor of the app creates is ``name~<tag>``, the tag a short hash of the
name and the owner (the private owner's account key, else the visitor's own key for shared data
they add), so:

- the key depends only on the name and the visitor, never on what else the store holds: two
  accounts can each hold a private ``acme/secret``, and whether another account's private
  ``acme/secret`` exists changes nothing a visitor sees — not the outcome, not a message, not
  the key their reports are filed under (the tag hashes name and owner together, so one
  account's repositories are not linkable by it);
- a visitor's write resolves the name through the repositories they can see (the public ones
  and those of their keys), their own first: an existing one they may write is written, a
  visible one they may not is refused as before (it is visible, so the refusal tells nothing);
  one they cannot see is not looked at;
- the operator (command line, ``sync-all``, the task engine: no visitor) keeps plain names —
  the operator sees everything, and stores written before per-owner names keep their keys —
  and so does an unhosted instance (one person's own machine);
- what a visitor sees shows the name without its tag (``shown``); the sidebar lists one
  repository per name, their own first, then the public one (``Store.repos``).

The sources write through ``VisitorStore`` during a visitor's sync: it files every repository
name they pass under the key above and is the plain store otherwise. Why not a narrower fix
(one that keeps names unique and words every refusal the same): any check that refuses a taken
name answers whether it is taken, which is what a hidden repository must not reveal; and a key
chosen only when a name is taken would show in the visitor's own reports. A tag that depends
on the name and the owner alone shows nothing.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable
from dataclasses import is_dataclass, replace
from typing import Any

from .access import Visitor, not_yours
from .errors import StoreError
from .names import NameError_, check_repo_name

SEP = "~"  # never in a GitHub or GitLab name (``names``), so a tagged key is no one's name


def shown(key: str) -> str:
    """The name a stored key shows: its tag, if any, left off."""
    return key.split(SEP, 1)[0]


def tagged(name: str, owner: str) -> str:
    """The key of ``name`` held by ``owner`` (an account key, or a visitor's own key for
    shared data): a hash of both, so nothing but the name can be read off it."""
    tag = hashlib.sha256(f"casestudy:name\0{name}\0{owner}".encode()).hexdigest()[:10]
    return f"{name}{SEP}{tag}"


def named_rows(store: Any, name: str) -> list[tuple[str, str, str]]:
    """(key, account key, writer) of every repository whose name is ``name`` up to case."""
    low = name.lower()
    return [tuple(r) for r in store.db.execute(
        "SELECT repo, account_key, coalesce(writer, '') FROM repos WHERE lower(repo)=? OR "
        "substr(lower(repo), 1, ?)=? ORDER BY repo", (low, len(low) + 1, low + SEP))]


def visible(account_key: str, keys: tuple[str, ...]) -> bool:
    return not account_key or account_key in keys


def visitor_key(store: Any, name: str, owner: str, visitor: Visitor) -> str:
    """The key ``visitor``'s write of ``name`` (private to ``owner``; '' = shared) goes to:
    the visible repository of that name they write (their own first), else a new tagged key.
    Raises ``StoreError`` for a visible look-alike (another case of the name). Reads only
    repositories the visitor can see."""
    try:  # a name as a visitor gives it: never a tagged key (nobody's name has a tag)
        check_repo_name(name, nested=True)
    except NameError_ as exc:
        raise StoreError(str(exc)) from None
    keys = visitor.keys
    seen = [r for r in named_rows(store, name) if visible(r[1], keys)]
    if any(shown(k) != name for k, _a, _w in seen):
        raise StoreError(not_yours(name))  # a look-alike of a name they can see

    def rank(row: tuple[str, str, str]) -> tuple[int, bool]:
        key, acct, writer = row
        if acct == owner and (owner or writer in keys):
            mine = 0  # theirs, as asked: private to ``owner``, or shared data they added
        elif acct and acct == visitor.own_key:
            mine = 1  # their own private one, to be given to ``owner`` (``access`` decides)
        else:
            mine = 2  # someone else's that they see: the write rules refuse it
        return mine, key != name

    if seen:
        return min(seen, key=rank)[0]
    return tagged(name, owner or visitor.own_key or "anonymous")


# the parameters of store methods that carry a repository's name, or records that do
_NAME_PARAMS = {"repo"}
_LIST_PARAMS = {"repos"}
_RECORD_PARAMS = {"prs", "deployments", "incidents", "check_runs", "commits", "reviews",
                  "ai_reviews", "runs"}


class VisitorStore:
    """``store`` as a visitor's sync writes it: every repository name a source passes (as a
    ``repo``/``repos`` argument, in a ``RepoInfo`` or in records' ``repo``) is filed under the
    visitor's key for it (``visitor_key``); answers name repositories as they are shown. Every
    other attribute is the store's own."""

    def __init__(self, store: Any, visitor: Visitor, owner: str = ""):
        self._store, self._visitor, self._owner = store, visitor, owner
        self._keys: dict[str, str] = {}

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._store, attr)
        method = getattr(type(self._store), attr, None)
        if not callable(value) or not inspect.isfunction(method):
            return value
        params = [p for p in inspect.signature(method).parameters if p != "self"]
        if not set(params) & (_NAME_PARAMS | _LIST_PARAMS | _RECORD_PARAMS):
            return value
        return self._translated(value, params)

    def _translated(self, fn: Callable, params: list[str]) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            args = tuple(self._arg(p, a) for p, a in zip(params, args, strict=False))
            return fn(*args, **{k: self._arg(k, v) for k, v in kwargs.items()})
        return call

    def _arg(self, param: str, value: Any) -> Any:
        if param in _NAME_PARAMS and isinstance(value, str):
            return self.key(value)
        if param in _LIST_PARAMS and value is not None and not isinstance(value, str):
            return [self.key(r) for r in value]
        if param in _RECORD_PARAMS and isinstance(value, Iterable) and \
                not isinstance(value, (str, dict)):
            return [replace(r, repo=self.key(r.repo)) if is_dataclass(r) and
                    hasattr(r, "repo") else r for r in value]
        return value

    def key(self, name: str, owner: str | None = None) -> str:
        """The key this sync files ``name`` under (the first answer is kept for the sync); a
        key it handed out (in records read back) stays what it is."""
        if name in self._keys.values():
            return name
        if name not in self._keys:
            self._keys[name] = visitor_key(self._store, name,
                                           self._owner if owner is None else owner,
                                           self._visitor)
        return self._keys[name]

    def _filed(self, info: Any) -> Any:
        key = visitor_key(self._store, info.repo, info.account_key, self._visitor)
        self._keys[info.repo] = key
        return replace(info, repo=key)

    def upsert_repo(self, info: Any) -> None:
        self._store.upsert_repo(self._filed(info))

    def check_write(self, info: Any) -> None:
        self._store.check_write(replace(info, repo=visitor_key(
            self._store, info.repo, info.account_key, self._visitor)))

    def repos(self, visible_to: Any = None) -> list[str]:
        """The names of the repositories this visitor can see (half-synced ones included: a
        sync resumes its own)."""
        keys = self._visitor.keys
        rows = self._store.db.execute("SELECT repo, account_key FROM repos ORDER BY repo")
        return sorted({shown(k) for k, acct in rows if visible(acct, keys)})
