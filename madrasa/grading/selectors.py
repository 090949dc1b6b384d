"""Reads of the grading policy for the pages, the API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from madrasa.registry.models import Level, SchoolYear, Stream

from .models import ExamScheme, GradingPolicy, SubjectCoefficient
from .services import YearLock, year_lock

__all__ = ["CoefficientGroup", "YearGrading", "year_grading", "years_overview"]


@dataclass
class CoefficientGroup:
    """The subject table of one level (stream None) or one stream of a level."""

    level: Level
    stream: Stream | None
    rows: list[SubjectCoefficient] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.level.code + (f"-{self.stream.code}" if self.stream is not None else "")

    @property
    def total(self) -> Decimal:
        return sum((Decimal(r.coefficient) for r in self.rows), Decimal(0))


@dataclass
class YearGrading:
    year: SchoolYear
    policy: GradingPolicy | None
    groups: list[CoefficientGroup]
    schemes: list[ExamScheme]
    lock: YearLock

    @property
    def coefficients(self) -> list[SubjectCoefficient]:
        return [row for group in self.groups for row in group.rows]


def year_grading(year: SchoolYear) -> YearGrading:
    """A year's policy, coefficient tables (grouped by level and stream, in level order) and
    exam schemes."""
    groups: dict[tuple[int, int | None], CoefficientGroup] = {}
    rows = SubjectCoefficient.objects.filter(year=year).select_related("level", "stream", "subject")
    for row in rows.order_by("level__rank", "stream__code", "subject__rank", "subject__code"):
        key = (row.level_id, row.stream_id)
        if key not in groups:
            groups[key] = CoefficientGroup(level=row.level, stream=row.stream)
        groups[key].rows.append(row)
    ordered = sorted(
        groups.values(),
        key=lambda g: (g.level.rank, g.stream is not None, g.stream.code if g.stream else ""),
    )
    return YearGrading(
        year=year,
        policy=GradingPolicy.objects.filter(year=year).first(),
        groups=ordered,
        schemes=list(ExamScheme.objects.filter(year=year).select_related("level")),
        lock=year_lock(year),
    )


@dataclass
class YearSummary:
    year: SchoolYear
    has_policy: bool
    coefficients: int
    schemes: int
    closed_semesters: int
    semesters: int

    @property
    def locked(self) -> bool:
        return self.semesters > 0 and self.closed_semesters == self.semesters


def years_overview() -> list[YearSummary]:
    """Every school year, newest first, with what its grading holds (one query)."""
    years = SchoolYear.objects.annotate(
        n_policy=Count("policy", distinct=True),
        n_coefficients=Count("coefficients", distinct=True),
        n_schemes=Count("exam_schemes", distinct=True),
        n_semesters=Count("semesters", distinct=True),
        n_closed=Count("semesters", filter=Q(semesters__closed_at__isnull=False), distinct=True),
    ).order_by("-starts_on")
    return [
        YearSummary(
            year=y,
            has_policy=bool(y.n_policy),
            coefficients=y.n_coefficients,
            schemes=y.n_schemes,
            closed_semesters=y.n_closed,
            semesters=y.n_semesters,
        )
        for y in years
    ]
