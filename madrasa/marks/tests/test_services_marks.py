"""save_marks, create_assessment and parse_mark: validation messages, upsert, history, audit,
idempotence, and a bounded query count whatever the class size."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.audit import verify_chain
from madrasa.core.errors import InvalidInput
from madrasa.core.models import AuditEvent
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import create_class, current_year
from madrasa.grading.models import Subject
from madrasa.marks.models import Assessment, Mark, MarkEvent
from madrasa.marks.services import (
    MarkErrors,
    MarkSyntaxError,
    create_assessment,
    parse_mark,
    save_marks,
)
from madrasa.registry.models import Level

from .conftest import fill_class, new_assessment, semester

TWENTY = Decimal(20)


# parse_mark ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value", "absence"),
    [
        ("12,5", Decimal("12.50"), ""),
        ("12.5", Decimal("12.50"), ""),
        (" 20 ", Decimal("20.00"), ""),
        ("0", Decimal("0.00"), ""),
        ("12.500", Decimal("12.50"), ""),
        ("\u0661\u0662\u066b\u0665", Decimal("12.50"), ""),  # Arabic-Indic digits
        ("abj", None, "ABJ"),
        ("Abn", None, "ABN"),
        ("DIS", None, "DIS"),
        ("", None, ""),
        ("   ", None, ""),
    ],
)
def test_it_reads_marks_typed_with_a_comma_a_point_or_an_absence_code(
    raw: str, value: Decimal | None, absence: str
) -> None:
    parsed = parse_mark(raw, scale_max=TWENTY)
    assert (parsed.value, parsed.absence) == (value, absence)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("21", "above_maximum"),
        ("20,01", "above_maximum"),
        ("12.555", "too_many_decimals"),
        ("-1", "not_a_mark"),
        ("1e1", "not_a_mark"),
        ("douze", "not_a_mark"),
        ("12,5,5", "not_a_mark"),
        ("ABX", "not_a_mark"),
        ("NaN", "not_a_mark"),
    ],
)
def test_it_refuses_what_is_not_a_mark(raw: str, code: str) -> None:
    with pytest.raises(MarkSyntaxError) as refused:
        parse_mark(raw, scale_max=TWENTY)
    assert refused.value.code == code


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2000), st.sampled_from([",", "."]))
def test_every_mark_of_the_scale_round_trips(cents: int, separator: str) -> None:
    value = Decimal(cents) / 100
    text = f"{value:.2f}".replace(".", separator)
    assert parse_mark(text, scale_max=TWENTY).value == value


# create_assessment -----------------------------------------------------------------------------


def test_it_numbers_the_controles_up_to_the_subject_s_count(world: World) -> None:
    # P5 mathematics has 4 contrôles per semester
    numbers = [new_assessment(world.classes[0]).number for _ in range(4)]
    assert numbers == [1, 2, 3, 4]
    with pytest.raises(InvalidInput) as refused:
        new_assessment(world.classes[0])
    assert refused.value.code == "all_assessments_exist"
    assert "4" in str(refused.value.message)
    # another semester starts again at 1; a subject with 2 contrôles stops at 2
    assert new_assessment(world.classes[0], semester_number=2).number == 1
    assert [new_assessment(world.classes[0], "ART").number for _ in range(2)] == [1, 2]
    with pytest.raises(InvalidInput):
        new_assessment(world.classes[0], "ART")
    assert AuditEvent.objects.filter(action="marks.create_assessment").count() == 7


def test_it_returns_an_existing_assessment_when_its_number_is_given(world: World) -> None:
    kwargs: dict[str, Any] = {
        "actor": world.users[Role.TEACHER],
        "school_class": world.classes[0],
        "subject": Subject.objects.get(code="MATH"),
        "semester": semester(1),
        "number": 2,
    }
    first, created = create_assessment(**kwargs)
    again, created_again = create_assessment(**kwargs)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert Assessment.objects.count() == 1


def test_it_refuses_a_subject_the_level_does_not_have(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        new_assessment(world.classes[0], "PHILO")
    assert refused.value.code == "subject_not_taught"


def test_only_the_last_year_of_college_sits_a_local_exam(world: World) -> None:
    kwargs: dict[str, Any] = {
        "actor": None,
        "subject": Subject.objects.get(code="MATH"),
        "semester": semester(2),
        "kind": Assessment.Kind.LOCAL_EXAM,
    }
    with pytest.raises(InvalidInput) as refused:
        create_assessment(school_class=world.classes[0], **kwargs)
    assert refused.value.code == "no_local_exam"
    c3 = create_class(
        actor=None,
        school=world.school,
        year=current_year(),
        level=Level.objects.get(code="C3"),
        name="3AC-1",
    )
    exam, created = create_assessment(school_class=c3, **kwargs)
    assert created
    assert (exam.kind, exam.number) == ("local_exam", 1)
    with pytest.raises(InvalidInput):
        create_assessment(school_class=c3, **kwargs)


# save_marks ------------------------------------------------------------------------------------


def _key(enrolment: Enrolment) -> str:
    return str(enrolment.uuid)


def test_it_saves_marks_with_history_and_one_audit_entry(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    teacher = world.users[Role.TEACHER]
    others = fill_class(world.classes[0], 2)
    result = save_marks(
        actor=teacher,
        assessment=assessment,
        entries=[(_key(enrolment), "12,5"), (_key(others[0]), "abj"), (_key(others[1]), "")],
    )
    assert (result.created, result.updated, result.deleted, result.unchanged) == (2, 0, 0, 1)
    marks = {m.enrolment_id: m for m in Mark.objects.filter(assessment=assessment)}
    assert marks[enrolment.pk].value == Decimal("12.50")
    assert marks[others[0].pk].absence == "ABJ"
    assert marks[enrolment.pk].updated_by == teacher
    events = list(MarkEvent.objects.filter(assessment=assessment))
    assert len(events) == 2
    audit = AuditEvent.objects.get(action="marks.save")
    assert audit.data["created"] == 2
    assert audit.actor_id == teacher.pk
    assert {e.audit_seq for e in events} == {audit.seq}
    assert {(e.old_value, e.new_value, e.new_absence, e.actor_id) for e in events} == {
        (None, Decimal("12.50"), "", teacher.pk),
        (None, None, "ABJ", teacher.pk),
    }
    assert verify_chain().ok


def test_sending_the_same_grid_again_writes_nothing(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    entries = [(_key(enrolment), "14")]
    save_marks(actor=None, assessment=assessment, entries=entries)
    again = save_marks(actor=None, assessment=assessment, entries=[(_key(enrolment), "14,00")])
    assert (again.changed, again.unchanged, again.audit_seq) == (0, 1, None)
    assert MarkEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action="marks.save").count() == 1


def test_it_changes_and_removes_marks_keeping_the_old_values(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "9")])
    director = world.users[Role.DIRECTOR]
    changed = save_marks(actor=director, assessment=assessment, entries=[(enrolment.pk, "ABN")])
    assert (changed.created, changed.updated) == (0, 1)
    removed = save_marks(actor=director, assessment=assessment, entries=[(enrolment.pk, " ")])
    assert removed.deleted == 1
    assert not Mark.objects.filter(assessment=assessment).exists()
    history = [
        (e.old_value, e.old_absence, e.new_value, e.new_absence)
        for e in MarkEvent.objects.filter(enrolment=enrolment).order_by("id")
    ]
    assert history == [
        (None, "", Decimal("9.00"), ""),
        (Decimal("9.00"), "", None, "ABN"),
        (None, "ABN", None, ""),
    ]


def test_one_wrong_value_saves_nothing_and_says_which_pupil_what_and_why(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    others = fill_class(world.classes[0], 2)
    with pytest.raises(MarkErrors) as refused:
        save_marks(
            actor=None,
            assessment=assessment,
            entries=[(_key(enrolment), "25"), (_key(others[0]), "12"), (_key(others[1]), "1,234")],
        )
    errors = {e.enrolment_uuid: e for e in refused.value.errors}
    assert len(errors) == 2
    wrong = errors[_key(enrolment)]
    assert wrong.code == "above_maximum"
    assert wrong.message == (
        "Yassine Alaoui (A100000001): «25» is refused: it is above the maximum of 20."
    )
    assert errors[_key(others[1])].code == "too_many_decimals"
    assert "Numero001" in errors[_key(others[1])].message
    assert "1,234" in errors[_key(others[1])].message
    assert refused.value.code == "invalid_marks"
    assert str(refused.value.message) == "2 marks need fixing; nothing was saved."
    assert not Mark.objects.exists()
    assert not MarkEvent.objects.exists()


def test_only_pupils_actively_enrolled_in_the_class_have_marks(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    elsewhere = Enrolment.objects.get(student=world.other_student)
    left = fill_class(world.classes[0], 1)[0]
    Enrolment.objects.filter(pk=left.pk).update(status=Enrolment.Status.ENDED)
    with pytest.raises(MarkErrors) as refused:
        save_marks(
            actor=None,
            assessment=assessment,
            entries=[
                (_key(elsewhere), "10"),
                (_key(left), "10"),
                ("not-a-uuid", "10"),
                (_key(enrolment), "10"),
                (_key(enrolment), "11"),
            ],
        )
    codes = [e.code for e in refused.value.errors]
    assert codes == ["not_in_class", "not_in_class", "not_in_class", "given_twice"]
    assert world.other_student.national_code not in " ".join(
        e.message for e in refused.value.errors
    )


@pytest.mark.parametrize("size", [5, 45])
def test_saving_a_class_takes_a_bounded_number_of_queries(
    world: World, assessment: Assessment, size: int, django_assert_max_num_queries: Any
) -> None:
    pupils = [*fill_class(world.classes[0], size - 1), Enrolment.objects.get(student=world.student)]
    first = [(_key(e), f"{i % 20},5") for i, e in enumerate(pupils)]
    with django_assert_max_num_queries(16):
        result = save_marks(actor=world.users[Role.TEACHER], assessment=assessment, entries=first)
    assert result.created == size
    # change every mark, remove a few
    second = [(_key(e), "" if i < 3 else "abj") for i, e in enumerate(pupils)]
    with django_assert_max_num_queries(16):
        result = save_marks(actor=world.users[Role.TEACHER], assessment=assessment, entries=second)
    assert (result.updated, result.deleted) == (size - 3, 3)
    assert MarkEvent.objects.count() == 2 * size
    # the same grid again: reads only
    with django_assert_max_num_queries(6):
        save_marks(actor=world.users[Role.TEACHER], assessment=assessment, entries=second)


def test_the_history_cannot_be_rewritten_on_postgresql(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    from django.db import DatabaseError, connection, transaction

    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "10")])
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    for attempt in (
        lambda: MarkEvent.objects.update(reason="rewritten"),
        lambda: MarkEvent.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assert MarkEvent.objects.get().reason == ""
