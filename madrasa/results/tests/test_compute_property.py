"""The set-based SQL equals the reference rules (madrasa.grading.rules) to the cent, on random
sessions: collège and baccalauréat schemes, enrolled and free candidates, absences, coefficient
overrides, rounding half up or down, and a resit session after the normal one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import World
from madrasa.grading.models import ExamScheme, GradingPolicy, Subject, SubjectCoefficient
from madrasa.grading.rules import (
    ExamRules,
    MarkValue,
    Policy,
    best_marks,
    counted_values,
    exam_average,
    exam_outcome,
    general_average,
    mention,
    round_mark,
)
from madrasa.registry.models import Stream, Student
from madrasa.results.models import ExamCandidate, ExamMark, ExamResult, ExamSession
from madrasa.results.services import compute_results, create_session

from .factories import students

values = st.decimals(min_value=0, max_value=20, places=2, allow_nan=False, allow_infinity=False)
mark_values = st.one_of(
    values.map(lambda v: MarkValue(value=v)),
    st.sampled_from(["ABJ", "ABN", "DIS"]).map(lambda a: MarkValue(absence=a)),
)
overrides = st.one_of(st.none(), st.decimals(min_value=Decimal("0.5"), max_value=9, places=1))
SUBJECTS = ("MATH", "PC", "SVT", "EN", "PHILO")
COMPONENTS = ("continuous", "local", "regional", "national")


@dataclass
class Mark:
    component: str
    subject: str | None
    mark: MarkValue
    coefficient: Decimal | None


@st.composite
def candidate_marks(draw: st.DrawFn) -> list[Mark]:
    found: list[Mark] = []
    for component in COMPONENTS:
        chosen = draw(st.lists(st.sampled_from(SUBJECTS), unique=True, max_size=4))
        for subject in chosen:
            found.append(Mark(component, subject, draw(mark_values), draw(overrides)))
    if draw(st.booleans()):
        found.append(Mark("continuous", None, MarkValue(value=draw(values)), None))
    return found


@st.composite
def sessions(draw: st.DrawFn) -> dict[str, object]:
    return {
        "scheme": draw(st.sampled_from(["college_certificate", "baccalaureat"])),
        "rounding": draw(st.sampled_from(["half_up", "down"])),
        "decimals": draw(st.sampled_from([1, 2])),
        "candidates": draw(
            st.lists(
                st.tuples(st.sampled_from(["enrolled", "free"]), candidate_marks()),
                min_size=1,
                max_size=5,
            )
        ),
        "resit": draw(st.lists(candidate_marks(), min_size=5, max_size=5)),
        "keeps_best": draw(st.booleans()),
    }


def _counted(mark: MarkValue, policy: Policy) -> Decimal | None:
    found = counted_values([mark], policy)
    return found[0] if found else None


def _reference(
    marks: list[Mark],
    resit_marks: list[Mark] | None,
    *,
    weights: dict[str, Decimal],
    coefficients: dict[str, Decimal],
    policy: Policy,
    resit_min: Decimal | None,
    keeps_best: bool,
) -> tuple[dict[str, Decimal | None], Decimal | None, str, str]:
    def by_component(
        rows: list[Mark],
    ) -> dict[str, dict[str, tuple[Decimal | None, Decimal]]]:
        table: dict[str, dict[str, tuple[Decimal | None, Decimal]]] = {}
        for row in rows:
            coefficient = row.coefficient or (
                coefficients[row.subject] if row.subject else Decimal(0)
            )
            # the continuous average itself (no subject) is kept under ""
            table.setdefault(row.component, {})[row.subject or ""] = (
                _counted(row.mark, policy),
                coefficient,
            )
        return table

    kept = by_component(marks)
    if resit_marks is not None:
        again = by_component(resit_marks)
        for component, rows in again.items():
            before = kept.setdefault(component, {})
            values_before = {s: v for s, (v, _c) in before.items()}
            values_again = {s: v for s, (v, _c) in rows.items()}
            if keeps_best:
                merged = best_marks(values_before, values_again)
            else:
                merged = {**values_before, **values_again}
            coefficient_of = {s: c for s, (_v, c) in before.items()}
            coefficient_of.update({s: c for s, (_v, c) in rows.items()})
            # two coefficients for one subject: the SQL keeps the larger (MAX)
            for s, (_v, c) in before.items():
                coefficient_of[s] = max(c, coefficient_of[s])
            kept[component] = {s: (merged[s], coefficient_of[s]) for s in merged}
    averages: dict[str, Decimal | None] = {}
    for component in COMPONENTS:
        rows = kept.get(component, {})
        averages[component] = general_average([(v, c) for s, (v, c) in rows.items() if s], policy)
    given_average = kept.get("continuous", {}).get("")
    if given_average is not None and given_average[0] is not None:
        averages["continuous"] = round_mark(given_average[0], policy)
    rules = ExamRules(
        weights=weights, pass_mark=policy.pass_mark, resit_min=resit_min, policy=policy
    )
    final = exam_average(averages, rules)
    return averages, final, mention(final, policy), exam_outcome(final, rules)


def _write(candidate: ExamCandidate, rows: list[Mark], subjects: dict[str, int]) -> None:
    ExamMark.objects.bulk_create(
        ExamMark(
            candidate=candidate,
            component=row.component,
            subject_id=subjects[row.subject] if row.subject else None,
            value=row.mark.value,
            absence=row.mark.absence,
            coefficient=row.coefficient,
            imported_at=candidate.created_at,
        )
        for row in rows
    )


def _check(session: ExamSession, expected: dict[int, tuple[object, ...]]) -> None:
    for result in ExamResult.objects.filter(candidate__session=session):
        averages, final, mention_code, outcome = expected[result.candidate_id]
        assert isinstance(averages, dict)
        got = {
            "continuous": result.continuous_average,
            "local": result.local_average,
            "regional": result.regional_average,
            "national": result.national_average,
        }
        assert got == averages, (result.candidate_id, got, averages)
        assert (result.final_average, result.mention, result.outcome) == (
            final,
            mention_code,
            outcome,
        )


def test_sql_equals_the_reference_rules(world: World) -> None:
    pool = students(10, world.school)
    stream = Stream.objects.get(level__code="2BAC", code="PC")
    subjects = dict(Subject.objects.values_list("code", "id"))

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(sessions())
    def check(case: dict[str, object]) -> None:
        with transaction.atomic():
            _run(case, pool, stream, subjects)
            transaction.set_rollback(True)

    check()


def _run(
    case: dict[str, object], pool: list[Student], stream: Stream, subjects: dict[str, int]
) -> None:
    code = str(case["scheme"])
    scheme = ExamScheme.objects.get(year__is_current=True, code=code)
    GradingPolicy.objects.filter(year_id=scheme.year_id).update(
        rounding=case["rounding"], decimals=case["decimals"]
    )
    ExamScheme.objects.filter(pk=scheme.pk).update(resit_keeps_best=case["keeps_best"])
    scheme.refresh_from_db()
    policy = Policy.from_model(GradingPolicy.objects.get(year_id=scheme.year_id))
    bac = code == "baccalaureat"
    stream_of = stream if bac else None
    coefficients = {
        row.subject.code: row.coefficient
        for row in SubjectCoefficient.objects.filter(
            year_id=scheme.year_id, level_id=scheme.level_id, stream=stream_of
        ).select_related("subject")
    }
    # Subjects without a coefficient for this level get one in the file.
    draws = case["candidates"]
    assert isinstance(draws, list)
    session = create_session(actor=None, scheme=scheme, name="P")
    free_scheme = ExamScheme.objects.get(year_id=scheme.year_id, code="baccalaureat_free")
    expected: dict[int, tuple[object, ...]] = {}
    normal_rows: dict[int, tuple[ExamCandidate, list[Mark], str]] = {}
    for student, (kind, rows) in zip(pool, draws, strict=False):
        rows = _with_coefficients(rows, coefficients)
        candidate = ExamCandidate.objects.create(
            session=session,
            student=student,
            kind=kind,
            centre_id=pool[0].school_id or 0,
            stream=stream_of,
        )
        _write(candidate, rows, subjects)
        kind_scheme = free_scheme if bac and kind == "free" else scheme
        expected[candidate.pk] = _reference(
            rows,
            None,
            weights=kind_scheme.weights(),
            coefficients=coefficients,
            policy=policy,
            resit_min=kind_scheme.resit_min,
            keeps_best=bool(kind_scheme.resit_keeps_best),
        )
        normal_rows[candidate.pk] = (candidate, rows, kind)
    compute_results(actor=None, session=session)
    _check(session, expected)
    if scheme.resit_min is None:
        return
    # The resit: every candidate of the normal session sits it again with new marks.
    resit = create_session(actor=None, scheme=scheme, name="R", session="resit")
    resit_draws = case["resit"]
    assert isinstance(resit_draws, list)
    expected = {}
    for (candidate, rows, kind), extra in zip(normal_rows.values(), resit_draws, strict=False):
        extra = _with_coefficients(extra, coefficients)
        # a subject keeps one coefficient across the two sessions
        first = {(r.component, r.subject): r.coefficient for r in rows}
        extra = [
            Mark(r.component, r.subject, r.mark, first.get((r.component, r.subject), r.coefficient))
            for r in extra
        ]
        again = ExamCandidate.objects.create(
            session=resit,
            student_id=candidate.student_id,
            kind=kind,
            centre_id=candidate.centre_id,
            stream=stream_of,
            previous=candidate,
        )
        _write(again, extra, subjects)
        kind_scheme = free_scheme if kind == "free" else scheme
        expected[again.pk] = _reference(
            rows,
            extra,
            weights=kind_scheme.weights(),
            coefficients=coefficients,
            policy=policy,
            resit_min=None,
            keeps_best=bool(case["keeps_best"])
            if kind_scheme == scheme
            else bool(kind_scheme.resit_keeps_best),
        )
    compute_results(actor=None, session=resit)
    _check(resit, expected)


def _with_coefficients(rows: list[Mark], coefficients: dict[str, Decimal]) -> list[Mark]:
    """A subject the level has no coefficient for gets one in the file, as the import asks."""
    return [
        Mark(r.component, r.subject, r.mark, r.coefficient or Decimal("1.5"))
        if r.subject is not None and r.subject not in coefficients
        else r
        for r in rows
    ]
