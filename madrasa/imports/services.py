"""Writes of the imports app: receive a file, stage its rows, apply them in chunks.

- `receive_batch` stores the file as an `ImportBatch` keyed by (kind, SHA-256, who imports it)
  and, for the pages, schedules the background task on commit. The same file again finds the
  same batch.
- `stage_batch` reads and checks every row in ONE transaction, with set-based reads (a few
  queries per chunk of rows, never one per row), and allocates the national codes of new pupils.
  Killed half-way, it leaves nothing behind: the counter's serials go back too, so the next run
  allocates the same codes.
- `apply_batch` applies the valid rows in chunks through the registry's and the enrolment's bulk
  services. Each chunk is one transaction that also moves the checkpoint, so an import killed at
  any point and run again ends exactly as an uninterrupted run would.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import islice
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from madrasa.accounts.models import User
from madrasa.accounts.selectors import Actor, get_actor
from madrasa.core.audit import record_event
from madrasa.enrolment.bulk import (
    EnrolmentIn,
    check_enrolments,
    enrol_pupils,
    find_active_enrolments,
    find_classes,
)
from madrasa.enrolment.models import Enrolment, SchoolClass
from madrasa.registry.bulk import (
    GuardianIn,
    Identity,
    PupilIn,
    PupilIndex,
    find_pupils,
    identity_of,
    known_pupil,
    link_guardians,
    upsert_pupils,
)
from madrasa.registry.models import Level, School, SchoolYear, Stream
from madrasa.registry.rules import looks_like_national_code
from madrasa.registry.services import allocate_national_codes

from .access import importable_schools
from .columns import PUPIL_COLUMN_NAMES, PUPIL_REQUIRED_HEADER
from .models import ImportBatch, ImportRow
from .readers import UnreadableFile, open_table
from .rules import LevelRef, Reference, RowError, SchoolRef, YearRef, check_pupil_row

__all__ = [
    "CHUNK_SIZE",
    "NAMESPACE",
    "SimulatedCrash",
    "apply_batch",
    "enqueue_batch",
    "purge_batches",
    "receive_batch",
    "run_batch",
    "stage_batch",
]

logger = logging.getLogger(__name__)

CHUNK_SIZE = 1000
# Fixed forever: batch and pupil uuids derive from it, so that a run is reproducible.
NAMESPACE = uuid.UUID("6f1c2a52-4d0e-5b8e-9a57-0c1e3d6b7a10")

Progress = Callable[[ImportBatch], None]


class SimulatedCrash(BaseException):
    """Raised by the crash-test hook (see `_fault_point`): it unwinds like a killed process."""


def _fault_point(stage: str, count: int) -> None:
    """A crash on demand for the recovery tests (RELIABILITY T12), never in production.

    MADRASA_IMPORT_FAULT=apply:3 raises SimulatedCrash inside the third chunk's transaction,
    after its writes and before its checkpoint; stage:2 does the same after staging two chunks.
    A third part, `:exit`, ends the process at once instead (os._exit, like kill -9).
    """
    spec = os.environ.get("MADRASA_IMPORT_FAULT", "")
    if not spec or settings.PRODUCTION:
        return
    parts = spec.split(":")
    if parts[0] != stage or int(parts[1]) != count:
        return
    if parts[2:] == ["exit"]:
        os._exit(137)
    raise SimulatedCrash(spec)


def _owner_key(actor: Actor | None) -> str:
    return "system" if actor is None else f"user:{actor.user.uuid}"


def _user(actor: Actor | None) -> User | None:
    return None if actor is None else actor.user


def _batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- Receiving ---------------------------------------------------------------------------------


@transaction.atomic
def receive_batch(
    *,
    actor: Actor | None,
    kind: str,
    filename: str,
    data: bytes,
    chunk_size: int = CHUNK_SIZE,
    schedule: bool = False,
) -> tuple[ImportBatch, bool]:
    """The batch for this file and this person, and whether it is new.

    A new batch keeps the file until its rows are staged. With `schedule`, the background task
    that stages and applies it is enqueued once the transaction commits (unless the batch is
    finished: the same file imported again changes nothing).
    """
    sha256 = hashlib.sha256(data).hexdigest()
    owner_key = _owner_key(actor)
    batch, created = ImportBatch.objects.get_or_create(
        uuid=uuid.uuid5(NAMESPACE, f"{kind}:{sha256}:{owner_key}"),
        defaults={
            "kind": kind,
            "sha256": sha256,
            "owner_key": owner_key,
            "created_by": _user(actor),
            "filename": filename[-255:],
            "size": len(data),
            "source": data,
            "chunk_size": chunk_size,
        },
    )
    if created:
        record_event(
            actor=actor,
            action="import.receive",
            object_type="import_batch",
            object_id=batch.uuid,
            data={"kind": kind, "sha256": sha256, "size": len(data)},
        )
    if schedule and not batch.is_finished:
        batch_uuid = batch.uuid
        transaction.on_commit(lambda: enqueue_batch(batch_uuid))
    return batch, created


def enqueue_batch(batch_uuid: uuid.UUID) -> None:
    """Hand the batch to the background worker (`madrasa serve` runs one)."""
    from .tasks import run_import_batch  # tasks import this module

    run_import_batch.enqueue(str(batch_uuid))


# --- Staging -----------------------------------------------------------------------------------


def _reference_base() -> Reference:
    levels: dict[str, dict[str, int]] = {}
    level_ids: dict[str, int] = {}
    for level_id, code in Level.objects.values_list("id", "code"):
        level_ids[code] = level_id
        levels[code] = {}
    for level_code, stream_code, stream_id in Stream.objects.filter(is_active=True).values_list(
        "level__code", "code", "id"
    ):
        levels[level_code][stream_code] = stream_id
    years = {
        y.code: YearRef(y.id, y.code, y.starts_on, y.ends_on) for y in SchoolYear.objects.all()
    }
    current = SchoolYear.objects.filter(is_current=True).values_list("code", flat=True).first()
    return Reference(
        levels={code: LevelRef(level_ids[code], code, streams) for code, streams in levels.items()},
        years=years,
        current_year=years.get(current) if current else None,
        schools={},
        today=timezone.localdate(),
    )


@dataclass
class _Plan:
    """What applying one valid row does, rebuilt from its stored clean values."""

    number: int
    pupil: PupilIn
    enrolment: EnrolmentIn
    guardian: dict[str, str] | None

    @classmethod
    def from_clean(
        cls, number: int, clean: dict[str, Any], planned_code: str, uid: uuid.UUID
    ) -> _Plan:
        pupil = PupilIn(
            key=number,
            national_code=clean["code"],
            planned_code=planned_code,
            uuid=uid,
            first_name_ar=clean["first_name_ar"],
            last_name_ar=clean["last_name_ar"],
            first_name_latn=clean["first_name_latn"],
            last_name_latn=clean["last_name_latn"],
            birth_date=date.fromisoformat(clean["birth_date"]),
            gender=clean["gender"],
            school_id=clean["school_id"],
            birth_place_ar=clean["birth_place_ar"],
            birth_place_latn=clean["birth_place_latn"],
        )
        enrolment = EnrolmentIn(
            key=number,
            student_id=-number,  # a placeholder until the pupil is known
            school_id=clean["school_id"],
            year_id=clean["year_id"],
            level_id=clean["level_id"],
            stream_id=clean["stream_id"],
            class_name=clean["class_name"],
        )
        return cls(number, pupil, enrolment, clean["guardian"])


@dataclass
class _Checked:
    """What `_check_against_registry` read and found, for the writes that follow."""

    index: PupilIndex
    problems: dict[int, RowError]
    active: dict[tuple[int, int], Enrolment]
    classes: dict[tuple[int, int, str], SchoolClass]


def _check_against_registry(
    plans: list[_Plan],
    *,
    seen_students: dict[int, int],
    planned_classes: dict[tuple[int, int, str], tuple[int, int | None, int]],
) -> _Checked:
    """What the registry says about valid rows, set-based: merged codes, one pupil on two rows,
    a pupil active in another school this year, a class of another level. Used when staging
    (over the whole file, through the `seen_*` and `planned_*` maps) and again when applying
    (over one chunk), since the registry may have changed in between."""
    index = find_pupils(
        codes=[p.pupil.national_code for p in plans if p.pupil.national_code],
        identities=[p.pupil.identity for p in plans if not p.pupil.national_code],
    )
    problems: dict[int, RowError] = {}
    enrolments: list[EnrolmentIn] = []
    for plan in plans:
        student = known_pupil(plan.pupil, index)
        code = plan.pupil.national_code
        if student is not None and student.merged_into is not None:
            problems[plan.number] = RowError(
                "code_national",
                "code_merged",
                {"value": code, "other": student.merged_into.national_code},
            )
            continue
        if student is not None:
            first = seen_students.setdefault(student.pk, plan.number)
            if first != plan.number:
                column = "code_national" if code else ""
                problems[plan.number] = RowError(column, "same_pupil_twice", {"row": first})
                continue
        student_id = student.pk if student is not None else -plan.number
        enrolments.append(replace(plan.enrolment, student_id=student_id))
    active = find_active_enrolments(
        student_ids=[e.student_id for e in enrolments if e.student_id > 0],
        year_ids={e.year_id for e in enrolments},
    )
    classes = find_classes({k for e in enrolments if (k := e.class_key) is not None})
    columns = {
        "class_other_level": "classe",
        "class_defined_twice": "classe",
        "enrolled_other_level": "niveau",
    }
    for problem in check_enrolments(enrolments, active=active, classes=classes).values():
        params: dict[str, Any] = dict(problem.params)
        if problem.code == "class_defined_twice":
            params = {"value": params["value"], "row": int(params["first"])}
        column = columns.get(problem.code, "code_etablissement")
        problems[problem.key] = RowError(column, problem.code, params)
    for item in enrolments:
        key = item.class_key
        if key is None or key in classes or item.key in problems:
            continue
        level_id, stream_id, first_row = planned_classes.setdefault(
            key, (item.level_id, item.stream_id, item.key)
        )
        if (level_id, stream_id) != (item.level_id, item.stream_id):
            problems[item.key] = RowError(
                "classe", "class_defined_twice", {"value": item.class_name, "row": first_row}
            )
    return _Checked(index, problems, active, classes)


class _Stager:
    """Stages a file chunk by chunk, inside the caller's transaction, remembering what earlier
    chunks held (codes, pupils, classes) so that a repeat is refused on its second row."""

    def __init__(self, batch: ImportBatch, actor: Actor | None, file_codes: set[str]) -> None:
        self.batch = batch
        self.actor = actor
        self.file_codes = file_codes
        self.reference = _reference_base()
        self.schools: dict[str, SchoolRef] = {}
        self.seen_codes: dict[str, int] = {}
        self.seen_identities: dict[Identity, int] = {}
        self.seen_students: dict[int, int] = {}
        self.planned_classes: dict[tuple[int, int, str], tuple[int, int | None, int]] = {}
        self.total = 0
        self.errors = 0
        self.chunks = 0
        self.school_ids: set[int] = set()
        self.unplaced = False

    def _load_schools(self, codes: set[str]) -> None:
        codes -= set(self.schools)
        if not codes:
            return
        in_scope = set(
            importable_schools(self.actor).filter(code__in=codes).values_list("id", flat=True)
        )
        for school_id, code, region_code in School.objects.filter(code__in=codes).values_list(
            "id", "code", "province__region__code"
        ):
            self.schools[code] = SchoolRef(school_id, code, region_code, school_id in in_scope)

    def stage(self, chunk: list[tuple[int, dict[str, str]]]) -> None:
        self._load_schools({(raw.get("code_etablissement") or "").strip() for _n, raw in chunk})
        reference = replace(self.reference, schools=self.schools)
        checked: list[tuple[int, dict[str, str], dict[str, Any], list[RowError]]] = []
        for number, raw in chunk:
            clean, errors = check_pupil_row(raw, reference)
            school = self.schools.get(clean["school_code"])
            if school is None:
                self.unplaced = True
            else:
                self.school_ids.add(school.id)
            self._check_repeats(number, clean, errors)
            checked.append((number, raw, clean, errors))
        plans = [
            _Plan.from_clean(number, clean, "", self._pupil_uuid(number))
            for number, _raw, clean, errors in checked
            if not errors
        ]
        checked_plans = _check_against_registry(
            plans, seen_students=self.seen_students, planned_classes=self.planned_classes
        )
        index, problems = checked_plans.index, checked_plans.problems
        for number, _raw, _clean, errors in checked:
            if number in problems:
                errors.append(problems[number])
        new_pupils = {
            p.number: p
            for p in plans
            if p.number not in problems
            and not p.pupil.national_code
            and known_pupil(p.pupil, index) is None
        }
        codes = self._allocate_codes(checked, new_pupils)
        by_number = {p.number: p for p in plans}
        rows = []
        for number, raw, clean, errors in checked:
            plan = None if errors else by_number[number]
            known = known_pupil(plan.pupil, index) if plan is not None else None
            rows.append(
                ImportRow(
                    batch=self.batch,
                    number=number,
                    raw=raw,
                    clean={} if errors else {k: clean[k] for k in _APPLY_KEYS},
                    errors=[e.as_json() for e in errors],
                    planned_code=codes.get(number, ""),
                    student_uuid=(
                        None if plan is None else known.uuid if known else plan.pupil.uuid
                    ),
                    outcome=ImportRow.Outcome.ERROR if errors else ImportRow.Outcome.PENDING,
                )
            )
            self.errors += bool(errors)
        _insert_rows(rows)
        self.total += len(rows)
        self.chunks += 1
        _fault_point("stage", self.chunks)

    def _pupil_uuid(self, number: int) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"{self.batch.uuid}:{number}")

    def _check_repeats(self, number: int, clean: dict[str, Any], errors: list[RowError]) -> None:
        """The same code, or the same pupil without a code, on an earlier row."""
        code = clean["code"]
        if code:
            first = self.seen_codes.setdefault(code, number)
            if first != number:
                errors.append(
                    RowError("code_national", "code_twice", {"value": code, "row": first})
                )
            return
        identity = row_identity(clean)
        if identity is None:
            return
        first = self.seen_identities.setdefault(identity, number)
        if first != number:
            errors.append(RowError("", "same_pupil_twice", {"row": first}))

    def _allocate_codes(
        self,
        checked: list[tuple[int, dict[str, str], dict[str, Any], list[RowError]]],
        new_pupils: dict[int, _Plan],
    ) -> dict[int, str]:
        """National codes for the chunk's new pupils, from their school's region, in row order.
        A code that another row of the file brings explicitly is skipped."""
        by_region: dict[str, list[int]] = {}
        for number, _raw, clean, errors in checked:
            if not errors and number in new_pupils:
                by_region.setdefault(clean["region_code"], []).append(number)
        codes: dict[int, str] = {}
        for region_code, numbers in sorted(by_region.items()):
            fresh: list[str] = []
            while len(fresh) < len(numbers):
                got = allocate_national_codes(
                    region_code=region_code, count=len(numbers) - len(fresh)
                )
                fresh += [c for c in got if c not in self.file_codes]
            codes.update(zip(numbers, fresh, strict=True))
        return codes


# What applying a row needs of its checked values (the rest served checking only).
_APPLY_KEYS = (
    "code",
    "first_name_ar",
    "last_name_ar",
    "first_name_latn",
    "last_name_latn",
    "birth_date",
    "gender",
    "birth_place_ar",
    "birth_place_latn",
    "school_id",
    "year_id",
    "level_id",
    "stream_id",
    "class_name",
    "guardian",
)
_ROW_COLUMNS = (
    "batch_id",
    "number",
    "raw",
    "clean",
    "errors",
    "planned_code",
    "student_uuid",
    "outcome",
)


def _insert_rows(rows: list[ImportRow]) -> None:
    """Store staged rows. On PostgreSQL with COPY: the rows' JSON is most of an import's
    volume, and COPY takes it several times faster than a bulk INSERT. Same transaction."""
    if connection.vendor != "postgresql":
        ImportRow.objects.bulk_create(rows)
        return
    statement = f"COPY {ImportRow._meta.db_table} ({', '.join(_ROW_COLUMNS)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                (
                    row.batch_id,
                    row.number,
                    json.dumps(row.raw, ensure_ascii=False),
                    json.dumps(row.clean, ensure_ascii=False),
                    json.dumps(row.errors, ensure_ascii=False),
                    row.planned_code,
                    row.student_uuid,
                    row.outcome,
                )
            )


def row_identity(clean: dict[str, Any]) -> Identity | None:
    """The identity of a row's pupil, when every part of it is well-formed."""
    parts = ("first_name_ar", "last_name_ar", "first_name_latn", "last_name_latn")
    if any(not clean.get(p) for p in ("school_id", "birth_date", "gender", *parts)):
        return None
    return identity_of(
        school_id=clean["school_id"],
        birth_date=date.fromisoformat(clean["birth_date"]),
        gender=clean["gender"],
        first_name_ar=clean["first_name_ar"],
        last_name_ar=clean["last_name_ar"],
        first_name_latn=clean["first_name_latn"],
        last_name_latn=clean["last_name_latn"],
    )


