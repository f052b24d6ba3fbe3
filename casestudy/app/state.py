"""The app's view state (repos, peers, period, options, metric, filters) and its round trip
through the URL: ``st.query_params`` holds the view, so a copied URL reproduces it, and the
sidebar widgets write it back on every run so it survives page switches."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .. import metrics
from ..options import BOTS, BUSINESS_HOURS, FREQ, SESSION_GAP, TZ, Option, OptionError, Options
from ..store.keys import token_key
from ..store.namespaces import shown

CHECKED = (FREQ, BOTS, SESSION_GAP, TZ)  # options read from the URL by their declaration


@dataclass
class View:
    repo: str = ""
    peers: list[str] = field(default_factory=list)
    start: str = ""  # YYYY-MM
    end: str = ""
    freq: str = FREQ.default
    tz: str = TZ.default  # one of the known IANA names (``options.time_zones``)
    bots: str = BOTS.default
    bh: bool = False  # business hours: the declared preset (Mon–Fri 09–17) or all hours
    gap: int = SESSION_GAP.default  # minutes without a commit that end a coding session
    defs: str = ""  # definitions hash of the report the link was made from (informational)
    metric: str = "cycle_time"
    month: str = ""  # drill-down period
    stage: str = ""  # drill-down metric

    def to_params(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if f.name == "repo":  # a repository by its name, never its key's tag
                if v:
                    out["repo"] = shown(v)
            elif f.name == "peers":
                if v:
                    out["peers"] = ",".join(shown(p) for p in v)
            elif f.name == BUSINESS_HOURS.param:
                if v:
                    out[f.name] = "1"
            elif v != f.default:
                out[f.name] = str(v)
        return out

    @classmethod
    def read(cls, params: dict[str, str], repos: list[str], months: list[str]
             ) -> tuple[View, list[str]]:
        """A valid view from URL parameters, and a sentence for each option value given that
        its declaration refuses (it falls back to the default). Unknown repos, months and
        metrics fall back silently: they depend on what the store holds. The sentences quote
        what the URL said: show them as plain text (``render.escape.esc``), never Markdown."""
        v, problems = cls(), []
        by_name = {shown(r): r for r in repos}  # one per name, the visitor's own first
        by_name.update({r: r for r in repos})
        repo = by_name.get(params.get("repo", ""), "")
        v.repo = repo or _default_subject(repos)
        peers = [by_name[p] for p in params.get("peers", "").split(",")
                 if p in by_name and by_name[p] != v.repo]
        v.peers = peers if "peers" in params else [r for r in repos if r != v.repo][:2]
        v.start = params.get("start", "") if params.get("start", "") in months else ""
        v.end = params.get("end", "") if params.get("end", "") in months else ""
        if v.start and v.end and v.start > v.end:
            v.start, v.end = v.end, v.start
        for option in CHECKED:
            text = params.get(option.param, "")
            if text:
                setattr(v, option.param, _value(option, text, problems))
        v.bh = params.get(BUSINESS_HOURS.param) == "1"
        v.metric = params.get("metric", "cycle_time") if params.get("metric") in metrics.BY_KEY \
            else "cycle_time"
        defs = params.get("defs", "")
        v.defs = defs if len(defs) <= 16 and all(c in "0123456789abcdef" for c in defs) else ""
        v.month = params.get("month", "")
        v.stage = params.get("stage", "") if params.get("stage") in metrics.BY_KEY else ""
        return v, problems

    def options(self) -> Options:
        """The report options this view shows (``OptionError`` when one is refused)."""
        return Options(self.repo, tuple(self.peers), self.start or None, self.end or None,
                       self.freq, self.tz, self.bots, BUSINESS_HOURS.preset if self.bh else None,
                       session_gap=self.gap)


def _value(option: Option, text: str, problems: list[str]):
    """``text`` read by ``option``'s declaration, or its default and a sentence why."""
    try:
        return option.parse(text)
    except OptionError as exc:
        problems.append(f"{exc.sentence}: using {option.default}.")
        return option.default


def _default_subject(repos: list[str]) -> str:
    return "demo/atlas" if "demo/atlas" in repos else (repos[0] if repos else "")


def account_key(token: str | None) -> str:
    """The key of the account behind a token (``store.keys.token_key``: a prefixed hash), for
    cache keys and ownership. The token itself is never stored, logged or used as a key."""
    return token_key(token)
