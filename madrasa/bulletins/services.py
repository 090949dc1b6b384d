"""Writes of the bulletins domain: start and run a computation (set-based, in compute.py),
teachers' and the director's remarks, signature and publication to families. Every write is
audited.

Who may call what is decided in access.py; these functions check the state of the bulletins
(published or not, computed or not, term closed or not).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from madrasa.accounts.models import User
from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput, NotFound
from madrasa.enrolment.models import Enrolment
from madrasa.grading.models import GradingPolicy
from madrasa.grading.rules import Policy
from madrasa.marks.models import Mark, TermClosure
from madrasa.registry.models import Province, Region, School, SchoolYear, Semester

from .compute import MAX_DECIMALS, SqlPolicy, compute_semester, compute_year
from .models import Bulletin, BulletinLine, BulletinRun, Period

__all__ = [
    "BATCH_SCHOOLS",
    "BulletinTarget",
    "execute_run",
    "publish_bulletins",
    "record_director_remark",
    "record_teacher_remark",
    "schools_in_scope",
    "start_bulletin_run",
]

logger = logging.getLogger(__name__)

# Schools per batch: one transaction and one set of statements each.
BATCH_SCHOOLS = 100
ScopeKind = BulletinRun.ScopeKind


@dataclass(frozen=True)
class BulletinTarget:
    """What is computed or published: a semester's bulletins, or the year bulletins."""

    year: SchoolYear
    semester: Semester | None = None

    @property
    def period(self) -> str:
        if self.semester is None:
            return str(Period.YEAR)
        return f"S{self.semester.number}"

    @classmethod
    def of(cls, year: SchoolYear, period: str) -> BulletinTarget:
        """`period` is S1, S2 or Y."""
        if period == Period.YEAR:
            return cls(year=year)
        semester = None
        if period in {Period.S1, Period.S2}:
            semester = Semester.objects.filter(year=year, number=int(period[1])).first()
        if semester is None:
            raise InvalidInput(
                _("The year %(year)s has no period %(period)s.")
                % {"year": year.code, "period": period},
                code="no_semester",
            )
        return cls(year=year, semester=semester)


def _user(actor: Any) -> User | None:
    """The acting user (services are called with a User, an Actor, or None for the system)."""
    if actor is None:
        return None
    user = getattr(actor, "user", actor)
    return user if isinstance(user, User) else None


def schools_in_scope(kind: str, code: str = "") -> QuerySet[School]:
    """The schools of a school (by code), province, region or the whole country."""
    schools = School.objects.all()
    if kind == ScopeKind.SCHOOL:
        found = schools.filter(code=code)
    elif kind == ScopeKind.PROVINCE:
        found = schools.filter(province__code=code)
        if not Province.objects.filter(code=code).exists():
            raise NotFound(_("No such province or prefecture."))
    elif kind == ScopeKind.REGION:
        found = schools.filter(province__region__code=code)
        if not Region.objects.filter(code=code).exists():
            raise NotFound(_("No such region."))
    elif kind == ScopeKind.NATION:
        found = schools
    else:
        raise InvalidInput(_("Unknown scope %(kind)s.") % {"kind": kind}, code="bad_scope")
    if kind == ScopeKind.SCHOOL and not found.exists():
        raise NotFound(_("No such school."))
    return found


def _sql_policy(year: SchoolYear) -> SqlPolicy:
    row = GradingPolicy.objects.filter(year=year).first()
    if row is None:
        raise InvalidInput(
            _("This school year has no grading policy yet; the ministry must set it first."),
            code="no_policy",
        )
    policy = Policy.from_model(row)
    if policy.decimals > MAX_DECIMALS:
        raise InvalidInput(
            _("Bulletins keep averages with at most two decimals; the policy asks for more."),
            code="policy_decimals",
        )
    return SqlPolicy.from_policy(policy)


def _published(target: BulletinTarget, school_ids: Any) -> QuerySet[Bulletin]:
    return Bulletin.objects.filter(
        period=target.period,
        enrolment__year=target.year,
        enrolment__school_id__in=school_ids,
        published_at__isnull=False,
    )


