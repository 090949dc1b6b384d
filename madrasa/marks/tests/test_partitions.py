"""Marks and absences partitioned by school year: every write sets the year (both engines); on
PostgreSQL the tables are partitioned, a new year gets its partitions, rows land in their year's
partition, a year can be detached for archive and attached again, and `madrasa partitions`
says what it did."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.errors import InvalidInput
from madrasa.core.models import AuditEvent
from madrasa.enrolment.models import Enrolment
from madrasa.marks.models import Assessment, Mark
from madrasa.marks.partitions import (
    attach_year,
    create_year_partitions,
    detach_year,
    list_year_partitions,
    year_partition_name,
)
from madrasa.marks.services import close_term, decide_change_request, save_marks
from madrasa.registry.models import SchoolYear
from madrasa.registry.services import create_school_year

from .conftest import semester

TABLES = ["attendance_mark", "marks_mark"]

postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="partitioning is PostgreSQL's"
)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("partitions", *args, stdout=out)
    return out.getvalue()


def _partition_of(mark: Mark) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM marks_mark WHERE id = %s", [mark.pk])
        return str(cursor.fetchone()[0])


# Both engines ---------------------------------------------------------------------------------


def test_saved_marks_carry_their_assessments_year(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    # when: a mark is saved, then changed through the grid
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "8")])
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "9")])
    # then
    mark = Mark.objects.get()
    assert mark.year_id == assessment.semester.year_id == assessment.school_class.year_id
    assert mark.value == Decimal("9.00")


def test_a_mark_created_by_an_approved_change_carries_the_year(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    # given: the term is closed before any mark was entered
    close_term(actor=world.users[Role.DIRECTOR], school=world.school, semester=semester(1))
    save_marks(
        actor=world.users[Role.TEACHER],
        assessment=assessment,
        entries=[(enrolment.pk, "14")],
        reason="Copie retrouvée",
    )
    request = assessment.change_requests.get()
    # when
    decide_change_request(actor=world.users[Role.DIRECTOR], change=request, approve=True)
    # then
    mark = Mark.objects.get()
    assert (mark.value, mark.year_id) == (Decimal("14.00"), assessment.semester.year_id)


def test_the_unique_constraint_still_allows_one_mark_per_pupil_and_assessment(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "8")])
    with pytest.raises(IntegrityError), transaction.atomic():
        Mark.objects.create(
            year_id=assessment.semester.year_id,
            assessment=assessment,
            enrolment=enrolment,
            value=Decimal(10),
            updated_at=timezone.now(),
        )


@pytest.mark.skipif("connection.vendor == 'postgresql'", reason="SQLite's answer")
@pytest.mark.django_db
def test_on_sqlite_the_command_says_there_is_nothing_to_do() -> None:
    assert _run("list") == "Partitioning is PostgreSQL only; nothing to do.\n"
    assert "nothing to do" in _run("detach", "--year", "2019-2020")


# PostgreSQL -----------------------------------------------------------------------------------


@postgres_only
@pytest.mark.django_db
def test_marks_and_absences_are_partitioned_by_year() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT partrelid::regclass::text, partstrat, pg_get_partkeydef(partrelid) "
            "FROM pg_partitioned_table ORDER BY 1"
        )
        found = cursor.fetchall()
    assert ("marks_mark", "l", "LIST (year_id)") in found
    assert ("attendance_mark", "l", "LIST (year_id)") in found


@postgres_only
def test_each_school_year_has_its_partitions(world: World) -> None:
    parts = list_year_partitions()
    for year in SchoolYear.objects.all():
        for table in TABLES:
            assert any(
                p.table == table and p.year == year.code and p.attached and not p.is_default
                for p in parts
            ), (table, year.code)
    assert {p.table for p in parts if p.is_default} == set(TABLES)


@postgres_only
def test_a_new_school_year_gets_its_partitions(world: World) -> None:
    # when: the ministry opens a year, through the service or any other path
    create_school_year(
        actor=None,
        code="2031-2032",
        starts_on=date(2031, 9, 1),
        ends_on=date(2032, 6, 30),
        semester_split=date(2032, 2, 1),
    )
    SchoolYear.objects.create(
        code="2032-2033", starts_on=date(2032, 9, 1), ends_on=date(2033, 6, 30)
    )
    # then
    names = {p.name for p in list_year_partitions() if p.attached}
    for table in TABLES:
        assert year_partition_name(table, "2031-2032") in names
        assert year_partition_name(table, "2032-2033") in names
    # and creating them again does nothing
    again = create_year_partitions(actor=None, year=SchoolYear.objects.get(code="2031-2032"))
    assert again == []
    assert "Every school year already has its partitions." in _run("create")


@postgres_only
def test_marks_land_in_their_years_partition(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "8")])
    mark = Mark.objects.get()
    assert _partition_of(mark) == year_partition_name("marks_mark", assessment.semester.year.code)


@postgres_only
def test_a_detached_year_keeps_its_rows_and_comes_back_with_them(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    # given: a mark of the year
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "8")])
    year = assessment.semester.year
    name = year_partition_name("marks_mark", year.code)
    # when: the year is detached
    out = _run("detach", "--year", year.code)
    # then: the application no longer sees it; the plain table keeps it
    assert f"marks_mark: {year.code} detached, kept as the table {name}" in out
    assert f"attendance_mark: {year.code} detached" in out
    assert not Mark.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT value FROM "{name}"')  # noqa: S608  # nosec B608: a partition name
        assert cursor.fetchall() == [(Decimal("8.00"),)]
    states = {(p.table, p.name): p.attached for p in list_year_partitions()}
    assert states[("marks_mark", name)] is False
    assert "detached" in _run("list", "--table", "marks_mark")
    audit = AuditEvent.objects.get(action="partitions.detach")
    assert audit.object_id == year.code
    assert audit.data["tables"]["marks_mark"]["partition"] == name
    # detaching again changes nothing
    assert "is already detached" in _run("detach", "--year", year.code, "--table", "marks_mark")
    assert AuditEvent.objects.filter(action="partitions.detach").count() == 1

    # when: the same pupil's mark is written meanwhile (it lands in the DEFAULT partition)
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "11")])
    assert _partition_of(Mark.objects.get()) == "marks_mark_default"
    # then attaching it again refuses the clash with the archived mark, changing nothing
    with pytest.raises(CommandError, match=f"{name} cannot be attached"):
        _run("attach", "--year", year.code)
    assert Mark.objects.get().value == Decimal("11.00")

    # when: the clashing row is gone, the year is attached again
    Mark.objects.all().delete()
    out = _run("attach", "--year", year.code)
    # then
    assert f"marks_mark: {year.code} attached from {name}" in out
    mark = Mark.objects.get()
    assert (mark.value, _partition_of(mark)) == (Decimal("8.00"), name)
    assert AuditEvent.objects.filter(action="partitions.attach").count() == 1
    assert "is already attached" in _run("attach", "--year", year.code)


@postgres_only
def test_attaching_moves_in_the_rows_written_while_detached(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    year = assessment.semester.year
    detach_year(actor=None, year=year, tables=["marks_mark"])
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "15")])
    assert _partition_of(Mark.objects.get()) == "marks_mark_default"
    moves = attach_year(actor=None, year=year, tables=["marks_mark"])
    assert [(m.table, m.done, m.rows) for m in moves] == [("marks_mark", True, 1)]
    mark = Mark.objects.get()
    assert (mark.value, _partition_of(mark)) == (
        Decimal("15.00"),
        year_partition_name("marks_mark", year.code),
    )


@postgres_only
def test_creating_a_missing_partition_moves_the_years_rows_out_of_the_default(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    # given: the year's partition is gone (detached and dropped), its marks in the default
    year = assessment.semester.year
    name = year_partition_name("marks_mark", year.code)
    detach_year(actor=None, year=year, tables=["marks_mark"])
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE "{name}"')
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "12")])
    assert _partition_of(Mark.objects.get()) == "marks_mark_default"
    # when
    out = _run("create", "--year", year.code)
    # then
    assert f"created {name}" in out
    assert _partition_of(Mark.objects.get()) == name
    assert AuditEvent.objects.get(action="partitions.create").data == {"partitions": [name]}


@postgres_only
def test_the_command_names_what_is_wrong(world: World) -> None:
    with pytest.raises(CommandError, match="There is no school year 1999-2000"):
        _run("detach", "--year", "1999-2000")
    code = SchoolYear.objects.order_by("starts_on").first().code  # type: ignore[union-attr]
    with pytest.raises(CommandError, match="marks_markevent is not partitioned by school year"):
        _run("detach", "--year", code, "--table", "marks_markevent")
    # a partition detached then dropped: nothing to attach, nothing to detach
    name = year_partition_name("marks_mark", code)
    with connection.cursor() as cursor:
        cursor.execute(f'ALTER TABLE marks_mark DETACH PARTITION "{name}"')
        cursor.execute(f'DROP TABLE "{name}"')
    with pytest.raises(CommandError, match=f"There is no detached table of marks_mark .*{name}"):
        _run("attach", "--year", code, "--table", "marks_mark")
    with pytest.raises(InvalidInput) as missing:
        detach_year(actor=None, year=SchoolYear.objects.get(code=code), tables=["marks_mark"])
    assert missing.value.code == "no_partition"
