"""Shared fixtures: a small world with one actor per role, each with an object inside its
scope ("own") and the same kind of object outside it ("other")."""

from __future__ import annotations

import copy
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model
from django.test import Client
from django.utils import timezone
from pytest_django.django_compat import is_django_unittest

from madrasa.accounts.models import User
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor, get_actor
from madrasa.accounts.services import assign_role, create_user
from madrasa.core.audit import canonical_entry, chain_hash
from madrasa.core.models import AuditChainHead, AuditEvent
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
    """The world of one test: a copy of the one its database already holds (see "Preloaded"
    below), or built here when the database does not hold it."""
    preloaded = preloaded_world()
    if preloaded is not None:
        replay_audit(_preloaded.events)
        return copy.deepcopy(preloaded)
    remove_preloaded()
    load_territory(actor=None)
    load_structure(actor=None)
    load_grading(actor=None)
    return _world_rows()


def _world_rows() -> World:
    """The world's own rows, once the reference data is loaded."""
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


# Preloaded: building a world runs load_territory, load_structure and load_grading (Morocco's
# territory, school structure and three years of grading policy; on PostgreSQL each school year
# also creates its partitions) and some twenty services, which took most of the time of most
# tests. So each test database (one per xdist worker) builds it once, committed, when it is created
# (django_db_setup below), and again after a transactional test has emptied it (flushable_db). A
# test then starts from the same rows as when it built its own world:
# - a test that uses `world` finds the rows already there; build_world writes the audit entries
#   that building it wrote (they are kept out of the shared database, so that the log holds only
#   the test's own entries) and returns a copy of the World objects as built;
# - a test that uses the database without `world` does not see them: they are deleted inside the
#   test's transaction (_django_db_helper below), with the year partitions they made.
# When the day has changed since the preload (a run across midnight), or the rows are gone,
# build_world deletes what is left and builds the world inside the test, as it always did.
@dataclass
class Preloaded:
    world: World | None = None
    built_on: date | None = None
    # The audit entries the loaders and services wrote, in order (fields of record_event).
    events: list[dict[str, Any]] = field(default_factory=list)
    # Tables the preload filled (empty before), and on PostgreSQL the partitions it created.
    tables: list[str] = field(default_factory=list)
    partitions: list[str] = field(default_factory=list)


_preloaded = Preloaded()
_EVENT_FIELDS = (
    "actor_id",
    "actor_username",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "ip_address",
    "request_id",
    "data",
)


def _row_counts() -> dict[str, int]:
    tables = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return {table: _count(table) for table in sorted(tables)}


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608  a model's table
        return int(cursor.fetchone()[0])


def _partitions() -> set[str]:
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE c.relkind IN ('r', 'p')"
        )
        return {name for (name,) in cursor.fetchall()}


def _set_audit_trigger(trigger: str, state: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE core_auditevent {state} TRIGGER {trigger}")


def preload_world() -> None:
    """Build the world, committed; keep its audit entries aside and take them out of the log
    (the chain head goes back to where it was)."""
    with transaction.atomic():
        head = AuditChainHead.objects.filter(id=1).values("seq", "row_hash").first()
        first_seq = head["seq"] if head else 0
        counts, partitions = _row_counts(), _partitions()
        load_territory(actor=None)
        load_structure(actor=None)
        load_grading(actor=None)
        world = _world_rows()
        written = AuditEvent.objects.filter(seq__gt=first_seq).order_by("seq")
        events = [dict(event) for event in written.values(*_EVENT_FIELDS)]
        _set_audit_trigger("core_auditevent_append_only", "DISABLE")
        written._raw_delete(written.db)
        _set_audit_trigger("core_auditevent_append_only", "ENABLE")
        if head is None:
            AuditChainHead.objects.filter(id=1).delete()
        else:
            AuditChainHead.objects.filter(id=1).update(**head)
        after = _row_counts()
        changed = [t for t, n in counts.items() if n and after[t] != n]
        if changed:
            raise RuntimeError(f"building the world changed tables that had rows: {changed}")
        _preloaded.world = world
        _preloaded.built_on = timezone.localdate()
        _preloaded.events = events
        _preloaded.tables = [t for t, n in counts.items() if not n and after[t]]
        _preloaded.partitions = sorted(_partitions() - partitions)


def preloaded_world() -> World | None:
    """The preloaded world if the database holds it and it was built today, else None."""
    world = _preloaded.world
    if world is None or _preloaded.built_on != timezone.localdate():
        return None
    return world if School.objects.filter(pk=world.school.pk).exists() else None


def remove_preloaded() -> None:
    """Delete the preloaded rows and partitions (inside a test's transaction: for it only)."""
    if not _preloaded.tables:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for partition in _preloaded.partitions:
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(partition)}")
        for table in _preloaded.tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608  a model's table


