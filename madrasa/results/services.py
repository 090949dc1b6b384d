"""Writes of the results app: exam sessions, the import of exam marks, the computation of a
session's results, publications (snapshot, embargo, withdrawal and replacement). Every write is
atomic and audited; nation-wide work is set-based (compute.py, INSERT … SELECT).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Max, OuterRef, Q, Subquery, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from madrasa.core.audit import Actor, record_event
from madrasa.core.errors import InvalidInput
from madrasa.grading.models import ExamScheme
from madrasa.grading.rules import Policy
from madrasa.grading.services import policy_for
from madrasa.registry.models import Stream, Student

from .compute import MAX_DECIMALS, compute_session
from .importing import MarkProblem, parse_marks_file
from .models import (
    ExamCandidate,
    ExamMark,
    ExamResult,
    ExamSession,
    Publication,
    PublishedResult,
)
from .selectors import forget_publications

__all__ = [
    "CHANGED_CODES_LISTED",
    "ImportOutcome",
    "compute_results",
    "create_session",
    "import_marks",
    "mark_compute_queued",
    "publish_results",
    "run_compute",
    "withdraw_publication",
]

CHANGED_CODES_LISTED = 1000


@transaction.atomic
def create_session(
    *,
    actor: Actor | None,
    scheme: ExamScheme,
    name: str,
    session: str = ExamSession.Session.NORMAL,
    embargo_until: datetime | None = None,
) -> ExamSession:
    """A normal session of a year's exam scheme, or the resit that follows its normal session."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the session a name."), code="name_required")
    follows = None
    if session == ExamSession.Session.RESIT:
        follows = ExamSession.objects.filter(scheme=scheme, session="normal").first()
        if follows is None:
            raise InvalidInput(
                _("Create the normal session before its resit."), code="no_normal_session"
            )
        if scheme.resit_min is None:
            raise InvalidInput(_("This exam has no resit."), code="no_resit")
    elif session != ExamSession.Session.NORMAL:
        raise InvalidInput(_("Unknown kind of session."), code="bad_session")
    if ExamSession.objects.filter(scheme=scheme, session=session).exists():
        raise InvalidInput(
            _("This exam already has a session of this kind."), code="session_exists"
        )
    created = ExamSession.objects.create(
        year_id=scheme.year_id,
        scheme=scheme,
        session=session,
        follows=follows,
        name=name,
        embargo_until=embargo_until,
        created_by_id=actor.pk if actor is not None else None,
    )
    record_event(
        actor=actor,
        action="results.create_session",
        object_type="exam_session",
        object_id=created.uuid,
        data={"scheme": scheme.code, "year": scheme.year.code, "session": session},
    )
    return created


# Import ------------------------------------------------------------------------------------


