"""Registry API: status, body, and scope (own vs other) for each endpoint."""

from __future__ import annotations

from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role


def test_anonymous_callers_get_401_with_a_code(world: World) -> None:
    response = Client().get("/api/v1/regions")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_me_describes_the_caller(world: World) -> None:
    body = world.client(Role.DIRECTOR).get("/api/v1/me").json()
    assert body["username"] == "director.user"
    assert body["roles"] == ["director"]
    assert body["primary_role"] == "director"


def test_reference_lists_are_complete(world: World) -> None:
    client = world.client(Role.PARENT)
    regions = client.get("/api/v1/regions").json()
    provinces = client.get("/api/v1/provinces").json()
    assert len(regions) == 12
    assert len(provinces) == 75
    assert {"code": "04", "name_fr": "Rabat-Salé-Kénitra"}.items() <= regions[3].items()


def test_an_academy_reads_its_region_figures_but_not_another_region(world: World) -> None:
    client = world.client(Role.ACADEMY)
    body = client.get("/api/v1/regions/04").json()
    rabat = next(p for p in body["provinces"] if p["code"] == "421")
    assert (rabat["schools"], rabat["pupils"]) == (1, 1)
    other = client.get("/api/v1/regions/06")
    assert other.status_code == 404
    assert other.json()["code"] == "not_found"


def test_a_parent_reads_the_child_and_not_another_pupil(world: World) -> None:
    client = world.client(Role.PARENT)
    body = client.get(f"/api/v1/pupils/{world.student.uuid}").json()
    assert body["national_code"] == "A100000001"
    assert body["first_name_ar"] == "ياسين"
    assert body["school_uuid"] == str(world.school.uuid)
    assert client.get(f"/api/v1/pupils/{world.other_student.uuid}").status_code == 404


def test_a_malformed_uuid_is_a_422_with_a_code(world: World) -> None:
    response = world.client(Role.MINISTRY).get("/api/v1/schools/not-a-uuid")
    assert response.status_code in {404, 422}


def test_the_pupil_endpoint_uses_a_bounded_number_of_queries(
    world: World, django_assert_max_num_queries: object
) -> None:
    client = world.client(Role.DIRECTOR)
    with django_assert_max_num_queries(8):  # type: ignore[operator]  # pytest-django fixture
        assert client.get(f"/api/v1/pupils/{world.student.uuid}").status_code == 200


def test_pupil_search_is_paginated_and_scoped(world: World) -> None:
    body = world.client(Role.ACADEMY).get("/api/v1/pupils", {"q": "alaoui"}).json()
    assert body["count"] == 1
    assert body["items"][0]["national_code"] == "A100000001"
    assert body["items"][0]["school_uuid"] == str(world.school.uuid)
    nothing = world.client(Role.ACADEMY).get("/api/v1/pupils", {"q": "salma"}).json()
    assert nothing == {"items": [], "count": 0}


def test_pupil_search_in_another_school_is_refused(world: World) -> None:
    response = world.client(Role.DIRECTOR).get(
        "/api/v1/pupils", {"school": str(world.other_school.uuid)}
    )
    assert response.status_code == 404


def test_an_overlong_search_is_a_422_naming_the_field(world: World) -> None:
    response = world.client(Role.MINISTRY).get("/api/v1/pupils", {"q": "x" * 101})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_input"
    assert "q" in str(response.json()["detail"])


def test_the_director_records_a_guardian_and_the_parent_sees_it(world: World) -> None:
    import json

    url = f"/api/v1/pupils/{world.student.uuid}/guardians"
    body = {
        "relation": "mother",
        "first_name_ar": "نادية",
        "last_name_ar": "العلوي",
        "first_name_latn": "Nadia",
        "last_name_latn": "Alaoui",
        "national_id": "ab123456",
        "phone": "0612345678",
        "is_primary": True,
    }
    director = world.client(Role.DIRECTOR)
    response = director.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["relation"] == "mother"
    again = director.post(
        url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert again.status_code == 422
    assert again.json()["detail"] == "This guardian is already linked to the pupil."
    bad = director.post(
        url,
        json.dumps({**body, "national_id": "123"}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad.status_code == 422
    assert "national identity card" in bad.json()["detail"]
    parent = world.client(Role.PARENT)
    assert [g["first_name_latn"] for g in parent.get(url).json()] == ["Nadia"]
    assert "national_id" not in parent.get(url).json()[0]
    # The teacher may read the pupil of their class but not record a guardian.
    teacher = world.client(Role.TEACHER)
    assert teacher.post(url, json.dumps(body), content_type="application/json").status_code == 403
    other = f"/api/v1/pupils/{world.other_student.uuid}/guardians"
    assert (
        director.post(other, json.dumps(body), content_type="application/json").status_code == 404
    )
