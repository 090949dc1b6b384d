"""Possible duplicates: the list, the side-by-side comparison, merging and dismissing."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.enrolment.models import JourneyEvent
from madrasa.registry.models import DuplicateCandidate, Student
from madrasa.registry.services import create_student


def _client(world: World, role: Role, lang: str = "en") -> Client:
    client = world.client(role)
    client.cookies["madrasa_language"] = lang
    return client


def _twin(world: World) -> DuplicateCandidate:
    """A second record of world.student, created in the same school."""
    twin = create_student(
        actor=None,
        first_name_ar="ياسين",
        last_name_ar="العلوي",
        first_name_latn="Yacine",
        last_name_latn="Alaoui",
        birth_date=world.student.birth_date,
        gender="M",
        school=world.school,
    )
    return DuplicateCandidate.objects.get(student=twin, other=world.student)


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize("role", [Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE])
def test_the_list_and_the_comparison_render(world: World, role: Role, lang: str) -> None:
    pair = _twin(world)
    client = _client(world, role, lang)
    listing = client.get("/duplicates/")
    assert listing.status_code == 200
    assert f"/duplicates/{pair.pk}/" in listing.content.decode()
    page = client.get(f"/duplicates/{pair.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert pair.student.national_code in html
    assert "A100000001" in html
    assert "Yacine Alaoui" in html
    assert "Yassine Alaoui" in html
    assert 'name="keep"' in html


def test_the_comparison_gives_the_score_and_the_reasons(world: World) -> None:
    pair = _twin(world)
    html = _client(world, Role.DIRECTORATE).get(f"/duplicates/{pair.pk}/").content.decode()
    assert f"Score {pair.score} out of 100" in html
    assert "Same date of birth" in html
    assert "Similar name in Arabic script" in html


def test_the_pupil_profile_links_to_the_comparison_for_those_who_merge(world: World) -> None:
    pair = _twin(world)
    url = f"/pupils/{world.student.uuid}/"
    assert f"/duplicates/{pair.pk}/" in _client(world, Role.DIRECTORATE).get(url).content.decode()
    director = _client(world, Role.DIRECTOR).get(url).content.decode()
    assert "Possible duplicates" in director
    assert f"/duplicates/{pair.pk}/" not in director


def test_a_merge_keeps_the_chosen_record(world: World) -> None:
    # given a flagged pair
    pair = _twin(world)
    twin = pair.student
    client = _client(world, Role.DIRECTORATE)
    # when the directorate keeps the older record
    response = client.post(f"/duplicates/{pair.pk}/merge/", {"keep": str(world.student.uuid)})
    # then the twin points to it, and the journey says so
    assert response.status_code == 302
    assert response["Location"] == f"/pupils/{world.student.uuid}/"
    assert Student.objects.get(pk=twin.pk).merged_into_id == world.student.pk
    pair.refresh_from_db()
    assert pair.status == "merged"
    assert JourneyEvent.objects.filter(student=world.student, kind="merged").exists()
    html = client.get(response["Location"]).content.decode()
    assert f"{twin.national_code} is merged into A100000001" in html
    assert f"/duplicates/{pair.pk}/" not in client.get("/duplicates/").content.decode()


def test_a_merge_needs_a_choice(world: World) -> None:
    pair = _twin(world)
    response = _client(world, Role.DIRECTORATE).post(f"/duplicates/{pair.pk}/merge/", {})
    assert response.status_code == 422
    assert Student.objects.get(pk=pair.student_id).merged_into_id is None


def test_not_the_same_person(world: World) -> None:
    pair = _twin(world)
    client = _client(world, Role.ACADEMY)
    response = client.post(f"/duplicates/{pair.pk}/dismiss/")
    assert response.status_code == 302
    assert response["Location"] == "/duplicates/"
    pair.refresh_from_db()
    assert pair.status == "dismissed"
    page = client.get(f"/duplicates/{pair.pk}/").content.decode()
    assert "Reviewed by academy.user" in page
    assert 'name="keep"' not in page


def test_directors_and_families_do_not_merge(world: World) -> None:
    pair = _twin(world)
    for role in (Role.DIRECTOR, Role.TEACHER, Role.PARENT, Role.PUPIL):
        client = world.client(role)
        assert client.get("/duplicates/").status_code == 403, role
        assert client.get(f"/duplicates/{pair.pk}/").status_code == 403, role
        assert client.post(
            f"/duplicates/{pair.pk}/merge/", {"keep": str(world.student.uuid)}
        ).status_code == (403), role
    assert Student.objects.get(pk=pair.student_id).merged_into_id is None


def test_an_academy_does_not_see_pairs_of_another_region(world: World) -> None:
    twin = create_student(
        actor=None,
        first_name_ar=world.other_student.first_name_ar,
        last_name_ar=world.other_student.last_name_ar,
        first_name_latn="Selma",
        last_name_latn="Bennani",
        birth_date=world.other_student.birth_date,
        gender="F",
        school=world.other_school,
    )
    pair = DuplicateCandidate.objects.get(student=twin)
    client = world.client(Role.ACADEMY)
    assert client.get(f"/duplicates/{pair.pk}/").status_code == 404
    assert client.post(f"/duplicates/{pair.pk}/dismiss/").status_code == 404
    assert b"B200000002" not in client.get("/duplicates/").content
    pair.refresh_from_db()
    assert pair.status == "open"
