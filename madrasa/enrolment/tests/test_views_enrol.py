"""Enrolling a pupil: a new one (who gets a national code) or one who already has a code."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.enrolment.models import Enrolment, JourneyEvent
from madrasa.registry.models import DuplicateCandidate, Level, Student
from madrasa.registry.services import create_student


def _client(world: World, role: Role, lang: str = "fr") -> Client:
    client = world.client(role)
    client.cookies["madrasa_language"] = lang
    return client


def _new_pupil(world: World, **changes: Any) -> dict[str, Any]:
    data = {
        "new-first_name_ar": "آية",
        "new-last_name_ar": "التازي",
        "new-first_name_latn": "Aya",
        "new-last_name_latn": "Tazi",
        "new-birth_date": "2015-10-02",
        "new-birth_place_ar": "الرباط",
        "new-birth_place_latn": "Rabat",
        "new-gender": "F",
        "new-school_class": str(world.classes[0].uuid),
        "new-level": "",
    }
    return data | {f"new-{k}": v for k, v in changes.items()}


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_enrol_page_offers_both_forms(world: World, lang: str) -> None:
    response = _client(world, Role.DIRECTOR, lang).get(f"/schools/{world.school.uuid}/enrol/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="national_code"' in html
    assert 'name="new-first_name_ar"' in html
    assert str(world.classes[0].uuid) in html


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_new_pupil_is_enrolled_with_a_national_code(world: World, lang: str) -> None:
    client = _client(world, Role.DIRECTOR, lang)
    response = client.post(f"/schools/{world.school.uuid}/enrol/new/", _new_pupil(world))
    assert response.status_code == 302
    student = Student.objects.get(first_name_latn="Aya", last_name_latn="Tazi")
    assert response["Location"] == f"/pupils/{student.uuid}/"
    enrolment = Enrolment.objects.get(student=student)
    assert (enrolment.school, enrolment.school_class) == (world.school, world.classes[0])
    assert enrolment.level.code == "P5"
    assert student.birth_place_latn == "Rabat"
    # the profile shows the code that was allocated
    profile = client.get(response["Location"]).content.decode()
    assert student.national_code in profile
    assert profile.count(student.national_code) >= 2  # in the message and in the identity


def test_a_new_pupil_without_a_class_needs_a_level(world: World) -> None:
    client = _client(world, Role.DIRECTOR, "en")
    url = f"/schools/{world.school.uuid}/enrol/new/"
    response = client.post(url, _new_pupil(world, school_class=""))
    assert response.status_code == 422
    assert "Choose a class, or a level without a class." in response.content.decode()
    level = Level.objects.get(code="P1")
    response = client.post(url, _new_pupil(world, school_class="", level=f"L{level.pk}"))
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(student__first_name_latn="Aya")
    assert (enrolment.level, enrolment.school_class) == (level, None)


def test_the_services_refusal_is_shown_on_the_new_pupil_form(world: World) -> None:
    client = _client(world, Role.DIRECTOR, "en")
    response = client.post(
        f"/schools/{world.school.uuid}/enrol/new/", _new_pupil(world, birth_date="1900-01-01")
    )
    assert response.status_code == 422
    assert "is not a plausible birth date" in response.content.decode()
    assert not Student.objects.filter(first_name_latn="Aya").exists()


def test_possible_duplicates_are_flagged_after_a_new_enrolment(world: World) -> None:
    # given the same pupil already in the registry, in the same school
    client = _client(world, Role.DIRECTOR, "en")
    data = _new_pupil(
        world,
        first_name_ar="ياسين",
        last_name_ar="العلوي",
        first_name_latn="Yacine",
        last_name_latn="Alaoui",
        birth_date="2012-03-01",
        gender="M",
    )
    # when the director enrols a "new" pupil with nearly the same identity
    response = client.post(f"/schools/{world.school.uuid}/enrol/new/", data)
    new = Student.objects.get(first_name_latn="Yacine")
    # then the pair is flagged and the profile says so
    assert DuplicateCandidate.objects.filter(student=new, other=world.student).exists()
    html = client.get(response["Location"]).content.decode()
    assert "may be the same pupil" in html
    assert "Possible duplicates" in html
    assert "A100000001" in html


def test_a_pupil_with_a_code_is_enrolled_by_that_code(world: World) -> None:
    # given a pupil known to the registry but not enrolled this year
    pupil = create_student(
        actor=None,
        national_code="A100000077",
        first_name_ar="عمر",
        last_name_ar="برادة",
        first_name_latn="Omar",
        last_name_latn="Berrada",
        birth_date=date(2013, 6, 5),
        gender="M",
        school=None,
    )
    client = _client(world, Role.DIRECTOR, "fr")
    response = client.post(
        f"/schools/{world.school.uuid}/enrol/",
        {"national_code": " a100000077 ", "school_class": str(world.classes[0].uuid)},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/pupils/{pupil.uuid}/"
    pupil.refresh_from_db()
    assert pupil.school == world.school
    assert JourneyEvent.objects.filter(student=pupil, kind="enrolled").exists()


def test_a_pupil_enrolled_elsewhere_is_sent_to_a_transfer(world: World) -> None:
    client = _client(world, Role.DIRECTOR, "en")
    response = client.post(
        f"/schools/{world.school.uuid}/enrol/",
        {"national_code": "B200000002", "school_class": str(world.classes[0].uuid)},
    )
    assert response.status_code == 422
    assert "ask for a transfer" in response.content.decode()
    assert Enrolment.objects.filter(student=world.other_student).count() == 1


def test_an_unknown_code_is_refused_next_to_the_field(world: World) -> None:
    client = _client(world, Role.DIRECTOR, "en")
    response = client.post(
        f"/schools/{world.school.uuid}/enrol/",
        {"national_code": "Z999999999", "school_class": str(world.classes[0].uuid)},
    )
    assert response.status_code == 422
    assert "No pupil has the national code Z999999999." in response.content.decode()


def test_a_class_of_another_school_is_not_a_choice(world: World) -> None:
    client = _client(world, Role.DIRECTOR, "en")
    response = client.post(
        f"/schools/{world.school.uuid}/enrol/new/",
        _new_pupil(world, school_class=str(world.classes[1].uuid)),
    )
    assert response.status_code == 422
    assert not Student.objects.filter(first_name_latn="Aya").exists()


def test_a_director_cannot_enrol_in_another_school(world: World) -> None:
    client = world.client(Role.DIRECTOR)
    url = f"/schools/{world.other_school.uuid}/enrol/new/"
    assert client.get(url).status_code == 404
    assert client.post(url, _new_pupil(world)).status_code == 404
    assert not Student.objects.filter(first_name_latn="Aya").exists()
    assert world.client(Role.TEACHER).get(f"/schools/{world.school.uuid}/enrol/").status_code == (
        403
    )
