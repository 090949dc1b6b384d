"""The API: public verification and key list, requests, decisions, documents, revocation."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.credentials.keys import KeyStore
from madrasa.credentials.models import IssuedCredential
from madrasa.enrolment.models import Enrolment


def _post(client: Client, url: str, body: dict[str, object]) -> Any:
    return client.post(
        url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )


def test_request_issue_download_verify_and_revoke(world: World, store: KeyStore) -> None:
    parent = world.client(Role.PARENT)
    made = _post(parent, "/api/v1/credential-requests", {"student_uuid": str(world.student.uuid)})
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "issued"
    assert body["credential_uuid"]
    document = parent.get(f"/api/v1/credentials/{body['credential_uuid']}").json()

    anonymous = Client()
    verdict = _post(anonymous, "/api/v1/credentials/verify", {"payload": json.dumps(document)})
    assert verdict.json()["outcome"] == "valid"

    assert (
        _post(
            parent, f"/api/v1/credentials/{body['credential_uuid']}/revoke", {"reason": "x"}
        ).status_code
        == 403
    )
    director = world.client(Role.DIRECTOR)
    revoked = _post(
        director, f"/api/v1/credentials/{body['credential_uuid']}/revoke", {"reason": "Erreur"}
    )
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    again = _post(anonymous, "/api/v1/credentials/verify", {"payload": json.dumps(document)})
    assert again.json()["code"] == "revoked"


def test_errors_are_reasons_not_stack_traces(world: World, store: KeyStore) -> None:
    anonymous = Client()
    bad = _post(anonymous, "/api/v1/credentials/verify", {"payload": "not json at all"})
    assert bad.status_code == 200
    assert bad.json()["code"] == "malformed"
    assert "not a readable credential" in bad.json()["reason"]
    parent = world.client(Role.PARENT)
    other = _post(
        parent, "/api/v1/credential-requests", {"student_uuid": str(world.other_student.uuid)}
    )
    assert other.status_code == 404
    later = _post(
        parent,
        "/api/v1/credential-requests",
        {"student_uuid": str(world.student.uuid), "kind": "transcript", "period": "S2"},
    )
    assert later.status_code == 422
    assert later.json()["code"] == "not_published"
    assert "published report card" in later.json()["detail"]


def test_the_director_queue_and_decision(world: World, store: KeyStore) -> None:
    Enrolment.objects.filter(student=world.student).update(status=Enrolment.Status.ENDED)
    parent = world.client(Role.PARENT)
    made = _post(parent, "/api/v1/credential-requests", {"student_uuid": str(world.student.uuid)})
    request_uuid = made.json()["uuid"]
    director = world.client(Role.DIRECTOR)
    queue = director.get("/api/v1/credential-requests?waiting=true").json()
    assert [r["uuid"] for r in queue] == [request_uuid]
    assert queue[0]["age_seconds"] >= 0
    decided = _post(
        director, f"/api/v1/credential-requests/{request_uuid}/decision", {"approve": True}
    )
    assert decided.json()["status"] == "issued"
    assert IssuedCredential.objects.filter(request__uuid=request_uuid).exists()


def test_the_public_key_list(world: World, store: KeyStore) -> None:
    keys = Client().get("/api/v1/credentials/keys").json()
    assert keys["assertionMethod"] == [keys["verificationMethod"][0]["id"]]