def replay_audit(events: list[dict[str, Any]]) -> None:
    """Append these entries to the audit log as record_event does, in one INSERT."""
    with transaction.atomic():
        AuditChainHead.objects.get_or_create(id=1)
        head = AuditChainHead.objects.select_for_update().get(id=1)
        rows = []
        for event in events:
            head.seq += 1
            fields = {"seq": head.seq, "created_at": datetime.now(tz=UTC), **event}
            row_hash = chain_hash(head.row_hash, canonical_entry(**fields))
            rows.append(AuditEvent(prev_hash=head.row_hash, row_hash=row_hash, **fields))
            head.row_hash = row_hash
        AuditEvent.objects.bulk_create(rows)
        head.save(update_fields=["seq", "row_hash"])


@pytest.fixture(scope="session")
def django_db_setup(
    django_db_setup: None, django_db_blocker: Any, django_db_keepdb: bool
) -> Iterator[None]:
    """pytest-django's test databases, each holding the preloaded world (taken out again at the
    end when the database is kept, --reuse-db)."""
    with django_db_blocker.unblock():
        preload_world()
    yield
    if django_db_keepdb:
        with django_db_blocker.unblock():
            remove_preloaded()


@pytest.fixture
def _django_db_helper(_django_db_helper: None, request: pytest.FixtureRequest) -> None:
    """pytest-django's per-test database set-up (a transaction, or a transactional test case:
    its private fixture, which `db`, `transactional_db` and the django_db mark all use; the
    version is pinned), then the preloaded world taken out for a test that does not use `world`."""
    if "world" not in request.fixturenames and not is_django_unittest(request):
        remove_preloaded()


def pytest_report_header() -> str:
    return f"madrasa test database: {os.environ.get('MADRASA_TEST_DB', 'sqlite')}"


# With `--dist loadfile`, a module's tests run on one xdist worker, which keeps a module's set-up
# (module-scoped fixtures) in one place. The access matrix alone is most of the suite, so one
# worker would run it while the other finishes the rest and waits: the tests of a module this
# big are shared out one by one instead (after the modules, which start biggest first).
SHARED_OUT_OVER = 200  # tests in one module


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, absent under -p no:xdist
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling  # type: ignore[import-untyped]

    class ModulesExceptBigOnes(LoadFileScheduling):  # type: ignore[misc]
        sizes: Counter[str] = Counter()

        def schedule(self) -> None:
            if self.collection is None and self.registered_collections:
                nodeids = next(iter(self.registered_collections.values()))
                self.sizes = Counter(nodeid.split("::", 1)[0] for nodeid in nodeids)
            super().schedule()

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return nodeid if self.sizes[module] > SHARED_OUT_OVER else module

    return ModulesExceptBigOnes(config, log)


@pytest.fixture
def _restored_after_flush(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        _set_audit_trigger("core_auditevent_no_truncate", "ENABLE")
        preload_world()


@pytest.fixture
def flushable_db(_restored_after_flush: None, transactional_db: None) -> Iterator[None]:
    """A transactional database (committed writes, several connections) that can be emptied
    afterwards: on PostgreSQL the audit log refuses TRUNCATE, so the trigger is switched off for
    the flush and on again after it; then the world is preloaded again."""
    yield
    _set_audit_trigger("core_auditevent_no_truncate", "DISABLE")


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Services called directly by a test answer in English, so tests can match messages. A
    request made through the test client still chooses its own language (Arabic by default)."""
    from django.utils import translation

    with translation.override("en"):
        yield
