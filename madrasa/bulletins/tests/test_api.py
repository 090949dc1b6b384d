"""The bulletins API: status, body, database, and scope."""

from __future__ import annotations

import json
from typing import Any

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.bulletins.models import Bulletin, BulletinRun
from madrasa.registry.models import Semester

from .factories import close_term


def _post(world: World, role: Role, url: str, body: dict[str, Any]) -> Any:
    return world.client(role).post(url, json.dumps(body), content_type="application/json")


def test_a_parent_gets_only_published_bulletins(
    world: World, computed: Bulletin, s1: Semester
) -> None:
    url = f"/api/v1/pupils/{world.student.uuid}/bulletins"
    assert world.client(Role.PARENT).get(url).json() == []
    assert len(world.client(Role.DIRECTOR).get(url).json()) == 1
    close_term(world.school, s1)
    published = _post(
        world,
        Role.DIRECTOR,
        f"/api/v1/schools/{world.school.uuid}/bulletins/publish",
        {"period": "S1"},
    )
    assert published.status_code == 200
    assert published.json() == {"published": 2}
    (body,) = world.client(Role.PARENT).get(url).json()
    assert body["general_average"] == "9.00"
    assert body["national_code"] == world.student.national_code
    lines = {line["subject"]: line for line in body["lines"]}
    assert lines["MATH"]["average"] == "13.50"
    assert lines["FR"]["marks_counted"] == 2
    assert (
        world.client(Role.PARENT)
        .get(f"/api/v1/pupils/{world.other_student.uuid}/bulletins")
        .status_code
        == 404
    )


def test_a_class_list_is_for_staff(world: World, computed: Bulletin) -> None:
    url = f"/api/v1/classes/{world.classes[0].uuid}/bulletins?period=S1"
    rows = world.client(Role.TEACHER).get(url).json()
    assert [r["rank"] for r in rows] == [1, 2]
    assert world.client(Role.PARENT).get(url).status_code == 404
    assert (
        world.client(Role.DIRECTOR)
        .get(f"/api/v1/classes/{world.classes[1].uuid}/bulletins")
        .status_code
        == 404
    )


def test_a_run_is_started_and_followed(
    world: World, computed: Bulletin, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            world,
            Role.DIRECTORATE,
            "/api/v1/bulletin-runs",
            {"scope": "province", "code": world.province.code, "period": "S1"},
        )
    assert response.status_code == 202, response.content
    run_uuid = response.json()["uuid"]
    progress = world.client(Role.DIRECTORATE).get(f"/api/v1/bulletin-runs/{run_uuid}").json()
    assert (progress["status"], progress["done"], progress["total"]) == ("done", 1, 1)
    assert BulletinRun.objects.get(uuid=run_uuid).scope_code == world.province.code
    assert world.client(Role.DIRECTOR).get(f"/api/v1/bulletin-runs/{run_uuid}").status_code == 404


def test_a_run_outside_the_scope_is_not_found(world: World) -> None:
    for role, body in (
        (
            Role.DIRECTORATE,
            {"scope": "province", "code": world.other_province.code, "period": "S1"},
        ),
        (Role.DIRECTOR, {"scope": "school", "code": world.other_school.code, "period": "S1"}),
        (Role.ACADEMY, {"scope": "nation", "period": "S1"}),
        (Role.TEACHER, {"scope": "school", "code": world.school.code, "period": "S1"}),
    ):
        response = _post(world, role, "/api/v1/bulletin-runs", body)
        assert response.status_code == 404, (role, response.content)
    assert not BulletinRun.objects.exists()


def test_only_the_director_publishes(world: World, computed: Bulletin, s1: Semester) -> None:
    close_term(world.school, s1)
    url = f"/api/v1/schools/{world.school.uuid}/bulletins/publish"
    assert _post(world, Role.DIRECTORATE, url, {"period": "S1"}).status_code == 403
    refused = _post(
        world,
        Role.DIRECTOR,
        f"/api/v1/schools/{world.other_school.uuid}/bulletins/publish",
        {"period": "S1"},
    )
    assert refused.status_code == 404
    assert not Bulletin.objects.filter(published_at__isnull=False).exists()
