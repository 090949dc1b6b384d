"""Every role against an object inside and outside its scope, for every access function."""

from __future__ import annotations

import pytest

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.core.errors import NotFound
from madrasa.registry.access import access_province, access_region, access_school, access_student

# role -> (region, province, school, student) visible when the object is the role's "own"
EXPECTED_OWN = {
    Role.MINISTRY: (True, True, True, True),
    Role.ACADEMY: (True, True, True, True),
    Role.DIRECTORATE: (False, True, True, True),
    Role.DIRECTOR: (False, False, True, True),
    Role.TEACHER: (False, False, True, True),  # the pupils of the classes they teach
    Role.PARENT: (False, False, False, True),
    Role.PUPIL: (False, False, False, True),
    Role.AGENCY: (False, False, False, False),
    Role.HEALTH: (False, False, False, False),  # the health record only (madrasa/health)
}
# Only the national role reaches objects outside the scope of the others.
EXPECTED_OTHER = {role: (role == Role.MINISTRY,) * 4 for role in Role}


def _visible(world: World, role: Role, *, own: bool) -> tuple[bool, bool, bool, bool]:
    actor = world.actor(role)
    region = world.region if own else world.other_region
    province = world.province if own else world.other_province
    school = world.school if own else world.other_school
    student = world.student if own else world.other_student
    outcomes = []
    for check in (
        lambda: access_region(actor, region.code),
        lambda: access_province(actor, province.code),
        lambda: access_school(actor, school.uuid),
        lambda: access_student(actor, student.uuid),
    ):
        try:
            check()
        except NotFound:
            outcomes.append(False)
        else:
            outcomes.append(True)
    return outcomes[0], outcomes[1], outcomes[2], outcomes[3]


@pytest.mark.parametrize("role", list(Role))
def test_it_shows_each_role_exactly_its_own_scope(world: World, role: Role) -> None:
    # given the world, when the role asks for its own objects, then
    assert _visible(world, role, own=True) == EXPECTED_OWN[role]


@pytest.mark.parametrize("role", list(Role))
def test_it_hides_objects_outside_the_scope(world: World, role: Role) -> None:
    assert _visible(world, role, own=False) == EXPECTED_OTHER[role]


def test_it_stops_access_as_soon_as_a_role_is_revoked(world: World) -> None:
    from madrasa.accounts.models import RoleAssignment
    from madrasa.accounts.services import revoke_role

    # given a director who sees the school
    access_school(world.actor(Role.DIRECTOR), world.school.uuid)
    # when the role is revoked
    assignment = RoleAssignment.objects.get(user=world.users[Role.DIRECTOR])
    revoke_role(actor=None, assignment=assignment)
    # then the very next check refuses
    with pytest.raises(NotFound):
        access_school(world.actor(Role.DIRECTOR), world.school.uuid)


def test_a_parent_sees_every_child_and_only_them(world: World) -> None:
    from madrasa.accounts.services import assign_role

    parent = world.users[Role.PARENT]
    assign_role(actor=None, user=parent, role=Role.PARENT, student=world.other_student)
    actor = world.actor(Role.PARENT)
    assert access_student(actor, world.student.uuid) == world.student
    assert access_student(actor, world.other_student.uuid) == world.other_student
    with pytest.raises(NotFound):
        access_school(actor, world.school.uuid)