@dataclass
class ImportOutcome:
    rows: int = 0
    candidates_created: int = 0
    marks_written: int = 0
    problems: list[MarkProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@transaction.atomic
def import_marks(
    *, actor: Actor | None, session: ExamSession, data: bytes, filename: str = ""
) -> ImportOutcome:
    """Check a file of exam marks and, when no row has a problem, write it: new candidates,
    then every mark (replacing the same candidate/component/subject). All or nothing."""
    policy = policy_for(session.year_id)
    parsed = parse_marks_file(data, session=session, scale_max=Decimal(policy.scale_max))
    outcome = ImportOutcome(rows=parsed.rows, problems=parsed.problems)
    if parsed.problems:
        return outcome
    ExamCandidate.objects.bulk_create(
        ExamCandidate(
            session=session,
            student_id=new.student_id,
            kind=new.kind,
            centre_id=new.centre_id,
            enrolment_id=new.enrolment_id,
            stream_id=new.stream_id,
            previous_id=new.previous_id,
            pin_hash=new.pin_hash,
        )
        for new in parsed.new_candidates
    )
    outcome.candidates_created = len(parsed.new_candidates)
    if parsed.pins:
        rows = list(ExamCandidate.objects.filter(pk__in=list(parsed.pins)))
        for candidate in rows:
            candidate.pin_hash = parsed.pins[candidate.pk]
        ExamCandidate.objects.bulk_update(rows, ["pin_hash"], batch_size=1000)
    student_ids = sorted({m[0] for m in parsed.marks})
    candidate_of: dict[int, int] = {}
    for start in range(0, len(student_ids), 2000):
        candidate_of.update(
            ExamCandidate.objects.filter(
                session=session, student_id__in=student_ids[start : start + 2000]
            ).values_list("student_id", "id")
        )
    now = timezone.now()
    marks = [
        ExamMark(
            candidate_id=candidate_of[student_id],
            component=component,
            subject_id=subject_id,
            value=value,
            absence=absence,
            coefficient=coefficient,
            imported_at=now,
        )
        for student_id, component, subject_id, value, absence, coefficient in parsed.marks
    ]
    averages = [m for m in marks if m.subject_id is None]
    if averages:
        # The continuous average has no subject, so no ON CONFLICT target: replace it.
        ids = [m.candidate_id for m in averages]
        for start in range(0, len(ids), 2000):
            ExamMark.objects.filter(
                candidate_id__in=ids[start : start + 2000], subject__isnull=True
            ).delete()
        ExamMark.objects.bulk_create(averages, batch_size=1000)
    ExamMark.objects.bulk_create(
        [m for m in marks if m.subject_id is not None],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["candidate", "component", "subject"],
        update_fields=["value", "absence", "coefficient", "imported_at"],
    )
    outcome.marks_written = len(marks)
    session.marks_imported_at = now
    session.save(update_fields=["marks_imported_at"])
    record_event(
        actor=actor,
        action="results.import_marks",
        object_type="exam_session",
        object_id=session.uuid,
        data={
            "file": filename[:200],
            "rows": outcome.rows,
            "candidates_created": outcome.candidates_created,
            "marks": outcome.marks_written,
        },
    )
    return outcome


# Computation --------------------------------------------------------------------------------


def _policy(session: ExamSession) -> Policy:
    policy = Policy.from_model(policy_for(session.year_id))
    if policy.decimals > MAX_DECIMALS:
        raise InvalidInput(
            _("Exam averages are kept with at most two decimals."), code="too_many_decimals"
        )
    return policy


@transaction.atomic
def compute_results(*, actor: Actor | None, session: ExamSession) -> dict[str, int]:
    """Compute the results of every candidate of the session (set-based, compute.py)."""
    if session.session == ExamSession.Session.RESIT:
        normal = ExamSession.objects.get(pk=int(session.follows_id or 0))
        if normal.computed_at is None:
            raise InvalidInput(
                _("Compute the normal session before its resit."), code="normal_not_computed"
            )
    policy = _policy(session)
    now = timezone.now()
    counts = compute_session(session, policy, now)
    ExamSession.objects.filter(pk=session.pk).update(
        compute_state=ExamSession.ComputeState.DONE,
        compute_step="",
        compute_error="",
        computed_at=now,
    )
    session.refresh_from_db(
        fields=["compute_state", "compute_step", "compute_error", "computed_at"]
    )
    record_event(
        actor=actor,
        action="results.compute",
        object_type="exam_session",
        object_id=session.uuid,
        data={"outcomes": {key or "incomplete": value for key, value in sorted(counts.items())}},
    )
    return counts


@transaction.atomic
def mark_compute_queued(*, actor: Actor | None, session: ExamSession) -> None:
    """Note that a computation was asked for (the page shows its progress)."""
    ExamSession.objects.filter(pk=session.pk).update(
        compute_state=ExamSession.ComputeState.QUEUED, compute_step="", compute_error=""
    )
    record_event(
        actor=actor,
        action="results.compute_requested",
        object_type="exam_session",
        object_id=session.uuid,
    )


def run_compute(*, session_id: int, actor: Actor | None = None) -> dict[str, int]:
    """The background computation: running → done, or failed with the reason."""
    ExamSession.objects.filter(pk=session_id).update(
        compute_state=ExamSession.ComputeState.RUNNING, compute_step="results"
    )
    session = ExamSession.objects.select_related("scheme", "year").get(pk=session_id)
    try:
        return compute_results(actor=actor, session=session)
    except Exception as exc:
        message = str(getattr(exc, "message", exc))[:500]
        ExamSession.objects.filter(pk=session_id).update(
            compute_state=ExamSession.ComputeState.FAILED, compute_step="", compute_error=message
        )
        raise


# Publication --------------------------------------------------------------------------------


def _snapshot_sql(decimals: int) -> str:
    """INSERT … SELECT of a session's complete results into a publication."""
    res = ExamResult._meta.db_table
    cand = ExamCandidate._meta.db_table
    student = Student._meta.db_table
    stream = Stream._meta.db_table
    target = PublishedResult._meta.db_table
    if connection.vendor == "postgresql":
        pattern = "FM990" + ("." + "0" * decimals if decimals else "")
        payload = (
            "jsonb_build_object('name_ar', s.first_name_ar || ' ' || s.last_name_ar, "
            "'name_latn', s.first_name_latn || ' ' || s.last_name_latn, "
            "'stream', COALESCE(st.code, ''), "
            f"'average', to_char(r.final_average, '{pattern}'), "
            "'mention', r.mention, 'outcome', r.outcome)"
        )
    else:
        payload = (
            "json_object('name_ar', s.first_name_ar || ' ' || s.last_name_ar, "
            "'name_latn', s.first_name_latn || ' ' || s.last_name_latn, "
            "'stream', COALESCE(st.code, ''), "
            f"'average', printf('%%.{decimals}f', r.final_average), "
            "'mention', r.mention, 'outcome', r.outcome)"
        )
    return (
        f"INSERT INTO {target} (publication_id, national_code, birth_date, pin_hash, payload) "  # noqa: S608  table names and a format  # nosec B608: identifiers and integers from code, values bound
        f"SELECT %s, s.national_code, s.birth_date, c.pin_hash, {payload} "
        f"FROM {res} r JOIN {cand} c ON c.id = r.candidate_id "
        f"JOIN {student} s ON s.id = c.student_id "
        f"LEFT JOIN {stream} st ON st.id = c.stream_id "
        "WHERE c.session_id = %s AND r.outcome <> ''"
    )


def _changes(new: Publication, old: Publication) -> dict[str, Any]:
    """What a replacement changed: counts, and the codes whose average or outcome changed."""
    before = PublishedResult.objects.filter(
        publication=old, national_code=OuterRef("national_code")
    )
    compared = PublishedResult.objects.filter(publication=new).annotate(
        # Cast: compare as text, not with the JSON key lookups
        average=Cast(KT("payload__average"), output_field=TextField()),
        outcome=Cast(KT("payload__outcome"), output_field=TextField()),
        old_average=Subquery(
            before.annotate(v=KT("payload__average")).values("v")[:1],
            output_field=TextField(),
        ),
        old_outcome=Subquery(
            before.annotate(v=KT("payload__outcome")).values("v")[:1],
            output_field=TextField(),
        ),
        existed=Subquery(before.values("id")[:1]),
    )
    average_changed = Q(existed__isnull=False) & ~Q(average=F("old_average"))
    outcome_changed = Q(existed__isnull=False) & ~Q(outcome=F("old_outcome"))
    totals = compared.aggregate(
        rows=Count("id"),
        added=Count("id", filter=Q(existed__isnull=True)),
        average_changed=Count("id", filter=average_changed),
        outcome_changed=Count("id", filter=outcome_changed),
    )
    codes = list(
        compared.filter(average_changed | outcome_changed)
        .order_by("national_code")
        .values_list("national_code", flat=True)[:CHANGED_CODES_LISTED]
    )
    still_there = PublishedResult.objects.filter(publication=new).values("national_code")
    removed = list(
        PublishedResult.objects.filter(publication=old)
        .exclude(national_code__in=still_there)
        .order_by("national_code")
        .values_list("national_code", flat=True)[: CHANGED_CODES_LISTED + 1]
    )
    removed_count = (
        len(removed)
        if len(removed) <= CHANGED_CODES_LISTED
        else PublishedResult.objects.filter(publication=old)
        .exclude(national_code__in=still_there)
        .count()
    )
    return {
        "replaces_version": old.version,
        "rows": int(totals["rows"]),
        "added": int(totals["added"]),
        "removed": removed_count,
        "average_changed": int(totals["average_changed"]),
        "outcome_changed": int(totals["outcome_changed"]),
        "codes": codes,
        "removed_codes": removed[:CHANGED_CODES_LISTED],
    }


def _forget_now_and_on_commit() -> None:
    """This process forgets the current publications at once and again after commit (another
    request may have remembered the old state meanwhile); other workers within the TTL."""
    forget_publications()
    transaction.on_commit(forget_publications)


def _build_publication(
    *,
    actor: Actor | None,
    session: ExamSession,
    embargo_until: datetime,
    replaces: Publication | None,
    reason: str,
) -> Publication:
    if session.computed_at is None:
        raise InvalidInput(_("Compute the results before publishing them."), code="not_computed")
    if session.marks_imported_at is not None and session.marks_imported_at > session.computed_at:
        raise InvalidInput(
            _("Marks were imported after the last computation: compute the results again."),
            code="stale_results",
        )
    policy = _policy(session)
    now = timezone.now()
    version = (session.publications.aggregate(v=Max("version"))["v"] or 0) + 1
    visible_now = embargo_until <= now
    publication = Publication.objects.create(
        session=session,
        version=version,
        status=Publication.Status.PUBLISHED if visible_now else Publication.Status.SCHEDULED,
        embargo_until=embargo_until,
        published_at=embargo_until if visible_now else None,
        replaces=replaces,
        reason=reason,
        decimals=policy.decimals,
        created_by_id=actor.pk if actor is not None else None,
    )
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql(policy.decimals), [publication.pk, session.pk])
        rows = cursor.rowcount
    publication.rows = max(rows, 0)
    update = ["rows"]
    if replaces is not None:
        publication.changes = _changes(publication, replaces)
        update.append("changes")
    publication.save(update_fields=update)
    _forget_now_and_on_commit()
    return publication


