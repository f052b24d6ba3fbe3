"""Calendar periods (month or ISO week) in a chosen time zone, as lookup tables for the core.

A timestamp's local day is ``(t + offset(t)) // 86400`` with the UTC offset looked up per hour, so
DST changes are honoured; local days map to period indexes through a day table (cheaper than date
arithmetic per PR).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

HOUR = 3600
DAY = 86400
EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday; weekdays count from Monday = 0
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def weekday(days: np.ndarray) -> np.ndarray:
    """Weekday (Monday = 0) of day numbers since the epoch."""
    return (days + EPOCH_WEEKDAY) % 7


def hour_and_weekday_at(ts: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local hour and weekday of epoch seconds on each author's own clock (UTC offsets)."""
    local = ts + offsets
    return (local % DAY) // HOUR, weekday(local // DAY)


class PeriodError(ValueError):
    """Unknown time zone or period kind."""


@dataclass
class Calendar:
    """Maps epoch seconds to period indexes for one span, frequency and time zone."""

    freq: str  # "month" | "week"
    tz: str
    hour0: int  # first hour covered by ``offsets`` (epoch hours)
    offsets: np.ndarray  # int64 UTC offset in seconds per hour from hour0
    day0: int  # first local day covered by ``day_period``
    day_period: np.ndarray  # int32 period index per local day
    labels: list[str]  # period labels, e.g. "2024-07" or "2024-W27"
    starts: np.ndarray  # int64 local-day number of each period's first day
    days: np.ndarray  # int64 number of days in each period

    @property
    def n(self) -> int:
        return len(self.labels)

    def local_seconds(self, ts: np.ndarray) -> np.ndarray:
        """Epoch seconds shifted into local wall-clock seconds (missing stays -1)."""
        h = np.clip(ts // HOUR - self.hour0, 0, self.offsets.size - 1)
        return np.where(ts >= 0, ts + self.offsets[h], -1)

    def period_of(self, ts: np.ndarray) -> np.ndarray:
        """Period index per timestamp; -1 for missing or out of range."""
        local = self.local_seconds(ts)
        d = local // DAY - self.day0
        ok = (ts >= 0) & (d >= 0) & (d < self.day_period.size)
        out = np.full(ts.shape, -1, dtype=np.int32)
        out[ok] = self.day_period[d[ok]]
        return out

    def index(self, label: str) -> int:
        return self.labels.index(label)

    def hour_and_weekday(self, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local hour (0–23) and weekday (Monday = 0) of epoch seconds in this calendar's zone."""
        local = self.local_seconds(ts)
        return (local % DAY) // HOUR, weekday(local // DAY)


def make_calendar(t_min: int, t_max: int, freq: str = "month", tz: str = "UTC") -> Calendar:
    """A calendar covering ``[t_min, t_max]`` (epoch seconds)."""
    if freq not in ("month", "week"):
        raise PeriodError(f"unknown period {freq!r}: use 'month' or 'week'")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a folder's name
        raise PeriodError(f"unknown time zone {tz[:60]!r}") from exc
    t_min, t_max = int(t_min), max(int(t_max), int(t_min))
    hour0 = t_min // HOUR - 48
    hours = np.arange(hour0, t_max // HOUR + 49, dtype=np.int64)
    if tz == "UTC":
        offsets = np.zeros(hours.size, dtype=np.int64)
    else:
        import pandas as pd  # only for zones with offsets: keeps the core's cold import light

        utc = pd.DatetimeIndex(hours * HOUR * 10**9, tz="UTC")
        local = utc.tz_convert(tz).tz_localize(None)
        offsets = ((local.asi8 - utc.tz_localize(None).asi8) // 10**9).astype(np.int64)
    first_day = (t_min + int(offsets.min())) // DAY - 1
    last_day = (t_max + int(offsets.max())) // DAY + 1
    days = np.arange(first_day, last_day + 1, dtype=np.int64)
    if freq == "month":
        key = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    else:
        key = (days + EPOCH_WEEKDAY) // 7  # weeks starting Monday
    uniq, inv = np.unique(key, return_inverse=True)
    if freq == "month":
        labels = [str(np.datetime64(int(k), "M")) for k in uniq]
        starts = np.array([np.datetime64(int(k), "M").astype("datetime64[D]").astype(np.int64)
                           for k in uniq], dtype=np.int64)
        ends = np.array([(np.datetime64(int(k) + 1, "M")).astype("datetime64[D]").astype(np.int64)
                         for k in uniq], dtype=np.int64)
    else:
        starts = uniq * 7 - 3
        ends = starts + 7
        labels = []
        for s in starts:
            iso = (date(1970, 1, 1) + timedelta(days=int(s))).isocalendar()
            labels.append(f"{iso[0]}-W{iso[1]:02d}")
    return Calendar(freq, tz, int(hour0), offsets, int(first_day), inv.astype(np.int32),
                    labels, starts, ends - starts)

