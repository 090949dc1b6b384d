"""Users, their role assignments (each scoped to a piece of territory), and login failures."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .roles import SCOPE_FIELD, SCOPE_FIELDS, Role


class User(AbstractUser):
    """A person (or an agency's API client) who signs in.

    PII: username, names, email; retention: while the account is active + 1 year.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Bumped to end every session of the user at once (disable, password reset).
    session_version = models.PositiveIntegerField(default=0)

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "madrasa.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_version}",
            algorithm="sha256",
        ).hexdigest()


def _scope_check(role: Role) -> Q:
    """The role's own scope field is set and every other one is empty."""
    needed = SCOPE_FIELD[role]
    condition = Q(role=role)
    for field in SCOPE_FIELDS:
        condition &= Q(**{f"{field}__isnull": field != needed})
    return condition


class RoleAssignment(models.Model):
    """One role held by one user over one scope (a region, a province, a school, a pupil).

    PII: none beyond links to a user and a pupil; retention: as the user.
    """

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=16, choices=Role.choices)
    region = models.ForeignKey(
        "registry.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    province = models.ForeignKey(
        "registry.Province", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    school = models.ForeignKey(
        "registry.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    student = models.ForeignKey(
        "registry.Student", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=(
                    _scope_check(Role.MINISTRY)
                    | _scope_check(Role.ACADEMY)
                    | _scope_check(Role.DIRECTORATE)
                    | _scope_check(Role.DIRECTOR)
                    | _scope_check(Role.TEACHER)
                    | _scope_check(Role.PARENT)
                    | _scope_check(Role.PUPIL)
                    | _scope_check(Role.AGENCY)
                    | _scope_check(Role.HEALTH)
                ),
                name="role_assignment_scope_matches_role",
                violation_error_message=_(
                    "This role must be scoped to exactly one item of the matching kind "
                    "(region, province, school or pupil)."
                ),
            ),
            # One assignment per user, role and scope (a NULL scope counts as one value).
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(region__isnull=True, province__isnull=True)
                & Q(school__isnull=True, student__isnull=True),
                name="role_assignment_unique_national",
            ),
            *[
                models.UniqueConstraint(
                    fields=["user", "role", field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"role_assignment_unique_{field}",
                )
                for field in SCOPE_FIELDS
            ],
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role}"


class LoginFailure(models.Model):
    """A failed sign-in, counted per account and per address to throttle guessing.

    PII: IP address, hashed username; retention: the throttling window (deleted after).
    """

    created_at = models.DateTimeField(db_index=True)
    account_key = models.CharField(max_length=64, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"failure {self.account_key[:8]} {self.created_at:%Y-%m-%d %H:%M}"
