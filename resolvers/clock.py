"""The current time, in UTC, and today's date as people of the bank see it."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the bank's time zone, in UTC (for filters by date)."""
    return dt.datetime.combine(day, dt.time.min, SHANGHAI).astimezone(dt.UTC)


def today() -> dt.date:
    """Today in the bank's time zone (Asia/Shanghai)."""
    return now().astimezone(SHANGHAI).date()
