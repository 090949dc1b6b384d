"""Taking a register, changing it later, justifications and alerts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.attendance.models import AbsenceAlert, Justification, Mark, Register
from madrasa.attendance.services import (
    MarkInput,
    decide_justification,
    record_register,
    submit_justification,
)
from madrasa.core.errors import InvalidInput
from madrasa.core.models import AuditEvent

ABSENT = MarkInput(kind="absent")


def _take(
    world: World, day: date, slot: str, marks: dict[int, MarkInput], **kw: object
) -> Register:
    kw.setdefault("today", day)
    return record_register(
        actor=world.users[Role.TEACHER],
        school_class=world.classes[0],
        day=day,
        slot=slot,
        marks=marks,
        **kw,  # type: ignore[arg-type]  # reason / today
    )


def test_everyone_not_marked_is_present_and_marks_carry_the_half_day(
    world: World, school_day: date
) -> None:
    # when: the pupil is absent in the afternoon, nobody marked in the morning
    _take(world, school_day, "am", {})
    _take(world, school_day, "pm", {world.student.pk: ABSENT})
    # then
    assert Register.objects.count() == 2
    mark = Mark.objects.get()
    assert (mark.day, mark.half, mark.kind) == (school_day, 1, "absent")
    event = AuditEvent.objects.filter(action="attendance.record").last()
    assert event is not None
    assert event.data["absent"] == 1


def test_the_same_day_edit_needs_no_reason_and_replaces_the_marks(
    world: World, school_day: date
) -> None:
    _take(world, school_day, "am", {world.student.pk: ABSENT})
    _take(world, school_day, "am", {world.student.pk: MarkInput(kind="late", late_minutes=10)})
    mark = Mark.objects.get()
    assert (mark.kind, mark.late_minutes) == ("late", 10)
    _take(world, school_day, "am", {})
    assert not Mark.objects.exists()


def test_a_later_change_needs_a_reason_and_is_audited(world: World, school_day: date) -> None:
    _take(world, school_day, "am", {})
    later = school_day + timedelta(days=1)
    # when: no reason the next day
    with pytest.raises(InvalidInput) as refused:
        _take(world, school_day, "am", {world.student.pk: ABSENT}, today=later)
    assert refused.value.code == "reason_required"
    assert not Mark.objects.exists()
    # when: with a reason
    _take(world, school_day, "am", {world.student.pk: ABSENT}, today=later, reason="Oubli")
    event = AuditEvent.objects.get(action="attendance.correct")
    assert event.data["reason"] == "Oubli"
    assert event.data["added"] == 1


def test_it_refuses_pupils_of_another_class_future_days_and_bad_lateness(
    world: World, school_day: date
) -> None:
    with pytest.raises(InvalidInput) as stranger:
        _take(world, school_day, "am", {world.other_student.pk: ABSENT})
    assert stranger.value.code == "not_in_class"
    with pytest.raises(InvalidInput) as future:
        _take(world, school_day + timedelta(days=1), "am", {}, today=school_day)
    assert future.value.code == "future_day"
    with pytest.raises(InvalidInput) as late:
        _take(world, school_day, "am", {world.student.pk: MarkInput(kind="late", late_minutes=0)})
    assert late.value.code == "invalid_late_minutes"
    with pytest.raises(InvalidInput) as slot:
        _take(world, school_day, "xx", {})
    assert slot.value.code == "invalid_slot"


def _absent_half_days(world: World, first: date, count: int) -> list[int]:
    day, taken = first, 0
    while taken < count:
        if day.weekday() < 5:
            for slot in ("am", "pm"):
                if taken < count:
                    _take(
                        world,
                        day,
                        slot,
                        {world.student.pk: ABSENT},
                        today=day + timedelta(days=40),
                        reason="Saisie",
                    )
                    taken += 1
        day += timedelta(days=1)
    return list(Mark.objects.values_list("pk", flat=True))


@override_settings(MADRASA_ABSENCE_ALERT_HALF_DAYS=3)
def test_the_parents_are_alerted_once_after_n_unjustified_half_days(
    world: World, school_day: date
) -> None:
    first = school_day.replace(day=1)
    _absent_half_days(world, first, 2)
    assert not AbsenceAlert.objects.exists()
    _absent_half_days(world, first, 4)
    alert = AbsenceAlert.objects.get()
    assert (alert.student_id, alert.month, alert.half_days) == (world.student.pk, first, 3)
    # and the alert shows on the parent's view of the pupil's profile section
    response = world.client(Role.PARENT).get(
        f"/attendance/pupils/{world.student.uuid}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "unjustified half-days of absence" in response.content.decode()


def test_a_justification_accepted_justifies_its_absences(world: World, school_day: date) -> None:
    _take(world, school_day, "am", {world.student.pk: ABSENT})
    _take(world, school_day, "pm", {world.student.pk: ABSENT})
    ids = list(Mark.objects.values_list("pk", flat=True))
    document = SimpleUploadedFile(
        "certificat.pdf", b"%PDF-1.4 test", content_type="application/pdf"
    )
    justification = submit_justification(
        actor=world.users[Role.PARENT],
        student=world.student,
        mark_ids=ids,
        reason="Malade",
        document=document,
    )
    assert justification.school_id == world.school.pk
    assert justification.document.name
    # the same absences cannot be sent twice while waiting
    with pytest.raises(InvalidInput) as twice:
        submit_justification(actor=None, student=world.student, mark_ids=ids, reason="Encore")
    assert twice.value.code == "already_justified"
    decide_justification(actor=world.users[Role.DIRECTOR], justification=justification, accept=True)
    assert set(Mark.objects.values_list("is_justified", flat=True)) == {True}
    with pytest.raises(InvalidInput):
        decide_justification(actor=None, justification=justification, accept=False, note="x")
    justification.document.delete(save=False)


def test_a_refused_justification_frees_the_absences(world: World, school_day: date) -> None:
    _take(world, school_day, "am", {world.student.pk: ABSENT})
    ids = list(Mark.objects.values_list("pk", flat=True))
    justification = submit_justification(
        actor=None, student=world.student, mark_ids=ids, reason="Voyage"
    )
    with pytest.raises(InvalidInput) as no_note:
        decide_justification(actor=None, justification=justification, accept=False)
    assert no_note.value.code == "note_required"
    decide_justification(actor=None, justification=justification, accept=False, note="Non valable")
    assert Justification.objects.get().status == "refused"
    mark = Mark.objects.get()
    assert (mark.is_justified, mark.justification_id) == (False, None)


def test_it_refuses_a_document_of_the_wrong_type_and_marks_of_another_pupil(
    world: World, school_day: date
) -> None:
    _take(world, school_day, "am", {world.student.pk: ABSENT})
    ids = list(Mark.objects.values_list("pk", flat=True))
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    with pytest.raises(InvalidInput) as wrong:
        submit_justification(
            actor=None, student=world.student, mark_ids=ids, reason="Malade", document=exe
        )
    assert wrong.value.code == "document_type"
    with pytest.raises(InvalidInput) as other:
        submit_justification(actor=None, student=world.other_student, mark_ids=ids, reason="Malade")
    assert other.value.code == "invalid_absences"
