"""Writes of the grading policy: load Morocco's defaults into school years, copy a year's policy
to a new year, and the ministry's edits of a year (policy, coefficient tables, exam schemes),
each checked by `validation.py` and refused for a closed year. Every write is audited, with the
old and new values."""

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
from madrasa.registry.models import Level, SchoolYear, Semester, Stream

from .models import AbsenceCode, ExamScheme, GradingPolicy, Subject, SubjectCoefficient
from .validation import (
    CoefficientRow,
    GradingInvalid,
    PolicyValues,
    SchemeValues,
    check_coefficients,
    check_policy,
    check_scheme,
    decimal_text,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

__all__ = [
    "CoefficientChange",
    "GradingLoad",
    "YearLock",
    "copy_year_policy",
    "ensure_editable",
    "load_grading",
    "load_year_defaults",
    "policy_for",
    "replace_coefficients",
    "subjects_for",
    "update_exam_scheme",
    "update_policy",
    "year_lock",
]


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
def copy_year_policy(
    *, actor: Any, source: SchoolYear, target: SchoolYear, replace: bool = False
) -> GradingPolicy:
    """Start a new year's policy, coefficients and exam schemes as a copy of an earlier year's,
    for the ministry to edit. Refused if the target year already has a policy, unless `replace`
    (then the target's policy, coefficients and schemes are replaced, and the audit entry keeps
    what they were). Refused for a closed target year."""
    if source.pk == target.pk:
        raise InvalidInput(
            _("A year cannot be copied onto itself: choose another year to start from."),
            code="same_year",
        )
    ensure_editable(target)
    existing = GradingPolicy.objects.filter(year=target).first()
    if existing is not None and not replace:
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
    replaced: dict[str, Any] = {}
    if existing is not None:
        replaced = {
            "policy": policy_snapshot(existing),
            "coefficients": [
                coefficient_label(c)
                for c in SubjectCoefficient.objects.filter(year=target).select_related(
                    "level", "stream", "subject"
                )
            ],
            "schemes": [
                scheme_snapshot(s)
                for s in ExamScheme.objects.filter(year=target).select_related("level")
            ],
        }
        SubjectCoefficient.objects.filter(year=target).delete()
        ExamScheme.objects.filter(year=target).delete()
        existing.delete()
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
    data: dict[str, Any] = {"from": source.code}
    if existing is not None:
        data["replaced"] = replaced
    record_event(
        actor=actor,
        action="grading.copy_year",
        object_type="school_year",
        object_id=target.code,
        data=data,
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


# The ministry's edits of a year's grading ---------------------------------------------------


@dataclass(frozen=True)
class YearLock:
    """Which semesters of a year are closed. A year whose semesters are all closed is locked:
    its report cards were computed with its policy, so the policy may no longer change."""

    closed: tuple[int, ...]
    semesters: int

    @property
    def locked(self) -> bool:
        return self.semesters > 0 and len(self.closed) == self.semesters

    @property
    def partly_closed(self) -> bool:
        return bool(self.closed) and not self.locked


def year_lock(year: SchoolYear) -> YearLock:
    rows = list(Semester.objects.filter(year=year).values_list("number", "closed_at"))
    return YearLock(
        closed=tuple(sorted(n for n, closed_at in rows if closed_at is not None)),
        semesters=len(rows),
    )


def ensure_editable(year: SchoolYear) -> YearLock:
    """Refuse to change the grading of a year whose semesters are all closed. Locks the year's
    semester rows until the end of the transaction, so a term cannot close half-way through an
    edit."""
    list(Semester.objects.select_for_update().filter(year=year).values_list("pk"))
    lock = year_lock(year)
    if lock.locked:
        raise InvalidInput(
            _(
                "The school year %(year)s is closed: all its semesters are closed, so its "
                "report cards were computed with this grading policy. Changing it now would "
                "make them disagree with their own rules, so it can no longer be changed."
            )
            % {"year": year.code},
            code="year_closed",
        )
    return lock


def _policy_or_refuse(year: SchoolYear) -> GradingPolicy:
    policy = GradingPolicy.objects.select_for_update().filter(year=year).first()
    if policy is None:
        raise InvalidInput(
            _(
                "The school year %(year)s has no grading policy yet: start it from another "
                "year or from the shipped defaults first."
            )
            % {"year": year.code},
            code="no_policy",
        )
    return policy


def policy_snapshot(policy: GradingPolicy) -> dict[str, Any]:
    """The policy's values as audit-safe JSON (decimals as text)."""
    return {
        "scale_max": decimal_text(Decimal(policy.scale_max)),
        "pass_mark": decimal_text(Decimal(policy.pass_mark)),
        "mentions": [{"code": str(m["code"]), "min": str(m["min"])} for m in policy.mentions],
        "decimals": int(policy.decimals),
        "rounding": str(policy.rounding),
        "absence_rules": {str(k): str(v) for k, v in sorted(policy.absence_rules.items())},
        "semester_weights": [str(w) for w in policy.semester_weights],
        "source": policy.source,
    }


def scheme_snapshot(scheme: ExamScheme) -> dict[str, Any]:
    resit_min = scheme.resit_min
    return {
        "code": scheme.code,
        "level": scheme.level.code,
        "components": [
            {"code": str(c["code"]), "weight": str(c["weight"])} for c in scheme.components
        ],
        "resit_min": None if resit_min is None else decimal_text(Decimal(resit_min)),
        "resit_keeps_best": bool(scheme.resit_keeps_best),
        "source": scheme.source,
    }


def coefficient_label(row: SubjectCoefficient) -> str:
    """ "2BAC/PC/MATH x7 (3)": a coefficient row in one short string, for the audit log."""
    stream = row.stream.code if row.stream is not None else ""
    return (
        f"{row.level.code}/{stream}/{row.subject.code} "
        f"x{decimal_text(Decimal(row.coefficient))} ({row.assessments_per_semester})"
    )


def _changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return {key: {"old": old[key], "new": new[key]} for key in new if old.get(key) != new[key]}


def _resit_mins(year: SchoolYear) -> dict[str, Decimal]:
    rows = ExamScheme.objects.filter(year=year).values_list("code", "resit_min")
    return {code: Decimal(value) for code, value in rows if value is not None}


@transaction.atomic
def update_policy(*, actor: Any, year: SchoolYear, values: PolicyValues) -> GradingPolicy:
    """Set a year's grading policy (scale, pass mark, mentions, rounding, decimals, absence
    treatment, semester weights, source). Each value is checked (`validation.check_policy`);
    the audit entry keeps the old and new value of every field that changed."""
    lock = ensure_editable(year)
    policy = _policy_or_refuse(year)
    check_policy(values, semesters=lock.semesters, resit_mins=_resit_mins(year))
    old = policy_snapshot(policy)
    policy.scale_max = values.scale_max
    policy.pass_mark = values.pass_mark
    policy.mentions = [{"code": code, "min": decimal_text(m)} for code, m in values.mentions]
    policy.decimals = values.decimals
    policy.rounding = values.rounding
    policy.absence_rules = {code: values.absence_rules[code] for code in AbsenceCode.values}
    policy.semester_weights = [decimal_text(w) for w in values.semester_weights]
    policy.source = values.source.strip()
    changes = _changes(old, policy_snapshot(policy))
    if not changes:
        return policy
    policy.save()
    record_event(
        actor=actor,
        action="grading.update_policy",
        object_type="school_year",
        object_id=year.code,
        data={"changes": changes},
    )
    return policy


@dataclass
class CoefficientChange:
    added: list[str]
    changed: list[dict[str, str]]
    removed: list[str]

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@transaction.atomic
def replace_coefficients(
    *,
    actor: Any,
    year: SchoolYear,
    level: Level,
    stream: Stream | None,
    rows: list[CoefficientRow],
) -> CoefficientChange:
    """Set the subject table of one level (stream None) or one stream of a year: subjects not in
    `rows` are removed, new ones added, the others updated. Audited with the old and new rows.
    A stream left without rows falls back to its level's rows (`subjects_for`)."""
    ensure_editable(year)
    _policy_or_refuse(year)
    if stream is not None and stream.level_id != level.pk:
        raise GradingInvalid(
            _("Stream: %(stream)s is not a stream of the level %(level)s.")
            % {"stream": stream.code, "level": level.code},
            field="stream",
        )
    subjects = {s.code: s for s in Subject.objects.all()}
    check_coefficients(rows, subject_codes=set(subjects))
    current = {
        c.subject.code: c
        for c in SubjectCoefficient.objects.select_related("level", "stream", "subject").filter(
            year=year, level=level, stream=stream
        )
    }
    wanted = {row.subject: row for row in rows}
    change = CoefficientChange(added=[], changed=[], removed=[])
    removed = [current[code] for code in current if code not in wanted]
    change.removed = [coefficient_label(c) for c in removed]
    SubjectCoefficient.objects.filter(pk__in=[c.pk for c in removed]).delete()
    updated = []
    for code, row in wanted.items():
        existing = current.get(code)
        if existing is None:
            continue
        if (
            Decimal(existing.coefficient) == row.coefficient
            and existing.assessments_per_semester == row.assessments_per_semester
        ):
            continue
        before = coefficient_label(existing)
        existing.coefficient = row.coefficient
        existing.assessments_per_semester = row.assessments_per_semester
        updated.append(existing)
        change.changed.append({"old": before, "new": coefficient_label(existing)})
    SubjectCoefficient.objects.bulk_update(updated, ["coefficient", "assessments_per_semester"])
    added = [
        SubjectCoefficient(
            year=year,
            level=level,
            stream=stream,
            subject=subjects[code],
            coefficient=row.coefficient,
            assessments_per_semester=row.assessments_per_semester,
        )
        for code, row in wanted.items()
        if code not in current
    ]
    SubjectCoefficient.objects.bulk_create(added)
    change.added = [coefficient_label(c) for c in added]
    if change:
        record_event(
            actor=actor,
            action="grading.update_coefficients",
            object_type="school_year",
            object_id=year.code,
            data={
                "level": level.code,
                "stream": stream.code if stream is not None else "",
                "added": change.added,
                "changed": change.changed,
                "removed": change.removed,
            },
        )
    return change


@transaction.atomic
def update_exam_scheme(
    *, actor: Any, year: SchoolYear, code: str, values: SchemeValues
) -> ExamScheme:
    """Set (or create) one exam scheme of a year: its level, component weights (summing to 1),
    resit band and best-of rule, and source. Audited with the old and new values."""
    ensure_editable(year)
    policy = _policy_or_refuse(year)
    levels = {level.code: level for level in Level.objects.all()}
    check_scheme(code, values, pass_mark=Decimal(policy.pass_mark), level_codes=set(levels))
    scheme = ExamScheme.objects.select_for_update().filter(year=year, code=code).first()
    old = scheme_snapshot(scheme) if scheme is not None else None
    if scheme is None:
        scheme = ExamScheme(year=year, code=code)
    scheme.level = levels[values.level]
    scheme.components = [{"code": c, "weight": decimal_text(w)} for c, w in values.components]
    scheme.resit_min = values.resit_min
    scheme.resit_keeps_best = values.resit_keeps_best
    scheme.source = values.source.strip()
    new = scheme_snapshot(scheme)
    if old == new:
        return scheme
    scheme.save()
    record_event(
        actor=actor,
        action="grading.update_exam_scheme",
        object_type="school_year",
        object_id=year.code,
        data={"scheme": code, "changes": _changes(old or {}, new) if old else {"new": new}},
    )
    return scheme


@transaction.atomic
def load_year_defaults(*, actor: Any, year: SchoolYear) -> GradingLoad:
    """Give a year without a policy Morocco's shipped defaults (`data/`)."""
    ensure_editable(year)
    if GradingPolicy.objects.filter(year=year).exists():
        raise InvalidInput(
            _("The year %(year)s already has a grading policy.") % {"year": year.code},
            code="policy_exists",
        )
    return load_grading(actor=actor, years=[year])
