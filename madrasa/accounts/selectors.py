"""Reads about accounts: who is acting, with which roles over which scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import RoleAssignment, User
from .roles import PAGE_ROLES, SENIORITY, STAFF_ROLES, Role

__all__ = ["Actor", "get_actor"]


@dataclass(frozen=True)
class Actor:
    """The person acting and the ids of everything their active roles reach.

    Built once per request (one query) and handed to every access function.
    """

    user: User
    roles: frozenset[Role] = frozenset()
    academy_region_ids: frozenset[int] = frozenset()
    directorate_province_ids: frozenset[int] = frozenset()
    director_school_ids: frozenset[int] = frozenset()
    teacher_school_ids: frozenset[int] = frozenset()
    parent_student_ids: frozenset[int] = frozenset()
    pupil_student_ids: frozenset[int] = frozenset()
    scope_labels: tuple[str, ...] = field(default=())

    def has(self, role: Role) -> bool:
        return role in self.roles

    @property
    def is_national(self) -> bool:
        return Role.MINISTRY in self.roles

    @property
    def is_staff_role(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def uses_pages(self) -> bool:
        return bool(self.roles & PAGE_ROLES)

    @property
    def primary_role(self) -> Role | None:
        for role in SENIORITY:
            if role in self.roles:
                return role
        return None

    @property
    def pk(self) -> int:
        return int(self.user.pk)

    def get_username(self) -> str:
        return self.user.get_username()


def get_actor(user: User) -> Actor:
    """The actor for `user`: its active role assignments folded into id sets."""
    if not user.is_authenticated or not user.is_active:
        return Actor(user=user)
    rows = RoleAssignment.objects.filter(user=user, is_active=True).values_list(
        "role", "region_id", "province_id", "school_id", "student_id"
    )
    roles: set[Role] = set()
    scopes: dict[str, set[int]] = {
        "academy": set(),
        "directorate": set(),
        "director": set(),
        "teacher": set(),
        "parent": set(),
        "pupil": set(),
    }
    for role_value, region_id, province_id, school_id, student_id in rows:
        role = Role(role_value)
        roles.add(role)
        scope_id = region_id or province_id or school_id or student_id
        if role.value in scopes and scope_id is not None:
            scopes[role.value].add(scope_id)
    return Actor(
        user=user,
        roles=frozenset(roles),
        academy_region_ids=frozenset(scopes["academy"]),
        directorate_province_ids=frozenset(scopes["directorate"]),
        director_school_ids=frozenset(scopes["director"]),
        teacher_school_ids=frozenset(scopes["teacher"]),
        parent_student_ids=frozenset(scopes["parent"]),
        pupil_student_ids=frozenset(scopes["pupil"]),
    )
