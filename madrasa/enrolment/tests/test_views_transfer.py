"""Transfers through the pages: a parent asks, the receiving director accepts, the receiving
school's directorate approves; refusals carry a reason; scope is checked at every step."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from conftest import PASSWORD, World
from madrasa.accounts.models import User
from madrasa.accounts.roles import Role
from madrasa.accounts.services import assign_role, create_user
from madrasa.enrolment.models import Enrolment, JourneyEvent, Transfer
from madrasa.enrolment.services import request_transfer
from madrasa.registry.models import School, Student
from madrasa.registry.services import create_school


@dataclass
class Receiving:
    school: School
    director: User


def _receiving(world: World) -> Receiving:
    """A second school in the same province (so world's directorate decides), with a director."""
    school = create_school(
        actor=None,
        code="T0009",
        name_fr="École Al Khawarizmi",
        name_ar="مدرسة الخوارزمي",
        province=world.province,
        milieu="urban",
    )
    director = create_user(actor=None, username="director.receiving", password=PASSWORD)
    assign_role(actor=None, user=director, role=Role.DIRECTOR, school=school)
    return Receiving(school, director)


def _as(user: User, lang: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["madrasa_language"] = lang
    return client


def _client(world: World, role: Role, lang: str = "en") -> Client:
    return _as(world.users[role], lang)


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_request_form_finds_schools_by_name_or_code(world: World, lang: str) -> None:
    receiving = _receiving(world)
    client = _client(world, Role.PARENT, lang)
    url = f"/pupils/{world.student.uuid}/transfer/"
    assert client.get(url).status_code == 200
    by_name = client.get(url, {"q": "khawarizmi"}).content.decode()
    assert str(receiving.school.uuid) in by_name
    by_arabic = client.get(url, {"q": "الخوارزمي"}).content.decode()
    assert str(receiving.school.uuid) in by_arabic
    by_code = client.get(url, {"q": "t0002"}).content.decode()
    assert str(world.other_school.uuid) in by_code
    # the pupil's own school is not a choice
    assert str(world.school.uuid) not in client.get(url, {"q": "T0001"}).content.decode()


def test_a_transfer_goes_from_the_parent_to_the_directorate_and_moves_the_pupil(
    world: World,
) -> None:
    receiving = _receiving(world)
    # 1. the parent asks
    parent = _client(world, Role.PARENT)
    response = parent.post(
        f"/pupils/{world.student.uuid}/transfer/?q=khawarizmi",
        {"to_school": str(receiving.school.uuid), "reason": "The family moves to Agdal"},
    )
    transfer = Transfer.objects.get(student=world.student)
    assert response.status_code == 302
    assert response["Location"] == f"/transfers/{transfer.uuid}/"
    assert transfer.status == "pending_school"
    assert "Waiting for the receiving school" in parent.get(response["Location"]).content.decode()

    # 2. the receiving director sees it in the queue and accepts
    director = _as(receiving.director)
    queue = director.get("/transfers/").content.decode()
    assert "Waiting for your decision" in queue
    assert "A100000001" in queue
    assert "5th year of primary" in queue or "Primary year 5" in queue  # the pupil's level
    response = director.post(
        f"/transfers/{transfer.uuid}/decision/",
        {"decision": "accept", "note": "A place in 5th year", "next": "queue"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/transfers/"
    transfer.refresh_from_db()
    assert transfer.status == "pending_directorate"

    # the sending director cannot decide for the receiving school
    sending = _client(world, Role.DIRECTOR)
    assert sending.post(
        f"/transfers/{transfer.uuid}/decision/", {"decision": "accept"}
    ).status_code == (403)

    # 3. the directorate of the receiving school approves
    directorate = _client(world, Role.DIRECTORATE)
    assert "Waiting for your decision" in directorate.get("/transfers/").content.decode()
    response = directorate.post(f"/transfers/{transfer.uuid}/decision/", {"decision": "accept"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "approved"

    # the pupil is now in the new school, without a class yet
    student = Student.objects.get(pk=world.student.pk)
    assert student.school == receiving.school
    new = Enrolment.objects.get(student=student, status="active")
    assert (new.school, new.school_class) == (receiving.school, None)
    school_page = director.get(f"/schools/{receiving.school.uuid}/").content.decode()
    assert "Pupils without a class" in school_page
    assert "A100000001" in school_page

    # the request page lists every step with who and why
    page = parent.get(f"/transfers/{transfer.uuid}/").content.decode()
    assert "The family moves to Agdal" in page
    assert "Accepted by the receiving school" in page
    assert "A place in 5th year" in page
    assert "Approved by the provincial directorate" in page
    assert "By director.receiving" in page

    # and the journey shows each step
    profile = parent.get(f"/pupils/{world.student.uuid}/").content.decode()
    for kind in ("transfer_requested", "transfer_school_ok", "transfer_approved"):
        assert f"step-{kind}" in profile
    assert "To École Al Khawarizmi (T0009)" in profile
    assert "From École Ibn Sina (T0001)" in profile
    kinds = list(JourneyEvent.objects.filter(student=student).values_list("kind", flat=True))
    assert kinds == ["enrolled", "transfer_requested", "transfer_school_ok", "transfer_approved"]


def test_a_refusal_needs_a_reason(world: World) -> None:
    receiving = _receiving(world)
    transfer = request_transfer(
        actor=world.users[Role.PARENT],
        student=world.student,
        to_school=receiving.school,
        reason="Closer to home",
    )
    director = _as(receiving.director)
    url = f"/transfers/{transfer.uuid}/decision/"
    response = director.post(url, {"decision": "refuse", "note": ""})
    assert response.status_code == 422
    assert "Give the reason for the refusal." in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == "pending_school"
    response = director.post(url, {"decision": "refuse", "note": "Classes are full"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert (transfer.status, transfer.school_note) == ("refused", "Classes are full")
    page = _client(world, Role.PARENT).get(f"/transfers/{transfer.uuid}/").content.decode()
    assert "Refused by the receiving school" in page
    assert "Classes are full" in page
    profile = _client(world, Role.PARENT).get(f"/pupils/{world.student.uuid}/").content.decode()
    assert "step-transfer_refused" in profile
    assert Student.objects.get(pk=world.student.pk).school == world.school


def test_the_directorate_refuses_with_a_reason(world: World) -> None:
    receiving = _receiving(world)
    transfer = request_transfer(
        actor=None, student=world.student, to_school=receiving.school, reason="Closer to home"
    )
    _as(receiving.director).post(f"/transfers/{transfer.uuid}/decision/", {"decision": "accept"})
    directorate = _client(world, Role.DIRECTORATE)
    response = directorate.post(
        f"/transfers/{transfer.uuid}/decision/", {"decision": "refuse", "note": "Zone rule"}
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert (transfer.status, transfer.directorate_note) == ("refused", "Zone rule")
    assert (
        b"Refused by the provincial directorate"
        in directorate.get(f"/transfers/{transfer.uuid}/").content
    )


def test_the_directorate_waits_for_the_school_first(world: World) -> None:
    receiving = _receiving(world)
    transfer = request_transfer(
        actor=None, student=world.student, to_school=receiving.school, reason="Closer to home"
    )
    response = _client(world, Role.DIRECTORATE).post(
        f"/transfers/{transfer.uuid}/decision/", {"decision": "accept"}
    )
    assert response.status_code == 422
    assert "not waiting for the directorate" in response.content.decode()


def test_the_parent_cancels_an_open_request(world: World) -> None:
    receiving = _receiving(world)
    transfer = request_transfer(
        actor=None, student=world.student, to_school=receiving.school, reason="Closer to home"
    )
    parent = _client(world, Role.PARENT)
    assert (
        f"/transfers/{transfer.uuid}/cancel/"
        in parent.get(f"/transfers/{transfer.uuid}/").content.decode()
    )
    assert parent.post(f"/transfers/{transfer.uuid}/cancel/").status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "cancelled"


def test_a_second_request_while_one_is_open_is_refused(world: World) -> None:
    receiving = _receiving(world)
    request_transfer(
        actor=None, student=world.student, to_school=receiving.school, reason="Closer to home"
    )
    response = _client(world, Role.DIRECTOR).post(
        f"/pupils/{world.student.uuid}/transfer/",
        {"to_school": str(world.other_school.uuid), "reason": "Another reason"},
    )
    assert response.status_code == 422
    assert "already open" in response.content.decode()


def test_the_request_needs_a_school_and_a_reason(world: World) -> None:
    response = _client(world, Role.PARENT).post(f"/pupils/{world.student.uuid}/transfer/", {})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Choose the receiving school." in html
    assert not Transfer.objects.exists()


def test_nobody_else_asks_for_a_transfer(world: World) -> None:
    url = f"/pupils/{world.student.uuid}/transfer/"
    for role in (Role.TEACHER, Role.DIRECTORATE, Role.MINISTRY, Role.PUPIL):
        assert world.client(role).get(url).status_code == 403, role
    other = f"/pupils/{world.other_student.uuid}/transfer/"
    assert world.client(Role.PARENT).post(other, {"reason": "x"}).status_code == 404
    assert world.client(Role.DIRECTOR).get(other).status_code == 404


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize(
    "role", [Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.PARENT]
)
def test_the_queue_and_the_request_page_render(world: World, role: Role, lang: str) -> None:
    receiving = _receiving(world)
    transfer = request_transfer(
        actor=None, student=world.student, to_school=receiving.school, reason="Closer to home"
    )
    client = _client(world, role, lang)
    queue = client.get("/transfers/")
    assert queue.status_code == 200
    assert "A100000001" in queue.content.decode()
    page = client.get(f"/transfers/{transfer.uuid}/")
    assert page.status_code == 200
    ago = "منذ" if lang == "ar" else "il y a"
    assert ago in page.content.decode() or "قبل" in page.content.decode()


def test_requests_of_another_territory_stay_hidden(world: World) -> None:
    transfer = request_transfer(
        actor=None,
        student=world.other_student,
        to_school=create_school(
            actor=None,
            code="T0010",
            name_fr="École Anfa",
            name_ar="مدرسة أنفا",
            province=world.other_province,
            milieu="urban",
        ),
        reason="Closer to home",
    )
    for role in (Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.PARENT):
        client = world.client(role)
        assert b"B200000002" not in client.get("/transfers/?closed=1").content
        assert client.get(f"/transfers/{transfer.uuid}/").status_code == 404
        assert client.post(f"/transfers/{transfer.uuid}/cancel/").status_code == 404
    transfer.refresh_from_db()
    assert transfer.status == "pending_school"
