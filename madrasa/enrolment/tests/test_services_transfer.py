"""A transfer from request to approval or refusal, and the journey it leaves."""

from __future__ import annotations

import pytest

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.errors import InvalidInput
from madrasa.enrolment.models import Enrolment, JourneyEvent, Transfer
from madrasa.enrolment.services import (
    cancel_transfer,
    decide_transfer_as_directorate,
    decide_transfer_as_school,
    request_transfer,
)
from madrasa.registry.models import Student


def _request(world: World) -> Transfer:
    return request_transfer(
        actor=world.users[Role.PARENT],
        student=world.student,
        to_school=world.other_school,
        reason="La famille déménage à Casablanca",
    )


def test_an_approved_transfer_moves_the_pupil_and_shows_every_step(world: World) -> None:
    transfer = _request(world)
    assert transfer.status == "pending_school"
    transfer = decide_transfer_as_school(actor=None, transfer=transfer, accept=True, note="Place")
    assert transfer.status == "pending_directorate"
    transfer = decide_transfer_as_directorate(actor=None, transfer=transfer, approve=True)
    assert transfer.status == "approved"
    student = Student.objects.get(pk=world.student.pk)
    assert student.school == world.other_school
    old, new = Enrolment.objects.filter(student=student).order_by("id")
    assert (old.status, old.school) == ("transferred", world.school)
    assert (new.status, new.school, new.level) == ("active", world.other_school, old.level)
    kinds = list(JourneyEvent.objects.filter(student=student).values_list("kind", flat=True))
    assert kinds == ["enrolled", "transfer_requested", "transfer_school_ok", "transfer_approved"]


def test_a_refusal_needs_a_reason_and_leaves_the_pupil_where_they_are(world: World) -> None:
    transfer = _request(world)
    with pytest.raises(InvalidInput, match="reason"):
        decide_transfer_as_school(actor=None, transfer=transfer, accept=False)
    transfer = decide_transfer_as_school(
        actor=None, transfer=transfer, accept=False, note="Classes pleines"
    )
    assert transfer.status == "refused"
    assert Student.objects.get(pk=world.student.pk).school == world.school
    refused = JourneyEvent.objects.get(student=world.student, kind="transfer_refused")
    assert refused.detail == {"by": "school", "note": "Classes pleines"}


def test_the_directorate_can_refuse_after_the_school_accepted(world: World) -> None:
    transfer = decide_transfer_as_school(actor=None, transfer=_request(world), accept=True)
    transfer = decide_transfer_as_directorate(
        actor=None, transfer=transfer, approve=False, note="Carte scolaire"
    )
    assert transfer.status == "refused"
    assert transfer.directorate_note == "Carte scolaire"


def test_steps_happen_in_order_and_only_once(world: World) -> None:
    transfer = _request(world)
    with pytest.raises(InvalidInput):
        decide_transfer_as_directorate(actor=None, transfer=transfer, approve=True)
    with pytest.raises(InvalidInput, match="already open"):
        _request(world)
    cancel_transfer(actor=None, transfer=transfer)
    with pytest.raises(InvalidInput):
        decide_transfer_as_school(actor=None, transfer=transfer, accept=True)
    # Once closed, a new request can be made.
    assert _request(world).status == "pending_school"


def test_a_pupil_not_enrolled_this_year_cannot_be_transferred(world: World) -> None:
    Enrolment.objects.filter(student=world.student).update(status="ended")
    with pytest.raises(InvalidInput, match="not enrolled"):
        _request(world)
