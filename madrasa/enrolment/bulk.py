"""Bulk enrolment, for imports: a few queries per chunk of pupils, never one per pupil.

`check_enrolments` says which enrolments cannot be made, by the same rules as the single-row
services: the pupil is active in another school that year (a transfer is needed), or already
enrolled in this school that year at another level or stream (a year-end decision changes that,
not an import), or the class exists for another level or stream. `enrol_pupils` makes the
others: one active enrolment per pupil and year, the class created when missing (or the pupil
moved to it), a `JourneyEvent` for each step, and `Student.school` kept as the school of the
pupil's latest active enrolment. One audit event per call.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from madrasa.core.audit import Actor, record_event
from madrasa.core.errors import InvalidInput
from madrasa.registry.models import SchoolYear, Stream, Student

from .models import Enrolment, JourneyEvent, SchoolClass

__all__ = [
    "EnrolmentIn",
    "EnrolmentProblem",
    "check_enrolments",
    "enrol_pupils",
    "find_active_enrolments",
    "find_classes",
]

ClassKey = tuple[int, int, str]  # (school id, year id, class name)


@dataclass(frozen=True)
class EnrolmentIn:
    key: int
    student_id: int
    school_id: int
    year_id: int
    level_id: int
    stream_id: int | None = None
    class_name: str = ""

    @property
    def class_key(self) -> ClassKey | None:
        return (self.school_id, self.year_id, self.class_name) if self.class_name else None


@dataclass(frozen=True)
class EnrolmentProblem:
    """Why an enrolment cannot be made: `code` is enrolled_elsewhere, enrolled_other_level,
    class_other_level, or class_defined_twice (a new class named by two enrolments with
    different levels or streams; `first` is the key of the first)."""

    key: int
    code: str
    params: dict[str, str]


def find_active_enrolments(
    *, student_ids: Collection[int], year_ids: Collection[int]
) -> dict[tuple[int, int], Enrolment]:
    """The active enrolments of these pupils in these years, by (student id, year id)."""
    if not student_ids or not year_ids:
        return {}
    rows = Enrolment.objects.filter(
        student_id__in=set(student_ids), year_id__in=set(year_ids), status=Enrolment.Status.ACTIVE
    ).select_related("school", "year", "level", "stream", "school_class")
    return {(e.student_id, e.year_id): e for e in rows}


def find_classes(keys: Collection[ClassKey]) -> dict[ClassKey, SchoolClass]:
    """The classes with these (school, year, name), in one query."""
    if not keys:
        return {}
    wanted = set(keys)
    rows = SchoolClass.objects.filter(
        school_id__in={k[0] for k in wanted},
        year_id__in={k[1] for k in wanted},
        name__in={k[2] for k in wanted},
    ).select_related("level", "stream")
    return {key: c for c in rows if (key := (c.school_id, c.year_id, c.name)) in wanted}


def _level_label(school_class: SchoolClass) -> str:
    level = school_class.level.code
    return f"{level}/{school_class.stream.code}" if school_class.stream else level


def check_enrolments(
    enrolments: Sequence[EnrolmentIn],
    *,
    active: Mapping[tuple[int, int], Enrolment],
    classes: Mapping[ClassKey, SchoolClass],
) -> dict[int, EnrolmentProblem]:
    """The enrolments that cannot be made, given `find_active_enrolments` and `find_classes`.

    A class that does not exist yet is defined by the first enrolment naming it; a later one
    naming it with another level or stream is refused (class_defined_twice).
    """
    problems: dict[int, EnrolmentProblem] = {}
    planned: dict[ClassKey, tuple[int, int | None, int]] = {}
    for item in enrolments:
        current = active.get((item.student_id, item.year_id))
        if current is not None and current.school_id != item.school_id:
            problems[item.key] = EnrolmentProblem(
                item.key,
                "enrolled_elsewhere",
                {"school": current.school.code, "year": current.year.code},
            )
            continue
        if current is not None and (current.level_id, current.stream_id) != (
            item.level_id,
            item.stream_id,
        ):
            label = current.level.code + (f"/{current.stream.code}" if current.stream else "")
            problems[item.key] = EnrolmentProblem(
                item.key, "enrolled_other_level", {"level": label, "year": current.year.code}
            )
            continue
        key = item.class_key
        if key is None:
            continue
        existing = classes.get(key)
        if existing is not None:
            if (existing.level_id, existing.stream_id) != (item.level_id, item.stream_id):
                problems[item.key] = EnrolmentProblem(
                    item.key,
                    "class_other_level",
                    {"value": item.class_name, "level": _level_label(existing)},
                )
            continue
        level_id, stream_id, first_key = planned.setdefault(
            key, (item.level_id, item.stream_id, item.key)
        )
        if (level_id, stream_id) != (item.level_id, item.stream_id):
            problems[item.key] = EnrolmentProblem(
                item.key, "class_defined_twice", {"value": item.class_name, "first": str(first_key)}
            )
    return problems


@transaction.atomic
def enrol_pupils(
    *,
    actor: Actor | None,
    enrolments: Sequence[EnrolmentIn],
    on: date,
    audit: Mapping[str, Any] | None = None,
    active: Mapping[tuple[int, int], Enrolment] | None = None,
    classes: Mapping[ClassKey, SchoolClass] | None = None,
) -> dict[int, Literal["created", "updated", "unchanged"]]:
    """Enrol each pupil for the year; a pupil already enrolled in this school for the year, at
    this level and stream, is moved to the given class (if any). `on` is the start date of new
    enrolments, kept within the school year. Refuses (InvalidInput) when `check_enrolments`
    finds a problem. `active` and `classes` are `find_active_enrolments` and `find_classes` for
    these enrolments when the caller has just read them (in this transaction)."""
    if not enrolments:
        return {}
    if active is None:
        active = find_active_enrolments(
            student_ids={e.student_id for e in enrolments},
            year_ids={e.year_id for e in enrolments},
        )
    classes = dict(
        classes
        if classes is not None
        else find_classes({k for e in enrolments if (k := e.class_key) is not None})
    )
    if check_enrolments(enrolments, active=active, classes=classes):
        raise InvalidInput(_("Some pupils cannot be enrolled as asked."))
    missing = {}
    for item in enrolments:
        key = item.class_key
        if key is not None and key not in classes and key not in missing:
            missing[key] = SchoolClass(
                school_id=item.school_id,
                year_id=item.year_id,
                level_id=item.level_id,
                stream_id=item.stream_id,
                name=item.class_name,
            )
    for made in SchoolClass.objects.bulk_create(missing.values()):
        classes[(made.school_id, made.year_id, made.name)] = made
    years = {y.id: y for y in SchoolYear.objects.filter(id__in={e.year_id for e in enrolments})}
    streams = dict(
        Stream.objects.filter(id__in={e.stream_id for e in enrolments if e.stream_id}).values_list(
            "id", "code"
        )
    )
    now = timezone.now()
    results: dict[int, Literal["created", "updated", "unchanged"]] = {}
    new: list[Enrolment] = []
    changed: list[Enrolment] = []
    events: list[JourneyEvent] = []
    for item in enrolments:
        key = item.class_key
        school_class = classes[key] if key is not None else None
        current = active.get((item.student_id, item.year_id))
        if current is None:
            year = years[item.year_id]
            new.append(
                Enrolment(
                    student_id=item.student_id,
                    school_id=item.school_id,
                    year_id=item.year_id,
                    level_id=item.level_id,
                    stream_id=item.stream_id,
                    school_class=school_class,
                    started_on=min(max(on, year.starts_on), year.ends_on),
                )
            )
            detail = {
                **(audit or {}),
                "stream": streams.get(item.stream_id or 0, ""),
                "school_class": item.class_name,
            }
            events.append(_event(item, JourneyEvent.Kind.ENROLLED, detail, now, actor))
            results[item.key] = "created"
        elif school_class is None or current.school_class_id == school_class.pk:
            # Same school, level and stream (checked); no class given, or the same one.
            results[item.key] = "unchanged"
        else:
            before = current.school_class.name if current.school_class else ""
            detail = {**(audit or {}), "before": before, "after": school_class.name}
            events.append(_event(item, JourneyEvent.Kind.CLASS_CHANGED, detail, now, actor))
            current.school_class = school_class
            changed.append(current)
            results[item.key] = "updated"
    Enrolment.objects.bulk_create(new)
    if changed:
        Enrolment.objects.bulk_update(changed, ["school_class"])
    JourneyEvent.objects.bulk_create(events)
    if new:
        _keep_current_school({e.student_id for e in new})
    if new or changed:
        record_event(
            actor=actor,
            action="enrolment.bulk_enrol",
            object_type="enrolment",
            data={
                **(audit or {}),
                "created": len(new),
                "updated": len(changed),
                "classes_created": len(missing),
            },
        )
    return results


def _event(
    item: EnrolmentIn, kind: str, detail: dict[str, Any], at: datetime, actor: Actor | None
) -> JourneyEvent:
    return JourneyEvent(
        student_id=item.student_id,
        kind=kind,
        at=at,
        year_id=item.year_id,
        school_id=item.school_id,
        level_id=item.level_id,
        detail={k: v for k, v in detail.items() if v not in (None, "")},
        actor_id=int(actor.pk) if actor is not None and actor.pk is not None else None,
    )


def _keep_current_school(student_ids: set[int]) -> None:
    """`Student.school` is the school of the pupil's latest active enrolment (two queries)."""
    latest: dict[int, tuple[date, int]] = {}
    for student_id, school_id, starts_on in Enrolment.objects.filter(
        student_id__in=student_ids, status=Enrolment.Status.ACTIVE
    ).values_list("student_id", "school_id", "year__starts_on"):
        if student_id not in latest or starts_on > latest[student_id][0]:
            latest[student_id] = (starts_on, school_id)
    current = dict(Student.objects.filter(id__in=student_ids).values_list("id", "school_id"))
    moved = [
        Student(pk=student_id, school_id=school_id)
        for student_id, (_starts, school_id) in sorted(latest.items())
        if current.get(student_id) != school_id
    ]
    if moved:
        Student.objects.bulk_update(moved, ["school"])
