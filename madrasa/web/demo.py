"""The demo data set: one province made by `madrasa synth` (Rabat, ~25,000 pupils) and one
account per role, scoped to what synth made. Idempotent: a second run finds the province filled
and only makes sure the accounts exist."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Model, Q

from madrasa.accounts.models import User
from madrasa.accounts.roles import Role
from madrasa.accounts.services import assign_role, create_user
from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.enrolment.services import assign_teacher
from madrasa.grading.services import load_grading
from madrasa.registry.models import (
    Guardian,
    Guardianship,
    Province,
    Region,
    School,
    SchoolYear,
    Student,
)
from madrasa.registry.services import load_structure, load_territory

from .dashboard import request_refresh, run_refresh
from .demo_assessment import (
    DemoResults,
    compute_school_bulletins,
    seed_baccalaureate,
    seed_school_marks,
)
from .synth import SYNTH_CODE_PREFIX, Progress, generate_synth, synth_provinces_present

DEMO_PASSWORD = "madrasa-demo-2026"  # noqa: S105  printed on purpose: demo accounts only
DEMO_PROVINCE = "421"  # Rabat, in region 04 (Rabat-Salé-Kénitra)
DEMO_PUPILS = 25_000
DEMO_SEED = 2028  # its Rabat has an "École primaire Ibn Sina", the school of directeur.ibnsina


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    scope: str


def _ensure_user(username: str, first: str, last: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = create_user(
            actor=None, username=username, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
    return user


def _demo_school(province: Province) -> School:
    """A public urban primary school synth made, "Ibn Sina" when there is one."""
    schools = School.objects.filter(
        province=province,
        code__startswith=SYNTH_CODE_PREFIX,
        cycle__code="primaire",
        main_school__isnull=True,
        milieu=School.Milieu.URBAN,
        sector=School.Sector.PUBLIC,
    ).order_by("code")
    school = schools.filter(name_fr__contains="Ibn Sina").first() or schools.first()
    if school is None:
        raise RuntimeError(f"synth made no public primary school in {province.code}")
    return school


def _demo_family(school: School, year: SchoolYear) -> tuple[Guardian, Student, Student]:
    """A father of two pupils enrolled this year, one of them in `school` (that one first)."""
    here = Enrolment.objects.filter(school=school, year=year, status=Enrolment.Status.ACTIVE)
    fathers_here = Guardianship.objects.filter(
        relation=Guardianship.Relation.FATHER, student__in=here.values("student")
    )
    fathers = (
        Guardian.objects.filter(pk__in=fathers_here.values("guardian"))
        .annotate(
            children=Count("guardianships", distinct=True),
            enrolled=Count(
                "guardianships",
                filter=Q(guardianships__student__school__isnull=False),
                distinct=True,
            ),
        )
        .filter(children=2, enrolled=2)
        .order_by("id")
    )
    for father in fathers[:50]:
        first, second = Student.objects.filter(guardianships__guardian=father).order_by(
            "birth_date"
        )
        if first.birth_date.year == second.birth_date.year:
            continue  # one child and a planted duplicate of it
        if second.school_id == school.pk:
            first, second = second, first
        return father, first, second
    raise RuntimeError(f"no family of two pupils in {school.code}")


def _demo_class(pupil: Student, year: SchoolYear) -> SchoolClass:
    enrolment = Enrolment.objects.select_related("school_class").get(
        student=pupil, year=year, status=Enrolment.Status.ACTIVE
    )
    if enrolment.school_class is None:
        raise RuntimeError(f"{pupil.national_code} is in no class")
    return enrolment.school_class


@transaction.atomic
def build_demo(progress: Progress | None = None) -> list[DemoAccount]:
    rabat = Province.objects.filter(code=DEMO_PROVINCE).first()
    if rabat is None or not synth_provinces_present([rabat]):
        generate_synth(
            pupils=DEMO_PUPILS, seed=DEMO_SEED, province_code=DEMO_PROVINCE, progress=progress
        )
        rabat = Province.objects.get(code=DEMO_PROVINCE)
    elif Region.objects.count() != 12 or not SchoolYear.objects.filter(is_current=True).exists():
        load_territory(actor=None)
        load_structure(actor=None)
        load_grading(actor=None)
    year = SchoolYear.objects.get(is_current=True)
    region = Region.objects.get(pk=rabat.region_id)
    school = _demo_school(rabat)
    father, child_a, child_b = _demo_family(school, year)
    school_class = _demo_class(child_a, year)
    plan: list[tuple[str, str, str, Role, dict[str, Model], str]] = [
        ("ministere", "Nadia", "Bennis", Role.MINISTRY, {}, "national"),
        ("aref.rsk", "Karim", "Sefrioui", Role.ACADEMY, {"region": region}, region.name_fr),
        ("dp.rabat", "Latifa", "Mansouri", Role.DIRECTORATE, {"province": rabat}, rabat.name_fr),
        (
            "directeur.ibnsina",
            "Rachid",
            "Kettani",
            Role.DIRECTOR,
            {"school": school},
            school.name_fr,
        ),
        (
            "enseignant.ibnsina",
            "Samira",
            "Ziani",
            Role.TEACHER,
            {"school": school},
            f"{school.name_fr}, {school_class.name}",
        ),
        (
            "parent.demo",
            father.first_name_latn,
            father.last_name_latn,
            Role.PARENT,
            {"student": child_a},
            f"{child_a.national_code}, {child_b.national_code}",
        ),
        (
            "eleve.demo",
            child_a.first_name_latn,
            child_a.last_name_latn,
            Role.PUPIL,
            {"student": child_a},
            child_a.national_code,
        ),
        ("agence.demo", "Agence", "Aide sociale", Role.AGENCY, {}, "API client, no pages"),
    ]
    accounts = []
    for username, first, last, role, scope, label in plan:
        user = _ensure_user(username, first, last)
        assign_role(actor=None, user=user, role=role, **scope)
        accounts.append(DemoAccount(username, role, label))
    parent = User.objects.get(username="parent.demo")
    assign_role(actor=None, user=parent, role=Role.PARENT, student=child_b)
    teacher = User.objects.get(username="enseignant.ibnsina")
    assign_teacher(actor=None, teacher=teacher, school_class=school_class, subject="MATH")
    return accounts


@dataclass
class DemoAssessment:
    marks: int
    bulletins: int
    results: DemoResults


def build_demo_assessment() -> DemoAssessment:
    """Marks and semester-1 bulletins in the demo school, and a published baccalauréat session
    in the province (each step skipped when already done)."""
    rabat = Province.objects.get(code=DEMO_PROVINCE)
    year = SchoolYear.objects.get(is_current=True)
    school = _demo_school(rabat)
    director = User.objects.get(username="directeur.ibnsina")
    with transaction.atomic():
        marks = seed_school_marks(school=school, year=year, director=director, seed=DEMO_SEED)
    bulletins = compute_school_bulletins(school=school, year=year, director=director)
    with transaction.atomic():
        results = seed_baccalaureate(province=rabat, year=year, seed=DEMO_SEED)
    # The dashboard's stored indicators, so its first view shows figures at once.
    run_refresh(request_refresh(actor=None, year=year, schedule=False).uuid)
    return DemoAssessment(marks, bulletins, results)