def _explicit_codes(data: bytes, filename: str) -> set[str]:
    """Every well-formed national code the file brings (a first, quick pass)."""
    codes = set()
    for _number, raw in open_table(data, filename).rows:
        code = (raw.get("code_national") or "").strip().upper()
        if code and looks_like_national_code(code):
            codes.add(code)
    return codes


def stage_batch(*, batch: ImportBatch, actor: Actor | None) -> ImportBatch:
    """Read, check and store every row of a received batch, in one transaction.

    A file that cannot be read, misses a required column or holds no row is rejected as a
    whole (`file_errors`). Otherwise every row is stored with its errors, if any; the national
    codes of new pupils are allocated now. Does nothing to a batch already staged.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != ImportBatch.Status.RECEIVED:
            return batch
        data = bytes(batch.source or b"")
        try:
            with transaction.atomic():
                stager = _stage_rows(batch, actor, data)
        except UnreadableFile as exc:
            batch.status = ImportBatch.Status.REJECTED
            batch.file_errors = [
                {
                    "column": str(exc.params.get("column", "")),
                    "code": exc.code,
                    "params": exc.params,
                }
            ]
            batch.finished_at = timezone.now()
        else:
            batch.status = ImportBatch.Status.STAGED
            batch.total_rows = stager.total
            batch.error_count = stager.errors
            batch.has_unplaced_rows = stager.unplaced
            batch.schools.set(sorted(stager.school_ids))
        batch.source = None
        batch.staged_at = timezone.now()
        batch.save(
            update_fields=[
                "status",
                "file_errors",
                "ignored_columns",
                "has_unplaced_rows",
                "total_rows",
                "error_count",
                "source",
                "staged_at",
                "finished_at",
                "updated_at",
            ]
        )
        record_event(
            actor=actor,
            action="import.stage",
            object_type="import_batch",
            object_id=batch.uuid,
            data={
                "status": batch.status,
                "rows": batch.total_rows,
                "errors": batch.error_count,
            },
        )
    return batch


def _stage_rows(batch: ImportBatch, actor: Actor | None, data: bytes) -> _Stager:
    table = open_table(data, batch.filename)
    missing = [c for c in PUPIL_REQUIRED_HEADER if c not in table.header]
    if missing:
        raise UnreadableFile("missing_columns", columns=", ".join(missing))
    batch.ignored_columns = [c for c in table.header if c and c not in PUPIL_COLUMN_NAMES]
    stager = _Stager(batch, actor, _explicit_codes(data, batch.filename))
    for chunk in _batched(table.rows, batch.chunk_size):
        stager.stage(chunk)
    if stager.total == 0:
        raise UnreadableFile("no_rows")
    return stager


# --- Applying ----------------------------------------------------------------------------------


def _audit(batch: ImportBatch) -> dict[str, Any]:
    return {"source": "import", "import_batch": str(batch.uuid)}


def _apply_chunk(batch: ImportBatch, rows: list[ImportRow], actor: Actor | None) -> None:
    """Apply one chunk of staged rows; the caller holds the transaction."""
    plans = [
        _Plan.from_clean(r.number, r.clean, r.planned_code, r.student_uuid or uuid.uuid4())
        for r in rows
        if r.outcome == ImportRow.Outcome.PENDING
    ]
    checked = _check_against_registry(plans, seen_students={}, planned_classes={})
    problems = checked.problems
    valid = [p for p in plans if p.number not in problems]
    audit = _audit(batch)
    pupils = upsert_pupils(
        actor=actor, pupils=[p.pupil for p in valid], index=checked.index, audit=audit
    )
    linked = link_guardians(
        actor=actor,
        guardians=[
            GuardianIn(key=p.number, student_id=pupils[p.number].student.pk, **p.guardian)
            for p in valid
            if p.guardian
        ],
        audit=audit,
    )
    enrolled = enrol_pupils(
        actor=actor,
        enrolments=[replace(p.enrolment, student_id=pupils[p.number].student.pk) for p in valid],
        on=timezone.localdate(batch.created_at),
        audit=audit,
        active=checked.active,
        classes=checked.classes,
    )
    # Outcomes, written set-based: one UPDATE per outcome; rows refused now (the registry
    # changed since staging) or matched to another pupil than planned are written one by one.
    by_outcome: dict[str, list[int]] = {}
    one_by_one: list[ImportRow] = []
    for row in rows:
        if row.number in problems:
            row.outcome = ImportRow.Outcome.ERROR
            row.errors = [problems[row.number].as_json()]
            one_by_one.append(row)
        elif row.number in pupils:
            result = pupils[row.number]
            if result.outcome == "created":
                row.outcome = ImportRow.Outcome.CREATED
            elif (
                result.outcome == "updated"
                or enrolled[row.number] != "unchanged"
                or linked.get(row.number) == "linked"
            ):
                row.outcome = ImportRow.Outcome.UPDATED
            else:
                row.outcome = ImportRow.Outcome.UNCHANGED
            if row.student_uuid != result.student.uuid:
                row.student_uuid = result.student.uuid
                one_by_one.append(row)
            else:
                by_outcome.setdefault(row.outcome, []).append(row.pk)
        else:
            continue  # refused when staged: already counted
        counts = {
            ImportRow.Outcome.CREATED: "created_count",
            ImportRow.Outcome.UPDATED: "updated_count",
            ImportRow.Outcome.UNCHANGED: "unchanged_count",
            ImportRow.Outcome.ERROR: "error_count",
        }
        setattr(batch, counts[row.outcome], getattr(batch, counts[row.outcome]) + 1)
    for outcome, pks in sorted(by_outcome.items()):
        ImportRow.objects.filter(pk__in=pks).update(outcome=outcome)
    if one_by_one:
        ImportRow.objects.bulk_update(one_by_one, ["outcome", "errors", "student_uuid"])


# The registry tables an import makes grow, and whose statistics its queries depend on.
_GROWING_TABLES = (
    "registry_student",
    "registry_guardian",
    "registry_guardianship",
    "enrolment_enrolment",
)


def _refresh_statistics(rows_since: int) -> bool:
    """On PostgreSQL, ANALYZE the tables an import grows once it has added a fifth of their
    size (at least 5,000 rows) since the last time. Autovacuum does it too, but late: a first
    import into a young registry would otherwise run each chunk's duplicate search with plans
    made for a nearly empty table (a sequential scan per chunk, growing with the table).
    Runs between chunks, outside their transactions. Returns whether it ran."""
    if connection.vendor != "postgresql" or rows_since < 5000:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'registry_student'::regclass")
        row = cursor.fetchone()
        if row is not None and rows_since < 0.2 * float(row[0]):
            return False
        for table in _GROWING_TABLES:
            cursor.execute(f"ANALYZE {table}")  # fixed table names
    return True


def apply_batch(
    *, batch: ImportBatch, actor: Actor | None, progress: Progress | None = None
) -> ImportBatch:
    """Stage the batch if needed, then apply its rows chunk by chunk from the checkpoint on.

    Each chunk is one transaction holding its writes, the rows' outcomes and the new checkpoint;
    the batch row is locked meanwhile, so two runs of the same batch never apply a chunk twice.
    `progress` is called after each chunk (and once at the start).
    """
    if batch.status == ImportBatch.Status.RECEIVED:
        batch = stage_batch(batch=batch, actor=actor)
    if progress is not None:
        progress(batch)
    chunks = 0
    rows_since_analyze = 0
    while not batch.is_finished:
        if not connection.in_atomic_block and _refresh_statistics(rows_since_analyze):
            rows_since_analyze = 0
        with transaction.atomic():
            batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if batch.is_finished:
                break
            rows = list(
                batch.rows.filter(number__gt=batch.applied_through).order_by("number")[
                    : batch.chunk_size
                ]
            )
            chunks += 1
            if rows:
                _apply_chunk(batch, rows, actor)
                batch.applied_through = rows[-1].number
                batch.applied_rows += len(rows)
                rows_since_analyze += len(rows)
            _fault_point("apply", chunks)
            fields = [
                "status",
                "applied_through",
                "applied_rows",
                "created_count",
                "updated_count",
                "unchanged_count",
                "error_count",
                "updated_at",
            ]
            batch.status = ImportBatch.Status.APPLYING
            if not rows or batch.applied_rows >= batch.total_rows:
                batch.status = ImportBatch.Status.DONE
                batch.finished_at = timezone.now()
                fields.append("finished_at")
                record_event(
                    actor=actor,
                    action="import.finish",
                    object_type="import_batch",
                    object_id=batch.uuid,
                    data={
                        "created": batch.created_count,
                        "updated": batch.updated_count,
                        "unchanged": batch.unchanged_count,
                        "errors": batch.error_count,
                    },
                )
            batch.save(update_fields=fields)
        if progress is not None:
            progress(batch)
    return batch


def run_batch(*, batch_uuid: uuid.UUID) -> ImportBatch | None:
    """Stage and apply a batch as the person who uploaded it (the background task's body)."""
    batch = ImportBatch.objects.select_related("created_by").filter(uuid=batch_uuid).first()
    if batch is None or batch.is_finished:
        return batch
    if batch.created_by is None and batch.owner_key != "system":
        logger.warning("import batch %s: its owner's account is gone; not applied", batch.uuid)
        return batch
    actor = get_actor(batch.created_by) if batch.created_by is not None else None
    return apply_batch(batch=batch, actor=actor)


@transaction.atomic
def purge_batches(*, actor: Actor | None, older_than_days: int = 90) -> int:
    """Delete the batches (and their rows, which hold personal data) finished, or left
    unfinished, more than `older_than_days` ago. Returns how many batches went."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    old = ImportBatch.objects.filter(
        Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, updated_at__lt=cutoff)
    )
    ids = list(old.values_list("id", flat=True))
    if not ids:
        return 0
    ImportRow.objects.filter(batch_id__in=ids).delete()
    ImportBatch.objects.filter(id__in=ids).delete()
    record_event(
        actor=actor,
        action="import.purge",
        object_type="import_batch",
        data={"batches": len(ids), "older_than_days": older_than_days},
    )
    return len(ids)
