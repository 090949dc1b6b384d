"""Worked examples of the set-based computation (the property test compares it with
grading.rules on random data)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from madrasa.bulletins.models import Bulletin, BulletinLine, BulletinRun
from madrasa.bulletins.services import BulletinTarget, execute_run, start_bulletin_run
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import current_year
from madrasa.grading.models import SubjectCoefficient

from .factories import add_pupils, subject_marks

D = Decimal


def _compute(world: World, period: str, **kwargs: object) -> BulletinRun:
    target = BulletinTarget.of(current_year(), period)
    run = start_bulletin_run(
        actor=None,
        scope_kind="school",
        scope_code=world.school.code,
        target=target,
        schedule=False,
        **kwargs,  # type: ignore[arg-type]
    )
    done = execute_run(run_uuid=run.uuid)
    assert done is not None
    return done


@pytest.fixture
def example(world: World) -> dict[str, Enrolment]:
    """Class 5A: A, B, C and world.student (D, no marks); MATH has coefficient 3."""
    school_class = world.classes[0]
    year = current_year()
    SubjectCoefficient.objects.filter(
        year=year, level=school_class.level, stream=None, subject__code="MATH"
    ).update(coefficient=3)
    a, b, c = add_pupils(school_class, 3, tag="x")
    d = Enrolment.objects.get(student=world.student, status="active")
    s1, s2 = year.semesters.order_by("number")
    subject_marks(
        school_class,
        "MATH",
        s1,
        {a: [D(12), D(15)], b: [D("11.25"), D("11.26")], c: [D("10.70"), None]},
    )
    subject_marks(school_class, "FR", s1, {a: [D(10), "ABN"], b: [D(9), "DIS"]})
    subject_marks(school_class, "AR", s1, {a: ["ABJ", D(14)]})
    subject_marks(school_class, "MATH", s2, {a: [D(8)]})
    return {"a": a, "b": b, "c": c, "d": d}


def _bulletin(enrolment: Enrolment, period: str) -> Bulletin:
    return Bulletin.objects.get(enrolment=enrolment, period=period)


def test_it_computes_averages_ranks_and_mentions(
    world: World, example: dict[str, Enrolment]
) -> None:
    # when
    run = _compute(world, "S1")
    # then
    assert run.status == "done", run.error
    assert (run.done, run.total) == (1, 1)
    a, b, c, d = (_bulletin(example[k], "S1") for k in "abcd")
    lines = {line.subject.code: line for line in a.lines.select_related("subject")}
    assert lines["MATH"].average == D("13.50")
    assert lines["MATH"].coefficient == 3
    assert (lines["FR"].average, lines["FR"].marks_counted) == (D("5.00"), 2)  # ABN counts 0
    assert (lines["AR"].average, lines["AR"].marks_counted) == (D("14.00"), 1)  # ABJ left out
    assert lines["EPS"].average is None
    assert lines["EPS"].marks_counted == 0
    assert len(lines) == 8
    # (13.50 * 3 + 5 + 14) / 5 = 11.90; (11.26 * 3 + 9) / 4 = 10.695 → 10.70 (half up)
    assert a.general_average == D("11.90")
    assert b.lines.get(subject__code="MATH").average == D("11.26")  # 11.255 → 11.26
    assert b.general_average == D("10.70")
    assert c.general_average == D("10.70")
    assert (a.rank, b.rank, c.rank, d.rank) == (1, 2, 2, None)
    assert {x.class_size for x in (a, b, c, d)} == {4}
    assert (a.mention, d.mention) == ("passable", "")
    assert (a.decision_proposal, d.decision_proposal) == ("promoted", "")
    assert d.general_average is None
    assert a.computed_at is not None
    assert a.published_at is None


def test_it_computes_the_year_from_the_semesters(
    world: World, example: dict[str, Enrolment]
) -> None:
    _compute(world, "S1")
    _compute(world, "S2")
    # when
    run = _compute(world, "Y")
    # then
    assert run.status == "done", run.error
    a, b, d = (_bulletin(example[k], "Y") for k in "abd")
    assert a.semester_id is None
    assert a.general_average == D("9.95")  # (11.90 + 8.00) / 2
    assert (a.decision_proposal, a.mention) == ("repeat", "")
    assert b.general_average == D("10.70")  # no second-semester average: S1 alone
    assert (b.rank, a.rank, d.rank) == (1, 3, None)


def test_recomputing_keeps_remarks_and_follows_the_marks(
    world: World, example: dict[str, Enrolment]
) -> None:
    _compute(world, "S1")
    line = BulletinLine.objects.get(bulletin__enrolment=example["a"], subject__code="MATH")
    BulletinLine.objects.filter(pk=line.pk).update(teacher_remark="Bon travail")
    count = Bulletin.objects.count()
    # when: a mark changes and the pupil C leaves the school
    from madrasa.marks.models import Mark

    Mark.objects.filter(
        enrolment=example["a"], assessment__subject__code="MATH", value=D(12)
    ).update(value=D(16))
    Enrolment.objects.filter(pk=example["c"].pk).update(status="transferred")
    _compute(world, "S1")
    # then
    line.refresh_from_db()
    assert line.average == D("15.50")
    assert line.teacher_remark == "Bon travail"
    assert Bulletin.objects.count() == count - 1
    assert not Bulletin.objects.filter(enrolment=example["c"]).exists()
    assert _bulletin(example["b"], "S1").class_size == 3


def test_policy_rounding_down_and_absence_rules(
    world: World, example: dict[str, Enrolment]
) -> None:
    from madrasa.grading.models import GradingPolicy

    GradingPolicy.objects.filter(year=current_year()).update(
        rounding="down", absence_rules={"ABJ": "zero", "ABN": "excluded", "DIS": "excluded"}
    )
    # when
    _compute(world, "S1")
    # then
    a = _bulletin(example["a"], "S1")
    lines = {x.subject.code: x for x in a.lines.select_related("subject")}
    assert lines["FR"].average == D("10.00")  # ABN left out
    assert lines["AR"].average == D("7.00")  # ABJ counts 0
    b = _bulletin(example["b"], "S1")
    assert b.lines.get(subject__code="MATH").average == D("11.25")  # 11.255 truncated
