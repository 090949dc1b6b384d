"""The demo data set: a few schools and pupils, and one account per role. Idempotent."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Model

from madrasa.accounts.models import User
from madrasa.accounts.roles import Role
from madrasa.accounts.services import assign_role, create_user
from madrasa.registry.models import Province, Region, School, Student
from madrasa.registry.services import create_school, create_student, load_territory

DEMO_PASSWORD = "madrasa-demo-2026"  # noqa: S105  printed on purpose: demo accounts only

FIRST_NAMES = [
    ("Yassine", "ياسين", "M"),
    ("Aya", "آية", "F"),
    ("Omar", "عمر", "M"),
    ("Salma", "سلمى", "F"),
    ("Mehdi", "المهدي", "M"),
    ("Imane", "إيمان", "F"),
    ("Hamza", "حمزة", "M"),
    ("Khadija", "خديجة", "F"),
    ("Ayoub", "أيوب", "M"),
    ("Fatima Zahra", "فاطمة الزهراء", "F"),
    ("Anas", "أنس", "M"),
    ("Hiba", "هبة", "F"),
    ("Zakaria", "زكرياء", "M"),
    ("Nour", "نور", "F"),
    ("Adam", "آدم", "M"),
    ("Meryem", "مريم", "F"),
    ("Ilyas", "إلياس", "M"),
    ("Rania", "رانية", "F"),
]
LAST_NAMES = [
    ("Alaoui", "العلوي"),
    ("Bennani", "بناني"),
    ("El Idrissi", "الإدريسي"),
    ("Tazi", "التازي"),
    ("Berrada", "برادة"),
    ("Amrani", "العمراني"),
    ("Chraibi", "الشرايبي"),
    ("Fassi", "الفاسي"),
    ("Ouazzani", "الوزاني"),
    ("Naciri", "الناصري"),
    ("Lahlou", "لحلو"),
    ("Benjelloun", "بنجلون"),
]
SCHOOLS = [
    # code, French name, Arabic name, province code, milieu
    ("20001A", "École primaire Ibn Sina", "مدرسة ابن سينا الابتدائية", "421", "urban"),
    ("20002B", "Collège Al Massira", "إعدادية المسيرة", "421", "urban"),
    ("20003C", "Lycée Moulay Youssef", "ثانوية مولاي يوسف", "421", "urban"),
    ("20101D", "École Aïn Aouda", "مدرسة عين عودة", "501", "rural"),
    ("30001E", "Lycée Mohammed V", "ثانوية محمد الخامس", "141", "urban"),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    scope: str


def _code(number: int) -> str:
    return f"D{number:09d}"


def _ensure_pupils(school: School, count: int, start: int, rng: random.Random) -> list[Student]:
    pupils = []
    for i in range(count):
        code = _code(start + i)
        existing = Student.objects.filter(national_code=code).first()
        if existing:
            pupils.append(existing)
            continue
        first_latn, first_ar, gender = rng.choice(FIRST_NAMES)
        last_latn, last_ar = rng.choice(LAST_NAMES)
        pupils.append(
            create_student(
                actor=None,
                national_code=code,
                first_name_ar=first_ar,
                last_name_ar=last_ar,
                first_name_latn=first_latn,
                last_name_latn=last_latn,
                birth_date=date(2012, 9, 1) + timedelta(days=rng.randrange(0, 6 * 365)),
                gender=gender,
                school=school,
            )
        )
    return pupils


def _ensure_user(username: str, first: str, last: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = create_user(
            actor=None, username=username, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
    return user


@transaction.atomic
def build_demo() -> list[DemoAccount]:
    if Region.objects.count() != 12 or Province.objects.count() != 75:
        load_territory(actor=None)
    rng = random.Random(2026)  # noqa: S311  synthetic names, not security
    schools: dict[str, School] = {}
    for code, name_fr, name_ar, province_code, milieu in SCHOOLS:
        school = School.objects.filter(code=code).first()
        if school is None:
            school = create_school(
                actor=None,
                code=code,
                name_fr=name_fr,
                name_ar=name_ar,
                province=Province.objects.get(code=province_code),
                milieu=milieu,
            )
        schools[code] = school
    pupils: dict[str, list[Student]] = {}
    for index, code in enumerate(schools):
        pupils[code] = _ensure_pupils(schools[code], 24, 1 + index * 100, rng)

    ibn_sina = schools["20001A"]
    child_a, child_b = (
        Student.objects.filter(national_code=code).first()
        or create_student(
            actor=None,
            national_code=code,
            first_name_ar=first_ar,
            last_name_ar="العلوي",
            first_name_latn=first_latn,
            last_name_latn="Alaoui",
            birth_date=born,
            gender=gender,
            school=ibn_sina,
        )
        for code, first_latn, first_ar, gender, born in (
            (_code(900), "Yassine", "ياسين", "M", date(2014, 3, 1)),
            (_code(901), "Salma", "سلمى", "F", date(2016, 11, 20)),
        )
    )
    rabat = Province.objects.get(code="421")
    rsk = Region.objects.get(code="04")
    plan: list[tuple[str, str, str, Role, dict[str, Model], str]] = [
        ("ministere", "Nadia", "Bennis", Role.MINISTRY, {}, "national"),
        ("aref.rsk", "Karim", "Sefrioui", Role.ACADEMY, {"region": rsk}, rsk.name_fr),
        ("dp.rabat", "Latifa", "Mansouri", Role.DIRECTORATE, {"province": rabat}, rabat.name_fr),
        (
            "directeur.ibnsina",
            "Rachid",
            "Kettani",
            Role.DIRECTOR,
            {"school": ibn_sina},
            ibn_sina.name_fr,
        ),
        (
            "enseignant.ibnsina",
            "Samira",
            "Ziani",
            Role.TEACHER,
            {"school": ibn_sina},
            ibn_sina.name_fr,
        ),
        (
            "parent.demo",
            "Hassan",
            "Alaoui",
            Role.PARENT,
            {"student": child_a},
            child_a.national_code,
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
    return accounts
