"""The school page and creating a class: who sees what, the director's actions, scope."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.enrolment.models import SchoolClass, TeachingAssignment
from madrasa.enrolment.services import create_class, current_year
from madrasa.registry.models import Level, Stream
from madrasa.registry.services import create_school


def _client(world: World, role: Role, lang: str) -> Client:
    client = world.client(role)
    client.cookies["madrasa_language"] = lang
    return client


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize(
    "role", [Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.TEACHER]
)
def test_the_school_page_shows_the_classes_in_the_page_language(
    world: World, role: Role, lang: str
) -> None:
    response = _client(world, role, lang).get(f"/schools/{world.school.uuid}/")
    assert response.status_code == 200
    html = response.content.decode()
    name = "مدرسة ابن سينا" if lang == "ar" else "École Ibn Sina"
    level = "السنة الخامسة ابتدائي" if lang == "ar" else "5e année primaire"
    assert name in html
    assert level in html
    assert f"/classes/{world.classes[0].uuid}/" in html
    assert "MATH" in html  # the class's teacher and subject


def test_the_director_gets_the_school_actions(world: World) -> None:
    html = _client(world, Role.DIRECTOR, "fr").get(f"/schools/{world.school.uuid}/").content
    for link in ("classes/new/", "enrol/", "decisions/", "/transfers/"):
        assert link.encode() in html
    ministry = _client(world, Role.MINISTRY, "fr").get(f"/schools/{world.school.uuid}/").content
    assert b"classes/new/" not in ministry


def test_a_teacher_sees_only_the_classes_they_teach(world: World) -> None:
    # given a second class of the school that the teacher does not teach
    other = create_class(
        actor=None,
        school=world.school,
        year=current_year(),
        level=Level.objects.get(code="P6"),
        name="6B",
    )
    # when the teacher and the director open the school page
    teacher = _client(world, Role.TEACHER, "fr").get(f"/schools/{world.school.uuid}/").content
    director = _client(world, Role.DIRECTOR, "fr").get(f"/schools/{world.school.uuid}/").content
    # then
    assert str(other.uuid).encode() not in teacher
    assert str(world.classes[0].uuid).encode() in teacher
    assert str(other.uuid).encode() in director


def test_the_page_names_the_satellite_units_of_a_main_school(world: World) -> None:
    create_school(
        actor=None,
        code="T0001S",
        name_fr="Unité satellite Douar",
        name_ar="الفرعية دوار",
        province=world.province,
        milieu="rural",
        main_school=world.school,
    )
    html = _client(world, Role.DIRECTOR, "fr").get(f"/schools/{world.school.uuid}/").content
    assert "Unité satellite Douar".encode() in html
    assert b"Public" in html
    assert b"Urbain" in html or b"Urban" in html


def test_parents_cannot_open_a_school_page(world: World) -> None:
    assert world.client(Role.PARENT).get(f"/schools/{world.school.uuid}/").status_code == 404


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_director_creates_a_class(world: World, lang: str) -> None:
    client = _client(world, Role.DIRECTOR, lang)
    url = f"/schools/{world.school.uuid}/classes/new/"
    assert client.get(url).status_code == 200
    level = Level.objects.get(code="P6")
    response = client.post(
        url,
        {"year": current_year().pk, "level": f"L{level.pk}", "name": " 6 A ", "capacity": 40},
    )
    school_class = SchoolClass.objects.get(school=world.school, name="6 A")
    assert response.status_code == 302
    assert response["Location"] == f"/classes/{school_class.uuid}/"
    assert (school_class.level, school_class.capacity) == (level, 40)
    assert b"6 A" in client.get(response["Location"]).content


def test_a_class_of_a_level_with_streams_names_its_stream(world: World) -> None:
    client = _client(world, Role.DIRECTOR, "fr")
    url = f"/schools/{world.school.uuid}/classes/new/"
    tc = Level.objects.get(code="TC")
    # a level with streams is only offered with one of its streams
    form = client.get(url).content.decode()
    assert f'value="L{tc.pk}"' not in form
    stream = Stream.objects.get(level=tc, code="TCS")
    assert f'value="L{tc.pk}-S{stream.pk}"' in form
    response = client.post(
        url,
        {"year": current_year().pk, "level": f"L{tc.pk}-S{stream.pk}", "name": "TCS1"},
    )
    assert response.status_code == 422  # capacity is missing
    assert "capacity" in response.content.decode() or "Capacité" in response.content.decode()
    client.post(
        url,
        {
            "year": current_year().pk,
            "level": f"L{tc.pk}-S{stream.pk}",
            "name": "TCS1",
            "capacity": 45,
        },
    )
    assert SchoolClass.objects.get(name="TCS1").stream == stream


def test_the_service_refusal_shows_next_to_the_form(world: World) -> None:
    client = _client(world, Role.DIRECTOR, "en")
    level = Level.objects.get(code="P5")
    response = client.post(
        f"/schools/{world.school.uuid}/classes/new/",
        {"year": current_year().pk, "level": f"L{level.pk}", "name": "5A", "capacity": 45},
    )
    assert response.status_code == 422
    assert "already has a class named 5A" in response.content.decode()


def test_a_director_cannot_create_a_class_in_another_school(world: World) -> None:
    client = world.client(Role.DIRECTOR)
    url = f"/schools/{world.other_school.uuid}/classes/new/"
    level = Level.objects.get(code="P6")
    assert client.get(url).status_code == 404
    response = client.post(
        url, {"year": current_year().pk, "level": f"L{level.pk}", "name": "X", "capacity": 30}
    )
    assert response.status_code == 404
    assert not SchoolClass.objects.filter(name="X").exists()


def test_the_ministry_sees_the_school_but_does_not_run_it(world: World) -> None:
    client = world.client(Role.MINISTRY)
    assert client.get(f"/schools/{world.school.uuid}/classes/new/").status_code == 403


def test_the_director_assigns_a_teacher_of_the_school(world: World) -> None:
    client = _client(world, Role.DIRECTOR, "fr")
    teacher = world.users[Role.TEACHER]
    school_class = create_class(
        actor=None,
        school=world.school,
        year=current_year(),
        level=Level.objects.get(code="P6"),
        name="6B",
    )
    page = client.get(f"/classes/{school_class.uuid}/").content.decode()
    assert f'<option value="{teacher.pk}">' in page
    response = client.post(
        f"/classes/{school_class.uuid}/teachers/", {"teacher": teacher.pk, "subject": "Arabe"}
    )
    assert response.status_code == 302
    assert TeachingAssignment.objects.filter(
        teacher=teacher, school_class=school_class, subject="Arabe"
    ).exists()
    # a user who is not a teacher of this school is not a choice
    response = client.post(
        f"/classes/{school_class.uuid}/teachers/", {"teacher": world.users[Role.MINISTRY].pk}
    )
    assert response.status_code == 302
    assert not TeachingAssignment.objects.filter(teacher=world.users[Role.MINISTRY]).exists()


def test_a_teacher_cannot_assign_teachers(world: World) -> None:
    client = world.client(Role.TEACHER)
    response = client.post(
        f"/classes/{world.classes[0].uuid}/teachers/", {"teacher": world.users[Role.TEACHER].pk}
    )
    assert response.status_code == 403
