"""Year-end decisions: a grid per class, saved in one POST, all or nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.enrolment.models import Enrolment, JourneyEvent
from madrasa.enrolment.services import create_class, current_year, enrol_student
from madrasa.registry.models import Level, Stream, Student
from madrasa.registry.services import create_student


def _client(world: World, role: Role, lang: str = "fr") -> Client:
    client = world.client(role)
    client.cookies["madrasa_language"] = lang
    return client


def _second_pupil(world: World) -> Enrolment:
    pupil = create_student(
        actor=None,
        first_name_ar="مريم",
        last_name_ar="لحلو",
        first_name_latn="Meryem",
        last_name_latn="Lahlou",
        birth_date=date(2014, 2, 2),
        gender="F",
        school=world.school,
    )
    return enrol_student(
        actor=None,
        student=pupil,
        school=world.school,
        level=world.classes[0].level,
        school_class=world.classes[0],
    )


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_the_decisions_pages_render_for_the_director(world: World, lang: str) -> None:
    client = _client(world, Role.DIRECTOR, lang)
    overview = client.get(f"/schools/{world.school.uuid}/decisions/")
    assert overview.status_code == 200
    assert f"/classes/{world.classes[0].uuid}/decisions/" in overview.content.decode()
    grid = client.get(f"/classes/{world.classes[0].uuid}/decisions/")
    assert grid.status_code == 200
    enrolment = Enrolment.objects.get(student=world.student)
    assert f'name="d-{enrolment.uuid}"' in grid.content.decode()
    assert 'value="promoted"' in grid.content.decode()
    assert 'value="graduated"' not in grid.content.decode()  # P5 does not end the cycle


def test_one_post_saves_every_changed_row(world: World) -> None:
    # given two pupils in the class, one already decided
    second = _second_pupil(world)
    first = Enrolment.objects.get(student=world.student)
    client = _client(world, Role.DIRECTOR)
    url = f"/classes/{world.classes[0].uuid}/decisions/"
    client.post(url, {f"d-{second.uuid}": "repeat", f"n-{second.uuid}": ""})
    # when the director saves the grid with one new decision and the other unchanged
    response = client.post(
        url,
        {
            f"d-{first.uuid}": "promoted",
            f"n-{first.uuid}": "Très bon travail",
            f"d-{second.uuid}": "repeat",
            f"n-{second.uuid}": "",
        },
    )
    # then
    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.decision, first.decision_note) == ("promoted", "Très bon travail")
    assert JourneyEvent.objects.filter(student=second.student, kind="decision").count() == 1
    assert JourneyEvent.objects.filter(student=world.student, kind="decision").count() == 1


def test_a_row_error_saves_nothing_and_is_shown_on_its_row(world: World) -> None:
    second = _second_pupil(world)
    first = Enrolment.objects.get(student=world.student)
    client = _client(world, Role.DIRECTOR, "en")
    response = client.post(
        f"/classes/{world.classes[0].uuid}/decisions/",
        {
            f"d-{first.uuid}": "promoted",
            f"d-{second.uuid}": "graduated",  # not offered in P5
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This decision is not possible for this level." in html
    assert "nothing was saved" in html
    first.refresh_from_db()
    assert first.decision == ""
    # the posted choice stays selected for the director to correct
    assert '<option value="promoted" selected>' in html


def test_an_orientation_names_a_stream_of_the_next_level(world: World) -> None:
    # given a class of the 3rd year of collège (the next level, tronc commun, has streams)
    year = current_year()
    c3 = Level.objects.get(code="C3")
    school_class = create_class(actor=None, school=world.school, year=year, level=c3, name="3A")
    pupil = Student.objects.get(pk=world.student.pk)
    Enrolment.objects.filter(student=pupil).update(level=c3, school_class=school_class)
    enrolment = Enrolment.objects.get(student=pupil)
    tcs = Stream.objects.get(level__code="TC", code="TCS")
    client = _client(world, Role.DIRECTOR, "fr")
    url = f"/classes/{school_class.uuid}/decisions/"
    grid = client.get(url).content.decode()
    assert f'value="oriented:{tcs.pk}"' in grid
    assert "Tronc commun scientifique" in grid
    assert 'value="graduated"' in grid  # C3 ends the collège cycle
    # when
    response = client.post(url, {f"d-{enrolment.uuid}": f"oriented:{tcs.pk}"})
    # then
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.decision, enrolment.decision_stream) == ("oriented", tcs)
    profile = client.get(f"/pupils/{pupil.uuid}/").content.decode()
    assert "Tronc commun scientifique" in profile


def test_an_empty_post_changes_nothing(world: World) -> None:
    response = world.client(Role.DIRECTOR).post(f"/classes/{world.classes[0].uuid}/decisions/")
    assert response.status_code == 302
    assert not JourneyEvent.objects.filter(kind="decision").exists()


def test_only_the_director_of_the_school_records_decisions(world: World) -> None:
    other_enrolment = Enrolment.objects.get(student=world.other_student)
    director = world.client(Role.DIRECTOR)
    response = director.post(
        f"/classes/{world.classes[1].uuid}/decisions/",
        {f"d-{other_enrolment.uuid}": "repeat"},
    )
    assert response.status_code == 404
    assert director.get(f"/schools/{world.other_school.uuid}/decisions/").status_code == 404
    teacher = world.client(Role.TEACHER)
    assert teacher.get(f"/classes/{world.classes[0].uuid}/decisions/").status_code == 403
    other_enrolment.refresh_from_db()
    assert other_enrolment.decision == ""
