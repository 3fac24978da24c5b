"""The current time, in UTC, and the two ways a time leaves the bank (README, "Times"):

- to a machine (GraphQL ``DateTime``, ``/api/verify``, the signed credential): ISO 8601 in UTC,
  with the offset written ``+00:00`` (:func:`utc`, :func:`iso`);
- to a person (pages, certificates, messages): Beijing time, saying so (:func:`beijing_text`,
  ``2026-12-01 18:30（北京时间）``).

``SHANGHAI`` is the one Asia/Shanghai zone of the code base; dates the bank's people see are its
dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
BEIJING_TIME = "北京时间"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def day_start(day: dt.date) -> dt.datetime:
    """The first moment of ``day`` in the bank's time zone, in UTC (for filters by date)."""
    return dt.datetime.combine(day, dt.time.min, SHANGHAI).astimezone(dt.UTC)


def today() -> dt.date:
    """Today in the bank's time zone (Asia/Shanghai)."""
    return now().astimezone(SHANGHAI).date()


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} carries no time zone")
    return moment


def utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` in UTC, as machines are given it (a time without zone is a bug: refused)."""
    return _aware(moment).astimezone(dt.UTC)


def iso(moment: dt.datetime) -> str:
    """``moment`` as machine-readable text: ISO 8601 in UTC, ``2026-12-01T10:30:00+00:00``
    (fractions of a second when it has them), exactly as GraphQL's ``DateTime`` gives it."""
    return utc(moment).isoformat()


def beijing(moment: dt.datetime) -> dt.datetime:
    """``moment`` in Beijing time (Asia/Shanghai)."""
    return _aware(moment).astimezone(SHANGHAI)


def beijing_text(moment: dt.datetime) -> str:
    """``moment`` as people read it: ``2026-12-01 18:30（北京时间）``."""
    return f"{beijing(moment):%Y-%m-%d %H:%M}（{BEIJING_TIME}）"
