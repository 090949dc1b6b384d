"""Writes: asking for a document, answering the request, issuing (signing) it, revoking it
and re-publishing the status list. Each service is atomic and audited."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from madrasa.accounts.models import User
from madrasa.bulletins.models import Bulletin, Period
from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import current_year
from madrasa.grading.services import policy_for
from madrasa.registry.models import School, SchoolYear, Student
from madrasa.results.models import ExamCandidate, Outcome, Publication, PublishedResult

from .documents import (
    EXAM_NAMES,
    AttestationFacts,
    ExamFacts,
    PupilFacts,
    TranscriptFacts,
    TranscriptLine,
    attestation_credential,
    exam_result_credential,
    status_list_credential,
    transcript_credential,
)
from .integrity import sign
from .keys import KeyStore, KeyStoreError, format_time, key_store
from .models import CredentialRequest, IssuedCredential, Kind, StatusList
from .statuslist import encode_list

__all__ = [
    "allocate_status_index",
    "decide_request",
    "issue_attestation",
    "issue_exam_result",
    "issue_transcript",
    "publish_status_list",
    "published_bulletin",
    "published_exam_result",
    "request_credential",
    "revoke_credential",
]


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


def _pupil(credential: IssuedCredential, student: Student, school: School) -> PupilFacts:
    return PupilFacts(
        credential_uuid=str(credential.uuid),
        national_code=student.national_code,
        first_name_latn=student.first_name_latn,
        last_name_latn=student.last_name_latn,
        first_name_ar=student.first_name_ar,
        last_name_ar=student.last_name_ar,
        birth_date=student.birth_date,
        school_code=school.code,
        school_name_fr=school.name_fr,
        school_name_ar=school.name_ar,
        year_code=credential.year.code,
    )


def _sign_and_store(
    *,
    actor: User | None,
    kind: str,
    student: Student,
    school: School,
    year: SchoolYear,
    request: CredentialRequest | None,
    store: KeyStore | None,
    build: Callable[..., dict[str, Any]],
    audit: dict[str, Any] | None = None,
) -> IssuedCredential:
    """Allocate a status index, build the unsigned document (`build(credential, issuer_url=…,
    issuer_id=…, issued_at=…, list_number=…, index=…)`), sign it, store it and audit it."""
    store = store or key_store()
    entry, private_key = _signing(store)
    status_list, index = allocate_status_index(store=store)
    credential = IssuedCredential(
        kind=kind,
        student=student,
        school=school,
        year=year,
        request=request,
        status_list=status_list,
        status_index=index,
        key_id=entry.kid,
        issued_at=datetime.now(tz=UTC).replace(microsecond=0),
        issued_by=actor,
    )
    unsigned = build(
        credential,
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
            **(audit or {}),
        },
    )
    return credential


@transaction.atomic
def issue_attestation(
    *,
    actor: User | None,
    student: Student,
    request: CredentialRequest | None = None,
    store: KeyStore | None = None,
) -> IssuedCredential:
    """Sign an attestation de scolarité for the pupil's enrolment of the current year."""
    enrolment = _attestation_enrolment(student)
    if enrolment is None:
        raise InvalidInput(
            _("The pupil has no enrolment this school year: no attestation can be issued."),
            code="not_enrolled",
        )

    def build(credential: IssuedCredential, **where: Any) -> dict[str, Any]:
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
        return attestation_credential(facts, **where)

    return _sign_and_store(
        actor=actor,
        kind=Kind.ATTESTATION,
        student=student,
        school=enrolment.school,
        year=enrolment.year,
        request=request,
        store=store,
        build=build,
    )


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def published_bulletin(student: Student, year: SchoolYear, period: str) -> Bulletin:
    """The pupil's published bulletin of the period, or a translated refusal."""
    if period not in Period.values:
        raise InvalidInput(
            _("Choose the period of the transcript: first semester, second semester or year."),
            code="bad_period",
        )
    bulletin = (
        Bulletin.objects.select_related("enrolment__school", "enrolment__level")
        .filter(
            enrolment__student=student,
            enrolment__year=year,
            period=period,
            published_at__isnull=False,
        )
        .order_by("-enrolment__started_on", "-enrolment_id")
        .first()
    )
    if bulletin is None:
        raise InvalidInput(
            _(
                "The school has not published this report card yet: a transcript can be "
                "issued only from a published report card."
            ),
            code="not_published",
        )
    return bulletin


@transaction.atomic
def issue_transcript(
    *,
    actor: User | None,
    student: Student,
    year: SchoolYear,
    period: str,
    request: CredentialRequest | None = None,
    store: KeyStore | None = None,
) -> IssuedCredential:
    """Sign a relevé de notes of the pupil's published bulletin for the period (S1, S2, Y)."""
    bulletin = published_bulletin(student, year, period)
    enrolment = bulletin.enrolment
    policy = policy_for(year)
    lines = tuple(
        TranscriptLine(
            subject_code=line.subject.code,
            subject_name_fr=line.subject.name_fr,
            coefficient=f"{line.coefficient.normalize():f}",
            average=_decimal_text(line.average),
        )
        for line in bulletin.lines.select_related("subject").order_by(
            "subject__rank", "subject__code"
        )
    )

    def build(credential: IssuedCredential, **where: Any) -> dict[str, Any]:
        facts = TranscriptFacts(
            pupil=_pupil(credential, student, enrolment.school),
            period=period,
            level_code=enrolment.level.code,
            level_name_fr=enrolment.level.name_fr,
            scale_max=f"{policy.scale_max.normalize():f}",
            general_average=_decimal_text(bulletin.general_average),
            rank=bulletin.rank,
            class_size=bulletin.class_size,
            mention=bulletin.mention,
            lines=lines,
        )
        return transcript_credential(facts, **where)

    return _sign_and_store(
        actor=actor,
        kind=Kind.TRANSCRIPT,
        student=student,
        school=enrolment.school,
        year=year,
        request=request,
        store=store,
        build=build,
        audit={"bulletin": str(bulletin.uuid), "period": period},
    )


