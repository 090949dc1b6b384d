"""Worked examples of each exam scheme, computed by the set-based SQL (compute.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conftest import World
from madrasa.grading.models import ExamScheme, GradingPolicy
from madrasa.registry.models import Stream
from madrasa.results.models import ExamResult, ExamSession
from madrasa.results.services import compute_results, create_session

from .factories import candidate, marks, session_for, students

D = Decimal


def _result(candidate_id: int) -> ExamResult:
    return ExamResult.objects.get(candidate_id=candidate_id)


def test_it_computes_the_college_certificate_30_30_40(world: World) -> None:
    # given: a candidate of the collège certificate (coefficients of C3: AR 4, FR 4, MATH 4,
    # HG 2, EI 2, INFO 1)
    session = session_for("college_certificate")
    pupils = students(3, world.school)
    first = candidate(session, pupils[0], centre=world.school)
    marks(
        first,
        [
            ("continuous", None, D("14")),
            ("local", "MATH", D("13")),
            ("local", "EI", D("12.01")),
            ("local", "INFO", D("10")),
            ("regional", "AR", D("15")),
            ("regional", "MATH", D("9")),
            ("regional", "HG", D("12")),
        ],
    )
    # an unjustified absence counts 0, a justified one is left out
    absent = candidate(session, pupils[1], centre=world.school)
    marks(
        absent,
        [
            ("continuous", None, D("14")),
            ("local", "MATH", D("11")),
            ("regional", "AR", D("15")),
            ("regional", "MATH", "ABN"),
            ("regional", "HG", D("12")),
        ],
    )
    excused = candidate(session, pupils[2], centre=world.school)
    marks(
        excused,
        [
            ("continuous", None, D("14")),
            ("local", "MATH", D("11")),
            ("regional", "AR", D("15")),
            ("regional", "MATH", "ABJ"),
            ("regional", "HG", D("12")),
        ],
    )

    # when
    counts = compute_results(actor=None, session=session)

    # then: local (52 + 24.02 + 10) / 7 = 12.2886 → 12.29; regional (60 + 36 + 24) / 10 = 12;
    # final 0.3 * 14 + 0.3 * 12.29 + 0.4 * 12 = 12.687 → 12.69
    result = _result(first.pk)
    assert result.continuous_average == D("14.00")
    assert result.local_average == D("12.29")
    assert result.regional_average == D("12.00")
    assert result.national_average is None
    assert result.final_average == D("12.69")
    assert (result.mention, result.outcome) == ("assez_bien", "admitted")
    # (60 + 0 + 24) / 10 = 8.40 → 4.2 + 3.3 + 3.36 = 10.86
    assert _result(absent.pk).final_average == D("10.86")
    # (60 + 24) / 6 = 14 → 4.2 + 3.3 + 5.6 = 13.10
    assert _result(excused.pk).final_average == D("13.10")
    assert counts == {"admitted": 3}


def _bac(world: World) -> tuple[ExamSession, Stream]:
    return session_for("baccalaureat"), Stream.objects.get(level__code="2BAC", code="PC")


NATIONAL_9 = [
    ("national", "MATH", D("9")),
    ("national", "PC", D("8")),
    ("national", "SVT", D("10")),
    ("national", "PHILO", D("7")),
    ("national", "EN", D("12")),
]


def test_it_computes_the_baccalaureat_25_25_50_with_the_resit_band(world: World) -> None:
    # given: 2BAC PC coefficients EN 2, PHILO 2, MATH 7, PC 7, SVT 5; the regional exam of the
    # 1re année (FR, HG) with the coefficients given in the file
    session, stream = _bac(world)
    pupils = students(3, world.school)
    admitted = candidate(session, pupils[0], centre=world.school, stream=stream)
    marks(admitted, [("continuous", None, D("15")), *NATIONAL_9])
    from madrasa.results.models import ExamMark

    ExamMark.objects.bulk_create(
        [
            ExamMark(
                candidate=admitted,
                component="regional",
                subject_id=_subject("FR"),
                value=D("12"),
                coefficient=D("4"),
                imported_at=admitted.created_at,
            ),
            ExamMark(
                candidate=admitted,
                component="regional",
                subject_id=_subject("HG"),
                value=D("14"),
                coefficient=D("2"),
                imported_at=admitted.created_at,
            ),
        ]
    )
    resit = candidate(session, pupils[1], centre=world.school, stream=stream)
    marks(resit, [("continuous", None, D("8")), ("regional", "EN", D("9")), *NATIONAL_9])
    failed = candidate(session, pupils[2], centre=world.school, stream=stream)
    marks(failed, [("continuous", None, D("6")), ("regional", "EN", D("7")), *NATIONAL_9])

    # when
    compute_results(actor=None, session=session)

    # then: national 207 / 23 = 9; regional 76 / 6 = 12.67;
    # 0.25 * 15 + 0.25 * 12.67 + 0.5 * 9 = 11.4175 → 11.42
    result = _result(admitted.pk)
    assert (result.regional_average, result.national_average) == (D("12.67"), D("9.00"))
    assert result.final_average == D("11.42")
    assert (result.mention, result.outcome) == ("passable", "admitted")
    # 2 + 2.25 + 4.5 = 8.75: in the resit band [8, 10)
    assert (_result(resit.pk).final_average, _result(resit.pk).outcome) == (D("8.75"), "resit")
    # 1.5 + 1.75 + 4.5 = 7.75: below the band
    assert (_result(failed.pk).final_average, _result(failed.pk).outcome) == (D("7.75"), "failed")
    assert _result(failed.pk).mention == ""


def _subject(code: str) -> int:
    from madrasa.grading.models import Subject

    return Subject.objects.get(code=code).pk


def test_it_computes_free_candidates_50_50(world: World) -> None:
    # given: a free candidate of the baccalauréat (regional 50%, national 50%)
    session, stream = _bac(world)
    [pupil] = students(1, world.school)
    free = candidate(session, pupil, centre=world.school, kind="free", stream=stream)
    marks(free, [("regional", "EN", D("12")), *NATIONAL_9])

    # when
    compute_results(actor=None, session=session)

    # then: 0.5 * 12 + 0.5 * 9 = 10.50, no continuous assessment needed
    result = _result(free.pk)
    assert result.final_average == D("10.50")
    assert (result.mention, result.outcome) == ("passable", "admitted")


def test_it_leaves_a_candidate_without_a_component_incomplete(world: World) -> None:
    session, stream = _bac(world)
    [pupil] = students(1, world.school)
    missing = candidate(session, pupil, centre=world.school, stream=stream)
    marks(missing, [("continuous", None, D("15")), ("regional", "EN", D("12"))])

    counts = compute_results(actor=None, session=session)

    result = _result(missing.pk)
    assert (result.final_average, result.mention, result.outcome) == (None, "", "")
    assert counts == {"": 1}


def _resit_case(world: World) -> tuple[ExamSession, int]:
    """A candidate at 9.00 in the normal session (continuous 10, regional 10, national 8 in
    every subject), then the resit: MATH 18 (better), PC 6 (worse)."""
    session, stream = _bac(world)
    [pupil] = students(1, world.school)
    normal = candidate(session, pupil, centre=world.school, stream=stream)
    marks(
        normal,
        [("continuous", None, D("10")), ("regional", "EN", D("10"))]
        + [("national", s, D("8")) for s in ("MATH", "PC", "SVT", "PHILO", "EN")],
    )
    compute_results(actor=None, session=session)
    assert _result(normal.pk).outcome == "resit"
    resit_session = create_session(
        actor=None, scheme=session.scheme, name="Rattrapage", session="resit"
    )
    again = candidate(resit_session, pupil, centre=world.school, stream=stream, previous=normal)
    marks(again, [("national", "MATH", D("18")), ("national", "PC", D("6"))])
    return resit_session, again.pk


def test_it_keeps_the_best_mark_of_each_subject_after_the_resit(world: World) -> None:
    # given
    resit_session, candidate_id = _resit_case(world)

    # when
    compute_results(actor=None, session=resit_session)

    # then: national (18*7 + 8*7 + 8*5 + 8*2 + 8*2) / 23 = 254 / 23 = 11.04 (PC keeps 8);
    # 2.5 + 2.5 + 5.52 = 10.52
    result = _result(candidate_id)
    assert result.national_average == D("11.04")
    assert result.final_average == D("10.52")
    assert (result.mention, result.outcome) == ("passable", "admitted")


def test_it_replaces_the_marks_resat_when_the_scheme_does_not_keep_the_best(
    world: World,
) -> None:
    # given: the same candidate, under a scheme where the resit mark replaces the first one
    resit_session, candidate_id = _resit_case(world)
    ExamScheme.objects.filter(pk=resit_session.scheme_id).update(resit_keeps_best=False)
    resit_session.scheme.refresh_from_db()

    # when
    compute_results(actor=None, session=resit_session)

    # then: (126 + 42 + 40 + 16 + 16) / 23 = 240 / 23 = 10.43; 2.5 + 2.5 + 5.215 = 10.215
    result = _result(candidate_id)
    assert result.national_average == D("10.43")
    assert result.final_average == D("10.22")


def test_there_is_no_resit_after_the_resit(world: World) -> None:
    resit_session, candidate_id = _resit_case(world)
    from madrasa.results.models import ExamMark

    ExamMark.objects.filter(candidate_id=candidate_id, subject__code="MATH").update(value=D("9"))

    compute_results(actor=None, session=resit_session)

    # national (9*7 + 8*16) / 23 = 191 / 23 = 8.30; 2.5 + 2.5 + 4.15 = 9.15: failed
    assert (_result(candidate_id).final_average, _result(candidate_id).outcome) == (
        D("9.15"),
        "failed",
    )


def test_it_truncates_when_the_policy_says_so(world: World) -> None:
    session = session_for("college_certificate")
    GradingPolicy.objects.filter(year_id=session.year_id).update(rounding="down")
    [pupil] = students(1, world.school)
    row = candidate(session, pupil, centre=world.school)
    marks(
        row,
        [
            ("continuous", None, D("14")),
            ("local", "MATH", D("13")),
            ("local", "EI", D("12.01")),
            ("local", "INFO", D("10")),
            ("regional", "AR", D("15")),
        ],
    )

    compute_results(actor=None, session=session)

    # local 86.02 / 7 = 12.2885 → 12.28; 4.2 + 3.684 + 6 = 13.884 → 13.88
    assert _result(row.pk).local_average == D("12.28")
    assert _result(row.pk).final_average == D("13.88")


@pytest.mark.parametrize("state", ["normal"])
def test_compute_refuses_a_resit_before_its_normal_session(world: World, state: str) -> None:
    from madrasa.core.errors import InvalidInput

    session, _stream = _bac(world)
    resit_session = create_session(
        actor=None, scheme=session.scheme, name="Rattrapage", session="resit"
    )
    with pytest.raises(InvalidInput) as refused:
        compute_results(actor=None, session=resit_session)
    assert refused.value.code == "normal_not_computed"
