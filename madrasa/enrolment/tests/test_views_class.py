"""A class list, and moving a pupil to another class."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.enrolment.models import Enrolment, JourneyEvent, SchoolClass
from madrasa.enrolment.services import create_class, current_year
from madrasa.registry.models import Level


def _client(world: World, role: Role, lang: str) -> Client:
    client = world.client(role)
    client.cookies["madrasa_language"] = lang
    return client


def _second_class(world: World, name: str = "5B") -> SchoolClass:
    return create_class(
        actor=None,
        school=world.school,
        year=current_year(),
        level=Level.objects.get(code="P5"),
        name=name,
    )


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize(
    "role", [Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.TEACHER]
)
def test_the_class_list_shows_the_pupils_in_both_scripts(
    world: World, role: Role, lang: str
) -> None:
    response = _client(world, role, lang).get(f"/classes/{world.classes[0].uuid}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "A100000001" in html
    assert "العلوي ياسين" in html
    assert "ALAOUI Yassine" in html
    assert "teacher.user" in html  # the class's teacher
    assert "B200000002" not in html


def test_a_teacher_cannot_open_a_class_they_do_not_teach(world: World) -> None:
    other = _second_class(world)
    assert world.client(Role.TEACHER).get(f"/classes/{other.uuid}/").status_code == 404
    assert world.client(Role.DIRECTOR).get(f"/classes/{other.uuid}/").status_code == 200


def test_a_director_cannot_open_another_school_class(world: World) -> None:
    response = world.client(Role.DIRECTOR).get(f"/classes/{world.classes[1].uuid}/")
    assert response.status_code == 404


def test_the_director_moves_a_pupil_to_another_class(world: World) -> None:
    # given a second 5th-year class
    target = _second_class(world)
    client = _client(world, Role.DIRECTOR, "fr")
    enrolment = Enrolment.objects.get(student=world.student, status="active")
    page = client.get(f"/classes/{world.classes[0].uuid}/").content.decode()
    assert f"/enrolments/{enrolment.uuid}/move/" in page
    # when the director moves the pupil
    response = client.post(
        f"/enrolments/{enrolment.uuid}/move/", {"school_class": str(target.uuid)}
    )
    # then the pupil is in the new class, and the journey says so
    assert response.status_code == 302
    assert response["Location"] == f"/classes/{world.classes[0].uuid}/"
    enrolment.refresh_from_db()
    assert enrolment.school_class == target
    step = JourneyEvent.objects.get(student=world.student, kind="class_changed")
    assert step.detail == {"before": "5A", "after": "5B"}
    assert "A100000001" in client.get(f"/classes/{target.uuid}/").content.decode()
    assert "A100000001" not in client.get(f"/classes/{world.classes[0].uuid}/").content.decode()


def test_a_move_is_only_to_a_class_of_the_same_level(world: World) -> None:
    other_level = create_class(
        actor=None,
        school=world.school,
        year=current_year(),
        level=Level.objects.get(code="P6"),
        name="6A",
    )
    enrolment = Enrolment.objects.get(student=world.student, status="active")
    client = _client(world, Role.DIRECTOR, "en")
    response = client.post(
        f"/enrolments/{enrolment.uuid}/move/", {"school_class": str(other_level.uuid)}
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.school_class == world.classes[0]
    html = client.get(response["Location"]).content.decode()
    assert "Choose a class of the same level and stream." in html


def test_a_director_cannot_move_a_pupil_of_another_school(world: World) -> None:
    enrolment = Enrolment.objects.get(student=world.other_student, status="active")
    response = world.client(Role.DIRECTOR).post(
        f"/enrolments/{enrolment.uuid}/move/", {"school_class": str(world.classes[0].uuid)}
    )
    assert response.status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.school_class == world.classes[1]


def test_the_class_list_uses_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: object
) -> None:
    client = world.client(Role.DIRECTOR)
    url = f"/classes/{world.classes[0].uuid}/"
    client.get(url)
    with django_assert_max_num_queries(20):  # type: ignore[operator]  # pytest-django fixture
        assert client.get(url).status_code == 200