@transaction.atomic
def start_bulletin_run(
    *,
    actor: Any,
    scope_kind: str,
    scope_code: str = "",
    target: BulletinTarget,
    correction: bool = False,
    schedule: bool = True,
) -> BulletinRun:
    """Queue the computation of a scope's bulletins for a period; the background task
    (`tasks.compute_bulletins`) runs it once this transaction commits (with `schedule`).

    Published bulletins are not changed silently: for one school they make the request fail
    unless `correction` is asked, which unpublishes them (audited) so they are recomputed and
    published again; in a wider scope the schools that published are left out (counted in
    `skipped`) unless `correction` is asked.
    """
    _sql_policy(target.year)  # refuse now, not in the background, when there is no policy
    schools = schools_in_scope(scope_kind, scope_code)
    published = _published(target, schools.values("id"))
    if correction:
        count = published.update(published_at=None, signed_at=None, signed_by=None)
        if count:
            record_event(
                actor=_user(actor),
                action="bulletins.correct",
                object_type=f"bulletins_{scope_kind}",
                object_id=scope_code or "nation",
                data={"period": target.period, "year": target.year.code, "unpublished": count},
            )
    elif scope_kind == ScopeKind.SCHOOL and published.exists():
        raise InvalidInput(
            _(
                "These bulletins are published: recomputing them is a correction, which "
                "withdraws them from families until you publish them again."
            ),
            code="published",
        )
    run = BulletinRun.objects.create(
        scope_kind=scope_kind,
        scope_code=scope_code,
        year=target.year,
        semester=target.semester,
        period=target.period,
        correction=correction,
        actor=_user(actor),
    )
    record_event(
        actor=_user(actor),
        action="bulletins.compute",
        object_type="bulletin_run",
        object_id=run.uuid,
        data={
            "scope": scope_kind,
            "code": scope_code,
            "period": target.period,
            "year": target.year.code,
            "correction": correction,
        },
    )
    if schedule:
        run_uuid = run.uuid
        transaction.on_commit(lambda: enqueue_run(run_uuid))
    return run


def enqueue_run(run_uuid: uuid.UUID) -> None:
    """Hand the run to the background worker (`madrasa serve` runs one)."""
    from .tasks import compute_bulletins  # tasks import this module

    compute_bulletins.enqueue(str(run_uuid))


def _target_of(run: BulletinRun) -> BulletinTarget:
    return BulletinTarget(year=run.year, semester=run.semester)


