"""Shared fixtures: a small world with one actor per role, each with an object inside its
scope ("own") and the same kind of object outside it ("other")."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client

from madrasa.accounts.models import User
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor, get_actor
from madrasa.accounts.services import assign_role, create_user
from madrasa.enrolment.models import SchoolClass
from madrasa.enrolment.services import assign_teacher, create_class, current_year, enrol_student
from madrasa.grading.services import load_grading
from madrasa.registry.models import Level, Province, Region, School, Student
from madrasa.registry.services import (
    create_school,
    create_student,
    load_structure,
    load_territory,
)

PASSWORD = "correct-horse-battery-staple"  # noqa: S105  test fixture, not a secret


@dataclass
class World:
    region: Region
    other_region: Region
    province: Province
    other_province: Province
    school: School
    other_school: School
    student: Student
    other_student: Student
    users: dict[Role, User] = field(default_factory=dict)
    # world.classes[0] is in world.school, [1] in world.other_school (both P5, current year).
    classes: list[SchoolClass] = field(default_factory=list)

    def actor(self, role: Role) -> Actor:
        return get_actor(User.objects.get(pk=self.users[role].pk))

    def client(self, role: Role) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client


def build_world() -> World:
    load_territory(actor=None)
    load_structure(actor=None)
    load_grading(actor=None)
    region = Region.objects.get(code="04")
    other_region = Region.objects.get(code="06")
    province = Province.objects.get(code="421")  # Rabat, in region 04
    other_province = Province.objects.get(code="141")  # Casablanca, in region 06
    school = create_school(
        actor=None,
        code="T0001",
        name_fr="École Ibn Sina",
        name_ar="مدرسة ابن سينا",
        province=province,
        milieu="urban",
    )
    other_school = create_school(
        actor=None,
        code="T0002",
        name_fr="École Al Farabi",
        name_ar="مدرسة الفارابي",
        province=other_province,
        milieu="rural",
    )
    student = create_student(
        actor=None,
        national_code="A100000001",
        first_name_ar="ياسين",
        last_name_ar="العلوي",
        first_name_latn="Yassine",
        last_name_latn="Alaoui",
        birth_date=date(2012, 3, 1),
        gender="M",
        school=school,
    )
    other_student = create_student(
        actor=None,
        national_code="B200000002",
        first_name_ar="سلمى",
        last_name_ar="بناني",
        first_name_latn="Salma",
        last_name_latn="Bennani",
        birth_date=date(2011, 5, 9),
        gender="F",
        school=other_school,
    )
    world = World(
        region, other_region, province, other_province, school, other_school, student, other_student
    )
    scopes: dict[Role, dict[str, Model]] = {
        Role.MINISTRY: {},
        Role.ACADEMY: {"region": region},
        Role.DIRECTORATE: {"province": province},
        Role.DIRECTOR: {"school": school},
        Role.TEACHER: {"school": school},
        Role.PARENT: {"student": student},
        Role.PUPIL: {"student": student},
        Role.AGENCY: {},
        Role.HEALTH: {"school": school},
    }
    for role, scope in scopes.items():
        user = create_user(actor=None, username=f"{role.value}.user", password=PASSWORD)
        assign_role(actor=None, user=user, role=role, **scope)
        world.users[role] = user
    # Each pupil is enrolled in a class of their school for the current year (P5); the teacher
    # teaches mathematics (subject code MATH) to the first school's class, so sees world.student
    # and not world.other_student. Every school year has Morocco's default grading policy.
    year = current_year()
    level = Level.objects.get(code="P5")
    for where, who in ((school, student), (other_school, other_student)):
        school_class = create_class(actor=None, school=where, year=year, level=level, name="5A")
        enrol_student(actor=None, student=who, school=where, level=level, school_class=school_class)
        world.classes.append(school_class)
    assign_teacher(
        actor=None,
        teacher=world.users[Role.TEACHER],
        school_class=world.classes[0],
        subject="MATH",
    )
    return world


@pytest.fixture
def world(db: None) -> World:
    return build_world()


def pytest_report_header() -> str:
    return f"madrasa test database: {os.environ.get('MADRASA_TEST_DB', 'sqlite')}"


_AUDIT_TRUNCATE_TRIGGER = "ALTER TABLE core_auditevent {} TRIGGER core_auditevent_no_truncate"


def _set_audit_truncate_trigger(state: str) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_AUDIT_TRUNCATE_TRIGGER.format(state))


@pytest.fixture
def _audit_trigger_restored(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        _set_audit_truncate_trigger("ENABLE")


@pytest.fixture
def flushable_db(_audit_trigger_restored: None, transactional_db: None) -> Iterator[None]:
    """A transactional database (committed writes, several connections) that can be emptied
    afterwards: on PostgreSQL the audit log refuses TRUNCATE, so the trigger is switched off for
    the flush and on again after it."""
    yield
    _set_audit_truncate_trigger("DISABLE")


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Services called directly by a test answer in English, so tests can match messages. A
    request made through the test client still chooses its own language (Arabic by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield
