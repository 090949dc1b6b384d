"""The roles of Madrasa and the territory each one is scoped to (pure data, no ORM)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MINISTRY = "ministry", _("Ministry (national)")
    ACADEMY = "academy", _("Regional academy")
    DIRECTORATE = "directorate", _("Provincial directorate")
    DIRECTOR = "director", _("School director")
    TEACHER = "teacher", _("Teacher")
    PARENT = "parent", _("Parent or guardian")
    PUPIL = "pupil", _("Pupil")
    AGENCY = "agency", _("Agency (API client)")
    HEALTH = "health", _("School health staff")


# Which scope field each role's assignment must carry (and no other).
SCOPE_FIELD: dict[Role, str | None] = {
    Role.MINISTRY: None,
    Role.ACADEMY: "region",
    Role.DIRECTORATE: "province",
    Role.DIRECTOR: "school",
    Role.TEACHER: "school",
    Role.PARENT: "student",
    Role.PUPIL: "student",
    Role.AGENCY: None,
    Role.HEALTH: "school",
}
SCOPE_FIELDS = ("region", "province", "school", "student")

# Staff roles act on other people's data: a second factor is required in production.
STAFF_ROLES = frozenset(
    {Role.MINISTRY, Role.ACADEMY, Role.DIRECTORATE, Role.DIRECTOR, Role.TEACHER, Role.HEALTH}
)
# Roles that use the web pages (the agency is an API client only).
PAGE_ROLES = frozenset(set(Role) - {Role.AGENCY})
# Most senior first: decides the home page of a person holding several roles.
SENIORITY = (
    Role.MINISTRY,
    Role.ACADEMY,
    Role.DIRECTORATE,
    Role.DIRECTOR,
    Role.TEACHER,
    Role.HEALTH,
    Role.PARENT,
    Role.PUPIL,
    Role.AGENCY,
)
