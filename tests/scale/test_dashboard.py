"""The governance dashboard: indicators by region, province and level, scoped to the actor."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.bulletins.models import Bulletin
from madrasa.core.errors import NotFound
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import create_class, current_year, enrol_student
from madrasa.grading.models import ExamScheme
from madrasa.registry.models import Level, School
from madrasa.registry.services import create_school, create_student
from madrasa.results.models import ExamCandidate, ExamResult, ExamSession
from madrasa.web.dashboard import Figures, compute_indicators, get_dashboard


def _pupil(school: School, code: str, gender: str, level: str = "P5") -> Enrolment:
    student = create_student(
        actor=None, national_code=code, first_name_ar="أ", last_name_ar="ب",
        first_name_latn="A", last_name_latn="B", birth_date=date(2012, 1, 1), gender=gender,
        school=school,
    )  # fmt: skip
    return enrol_student(
        actor=None, student=student, school=school, level=Level.objects.get(code=level)
    )


@pytest.fixture
def private_school(world: World) -> School:
    """A private urban school in the world's province (Rabat), with two girls in C1."""
    school = create_school(
        actor=None, code="T0003", name_fr="Lycée privé", name_ar="ثانوية خاصة",
        province=world.province, milieu="urban", sector="private",
    )  # fmt: skip
    _pupil(school, "A100000003", "F", "C1")
    _pupil(school, "A100000004", "F", "C1")
    return school


def test_the_ministry_sees_the_country_by_region_province_and_level(
    world: World, private_school: School
) -> None:
    # given: Rabat (region 04) has a boy in P5 (urban, public) and two girls in C1 (private);
    # Casablanca (region 06) a girl in P5 (rural, public)
    board = get_dashboard(world.actor(Role.MINISTRY))

    # then
    assert board.scope == "nation"
    assert board.total == Figures(pupils=4, girls=3, boys=1, rural=1, urban=3, public=2, private=2)
    assert board.total.girls_percent == Decimal("75.0")
    assert len(board.regions) == 12
    regions = {row.code: row.figures for row in board.regions}
    assert regions["04"].pupils == 3
    assert regions["06"] == Figures(pupils=1, girls=1, rural=1, public=1)
    assert sum(row.figures.pupils for row in board.regions) == 4
    assert len(board.provinces) == 75
    provinces = {row.code: row.figures for row in board.provinces}
    assert provinces["421"] == Figures(pupils=3, girls=2, boys=1, urban=3, public=1, private=2)
    assert provinces["141"].pupils == 1
    assert [(row.code, row.figures.pupils) for row in board.levels] == [("P5", 2), ("C1", 2)]
    assert board.total.pass_rate is None  # no bulletin yet
    assert board.source == "default"


def test_an_academy_sees_its_region_and_a_directorate_its_province(
    world: World, private_school: School
) -> None:
    academy = get_dashboard(world.actor(Role.ACADEMY))
    assert academy.scope == "territory"
    assert [row.code for row in academy.regions] == ["04"]
    assert {row.region_code for row in academy.provinces} == {"04"}
    assert academy.total.pupils == 3

    directorate = get_dashboard(world.actor(Role.DIRECTORATE))
    assert directorate.regions == []  # one province is not its region
    assert [row.code for row in directorate.provinces] == ["421"]
    assert directorate.total.pupils == 3
    assert [row.code for row in directorate.levels] == ["P5", "C1"]


def test_narrowing_stays_inside_the_actors_scope(world: World) -> None:
    ministry = world.actor(Role.MINISTRY)
    region = get_dashboard(ministry, region_code="06")
    assert region.scope == "region"
    assert [row.code for row in region.regions] == ["06"]
    assert region.total.pupils == 1
    province = get_dashboard(ministry, province_code="421")
    assert province.total.pupils == 1
    assert province.regions == []

    academy = world.actor(Role.ACADEMY)
    with pytest.raises(NotFound):
        get_dashboard(academy, region_code="06")
    with pytest.raises(NotFound):
        get_dashboard(academy, province_code="141")
    with pytest.raises(NotFound):
        get_dashboard(world.actor(Role.DIRECTORATE), region_code="04")


