"""The set-based SQL equals the reference rules (madrasa.grading.rules) to the cent, on random
policies, coefficients (with and without stream rows), marks and absences, on both engines."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import World
from madrasa.bulletins.compute import SqlPolicy, compute_semester, compute_year
from madrasa.bulletins.models import Bulletin, BulletinLine
from madrasa.enrolment.models import Enrolment
from madrasa.enrolment.services import create_class, current_year
from madrasa.grading import rules
from madrasa.grading.models import GradingPolicy, Subject, SubjectCoefficient
from madrasa.grading.services import subjects_for
from madrasa.marks.models import Assessment, Mark
from madrasa.registry.models import Level, Stream

from .factories import add_pupils

SUBJECTS = ("AR", "FR", "MATH", "PC")
COEFFICIENTS = [Decimal(x) for x in ("0.5", "1", "1.25", "2", "3", "4")]
WEIGHTS = [Decimal(x) for x in ("0", "0.4", "0.6", "1", "1.5", "2")]

mark = st.one_of(
    st.none(),
    st.integers(min_value=0, max_value=2000).map(lambda c: Decimal(c).scaleb(-2)),
    st.integers(min_value=0, max_value=20).map(Decimal),  # whole marks: ties and exact halves
    st.sampled_from(["ABJ", "ABN", "DIS"]),
)
coefficient_rows = st.dictionaries(st.sampled_from(SUBJECTS[:3]), st.sampled_from(COEFFICIENTS))
policies = st.fixed_dictionaries(
    {
        "decimals": st.sampled_from([0, 1, 2, 2]),
        "rounding": st.sampled_from(["half_up", "half_up", "down"]),
        "absence_rules": st.fixed_dictionaries(
            {code: st.sampled_from(["zero", "excluded"]) for code in ("ABJ", "ABN", "DIS")}
        ),
        "semester_weights": st.lists(st.sampled_from(WEIGHTS), min_size=1, max_size=2).map(
            lambda ws: [str(w) for w in ws]
        ),
        "pass_mark": st.sampled_from([Decimal(10), Decimal("8.5")]),
    }
)


def _assessments(n_pupils: int) -> Any:
    """For one class, semester and subject: 0..3 assessments, each a list of pupils' marks."""
    return st.lists(st.lists(mark, min_size=n_pupils, max_size=n_pupils), max_size=3)


def _setup(world: World) -> dict[str, Any]:
    year = current_year()
    tc = Level.objects.get(code="TC")
    stream = Stream.objects.get(level=tc, code="TCS")
    other = create_class(
        actor=None, school=world.school, year=year, level=tc, stream=stream, name="TC1"
    )
    primary = world.classes[0]
    pupils = {
        primary.pk: [
            Enrolment.objects.get(student=world.student),
            *add_pupils(primary, 3, tag="p"),
        ],
        other.pk: add_pupils(other, 4, tag="t"),
    }
    return {
        "year": year,
        "classes": [primary, other],
        "pupils": pupils,
        "stream": stream,
        "semesters": list(year.semesters.order_by("number")),
        "subjects": {s.code: s for s in Subject.objects.filter(code__in=SUBJECTS)},
    }


def _reset(ctx: dict[str, Any], policy: dict[str, Any], coefficients: dict[str, Any]) -> None:
    BulletinLine.objects.all().delete()
    Bulletin.objects.all().delete()
    Mark.objects.all().delete()
    Assessment.objects.all().delete()
    GradingPolicy.objects.filter(year=ctx["year"]).update(**policy)
    primary, other = ctx["classes"]
    SubjectCoefficient.objects.filter(
        year=ctx["year"], level__in=[primary.level, other.level]
    ).delete()
    rows = []
    for (level, stream), chosen in (
        ((primary.level, None), coefficients["primary"]),
        ((other.level, None), coefficients["level"]),
        ((other.level, ctx["stream"]), coefficients["stream"]),
    ):
        for code, value in chosen.items():
            rows.append(
                SubjectCoefficient(
                    year=ctx["year"],
                    level=level,
                    stream=stream,
                    subject=ctx["subjects"][code],
                    coefficient=value,
                )
            )
    SubjectCoefficient.objects.bulk_create(rows)


