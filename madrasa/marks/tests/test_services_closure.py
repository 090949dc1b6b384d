"""After the director closes the term: changes become requests with a reason, which the director
(never the one who asked) approves or refuses; all audited."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.audit import verify_chain
from madrasa.core.errors import InvalidInput
from madrasa.core.models import AuditEvent
from madrasa.enrolment.models import Enrolment
from madrasa.marks.models import Assessment, Mark, MarkChangeRequest, MarkEvent, TermClosure
from madrasa.marks.services import close_term, decide_change_request, save_marks

from .conftest import semester


def _close(world: World) -> None:
    close_term(actor=world.users[Role.DIRECTOR], school=world.school, semester=semester(1))


def test_closing_a_term_is_audited_and_safe_to_repeat(world: World) -> None:
    director = world.users[Role.DIRECTOR]
    closure, created = close_term(
        actor=director, school=world.school, semester=semester(1), missing=3
    )
    again, created_again = close_term(actor=director, school=world.school, semester=semester(1))
    assert (created, created_again) == (True, False)
    assert closure.pk == again.pk
    assert TermClosure.objects.count() == 1
    audit = AuditEvent.objects.get(action="marks.close_term")
    assert audit.data == {"year": semester(1).year.code, "semester": 1, "missing": 3}


def test_a_closed_term_refuses_a_change_without_a_reason(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "8")])
    _close(world)
    with pytest.raises(InvalidInput) as refused:
        save_marks(
            actor=world.users[Role.TEACHER], assessment=assessment, entries=[(enrolment.pk, "9")]
        )
    assert refused.value.code == "term_closed"
    # an unchanged grid is still fine
    result = save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "8")])
    assert result.unchanged == 1
    assert Mark.objects.get().value == Decimal("8.00")


def test_a_change_after_closure_waits_for_the_director(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    teacher, director = world.users[Role.TEACHER], world.users[Role.DIRECTOR]
    save_marks(actor=teacher, assessment=assessment, entries=[(enrolment.pk, "8")])
    _close(world)
    result = save_marks(
        actor=teacher,
        assessment=assessment,
        entries=[(enrolment.pk, "12")],
        reason="Erreur de saisie : copie revue",
    )
    assert (result.requested, result.changed) == (1, 0)
    assert Mark.objects.get().value == Decimal("8.00")
    request = MarkChangeRequest.objects.get()
    assert (request.old_value, request.new_value, request.status) == (
        Decimal("8.00"),
        Decimal("12.00"),
        "pending",
    )
    # the same request sent again changes nothing
    again = save_marks(
        actor=teacher,
        assessment=assessment,
        entries=[(enrolment.pk, "12")],
        reason="Erreur de saisie : copie revue",
    )
    assert again.requested == 0
    assert MarkChangeRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action="marks.request_change").count() == 1

    decide_change_request(actor=director, change=request, approve=True, note="Vu la copie")
    mark = Mark.objects.get()
    assert (mark.value, mark.updated_by) == (Decimal("12.00"), director)
    event = MarkEvent.objects.order_by("id").last()
    assert event is not None
    assert (event.old_value, event.new_value, event.actor, event.reason) == (
        Decimal("8.00"),
        Decimal("12.00"),
        director,
        "Erreur de saisie : copie revue",
    )
    audit = AuditEvent.objects.get(action="marks.approve_change")
    assert event.audit_seq == audit.seq
    assert audit.data["requested_by"] == teacher.pk
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.decision_note) == (
        "approved",
        director,
        "Vu la copie",
    )
    with pytest.raises(InvalidInput) as twice:
        decide_change_request(actor=director, change=request, approve=True)
    assert twice.value.code == "already_decided"
    assert verify_chain().ok


def test_a_refused_request_leaves_the_mark(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    teacher, director = world.users[Role.TEACHER], world.users[Role.DIRECTOR]
    _close(world)
    save_marks(actor=teacher, assessment=assessment, entries=[(enrolment.pk, "abj")], reason="x")
    request = MarkChangeRequest.objects.get()
    decide_change_request(actor=director, change=request, approve=False, note="Non justifié")
    assert not Mark.objects.exists()
    assert not MarkEvent.objects.exists()
    assert MarkChangeRequest.objects.get().status == "refused"
    assert AuditEvent.objects.filter(action="marks.refuse_change").count() == 1


def test_nobody_approves_their_own_request(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    director = world.users[Role.DIRECTOR]
    _close(world)
    save_marks(actor=director, assessment=assessment, entries=[(enrolment.pk, "10")], reason="r")
    request = MarkChangeRequest.objects.get()
    with pytest.raises(InvalidInput) as refused:
        decide_change_request(actor=director, change=request, approve=True)
    assert refused.value.code == "own_request"
    # withdrawing (refusing) one's own request is allowed
    decide_change_request(actor=director, change=request, approve=False)
    assert MarkChangeRequest.objects.get().status == "refused"


def test_a_new_request_replaces_the_pending_one(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    teacher = world.users[Role.TEACHER]
    _close(world)
    save_marks(actor=teacher, assessment=assessment, entries=[(enrolment.pk, "10")], reason="a")
    save_marks(actor=teacher, assessment=assessment, entries=[(enrolment.pk, "11")], reason="b")
    request = MarkChangeRequest.objects.get()
    assert (request.new_value, request.reason) == (Decimal("11.00"), "b")


def test_the_other_semester_stays_open(world: World, enrolment: Enrolment) -> None:
    from .conftest import new_assessment

    _close(world)
    second = new_assessment(world.classes[0], semester_number=2)
    result = save_marks(actor=None, assessment=second, entries=[(enrolment.pk, "15")])
    assert result.created == 1
