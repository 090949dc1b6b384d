"""Pure attendance rules: months, editing windows and half-day counts (no ORM, no request)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from datetime import date

__all__ = [
    "count_half_days",
    "month_bounds",
    "needs_reason",
    "parse_month",
]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str) -> date:
    """ "2026-11" -> date(2026, 11, 1); ValueError for anything else."""
    match = _MONTH.match(text.strip())
    if match is None:
        raise ValueError(f"not a month: {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError(f"not a month: {text!r}")
    return date(year, month, 1)


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the month of `month`."""
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=1), month.replace(day=last)


def needs_reason(day: date, today: date) -> bool:
    """A register may be changed freely on its own day; afterwards only with a reason."""
    return day < today


def count_half_days(rows: Iterable[tuple[date, int, bool]]) -> tuple[int, int]:
    """(absent half-days, unjustified half-days) from (day, half, is_justified) absence rows.

    A half-day counts once however many periods were missed; it is unjustified when one of its
    absences is not justified.
    """
    halves: dict[tuple[date, int], bool] = {}
    for day, half, justified in rows:
        key = (day, half)
        halves[key] = halves.get(key, True) and justified
    absent = len(halves)
    unjustified = sum(1 for justified in halves.values() if not justified)
    return absent, unjustified
