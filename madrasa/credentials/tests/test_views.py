"""The pages: public verifier and key list, asking for a document, the director's queue,
downloads and revocation."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.credentials.keys import KeyStore
from madrasa.credentials.models import CredentialRequest, IssuedCredential
from madrasa.credentials.render import qr_payload
from madrasa.enrolment.models import Enrolment


def _ask(world: World) -> IssuedCredential:
    client = world.client(Role.PARENT)
    response = client.post(
        f"/credentials/pupils/{world.student.uuid}/request/", {"kind": "attestation"}
    )
    assert response.status_code == 302
    return IssuedCredential.objects.get(student=world.student)


def test_a_parent_asks_and_downloads_both_pdfs_and_the_json(world: World, store: KeyStore) -> None:
    credential = _ask(world)
    client = world.client(Role.PARENT)
    home = client.get("/credentials/", HTTP_ACCEPT_LANGUAGE="en")
    assert home.status_code == 200
    assert str(credential.uuid) in home.content.decode()
    for lang in ("ar", "fr"):
        pdf = client.get(f"/credentials/documents/{credential.uuid}/pdf/?lang={lang}")
        assert pdf.status_code == 200
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
    document = client.get(f"/credentials/documents/{credential.uuid}/json/")
    assert json.loads(document.content)["id"] == f"urn:uuid:{credential.uuid}"
    # Another family's document is not found.
    assert (
        world.client(Role.PARENT).get(f"/credentials/documents/{credential.uuid}/").status_code
        == 200
    )


def test_the_public_verifier_page(world: World, store: KeyStore) -> None:
    credential = _ask(world)
    anonymous = Client()
    assert anonymous.get("/verify/").status_code == 200
    ok = anonymous.post("/verify/", {"payload": credential.document}, HTTP_ACCEPT_LANGUAGE="en")
    assert ok.status_code == 200
    assert "Authentic document" in ok.content.decode()

    scanned = anonymous.post(
        "/verify/", {"payload": qr_payload(credential)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "Authentic document" in scanned.content.decode()

    tampered = credential.document.replace(world.student.national_code, "A999999999")
    refused = anonymous.post("/verify/", {"payload": tampered}, HTTP_ACCEPT_LANGUAGE="en")
    assert "changed after it was signed" in refused.content.decode()

    garbage = anonymous.post("/verify/", {"payload": "VC1:%%%not-a-qr"}, HTTP_ACCEPT_LANGUAGE="en")
    assert garbage.status_code == 200
    assert "QR payload is damaged" in garbage.content.decode()

    upload = SimpleUploadedFile("doc.json", credential.document.encode(), "application/json")
    uploaded = anonymous.post("/verify/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Authentic document" in uploaded.content.decode()

    empty = anonymous.post("/verify/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert empty.status_code == 422


def test_the_verifier_answers_in_arabic_by_default(world: World, store: KeyStore) -> None:
    response = Client().post("/verify/", {"payload": "{}"})
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


def test_key_list_and_status_list_are_public(world: World, store: KeyStore) -> None:
    credential = _ask(world)
    keys = Client().get("/credentials/keys.json")
    assert keys.status_code == 200
    assert keys["Access-Control-Allow-Origin"] == "*"
    methods = keys.json()["verificationMethod"]
    assert methods[0]["type"] == "Multikey"
    assert methods[0]["status"] == "active"
    number = credential.status_list.number
    listing = Client().get(f"/credentials/status/{number}")
    assert listing.json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert Client().get("/credentials/status/999").status_code == 404


def test_the_director_queue_shows_the_age_and_approves(world: World, store: KeyStore) -> None:
    Enrolment.objects.filter(student=world.student).update(status=Enrolment.Status.ENDED)
    _response = world.client(Role.PARENT).post(
        f"/credentials/pupils/{world.student.uuid}/request/", {"kind": "attestation"}
    )
    request = CredentialRequest.objects.get(student=world.student)
    assert request.status == CredentialRequest.Status.PENDING
    director = world.client(Role.DIRECTOR)
    queue = director.get("/credentials/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Requests waiting for your decision" in queue
    assert "ago" in queue
    refused = director.post(
        f"/credentials/requests/{request.uuid}/decision/",
        {"decision": "reject"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert refused.status_code == 422  # a refusal needs a note
    done = director.post(f"/credentials/requests/{request.uuid}/decision/", {"decision": "approve"})
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == CredentialRequest.Status.ISSUED
    # The parent may not answer requests.
    parent = world.client(Role.PARENT)
    assert parent.post(f"/credentials/requests/{request.uuid}/decision/", {}).status_code == 403


def test_revocation_from_the_page_shows_in_the_verifier(world: World, store: KeyStore) -> None:
    credential = _ask(world)
    director = world.client(Role.DIRECTOR)
    assert director.post(f"/credentials/documents/{credential.uuid}/revoke/", {}).status_code == 422
    response = director.post(
        f"/credentials/documents/{credential.uuid}/revoke/", {"reason": "Issued by mistake"}
    )
    assert response.status_code == 302
    verdict = Client().post("/verify/", {"payload": credential.document}, HTTP_ACCEPT_LANGUAGE="en")
    assert "revoked by its issuer" in verdict.content.decode()
    # A parent sees the document but cannot revoke it.
    parent = world.client(Role.PARENT)
    assert (
        parent.post(
            f"/credentials/documents/{credential.uuid}/revoke/", {"reason": "x"}
        ).status_code
        == 403
    )


def test_a_minor_pupil_cannot_ask_alone(world: World, store: KeyStore) -> None:
    pupil = world.client(Role.PUPIL)
    response = pupil.get(f"/credentials/pupils/{world.student.uuid}/request/")
    assert response.status_code == 403
