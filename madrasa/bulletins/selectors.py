"""Reads of the bulletins domain for pages, the API, the PDF and the CLI (access is checked by
the caller through access.py). `explain_bulletin` rebuilds a bulletin's arithmetic from the marks
with `madrasa.grading.rules`, the reference the database computation is tested against."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.grading import rules
from madrasa.grading.models import GradingPolicy
from madrasa.marks.models import Assessment, Mark, TermClosure
from madrasa.registry.models import School, SchoolYear

from .models import Bulletin, BulletinLine, BulletinRun, Period

__all__ = [
    "ClassSummary",
    "Explanation",
    "bulletin_lines",
    "class_bulletins",
    "explain_bulletin",
    "latest_run",
    "pupil_bulletins",
    "run_progress",
    "school_summary",
    "semester_bulletins_of",
    "term_closed",
]


def bulletin_lines(bulletin: Bulletin) -> QuerySet[BulletinLine]:
    return bulletin.lines.select_related("subject").order_by("subject__rank", "subject__code")


def class_bulletins(school_class: SchoolClass, period: str) -> QuerySet[Bulletin]:
    """The class's bulletins of a period, best rank first (pupils without average last)."""
    return (
        Bulletin.objects.filter(enrolment__school_class=school_class, period=period)
        .select_related("enrolment__student", "semester")
        .order_by(
            "rank", "enrolment__student__last_name_latn", "enrolment__student__first_name_latn"
        )
    )


def pupil_bulletins(visible: QuerySet[Bulletin], student_id: int) -> QuerySet[Bulletin]:
    """A pupil's bulletins among those the actor sees (`access.visible_bulletins`)."""
    return visible.filter(enrolment__student_id=student_id).order_by(
        "-enrolment__year__starts_on", "period"
    )


def semester_bulletins_of(bulletin: Bulletin) -> list[Bulletin]:
    """For a year bulletin: the same enrolment's semester bulletins."""
    return list(
        Bulletin.objects.filter(enrolment_id=bulletin.enrolment_id)
        .exclude(period=Period.YEAR)
        .select_related("semester")
        .order_by("period")
    )


@dataclass(frozen=True)
class ClassSummary:
    school_class: SchoolClass
    pupils: int
    computed: int
    published: int
    with_average: int
    passed: int
    class_average: Decimal | None


def school_summary(school: School, year: SchoolYear, period: str) -> list[ClassSummary]:
    """Per class of the school: pupils, bulletins computed and published, the mean of the
    general averages (for the director's overview; not a rule)."""
    classes = list(
        SchoolClass.objects.filter(school=school, year=year)
        .select_related("level", "stream")
        .annotate(pupils=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ACTIVE)))
        .order_by("level__rank", "name")
    )
    rows: dict[int, list[tuple[Decimal | None, bool, bool, str]]] = {}
    for class_id, average, computed_at, published_at, decision in Bulletin.objects.filter(
        enrolment__school=school, enrolment__year=year, period=period
    ).values_list(
        "enrolment__school_class_id",
        "general_average",
        "computed_at",
        "published_at",
        "decision_proposal",
    ):
        rows.setdefault(class_id, []).append(
            (average, computed_at is not None, published_at is not None, decision)
        )
    out = []
    for school_class in classes:
        found = rows.get(school_class.pk, [])
        averages = [a for a, _c, _p, _d in found if a is not None]
        mean = (
            (sum(averages, Decimal(0)) / len(averages)).quantize(Decimal("0.01"))
            if averages
            else None
        )
        out.append(
            ClassSummary(
                school_class=school_class,
                pupils=school_class.pupils,
                computed=sum(1 for r in found if r[1]),
                published=sum(1 for r in found if r[2]),
                with_average=len(averages),
                passed=sum(1 for r in found if r[3] == "promoted"),
                class_average=mean,
            )
        )
    return out


def latest_run(
    scope_kind: str, scope_code: str, year: SchoolYear, period: str
) -> BulletinRun | None:
    return (
        BulletinRun.objects.filter(
            scope_kind=scope_kind, scope_code=scope_code, year=year, period=period
        )
        .order_by("-created_at", "-id")
        .first()
    )


def run_progress(run: BulletinRun) -> dict[str, Any]:
    """What the progress bar and the API show (JSON-serialisable)."""
    return {
        "uuid": str(run.uuid),
        "status": run.status,
        "label": str(run.get_status_display()),
        "done": run.done,
        "total": run.total,
        "skipped": run.skipped,
        "bulletins": run.bulletins,
        "percent": run.percent,
        "finished": run.is_finished,
        "error": run.error,
    }


