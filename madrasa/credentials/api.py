"""Credentials endpoints: public verification and key list; asking for documents, answering
requests, downloading and revoking documents. Thin: access.py decides, services.py writes."""

import json
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from madrasa.accounts.api import request_actor as _actor
from madrasa.core.errors import PermissionDenied

from .access import (
    access_credential,
    access_request,
    access_requestable_student,
    can_decide,
    can_revoke,
    visible_requests,
)
from .keys import key_store
from .models import CredentialRequest, IssuedCredential
from .schemas import (
    CredentialOut,
    DecisionIn,
    RequestIn,
    RequestOut,
    RevokeIn,
    VerificationOut,
    VerifyIn,
)
from .selectors import request_queue, verify_here
from .services import decide_request, request_credential, revoke_credential

router = Router(tags=["credentials"])
REQUESTS_LIMIT = 200


def _request_out(found: CredentialRequest) -> CredentialRequest:
    return (
        CredentialRequest.objects.select_related("student", "school", "credential")
        .filter(pk=found.pk)
        .get()
    )


@router.post(
    "/credentials/verify",
    response=VerificationOut,
    auth=None,
    operation_id="credentials_record_verification",
)
def verify(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    """Verify a credential (public, no sign-in): signature, issuer key, dates, revocation."""
    return verify_here(payload.payload).as_dict()


@router.get(
    "/credentials/keys",
    response=dict[str, Any],
    auth=None,
    operation_id="credentials_get_key_list",
)
def keys(request: HttpRequest) -> dict[str, Any]:
    """The ministry's published key list (active and retired keys, Multikey)."""
    return key_store().published()


@router.get(
    "/credential-requests", response=list[RequestOut], operation_id="credentials_list_requests"
)
def list_requests(request: HttpRequest, waiting: bool = False) -> list[CredentialRequest]:
    """The caller's requests; with `waiting`, the director's queue (oldest first)."""
    actor = _actor(request)
    rows = request_queue(actor) if waiting else visible_requests(actor).order_by("-requested_at")
    return list(rows.select_related("credential")[:REQUESTS_LIMIT])


@router.post(
    "/credential-requests", response={201: RequestOut}, operation_id="credentials_create_request"
)
def create_request(request: HttpRequest, payload: RequestIn) -> Status[CredentialRequest]:
    actor = _actor(request)
    student = access_requestable_student(actor, payload.student_uuid)
    made = request_credential(
        actor=actor.user,
        student=student,
        kind=payload.kind,
        period=payload.period,
        year=payload.year or None,
    )
    return Status(201, _request_out(made))


@router.post(
    "/credential-requests/{request_uuid}/decision",
    response=RequestOut,
    operation_id="credentials_record_decision",
)
def decide(request: HttpRequest, request_uuid: UUID, payload: DecisionIn) -> CredentialRequest:
    actor = _actor(request)
    found = access_request(actor, request_uuid)
    if not can_decide(actor, found):
        raise PermissionDenied(_("Only the school's director answers this request."))
    decided = decide_request(
        actor=actor.user, request=found, approve=payload.approve, note=payload.note
    )
    return _request_out(decided)


@router.get(
    "/credentials/{credential_uuid}",
    response=dict[str, Any],
    operation_id="credentials_get_credential",
)
def credential_document(request: HttpRequest, credential_uuid: UUID) -> dict[str, Any]:
    """The signed credential (Open Badges 3.0 JSON), exactly as issued."""
    credential = access_credential(_actor(request), credential_uuid)
    return dict(json.loads(credential.document))


@router.post(
    "/credentials/{credential_uuid}/revoke",
    response=CredentialOut,
    operation_id="credentials_revoke_credential",
)
def revoke(request: HttpRequest, credential_uuid: UUID, payload: RevokeIn) -> IssuedCredential:
    actor = _actor(request)
    credential = access_credential(actor, credential_uuid)
    if not can_revoke(actor, credential):
        raise PermissionDenied(_("Only the school's director or the ministry revokes documents."))
    revoked = revoke_credential(actor=actor.user, credential=credential, reason=payload.reason)
    return IssuedCredential.objects.select_related("student", "status_list").get(pk=revoked.pk)
