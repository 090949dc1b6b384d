"""Requests, issuing, the status list and revocation, verified end to end."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.errors import InvalidInput
from madrasa.core.models import AuditEvent
from madrasa.credentials.keys import KeyList, KeyStore
from madrasa.credentials.models import CredentialRequest, IssuedCredential, Kind, StatusList
from madrasa.credentials.payload import encode_qr
from madrasa.credentials.selectors import LocalStatusFetcher, request_queue, verify_here
from madrasa.credentials.services import decide_request, request_credential, revoke_credential
from madrasa.credentials.statuslist import MIN_BITS, bit_is_set, decode_list
from madrasa.credentials.verification import verify_credential
from madrasa.enrolment.models import Enrolment

from .conftest import ISSUER_URL


def _issue(world: World) -> IssuedCredential:
    request = request_credential(
        actor=world.users[Role.PARENT], student=world.student, kind=Kind.ATTESTATION
    )
    assert request.status == CredentialRequest.Status.ISSUED
    return IssuedCredential.objects.get(request=request)


def _document(credential: IssuedCredential) -> dict[str, Any]:
    return dict(json.loads(credential.document))


def test_an_attestation_is_issued_at_once_for_an_enrolled_pupil_and_verifies(
    world: World, store: KeyStore
) -> None:
    credential = _issue(world)
    document = _document(credential)
    assert document["issuer"]["id"] == f"{ISSUER_URL}/credentials/issuer"
    assert document["credentialStatus"]["statusListIndex"] == str(credential.status_index)
    identifiers = {
        i["identityType"]: i["identityHash"] for i in document["credentialSubject"]["identifier"]
    }
    assert identifiers["sisSourcedId"] == world.student.national_code

    result = verify_here(credential.document)
    assert result.ok, result.reason
    assert [c.name for c in result.checks] == ["schema", "jsonld", "signature", "dates", "status"]
    assert AuditEvent.objects.filter(action="credentials.issue").count() == 1


def test_revocation_sets_the_bit_and_the_verifier_says_revoked(
    world: World, store: KeyStore
) -> None:
    credential = _issue(world)
    revoke_credential(actor=world.users[Role.DIRECTOR], credential=credential, reason="Erreur")
    status_list = StatusList.objects.get(pk=credential.status_list_id)
    published = json.loads(status_list.published)
    bits = decode_list(published["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == MIN_BITS
    assert bit_is_set(bits, credential.status_index)
    assert not bit_is_set(bits, credential.status_index + 1)

    result = verify_here(credential.document)
    assert (result.outcome, result.code) == ("invalid", "revoked")
    event = AuditEvent.objects.get(action="credentials.revoke")
    assert event.data["status_index"] == credential.status_index
    with pytest.raises(InvalidInput):
        revoke_credential(actor=None, credential=credential, reason="again")
    with pytest.raises(InvalidInput):
        revoke_credential(actor=None, credential=_issue_second(world), reason="  ")


def _issue_second(world: World) -> IssuedCredential:
    return _issue(world)


def test_each_credential_gets_its_own_index(world: World, store: KeyStore) -> None:
    first, second = _issue(world), _issue(world)
    assert first.status_list_id == second.status_list_id
    assert second.status_index == first.status_index + 1


def test_tampered_expired_unknown_key_and_offline_status(world: World, store: KeyStore) -> None:
    credential = _issue(world)
    document = _document(credential)

    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["term"] = "2019-2020"
    assert verify_here(json.dumps(tampered)).code == "tampered"

    after_the_year = datetime.now(tz=UTC) + timedelta(days=800)
    assert verify_here(credential.document, now=after_the_year).code == "expired"

    stranger = KeyList([])
    assert verify_here(credential.document, key_list=stranger).code == "unknown_key"

    offline = verify_credential(document, key_list=store.key_list())  # no status fetcher
    assert (offline.outcome, offline.code) == ("unchecked", "status_unavailable")

    unknown_list = LocalStatusFetcher(store)
    moved = copy.deepcopy(document)
    with pytest.raises(Exception):  # noqa: B017, PT011  any StatusUnavailable
        unknown_list("https://elsewhere.example/credentials/status/1")
    assert moved == document


def test_the_qr_payload_carries_the_credential(world: World, store: KeyStore) -> None:
    credential = _issue(world)
    payload = encode_qr(_document(credential))
    assert payload.startswith("VC1:")
    assert len(payload) < 2900
    assert verify_here(payload).ok
    damaged = payload[:-40]
    result = verify_here(damaged)
    assert result.code == "malformed"
    assert "QR" in result.reason


def test_rotation_does_not_break_older_documents(world: World, store: KeyStore) -> None:
    before = _issue(world)
    store.rotate()
    after = _issue(world)
    assert before.key_id != after.key_id
    assert verify_here(before.document).ok
    assert verify_here(after.document).ok


def test_without_active_enrolment_the_request_waits_for_the_director(
    world: World, store: KeyStore
) -> None:
    Enrolment.objects.filter(student=world.student).update(status=Enrolment.Status.ENDED)
    request = request_credential(
        actor=world.users[Role.PARENT], student=world.student, kind=Kind.ATTESTATION
    )
    assert request.status == CredentialRequest.Status.PENDING
    director = world.actor(Role.DIRECTOR)
    assert list(request_queue(director)) == [request]
    assert list(request_queue(world.actor(Role.PARENT))) == []
    with pytest.raises(InvalidInput):
        request_credential(
            actor=world.users[Role.PARENT], student=world.student, kind=Kind.ATTESTATION
        )
    decided = decide_request(actor=world.users[Role.DIRECTOR], request=request, approve=True)
    assert decided.status == CredentialRequest.Status.ISSUED
    assert verify_here(IssuedCredential.objects.get(request=request).document).ok
    with pytest.raises(InvalidInput):
        decide_request(actor=world.users[Role.DIRECTOR], request=request, approve=False, note="x")


def test_a_refusal_needs_a_reason_and_a_transcript_needs_published_results(
    world: World, store: KeyStore
) -> None:
    Enrolment.objects.filter(student=world.student).update(status=Enrolment.Status.ENDED)
    request = request_credential(
        actor=world.users[Role.PARENT], student=world.student, kind=Kind.ATTESTATION
    )
    with pytest.raises(InvalidInput):
        decide_request(actor=world.users[Role.DIRECTOR], request=request, approve=False)
    refused = decide_request(
        actor=world.users[Role.DIRECTOR], request=request, approve=False, note="Dossier incomplet"
    )
    assert refused.status == CredentialRequest.Status.REJECTED
    with pytest.raises(InvalidInput) as failure:
        request_credential(
            actor=world.users[Role.PARENT], student=world.student, kind=Kind.TRANSCRIPT, period="S1"
        )
    assert failure.value.code == "not_published"


def test_without_a_signing_key_issuing_is_a_clear_refusal(world: World) -> None:
    with pytest.raises(InvalidInput) as failure:
        request_credential(
            actor=world.users[Role.PARENT], student=world.student, kind=Kind.ATTESTATION
        )
    assert failure.value.code == "no_signing_key"
    assert not CredentialRequest.objects.exists()  # the whole request was rolled back
