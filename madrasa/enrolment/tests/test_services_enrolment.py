"""Classes, enrolment, class moves, year-end decisions and merges, through the services."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.errors import InvalidInput
from madrasa.core.models import AuditEvent
from madrasa.enrolment.models import Enrolment, JourneyEvent, Transfer
from madrasa.enrolment.services import (
    create_class,
    current_year,
    enrol_new_pupil,
    enrol_student,
    merge_pupils,
    move_to_class,
    record_decision,
    request_transfer,
)
from madrasa.registry.models import DuplicateCandidate, Level, Stream, Student
from madrasa.registry.services import national_code_format


def _new_pupil(world: World, **overrides: object) -> Enrolment:
    fields: dict[str, object] = {
        "actor": None,
        "school": world.school,
        "level": Level.objects.get(code="P1"),
        "first_name_ar": "آدم",
        "last_name_ar": "بنجلون",
        "first_name_latn": "Adam",
        "last_name_latn": "Benjelloun",
        "birth_date": date(2020, 2, 14),
        "gender": "M",
    }
    fields.update(overrides)
    return enrol_new_pupil(**fields)  # type: ignore[arg-type]


def test_a_first_enrolment_creates_the_pupil_with_a_national_code_of_the_region(
    world: World,
) -> None:
    enrolment = _new_pupil(world)
    code = enrolment.student.national_code
    # Rabat is in region 04: letter D, then 9 digits whose last is a Luhn check digit.
    assert code.startswith("D")
    assert national_code_format().is_valid(code)
    assert enrolment.student.school == world.school
    assert enrolment.year == current_year()
    assert list(
        JourneyEvent.objects.filter(student=enrolment.student).values_list("kind", flat=True)
    ) == ["enrolled"]
    assert AuditEvent.objects.filter(action="enrolment.create").exists()


def test_codes_are_never_handed_out_twice(world: World) -> None:
    codes = {_new_pupil(world, first_name_latn=f"Adam{i}").student.national_code for i in range(5)}
    assert len(codes) == 5


def test_a_pupil_enrolled_elsewhere_this_year_needs_a_transfer(world: World) -> None:
    with pytest.raises(InvalidInput, match="transfer"):
        enrol_student(
            actor=None,
            student=world.other_student,
            school=world.school,
            level=Level.objects.get(code="P5"),
        )


def test_levels_with_streams_need_one_of_their_own(world: World) -> None:
    tc = Level.objects.get(code="TC")
    with pytest.raises(InvalidInput, match="stream"):
        _new_pupil(world, level=tc)
    with pytest.raises(InvalidInput, match="does not belong"):
        _new_pupil(world, level=tc, stream=Stream.objects.get(level__code="2BAC", code="PC"))
    enrolment = _new_pupil(world, level=tc, stream=Stream.objects.get(level=tc, code="TCS"))
    assert enrolment.stream is not None
    assert enrolment.stream.code == "TCS"


def test_a_possible_duplicate_is_flagged_on_creation(world: World) -> None:
    twin = _new_pupil(
        world,
        first_name_ar="ياسين",
        last_name_ar="العلوي",
        first_name_latn="Yacine",
        last_name_latn="Alaoui",
        birth_date=world.student.birth_date,
    ).student
    candidate = DuplicateCandidate.objects.get(student=twin)
    assert candidate.other == world.student
    assert candidate.score >= 70
    assert "same_birth_date" in candidate.reasons


def test_moving_class_stays_within_the_school_year_and_level(world: World) -> None:
    year = current_year()
    enrolment = Enrolment.objects.get(student=world.student, status="active")
    level = Level.objects.get(code="P5")
    other_class = create_class(actor=None, school=world.school, year=year, level=level, name="5B")
    move_to_class(actor=None, enrolment=enrolment, school_class=other_class)
    enrolment.refresh_from_db()
    assert enrolment.school_class == other_class
    step = JourneyEvent.objects.filter(student=world.student, kind="class_changed").get()
    assert step.detail == {"before": "5A", "after": "5B"}
    p6 = create_class(
        actor=None, school=world.school, year=year, level=Level.objects.get(code="P6"), name="6A"
    )
    with pytest.raises(InvalidInput):
        move_to_class(actor=None, enrolment=enrolment, school_class=p6)
    with pytest.raises(InvalidInput):
        move_to_class(actor=None, enrolment=enrolment, school_class=world.classes[1])


def test_decisions_are_recorded_corrected_and_audited(world: World) -> None:
    enrolment = Enrolment.objects.get(student=world.student, status="active")
    record_decision(actor=world.users[Role.DIRECTOR], enrolment=enrolment, decision="repeat")
    record_decision(actor=world.users[Role.DIRECTOR], enrolment=enrolment, decision="promoted")
    enrolment.refresh_from_db()
    assert enrolment.decision == "promoted"
    assert enrolment.decided_by == world.users[Role.DIRECTOR]
    steps = JourneyEvent.objects.filter(student=world.student, kind="decision")
    assert [s.detail["decision"] for s in steps] == ["repeat", "promoted"]
    assert steps.last().detail["previous"] == "repeat"  # type: ignore[union-attr]


def test_a_dropout_ends_the_enrolment_and_a_correction_reopens_it(world: World) -> None:
    enrolment = Enrolment.objects.get(student=world.student, status="active")
    record_decision(actor=None, enrolment=enrolment, decision="dropped_out")
    enrolment.refresh_from_db()
    assert enrolment.status == "ended"
    assert enrolment.ended_on is not None
    record_decision(actor=None, enrolment=enrolment, decision="repeat")
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    assert enrolment.ended_on is None


def test_orientation_names_a_stream_of_the_next_level(world: World) -> None:
    tc = Level.objects.get(code="TC")
    enrolment = _new_pupil(world, level=tc, stream=Stream.objects.get(level=tc, code="TCS"))
    with pytest.raises(InvalidInput):
        record_decision(actor=None, enrolment=enrolment, decision="oriented")
    with pytest.raises(InvalidInput):
        record_decision(
            actor=None,
            enrolment=enrolment,
            decision="oriented",
            stream=Stream.objects.get(level__code="2BAC", code="SVT"),
        )
    sexp = Stream.objects.get(level__code="1BAC", code="SEXP")
    record_decision(actor=None, enrolment=enrolment, decision="oriented", stream=sexp)
    enrolment.refresh_from_db()
    assert enrolment.decision_stream == sexp


def test_only_the_last_level_of_a_cycle_is_completed(world: World) -> None:
    enrolment = Enrolment.objects.get(student=world.student, status="active")  # P5
    with pytest.raises(InvalidInput):
        record_decision(actor=None, enrolment=enrolment, decision="graduated")
    p6 = _new_pupil(world, level=Level.objects.get(code="P6"))
    record_decision(actor=None, enrolment=p6, decision="graduated")


def test_merging_keeps_the_whole_history_on_the_record_kept(world: World) -> None:
    twin = _new_pupil(
        world,
        school=world.other_school,
        first_name_ar="ياسين",
        last_name_ar="العلوي",
        first_name_latn="Yacine",
        last_name_latn="Alaoui",
        birth_date=world.student.birth_date,
    ).student
    request_transfer(actor=None, student=twin, to_school=world.school, reason="Même élève ?")
    kept = merge_pupils(actor=world.users[Role.MINISTRY], keep=world.student, drop=twin)
    twin.refresh_from_db()
    assert twin.merged_into == kept
    assert twin.school is None
    # Both enrolments now belong to the kept record; the twin's current one has ended.
    enrolments = Enrolment.objects.filter(student=kept)
    assert enrolments.count() == 2
    assert enrolments.filter(status="active").count() == 1
    assert not Enrolment.objects.filter(student=twin).exists()
    assert Transfer.objects.get(student=kept).status == "cancelled"
    kinds = list(JourneyEvent.objects.filter(student=kept).values_list("kind", flat=True))
    assert kinds.count("enrolled") == 2
    assert kinds[-1] == "merged"
    assert DuplicateCandidate.objects.get(student=twin).status == "merged"
    assert AuditEvent.objects.filter(action="student.merge", object_id=str(kept.uuid)).exists()
    # The merged code is never handed out again: the row still holds it.
    assert Student.objects.filter(national_code=twin.national_code).exists()
    with pytest.raises(InvalidInput):
        merge_pupils(actor=None, keep=kept, drop=twin)
