"""The ministry's structure page: school years and semesters, cycles, levels and streams."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.registry.models import SchoolYear, Stream


def _client(world: World, role: Role, lang: str = "en") -> Client:
    client = world.client(role)
    client.cookies["madrasa_language"] = lang
    return client


@pytest.mark.parametrize("lang", ["ar", "fr"])
@pytest.mark.parametrize(
    "role", [Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.TEACHER]
)
def test_the_structure_page_renders(world: World, role: Role, lang: str) -> None:
    response = _client(world, role, lang).get("/structure/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "2025-2026" in html
    assert "TCS" in html
    level = "الجذع المشترك" if lang == "ar" else "Tronc commun"
    assert level in html
    assert ('name="semester_split"' in html) is (role == Role.MINISTRY)


def test_families_do_not_open_the_structure_page(world: World) -> None:
    assert world.client(Role.PARENT).get("/structure/").status_code == 403


def test_the_ministry_creates_a_school_year(world: World) -> None:
    client = _client(world, Role.MINISTRY)
    response = client.post(
        "/structure/years/",
        {
            "code": "2027-2028",
            "starts_on": "2027-09-06",
            "ends_on": "2028-07-01",
            "semester_split": "2028-01-31",
        },
    )
    assert response.status_code == 302
    year = SchoolYear.objects.get(code="2027-2028")
    first, second = year.semesters.order_by("number")
    assert (str(first.ends_on), str(second.starts_on)) == ("2028-01-30", "2028-01-31")
    assert "The school year 2027-2028 is created." in client.get("/structure/").content.decode()


def test_a_bad_year_is_refused_next_to_the_form(world: World) -> None:
    client = _client(world, Role.MINISTRY)
    response = client.post(
        "/structure/years/",
        {
            "code": "2027-2029",
            "starts_on": "2027-09-06",
            "ends_on": "2028-07-01",
            "semester_split": "2028-01-31",
        },
    )
    assert response.status_code == 422
    assert "is not a school year" in response.content.decode()
    response = client.post("/structure/years/", {"code": "2027-2028"})
    assert response.status_code == 422
    assert "This field is required." in response.content.decode()
    assert not SchoolYear.objects.filter(code__startswith="2027").exists()


def _another_year() -> str:
    year = SchoolYear.objects.filter(is_current=False).order_by("starts_on").first()
    assert year is not None
    return year.code


def test_the_ministry_sets_the_current_year(world: World) -> None:
    client = _client(world, Role.MINISTRY)
    code = _another_year()
    response = client.post("/structure/current-year/", {"year": code})
    assert response.status_code == 302
    assert SchoolYear.objects.get(is_current=True).code == code


def test_the_ministry_adds_a_stream_to_a_level(world: World) -> None:
    client = _client(world, Role.MINISTRY)
    data = {
        "level": "1BAC",
        "code": "sinfo",
        "name_fr": "Sciences informatiques",
        "name_ar": "شعبة علوم الحاسوب",
    }
    assert client.post("/structure/streams/", data).status_code == 302
    stream = Stream.objects.get(level__code="1BAC", code="SINFO")
    assert stream.name_ar == "شعبة علوم الحاسوب"
    again = client.post("/structure/streams/", data)
    assert again.status_code == 422
    assert "already has a stream SINFO" in again.content.decode()


@pytest.mark.parametrize("role", [Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR])
def test_only_the_ministry_changes_the_structure(world: World, role: Role) -> None:
    client = world.client(role)
    code = _another_year()
    assert client.post("/structure/current-year/", {"year": code}).status_code == 403
    assert SchoolYear.objects.get(is_current=True).code != code
