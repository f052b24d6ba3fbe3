"""Every option of a report (and of the app's view of one), declared once: its name, default,
valid range or choices, label and help, the ``casestudy report`` argument that sets it and the
URL query parameter the app keeps it in. The CLI builds its report arguments from these
declarations, the app its sidebar widgets and URL parsing, and ``Options`` — what
``report.build`` takes — its defaults and its checks, so a value is valid or not in one way
everywhere, told in one sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import cache
from numbers import Real
from typing import Any
from zoneinfo import available_timezones


class OptionError(ValueError):
    """A value an option does not take, in one sentence for a person: ``str()`` names the option
    in words, ``told_as`` by how a front end calls it (its flag, its label)."""

    def __init__(self, option: Option, rule: str, value: Any) -> None:
        self.option, self.rule, self.value = option, rule, value
        super().__init__(self.told_as(option.what))

    def told_as(self, name: str) -> str:
        shown = repr(self.value)
        if len(shown) > 60:  # a value from a URL may be long: quoted, never in full
            shown = shown[:59] + "…"
        return f"{name} must be {self.rule}, not {shown}"

    @property
    def sentence(self) -> str:
        """The message as a sentence on its own (capitalised)."""
        text = str(self)
        return text[:1].upper() + text[1:]


@dataclass(frozen=True, kw_only=True, eq=False)
class Option:
    """One option: ``name`` is its field of ``Options``; ``flag`` its ``casestudy report``
    argument and ``param`` its URL query parameter in the app ("" where there is none)."""

    name: str
    default: Any
    label: str
    help: str
    flag: str = ""
    param: str = ""
    metavar: str | None = None
    what: str = ""  # the option named in a sentence ("the time zone")

    def fail(self, rule: str, value: Any) -> OptionError:
        return OptionError(self, rule, value)

    def parse(self, text: str) -> Any:
        """The value written as ``text`` (a command-line argument, a URL parameter), checked."""
        return self.check(text)

    def check(self, value: Any) -> Any:
        """``value`` when the option takes it; ``OptionError`` otherwise."""
        return value


@dataclass(frozen=True, kw_only=True, eq=False)
class Choice(Option):
    """One of a few words; ``choices`` maps each to how the app shows it."""

    choices: Mapping[str, str] = field(default_factory=dict)

    def check(self, value: Any) -> Any:
        if value not in self.choices:
            raise self.fail("one of " + ", ".join(self.choices), value)
        return value


@dataclass(frozen=True, kw_only=True, eq=False)
class Bounded(Option):
    """A whole number of ``unit`` between ``bounds`` (both included)."""

    bounds: tuple[int, int] = (0, 0)
    unit: str = ""
    step: int = 1

    @property
    def rule(self) -> str:
        return f"{self.bounds[0]} to {self.bounds[1]}{' ' + self.unit if self.unit else ''}"

    def parse(self, text: str) -> Any:
        try:
            value = int(str(text).strip())
        except ValueError:
            raise self.fail(f"a whole number from {self.rule}", text) from None
        return self.check(value)

    def check(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, Real) or \
                not self.bounds[0] <= value <= self.bounds[1]:
            raise self.fail(f"from {self.rule}", value)
        return value


@dataclass(frozen=True, kw_only=True, eq=False)
class Hours(Option):
    """Working hours ``(start, end)`` on the clock (0–24, start before end) or None for all
    hours; ``preset`` is what the app's switch turns on."""

    preset: tuple[int, int] = (9, 17)
    rule = "START-END hours with 0 ≤ START < END ≤ 24, e.g. 9-17"

    def parse(self, text: str) -> Any:
        try:
            start, end = (int(x) for x in str(text).split("-"))
            return self.check((start, end))
        except (ValueError, OptionError):
            raise self.fail(self.rule, text) from None

    def check(self, value: Any) -> Any:
        if value is None:
            return None
        try:
            start, end = value
            ok = 0 <= start < end <= 24
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise self.fail(self.rule, value)
        return (start, end)


@cache
def time_zones() -> frozenset[str]:
    """The IANA zone names this machine knows (``zoneinfo.available_timezones``), without the
    host's own ``localtime`` link: the only values a time zone option takes. A name is looked
    up in this list, never opened as a path (``Europe`` is a folder of the zone database)."""
    return frozenset(available_timezones() - {"localtime", "posixrules"}) | {"UTC"}


@dataclass(frozen=True, kw_only=True, eq=False)
class TimeZone(Option):
    """An IANA time zone name, one of ``time_zones()``."""

    def check(self, value: Any) -> Any:
        if not isinstance(value, str) or value not in time_zones():
            raise self.fail("an IANA time zone name, e.g. Europe/Berlin", value)
        return value


