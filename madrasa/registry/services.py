"""Writes to the registry. Atomic and audited, like every service."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput

from .models import (
    Cycle,
    DuplicateCandidate,
    Guardian,
    Guardianship,
    Level,
    NationalCodeCounter,
    Province,
    Region,
    School,
    SchoolYear,
    Semester,
    Stream,
    Student,
)
from .rules import (
    DUPLICATE_THRESHOLD,
    NationalCodeFormat,
    duplicate_score,
    person_key,
    student_keys,
)

__all__ = [
    "StructureLoad",
    "TerritoryLoad",
    "add_guardian",
    "allocate_national_codes",
    "create_school",
    "create_school_year",
    "create_stream",
    "create_student",
    "dismiss_duplicate",
    "find_duplicates",
    "load_structure",
    "load_territory",
    "national_code_format",
    "set_current_year",
    "students_born_with_key",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
EXPECTED_REGIONS = 12
EXPECTED_PROVINCES = 75


@dataclass(frozen=True)
class TerritoryLoad:
    regions_created: int
    regions_updated: int
    provinces_created: int
    provinces_updated: int


def _read_csv(path: Path, required: list[str]) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidInput(
                _("%(file)s: missing column(s) %(columns)s")
                % {"file": path.name, "columns": ", ".join(missing)}
            )
        rows = []
        for number, row in enumerate(reader, start=2):
            for column in required:
                if not (row.get(column) or "").strip():
                    raise InvalidInput(
                        _("%(file)s, row %(row)d, column %(column)s: value is empty")
                        % {"file": path.name, "row": number, "column": column}
                    )
            rows.append({k: (v or "").strip() for k, v in row.items()})
        return rows


@transaction.atomic
def load_territory(*, actor: Any, data_dir: Path = DATA_DIR) -> TerritoryLoad:
    """Create or update the 12 regions and 75 prefectures/provinces. Safe to run again."""
    region_rows = _read_csv(
        data_dir / "regions.csv", ["region_code", "region_name_fr", "region_name_ar"]
    )
    province_rows = _read_csv(
        data_dir / "prefectures_provinces.csv",
        ["region_code", "division_code", "division_type", "division_name_fr", "division_name_ar"],
    )
    if len(region_rows) != EXPECTED_REGIONS or len(province_rows) != EXPECTED_PROVINCES:
        raise InvalidInput(
            _(
                "The territory files hold %(r)d regions and %(p)d prefectures and provinces; "
                "expected 12 and 75."
            )
            % {"r": len(region_rows), "p": len(province_rows)}
        )
    counts = {"rc": 0, "ru": 0, "pc": 0, "pu": 0}
    regions: dict[str, Region] = {}
    for row in region_rows:
        region, created = Region.objects.update_or_create(
            code=row["region_code"],
            defaults={
                "name_fr": row["region_name_fr"],
                "name_ar": row["region_name_ar"],
                "chef_lieu_fr": row.get("chef_lieu_fr", ""),
            },
        )
        counts["rc" if created else "ru"] += 1
        regions[region.code] = region
    for number, row in enumerate(province_rows, start=2):
        region_for_row = regions.get(row["region_code"])
        if region_for_row is None:
            raise InvalidInput(
                _("prefectures_provinces.csv, row %(row)d: unknown region %(code)s")
                % {"row": number, "code": row["region_code"]}
            )
        if row["division_type"] not in Province.Kind.values:
            raise InvalidInput(
                _("prefectures_provinces.csv, row %(row)d: unknown type %(kind)s")
                % {"row": number, "kind": row["division_type"]}
            )
        _province, created = Province.objects.update_or_create(
            code=row["division_code"],
            defaults={
                "region": region_for_row,
                "kind": row["division_type"],
                "name_fr": row["division_name_fr"],
                "name_ar": row["division_name_ar"],
            },
        )
        counts["pc" if created else "pu"] += 1
    result = TerritoryLoad(counts["rc"], counts["ru"], counts["pc"], counts["pu"])
    record_event(
        actor=actor,
        action="territory.load",
        object_type="territory",
        object_id="morocco",
        data={"regions": len(region_rows), "provinces": len(province_rows)},
    )
    return result


@dataclass(frozen=True)
class StructureLoad:
    cycles: int
    levels: int
    streams: int
    years: int


@transaction.atomic
def load_structure(*, actor: Any, data_dir: Path = DATA_DIR) -> StructureLoad:
    """Create or update Morocco's cycles, levels, streams and school years. Safe to run again.

    The current year is the one whose dates hold today, unless the ministry has chosen one.
    """
    cycles = {}
    for row in _read_csv(data_dir / "cycles.csv", ["cycle_code", "rank", "name_fr", "name_ar"]):
        cycles[row["cycle_code"]], _created = Cycle.objects.update_or_create(
            code=row["cycle_code"],
            defaults={
                "rank": int(row["rank"]),
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "name_en": row.get("name_en", ""),
            },
        )
    levels = {}
    level_rows = _read_csv(
        data_dir / "levels.csv",
        ["level_code", "cycle_code", "rank", "typical_age", "name_fr", "name_ar"],
    )
    for row in level_rows:
        levels[row["level_code"]], _created = Level.objects.update_or_create(
            code=row["level_code"],
            defaults={
                "cycle": cycles[row["cycle_code"]],
                "rank": int(row["rank"]),
                "typical_age": int(row["typical_age"]),
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "name_en": row.get("name_en", ""),
            },
        )
    stream_rows = _read_csv(
        data_dir / "streams.csv", ["level_code", "stream_code", "name_fr", "name_ar"]
    )
    for row in stream_rows:
        Stream.objects.update_or_create(
            level=levels[row["level_code"]],
            code=row["stream_code"],
            defaults={
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"],
                "name_en": row.get("name_en", ""),
            },
        )
    year_rows = _read_csv(
        data_dir / "school_years.csv",
        ["year_code", "starts_on", "ends_on", "s1_starts_on", "s1_ends_on", "s2_starts_on"],
    )
    for row in year_rows:
        if not SchoolYear.objects.filter(code=row["year_code"]).exists():
            _create_year(
                row["year_code"],
                date.fromisoformat(row["starts_on"]),
                date.fromisoformat(row["ends_on"]),
                [
                    (_day(row["s1_starts_on"]), _day(row["s1_ends_on"])),
                    (_day(row["s2_starts_on"]), _day(row["s2_ends_on"])),
                ],
            )
    if not SchoolYear.objects.filter(is_current=True).exists():
        today = timezone.localdate()
        current = (
            SchoolYear.objects.filter(starts_on__lte=today).order_by("-starts_on").first()
            or SchoolYear.objects.order_by("starts_on").first()
        )
        if current is not None:
            SchoolYear.objects.filter(pk=current.pk).update(is_current=True)
    record_event(
        actor=actor,
        action="structure.load",
        object_type="structure",
        object_id="morocco",
        data={"levels": len(level_rows), "streams": len(stream_rows), "years": len(year_rows)},
    )
    return StructureLoad(len(cycles), len(levels), len(stream_rows), len(year_rows))


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _create_year(
    code: str, starts_on: date, ends_on: date, semesters: list[tuple[date, date]]
) -> SchoolYear:
    year = SchoolYear.objects.create(code=code, starts_on=starts_on, ends_on=ends_on)
    Semester.objects.bulk_create(
        Semester(year=year, number=n, starts_on=start, ends_on=end)
        for n, (start, end) in enumerate(semesters, start=1)
    )
    return year


@transaction.atomic
def create_school_year(
    *, actor: Any, code: str, starts_on: date, ends_on: date, semester_split: date
) -> SchoolYear:
    """A new school year with two semesters; the second starts on `semester_split`."""
    if not re.fullmatch(r"\d{4}-\d{4}", code) or int(code[5:]) != int(code[:4]) + 1:
        raise InvalidInput(
            _("%(code)s is not a school year: write it as 2026-2027.") % {"code": code}
        )
    if SchoolYear.objects.filter(code=code).exists():
        raise InvalidInput(_("The school year %(code)s already exists.") % {"code": code})
    if not starts_on < semester_split < ends_on:
        raise InvalidInput(
            _("The second semester must start after the year starts and before it ends.")
        )
    if SchoolYear.objects.filter(starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
        raise InvalidInput(_("These dates overlap another school year."))
    year = _create_year(
        code,
        starts_on,
        ends_on,
        [(starts_on, semester_split - timedelta(days=1)), (semester_split, ends_on)],
    )
    record_event(
        actor=actor,
        action="school_year.create",
        object_type="school_year",
        object_id=year.code,
        data={"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()},
    )
    return year


@transaction.atomic
def set_current_year(*, actor: Any, year: SchoolYear) -> SchoolYear:
    """Make `year` the current school year (the default for enrolments and class lists)."""
    SchoolYear.objects.filter(is_current=True).exclude(pk=year.pk).update(is_current=False)
    SchoolYear.objects.filter(pk=year.pk).update(is_current=True)
    year.refresh_from_db()
    record_event(
        actor=actor,
        action="school_year.set_current",
        object_type="school_year",
        object_id=year.code,
    )
    return year


@transaction.atomic
def create_stream(
    *, actor: Any, level: Level, code: str, name_fr: str, name_ar: str, name_en: str = ""
) -> Stream:
    code = code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{1,16}", code):
        raise InvalidInput(_("A stream code is 1 to 16 letters or digits."))
    if Stream.objects.filter(level=level, code=code).exists():
        raise InvalidInput(
            _("The level %(level)s already has a stream %(code)s.")
            % {"level": level.code, "code": code}
        )
    if not name_fr.strip() or not name_ar.strip():
        raise InvalidInput(_("A stream needs a French and an Arabic name."))
    stream = Stream.objects.create(
        level=level, code=code, name_fr=name_fr.strip(), name_ar=name_ar.strip(), name_en=name_en
    )
    record_event(
        actor=actor,
        action="stream.create",
        object_type="stream",
        object_id=f"{level.code}/{code}",
    )
    return stream


@transaction.atomic
def create_school(
    *,
    actor: Any,
    code: str,
    name_fr: str,
    name_ar: str,
    province: Province,
    milieu: str,
    sector: str = School.Sector.PUBLIC,
    cycle: Cycle | None = None,
    main_school: School | None = None,
) -> School:
    if School.objects.filter(code=code).exists():
        raise InvalidInput(_("A school with code %(code)s already exists.") % {"code": code})
    if milieu not in School.Milieu.values:
        raise InvalidInput(_("Unknown milieu %(value)s.") % {"value": milieu})
    if main_school is not None and main_school.main_school_id is not None:
        raise InvalidInput(_("A satellite unit is attached to a main school, not to another unit."))
    school = School.objects.create(
        code=code,
        name_fr=name_fr,
        name_ar=name_ar,
        province=province,
        milieu=milieu,
        sector=sector,
        cycle=cycle,
        main_school=main_school,
    )
    record_event(actor=actor, action="school.create", object_type="school", object_id=school.uuid)
    return school


def national_code_format() -> NationalCodeFormat:
    return NationalCodeFormat(
        digits=settings.MADRASA_NATIONAL_CODE_DIGITS,
        check=settings.MADRASA_NATIONAL_CODE_CHECK,
        region_letters=settings.MADRASA_NATIONAL_CODE_LETTERS,
    )


def allocate_national_codes(*, region_code: str, count: int) -> list[str]:
    """`count` new national codes for pupils first enrolled in a region; never handed out before.

    One UPDATE takes the serials and holds the counter's row lock until the caller's transaction
    ends: concurrent enrolments queue on it for milliseconds, never share a code, and a rolled-back
    transaction gives its serials back (so an interrupted import, run again, gets the same codes).
    Codes already present (brought from an earlier system) are skipped.
    """
    if count <= 0:
        return []
    fmt = national_code_format()
    letter = fmt.letter_for_region(region_code)
    codes: list[str] = []
    with transaction.atomic():
        NationalCodeCounter.objects.bulk_create(
            [NationalCodeCounter(letter=letter)], ignore_conflicts=True
        )
        table = NationalCodeCounter._meta.db_table
        while len(codes) < count:
            wanted = count - len(codes)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET next_serial = next_serial + %s "  # noqa: S608  # nosec B608: table name
                    "WHERE letter = %s RETURNING next_serial",
                    [wanted, letter],
                )
                end = int(cursor.fetchone()[0])
            fresh = [fmt.format(letter, serial) for serial in range(end - wanted, end)]
            taken = set(
                Student.objects.filter(national_code__in=fresh).values_list(
                    "national_code", flat=True
                )
            )
            codes.extend(code for code in fresh if code not in taken)
    return codes


@transaction.atomic
def create_student(
    *,
    actor: Any,
    first_name_ar: str,
    last_name_ar: str,
    first_name_latn: str,
    last_name_latn: str,
    birth_date: date,
    gender: str,
    school: School | None,
    national_code: str = "",
    birth_place_ar: str = "",
    birth_place_latn: str = "",
) -> Student:
    """A new pupil record. Without a national code, one is allocated for the school's region
    (pupils get their code at first enrolment). Possible duplicates are flagged."""
    names = {
        "first_name_ar": first_name_ar.strip(),
        "last_name_ar": last_name_ar.strip(),
        "first_name_latn": first_name_latn.strip(),
        "last_name_latn": last_name_latn.strip(),
    }
    missing = [field for field, value in names.items() if not value]
    if missing:
        raise InvalidInput(_("A pupil needs a first and a family name in both scripts."))
    if gender not in Student.Gender.values:
        raise InvalidInput(_("Unknown gender %(value)s.") % {"value": gender})
    if birth_date > timezone.localdate() or birth_date.year < 1950:
        raise InvalidInput(_("%(date)s is not a plausible birth date.") % {"date": birth_date})
    national_code = national_code.strip().upper()
    if national_code:
        if Student.objects.filter(national_code=national_code).exists():
            raise InvalidInput(
                _("A pupil with national code %(code)s already exists.") % {"code": national_code}
            )
    else:
        if school is None:
            raise InvalidInput(_("A new pupil gets a national code from the school's region."))
        national_code = allocate_national_codes(region_code=school.province.region.code, count=1)[0]
    student = Student.objects.create(
        national_code=national_code,
        birth_date=birth_date,
        gender=gender,
        school=school,
        birth_place_ar=birth_place_ar.strip(),
        birth_place_latn=birth_place_latn.strip(),
        **names,
        **student_keys(**names),
    )
    record_event(
        actor=actor, action="student.create", object_type="student", object_id=student.uuid
    )
    find_duplicates([student])
    return student


@transaction.atomic
def add_guardian(
    *,
    actor: Any,
    student: Student,
    relation: str,
    first_name_ar: str = "",
    last_name_ar: str = "",
    first_name_latn: str = "",
    last_name_latn: str = "",
    national_id: str = "",
    phone: str = "",
    is_primary: bool = False,
) -> Guardianship:
    """Link a guardian to a pupil; a guardian with the same national ID (CIN) is reused."""
    if relation not in Guardianship.Relation.values:
        raise InvalidInput(_("Unknown relation %(value)s.") % {"value": relation})
    national_id = national_id.strip().upper()
    if national_id and not re.fullmatch(r"[A-Z]{1,2}\d{1,7}", national_id):
        raise InvalidInput(
            _("%(value)s is not a national identity card number (one or two letters, then digits).")
            % {"value": national_id}
        )
    if not (first_name_ar or first_name_latn) or not (last_name_ar or last_name_latn):
        raise InvalidInput(_("A guardian needs a first and a family name."))
    guardian = Guardian.objects.filter(national_id=national_id).first() if national_id else None
    if guardian is None:
        guardian = Guardian.objects.create(
            first_name_ar=first_name_ar.strip(),
            last_name_ar=last_name_ar.strip(),
            first_name_latn=first_name_latn.strip(),
            last_name_latn=last_name_latn.strip(),
            national_id=national_id,
            phone=phone.strip(),
        )
    if Guardianship.objects.filter(student=student, guardian=guardian).exists():
        raise InvalidInput(_("This guardian is already linked to the pupil."))
    if is_primary:
        Guardianship.objects.filter(student=student).update(is_primary=False)
    link = Guardianship.objects.create(
        student=student, guardian=guardian, relation=relation, is_primary=is_primary
    )
    record_event(
        actor=actor,
        action="guardian.link",
        object_type="student",
        object_id=student.uuid,
        data={"guardian": str(guardian.uuid), "relation": relation},
    )
    return link


DUPLICATE_PAIRS_PER_QUERY = 400
KEY_COLUMNS = frozenset({"last_key_latn", "last_key_ar"})


def students_born_with_key(column: str, pairs: list[tuple[date, str]]) -> RawSQL:
    """The ids of pupils with one of these (birth date, normalised family name) pairs, as a
    subquery: the pairs are a VALUES list joined to the table, which the `student_dup_*` indexes
    serve. A chain of ORs instead hits SQLite's expression-depth limit and gets poor plans on
    PostgreSQL when statistics are stale. `column` is last_key_latn or last_key_ar."""
    if column not in KEY_COLUMNS:
        raise ValueError(column)
    placeholders = ", ".join(["(%s, %s)"] * len(pairs))
    return RawSQL(  # noqa: S611  # nosec B611: a fixed table and column, every value bound
        f"SELECT id FROM {Student._meta.db_table} WHERE (birth_date, {column}) IN "  # noqa: S608  # nosec B608: same
        f"(VALUES {placeholders})",
        [value for pair in pairs for value in pair],
    )


def find_duplicates(students: list[Student]) -> list[DuplicateCandidate]:
    """Flag the registry's records that may be the same person as one of `students`.

    Candidates are the unmerged records born the same day with the same normalised family name
    in either script (`students_born_with_key`). The new records are compared with each other
    too. Each pair is scored by rules.duplicate_score and kept from DUPLICATE_THRESHOLD up; the
    newer record (the larger id) is `student`, the older `other`.
    """
    if not students:
        return []
    by_pair: dict[tuple[str, date, str], list[Student]] = {}
    for student in students:
        for column, key in (
            ("last_key_latn", student.last_key_latn),
            ("last_key_ar", student.last_key_ar),
        ):
            if key:
                by_pair.setdefault((column, student.birth_date, key), []).append(student)
    candidates: list[Student] = []
    for column in ("last_key_latn", "last_key_ar"):
        pairs = sorted({(d, k) for (c, d, k) in by_pair if c == column})
        for start in range(0, len(pairs), DUPLICATE_PAIRS_PER_QUERY):
            chunk = pairs[start : start + DUPLICATE_PAIRS_PER_QUERY]
            candidates.extend(
                Student.objects.filter(
                    id__in=students_born_with_key(column, chunk), merged_into__isnull=True
                )
            )
    found: dict[tuple[int, int], DuplicateCandidate] = {}
    for other in sorted({c.pk: c for c in candidates}.values(), key=lambda c: c.pk):
        matches = by_pair.get(
            ("last_key_latn", other.birth_date, other.last_key_latn), []
        ) + by_pair.get(("last_key_ar", other.birth_date, other.last_key_ar), [])
        for student in matches:
            if student.pk == other.pk:
                continue
            newer, older = (student, other) if student.pk > other.pk else (other, student)
            if (newer.pk, older.pk) in found:
                continue
            score, reasons = duplicate_score(_key(newer), _key(older))
            if score >= DUPLICATE_THRESHOLD:
                found[(newer.pk, older.pk)] = DuplicateCandidate(
                    student=newer, other=older, score=score, reasons=reasons
                )
    DuplicateCandidate.objects.bulk_create(found.values(), ignore_conflicts=True)
    return list(found.values())


def _key(student: Student) -> Any:
    return person_key(
        birth_date=student.birth_date,
        gender=student.gender,
        first_name_latn=student.first_name_latn,
        last_name_latn=student.last_name_latn,
        first_name_ar=student.first_name_ar,
        last_name_ar=student.last_name_ar,
        birth_place=student.birth_place_latn,
    )


@transaction.atomic
def dismiss_duplicate(*, actor: Any, candidate: DuplicateCandidate) -> DuplicateCandidate:
    """Record that two flagged records are different people."""
    if candidate.status != DuplicateCandidate.Status.OPEN:
        raise InvalidInput(_("This pair has already been reviewed."))
    candidate.status = DuplicateCandidate.Status.DISMISSED
    candidate.resolved_by = actor
    candidate.resolved_at = timezone.now()
    candidate.save(update_fields=["status", "resolved_by", "resolved_at"])
    record_event(
        actor=actor,
        action="duplicate.dismiss",
        object_type="student",
        object_id=candidate.student.uuid,
        data={"other": str(candidate.other.uuid), "score": candidate.score},
    )
    return candidate
