"""The marks API: assessments, the grid PUT (per-pupil errors, idempotent re-send, closed term),
history, a pupil's marks, term closure and change requests, each with a wrong-scope check."""

from __future__ import annotations

import json
from typing import Any

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.models import AuditEvent
from madrasa.enrolment.models import Enrolment
from madrasa.marks.models import Assessment, Mark, MarkChangeRequest, MarkEvent, TermClosure
from madrasa.marks.services import save_marks

from .conftest import new_assessment


def _put(client: Any, assessment: Assessment, body: dict[str, Any]) -> Any:
    return client.put(
        f"/api/v1/assessments/{assessment.uuid}/marks",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_a_teacher_creates_the_next_controle_and_a_re_send_creates_nothing(world: World) -> None:
    client = world.client(Role.TEACHER)
    url = f"/api/v1/classes/{world.classes[0].uuid}/assessments"
    first = client.post(url, {"subject": "math", "semester": 1}, content_type="application/json")
    assert first.status_code == 201, first.content
    assert (first.json()["number"], first.json()["subject"]) == (1, "MATH")
    again = client.post(
        url, {"subject": "MATH", "semester": 1, "number": 1}, content_type="application/json"
    )
    assert again.status_code == 200
    assert again.json()["uuid"] == first.json()["uuid"]
    listed = client.get(url).json()
    assert [a["number"] for a in listed] == [1]


def test_a_teacher_may_not_create_an_assessment_in_a_subject_not_taught(world: World) -> None:
    client = world.client(Role.TEACHER)
    url = f"/api/v1/classes/{world.classes[0].uuid}/assessments"
    response = client.post(url, {"subject": "FR", "semester": 1}, content_type="application/json")
    assert response.status_code == 403
    # nor see another class
    other = f"/api/v1/classes/{world.classes[1].uuid}/assessments"
    assert client.get(other).status_code == 404


def test_the_grid_is_saved_and_sent_again_without_effect(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    client = world.client(Role.TEACHER)
    body = {"entries": [{"enrolment": str(enrolment.uuid), "value": "12,5"}]}
    response = _put(client, assessment, body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["created"], data["unchanged"]) == (1, 0)
    assert data["audit_seq"] == AuditEvent.objects.get(action="marks.save").seq
    assert data["marks"][0]["text"] == "12.5"
    assert data["marks"][0]["value"] == "12.50"
    again = _put(client, assessment, body).json()
    assert (again["created"], again["unchanged"], again["audit_seq"]) == (0, 1, None)
    assert MarkEvent.objects.count() == 1
    listed = client.get(f"/api/v1/assessments/{assessment.uuid}/marks").json()
    assert listed[0]["national_code"] == world.student.national_code


def test_wrong_values_come_back_one_message_per_pupil(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    response = _put(
        world.client(Role.TEACHER),
        assessment,
        {"entries": [{"enrolment": str(enrolment.uuid), "value": "21"}]},
    )
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid_marks"
    assert data["errors"] == [
        {
            "enrolment": str(enrolment.uuid),
            "value": "21",
            "code": "above_maximum",
            "message": "Yassine Alaoui (A100000001): «21» is refused: "
            "it is above the maximum of 20.",
        }
    ]
    assert not Mark.objects.exists()


def test_the_messages_follow_the_language_of_the_request(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    response = world.client(Role.TEACHER).put(
        f"/api/v1/assessments/{assessment.uuid}/marks",
        data=json.dumps({"entries": [{"enrolment": str(enrolment.uuid), "value": "x"}]}),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="ar",
    )
    assert response.status_code == 422
    # the pupil is named in Arabic script on an Arabic request
    assert world.student.first_name_ar in response.json()["errors"][0]["message"]


def test_only_the_subject_s_teacher_and_the_director_write(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    body = {"entries": [{"enrolment": str(enrolment.uuid), "value": "10"}]}
    assert _put(world.client(Role.DIRECTOR), assessment, body).status_code == 200
    assert _put(world.client(Role.DIRECTORATE), assessment, body).status_code == 403
    assert _put(world.client(Role.PARENT), assessment, body).status_code == 404
    other = new_assessment(world.classes[1])
    assert _put(world.client(Role.TEACHER), other, body).status_code == 404
    # a teacher of another subject of the same class does not see the mathematics marks
    french = new_assessment(world.classes[0], "FR")
    assert world.client(Role.TEACHER).get(f"/api/v1/assessments/{french.uuid}").status_code == 404


def test_a_closed_term_turns_changes_into_requests_the_director_decides(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    teacher, director = world.client(Role.TEACHER), world.client(Role.DIRECTOR)
    closed = director.post(
        f"/api/v1/schools/{world.school.uuid}/term-closures",
        {"semester": 1},
        content_type="application/json",
    )
    assert closed.status_code == 201
    assert closed.json()["missing_marks"] == 1  # one pupil, one contrôle, no mark
    assert TermClosure.objects.count() == 1
    body: dict[str, Any] = {"entries": [{"enrolment": str(enrolment.uuid), "value": "15"}]}
    refused = _put(teacher, assessment, body)
    assert refused.status_code == 422
    assert refused.json()["code"] == "term_closed"
    body["reason"] = "Oubli de saisie"
    asked = _put(teacher, assessment, body)
    assert asked.status_code == 200
    assert asked.json()["requested"] == 1
    assert asked.json()["marks"][0]["pending_change"] == "15"
    queue = director.get("/api/v1/mark-change-requests").json()
    assert queue["count"] == 1
    request_uuid = queue["items"][0]["uuid"]
    assert teacher.post(
        f"/api/v1/mark-change-requests/{request_uuid}/decision",
        {"approve": True},
        content_type="application/json",
    ).status_code in {403, 404}
    decided = director.post(
        f"/api/v1/mark-change-requests/{request_uuid}/decision",
        {"approve": True, "note": "ok"},
        content_type="application/json",
    )
    assert decided.status_code == 200
    assert decided.json()["status"] == "approved"
    assert Mark.objects.get().value == 15
    history = director.get(f"/api/v1/assessments/{assessment.uuid}/history").json()
    assert history[0]["reason"] == "Oubli de saisie"
    assert history[0]["by"] == world.users[Role.DIRECTOR].username
    assert MarkChangeRequest.objects.get().status == "approved"


def test_the_history_of_one_pupil_s_mark(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    teacher = world.users[Role.TEACHER]
    save_marks(actor=teacher, assessment=assessment, entries=[(enrolment.pk, "8")])
    save_marks(actor=teacher, assessment=assessment, entries=[(enrolment.pk, "ABJ")])
    client = world.client(Role.TEACHER)
    url = f"/api/v1/assessments/{assessment.uuid}/history?enrolment={enrolment.uuid}"
    history = client.get(url).json()
    assert [(h["old"], h["new"], h["by"]) for h in history] == [
        ("8.00", "ABJ", teacher.username),
        ("", "8.00", teacher.username),
    ]
    assert client.get(f"/api/v1/assessments/{assessment.uuid}/history").status_code == 200
    assert world.client(Role.DIRECTORATE).get(url).status_code == 403


def test_a_parent_sees_the_child_s_marks_as_they_are_entered(
    world: World, assessment: Assessment, enrolment: Enrolment
) -> None:
    client = world.client(Role.PARENT)
    url = f"/api/v1/pupils/{world.student.uuid}/marks"
    before = client.get(url).json()
    assert [(m["subject"], m["value"], m["absence"]) for m in before] == [("MATH", None, "")]
    save_marks(actor=None, assessment=assessment, entries=[(enrolment.pk, "17,25")])
    after = client.get(url).json()
    assert after[0]["value"] == "17.25"
    assert client.get(f"/api/v1/pupils/{world.other_student.uuid}/marks").status_code == 404