def _store_marks(ctx: dict[str, Any], marks: dict[tuple[int, int, str], list[list[Any]]]) -> None:
    assessments = []
    keys = []
    for (class_index, semester_index, code), sheets in marks.items():
        for number, _sheet in enumerate(sheets, start=1):
            assessments.append(
                Assessment(
                    school_class=ctx["classes"][class_index],
                    subject=ctx["subjects"][code],
                    semester=ctx["semesters"][semester_index],
                    number=number,
                )
            )
            keys.append((class_index, semester_index, code, number - 1))
        # A local exam mark never counts in the continuous-assessment average.
        if sheets:
            assessments.append(
                Assessment(
                    school_class=ctx["classes"][class_index],
                    subject=ctx["subjects"][code],
                    semester=ctx["semesters"][semester_index],
                    number=1,
                    kind="local_exam",
                )
            )
            keys.append((class_index, semester_index, code, -1))
    created = Assessment.objects.bulk_create(assessments)
    now = timezone.now()
    rows = []
    for assessment, (class_index, semester_index, code, k) in zip(created, keys, strict=True):
        pupils = ctx["pupils"][ctx["classes"][class_index].pk]
        sheet = (
            marks[(class_index, semester_index, code)][k] if k >= 0 else [Decimal(20)] * len(pupils)
        )
        for enrolment, spec in zip(pupils, sheet, strict=True):
            if spec is None:
                continue
            rows.append(
                Mark(
                    year_id=ctx["classes"][class_index].year_id,
                    assessment=assessment,
                    enrolment=enrolment,
                    updated_at=now,
                    value=spec if isinstance(spec, Decimal) else None,
                    absence=spec if isinstance(spec, str) else "",
                )
            )
    Mark.objects.bulk_create(rows)


def _expected(
    ctx: dict[str, Any], marks: dict[tuple[int, int, str], list[list[Any]]], policy: rules.Policy
) -> dict[tuple[int, str], Any]:
    """(enrolment id, period) → (general average, rank, size, mention, decision, {subject: avg})."""
    out: dict[tuple[int, str], Any] = {}
    semester_averages: dict[int, list[Decimal | None]] = defaultdict(list)
    for class_index, school_class in enumerate(ctx["classes"]):
        pupils = ctx["pupils"][school_class.pk]
        subjects = subjects_for(
            year_id=school_class.year_id,
            level_id=school_class.level_id,
            stream_id=school_class.stream_id,
        )
        for semester_index in range(2):
            period = f"S{semester_index + 1}"
            general: dict[int, Decimal | None] = {}
            lines: dict[int, dict[str, Decimal | None]] = {}
            for i, enrolment in enumerate(pupils):
                lines[enrolment.pk] = {}
                weighted = []
                for row in subjects:
                    sheets = marks.get((class_index, semester_index, row.subject.code), [])
                    values = [
                        rules.MarkValue(value=s)
                        if isinstance(s, Decimal)
                        else rules.MarkValue(absence=s)
                        for s in (sheet[i] for sheet in sheets)
                        if s is not None
                    ]
                    average = rules.subject_average(values, policy)
                    lines[enrolment.pk][row.subject.code] = average
                    weighted.append((average, Decimal(row.coefficient)))
                general[enrolment.pk] = rules.general_average(weighted, policy)
                semester_averages[enrolment.pk].append(general[enrolment.pk])
            ranked = rules.ranks(general)
            for pk, average in general.items():
                out[(pk, period)] = (
                    average,
                    ranked[pk],
                    len(pupils),
                    rules.mention(average, policy),
                    rules.decision_proposal(average, policy),
                    lines[pk],
                )
        year: dict[int, Decimal | None] = {
            e.pk: rules.year_average(semester_averages[e.pk], policy) for e in pupils
        }
        ranked = rules.ranks(year)
        for pk, average in year.items():
            out[(pk, "Y")] = (
                average,
                ranked[pk],
                len(pupils),
                rules.mention(average, policy),
                rules.decision_proposal(average, policy),
                {},
            )
    return out


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    data=st.data(),
    policy_values=policies,
    primary=coefficient_rows,
    level=coefficient_rows,
    stream=coefficient_rows,
)
def test_sql_equals_the_reference_rules(
    world: World,
    data: Any,
    policy_values: dict[str, Any],
    primary: dict[str, Decimal],
    level: dict[str, Decimal],
    stream: dict[str, Decimal],
) -> None:
    ctx = getattr(world, "_bulletins_ctx", None)
    if ctx is None:
        ctx = _setup(world)
        world._bulletins_ctx = ctx  # type: ignore[attr-defined]  # built once per test run
    # given
    _reset(ctx, policy_values, {"primary": primary, "level": level, "stream": stream})
    marks: dict[tuple[int, int, str], list[list[Any]]] = {}
    for class_index, school_class in enumerate(ctx["classes"]):
        n = len(ctx["pupils"][school_class.pk])
        for semester_index in range(2):
            for code in SUBJECTS:
                marks[(class_index, semester_index, code)] = data.draw(_assessments(n))
    _store_marks(ctx, marks)
    row = GradingPolicy.objects.get(year=ctx["year"])
    policy = rules.Policy.from_model(row)
    sql_policy = SqlPolicy.from_policy(policy)
    # when
    now = timezone.now()
    for semester in ctx["semesters"]:
        compute_semester([world.school.pk], semester, sql_policy, now=now)
    compute_year([world.school.pk], ctx["year"].pk, sql_policy, now=now)
    # then
    expected = _expected(ctx, marks, policy)
    got = {
        (b.enrolment_id, b.period): (
            b.general_average,
            b.rank,
            b.class_size,
            b.mention,
            b.decision_proposal,
            {line.subject.code: line.average for line in b.lines.all()},
        )
        for b in Bulletin.objects.prefetch_related("lines__subject")
    }
    assert got == expected
