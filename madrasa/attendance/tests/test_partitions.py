"""Absences carry their school year (the key of the partitioning on PostgreSQL), whichever way
a register is taken or changed, and land in their year's partition."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.attendance.models import Mark
from madrasa.attendance.services import MarkInput, record_register


def _take(world: World, day: date, marks: dict[int, MarkInput]) -> None:
    record_register(
        actor=world.users[Role.TEACHER],
        school_class=world.classes[0],
        day=day,
        slot="am",
        marks=marks,
        today=day,
    )


def test_absences_carry_the_registers_year(world: World, school_day: date) -> None:
    # when: a pupil is marked absent, then late on the same register
    _take(world, school_day, {world.student.pk: MarkInput(kind="absent")})
    _take(world, school_day, {world.student.pk: MarkInput(kind="late", late_minutes=5)})
    # then
    mark = Mark.objects.select_related("register__school_class").get()
    assert mark.kind == "late"
    assert mark.year_id == mark.register.school_class.year_id == world.classes[0].year_id


def test_one_mark_per_pupil_and_register_still_holds(world: World, school_day: date) -> None:
    _take(world, school_day, {world.student.pk: MarkInput(kind="absent")})
    mark = Mark.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Mark.objects.create(
            year_id=mark.year_id,
            register=mark.register,
            student=world.student,
            kind="late",
            day=mark.day,
            half=0,
        )


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="partitioning is PostgreSQL's")
def test_absences_land_in_their_years_partition(world: World, school_day: date) -> None:
    _take(world, school_day, {world.student.pk: MarkInput(kind="absent")})
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM attendance_mark")
        (partition,) = cursor.fetchone()
    code = world.classes[0].year.code
    assert partition == f"attendance_mark_y{code.replace('-', '_')}"
