"""Pure rules of the pupil import: reading values, checking a row, reading files (no database)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.utils import translation

from madrasa.core.text import normalise_header
from madrasa.imports.columns import PUPIL_COLUMN_NAMES, template_csv
from madrasa.imports.messages import MESSAGES, describe, error_line
from madrasa.imports.readers import UnreadableFile, open_table
from madrasa.imports.rules import (
    LevelRef,
    Reference,
    SchoolRef,
    YearRef,
    check_pupil_row,
    normalise_phone,
    parse_date,
    parse_gender,
    parse_relation,
)
from madrasa.imports.tests.factories import csv_bytes, pupil_row, xlsx_bytes

ROOT = Path(__file__).resolve().parents[3]
YEAR = YearRef(2, "2026-2027", date(2026, 9, 7), date(2027, 7, 3))
REFERENCE = Reference(
    levels={
        "P3": LevelRef(5, "P3", {}),
        "TC": LevelRef(12, "TC", {"TCS": 1, "TCLSH": 3}),
    },
    years={
        "2026-2027": YEAR,
        "2025-2026": YearRef(1, "2025-2026", date(2025, 9, 1), date(2026, 7, 4)),
    },
    current_year=YEAR,
    schools={
        "T0001": SchoolRef(1, "T0001", "04", in_scope=True),
        "T0002": SchoolRef(2, "T0002", "06", in_scope=False),
    },
    today=date(2026, 11, 24),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01/03/2012", date(2012, 3, 1)),
        ("1/3/2012", date(2012, 3, 1)),
        ("01-03-2012", date(2012, 3, 1)),
        ("2012-03-01", date(2012, 3, 1)),
        ("٠١/٠٣/٢٠١٢", date(2012, 3, 1)),
        ("31/02/2010", None),
        ("2010-02-30", None),
        ("12/31/2010", None),
        ("01/03/12", None),
        ("demain", None),
    ],
)
def test_it_reads_dates_in_both_formats_and_refuses_impossible_ones(
    text: str, expected: date | None
) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("F", "F"),
        ("m", "M"),
        ("أنثى", "F"),
        ("ذكر", "M"),
        ("Fille", "F"),
        ("garçon", "M"),
        ("garcon", "M"),
        ("X", None),
    ],
)
def test_it_reads_genders_in_every_accepted_spelling(text: str, expected: str | None) -> None:
    assert parse_gender(text) == expected


def test_it_reads_relations_and_phones() -> None:
    assert [parse_relation(t) for t in ("pere", "Père", "mère", "tuteur", "الأب", "oncle")] == [
        "father",
        "father",
        "mother",
        "tutor",
        "father",
        None,
    ]
    assert normalise_phone("06 12 34 56 78") == "0612345678"
    assert normalise_phone("+212 6-12-34-56-78") == "0612345678"
    assert normalise_phone("00212537112233") == "0537112233"
    assert normalise_phone("12345") is None


def test_a_valid_row_gives_its_normalised_values() -> None:
    clean, errors = check_pupil_row(pupil_row(0, code_national="a100000001"), REFERENCE)
    assert errors == []
    assert clean["code"] == "A100000001"
    assert clean["birth_date"] == "2017-01-01"
    assert (clean["school_id"], clean["year_id"], clean["level_id"]) == (1, 2, 5)
    assert clean["guardian"] == {
        "relation": "father",
        "last_name_ar": "العلوي",
        "first_name_ar": "محمد",
        "last_name_latn": "Alaoui",
        "first_name_latn": "Mohammed",
        "national_id": "AB100000",
        "phone": "0610000000",
    }


ROW_ERRORS = [
    ({"date_naissance": "31/02/2010"}, "date_naissance", "not_a_date"),
    ({"date_naissance": "01/01/2027"}, "date_naissance", "date_in_future"),
    ({"date_naissance": "01/01/2025"}, "date_naissance", "date_implausible"),
    ({"date_naissance": "01/01/1940"}, "date_naissance", "date_implausible"),
    ({"date_naissance": ""}, "date_naissance", "required"),
    ({"nom_ar": "Alaoui"}, "nom_ar", "not_arabic"),
    ({"prenom_fr": "ياسين"}, "prenom_fr", "not_latin"),
    ({"nom_fr": ""}, "nom_fr", "required"),
    ({"genre": "X"}, "genre", "bad_gender"),
    ({"code_national": "123"}, "code_national", "bad_code"),
    ({"code_etablissement": "Z9999"}, "code_etablissement", "unknown_school"),
    ({"code_etablissement": "T0002"}, "code_etablissement", "school_out_of_scope"),
    ({"annee_scolaire": "2030-2031"}, "annee_scolaire", "unknown_year"),
    ({"niveau": "P9"}, "niveau", "unknown_level"),
    ({"niveau": "TC"}, "filiere", "stream_required"),
    ({"niveau": "TC", "filiere": "SMA"}, "filiere", "unknown_stream"),
    ({"filiere": "TCS"}, "filiere", "stream_forbidden"),
    ({"classe": "x" * 41}, "classe", "too_long"),
    ({"tuteur_relation": ""}, "tuteur_relation", "required"),
    ({"tuteur_relation": "oncle"}, "tuteur_relation", "bad_relation"),
    ({"tuteur_prenom_ar": "", "tuteur_prenom_fr": ""}, "tuteur_prenom_fr", "guardian_names"),
    ({"tuteur_cin": "123"}, "tuteur_cin", "bad_cin"),
    ({"tuteur_telephone": "12"}, "tuteur_telephone", "bad_phone"),
]


@pytest.mark.parametrize(("values", "column", "code"), ROW_ERRORS)
def test_each_bad_value_is_reported_on_its_column(
    values: dict[str, str], column: str, code: str
) -> None:
    _clean, errors = check_pupil_row(pupil_row(0, **values), REFERENCE)
    assert [(e.column, e.code) for e in errors] == [(column, code)]
    assert code in MESSAGES


def test_a_row_without_a_guardian_is_valid_and_a_stream_level_takes_its_stream() -> None:
    empty_guardian = {c: "" for c in PUPIL_COLUMN_NAMES if c.startswith("tuteur_")}
    clean, errors = check_pupil_row(
        pupil_row(0, niveau="tc", filiere="tcs", **empty_guardian), REFERENCE
    )
    assert errors == []
    assert (clean["level_id"], clean["stream_id"], clean["guardian"]) == (12, 1, None)


def test_messages_name_the_row_the_column_and_the_value_in_the_readers_language() -> None:
    with translation.override("en"):
        assert error_line(1204, "date_naissance", "not_a_date", {"value": "31/02/2010"}) == (
            'row 1,204, column date_naissance: "31/02/2010" is not a date'
        )
        assert describe("code_twice", {"value": "A100000001", "row": 1204}) == (
            "the national code A100000001 is already on row 1,204"
        )
    with translation.override("fr"):
        assert "1\u202f204" in error_line(1204, "genre", "required", {})


def test_headers_are_read_whatever_their_case_accents_and_separators() -> None:
    assert normalise_header("\ufeff Date Naissance ") == "date_naissance"
    assert normalise_header("Année-Scolaire") == "annee_scolaire"


def test_it_reads_csv_with_semicolons_and_a_bom() -> None:
    data = "\ufeff".encode() + csv_bytes([pupil_row(0)], delimiter=";")
    table = open_table(data, "eleves.csv")
    assert table.header == list(PUPIL_COLUMN_NAMES)
    [(number, row)] = list(table.rows)
    assert number == 2
    assert row["nom_ar"] == "العلوي"


def test_it_reads_xlsx_with_arabic_dates_and_numbers() -> None:
    data = xlsx_bytes(
        [{**pupil_row(0), "date_naissance": date(2012, 3, 1), "tuteur_telephone": 612345678}]
    )
    [(number, row)] = list(open_table(data, "eleves.xlsx").rows)
    assert number == 2
    assert (row["nom_ar"], row["date_naissance"], row["tuteur_telephone"]) == (
        "العلوي",
        "2012-03-01",
        "612345678",
    )


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        ("nom;prenom\n".encode("cp1256") + "علي".encode("cp1256"), "x.csv", "not_utf8"),
        (b"PK\x03\x04garbage", "x.xlsx", "not_xlsx"),
        (b"", "x.csv", "no_rows"),
        (b"a,b,a\n", "x.csv", "duplicate_column"),
        (b"%PDF-1.4", "x.pdf", "unknown_format"),
    ],
)
def test_unreadable_files_are_refused_as_a_whole(data: bytes, name: str, code: str) -> None:
    with pytest.raises(UnreadableFile) as refused:
        list(open_table(data, name).rows)
    assert refused.value.code == code


def test_the_downloadable_template_and_the_docs_list_every_column() -> None:
    static = ROOT / "madrasa" / "imports" / "static" / "imports" / "modele_eleves.csv"
    assert static.read_bytes() == template_csv().encode()
    docs = (ROOT / "docs" / "imports.md").read_text(encoding="utf-8")
    for column in PUPIL_COLUMN_NAMES:
        assert f"`{column}`" in docs, column
