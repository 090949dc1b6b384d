"""The national monthly schooling status: set-based, idempotent, from the CLI and the page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.attendance.models import SchoolingStatus, StatusRun
from madrasa.attendance.services import MarkInput, compute_schooling_status, record_register
from madrasa.enrolment.models import Enrolment
from madrasa.registry.services import create_student


def _statuses(month: date) -> dict[str, str]:
    return dict(
        SchoolingStatus.objects.filter(month=month).values_list("student__national_code", "status")
    )


@override_settings(MADRASA_EXCESSIVE_ABSENCE_HALF_DAYS=2)
def test_each_pupil_gets_one_status_for_the_month(world: World, school_day: date) -> None:
    # given: world.student absent two unjustified half-days, world.other_student dropped out
    # last month, and a pupil never enrolled
    for slot in ("am", "pm"):
        record_register(
            actor=None,
            school_class=world.classes[0],
            day=school_day,
            slot=slot,
            marks={world.student.pk: MarkInput(kind="absent")},
            today=school_day,
        )
    month = school_day.replace(day=1)
    Enrolment.objects.filter(student=world.other_student).update(
        decision="dropped_out", status="ended", ended_on=month - timedelta(days=3)
    )
    stranger = create_student(
        actor=None,
        first_name_ar="سعاد",
        last_name_ar="المرابط",
        first_name_latn="Souad",
        last_name_latn="Mrabet",
        birth_date=date(2013, 1, 1),
        gender="F",
        school=None,
        national_code="C300000003",
    )
    # when: one statement for the country (a handful of queries whatever the number of pupils)
    with CaptureQueriesContext(connection) as queries:
        run = compute_schooling_status(actor=None, month=month)
    assert len(queries) < 20
    # then
    statuses = _statuses(month)
    assert statuses == {
        world.student.national_code: "enrolled_excessive_absence",
        world.other_student.national_code: "dropped_out",
        stranger.national_code: "not_enrolled",
    }
    assert run.state == "done"
    assert run.rows == 3
    assert run.counts == {"enrolled_excessive_absence": 1, "dropped_out": 1, "not_enrolled": 1}
    row = SchoolingStatus.objects.get(student=world.student)
    assert row.unjustified_half_days == 2
    # and: computing again replaces the month (no duplicates)
    compute_schooling_status(actor=None, month=month)
    assert SchoolingStatus.objects.filter(month=month).count() == 3


def test_a_pupil_back_after_dropping_out_is_enrolled_again(world: World, school_day: date) -> None:
    month = school_day.replace(day=1)
    enrolment = Enrolment.objects.get(student=world.student)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        decision="dropped_out", status="ended", ended_on=month - timedelta(days=40)
    )
    Enrolment.objects.create(
        student=world.student,
        school=world.school,
        year=enrolment.year,
        level=enrolment.level,
        started_on=month - timedelta(days=2),
    )
    compute_schooling_status(actor=None, month=month)
    assert _statuses(month)[world.student.national_code] == "enrolled_attending"
    # a month before the pupil's first enrolment they were not enrolled
    earlier = (month - timedelta(days=400)).replace(day=1)
    compute_schooling_status(actor=None, month=earlier)
    assert _statuses(earlier)[world.student.national_code] == "not_enrolled"


def test_the_command_prints_the_counts(
    world: World, school_day: date, capsys: pytest.CaptureFixture[str]
) -> None:
    month = school_day.strftime("%Y-%m")
    call_command("attendance", "status", "--month", month)
    out = capsys.readouterr().out
    assert f"{month}: 2 pupils" in out
    assert "enrolled_attending: 2" in out


def test_the_command_refuses_a_bad_month(world: World) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("attendance", "status", "--month", "2026-13")


def test_the_ministry_queues_a_run_from_the_page(
    world: World, school_day: date, django_capture_on_commit_callbacks: object
) -> None:
    client = world.client(Role.MINISTRY)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]  # fixture
        response = client.post("/attendance/status/", {"month": school_day.strftime("%Y-%m")})
    assert response.status_code == 302
    run = StatusRun.objects.get()
    assert run.state == "done"  # the immediate task backend ran it on commit
    assert run.rows == 2
    page = client.get("/attendance/status/", HTTP_ACCEPT_LANGUAGE="en")
    assert "enrolled_attending" in page.content.decode()
    assert world.client(Role.DIRECTOR).get("/attendance/status/").status_code == 403
