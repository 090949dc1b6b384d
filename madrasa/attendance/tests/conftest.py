"""Helpers for the attendance tests: a school day inside the world's current year."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conftest import World
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import current_year


@pytest.fixture
def school_day(world: World) -> date:
    """A weekday a month into the current school year; the world's pupils were enrolled at its
    start (enrolments made by the fixture start on the real today)."""
    year = current_year()
    day = year.starts_on + timedelta(days=35)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    Enrolment.objects.update(started_on=year.starts_on)
    return day