def published_exam_result(
    student: Student, year: SchoolYear
) -> tuple[PublishedResult, Publication]:
    """The pupil's admitted result in a live publication of the year whose embargo has passed
    (the latest one: a resit session's result after the normal one), or a translated refusal."""
    rows = list(
        PublishedResult.objects.filter(
            national_code=student.national_code,
            publication__session__year=year,
            publication__status__in=(Publication.Status.SCHEDULED, Publication.Status.PUBLISHED),
            publication__embargo_until__lte=timezone.now(),
        )
        .select_related("publication__session__scheme")
        .order_by("-publication__embargo_until", "-id")
    )
    if not rows:
        raise InvalidInput(
            _("No published exam result of this school year was found for the pupil."),
            code="not_published",
        )
    for row in rows:
        if row.payload.get("outcome") == Outcome.ADMITTED:
            return row, row.publication
    raise InvalidInput(
        _("Only a candidate admitted to the exam can receive a certificate of success."),
        code="not_admitted",
    )


@transaction.atomic
def issue_exam_result(
    *,
    actor: User | None,
    student: Student,
    year: SchoolYear,
    request: CredentialRequest | None = None,
    store: KeyStore | None = None,
) -> IssuedCredential:
    """Sign a certificate of success from the pupil's admitted, published exam result."""
    row, publication = published_exam_result(student, year)
    session = publication.session
    candidate = (
        ExamCandidate.objects.select_related("enrolment__school", "centre")
        .filter(session=session, student=student)
        .first()
    )
    school = student.school
    if candidate is not None:
        school = candidate.enrolment.school if candidate.enrolment else candidate.centre
    if school is None:
        raise InvalidInput(_("The pupil has no school to answer the request."), code="no_school")
    policy = policy_for(year)
    code = session.scheme.code

    def build(credential: IssuedCredential, **where: Any) -> dict[str, Any]:
        facts = ExamFacts(
            pupil=_pupil(credential, student, school),
            exam_code=code,
            exam_name_fr=EXAM_NAMES.get(code, (code, code))[0],
            session_name=session.name,
            stream_code=str(row.payload.get("stream") or ""),
            scale_max=f"{policy.scale_max.normalize():f}",
            average=str(row.payload.get("average") or ""),
            mention=str(row.payload.get("mention") or ""),
        )
        return exam_result_credential(facts, **where)

    return _sign_and_store(
        actor=actor,
        kind=Kind.EXAM_RESULT,
        student=student,
        school=school,
        year=year,
        request=request,
        store=store,
        build=build,
        audit={"publication": str(publication.uuid), "version": publication.version},
    )


def _year(code: str | None) -> SchoolYear:
    if not code:
        return current_year()
    year = SchoolYear.objects.filter(code=code).first()
    if year is None:
        raise InvalidInput(_("Unknown school year."), code="unknown_year")
    return year


@transaction.atomic
def request_credential(
    *,
    actor: User,
    student: Student,
    kind: str,
    period: str = "",
    year: str | None = None,
) -> CredentialRequest:
    """Ask for a document. An attestation for a pupil actively enrolled this year is issued at
    once (the data proves it); otherwise the request waits in the school's queue. A transcript
    (`period` S1, S2 or Y of `year`, a code such as 2025-2026, default the current year) or an
    exam certificate is issued at once from published data, or refused with the reason: the
    director could not issue it either before the school or the exam publishes the results."""
    if kind not in Kind.values:
        raise InvalidInput(_("Unknown kind of document."), code="unknown_kind")
    if student.school_id is None:
        raise InvalidInput(_("The pupil has no school to answer the request."), code="no_school")
    school_year = _year(year)
    period = period.strip().upper() if kind == Kind.TRANSCRIPT else ""
    # Refuse before recording anything when the published data do not allow the document.
    if kind == Kind.TRANSCRIPT:
        published_bulletin(student, school_year, period)
    elif kind == Kind.EXAM_RESULT:
        published_exam_result(student, school_year)
    pending = CredentialRequest.objects.filter(
        student=student, kind=kind, status=CredentialRequest.Status.PENDING
    ).exists()
    if pending:
        raise InvalidInput(
            _("A request for this document is already waiting for the school."),
            code="already_pending",
        )
    request = CredentialRequest.objects.create(
        kind=kind,
        student=student,
        school_id=student.school_id,
        year=school_year,
        period=period,
        requested_by=actor,
    )
    record_event(
        actor=actor,
        action="credentials.request",
        object_type="credential_request",
        object_id=request.uuid,
        data={
            "kind": kind,
            "student": student.national_code,
            "year": school_year.code,
            "period": period,
        },
    )
    if kind == Kind.ATTESTATION:
        active = Enrolment.objects.filter(
            student=student, year=school_year, status=Enrolment.Status.ACTIVE
        ).exists()
        if active:
            _issue_for(request, actor=None, note=_("Issued automatically: active enrolment."))
    else:
        _issue_for(request, actor=None, note=_("Issued automatically: published results."))
    return request


def _issue_for(request: CredentialRequest, *, actor: User | None, note: str) -> None:
    if request.kind == Kind.TRANSCRIPT:
        issue_transcript(
            actor=actor,
            student=request.student,
            year=request.year,
            period=request.period,
            request=request,
        )
    elif request.kind == Kind.EXAM_RESULT:
        issue_exam_result(actor=actor, student=request.student, year=request.year, request=request)
    else:
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
