"""Who may see and run exam sessions and publications.

The exam administration is the ministry: it creates sessions, imports marks, computes, publishes
and withdraws. A regional academy reads, before and after publication, the results of the
candidates who sit in its region's exam centres (to check them before results day); it changes
nothing. Everyone else sees exam results only through results day (the public lookup), after the
embargo. A session or publication the actor may not see is reported as not found.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import NotFound, PermissionDenied

from .models import ExamCandidate, ExamSession, Publication

__all__ = [
    "EXAM_READ_ROLES",
    "access_publication",
    "access_session",
    "can_run_exams",
    "session_candidates",
    "visible_sessions",
]

EXAM_READ_ROLES = frozenset({Role.MINISTRY, Role.ACADEMY})


def can_run_exams(actor: Actor) -> bool:
    return actor.has(Role.MINISTRY)


def visible_sessions(actor: Actor) -> QuerySet[ExamSession]:
    base = ExamSession.objects.select_related("year", "scheme", "scheme__level", "follows")
    if actor.has(Role.MINISTRY) or actor.has(Role.ACADEMY):
        return base
    return base.none()


def access_session(actor: Actor, session_uuid: UUID, *, for_write: bool = False) -> ExamSession:
    session = visible_sessions(actor).filter(uuid=session_uuid).first()
    if session is None:
        raise NotFound(_("No such exam session."))
    if for_write and not can_run_exams(actor):
        raise PermissionDenied(_("Only the exam administration (ministry) can do this."))
    return session


def session_candidates(actor: Actor, session: ExamSession) -> QuerySet[ExamCandidate]:
    """The candidates whose results the actor may read: all for the ministry, those of the
    academy's region's exam centres for an academy."""
    rows = ExamCandidate.objects.filter(session=session)
    if actor.has(Role.MINISTRY):
        return rows
    if actor.has(Role.ACADEMY):
        return rows.filter(centre__province__region_id__in=actor.academy_region_ids)
    return rows.none()


def access_publication(
    actor: Actor, publication_uuid: UUID, *, for_write: bool = False
) -> Publication:
    publication = (
        Publication.objects.select_related("session", "replaces", "created_by")
        .filter(uuid=publication_uuid, session__in=visible_sessions(actor))
        .first()
    )
    if publication is None:
        raise NotFound(_("No such publication."))
    if for_write and not can_run_exams(actor):
        raise PermissionDenied(_("Only the exam administration (ministry) can do this."))
    return publication
