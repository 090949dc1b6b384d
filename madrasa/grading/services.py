"""Writes of the grading policy: load Morocco's defaults into school years, copy a year's policy
to a new year. Every write is audited."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput
from madrasa.registry.models import Level, SchoolYear, Stream

from .models import ExamScheme, GradingPolicy, Subject, SubjectCoefficient

DATA_DIR = Path(__file__).resolve().parent / "data"

__all__ = ["GradingLoad", "copy_year_policy", "load_grading", "policy_for", "subjects_for"]


@dataclass
class GradingLoad:
    subjects: int = 0
    years: int = 0
    coefficients: int = 0
    schemes: int = 0


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _components(spec: str) -> list[dict[str, str]]:
    out = []
    for item in spec.split():
        code, _sep, weight = item.partition(":")
        out.append({"code": code, "weight": weight})
    total = sum((Decimal(c["weight"]) for c in out), Decimal(0))
    if total != 1:
        raise InvalidInput(
            _("The exam weights %(spec)s add up to %(total)s, not 1.")
            % {"spec": spec, "total": total}
        )
    return out


@transaction.atomic
def load_grading(
    *, actor: Any, years: list[SchoolYear] | None = None, data_dir: Path = DATA_DIR
) -> GradingLoad:
    """Create the subjects, and for each school year that has none yet its policy, coefficients
    and exam schemes from the defaults. A year the ministry already configured is left alone.
    Safe to run again."""
    load = GradingLoad()
    subjects = {}
    for row in _rows(data_dir / "subjects.csv"):
        subjects[row["subject_code"]], created = Subject.objects.update_or_create(
            code=row["subject_code"],
            defaults={
                "rank": int(row["rank"]),
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "name_en": row["name_en"],
            },
        )
        load.subjects += int(created)
    policy_defaults = json.loads((data_dir / "policy.json").read_text(encoding="utf-8"))
    levels = {level.code: level for level in Level.objects.all()}
    streams = {(s.level.code, s.code): s for s in Stream.objects.select_related("level")}
    coefficient_rows = _rows(data_dir / "coefficients.csv")
    scheme_rows = _rows(data_dir / "exam_schemes.csv")
    for year in years if years is not None else SchoolYear.objects.all():
        if GradingPolicy.objects.filter(year=year).exists():
            continue
        GradingPolicy.objects.create(year=year, **policy_defaults)
        load.years += 1
        SubjectCoefficient.objects.bulk_create(
            SubjectCoefficient(
                year=year,
                level=levels[row["level_code"]],
                stream=streams[(row["level_code"], row["stream_code"])]
                if row["stream_code"]
                else None,
                subject=subjects[row["subject_code"]],
                coefficient=Decimal(row["coefficient"]),
                assessments_per_semester=int(row["assessments_per_semester"]),
            )
            for row in coefficient_rows
        )
        load.coefficients += len(coefficient_rows)
        for row in scheme_rows:
            ExamScheme.objects.create(
                year=year,
                code=row["scheme_code"],
                level=levels[row["level_code"]],
                components=_components(row["components"]),
                resit_min=Decimal(row["resit_min"]) if row["resit_min"] else None,
                resit_keeps_best=row["resit_keeps_best"] == "true",
                source=row["source"],
            )
            load.schemes += 1
        record_event(
            actor=actor,
            action="grading.load_defaults",
            object_type="school_year",
            object_id=year.code,
            data={"coefficients": len(coefficient_rows), "schemes": len(scheme_rows)},
        )
    return load


@transaction.atomic
def copy_year_policy(*, actor: Any, source: SchoolYear, target: SchoolYear) -> GradingPolicy:
    """Start a new year's policy, coefficients and exam schemes as a copy of an earlier year's,
    for the ministry to edit. Refused if the target year already has a policy."""
    if GradingPolicy.objects.filter(year=target).exists():
        raise InvalidInput(
            _("The year %(year)s already has a grading policy.") % {"year": target.code},
            code="policy_exists",
        )
    try:
        original = GradingPolicy.objects.get(year=source)
    except GradingPolicy.DoesNotExist:
        raise InvalidInput(
            _("The year %(year)s has no grading policy to copy.") % {"year": source.code},
            code="no_policy",
        ) from None
    policy = GradingPolicy.objects.create(
        year=target,
        scale_max=original.scale_max,
        pass_mark=original.pass_mark,
        mentions=original.mentions,
        decimals=original.decimals,
        rounding=original.rounding,
        absence_rules=original.absence_rules,
        semester_weights=original.semester_weights,
        source=original.source,
    )
    SubjectCoefficient.objects.bulk_create(
        SubjectCoefficient(
            year=target,
            level_id=c.level_id,
            stream_id=c.stream_id,
            subject_id=c.subject_id,
            coefficient=c.coefficient,
            assessments_per_semester=c.assessments_per_semester,
        )
        for c in SubjectCoefficient.objects.filter(year=source)
    )
    for scheme in ExamScheme.objects.filter(year=source):
        ExamScheme.objects.create(
            year=target,
            code=scheme.code,
            level_id=scheme.level_id,
            components=scheme.components,
            resit_min=scheme.resit_min,
            resit_keeps_best=scheme.resit_keeps_best,
            source=scheme.source,
        )
    record_event(
        actor=actor,
        action="grading.copy_year",
        object_type="school_year",
        object_id=target.code,
        data={"from": source.code},
    )
    return policy


def policy_for(year: SchoolYear | int) -> GradingPolicy:
    """The grading policy of a year; a clear refusal when the ministry has not set one."""
    year_id = year if isinstance(year, int) else year.pk
    try:
        return GradingPolicy.objects.select_related("year").get(year_id=year_id)
    except GradingPolicy.DoesNotExist:
        raise InvalidInput(
            _("This school year has no grading policy yet; the ministry must set it first."),
            code="no_policy",
        ) from None


def subjects_for(*, year_id: int, level_id: int, stream_id: int | None) -> list[SubjectCoefficient]:
    """The subjects (with coefficients) of a class's year, level and stream. A class with a
    stream uses its stream's rows, or the level's rows when the stream has none."""
    rows = SubjectCoefficient.objects.select_related("subject").filter(
        year_id=year_id, level_id=level_id
    )
    if stream_id is not None:
        own = list(rows.filter(stream_id=stream_id))
        if own:
            return own
    return list(rows.filter(stream__isnull=True))


def parse_decimal(raw: str) -> Decimal:
    """A decimal typed with a comma or a point ("12,5" or "12.5"); InvalidOperation if not."""
    text = raw.strip().replace(",", ".").replace("٫", ".")
    text = text.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    value = Decimal(text)
    if not value.is_finite():
        raise InvalidOperation(raw)
    return value
