"""A token's rate budget kept in the store, which every sync worker draws from.

GitHub limits a token (or an App installation) per hour, not per process: several workers on
several machines that share a token must share its budget. Each token has one row (keyed by the
token's key, never the token): ``budget`` points per ``window_seconds``, what was ``spent`` in
the current window, and ``blocked_until`` — a time GitHub named (``retry-after``, or the reset of
an exhausted limit) before which no worker may call with that token.

A call draws its cost *before* it is made (one atomic ``UPDATE … WHERE spent + cost <= budget``,
so two workers can never both take the last points), and is settled afterwards with what GitHub
charged (GraphQL answers with its cost; the draw is GitHub's documented upper bound, so the
settlement gives points back). A draw that does not fit waits for the window to roll over or the
block to end. A worker killed between draw and settlement leaves its draw spent: the budget errs
on the side of staying under GitHub's limit.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence

from .store import Store

DEFAULT_BUDGET = 5000  # GitHub's GraphQL points (and REST requests) per hour per token
DEFAULT_WINDOW = 3600


def configured() -> tuple[int, int]:
    """(points per window, window seconds) from ``$CASESTUDY_TOKEN_BUDGET`` and
    ``$CASESTUDY_TOKEN_WINDOW`` (default 5000 per 3600 s)."""
    def num(name: str, default: int) -> int:
        try:
            return max(1, int(os.environ.get(name) or default))
        except ValueError:
            return default

    return num("CASESTUDY_TOKEN_BUDGET", DEFAULT_BUDGET), num("CASESTUDY_TOKEN_WINDOW",
                                                              DEFAULT_WINDOW)


class BudgetTooSmall(Exception):
    """One call costs more than the whole budget of a window: it could never be made."""


class TokenBudget:
    """The shared budget of the token whose key is ``key`` (``keys.token_key``)."""

    def __init__(self, store: Store, key: str, budget: int | None = None,
                 window: int | None = None, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep):
        default_budget, default_window = configured()
        self.store, self.key = store, key
        self.budget = budget or default_budget
        self.window = window or default_window
        self.clock, self.sleep = clock, sleep
        db = store.db
        with db.transaction():
            db.execute("INSERT INTO token_budgets (token_key, budget, window_seconds, "
                       "window_start, spent, blocked_until) VALUES (?,?,?,?,0,0) "
                       "ON CONFLICT(token_key) DO NOTHING",
                       (key, self.budget, self.window, int(self.clock())))
            db.execute("UPDATE token_budgets SET budget=?, window_seconds=? WHERE token_key=?",
                       (self.budget, self.window, key))

    def state(self) -> dict:
        """The row as it stands: budget, window_seconds, window_start, spent, blocked_until,
        total (points spent over every window)."""
        cur = self.store.db.execute(
            "SELECT budget, window_seconds, window_start, spent, blocked_until, total "
            "FROM token_budgets WHERE token_key=?", (self.key,))
        names = [c[0] for c in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))

    def try_draw(self, cost: int) -> float:
        """Take ``cost`` points now if they fit; returns 0 when taken, else the seconds until
        they might (the window's end or the block's)."""
        if cost > self.budget:
            raise BudgetTooSmall(f"a call costing {cost} points exceeds the token budget of "
                                 f"{self.budget} per {self.window} s")
        now = self.clock()
        db = self.store.db
        with db.transaction():
            db.execute("UPDATE token_budgets SET window_start=?, spent=0 WHERE token_key=? "
                       "AND window_start + window_seconds <= ?", (int(now), self.key, int(now)))
            row = db.execute(
                "UPDATE token_budgets SET spent=spent+?, total=total+? WHERE token_key=? AND "
                "spent+? <= budget AND blocked_until <= ? RETURNING spent",
                (cost, cost, self.key, cost, int(math.floor(now)))).fetchone()
            if row is not None:
                return 0.0
            start, window, blocked = db.execute(
                "SELECT window_start, window_seconds, blocked_until FROM token_budgets "
                "WHERE token_key=?", (self.key,)).fetchone()
        if blocked > now:
            return max(0.05, blocked - now)
        return max(0.05, start + window - now)

    def draw(self, cost: int, waiting: Callable[[float], None] | None = None) -> None:
        """Take ``cost`` points, waiting (in steps of at most a second, each reported to
        ``waiting`` with the seconds left) until the shared budget has them."""
        while (left := self.try_draw(cost)) > 0:
            if waiting:
                waiting(left)
            self.sleep(min(1.0, left))

    def settle(self, drawn: int, charged: int) -> None:
        """The call that drew ``drawn`` points was charged ``charged``: give back (or take)
        the difference."""
        if charged == drawn:
            return
        with self.store.db.transaction():
            self.store.db.execute(
                "UPDATE token_budgets SET spent=max(0, spent+?), total=total+? "
                "WHERE token_key=?" if self.store.db.kind == "sqlite" else
                "UPDATE token_budgets SET spent=greatest(0, spent+?), total=total+? "
                "WHERE token_key=?", (charged - drawn, charged - drawn, self.key))

    def block(self, until: float) -> None:
        """GitHub asked every caller of this token to wait until ``until`` (epoch seconds)."""
        with self.store.db.transaction():
            self.store.db.execute(
                "UPDATE token_budgets SET blocked_until=? WHERE token_key=? AND "
                "blocked_until < ?", (int(math.ceil(until)), self.key, int(math.ceil(until))))


def least_spent(store: Store, keys: Sequence[str]) -> int:
    """The index in ``keys`` of the token with the most budget left now (unblocked first)."""
    if len(keys) <= 1:
        return 0
    now = int(time.time())
    marks = ",".join("?" * len(keys))
    rows = {k: (int(b > now), s - bud if ws + w > now else -bud) for k, bud, w, ws, s, b in
            store.db.execute("SELECT token_key, budget, window_seconds, window_start, spent, "
                             f"blocked_until FROM token_budgets WHERE token_key IN ({marks})",
                             tuple(keys)).fetchall()}
    return min(range(len(keys)), key=lambda i: rows.get(keys[i], (0, -10**9)))