@dataclass(frozen=True, kw_only=True, eq=False)
class Repos(Option):
    """Repositories (``owner/name``), any number."""

    def check(self, value: Any) -> Any:
        return tuple(value or ())


PEERS = Repos(
    name="peers", default=(), label="Peers", what="the peers", flag="--peer", param="peers",
    metavar="OWNER/NAME", help="a repository to compare with, side by side (repeatable)")
PERIOD_FROM = Option(
    name="period_from", default=None, label="From", what="the first period", flag="--from",
    param="start", metavar="YYYY-MM",
    help="first period of the report: YYYY-MM, or YYYY-Www or YYYY-MM-DD with weekly periods; "
         "by default the latest months with data")
PERIOD_TO = Option(
    name="period_to", default=None, label="To", what="the last period", flag="--to",
    param="end", metavar="YYYY-MM",
    help="last period of the report, written as --from; by default the last one with data")
FREQ = Choice(
    name="freq", default="month", label="Periods", what="the kind of period", flag="--period",
    param="freq", choices={"month": "months", "week": "ISO weeks"},
    help="calendar months or ISO weeks")
TZ = TimeZone(
    name="tz", default="UTC", label="Time zone", what="the time zone", flag="--tz", param="tz",
    help="IANA name, e.g. Europe/Berlin: the time zone of periods and working hours")
BOTS = Choice(
    name="bots", default="exclude", label="Bots", what="the bot setting", flag="--bots",
    param="bots", choices={"exclude": "excluded", "include": "included", "only": "only bots"},
    help="whether PRs by bots count: excluded, included, or the only ones counted")
BUSINESS_HOURS = Hours(
    name="business_hours", default=None, label="Business hours only",
    what="the business hours", flag="--business-hours", param="bh", metavar="START-END",
    help="PR durations count working hours only (e.g. 9-17), Mon–Fri in the report's time zone")
WINDOW = Bounded(
    name="window", default=3, label="Latest window", what="the latest window",
    flag="--window", bounds=(1, 24), unit="periods", metavar="PERIODS",
    help="periods in the latest window that the findings judge, at most half the report's")
MIN_N = Bounded(
    name="min_n", default=10, label="Minimum n", what="the minimum n", flag="--min-n",
    bounds=(1, 1000), unit="PRs", metavar="N",
    help="fewest PRs a window needs before a finding is drawn from it")
MONTHS = Bounded(
    name="months_default", default=24, label="Default span", what="the default span",
    flag="--months", bounds=(1, 240), unit="months", metavar="N",
    help="months reported when --from is not given")
SESSION_GAP = Bounded(
    name="session_gap", default=120, label="Coding-session gap (min)",
    what="the coding-session gap", flag="--session-gap", param="gap", bounds=(10, 720),
    unit="minutes", step=10, metavar="MINUTES",
    help="minutes without a commit that end a coding session in the work rhythm's gap rule")
SESSION_ALLOWANCE = Bounded(
    name="session_allowance", default=30, label="Session allowance (min)",
    what="the session allowance", flag="--session-allowance", bounds=(0, 240), unit="minutes",
    metavar="MINUTES", help="minutes of work counted before each coding session's first commit")

DECLARED: tuple[Option, ...] = (PEERS, PERIOD_FROM, PERIOD_TO, FREQ, TZ, BOTS, BUSINESS_HOURS,
                                WINDOW, MIN_N, MONTHS, SESSION_GAP, SESSION_ALLOWANCE)
BY_NAME: dict[str, Option] = {o.name: o for o in DECLARED}


@dataclass
class Options:
    """What a report is built with: its subject and every declared option (defaults and checks
    from the declarations above; a bad value raises ``OptionError``)."""

    subject: str
    peers: tuple[str, ...] = PEERS.default
    period_from: str | None = PERIOD_FROM.default  # "YYYY-MM" (or an ISO week with "week")
    period_to: str | None = PERIOD_TO.default
    freq: str = FREQ.default
    tz: str = TZ.default
    bots: str = BOTS.default
    business_hours: tuple[int, int] | None = BUSINESS_HOURS.default
    window: int = WINDOW.default
    min_n: int = MIN_N.default
    months_default: int = MONTHS.default
    session_gap: float = SESSION_GAP.default  # minutes without a commit that end a session
    session_allowance: float = SESSION_ALLOWANCE.default  # minutes before a first commit

    def __post_init__(self) -> None:
        for f in fields(self):
            if f.name in BY_NAME:
                setattr(self, f.name, BY_NAME[f.name].check(getattr(self, f.name)))