def term_closed(school: School, year: SchoolYear, period: str) -> bool:
    number = 2 if period == Period.YEAR else int(period[1])
    return TermClosure.objects.filter(
        school=school, semester__year=year, semester__number=number
    ).exists()


# Explain my average -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MarkStep:
    number: int
    value: Decimal | None
    absence: str
    counted_as: Decimal | None  # None: left out


@dataclass(frozen=True)
class SubjectStep:
    line: BulletinLine
    marks: list[MarkStep]
    total: Decimal
    count: int
    average: Decimal | None
    exact: Decimal | None  # the quotient before rounding

    @property
    def product(self) -> Decimal | None:
        return None if self.average is None else self.average * self.line.coefficient


@dataclass(frozen=True)
class Explanation:
    bulletin: Bulletin
    policy: rules.Policy
    subjects: list[SubjectStep] = field(default_factory=list)
    semesters: list[tuple[Bulletin | None, Decimal | None, Decimal]] = field(default_factory=list)
    weighted_sum: Decimal = Decimal(0)
    weights: Decimal = Decimal(0)
    exact: Decimal | None = None
    result: Decimal | None = None

    @property
    def matches(self) -> bool:
        """The rules give what the bulletin says (they always should)."""
        return self.result == self.bulletin.general_average


def _policy(year_id: int) -> rules.Policy:
    row = GradingPolicy.objects.filter(year_id=year_id).first()
    return rules.Policy.from_model(row) if row is not None else rules.Policy()


def explain_bulletin(bulletin: Bulletin) -> Explanation:
    """The arithmetic from each mark to each subject average and to the general (or year)
    average, step by step, with the reference rules."""
    policy = _policy(bulletin.enrolment.year_id)
    if bulletin.period == Period.YEAR:
        semesters = []
        averages: list[Decimal | None] = []
        by_number = {b.semester.number: b for b in semester_bulletins_of(bulletin) if b.semester}
        for number, weight in enumerate(policy.semester_weights, start=1):
            found = by_number.get(number)
            average = found.general_average if found is not None else None
            averages.append(average)
            semesters.append((found, average, weight))
        present = [(a, w) for _b, a, w in semesters if a is not None]
        total = sum((a * w for a, w in present), Decimal(0))
        weight = sum((w for _a, w in present), Decimal(0))
        return Explanation(
            bulletin=bulletin,
            policy=policy,
            semesters=semesters,
            weighted_sum=total,
            weights=weight,
            exact=total / weight if weight else None,
            result=rules.year_average(averages, policy),
        )
    lines = list(bulletin_lines(bulletin))
    marks: dict[int, list[MarkStep]] = {}
    for subject_id, number, value, absence in (
        Mark.objects.filter(
            year_id=bulletin.enrolment.year_id,  # one year's partition
            enrolment_id=bulletin.enrolment_id,
            assessment__semester=bulletin.semester,
            assessment__kind=Assessment.Kind.CONTINUOUS,
        )
        .order_by("assessment__number")
        .values_list("assessment__subject_id", "assessment__number", "value", "absence")
    ):
        mark = (
            rules.MarkValue(value=value) if value is not None else rules.MarkValue(absence=absence)
        )
        counted = rules.counted_values([mark], policy)
        marks.setdefault(subject_id, []).append(
            MarkStep(number, value, absence, counted[0] if counted else None)
        )
    steps = []
    for line in lines:
        own = marks.get(line.subject_id, [])
        values = [m.counted_as for m in own if m.counted_as is not None]
        total = sum(values, Decimal(0))
        average = rules.subject_average(
            [
                rules.MarkValue(value=m.value)
                if m.value is not None
                else rules.MarkValue(absence=m.absence)
                for m in own
            ],
            policy,
        )
        steps.append(
            SubjectStep(
                line=line,
                marks=own,
                total=total,
                count=len(values),
                average=average,
                exact=total / len(values) if values else None,
            )
        )
    weighted = [(s.average, Decimal(s.line.coefficient)) for s in steps]
    present = [(a, c) for a, c in weighted if a is not None]
    total = sum((a * c for a, c in present), Decimal(0))
    weight = sum((c for _a, c in present), Decimal(0))
    return Explanation(
        bulletin=bulletin,
        policy=policy,
        subjects=steps,
        weighted_sum=total,
        weights=weight,
        exact=total / weight if weight else None,
        result=rules.general_average(weighted, policy),
    )
