"""Import files for the tests: rows as dicts, written as CSV or XLSX bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from madrasa.imports.columns import PUPIL_COLUMN_NAMES

FIRST_AR = ["ياسين", "سلمى", "أمين", "فاطمة", "يوسف", "مريم", "عمر", "هدى", "آدم", "إيمان"]
FIRST_LATN = [
    "Yassine",
    "Salma",
    "Amine",
    "Fatima",
    "Youssef",
    "Maryam",
    "Omar",
    "Houda",
    "Adam",
    "Imane",
]
LAST_AR = ["العلوي", "بناني", "الإدريسي", "التازي", "الفاسي", "برادة", "الصقلي", "بنجلون"]
LAST_LATN = ["Alaoui", "Bennani", "Idrissi", "Tazi", "Fassi", "Berrada", "Sqalli", "Benjelloun"]


def pupil_row(n: int = 0, **values: str) -> dict[str, str]:
    """A valid row for a new pupil at school T0001 (level P3), varied by `n`."""
    row = {
        "code_national": "",
        "nom_ar": LAST_AR[n % len(LAST_AR)],
        "prenom_ar": FIRST_AR[n % len(FIRST_AR)],
        "nom_fr": LAST_LATN[n % len(LAST_LATN)],
        "prenom_fr": FIRST_LATN[n % len(FIRST_LATN)],
        "date_naissance": f"{1 + n % 28:02d}/{1 + (n // 28) % 12:02d}/{2017 + (n // 336) % 3}",
        "lieu_naissance_ar": "الرباط",
        "lieu_naissance_fr": "Rabat",
        "genre": "F" if n % 2 else "M",
        "code_etablissement": "T0001",
        "annee_scolaire": "",
        "niveau": "P3",
        "filiere": "",
        "classe": f"3{'ABC'[n % 3]}",
        "tuteur_relation": "pere",
        "tuteur_nom_ar": LAST_AR[n % len(LAST_AR)],
        "tuteur_prenom_ar": "محمد",
        "tuteur_nom_fr": LAST_LATN[n % len(LAST_LATN)],
        "tuteur_prenom_fr": "Mohammed",
        "tuteur_cin": f"AB{100000 + n}",
        "tuteur_telephone": f"06{10000000 + n:08d}",
    }
    row.update(values)
    return row


def csv_bytes(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str] = PUPIL_COLUMN_NAMES,
    *,
    delimiter: str = ",",
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str] = PUPIL_COLUMN_NAMES
) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]  # openpyxl ships no types

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
