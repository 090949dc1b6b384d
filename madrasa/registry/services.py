"""Writes to the registry. Atomic and audited, like every service."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from madrasa.core.audit import record_event
from madrasa.core.errors import InvalidInput

from .models import Province, Region, School, Student
from .rules import student_search_key

__all__ = ["TerritoryLoad", "create_school", "create_student", "load_territory"]

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
) -> School:
    if School.objects.filter(code=code).exists():
        raise InvalidInput(_("A school with code %(code)s already exists.") % {"code": code})
    if milieu not in School.Milieu.values:
        raise InvalidInput(_("Unknown milieu %(value)s.") % {"value": milieu})
    school = School.objects.create(
        code=code,
        name_fr=name_fr,
        name_ar=name_ar,
        province=province,
        milieu=milieu,
        sector=sector,
    )
    record_event(actor=actor, action="school.create", object_type="school", object_id=school.uuid)
    return school


@transaction.atomic
def create_student(
    *,
    actor: Any,
    national_code: str,
    first_name_ar: str,
    last_name_ar: str,
    first_name_latn: str,
    last_name_latn: str,
    birth_date: date,
    gender: str,
    school: School | None,
) -> Student:
    if Student.objects.filter(national_code=national_code).exists():
        raise InvalidInput(
            _("A pupil with national code %(code)s already exists.") % {"code": national_code}
        )
    if gender not in Student.Gender.values:
        raise InvalidInput(_("Unknown gender %(value)s.") % {"value": gender})
    student = Student.objects.create(
        national_code=national_code,
        first_name_ar=first_name_ar,
        last_name_ar=last_name_ar,
        first_name_latn=first_name_latn,
        last_name_latn=last_name_latn,
        birth_date=birth_date,
        gender=gender,
        school=school,
        search_key=student_search_key(first_name_ar, last_name_ar, first_name_latn, last_name_latn),
    )
    record_event(
        actor=actor, action="student.create", object_type="student", object_id=student.uuid
    )
    return student
