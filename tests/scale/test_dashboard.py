"""The governance dashboard: indicators by region, province and level, scoped to the actor."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from conftest import World
from madrasa.accounts.roles import Role
from madrasa.accounts.selectors import Actor
from madrasa.bulletins.models import Bulletin
from madrasa.core.errors import NotFound
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import create_class, current_year, enrol_student
from madrasa.grading.models import ExamScheme
from madrasa.registry.models import Level, School
from madrasa.registry.services import create_school, create_student
from madrasa.results.models import ExamCandidate, ExamResult, ExamSession
from madrasa.web.dashboard import (
    Dashboard,
    Figures,
    compute_indicators,
    get_dashboard,
    request_refresh,
    run_refresh,
)
from madrasa.web.models import IndicatorCell, IndicatorRefresh


def _board(actor: Actor, **scope: str) -> Dashboard:
    """The dashboard after a refresh of the stored figures (the test task backend runs the
    refresh at once, as the worker would in the background)."""
    request_refresh(actor=None, year=current_year())
    return get_dashboard(actor, **scope)


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
    board = _board(world.actor(Role.MINISTRY))

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
    academy = _board(world.actor(Role.ACADEMY))
    assert academy.scope == "territory"
    assert [row.code for row in academy.regions] == ["04"]
    assert {row.region_code for row in academy.provinces} == {"04"}
    assert academy.total.pupils == 3

    directorate = _board(world.actor(Role.DIRECTORATE))
    assert directorate.regions == []  # one province is not its region
    assert [row.code for row in directorate.provinces] == ["421"]
    assert directorate.total.pupils == 3
    assert [row.code for row in directorate.levels] == ["P5", "C1"]


def test_narrowing_stays_inside_the_actors_scope(world: World) -> None:
    ministry = world.actor(Role.MINISTRY)
    region = _board(ministry, region_code="06")
    assert region.scope == "region"
    assert [row.code for row in region.regions] == ["06"]
    assert region.total.pupils == 1
    province = _board(ministry, province_code="421")
    assert province.total.pupils == 1
    assert province.regions == []

    academy = world.actor(Role.ACADEMY)
    with pytest.raises(NotFound):
        _board(academy, region_code="06")
    with pytest.raises(NotFound):
        _board(academy, province_code="141")
    with pytest.raises(NotFound):
        _board(world.actor(Role.DIRECTORATE), region_code="04")


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
    board = _board(world.actor(Role.MINISTRY))
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
    board = _board(world.actor(Role.MINISTRY))
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

    board = _board(world.actor(Role.MINISTRY))
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


# --- the stored figures and their refresh ---------------------------------------------------------
def test_the_page_queues_the_first_refresh_and_shows_its_progress(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a task backend that only queues (as the database backend does with no worker yet)
    from madrasa.web import tasks

    queued: list[str] = []
    monkeypatch.setattr(tasks, "refresh_indicators", SimpleNamespace(enqueue=queued.append))
    # when
    response = world.client(Role.MINISTRY).get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    # then: one refresh queued, the page says so, shows a progress bar and reloads itself
    assert response.status_code == 200
    body = response.content.decode()
    assert len(queued) == 1
    assert "A new computation of the figures is queued" in body
    assert '<progress id="indicators-progress" max="100" value="0">' in body
    assert '<meta http-equiv="refresh" content="5">' in body
    # a second view does not queue another
    world.client(Role.ACADEMY).get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    assert len(queued) == 1
    assert IndicatorRefresh.objects.count() == 1
    # the worker runs it: the page shows the figures and when they were computed
    run_refresh(IndicatorRefresh.objects.get().uuid)
    done = world.client(Role.MINISTRY).get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en").content
    assert re.search(rb"Figures computed on \d+ \w+ \d{4} at \d\d:\d\d;", done)
    assert b"http-equiv" not in done


def test_old_figures_are_shown_while_a_new_refresh_runs(
    world: World, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    first = request_refresh(actor=None, year=current_year())
    assert first.state == IndicatorRefresh.State.DONE
    # given: a new pupil, and figures older than the limit
    _pupil(world.school, "A100000077", "F")
    IndicatorRefresh.objects.filter(pk=first.pk).update(
        finished_at=timezone.now()
        - timedelta(minutes=settings.MADRASA_INDICATORS_MAX_AGE_MINUTES + 1)
    )
    from madrasa.web import tasks

    queued: list[str] = []
    monkeypatch.setattr(tasks, "refresh_indicators", SimpleNamespace(enqueue=queued.append))
    # when
    board_page = world.client(Role.MINISTRY).get("/dashboard/", HTTP_ACCEPT_LANGUAGE="en")
    # then: a refresh is queued and the old figures (2 pupils) stay on the page meanwhile
    assert len(queued) == 1
    assert get_dashboard(world.actor(Role.MINISTRY)).total.pupils == 2
    assert b"A new computation of the figures is queued" in board_page.content
    # when the worker has run it: 3 pupils, and the old refresh and its cells are gone
    run_refresh(IndicatorRefresh.objects.get(state="queued").uuid)
    assert get_dashboard(world.actor(Role.MINISTRY)).total.pupils == 3
    assert list(IndicatorRefresh.objects.values_list("state", flat=True)) == ["done"]
    assert not IndicatorCell.objects.filter(refresh=first).exists()


def test_a_refresh_runs_once_and_a_failure_is_recorded(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    refresh = request_refresh(actor=None, year=current_year(), schedule=False)
    assert run_refresh(refresh.uuid).state == "done"  # type: ignore[union-attr]
    cells = IndicatorCell.objects.count()
    assert run_refresh(refresh.uuid).state == "done"  # type: ignore[union-attr]  # idempotent
    assert IndicatorCell.objects.count() == cells
    # a failing computation: recorded with its error, the figures shown before are kept
    import madrasa.web.dashboard as dashboard

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("replica unreachable")

    monkeypatch.setattr(dashboard, "compute_indicators", broken)
    failing = request_refresh(actor=None, year=current_year(), schedule=False)
    with pytest.raises(RuntimeError):
        run_refresh(failing.uuid)
    failing.refresh_from_db()
    assert (failing.state, failing.error) == ("failed", "replica unreachable")
    assert get_dashboard(world.actor(Role.MINISTRY)).total.pupils == 2


def test_an_abandoned_refresh_does_not_block_the_next(world: World) -> None:
    stuck = request_refresh(actor=None, year=current_year(), schedule=False)
    IndicatorRefresh.objects.filter(pk=stuck.pk).update(
        requested_at=timezone.now() - timedelta(hours=3)
    )
    fresh = request_refresh(actor=None, year=current_year(), schedule=False)
    assert fresh.pk != stuck.pk
    stuck.refresh_from_db()
    assert (stuck.state, stuck.error) == ("failed", "abandoned")
    # and once the new one is done, the abandoned one is cleaned away with the older figures
    run_refresh(fresh.uuid)
    assert list(IndicatorRefresh.objects.values_list("pk", flat=True)) == [fresh.pk]


@pytest.mark.parametrize(("role", "status"), [(Role.MINISTRY, 302), (Role.ACADEMY, 403)])
def test_only_the_ministry_asks_for_a_refresh_now(world: World, role: Role, status: int) -> None:
    response = world.client(role).post("/dashboard/refresh/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    assert IndicatorRefresh.objects.filter(requested_by=world.users[role]).exists() == (
        status == 302
    )


def test_the_stored_figures_equal_the_live_count(world: World, private_school: School) -> None:
    year = current_year()
    request_refresh(actor=None, year=year)
    stored = get_dashboard(world.actor(Role.MINISTRY))
    live = compute_indicators(year)
    assert stored.total == live.total
    assert {row.code: row.figures for row in stored.levels} == {
        Level.objects.get(pk=pk).code: figures for pk, figures in live.by_level.items()
    }


def test_the_command_computes_the_figures_with_a_progress_bar(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("dashboard", "refresh")
    out, err = capsys.readouterr()
    assert "province-level cells" in out
    assert "100%" in err
    assert get_dashboard(world.actor(Role.MINISTRY)).total.pupils == 2
    with pytest.raises(CommandError, match="unknown school year 1999-2000"):
        call_command("dashboard", "refresh", "--year", "1999-2000")