def test_the_pass_rate_comes_from_the_latest_bulletins(world: World) -> None:
    year = current_year()
    semester = year.semesters.get(number=1)
    mine = Enrolment.objects.get(student=world.student)
    other = Enrolment.objects.get(student=world.other_student)
    # given: first-semester bulletins only: both promoted
    for enrolment in (mine, other):
        Bulletin.objects.create(
            enrolment=enrolment,
            period="S1",
            semester=semester,
            general_average=Decimal("12.00"),
            decision_proposal="promoted",
        )
    board = get_dashboard(world.actor(Role.MINISTRY))
    assert board.period == "S1"
    assert board.total.pass_rate == Decimal("100.0")

    # when: the year bulletins arrive (one repeats; one has no decision yet and does not count)
    Bulletin.objects.create(enrolment=mine, period="Y", general_average=Decimal("11.00"),
                            decision_proposal="promoted")  # fmt: skip
    Bulletin.objects.create(enrolment=other, period="Y", general_average=Decimal("8.00"),
                            decision_proposal="repeat")  # fmt: skip
    school = world.other_school
    third = _pupil(school, "B200000003", "M")
    Bulletin.objects.create(enrolment=third, period="Y", general_average=None)

    # then
    board = get_dashboard(world.actor(Role.MINISTRY))
    assert board.period == "Y"
    assert (board.total.decided, board.total.promoted) == (2, 1)
    assert board.total.pass_rate == Decimal("50.0")
    regions = {row.code: row.figures for row in board.regions}
    assert regions["04"].pass_rate == Decimal("100.0")
    assert regions["06"].pass_rate == Decimal("0.0")
    assert [(row.code, row.figures.pass_rate) for row in board.levels] == [("P5", Decimal("50.0"))]


def test_exam_success_counts_the_resit(world: World) -> None:
    # given: two candidates of the collège certificate: one fails then passes the resit, the
    # other fails; a third has no result yet
    year = current_year()
    scheme = ExamScheme.objects.get(year=year, code="college_certificate")
    normal = ExamSession.objects.create(year=year, scheme=scheme, name="Normal")
    resit = ExamSession.objects.create(
        year=year, scheme=scheme, name="Resit", session="resit", follows=normal
    )
    now = timezone.now()
    first = ExamCandidate.objects.create(session=normal, student=world.student, centre=world.school)
    second = ExamCandidate.objects.create(
        session=normal, student=world.other_student, centre=world.other_school
    )
    ExamResult.objects.create(candidate=first, outcome="resit", computed_at=now)
    ExamResult.objects.create(candidate=second, outcome="failed", computed_at=now)
    again = ExamCandidate.objects.create(
        session=resit, student=world.student, centre=world.school, previous=first
    )
    ExamResult.objects.create(candidate=again, outcome="admitted", computed_at=now)
    third = _pupil(world.school, "A100000009", "F")
    ExamCandidate.objects.create(session=normal, student=third.student, centre=world.school)

    board = get_dashboard(world.actor(Role.MINISTRY))
    assert (board.total.examined, board.total.admitted) == (2, 1)
    assert board.total.exam_rate == Decimal("50.0")
    assert {row.code: row.figures.exam_rate for row in board.regions}["04"] == Decimal("100.0")
    assert [(row.code, row.figures.examined) for row in board.levels if row.figures.examined] == [
        (scheme.level.code, 2)
    ]


def test_the_queries_do_not_grow_with_the_data(
    world: World, django_assert_max_num_queries: object
) -> None:
    year = current_year()
    school_class = create_class(
        actor=None, school=world.school, year=year, level=Level.objects.get(code="P6"), name="6A"
    )
    for number in range(30):
        _pupil(world.school, f"A1000001{number:02d}", "MF"[number % 2], "P6")
    assert school_class.pk
    with django_assert_max_num_queries(8):  # type: ignore[operator]  # pytest-django fixture
        indicators = compute_indicators(year)
    assert indicators.total.pupils == 32
    assert indicators.total.girls == 16
    only_other = compute_indicators(year, [world.other_province.id])
    assert only_other.total.pupils == 1


def test_the_page_shows_the_figures_in_arabic_without_inline_code(world: World) -> None:
    response = world.client(Role.MINISTRY).get("/dashboard/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'dir="rtl"' in body
    assert "<script" not in body
    assert "style=" not in body
    assert "/dashboard/?region=04" in body
    assert "/dashboard/?province=421" in body
    assert re.search(r'<td class="num">50(٫|,|\.)0&nbsp;%</td>', body)  # girls share, ar_MA


@pytest.mark.parametrize(
    ("role", "query", "status"),
    [
        (Role.ACADEMY, "", 200),
        (Role.ACADEMY, "?region=04", 200),
        (Role.ACADEMY, "?region=06", 404),
        (Role.DIRECTORATE, "?province=421", 200),
        (Role.DIRECTORATE, "?province=141", 404),
        (Role.DIRECTOR, "", 403),
        (Role.TEACHER, "", 403),
        (Role.PARENT, "", 403),
    ],
)
def test_the_page_keeps_to_the_actors_territory(
    world: World, role: Role, query: str, status: int
) -> None:
    response = world.client(role).get(f"/dashboard/{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status


def test_the_page_says_when_no_year_is_open(world: World) -> None:
    from madrasa.registry.models import SchoolYear

    SchoolYear.objects.update(is_current=False)
    response = world.client(Role.MINISTRY).get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "No school year is open" in response.content.decode()
