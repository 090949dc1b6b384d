"""Who may read and change the grading policy. It is national configuration, not personal data:
the ministry changes it; the staff who apply it (academies, directorates, directors, teachers)
read it; families and agencies have no use for the raw tables (their report cards explain the
rules that applied)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.core.errors import NotFound, PermissionDenied
from madrasa.registry.models import SchoolYear

__all__ = [
    "GRADING_EDITORS",
    "GRADING_READERS",
    "access_year_for_edit",
    "access_year_for_read",
    "can_edit_grading",
    "can_read_grading",
]

GRADING_READERS = frozenset(
    {Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.TEACHER}
)
GRADING_EDITORS = frozenset({Role.MINISTRY})


def can_read_grading(actor: Actor) -> bool:
    return bool(actor.roles & GRADING_READERS)


def can_edit_grading(actor: Actor) -> bool:
    return bool(actor.roles & GRADING_EDITORS)


def _year(code: str) -> SchoolYear:
    year = SchoolYear.objects.filter(code=code).first()
    if year is None:
        raise NotFound(_("No school year %(code)s.") % {"code": code})
    return year


def access_year_for_read(actor: Actor, code: str) -> SchoolYear:
    if not can_read_grading(actor):
        raise PermissionDenied(_("The grading policy is shown to school and ministry staff."))
    return _year(code)


def access_year_for_edit(actor: Actor, code: str) -> SchoolYear:
    if not can_edit_grading(actor):
        raise PermissionDenied(_("Only the ministry changes the grading policy."))
    return _year(code)
