"""The enrolment API end to end, and across scopes (a director of school A and school B)."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.accounts.services import assign_role, create_user
from madrasa.enrolment.models import Enrolment, Transfer
from madrasa.registry.models import Student


def _post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(
        url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_a_director_creates_a_class_and_enrols_a_new_pupil(world: World) -> None:
    client = world.client(Role.DIRECTOR)
    response = _post(
        client,
        f"/api/v1/schools/{world.school.uuid}/classes",
        {"name": "TC-1", "level": "TC", "stream": "TCS"},
    )
    assert response.status_code == 201, response.content
    klass = response.json()
    assert (klass["level"], klass["stream"], klass["capacity"]) == ("TC", "TCS", 45)
    response = _post(
        client,
        "/api/v1/enrolments",
        {
            "school": str(world.school.uuid),
            "level": "TC",
            "stream": "TCS",
            "class": klass["uuid"],
            "pupil": {
                "first_name_ar": "هبة",
                "last_name_ar": "التازي",
                "first_name_latn": "Hiba",
                "last_name_latn": "Tazi",
                "birth_date": "2011-06-30",
                "gender": "F",
            },
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["class_name"] == "TC-1"
    assert body["national_code"].startswith("D")
    pupils = client.get(f"/api/v1/classes/{klass['uuid']}/pupils").json()
    assert [p["national_code"] for p in pupils] == [body["national_code"]]
    journey = client.get(f"/api/v1/pupils/{body['student_uuid']}/journey").json()
    assert [step["kind"] for step in journey] == ["enrolled"]


def test_bad_input_gets_a_precise_error(world: World) -> None:
    client = world.client(Role.DIRECTOR)
    url = f"/api/v1/schools/{world.school.uuid}/classes"
    response = _post(client, url, {"name": "X", "level": "ZZ"})
    assert response.status_code == 422
    assert response.json() == {"code": "invalid_input", "detail": "Unknown level ZZ."}
    response = _post(client, url, {"name": "X", "level": "TC"})
    assert response.status_code == 422
    assert "stream" in response.json()["detail"]


def test_a_director_cannot_touch_another_school(world: World) -> None:
    client = world.client(Role.DIRECTOR)
    other = Enrolment.objects.get(student=world.other_student)
    assert _post(
        client, f"/api/v1/schools/{world.other_school.uuid}/classes", {"name": "Z", "level": "P1"}
    ).status_code in {403, 404}
    assert (
        _post(
            client, f"/api/v1/enrolments/{other.uuid}/decision", {"decision": "repeat"}
        ).status_code
        == 404
    )
    assert (
        _post(
            client, f"/api/v1/enrolments/{other.uuid}/class", {"class": str(world.classes[0].uuid)}
        ).status_code
        == 404
    )
    response = _post(
        client,
        "/api/v1/enrolments",
        {
            "school": str(world.other_school.uuid),
            "level": "P5",
            "student": str(world.other_student.uuid),
        },
    )
    assert response.status_code in {403, 404}
    assert client.get(f"/api/v1/classes/{world.classes[1].uuid}/pupils").status_code == 404
    other.refresh_from_db()
    assert other.decision == ""


def test_a_teacher_sees_only_the_classes_taught(world: World) -> None:
    client = world.client(Role.TEACHER)
    classes = client.get(f"/api/v1/schools/{world.school.uuid}/classes").json()
    assert [c["uuid"] for c in classes] == [str(world.classes[0].uuid)]
    assert classes[0]["pupil_count"] == 1


def test_the_decision_endpoint_records_an_orientation(world: World) -> None:
    client = world.client(Role.DIRECTOR)
    enrolment = Enrolment.objects.get(student=world.student)
    response = _post(
        client,
        f"/api/v1/enrolments/{enrolment.uuid}/decision",
        {"decision": "promoted", "note": "Bien"},
    )
    assert response.status_code == 200, response.content
    assert (response.json()["decision"], response.json()["decision_note"]) == ("promoted", "Bien")


def test_a_transfer_goes_from_the_parent_to_the_school_and_the_directorate(world: World) -> None:
    parent = world.client(Role.PARENT)
    response = _post(
        parent,
        "/api/v1/transfers",
        {
            "student": str(world.student.uuid),
            "to_school": str(world.other_school.uuid),
            "reason": "Déménagement",
        },
    )
    assert response.status_code == 201, response.content
    transfer_uuid = response.json()["uuid"]
    # The receiving school is in another province: its director and directorate decide.
    receiving_director = create_user(actor=None, username="receiving.director", password="x" * 12)
    assign_role(actor=None, user=receiving_director, role=Role.DIRECTOR, school=world.other_school)
    receiving_directorate = create_user(actor=None, username="receiving.dp", password="x" * 12)
    assign_role(
        actor=None, user=receiving_directorate, role=Role.DIRECTORATE, province=world.other_province
    )
    # The pupil's own director cannot decide for the receiving school.
    own_director = world.client(Role.DIRECTOR)
    url = f"/api/v1/transfers/{transfer_uuid}/decision"
    assert _post(own_director, url, {"accept": True}).status_code == 403
    director = Client()
    director.force_login(receiving_director)
    queue = director.get("/api/v1/transfers").json()["items"]
    assert [t["uuid"] for t in queue] == [transfer_uuid]
    # While the request is open, the receiving director may open the pupil's record.
    assert director.get(f"/api/v1/pupils/{world.student.uuid}").status_code == 200
    assert _post(director, url, {"accept": True}).json()["status"] == "pending_directorate"
    directorate = Client()
    directorate.force_login(receiving_directorate)
    assert _post(directorate, url, {"accept": True}).json()["status"] == "approved"
    assert Student.objects.get(pk=world.student.pk).school == world.other_school
    assert Transfer.objects.get(uuid=transfer_uuid).status == "approved"
    journey = parent.get(f"/api/v1/pupils/{world.student.uuid}/journey").json()
    assert [s["kind"] for s in journey][-3:] == [
        "transfer_requested",
        "transfer_school_ok",
        "transfer_approved",
    ]


def test_a_teacher_cannot_ask_for_a_transfer(world: World) -> None:
    response = _post(
        world.client(Role.TEACHER),
        "/api/v1/transfers",
        {
            "student": str(world.student.uuid),
            "to_school": str(world.other_school.uuid),
            "reason": "xyz",
        },
    )
    assert response.status_code == 403


def test_the_directorate_merges_a_flagged_pair(world: World) -> None:
    client = world.client(Role.DIRECTOR)
    response = _post(
        client,
        "/api/v1/enrolments",
        {
            "school": str(world.school.uuid),
            "level": "P5",
            "pupil": {
                "first_name_ar": "ياسين",
                "last_name_ar": "العلوي",
                "first_name_latn": "Yacine",
                "last_name_latn": "Alaoui",
                "birth_date": world.student.birth_date.isoformat(),
                "gender": "M",
            },
        },
    )
    assert response.status_code == 201
    directorate = world.client(Role.DIRECTORATE)
    pairs = directorate.get("/api/v1/duplicates").json()["items"]
    assert len(pairs) == 1
    assert pairs[0]["other_code"] == world.student.national_code
    assert world.client(Role.DIRECTOR).get("/api/v1/duplicates").status_code == 403
    response = _post(
        directorate, f"/api/v1/duplicates/{pairs[0]['id']}/merge", {"keep": str(world.student.uuid)}
    )
    assert response.status_code == 200, response.content
    assert directorate.get("/api/v1/duplicates").json()["items"] == []
    twin = Student.objects.get(uuid=pairs[0]["student_uuid"])
    assert twin.merged_into_id == world.student.pk