def execute_run(
    *,
    run_uuid: uuid.UUID,
    progress: Callable[[BulletinRun], None] | None = None,
    batch_size: int = BATCH_SCHOOLS,
) -> BulletinRun | None:
    """Compute a queued run, batch by batch (each batch of schools is one transaction and one
    set of statements), moving `done` after each. Safe to run again: a finished run is left
    as it is, an interrupted one starts over (the computation is idempotent)."""
    run = BulletinRun.objects.select_related("year", "semester").filter(uuid=run_uuid).first()
    if run is None or run.is_finished:
        return run
    target = _target_of(run)
    try:
        policy = _sql_policy(run.year)
        schools = schools_in_scope(run.scope_kind, run.scope_code)
        with_pupils = (
            Enrolment.objects.filter(
                school__in=schools.values("id"),
                year=run.year,
                status=Enrolment.Status.ACTIVE,
            )
            .values_list("school_id", flat=True)
            .distinct()
        )
        school_ids = sorted(set(with_pupils))
        published = set(
            _published(target, school_ids).values_list("enrolment__school_id", flat=True).distinct()
        )
        # Bulletins of schools that stopped having pupils are cleaned by their own run.
        todo = [s for s in school_ids if s not in published]
        run.status = BulletinRun.Status.RUNNING
        run.started_at = timezone.now()
        run.total = len(todo)
        run.skipped = len(published)
        run.done = 0
        run.error = ""
        run.save(update_fields=["status", "started_at", "total", "skipped", "done", "error"])
        if progress is not None:
            progress(run)
        for start in range(0, len(todo), batch_size):
            batch = todo[start : start + batch_size]
            with transaction.atomic():
                now = timezone.now()
                first = start == 0
                if target.semester is not None:
                    compute_semester(batch, target.semester, policy, now=now, analyze=first)
                else:
                    compute_year(batch, run.year_id, policy, now=now, analyze=first)
                run.done = start + len(batch)
                run.save(update_fields=["done"])
            if progress is not None:
                progress(run)
        run.bulletins = Bulletin.objects.filter(
            period=target.period, enrolment__year=run.year, enrolment__school_id__in=todo
        ).count()
        run.status = BulletinRun.Status.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["bulletins", "status", "finished_at"])
    except Exception as exc:
        logger.exception("bulletin run %s failed", run.uuid)
        run.status = BulletinRun.Status.FAILED
        run.error = str(exc)[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
    if progress is not None:
        progress(run)
    return run


# Remarks ----------------------------------------------------------------------------------------


def _refuse_published(bulletin: Bulletin) -> None:
    if bulletin.published_at is not None:
        raise InvalidInput(
            _("This bulletin is published: it can no longer be changed."), code="published"
        )


@transaction.atomic
def record_teacher_remark(*, actor: Any, line: BulletinLine, text: str) -> BulletinLine:
    """The subject teacher's remark on a pupil's line (access.can_remark_on_line decides who)."""
    line = (
        BulletinLine.objects.select_for_update()
        .select_related("bulletin", "subject")
        .get(pk=line.pk)
    )
    _refuse_published(line.bulletin)
    text = text.strip()[:300]
    if text == line.teacher_remark:
        return line
    line.teacher_remark = text
    line.save(update_fields=["teacher_remark"])
    record_event(
        actor=_user(actor),
        action="bulletins.teacher_remark",
        object_type="bulletin",
        object_id=line.bulletin.uuid,
        data={"subject": line.subject.code, "length": len(text)},
    )
    return line


@transaction.atomic
def record_director_remark(*, actor: Any, bulletin: Bulletin, text: str) -> Bulletin:
    bulletin = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    _refuse_published(bulletin)
    text = text.strip()[:500]
    if text == bulletin.director_remark:
        return bulletin
    bulletin.director_remark = text
    bulletin.save(update_fields=["director_remark"])
    record_event(
        actor=_user(actor),
        action="bulletins.director_remark",
        object_type="bulletin",
        object_id=bulletin.uuid,
        data={"length": len(text)},
    )
    return bulletin


# Publication ------------------------------------------------------------------------------------


def _closing_semester(target: BulletinTarget) -> Semester | None:
    if target.semester is not None:
        return target.semester
    last = Semester.objects.filter(year=target.year).aggregate(n=Max("number"))["n"]
    return Semester.objects.filter(year=target.year, number=last).first()


@transaction.atomic
def publish_bulletins(*, actor: Any, school: School, target: BulletinTarget) -> int:
    """Sign the school's bulletins of the period (the director) and publish them to families.

    Refused while the term is open, when nothing was computed, or when a mark changed after the
    computation (compute again first). Publishing again what is published changes nothing.
    Returns how many bulletins were published.
    """
    closing = _closing_semester(target)
    if closing is None or not TermClosure.objects.filter(school=school, semester=closing).exists():
        raise InvalidInput(_("Close the term before publishing its bulletins."), code="term_open")
    bulletins = Bulletin.objects.filter(
        period=target.period, enrolment__school=school, enrolment__year=target.year
    )
    pending = bulletins.filter(published_at__isnull=True)
    if not bulletins.exists():
        raise InvalidInput(_("Compute the bulletins before publishing them."), code="not_computed")
    if pending.filter(computed_at__isnull=True).exists():
        raise InvalidInput(_("Compute the bulletins before publishing them."), code="not_computed")
    if not pending.exists():
        return 0
    if target.semester is not None:
        oldest = pending.order_by("computed_at").values_list("computed_at", flat=True).first()
        changed = Mark.objects.filter(
            Q(year=target.year),  # one year's partition
            Q(enrolment__school=school) & Q(enrolment__year=target.year),
            assessment__semester=target.semester,
            updated_at__gt=oldest,
        ).exists()
        if changed:
            raise InvalidInput(
                _("Marks changed after the bulletins were computed: compute them again."),
                code="stale",
            )
    now = timezone.now()
    user = _user(actor)
    count = pending.update(signed_by=user, signed_at=now, published_at=now)
    record_event(
        actor=user,
        action="bulletins.publish",
        object_type="school",
        object_id=school.code,
        data={"period": target.period, "year": target.year.code, "count": count},
    )
    return count
