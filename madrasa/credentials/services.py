"""Writes: asking for a document, answering the request, issuing (signing) it, revoking it
and re-publishing the status list. Each service is atomic and audited."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from madrasa.accounts.models import User
from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import current_year
from madrasa.registry.models import Student

from .documents import AttestationFacts, attestation_credential, status_list_credential
from .integrity import sign
from .keys import KeyStore, KeyStoreError, format_time, key_store
from .models import CredentialRequest, IssuedCredential, Kind, StatusList
from .statuslist import encode_list

__all__ = [
    "allocate_status_index",
    "decide_request",
    "issue_attestation",
    "publish_status_list",
    "request_credential",
    "revoke_credential",
]

ONLINE_KINDS = frozenset({Kind.ATTESTATION})


def _signing(store: KeyStore) -> Any:
    try:
        return store.signing_key()
    except KeyStoreError:
        raise InvalidInput(
            _("Documents cannot be signed: no signing key is set up (madrasa keys create)."),
            code="no_signing_key",
        ) from None


def publish_status_list(status_list: StatusList, *, store: KeyStore | None = None) -> None:
    """Sign and store the list's current bits (the revoked credentials' indexes)."""
    store = store or key_store()
    entry, private_key = _signing(store)
    revoked = IssuedCredential.objects.filter(
        status_list=status_list, revoked_at__isnull=False
    ).values_list("status_index", flat=True)
    now = datetime.now(tz=UTC)
    unsigned = status_list_credential(
        issuer_url=store.issuer_url,
        issuer_id=store.issuer_id,
        number=status_list.number,
        encoded_list=encode_list(revoked, size=status_list.size),
        issued_at=now,
    )
    signed = sign(
        unsigned, private_key=private_key, verification_method=entry.id, created=format_time(now)
    )
    status_list.published = json.dumps(signed, ensure_ascii=False)
    status_list.published_at = now
    status_list.save(update_fields=["published", "published_at"])


@transaction.atomic
def allocate_status_index(*, store: KeyStore | None = None) -> tuple[StatusList, int]:
    """The next free index of the open status list (a new list, published empty, when the
    last one is full). The list row is locked, so two issuers never get the same index."""
    status_list = StatusList.objects.select_for_update().order_by("-number").first()
    if status_list is None or status_list.next_index >= status_list.size:
        number = status_list.number + 1 if status_list is not None else 1
        status_list = StatusList.objects.create(number=number)
        publish_status_list(status_list, store=store)
        status_list = StatusList.objects.select_for_update().get(pk=status_list.pk)
    index = status_list.next_index
    StatusList.objects.filter(pk=status_list.pk).update(next_index=F("next_index") + 1)
    return status_list, index


def _attestation_enrolment(student: Student) -> Enrolment | None:
    """The pupil's enrolment of the current school year: the active one, else the latest."""
    year = current_year()
    enrolments = Enrolment.objects.select_related("school", "level", "year").filter(
        student=student, year=year
    )
    active = enrolments.filter(status=Enrolment.Status.ACTIVE).first()
    return active or enrolments.order_by("-started_on", "-id").first()


@transaction.atomic
def issue_attestation(
    *,
    actor: User | None,
    student: Student,
    request: CredentialRequest | None = None,
    store: KeyStore | None = None,
) -> IssuedCredential:
    """Sign an attestation de scolarité for the pupil's enrolment of the current year."""
    store = store or key_store()
    enrolment = _attestation_enrolment(student)
    if enrolment is None:
        raise InvalidInput(
            _("The pupil has no enrolment this school year: no attestation can be issued."),
            code="not_enrolled",
        )
    entry, private_key = _signing(store)
    status_list, index = allocate_status_index(store=store)
    credential = IssuedCredential(
        kind=Kind.ATTESTATION,
        student=student,
        school=enrolment.school,
        year=enrolment.year,
        request=request,
        status_list=status_list,
        status_index=index,
        key_id=entry.kid,
        issued_at=datetime.now(tz=UTC).replace(microsecond=0),
        issued_by=actor,
    )
    facts = AttestationFacts(
        credential_uuid=str(credential.uuid),
        national_code=student.national_code,
        first_name_latn=student.first_name_latn,
        last_name_latn=student.last_name_latn,
        first_name_ar=student.first_name_ar,
        last_name_ar=student.last_name_ar,
        birth_date=student.birth_date,
        school_code=enrolment.school.code,
        school_name_fr=enrolment.school.name_fr,
        school_name_ar=enrolment.school.name_ar,
        level_code=enrolment.level.code,
        level_name_fr=enrolment.level.name_fr,
        level_name_ar=enrolment.level.name_ar,
        year_code=enrolment.year.code,
        year_ends_on=enrolment.year.ends_on,
    )
    unsigned = attestation_credential(
        facts,
        issuer_url=store.issuer_url,
        issuer_id=store.issuer_id,
        issued_at=credential.issued_at,
        list_number=status_list.number,
        index=index,
    )
    signed = sign(
        unsigned,
        private_key=private_key,
        verification_method=entry.id,
        created=format_time(credential.issued_at),
    )
    credential.document = json.dumps(signed, ensure_ascii=False, indent=2)
    credential.save()
    record_event(
        actor=actor,
        action="credentials.issue",
        object_type="credential",
        object_id=credential.uuid,
        data={
            "kind": credential.kind,
            "student": student.national_code,
            "status_list": status_list.number,
            "status_index": index,
            "key": entry.kid,
        },
    )
    return credential