@transaction.atomic
def publish_results(
    *, actor: Actor | None, session: ExamSession, embargo_until: datetime | None = None
) -> Publication:
    """Snapshot the session's computed results into a new publication, visible to the public
    from `embargo_until` (now when not given). A session has one live publication: to correct
    one, withdraw it with a replacement."""
    session = ExamSession.objects.select_for_update().get(pk=session.pk)
    if session.publications.filter(status__in=Publication.LIVE).exists():
        raise InvalidInput(
            _("This session is already published: withdraw it with a correction instead."),
            code="already_published",
        )
    when = embargo_until or session.embargo_until or timezone.now()
    publication = _build_publication(
        actor=actor, session=session, embargo_until=when, replaces=None, reason=""
    )
    record_event(
        actor=actor,
        action="results.publish",
        object_type="publication",
        object_id=publication.uuid,
        data={
            "session": str(session.uuid),
            "version": publication.version,
            "rows": publication.rows,
            "embargo_until": when.isoformat(),
        },
    )
    return publication


@transaction.atomic
def withdraw_publication(
    *,
    actor: Actor | None,
    publication: Publication,
    reason: str,
    replace: bool = False,
    embargo_until: datetime | None = None,
) -> Publication | None:
    """Withdraw a publication (the public sees nothing for the session any more) and, with
    `replace`, publish the session's current results as its corrected successor, recording what
    changed. Returns the replacement."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_("Say why the publication is withdrawn."), code="reason_required")
    session = ExamSession.objects.select_for_update().get(pk=publication.session_id)
    publication = Publication.objects.get(pk=publication.pk)
    if publication.status not in Publication.LIVE:
        raise InvalidInput(_("This publication is already withdrawn."), code="already_withdrawn")
    now = timezone.now()
    publication.status = Publication.Status.WITHDRAWN
    publication.withdrawn_at = now
    publication.reason = reason
    publication.save(update_fields=["status", "withdrawn_at", "reason"])
    replacement = None
    if replace:
        replacement = _build_publication(
            actor=actor,
            session=session,
            embargo_until=embargo_until or now,
            replaces=publication,
            reason=reason,
        )
    _forget_now_and_on_commit()
    changes = dict(replacement.changes) if replacement is not None else {}
    changes.pop("codes", None)
    changes.pop("removed_codes", None)
    record_event(
        actor=actor,
        action="results.withdraw",
        object_type="publication",
        object_id=publication.uuid,
        data={
            "session": str(session.uuid),
            "version": publication.version,
            "reason": reason[:200],
            "replacement": str(replacement.uuid) if replacement is not None else "",
            "changes": changes,
        },
    )
    return replacement
