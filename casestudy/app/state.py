"""The app's view state (repos, peers, period, options, metric, filters) and its round trip
through the URL: ``st.query_params`` holds the view, so a copied URL reproduces it, and the
sidebar widgets write it back on every run so it survives page switches."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, fields

from .. import metrics

BOTS = ("exclude", "include", "only")
FREQS = ("month", "week")
GAP_RANGE = (10, 720)  # minutes a session gap may be set to


@dataclass
class View:
    repo: str = ""
    peers: list[str] = field(default_factory=list)
    start: str = ""  # YYYY-MM
    end: str = ""
    freq: str = "month"
    tz: str = "UTC"
    bots: str = "exclude"
    bh: bool = False  # business hours 09–17
    gap: int = 120  # minutes without a commit that end a coding session
    defs: str = ""  # definitions hash of the report the link was made from (informational)
    metric: str = "cycle_time"
    month: str = ""  # drill-down period
    stage: str = ""  # drill-down metric

    def to_params(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "peers":
                if v:
                    out["peers"] = ",".join(v)
            elif f.name == "bh":
                if v:
                    out["bh"] = "1"
            elif v != f.default:
                out[f.name] = str(v)
        return out

    @classmethod
    def from_params(cls, params: dict[str, str], repos: list[str], months: list[str]) -> View:
        """A valid view from URL parameters: unknown or bad values fall back to defaults."""
        v = cls()
        repo = params.get("repo", "")
        v.repo = repo if repo in repos else (_default_subject(repos))
        peers = [p for p in params.get("peers", "").split(",") if p in repos and p != v.repo]
        v.peers = peers if "peers" in params else [r for r in repos if r != v.repo][:2]
        v.start = params.get("start", "") if params.get("start", "") in months else ""
        v.end = params.get("end", "") if params.get("end", "") in months else ""
        if v.start and v.end and v.start > v.end:
            v.start, v.end = v.end, v.start
        v.freq = params.get("freq", "month") if params.get("freq") in FREQS else "month"
        v.tz = params.get("tz", "UTC") or "UTC"
        v.bots = params.get("bots", "exclude") if params.get("bots") in BOTS else "exclude"
        v.bh = params.get("bh") == "1"
        gap = params.get("gap", "")
        v.gap = int(gap) if gap.isdigit() and GAP_RANGE[0] <= int(gap) <= GAP_RANGE[1] else 120
        v.metric = params.get("metric", "cycle_time") if params.get("metric") in metrics.BY_KEY \
            else "cycle_time"
        defs = params.get("defs", "")
        v.defs = defs if len(defs) <= 16 and all(c in "0123456789abcdef" for c in defs) else ""
        v.month = params.get("month", "")
        v.stage = params.get("stage", "") if params.get("stage") in metrics.BY_KEY else ""
        return v


def _default_subject(repos: list[str]) -> str:
    return "demo/atlas" if "demo/atlas" in repos else (repos[0] if repos else "")


def account_key(token: str | None) -> str:
    """A short hash that identifies the account behind a token, for cache keys and ownership.
    The token itself is never stored, logged or used as a key."""
    if not token:
        return ""
    return hashlib.sha256(("casestudy:" + token).encode()).hexdigest()[:16]
