"""Pure attendance rules."""

from __future__ import annotations

from datetime import date

import pytest

from madrasa.attendance.rules import count_half_days, month_bounds, needs_reason, parse_month


def test_it_parses_a_month() -> None:
    assert parse_month("2026-11") == date(2026, 11, 1)
    for bad in ("2026-13", "2026-1", "11-2026", "", "2026-00"):
        with pytest.raises(ValueError, match="not a month"):
            parse_month(bad)


def test_month_bounds_know_leap_years() -> None:
    assert month_bounds(date(2028, 2, 14)) == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_bounds(date(2026, 11, 30)) == (date(2026, 11, 1), date(2026, 11, 30))


def test_a_register_needs_a_reason_only_after_its_day() -> None:
    assert not needs_reason(date(2026, 11, 2), date(2026, 11, 2))
    assert needs_reason(date(2026, 11, 2), date(2026, 11, 3))


def test_a_half_day_counts_once_and_is_unjustified_if_one_period_is() -> None:
    d1, d2 = date(2026, 11, 2), date(2026, 11, 3)
    rows = [(d1, 0, False), (d1, 0, True), (d1, 1, True), (d2, 0, False)]
    assert count_half_days(rows) == (3, 2)
    assert count_half_days([]) == (0, 0)
