"""Opening a new year from the decisions of the last one."""

from __future__ import annotations

from datetime import date

from conftest import World
from madrasa.enrolment.models import Enrolment, JourneyEvent
from madrasa.enrolment.services import (
    current_year,
    enrol_new_pupil,
    record_decision,
    roll_over_school,
)
from madrasa.registry.models import Level, SchoolYear, Stream
from madrasa.registry.services import create_school_year


def _pupil(world: World, level: str, name: str, stream: str | None = None) -> Enrolment:
    lvl = Level.objects.get(code=level)
    return enrol_new_pupil(
        actor=None,
        school=world.school,
        level=lvl,
        stream=Stream.objects.get(level=lvl, code=stream) if stream else None,
        first_name_ar="سعيد",
        last_name_ar="الفاسي",
        first_name_latn=name,
        last_name_latn="Fassi",
        birth_date=date(2012, 1, 1),
        gender="M",
    )


def _next_year() -> SchoolYear:
    year = current_year()
    start = int(year.code[:4]) + 1
    return create_school_year(
        actor=None,
        code=f"{start}-{start + 1}",
        starts_on=date(start, 9, 7),
        ends_on=date(start + 1, 7, 3),
        semester_split=date(start + 1, 2, 1),
    )


def test_decisions_place_each_pupil_in_the_new_year(world: World) -> None:
    year = current_year()
    promoted = Enrolment.objects.get(student=world.student)  # P5
    record_decision(actor=None, enrolment=promoted, decision="promoted")
    repeat = _pupil(world, "P3", "Repeat")
    record_decision(actor=None, enrolment=repeat, decision="repeat")
    leaves = _pupil(world, "P6", "Leaves")
    record_decision(actor=None, enrolment=leaves, decision="promoted")
    oriented = _pupil(world, "TC", "Oriented", "TCS")
    record_decision(
        actor=None,
        enrolment=oriented,
        decision="oriented",
        stream=Stream.objects.get(level__code="1BAC", code="SEXP"),
    )
    _pupil(world, "P2", "Undecided")
    dropped = _pupil(world, "P4", "Dropped")
    record_decision(actor=None, enrolment=dropped, decision="dropped_out")

    new_year = _next_year()
    result = roll_over_school(actor=None, school=world.school, from_year=year, to_year=new_year)
    assert result.created == 3
    assert result.left == {"leaves_cycle": 1, "no_decision": 1, "left_school": 1}
    placed = {
        e.student.first_name_latn: (e.level.code, e.stream.code if e.stream else None)
        for e in Enrolment.objects.filter(year=new_year).select_related(
            "student", "level", "stream"
        )
    }
    assert placed == {
        "Yassine": ("P6", None),
        "Repeat": ("P3", None),
        "Oriented": ("1BAC", "SEXP"),
    }
    assert JourneyEvent.objects.filter(year=new_year, kind="enrolled").count() == 3
    promoted.refresh_from_db()
    assert promoted.status == "ended"
    # Again: nothing new.
    again = roll_over_school(actor=None, school=world.school, from_year=year, to_year=new_year)
    assert again.created == 0
    assert again.left["already_enrolled"] == 3