@transaction.atomic
def request_credential(*, actor: User, student: Student, kind: str) -> CredentialRequest:
    """Ask for a document. An attestation for a pupil actively enrolled this year is issued at
    once (the data proves it); otherwise the request waits in the school's queue."""
    if kind not in Kind.values:
        raise InvalidInput(_("Unknown kind of document."), code="unknown_kind")
    if kind not in ONLINE_KINDS:
        raise InvalidInput(
            _("This document cannot be requested online yet; ask the school."),
            code="kind_not_available",
        )
    if student.school_id is None:
        raise InvalidInput(_("The pupil has no school to answer the request."), code="no_school")
    pending = CredentialRequest.objects.filter(
        student=student, kind=kind, status=CredentialRequest.Status.PENDING
    ).exists()
    if pending:
        raise InvalidInput(
            _("A request for this document is already waiting for the school."),
            code="already_pending",
        )
    year = current_year()
    request = CredentialRequest.objects.create(
        kind=kind, student=student, school_id=student.school_id, year=year, requested_by=actor
    )
    record_event(
        actor=actor,
        action="credentials.request",
        object_type="credential_request",
        object_id=request.uuid,
        data={"kind": kind, "student": student.national_code},
    )
    active = Enrolment.objects.filter(
        student=student, year=year, status=Enrolment.Status.ACTIVE
    ).exists()
    if kind == Kind.ATTESTATION and active:
        _issue_for(request, actor=None, note=_("Issued automatically: active enrolment."))
    return request


def _issue_for(request: CredentialRequest, *, actor: User | None, note: str) -> None:
    issue_attestation(actor=actor, student=request.student, request=request)
    request.status = CredentialRequest.Status.ISSUED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "note"])


@transaction.atomic
def decide_request(
    *, actor: User, request: CredentialRequest, approve: bool, note: str = ""
) -> CredentialRequest:
    """The director issues the document, or refuses with a reason."""
    request = CredentialRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != CredentialRequest.Status.PENDING:
        raise InvalidInput(_("This request was already answered."), code="already_decided")
    if approve:
        _issue_for(request, actor=actor, note=note.strip())
    else:
        if not note.strip():
            raise InvalidInput(_("Give the family a reason for the refusal."), code="reason_needed")
        request.status = CredentialRequest.Status.REJECTED
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.note = note.strip()
        request.save(update_fields=["status", "decided_by", "decided_at", "note"])
    record_event(
        actor=actor,
        action="credentials.decide",
        object_type="credential_request",
        object_id=request.uuid,
        data={"approved": approve, "note": request.note},
    )
    return request


@transaction.atomic
def revoke_credential(
    *, actor: User | None, credential: IssuedCredential, reason: str
) -> IssuedCredential:
    """Revoke a document: its bit is set in the status list, which is re-signed at once."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Give the reason for the revocation."), code="reason_needed")
    credential = IssuedCredential.objects.select_for_update().get(pk=credential.pk)
    if credential.revoked_at is not None:
        raise InvalidInput(_("This document is already revoked."), code="already_revoked")
    credential.revoked_at = timezone.now()
    credential.revoked_by = actor
    credential.revoke_reason = reason[:300]
    credential.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    status_list = StatusList.objects.select_for_update().get(pk=credential.status_list_id)
    publish_status_list(status_list)
    record_event(
        actor=actor,
        action="credentials.revoke",
        object_type="credential",
        object_id=credential.uuid,
        data={
            "reason": credential.revoke_reason,
            "status_list": status_list.number,
            "status_index": credential.status_index,
        },
    )
    return credential
